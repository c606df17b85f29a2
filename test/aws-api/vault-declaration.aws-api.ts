import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { clients } from '../../engines/drill/aws/commons';
import { vaultToRestoreFrom } from '../../engines/drill/aws/recovery-source';
import { cliRuntime } from '../../lib/cli/aws';
import { withdrawVaultDeclaration } from '../../lib/cli/gameday/aws-vault-declaration';
import { names } from '../../lib/naming';
import { environment } from '../helpers/config';
import { RECOVERY, resetMoto } from './moto';

/*
 * The isolated-copy game day's declaration against moto's SSM: what the scenario's automation writes, the drill's
 * choice of vault (its Lambda module clients), and `rxdr gameday end`'s withdrawal and "is it gone?" (CLI clients).
 * Restoring from the air-gapped vault itself needs AWS Backup recovery points, which moto does not implement.
 */
const env = environment({ isolatedBackup: { mode: 'air-gapped' } }, 'qa');
const PARAMETER = names.gameDayVaultLostParameter(env);
const settings = {
  vaultName: names.recoveryVault(env),
  isolatedVaultName: names.airGappedVault(env),
  vaultLostParameterName: PARAMETER,
  restoreRoleArn: 'arn:aws:iam::123456789012:role/restore',
  subnetGroupName: 'drill',
  securityGroupIds: ['sg-drill'],
  kmsKeyArn: 'arn:aws:kms:us-west-2:123456789012:key/recovery',
  instanceClass: 'db.t4g.medium',
};
const target = () => ({ env, region: RECOVERY, clients: cliRuntime.clients({ region: RECOVERY }) });

beforeEach(() => resetMoto());

test('declared by the automation: the drill restores from the air-gapped vault; withdrawn by end: from the recovery vault', async () => {
  expect(await vaultToRestoreFrom(clients, settings)).toEqual({ name: 'rxdr-qa-recovery' });

  // The automation's Declare step (aws:executeAwsApi PutParameter, as the scenario's document writes it).
  const declaration = JSON.stringify({ vault: 'rxdr-qa-recovery', automation: 'exec-1' });
  await clients.ssm.send(
    new PutParameterCommand({ Name: PARAMETER, Type: 'String', Overwrite: true, Value: declaration }),
  );
  expect(await vaultToRestoreFrom(clients, settings)).toEqual({
    name: 'rxdr-qa-air-gapped',
    declaredLost: declaration,
  });

  expect(await withdrawVaultDeclaration(target())).toEqual({ parameter: PARAMETER, found: true });
  // Asked again: moto answers ParameterNotFound, which is "gone".
  expect(await withdrawVaultDeclaration(target())).toEqual({ parameter: PARAMETER, found: false });
  expect(await vaultToRestoreFrom(clients, settings)).toEqual({ name: 'rxdr-qa-recovery' });
});

test('declared lost without an isolated vault in this account: the drill says there is nothing to restore from', async () => {
  await clients.ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: '{}' }));
  await expect(vaultToRestoreFrom(clients, { ...settings, isolatedVaultName: undefined })).rejects.toThrow(
    /rxdr-qa-recovery is declared lost .* no isolated vault in this account/,
  );
});
