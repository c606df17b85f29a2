/** "point-in-time" → "PointInTime": a construct id part from a configured name. */
export function pascal(name: string): string {
  return name.replace(/(^|[^a-zA-Z0-9])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}
