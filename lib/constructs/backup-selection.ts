import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ProtectedDatabase } from '../config/environment-config';
import { TagKeys } from '../tags';

export interface DatabaseBackupSelectionProps {
  readonly plan: backup.IBackupPlan;
  readonly role: iam.IRole;
  /** The tier whose databases this selection covers. */
  readonly tier: string;
  /** The tier's databases: created ones are found by tag, adopted ones by ARN. */
  readonly databases: readonly ProtectedDatabase[];
  /** Where adopted instances live. */
  readonly primaryRegion: string;
}

/**
 * Selects a tier's databases for its plan: every resource tagged `rxdr:tier=<tier>` (the reference
 * instances rxdr creates carry the tag) and every adopted instance by its ARN, so an adopted database is
 * protected even before anyone tags it.
 */
export class DatabaseBackupSelection extends Construct {
  /** The ARNs of adopted databases this selection lists explicitly. */
  readonly adoptedArns: readonly string[];
  readonly selection: backup.BackupSelection;

  constructor(scope: Construct, id: string, props: DatabaseBackupSelectionProps) {
    super(scope, id);
    const wrongTier = props.databases.filter((db) => db.tier !== props.tier).map((db) => `${db.name} (${db.tier})`);
    if (wrongTier.length > 0) throw new Error(`selection for tier "${props.tier}" got databases of other tiers: ${wrongTier.join(', ')}`);
    this.adoptedArns = props.databases.flatMap((db) => (db.mode === 'adopt' ? [DatabaseBackupSelection.instanceArn(this, props.primaryRegion, db.instanceIdentifier)] : []));
    this.selection = new backup.BackupSelection(this, 'Selection', {
      backupPlan: props.plan,
      role: props.role,
      backupSelectionName: `rxdr-${props.tier}`,
      resources: [backup.BackupResource.fromTag(TagKeys.tier, props.tier), ...this.adoptedArns.map((arn) => backup.BackupResource.fromArn(arn))],
    });
  }

  /** `arn:<partition>:rds:<region>:<account>:db:<identifier>`, via formatArn. */
  static instanceArn(scope: Construct, region: string, instanceIdentifier: string): string {
    return Stack.of(scope).formatArn({ service: 'rds', region, resource: 'db', resourceName: instanceIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
