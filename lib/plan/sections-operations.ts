import { postgresSupport } from '../../engines/common/engine-support';
import { isCluster, isInstance } from '../config/database-kind';
import { clusterFailoverStrategy } from '../config/cluster-strategy';
import { EnvironmentConfig, ProtectedDatabase } from '../config/environment-config';
import { FailoverStrategy, TierPreset } from '../config/tiers';
import { SECURITY_DETECTIONS } from '../constructs/governance/security-detections';
import { names } from '../naming';
import { restoredClusterIdentifier } from '../constructs/failover/failover-runbooks';
import { rebuiltGlobalIdentifier } from '../../engines/failover/cluster/rebuild-names';
import { Block, list, paragraph, Section, subheading, table } from './document';
import { drillCadence, drillDue } from '../config/drill-cadence';
import { drillCalendar } from './drill-calendar';
import { RUNBOOKS, PlanInputs } from './plan-inputs';
import { usedTiers, minutes, days, achieved } from './plan-format';

export const STRATEGY_STEPS: Readonly<
  Record<FailoverStrategy, (config: EnvironmentConfig, tier: TierPreset) => string[]>
> = {
  'promote-replica': (config, tier) => [
    `The failover run checks the cross-region read replica's lag against the RPO (${minutes(tier.rpoMinutes)}) and pauses for approval.`,
    `The Approver approves or aborts; on approval the replica in ${config.recoveryRegion} is promoted to a standalone primary (minutes).`,
  ],
  'point-in-time': (config, tier) => [
    `The failover run finds the latest restorable time of the replicated automated backups in ${config.recoveryRegion} (within the ${minutes(tier.rpoMinutes)} RPO) and pauses for approval.`,
    'The Approver approves or aborts; on approval the database is restored to that time (tens of minutes).',
  ],
  'latest-backup': (config) => [
    `The failover run picks the newest recovery point copied to \`${names.recoveryVault(config)}\` and pauses for approval.`,
    'The Approver approves or aborts; on approval the recovery point is restored (hours for large databases).',
  ],
};

export function recoverySection({ config, runbooks }: PlanInputs): Section {
  const link = (key: keyof typeof RUNBOOKS, label: string) =>
    runbooks?.includes(RUNBOOKS[key]) ? `[${label}](${RUNBOOKS[key]})` : `\`${RUNBOOKS[key]}\``;
  const blocks: Block[] = [
    paragraph(
      `Disaster-recovery procedure (HIPAA 164.308(a)(7)(ii)(B)). Failovers and failbacks run as the Step ` +
        `Functions state machines \`${names.failoverStateMachine(config)}\` and ` +
        `\`${names.failbackStateMachine(config)}\` in ${config.recoveryRegion}; every run records evidence ` +
        `and who started it. Runbooks: ${link('failover', 'failover')}, ${link('failback', 'failback')}, ${link('breakGlass', 'break-glass access')}.`,
    ),
  ];
  const strategies = new Map<FailoverStrategy, { tier: TierPreset; systems: string[] }>();
  for (const db of config.databases.filter(isInstance)) {
    const entry = strategies.get(db.tierPreset.failoverStrategy) ?? { tier: db.tierPreset, systems: [] };
    entry.systems.push(db.name);
    strategies.set(db.tierPreset.failoverStrategy, entry);
  }
  for (const [strategy, { tier, systems }] of strategies) {
    blocks.push(
      subheading(
        `${strategy} (${systems.join(', ')}; RTO ${minutes(tier.rtoMinutes)}, RPO ${minutes(tier.rpoMinutes)})`,
      ),
      list(
        [
          'The on-call engineer confirms the outage (alarms, AWS Health) and, with the escalation chain, ' +
            'activates the contingency plan: the "Contingency plan activated" message goes out and pharmacies ' +
            'switch to emergency mode.',
          `The Operator starts \`${names.failoverStateMachine(config)}\` for the affected systems with strategy \`${strategy}\`.`,
          ...STRATEGY_STEPS[strategy](config, tier),
          'The run validates the recovered database (integrity checks, encryption, network isolation) and records the achieved RTO and RPO as evidence.',
          'Applications are pointed at the recovered database; the "Failover complete" message goes out and pharmacies leave emergency mode.',
        ],
        true,
      ),
    );
  }
  blocks.push(...clusterProcedures(config));
  blocks.push(
    subheading('Failback'),
    list(
      [
        `When ${config.primaryRegion} is healthy again, the Operator starts ` +
          `\`${names.failbackStateMachine(config)}\`; it rebuilds the primary from the recovery region and ` +
          `pauses for approval before switching.`,
        'The Approver approves the switch in a maintenance window agreed with pharmacy operations.',
        'The run validates the primary, records evidence, and the "Failback complete" message goes out.',
      ],
      true,
    ),
  );
  return { id: 'recovery', title: 'Disaster-recovery procedure', blocks };
}

