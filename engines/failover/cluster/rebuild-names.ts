/**
 * What the failback of a detached secondary names the global database it creates from the detached cluster:
 * deterministic, so a resumed run finds it and IAM can name it. (Its new primary-region secondary and that
 * cluster's instance take the database's failback identifier, `<primary>-fb`, like an RDS instance's failback.)
 */
export function rebuiltGlobalIdentifier(globalClusterIdentifier: string): string {
  return `${globalClusterIdentifier}-fb`;
}
