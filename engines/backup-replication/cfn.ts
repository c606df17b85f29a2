import { z } from 'zod';
import { ReplicationTarget } from './replication';

const properties = z.object({
  SourceDBInstanceArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance ARN'),
  DestinationRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region'),
  KmsKeyId: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z0-9/_-]+$/, 'must be a KMS key or alias ARN'),
  // CloudFormation passes every property as a string.
  BackupRetentionPeriod: z.coerce.number().int().min(1).max(35),
});

const common = {
  ResponseURL: z.url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceType: z.string(),
  ResourceProperties: properties,
};

export const eventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...common, RequestType: z.literal('Create') }),
  z.object({
    ...common,
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string(),
    OldResourceProperties: properties,
  }),
  z.object({ ...common, RequestType: z.literal('Delete'), PhysicalResourceId: z.string() }),
]);

export type ReplicationEvent = z.infer<typeof eventSchema>;

/**
 * Marks a Create that failed. CloudFormation then sends a Delete for it during rollback, which must not
 * stop a replication someone else had already set up for the same instance.
 */
export const FAILED_CREATE_PREFIX = 'rxdr-failed-create:';

export function targetOf(props: z.infer<typeof properties>): ReplicationTarget {
  return {
    sourceDbInstanceArn: props.SourceDBInstanceArn,
    destinationRegion: props.DestinationRegion,
    kmsKeyId: props.KmsKeyId,
    retentionDays: props.BackupRetentionPeriod,
  };
}

/** One replication per source instance and destination region. */
export function physicalIdOf(target: ReplicationTarget): string {
  return `${target.sourceDbInstanceArn}|${target.destinationRegion}`;
}
