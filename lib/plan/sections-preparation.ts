import {
  MESSAGE_IDS,
  MESSAGE_TITLES,
  MessageTemplate,
  RUNTIME_TEMPLATE_VARIABLES,
  TEMPLATE_VARIABLES,
} from '../config/contingency';
import { EnvironmentConfig } from '../config/environment-config';
import { ROLE_DEFINITIONS, ROLE_KINDS } from '../constructs/governance/role-definitions';
import { names } from '../naming';
import { isInstance } from '../config/database-kind';
import { clusterFailoverStrategy } from '../config/cluster-strategy';
import { Block, list, paragraph, Section, subheading, table } from './document';
import { PlanInputs } from './plan-inputs';
import { fillTemplate, usedTiers, minutes, days } from './plan-format';

export function scopeSection({ config, facts }: PlanInputs): Section {
  const blocks: Block[] = [
    paragraph(
      `This plan is generated from the rxdr configuration that also builds the environment's ` +
        `infrastructure, so it describes what is deployed. It covers the data backup plan, ` +
        `disaster-recovery plan, emergency-mode operation plan, testing and criticality analysis required ` +
        `by HIPAA 45 CFR 164.308(a)(7).`,
    ),
    table(
      ['Item', 'Value'],
      [
        ['Environment', config.name],
        ['AWS account', config.account],
        ['Primary region', config.primaryRegion],
        ['Recovery region', config.recoveryRegion],
        ['Data classification', config.dataClassification],
        ['Protected systems', String(config.databases.length)],
        [
          'Stacks',
          facts
            ? `${facts.stacks.recovery} (deployed first), ${facts.stacks.primary}`
            : `${names.recoveryStack(config)} (deployed first), ${names.primaryStack(config)}`,
        ],
      ],
    ),
  ];
  return { id: 'scope', title: 'Scope', blocks };
}

export function systemsSection(config: EnvironmentConfig): Section {
  const rows = config.databases.map((db) => [
    db.name,
    `${db.tier}${db.tierPreset.description ? ` (${db.tierPreset.description})` : ''}`,
    minutes(db.tierPreset.rtoMinutes),
    minutes(db.tierPreset.rpoMinutes),
    db.tierPreset.drPattern,
    isInstance(db) ? db.tierPreset.failoverStrategy : clusterFailoverStrategy(db.tierPreset),
    databaseDescription(config, db),
  ]);
  return {
    id: 'systems',
    title: 'Systems, criticality tiers and recovery objectives',
    blocks: [
      paragraph(
        'Each system has a criticality tier (HIPAA 164.308(a)(7)(ii)(E)); the tier sets its recovery time objective (RTO), recovery point objective (RPO) and recovery pattern.',
      ),
      table(['System', 'Tier', 'RTO', 'RPO', 'DR pattern', 'Failover strategy', 'Database'], rows),
    ],
  };
}

export function backupSection({ config, facts }: PlanInputs): Section {
  const tiersInUse = usedTiers(config);
  const isolated = config.isolatedBackup as { mode?: string; account?: string; vaultName?: string } | undefined;
  const copies = [`vault \`${names.recoveryVault(config)}\` in ${config.recoveryRegion}`];
  if (isolated?.mode === 'air-gapped')
    copies.push(`logically air-gapped vault \`${names.airGappedVault(config)}\` in ${config.recoveryRegion}`);
  else if (isolated?.account)
    copies.push(
      `vault \`${isolated.vaultName ?? '(named by the isolated account)'}\` in the isolated account ${isolated.account}`,
    );

  const rows = tiersInUse.map(([tierName, tier, systems]) => [
    tierName,
    systems.join(', '),
    `${tier.snapshotFrequency} snapshots` +
      (tier.continuousBackup
        ? `; continuous backup (point-in-time restore, ${config.retention.continuousDays} days)`
        : '') +
      (tier.crossRegionReadReplica ? `; cross-region read replica in ${config.recoveryRegion}` : ''),
    `vault \`${names.primaryVault(config)}\` in ${config.primaryRegion}; copies to ${copies.join(' and ')}`,
    `daily ${days(config.retention.dailyDays)}; monthly ${days(config.retention.monthlyDays)}${tier.continuousBackup ? `; continuous ${days(config.retention.continuousDays)}` : ''}`,
  ]);
  const blocks: Block[] = [
    paragraph(
      'What is backed up, how often, where and for how long (data backup plan, HIPAA 164.308(a)(7)(ii)(A)). Every system is selected by an AWS Backup plan that makes retrievable exact copies.',
    ),
    table(['Tier', 'Systems', 'How often', 'Where', 'Kept'], rows),
    subheading('How backups are protected'),
    list([
      `Encrypted with customer-managed KMS keys per region (\`${names.keyAlias(config, 'primary')}\`, ` +
        `\`${names.keyAlias(config, 'recovery')}\`), rotation on; TLS in transit.`,
      `Vault Lock in ${config.vaultLock.mode} mode` +
        (config.vaultLock.mode === 'compliance'
          ? ` (immutable after a ${config.vaultLock.changeableForDays}-day cooling-off)`
          : ' (removable only by the break-glass role)') +
        '.',
      `Vault access policies deny deleting recovery points, shortening their lifecycle and changing the ` +
        `policies to everyone except the break-glass role \`${names.breakGlassRole(config)}\`; every ` +
        `attempt raises an alarm.`,
      `Copies leave the primary region${isolated ? ' and the workload account' : ''}: ${copies.join('; ')}.`,
      `Drill and failover evidence and every version of this plan are kept ${days(config.retention.evidenceDays)} under S3 Object Lock in \`${names.evidenceBucket(config)}\` (HIPAA 164.316(b)(2)).`,
    ]),
  ];
  if (config.retentionWaivers.length > 0) {
    blocks.push(
      subheading('Retention waivers'),
      table(
        ['Class', 'Minimum', 'Reason'],
        config.retentionWaivers.map((w) => [w.recoveryPointClass, days(w.minimumDays), w.reason]),
      ),
    );
  }
  if (facts && facts.backupRules.length > 0) {
    blocks.push(
      subheading('Backup rules as synthesized'),
      table(
        ['Plan', 'Rule', 'Schedule', 'Deleted after', 'Copied to'],
        facts.backupRules.map((rule) => [
          rule.plan,
          rule.rule,
          rule.schedule ?? (rule.continuous ? 'continuous' : 'on demand'),
          rule.deleteAfterDays === undefined ? 'never' : days(rule.deleteAfterDays),
          rule.copyTo.join(', ') || 'no copy',
        ]),
      ),
    );
  }
  return { id: 'backups', title: 'Backups', blocks };
}

