import { environment } from '../../helpers/config';
import { policyStatements, type FoundStatement } from '../../helpers/iam';
import { synthStage } from '../../helpers/synth';

/*
 * The isolated-copy game day in the templates: the Operator may withdraw the declaration that the recovery vault is
 * lost and do nothing else with SSM parameters; the drill reads the declaration and lists the air-gapped vault, and
 * its restores stay fenced exactly as before (drill-named, drill-tagged instances in the drill network).
 */
const DECLARATION = 'parameter/rxdr/qa/gameday/vault-declared-lost';
const airGapped = synthStage(environment({ isolatedBackup: { mode: 'air-gapped' } }, 'qa')).recovery;
const withoutIsolatedVault = synthStage(environment({}, 'qa')).recovery;

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };
const actionsOf = (s: Statement) => [s.Action].flat();
const statementsOf = (found: FoundStatement[], resource: RegExp) =>
  found.filter((f) => resource.test(f.resource)).map((f) => f.statement as unknown as Statement);

describe('isolated-copy-restore: IAM', () => {
  const all = policyStatements(airGapped);

  test('the Operator may only delete the vault-lost declaration: no other SSM parameter permission', () => {
    const operator = statementsOf(all, /RolesOperatorPolicy/).filter((s) => s.Effect === 'Allow');
    const onParameters = operator.filter((s) => actionsOf(s).some((a) => /^ssm:.*Parameter/.test(a)));
    expect(onParameters).toHaveLength(1);
    expect(actionsOf(onParameters[0]!)).toEqual(['ssm:DeleteParameter']);
    const resources = [onParameters[0]!.Resource].flat();
    expect(resources).toHaveLength(1);
    expect(JSON.stringify(resources[0])).toContain(`:ssm:us-west-2:111111111111:${DECLARATION}`);
  });

  test("the drill's source step reads the declaration and lists the recovery and the air-gapped vaults", () => {
    const pickSource = statementsOf(all, /PickSourceFn/).filter((s) => s.Effect === 'Allow');
    const read = pickSource.find((s) => s.Sid === 'ReadWhetherTheRecoveryVaultIsDeclaredLost');
    expect(read && actionsOf(read)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(read!.Resource)).toContain(`:ssm:us-west-2:111111111111:${DECLARATION}`);
    const list = pickSource.find((s) => s.Sid === 'ListRecoveryPoints')!;
    expect(list.Resource).toEqual([
      'arn:aws:backup:us-west-2:111111111111:backup-vault:rxdr-qa-air-gapped',
      { 'Fn::GetAtt': [expect.stringMatching(/^Vault/), 'BackupVaultArn'] },
    ]);
  });

  test('restores from the isolated vault are fenced exactly like the recovery vault restores', () => {
    const fence = (found: FoundStatement[]) =>
      JSON.stringify([
        ...statementsOf(found, /DrillBackupRestoreRole/),
        ...statementsOf(found, /StartRestoreFn/),
        ...statementsOf(found, /CheckRestoreFn|RequestCleanupFn|CheckCleanupFn/),
      ]);
    const before = fence(policyStatements(withoutIsolatedVault));
    expect(before).toMatch(/CreateDrillInstancesOnlyWithDrillTag/);
    expect(before).toMatch(/DenyTouchingInstancesWithoutDrillTag/);
    expect(fence(all)).toEqual(before);
  });

  test('without an air-gapped vault no drill role reads the declaration', () => {
    expect(JSON.stringify(policyStatements(withoutIsolatedVault).filter((f) => /Drill/.test(f.resource)))).not.toMatch(
      /vault-declared-lost/,
    );
  });
});
