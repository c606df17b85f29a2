/**
 * End of RDS standard support per RDS for PostgreSQL major version: after this date RDS enrolls the
 * instance in paid Extended Support and the engine gets only critical fixes. Maintained by hand.
 *
 * Source: "Release calendar for Amazon RDS for PostgreSQL" (Amazon RDS for PostgreSQL Release Notes,
 * https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html).
 * 11 and 12 were cross-checked against the AWS Database Blog upgrade posts for those versions
 * ("end of standard support is February 29, 2024"; "will conclude on February 28, 2025"). Review this
 * table when AWS announces a new major version or moves a date; last reviewed 2026-11-28.
 */
export const POSTGRES_END_OF_STANDARD_SUPPORT: Readonly<Record<string, string>> = {
  '11': '2024-02-29',
  '12': '2025-02-28',
  '13': '2026-02-28',
  '14': '2027-02-28',
  '15': '2028-02-29',
  '16': '2029-02-28',
  '17': '2030-02-28',
};

/**
 * Oldest major version rxdr creates reference instances with: RDS no longer creates instances of older majors
 * in standard support, and the validation engine's catalog queries need 13 or later.
 */
const OLDEST_SUPPORTED_MAJOR = 13;

/** Major versions a reference instance may run: the support table's, from the oldest supported one on. */
export function supportedPostgresMajors(): string[] {
  return Object.keys(POSTGRES_END_OF_STANDARD_SUPPORT).filter((major) => Number(major) >= OLDEST_SUPPORTED_MAJOR);
}

/** Why `version` cannot be a reference instance's engine version, or undefined when it can. */
export function postgresVersionProblem(version: string): string | undefined {
  const supported = supportedPostgresMajors();
  if (!/^\d+(\.\d+)?$/.test(version))
    return `must be a PostgreSQL version such as "17" or "17.6"; supported major versions: ${supported.join(', ')}`;
  const major = postgresMajor(version);
  if (!supported.includes(major))
    return `PostgreSQL ${major} is not supported; supported major versions: ${supported.join(', ')}`;
  return undefined;
}

export interface EngineSupport {
  readonly major: string;
  /** `YYYY-MM-DD`, undefined when the table does not list the major version. */
  readonly endOfStandardSupport?: string;
  /** True when `today` is after the end of standard support. */
  readonly pastEndOfSupport: boolean;
}

/** Major version of a PostgreSQL version string: "17.6" → "17", "9.6.24" → "9.6". */
export function postgresMajor(version: string): string {
  const [first = '', second] = version.split('.');
  return Number(first) < 10 && second !== undefined ? `${first}.${second}` : first;
}

/** Support status of a PostgreSQL version on a given day (`today` as YYYY-MM-DD, UTC). */
export function postgresSupport(version: string, today: string): EngineSupport {
  const major = postgresMajor(version);
  const end = POSTGRES_END_OF_STANDARD_SUPPORT[major];
  // Versions older than the table's oldest (9.6, 10) ended before it starts.
  const ancient = end === undefined && Number(major) < 11;
  return { major, endOfStandardSupport: end, pastEndOfSupport: ancient || (end !== undefined && today > end) };
}
