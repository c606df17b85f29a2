/** One client per region, created on first use and kept for the life of the Lambda container. */
export function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    const known = made.get(region);
    if (known) return known;
    const client = create(region);
    made.set(region, client);
    return client;
  };
}
