/**
 * DB instance classes RDS for PostgreSQL offers for single-AZ and Multi-AZ DB instances: family → sizes.
 *
 * Source: "Supported DB engines for DB instance classes" and "DB instance class types" in the Amazon RDS User
 * Guide (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Types.html). Classes offered
 * only for Multi-AZ DB clusters (db.c6gd) and previous generations no longer offered for new PostgreSQL
 * instances (db.m4, db.r4, db.t2) are left out. Not every class exists in every region: the deployment checks
 * that. Review when AWS announces a new instance family; last reviewed 2026-12-06.
 */
const UP_TO_2XLARGE = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];
const UP_TO_16XLARGE = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const UP_TO_24XLARGE = [...UP_TO_16XLARGE, '24xlarge'];
const UP_TO_32XLARGE = [...UP_TO_24XLARGE, '32xlarge'];
const UP_TO_48XLARGE = [...UP_TO_24XLARGE, '48xlarge'];

export const RDS_POSTGRES_INSTANCE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  t3: UP_TO_2XLARGE,
  t4g: UP_TO_2XLARGE,
  m5: UP_TO_24XLARGE,
  m5d: UP_TO_24XLARGE,
  m6g: UP_TO_16XLARGE,
  m6gd: UP_TO_16XLARGE,
  m6i: UP_TO_32XLARGE,
  m6id: UP_TO_32XLARGE,
  m6idn: UP_TO_32XLARGE,
  m6in: UP_TO_32XLARGE,
  m7g: UP_TO_16XLARGE,
  m7i: UP_TO_48XLARGE,
  m8g: UP_TO_48XLARGE,
  r5: UP_TO_24XLARGE,
  r5b: UP_TO_24XLARGE,
  r5d: UP_TO_24XLARGE,
  r6g: UP_TO_16XLARGE,
  r6gd: UP_TO_16XLARGE,
  r6i: UP_TO_32XLARGE,
  r6id: UP_TO_32XLARGE,
  r6idn: UP_TO_32XLARGE,
  r6in: UP_TO_32XLARGE,
  r7g: UP_TO_16XLARGE,
  r7i: UP_TO_48XLARGE,
  r8g: UP_TO_48XLARGE,
  x2g: UP_TO_16XLARGE,
  x2iedn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge', '24xlarge', '32xlarge'],
};

/** Why `value` is not an RDS for PostgreSQL instance class, or undefined when it is one. */
export function instanceClassProblem(value: string): string | undefined {
  const [prefix, family = '', size = '', ...rest] = value.split('.');
  if (prefix !== 'db' || !family || !size || rest.length > 0)
    return 'must be an RDS instance class such as "db.t4g.medium"';
  const sizes = RDS_POSTGRES_INSTANCE_CLASSES[family];
  if (!sizes)
    return `"db.${family}" is not an instance family RDS for PostgreSQL offers; families: ${Object.keys(RDS_POSTGRES_INSTANCE_CLASSES).join(', ')}`;
  if (!sizes.includes(size)) return `db.${family} comes in ${sizes.join(', ')}, not "${size}"`;
  return undefined;
}
