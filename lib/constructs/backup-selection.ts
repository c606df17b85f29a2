import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ClusterIdentity, DatabaseIdentity, names, SourceResource } from '../naming';

/**
 * A database a selection lists: an instance or Aurora cluster rxdr creates (named after the environment), or an
 * existing one.
 */
export type SelectedDatabase = (DatabaseIdentity | ClusterIdentity) & { readonly tier: string };

export interface DatabaseBackupSelectionProps {
  readonly plan: backup.IBackupPlan;
  readonly role: iam.IRole;
  /** The environment the databases belong to (created instances are named after it). */
  readonly environment: string;
  /** The tier whose databases this selection covers. */
  readonly tier: string;
  /** The tier's databases in this environment: each is selected by its instance or cluster ARN, nothing else is. */
  readonly databases: readonly SelectedDatabase[];
  /** Where the instances live. */
  readonly primaryRegion: string;
}

/**
 * Selects exactly one environment's databases of one tier for the tier's plan: the ARN of every created
 * instance or cluster (`names.primarySource`) and of every adopted one, and no tag criterion. AWS Backup
 * protects an Aurora cluster as one resource (continuous backup and snapshots of the cluster).
 * AWS Backup ORs `ListOfTags` with `Resources`, so a tag selection would also take in any database of another
 * environment (or a scratch copy) that carries the tag, into this environment's locked vault. Why ARNs and
 * not `Conditions`: docs/database-protection.md, "Which databases a plan selects".
 */
export class DatabaseBackupSelection extends Construct {
  /** The instance and cluster ARNs this selection lists, one per database, in config order. */
  readonly resourceArns: readonly string[];
  readonly selection: backup.BackupSelection;

  constructor(scope: Construct, id: string, props: DatabaseBackupSelectionProps) {
    super(scope, id);
    const wrongTier = props.databases.filter((db) => db.tier !== props.tier).map((db) => `${db.name} (${db.tier})`);
    if (wrongTier.length > 0)
      throw new Error(`selection for tier "${props.tier}" got databases of other tiers: ${wrongTier.join(', ')}`);
    if (props.databases.length === 0) {
      throw new Error(
        `selection for tier "${props.tier}" got no databases: a selection without resources selects every resource`,
      );
    }
    this.resourceArns = props.databases.map((db) =>
      DatabaseBackupSelection.sourceArn(
        this,
        props.primaryRegion,
        names.primarySource({ name: props.environment }, db),
      ),
    );
    this.selection = new backup.BackupSelection(this, 'Selection', {
      backupPlan: props.plan,
      role: props.role,
      backupSelectionName: `rxdr-${props.environment}-${props.tier}`,
      resources: this.resourceArns.map((arn) => backup.BackupResource.fromArn(arn)),
    });
  }

  /** The RDS identifier a database is selected by (`names.primaryInstance`). */
  static instanceIdentifier(environment: string, db: DatabaseIdentity): string {
    return names.primaryInstance({ name: environment }, db);
  }

  /** `arn:<partition>:rds:<region>:<account>:db:<identifier>`, via formatArn. */
  static instanceArn(scope: Construct, region: string, instanceIdentifier: string): string {
    return DatabaseBackupSelection.sourceArn(scope, region, { resource: 'db', identifier: instanceIdentifier });
  }

  /** `arn:<partition>:rds:<region>:<account>:<db|cluster>:<identifier>`, via formatArn. */
  static sourceArn(scope: Construct, region: string, source: SourceResource): string {
    return Stack.of(scope).formatArn({
      service: 'rds',
      region,
      resource: source.resource,
      resourceName: source.identifier,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}
