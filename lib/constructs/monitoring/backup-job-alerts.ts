import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlertTopicTarget } from '../alert-topic-target';
import { VAULT_NOTIFICATION_EVENTS } from '../backup-vault';

export type BackupJobKind = 'backup' | 'copy' | 'restore';

interface JobKindSpec {
  readonly detailType: string;
  /** Restore events report `status`, backup and copy events `state` (as the AWS Backup API does). */
  readonly stateField: 'state' | 'status';
  readonly idField: string;
  /** Where the protected resource appears in the event. */
  readonly resourcePath: string;
  /** Every end state that means "this job did not leave a usable recovery point / restore". */
  readonly badStates: readonly string[];
}

/** AWS Backup's EventBridge events ("Backup/Copy/Restore Job State Change", source `aws.backup`). */
export const BACKUP_JOB_EVENTS: Readonly<Record<BackupJobKind, JobKindSpec>> = {
  backup: {
    detailType: 'Backup Job State Change',
    stateField: 'state',
    idField: 'backupJobId',
    resourcePath: '$.detail.resourceArn',
    badStates: ['FAILED', 'ABORTED', 'EXPIRED'],
  },
  copy: {
    detailType: 'Copy Job State Change',
    stateField: 'state',
    idField: 'copyJobId',
    resourcePath: '$.detail.resourceArn',
    badStates: ['FAILED', 'ABORTED', 'PARTIAL'],
  },
  restore: {
    detailType: 'Restore Job State Change',
    stateField: 'status',
    idField: 'restoreJobId',
    resourcePath: '$.resources[0]',
    badStates: ['FAILED', 'ABORTED'],
  },
};

/**
 * The bad end states EventBridge must report for a job kind: those the vaults' own event notifications
 * (`VAULT_NOTIFICATION_EVENTS`: backup failed/expired, copy failed, restore failed) do not already send to the
 * same topic. Each bad state reaches on-call exactly once.
 */
export function eventBridgeStates(kind: BackupJobKind): string[] {
  const notified = new Set<string>(VAULT_NOTIFICATION_EVENTS);
  return BACKUP_JOB_EVENTS[kind].badStates.filter((state) => !notified.has(`${kind.toUpperCase()}_JOB_${state}`));
}

export interface BackupJobAlertsProps {
  /** rxdr environment name, for the message. */
  readonly environmentName: string;
  /** The region's encrypted alerts topic (its key and topic policy let events.amazonaws.com publish). */
  readonly topic: sns.ITopic;
}

/**
 * EventBridge rules, one per job kind, that send AWS Backup jobs ending aborted, expired or partial to the
 * alerts topic with a readable message (job id, resource, state, status message). Deployed in both regions:
 * copy jobs report in the region they run in, and restores (drills, failover) run in the recovery region.
 * Failures the vault notifications already report are left out (see `eventBridgeStates`).
 */
export class BackupJobAlerts extends Construct {
  /** Rules by job kind (a kind whose bad states are all covered by vault notifications has none). */
  readonly rules: Partial<Record<BackupJobKind, events.Rule>>;

  constructor(scope: Construct, id: string, props: BackupJobAlertsProps) {
    super(scope, id);
    const rules: Partial<Record<BackupJobKind, events.Rule>> = {};
    for (const kind of Object.keys(BACKUP_JOB_EVENTS) as BackupJobKind[]) {
      const spec = BACKUP_JOB_EVENTS[kind];
      const states = eventBridgeStates(kind);
      if (states.length === 0) continue;
      const rule = new events.Rule(this, `${title(kind)}Jobs`, {
        description: `rxdr ${props.environmentName}: AWS Backup ${kind} jobs ending ${states.join(', ')} (vault notifications report the rest)`,
        eventPattern: { source: ['aws.backup'], detailType: [spec.detailType], detail: { [spec.stateField]: states } },
      });
      const field = (path: string) => events.EventField.fromPath(path);
      const message = events.RuleTargetInput.fromText(
        `rxdr ${props.environmentName}: AWS Backup ${kind} job ${field(`$.detail.${spec.idField}`)} is ${field(`$.detail.${spec.stateField}`)} ` +
          `in ${field('$.region')} at ${field('$.time')}. Resource: ${field(spec.resourcePath)}. Status message: ${field('$.detail.statusMessage')}`,
      );
      rule.addTarget(new AlertTopicTarget(props.topic, message));
      rules[kind] = rule;
    }
    this.rules = rules;
  }
}

function title(kind: string): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
