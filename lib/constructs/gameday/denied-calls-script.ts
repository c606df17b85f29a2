/** Recovery-point ARNs the deletion attempt uses: AWS Backup names real recovery points by UUID, never like this. */
export const CANARY_RECOVERY_POINT_PREFIX = 'rxdr-gameday-canary-';

/**
 * Python run by `aws:executeScript` in the deletion-attempt game day. For each vault it tries the calls the
 * vault access policy must deny: delete and shorten a recovery point (a canary ARN that names no real recovery
 * point, so nothing can be deleted even where the denial is missing), and write the vault's access policy
 * (the very policy it has, so nothing changes even then). Each call must fail with AccessDenied; any other
 * outcome fails the step and names the call. The attempts land in CloudTrail, where the security detections
 * (recovery-point deletion, vault policy change) count them.
 */
export const ATTEMPT_DENIED_CALLS = `
import datetime, json, uuid
import boto3, botocore

def attempt(name, call):
    at = datetime.datetime.now(datetime.timezone.utc).isoformat()
    try:
        call()
        return {'call': name, 'at': at, 'outcome': 'ALLOWED'}
    except botocore.exceptions.ClientError as error:
        code = error.response['Error']['Code']
        return {'call': name, 'at': at, 'outcome': 'DENIED' if code == 'AccessDeniedException' else code}

def handler(events, context):
    results = []
    for vault in json.loads(events['Vaults']):
        backup = boto3.client('backup', region_name=vault['region'])
        name = vault['name']
        canary = 'arn:' + vault['partition'] + ':backup:' + vault['region'] + ':' + vault['account'] + \\
            ':recovery-point:${CANARY_RECOVERY_POINT_PREFIX}' + str(uuid.uuid4())
        results.append(dict(vault=name, **attempt('DeleteRecoveryPoint', lambda: backup.delete_recovery_point(
            BackupVaultName=name, RecoveryPointArn=canary))))
        results.append(dict(vault=name, **attempt('UpdateRecoveryPointLifecycle', lambda: backup.update_recovery_point_lifecycle(
            BackupVaultName=name, RecoveryPointArn=canary, Lifecycle={'DeleteAfterDays': 1}))))
        policy = backup.get_backup_vault_access_policy(BackupVaultName=name)['Policy']
        results.append(dict(vault=name, **attempt('PutBackupVaultAccessPolicy', lambda: backup.put_backup_vault_access_policy(
            BackupVaultName=name, Policy=policy))))
    not_denied = [r for r in results if r['outcome'] != 'DENIED']
    if not_denied:
        raise Exception('not denied: ' + json.dumps(not_denied))
    return {'attempts': json.dumps(results)}
`.trim();
