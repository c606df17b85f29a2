import { isCluster } from '../../lib/config/database-kind';
import { clusterFailoverStrategy } from '../../lib/config/cluster-strategy';
import { names } from '../../lib/naming';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EvidenceDocument } from '../../engines/evidence/schema';
import { FileEvidenceStore } from '../../engines/evidence/store';
import { MESSAGE_IDS } from '../../lib/config/contingency';
import { fillTemplate } from '../../lib/plan/contingency-plan';
import { cliClock } from '../../lib/cli/clock';
import { rxdr } from '../helpers/cli';
import { environmentInput, shippedConfig } from '../helpers/config';
import { tempDir } from '../helpers/temp-dir';

const SECTIONS = [
  'Scope',
  'Systems, criticality tiers and recovery objectives',
  'Backups',
  'Disaster-recovery procedure',
  'Emergency-mode operation',
  'Roles, access and escalation',
  'Communication',
  'Drill calendar',
  'Latest drill results',
  'Audit, monitoring and patching',
  'Keeping this plan current',
];
/** Text a generator leaves behind when a value is missing. */
const LEFTOVERS = [
  /\{\{/,
  /\}\}/,
  /\bTODO\b/i,
  /\bTBD\b/,
  /\bundefined\b/,
  /\bnull\b/,
  /\bNaN\b/,
  /\[object Object\]/,
  /\?\?\?/,
];

const planDir = () => tempDir('rxdr-plan');

describe('rxdr plan for every shipped environment', () => {
  const environments = shippedConfig().environments;

  test.each(environments.map((env) => [env.name, env] as const))(
    '%s: every section, values from config, nothing left unfilled',
    async (_name, env) => {
      const { code, stdout, stderr } = await rxdr('plan', '--env', env.name, '--evidence', planDir());
      expect({ code, stderr: stderr.replace(/^warning: .*example domain.*\n/m, '') }).toEqual({ code: 0, stderr: '' });

      SECTIONS.forEach((title, i) => expect(stdout).toContain(`## ${i + 1}. ${title}\n`));
      expect(stdout).toContain(`# Contingency plan: ${env.name}`);
      expect(stdout).toContain(`| AWS account | ${env.account} |`);
      for (const db of env.databases) {
        // A cluster's row names its runbook strategy: the global database's failover, or a restore.
        const strategy = isCluster(db) ? clusterFailoverStrategy(db.tierPreset) : db.tierPreset.failoverStrategy;
        expect(stdout).toMatch(
          new RegExp(`\\| ${db.name} \\| ${db.tier} .*\\| ${db.tierPreset.drPattern} \\| ${strategy} \\|`),
        );
        if (isCluster(db)) {
          expect(stdout).toContain(`### ${strategy}, Aurora cluster (${db.name};`);
          expect(stdout).toContain(`\`${names.failoverStateMachine(env)}\` for ${db.name} (strategy`);
          // The global database's way out when it cannot fail over is listed next to its failover.
          if (strategy === 'global-failover') {
            expect(stdout).toContain(`\`detach-and-promote\` detaches \`${names.secondaryCluster(env, db)}\``);
            // Its failback is automated: the plan names what the runbook builds.
            expect(stdout).toContain(
              `Failing back is automated (\`rxdr failback\`): it creates the global database ` +
                `\`${names.globalCluster(env, db)}-fb\` from the detached cluster`,
            );
          }
        }
      }
      for (const level of env.contingency.escalation ?? [])
        expect(stdout).toContain(`| ${level.role} | ${level.name} | ${level.email}`);
      for (const stakeholder of env.contingency.stakeholders ?? [])
        expect(stdout).toContain(`| ${stakeholder.group} | ${stakeholder.name} | ${stakeholder.email} |`);
      for (const id of MESSAGE_IDS) expect(stdout).toContain(fillTemplate(env.contingency.messages![id]!.subject, env));
      for (const step of env.contingency.emergencyMode ?? []) expect(stdout).toContain(step);
      expect(stdout).toContain(`\`${env.drill.schedule}\``);
      expect(stdout).toMatch(/### Next drills after \d{4}-\d{2}-\d{2}\n\n(- \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\n){6}/);
      expect(stdout).toContain(`rxdr-${env.name}-break-glass`);
      expect(stdout).toContain('### Deployed resources (from the synthesized app)');
      for (const leftover of LEFTOVERS) expect(stdout).not.toMatch(leftover);
    },
  );

  test('values from config reach the plan (a changed RTO and contact show up)', async () => {
    const dir = planDir();
    const input = environmentInput({
      tiers: { critical: { rtoMinutes: 45 } },
      contingency: {
        ...shippedConfig().environments[0]!.contingency,
        escalation: [
          { role: 'Night pharmacist lead', name: 'R. Rivera', email: 'rivera@pharmacy.test', escalateAfterMinutes: 0 },
        ],
      },
    });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ environments: { qa: input } }));
    const { code, stdout } = await rxdr('plan', '--env', 'qa', '--config', path.join(dir, 'config.json'), '--no-synth');
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| dispensing \| critical .*\| 45 min \| 5 min \|/);
    expect(stdout).toContain('| 1 | Night pharmacist lead | R. Rivera | rivera@pharmacy.test | at once |');
  });

  test('warns when contacts still use the example domains', async () => {
    const { stderr } = await rxdr('plan', '--env', 'dev', '--no-synth');
    expect(stderr).toMatch(/warning: \d+ contacts use a reserved example domain \(dr-oncall-dev@example\.com/);
  });
});