export function rolesSection(config: EnvironmentConfig): Section {
  const chain = config.contingency.escalation ?? [];
  return {
    id: 'roles',
    title: 'Roles, access and escalation',
    blocks: [
      subheading('Escalation chain'),
      paragraph('Paged in order; each level is paged when the incident is not acknowledged within its time.'),
      table(
        ['Level', 'Role', 'Who', 'Contact', 'Paged after', 'Responsibilities'],
        chain.map((level, i) => [
          String(i + 1),
          level.role,
          level.name,
          [level.email, level.phone].filter(Boolean).join(', '),
          level.escalateAfterMinutes === 0 ? 'at once' : minutes(level.escalateAfterMinutes),
          level.responsibilities ?? '—',
        ]),
      ),
      subheading('AWS roles'),
      paragraph(
        `One IAM role per duty in account ${config.account}. Nobody approves their own failover: the Operator role is denied approval actions.`,
      ),
      table(
        ['Role', 'May', 'May not', 'Session'],
        ROLE_KINDS.map((kind) => {
          const role = ROLE_DEFINITIONS[kind];
          const label = kind === 'BreakGlass' ? `BreakGlass (\`${names.breakGlassRole(config)}\`)` : kind;
          return [
            label,
            role.may.join('; '),
            role.mayNot.join('; '),
            `${role.maxSessionHours} h${kind === 'BreakGlass' ? ', MFA required' : ''}`,
          ];
        }),
      ),
    ],
  };
}

export function communicationSection(config: EnvironmentConfig): Section {
  const stakeholders = config.contingency.stakeholders ?? [];
  const blocks: Block[] = [
    subheading('Who is informed'),
    table(
      ['Group', 'Who', 'Contact', 'Informed within'],
      stakeholders.map((s) => [
        s.group,
        s.name,
        s.email,
        s.notifyWithinHours === undefined ? 'with the activation message' : `${s.notifyWithinHours} h of activation`,
      ]),
    ),
    paragraph(
      `Alarms and workflow messages go to the environment's alert topics (SNS, encrypted), subscribed by: ${config.notifications.emails.join(', ')}.`,
    ),
    subheading('Message templates'),
    paragraph(
      `Values known now are filled in below; the workflow fills in the rest when it sends the message: ${RUNTIME_TEMPLATE_VARIABLES.map((v) => `«${v}» (${TEMPLATE_VARIABLES[v]})`).join(', ')}.`,
    ),
  ];
  for (const id of MESSAGE_IDS) {
    const template = config.contingency.messages?.[id] as MessageTemplate;
    blocks.push(
      subheading(MESSAGE_TITLES[id]),
      table(['Subject', 'Body'], [[fillTemplate(template.subject, config), fillTemplate(template.body, config)]]),
    );
  }
  return { id: 'communication', title: 'Communication', blocks };
}

function databaseDescription(config: EnvironmentConfig, db: EnvironmentConfig['databases'][number]): string {
  if (isInstance(db))
    return db.mode === 'create'
      ? `reference instance, PostgreSQL ${db.engineVersion}`
      : `existing instance \`${db.instanceIdentifier}\``;
  const cluster =
    db.mode === 'create'
      ? `reference Aurora cluster, Aurora PostgreSQL ${db.engineVersion}`
      : `existing Aurora cluster \`${db.clusterIdentifier}\``;
  return db.tierPreset.crossRegionReadReplica
    ? `${cluster}; global database secondary \`${names.secondaryCluster(config, db)}\` in ${config.recoveryRegion}`
    : cluster;
}