export function emergencySection(config: EnvironmentConfig): Section {
  const byTier = usedTiers(config).map(
    ([tierName, tier, systems]) =>
      `${systems.join(', ')} (${tierName}): unavailable for up to ${minutes(tier.rtoMinutes)} (the RTO); at most ${minutes(tier.rpoMinutes)} of the latest changes may need re-entry (the RPO).`,
  );
  return {
    id: 'emergency-mode',
    title: 'Emergency-mode operation',
    blocks: [
      paragraph(
        'How pharmacies keep serving patients while systems are being recovered (HIPAA ' +
          '164.308(a)(7)(ii)(C)). Emergency mode starts when the plan is activated and ends with the ' +
          '"Failover complete" message.',
      ),
      subheading('What is affected'),
      list(byTier),
      paragraph(
        `Backups, their copies in ${config.recoveryRegion} and the audit trail keep working during a primary-region outage: they live in the recovery region.`,
      ),
      subheading('How pharmacies operate'),
      list(config.contingency.emergencyMode ?? [], true),
    ],
  };
}

export function drillSection({ config, now, runbooks }: PlanInputs): Section {
  const blocks: Block[] = [
    paragraph(
      `Restores are tested on a schedule and every test leaves evidence (HIPAA 164.308(a)(7)(ii)(D)). The ` +
        `drill state machine \`${names.drillStateMachine(config)}\` restores each system's newest recovery ` +
        `point in ${config.recoveryRegion}, validates it, measures RTO and RPO against the tier targets, ` +
        `deletes the restored instance and writes the evidence${runbooks?.includes(RUNBOOKS.drill) ? ` ([restore-drill runbook](${RUNBOOKS.drill}))` : ''}.`,
    ),
  ];
  try {
    const calendar = drillCalendar(config.drill.schedule, config.drill.timezone, now ?? new Date(0), now ? 6 : 0);
    blocks.push(
      table(
        ['Item', 'Value'],
        [
          ['Schedule', `\`${config.drill.schedule}\` (${config.drill.timezone}): ${calendar.description}`],
          ['Systems restored at the same time', String(config.drill.maxConcurrency)],
          ['Restore instance class', config.drill.instanceClass],
          ['Time limit', minutes(config.drill.timeoutMinutes)],
        ],
      ),
    );
    if (now && calendar.next.length > 0)
      blocks.push(
        subheading(`Next drills after ${now.toISOString().slice(0, 10)}`),
        list(calendar.next.map((date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`)),
      );
    else if (!now) blocks.push(paragraph('Run `rxdr plan` for the next drill dates.'));
  } catch (error) {
    blocks.push(
      paragraph(
        `Schedule \`${config.drill.schedule}\`: the calendar could not be computed (${(error as Error).message}).`,
      ),
    );
  }
  return { id: 'drills', title: 'Drill calendar', blocks };
}

export function resultsSection({ config, evidence, now }: PlanInputs): Section {
  if (!evidence) {
    return {
      id: 'results',
      title: 'Latest drill results',
      blocks: [
        paragraph(
          `Drill and failover evidence is kept in \`${names.evidenceBucket(config)}\`; \`rxdr plan --evidence <dir or s3 URL>\` lists the latest results here.`,
        ),
      ],
    };
  }
  if ('error' in evidence) {
    return {
      id: 'results',
      title: 'Latest drill results',
      blocks: [paragraph(`Evidence at \`${evidence.source}\` could not be read: ${evidence.error}`)],
    };
  }
  const mine = evidence.documents.filter((doc) => doc.environment === config.name);
  const rows = config.databases.map((db) => {
    const latest = [...mine].reverse().find((doc) => doc.database === db.name);
    const lastDrill = [...mine].reverse().find((doc) => doc.database === db.name && doc.kind === 'drill');
    const started = lastDrill ? new Date(lastDrill.timestamps.started) : undefined;
    const due = drillDue(drillCadence(config.drill, db.tier), started, now ?? new Date(0));
    const next = due.nextDrillDue
      ? `${due.nextDrillDue.slice(0, 16).replace('T', ' ')}${now && due.overdue ? ' **overdue**' : ''}`
      : due.lastDrill
        ? 'none scheduled'
        : '**now** (never drilled)';
    if (!latest) return [db.name, 'no evidence yet', '—', '—', '—', '—', next];
    return [
      db.name,
      `${latest.kind} ${latest.timestamps.started.slice(0, 16).replace('T', ' ')} (${latest.provider})`,
      latest.result === 'passed' ? 'passed' : `**failed**${latest.failureReason ? `: ${latest.failureReason}` : ''}`,
      achieved(latest.achievedRtoSeconds, latest.targets.rtoSeconds),
      achieved(latest.achievedRpoSeconds, latest.targets.rpoSeconds),
      latest.startedBy,
      next,
    ];
  });
  return {
    id: 'results',
    title: 'Latest drill results',
    blocks: [
      paragraph(
        `From \`${evidence.source}\` (${mine.length} document${mine.length === 1 ? '' : 's'} for ${config.name}).`,
      ),
      table(
        [
          'System',
          'Latest run',
          'Result',
          'RTO achieved / target',
          'RPO achieved / target',
          'Started by',
          'Next drill due (UTC)',
        ],
        rows,
      ),
    ],
  };
}

export function monitoringSection({ config, facts, now }: PlanInputs): Section {
  const trail =
    config.auditTrail.mode === 'organization'
      ? `The organization trail \`${config.auditTrail.organizationTrailArn}\` records this account; rxdr ` +
        `creates no trail of its own and raises the alarms below from EventBridge rules in both regions.`
      : `A multi-region CloudTrail trail in ${config.recoveryRegion} with log-file validation, encrypted ` +
        `with \`${names.auditKeyAlias(config)}\`, writes to an S3 Object Lock bucket (log files kept ` +
        `${days(config.auditTrail.objectLockDays)}) and to CloudWatch Logs ` +
        `(${days(config.auditTrail.logRetentionDays)}), where metric filters raise the alarms below.`;
  const today = (now ?? new Date()).toISOString().slice(0, 10);
  const created = config.databases.filter(
    (db): db is Extract<ProtectedDatabase, { mode: 'create' }> => db.mode === 'create',
  );
  const blocks: Block[] = [
    subheading('Audit trail'),
    paragraph(trail + (facts ? ` Synthesized: ${facts.auditTrail}.` : '')),
    subheading('Security alarms'),
    table(
      ['Alarm', 'What to do'],
      SECURITY_DETECTIONS.map((d) => [d.title, d.response]),
    ),
    subheading('Patching'),
    paragraph(
      'Reference instances take automatic minor-version upgrades in their maintenance window; a ' +
        'compliance rule fails the build when an engine version is past its end of RDS standard support. ' +
        'Adopted instances are patched by their owners. Every instance, created or adopted, is read hourly ' +
        'by the conformance check (engine support, minor upgrades, encryption, backups, TLS, pgaudit); each ' +
        'kind of finding raises an alarm, and `rxdr status` or `rxdr plan --conformance` names the instance.',
    ),
  ];
  if (created.length > 0) {
    blocks.push(
      table(
        ['System', 'Engine', 'Maintenance window (UTC)', 'End of standard support'],
        created.map((db) => {
          const support = postgresSupport(db.engineVersion, today);
          return [
            db.name,
            `PostgreSQL ${db.engineVersion}`,
            db.preferredMaintenanceWindow,
            support.endOfStandardSupport
              ? `${support.endOfStandardSupport}${now && support.pastEndOfSupport ? ' (passed: upgrade now)' : ''}`
              : 'not in the support table',
          ];
        }),
      ),
    );
  }
  return { id: 'monitoring', title: 'Audit, monitoring and patching', blocks };
}

export function maintenanceSection({ config, facts }: PlanInputs): Section {
  const blocks: Block[] = [
    list([
      'This plan changes only through the configuration: edit it, review the change, deploy. Each deployment stores the generated plan, named by its version, in the evidence bucket under `plans/`.',
      `Stored plan versions, like all evidence, are kept ${days(config.retention.evidenceDays)} under Object Lock (HIPAA 164.316(b)(2)).`,
      'Review the plan after every failover, after a failed drill, and at least once a year (HIPAA 164.308(a)(7)(ii)(E), applications and data criticality analysis).',
    ]),
  ];
  if (facts) {
    blocks.push(
      subheading('Deployed resources (from the synthesized app)'),
      table(
        ['Resource', 'Value'],
        [
          [
            'Vaults',
            facts.vaults.map((v) => `${v.name}${v.lock ? ` (${v.lock})` : ''}`).join(', ') || 'none synthesized',
          ],
          [
            'Reference instances',
            facts.databaseInstances
              .map(
                (db) =>
                  `${db.id}: PostgreSQL ${db.engineVersion ?? 'default'}, minor upgrades ` +
                  `${db.autoMinorVersionUpgrade === false ? 'off' : 'on'}${db.maintenanceWindow ? `, window ${db.maintenanceWindow}` : ''}`,
              )
              .join('; ') || 'none synthesized',
          ],
          ['IAM roles', facts.roles.join(', ') || 'none synthesized'],
          ['Security alarms', String(facts.alarms)],
        ],
      ),
    );
  }
  return { id: 'plan-maintenance', title: 'Keeping this plan current', blocks };
}

/** Each Aurora cluster's runbook: the global database's failover (or switchover), or a restore of the cluster. */
function clusterProcedures(config: EnvironmentConfig): Block[] {
  return config.databases.filter(isCluster).flatMap((db) => {
    const tier = db.tierPreset;
    const strategy = clusterFailoverStrategy(tier);
    const steps =
      strategy === 'global-failover'
        ? [
            `Regional outage: the run fails the global database \`${names.globalCluster(config, db)}\` over to its ` +
              `secondary \`${names.secondaryCluster(config, db)}\` in ${config.recoveryRegion} ` +
              '(`FailoverGlobalCluster` with data loss allowed); the data lost is bounded by the replication lag ' +
              'the lag alarm watches, and the plan shows it before approval.',
            'Planned (maintenance, game day): strategy `global-switchover` switches over without data loss; it needs ' +
              'the primary region.',
            'The global database cannot fail over (the call fails, the global database is broken): strategy ' +
              `\`detach-and-promote\` detaches \`${names.secondaryCluster(config, db)}\` ` +
              '(`RemoveFromGlobalCluster`), which makes it a standalone writable cluster; data loss is bounded by the replication lag as for a ' +
              'failover. The old primary cluster is still writable when its region returns: keep clients off it. ' +
              'Failing back is automated (`rxdr failback`): it creates the global database ' +
              `\`${rebuiltGlobalIdentifier(names.globalCluster(config, db))}\` from the detached cluster, a new ` +
              `secondary \`${names.primaryCluster(config, db)}-fb\` in ${config.primaryRegion} with one instance, ` +
              'then switches over to it under the write freeze; the old primary cluster and its global database are ' +
              'left for you to delete once nothing needs their data.',
          ]
        : [
            `The run restores the newest recovery point of \`${names.primaryCluster(config, db)}\` from the recovery ` +
              `vault \`${names.recoveryVault(config)}\` in ${config.recoveryRegion} and adds one instance.`,
          ];
    // Aurora restores a cluster to a point in time only in its own region: for a damaged cluster, not an outage.
    const restored = restoredClusterIdentifier({ primaryClusterIdentifier: names.primaryCluster(config, db) });
    steps.push(
      'The region is up but the cluster is damaged (a bad migration, rows deleted or corrupted): strategy ' +
        `\`point-in-time\` (with \`--force\`, the cluster still answers) restores \`${names.primaryCluster(config, db)}\` ` +
        `to a chosen time (default its latest restorable time) as \`${restored}\` ` +
        `beside it in ${config.primaryRegion} and adds one instance; the plan shows the data lost since that time. ` +
        'The run refuses it while the region does not answer.',
    );
    return [
      subheading(
        `${strategy}, Aurora cluster (${db.name}; RTO ${minutes(tier.rtoMinutes)}, RPO ${minutes(tier.rpoMinutes)})`,
      ),
      list(
        [
          'The on-call engineer confirms the outage and activates the contingency plan, as for instances.',
          `The Operator starts \`${names.failoverStateMachine(config)}\` for ${db.name} ` +
            `(strategy \`${strategy}\` by default); an Approver approves it.`,
          ...steps,
          db.failover?.clientsUseGlobalWriterEndpoint
            ? 'The run validates the recovered cluster and records the achieved RTO and RPO as evidence. Clients ' +
              `connect through the global writer endpoint of \`${names.globalCluster(config, db)}\`: after a global ` +
              'failover or switchover AWS has moved it to the new writer, so no pointer changes and the run verifies ' +
              'that it followed; `detach-and-promote` and `latest-backup` leave the global database and repoint ' +
              "clients at the new cluster's writer endpoint."
            : 'The run validates the recovered cluster, repoints clients at its writer endpoint and records the ' +
              'achieved RTO and RPO as evidence.',
        ],
        true,
      ),
    ];
  });
}