describe('rxdr plan output options', () => {
  test('--format html writes one self-contained page with every section', async () => {
    const out = path.join(planDir(), 'nested', 'plan.html');
    const { code, stdout, stderr } = await rxdr(
      'plan',
      '--env',
      'staging',
      '--format',
      'html',
      '--out',
      out,
      '--no-synth',
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`written to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    for (const id of [
      'scope',
      'systems',
      'backups',
      'recovery',
      'emergency-mode',
      'roles',
      'communication',
      'drills',
      'results',
      'monitoring',
      'plan-maintenance',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).toContain('<code>rxdr-staging-failover</code>');
    expect(html).not.toMatch(/<script|\{\{|\*\*/);
  });

  test('an unknown format is a usage error', async () => {
    const { code, stderr } = await rxdr('plan', '--env', 'prod', '--format', 'pdf');
    expect(code).toBe(2);
    expect(stderr).toMatch(/use "md" or "html", got "pdf"/);
  });

  test('an unknown environment lists the configured ones', async () => {
    const { code, stderr } = await rxdr('plan', '--env', 'qa', '--no-synth');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown environment "qa"; configured environments: dev, staging, prod/);
  });
});

describe('rxdr plan with incomplete people and communication config', () => {
  test('fails with exit 2, naming every missing field', async () => {
    const dir = planDir();
    const input = environmentInput({
      contingency: {
        escalation: [
          { role: 'On-call engineer', name: 'Team', email: 'oncall@pharmacy.test', escalateAfterMinutes: 0 },
        ],
        stakeholders: [{ group: 'pharmacy-operations', name: 'Ops', email: 'ops@pharmacy.test' }],
        messages: { planActivated: { subject: 'Plan activated', body: 'Activated for {{environment}}' } },
      },
    });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ environments: { qa: input } }));
    const { code, stdout, stderr } = await rxdr(
      'plan',
      '--env',
      'qa',
      '--config',
      path.join(dir, 'config.json'),
      '--no-synth',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'the contingency plan for "qa" is incomplete; add to environments.qa in the configuration:',
    );
    expect(stderr).toContain('contingency.stakeholders: a stakeholder with group "compliance-officer"');
    expect(stderr).toContain('contingency.stakeholders: a stakeholder with group "business-associate"');
    expect(stderr).toContain('contingency.messages.failoverComplete');
    expect(stderr).toContain('contingency.messages.failbackComplete');
    expect(stderr).toContain('contingency.emergencyMode');
    expect(stderr).not.toContain('contingency.escalation');
    expect(stderr).not.toContain('contingency.messages.planActivated');
  });
});

describe('latest drill results', () => {
  const doc = (
    database: string,
    started: string,
    result: 'passed' | 'failed',
    extra: Partial<EvidenceDocument> = {},
  ): EvidenceDocument => ({
    schemaVersion: 1,
    runId: `run-${database}-${started}`,
    kind: 'drill',
    environment: 'prod',
    provider: 'aws',
    database,
    tier: 1,
    targets: { rtoSeconds: 3600, rpoSeconds: 300 },
    timestamps: { started, recorded: started },
    achievedRtoSeconds: 1800,
    achievedRpoSeconds: 120,
    result,
    checks: [],
    cleanup: { status: 'deleted', resources: [] },
    startedBy: 'schedule:rxdr-prod-drill',
    toolVersion: '0.1.0',
    ...extra,
  });

  test('the newest run per system, with achieved against target, when evidence is reachable', async () => {
    const dir = planDir();
    const store = new FileEvidenceStore(dir);
    await store.put(
      doc('dispensing', '2026-10-01T06:00:00Z', 'failed', {
        failureReason: 'achieved RPO 400 s exceeds the target 300 s',
        achievedRpoSeconds: 400,
      }),
    );
    await store.put(doc('dispensing', '2026-11-01T06:00:00Z', 'passed'));
    await store.put(
      doc('claims', '2026-11-01T06:05:00Z', 'failed', {
        failureReason: 'validation failed: pharmacy.fill-numbers (gap)',
      }),
    );
    await store.put({ ...doc('inventory', '2026-11-01T06:10:00Z', 'passed'), environment: 'staging' });

    const realClock = cliClock.now;
    cliClock.now = () => new Date('2026-11-20T12:00:00Z');
    const { code, stdout } = await rxdr('plan', '--env', 'prod', '--evidence', dir, '--no-synth').finally(() => {
      cliClock.now = realClock;
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`From \`${dir}\` (3 documents for prod).`);
    expect(stdout).toContain(
      '| dispensing | drill 2026-11-01 06:00 (aws) | passed | 1800 s / 3600 s | 120 s / 300 s | schedule:rxdr-prod-drill | 2026-12-01 06:00 |',
    );
    expect(stdout).toContain(
      '| claims | drill 2026-11-01 06:05 (aws) | **failed**: validation failed: pharmacy.fill-numbers (gap) |',
    );
    // Evidence of another environment does not count.
    expect(stdout).toContain('| inventory | no evidence yet | — | — | — | — | **now** (never drilled) |');
    // Past the due date plus the drill time limit, the plan says the drill is overdue.
    cliClock.now = () => new Date('2026-12-02T00:00:00Z');
    const late = await rxdr('plan', '--env', 'prod', '--evidence', dir, '--no-synth').finally(() => {
      cliClock.now = realClock;
    });
    expect(late.stdout).toContain('| schedule:rxdr-prod-drill | 2026-12-01 06:00 **overdue** |');
  });

  test('an unreachable evidence location is reported in the plan, not fatal', async () => {
    const missing = path.join(planDir(), 'nope');
    const { code, stdout } = await rxdr('plan', '--env', 'prod', '--evidence', missing, '--no-synth');
    expect(code).toBe(0);
    expect(stdout).toContain(`Evidence at \`${missing}\` could not be read: no such directory`);
  });
});
