import { Template } from 'aws-cdk-lib/assertions';
import { DRILL_ENV } from '../../../engines/drill/environment';
import { LocalStateMachine } from '../../helpers/local-state-machine';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';
import { databaseSpec, drillStack } from './drill-stack';
import { SETTINGS } from './fake-aws';
import { DrillWorld } from './harness';

/*
 * The synthesized drill state machine with the real task code: while the recovery vault is declared lost (the SSM
 * parameter a game day writes), the drill restores the isolated vault's newest copy into the drill network and
 * validates it; without the declaration it restores from the recovery vault as always.
 */
useThrowawayCaBundle();

const AIR_GAPPED = 'rxdr-test-air-gapped';
const DECLARATION = '/rxdr/test/gameday/vault-declared-lost';
const { stack } = drillStack({
  databases: [
    databaseSpec('dispensing', { tierName: 'critical', tier: 1, targets: { rtoSeconds: 3600, rpoSeconds: 300 } }),
    databaseSpec('inventory', { source: 'point-in-time' }),
  ],
  isolatedVault: {
    vaultName: AIR_GAPPED,
    vaultArn: `arn:aws:backup:us-west-2:111111111111:backup-vault:${AIR_GAPPED}`,
  },
  vaultLostParameterName: DECLARATION,
});
const template = Template.fromStack(stack);
const machine = LocalStateMachine.fromTemplate(template);

/** The drill functions' settings as the construct sets them (what the Lambda reads at cold start). */
function synthesizedSettings() {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } };
  }[];
  const pickSource = functions.find((f) => f.Properties.Handler?.endsWith('.pickSource'));
  const variables = pickSource?.Properties.Environment?.Variables ?? {};
  return {
    ...SETTINGS,
    isolatedVaultName: variables[DRILL_ENV.isolatedVaultName] as string,
    vaultLostParameterName: variables[DRILL_ENV.vaultLostParameterName] as string,
  };
}

type Evidence = {
  database: string;
  result: string;
  source: { id: string; kind: string; details: Record<string, string> };
  target: { network?: string };
  checks: { id: string; status: string }[];
  timestamps: { available?: string; validated?: string };
};

async function drill(declared: boolean) {
  const world = new DrillWorld({ concurrency: 5, pointInTime: ['inventory'], settings: synthesizedSettings() });
  if (declared) world.aws.parameters.set(DECLARATION, JSON.stringify({ vault: 'rxdr-test-recovery' }));
  try {
    const run = await machine.run({ databases: 'all' }, { tasks: world.tasks() });
    return { run, world, evidence: world.aws.evidence as Evidence[] };
  } finally {
    world.aws.restore();
  }
}

describe('drill state machine: the recovery vault declared lost', () => {
  test('the construct hands the drill functions the isolated vault and the declaration parameter', () => {
    expect(synthesizedSettings()).toMatchObject({ isolatedVaultName: AIR_GAPPED, vaultLostParameterName: DECLARATION });
  });

  test('declared lost: every database restores the isolated copy into the drill network and validates it', async () => {
    const { run, world, evidence } = await drill(true);
    expect(run.status).toBe('SUCCEEDED');
    expect(world.aws.pointInTimeRequests).toHaveLength(0);
    expect(evidence).toHaveLength(2);
    for (const doc of evidence) {
      expect(doc).toMatchObject({
        result: 'passed',
        source: {
          kind: 'snapshot',
          id: expect.stringContaining(`recovery-point:new-${AIR_GAPPED}-`),
          details: { via: 'aws-backup', vault: AIR_GAPPED, recoveryVaultDeclaredLost: expect.any(String) },
        },
        timestamps: { available: expect.any(String), validated: expect.any(String) },
      });
      expect(doc.checks).toContainEqual(expect.objectContaining({ id: 'restore.drill-network', status: 'passed' }));
    }
    expect(world.aws.mutations.every((m) => m.drillNamed)).toBe(true);
    expect(world.aws.deleted.sort()).toEqual(world.aws.created.sort());
  });

  test('not declared: the recovery vault (and replicated backups for point-in-time) as always', async () => {
    const { run, world, evidence } = await drill(false);
    expect(run.status).toBe('SUCCEEDED');
    const byDb = Object.fromEntries(evidence.map((e) => [e.database, e]));
    expect(byDb.dispensing).toMatchObject({
      result: 'passed',
      source: {
        id: expect.stringContaining('recovery-point:new-rxdr-test-recovery-'),
        details: { vault: 'rxdr-test-recovery' },
      },
    });
    expect(byDb.dispensing!.source.details.recoveryVaultDeclaredLost).toBeUndefined();
    expect(byDb.inventory).toMatchObject({ result: 'passed', source: { kind: 'point-in-time' } });
    expect(world.aws.pointInTimeRequests).toHaveLength(1);
  });
});
