import type { Template } from 'aws-cdk-lib/assertions';
import { names } from '../../lib/naming';
import { environment } from '../helpers/config';
import { synthStage } from '../helpers/synth';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

function statements(template: Template, sid: string): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::ManagedPolicy'),
    ...template.findResources('AWS::IAM::Policy'),
  };
  return Object.values(policies).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid),
  );
}
const text = (value: unknown) => JSON.stringify(value);

/** The runbooks' catalogs as their functions receive them (an environment variable, CloudFormation-encoded). */
function catalogsOf(template: Template): string {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  const catalogs = functions.flatMap((f) => {
    const value = f.Properties.Environment?.Variables?.RUNBOOK_CATALOG as unknown;
    return value === undefined ? [] : [value];
  });
  expect(catalogs.length).toBeGreaterThan(0);
  return text(catalogs);
}

describe('latest-backup failover from the air-gapped vault while the recovery vault is declared lost', () => {
  test('air-gapped: the runbook reads exactly the declaration parameter and lists the air-gapped vault', () => {
    const config = environment({ isolatedBackup: { mode: 'air-gapped' } });
    const { recovery } = synthStage(config);
    const declaration = names.gameDayVaultLostParameter(config);
    const read = statements(recovery, 'LatestBackupReadsVaultDeclaredLost');
    expect(read).toHaveLength(1);
    expect(read[0]!.Action).toBe('ssm:GetParameter');
    expect(text(read[0]!.Resource)).toContain(`:parameter${declaration}"`);
    expect(text(read[0]!.Resource)).not.toContain('*');
    const list = statements(recovery, 'NewestRecoveryPoint');
    expect(list).toHaveLength(1);
    expect(list[0]!.Action).toBe('backup:ListRecoveryPointsByBackupVault');
    expect(text(list[0]!.Resource)).toContain(`backup-vault:${names.airGappedVault(config)}`);
    expect(text(list[0]!.Resource)).toContain(`backup-vault:${names.recoveryVault(config)}`);
    expect(catalogsOf(recovery)).toContain(`isolatedVaultName\\":\\"${names.airGappedVault(config)}`);
    expect(catalogsOf(recovery)).toContain(`vaultLostParameterName\\":\\"${declaration}`);
  });

  test('without an air-gapped vault: no declaration read, only the recovery vault listed', () => {
    const config = environment();
    const { recovery } = synthStage(config);
    expect(statements(recovery, 'LatestBackupReadsVaultDeclaredLost')).toEqual([]);
    expect(statements(recovery, 'NewestRecoveryPoint').map((s) => text(s.Resource))).toEqual([
      expect.not.stringContaining('air-gapped'),
    ]);
    expect(catalogsOf(recovery)).not.toContain('isolatedVaultName');
    expect(catalogsOf(recovery)).not.toContain('vaultLostParameterName');
  });
});
