import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GAMEDAY_JOURNAL_PREFIX, GAMEDAY_RUN_TAG } from '../../../engines/gameday/journal';
import { PEOPLE_PREFIX } from '../../../engines/readiness/records';
import { names } from '../../naming';
import { TagKeys } from '../../tags';

export interface GameDayStatementsProps {
  readonly environmentName: string;
  readonly primaryRegion: string;
  readonly recoveryRegion: string;
  readonly evidenceBucket: s3.IBucket;
  readonly recoveryKey: kms.IKey;
}

/**
 * What `rxdr gameday plan|start|status|end` needs besides the Operator's runbook permissions: this
 * environment's fault experiments (templates carry the environment tag; experiments the run tag), the game
 * day's journal and its evidence and participation records, written beside the drill evidence, the drill evidence
 * itself (the isolated-copy scenario's recovery is a restore drill), and withdrawing that scenario's declaration
 * that the recovery vault is lost.
 */
export function gameDayStatements(scope: Construct, props: GameDayStatementsProps): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const env = props.environmentName;
  const regions = [props.primaryRegion, props.recoveryRegion];
  const fis = (resource: string) =>
    regions.map((region) =>
      stack.formatArn({
        service: 'fis',
        region,
        resource,
        resourceName: '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
  const objects = (...patterns: string[]) => patterns.map((p) => props.evidenceBucket.arnForObjects(p));
  // The game day's own records (journal, participation and training, its evidence) and the runbooks' evidence.
  const written = [`${GAMEDAY_JOURNAL_PREFIX}${env}/*`, `${PEOPLE_PREFIX}${env}/*`, `gameday/${env}/*`];
  const read = [...written, `failover/${env}/*`, `failback/${env}/*`, `${env}/*`];
  return [
    new iam.PolicyStatement({
      sid: 'StartThisEnvironmentsGameDayExperiments',
      actions: ['fis:StartExperiment'],
      resources: fis('experiment-template'),
      conditions: { StringEquals: { [`aws:ResourceTag/${TagKeys.environment}`]: env } },
    }),
    new iam.PolicyStatement({
      sid: 'StartTaggedGameDayExperiments',
      actions: ['fis:StartExperiment', 'fis:TagResource'],
      resources: fis('experiment'),
      conditions: { Null: { [`aws:RequestTag/${GAMEDAY_RUN_TAG}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'FollowAndStopGameDayExperiments',
      actions: ['fis:GetExperiment', 'fis:StopExperiment'],
      resources: fis('experiment'),
      conditions: { Null: { [`aws:ResourceTag/${GAMEDAY_RUN_TAG}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadGameDayTemplates',
      actions: ['fis:GetExperimentTemplate'],
      resources: fis('experiment-template'),
    }),
    new iam.PolicyStatement({
      sid: 'ListGameDayTemplates',
      actions: ['fis:ListExperimentTemplates', 'fis:ListExperiments'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': regions } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadGameDayJournalPeopleAndEvidence',
      actions: ['s3:GetObject'],
      resources: objects(...read),
    }),
    new iam.PolicyStatement({
      sid: 'ListGameDayJournalPeopleAndEvidence',
      actions: ['s3:ListBucket'],
      resources: [props.evidenceBucket.bucketArn],
      conditions: {
        StringLike: { 's3:prefix': read },
      },
    }),
    // Only game-day records: an operator cannot write a drill's or a runbook's evidence.
    new iam.PolicyStatement({
      sid: 'WriteGameDayJournalRecordsAndEvidence',
      actions: ['s3:PutObject'],
      resources: objects(...written),
    }),
    new iam.PolicyStatement({
      sid: 'WithdrawTheVaultLostDeclaration',
      actions: ['ssm:DeleteParameter'],
      resources: [
        stack.formatArn({
          service: 'ssm',
          region: props.recoveryRegion,
          resource: 'parameter',
          resourceName: names.gameDayVaultLostParameter({ name: env }).replace(/^\//, ''),
        }),
      ],
    }),
    evidenceKeyThroughS3(props, ['kms:Decrypt', 'kms:GenerateDataKey']),
  ];
}

/** `rxdr training record`: the caller's own training completions, written beside the evidence. */
export function trainingRecordStatements(props: GameDayStatementsProps): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'WriteTrainingRecords',
      actions: ['s3:PutObject'],
      resources: [props.evidenceBucket.arnForObjects(`${PEOPLE_PREFIX}${props.environmentName}/training/*`)],
    }),
    evidenceKeyThroughS3(props, ['kms:GenerateDataKey']),
  ];
}

/** Encrypting (and, for readers, decrypting) records with the evidence key, only through S3. */
function evidenceKeyThroughS3(props: GameDayStatementsProps, actions: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EvidenceKeyThroughS3',
    actions,
    resources: [props.recoveryKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `s3.${props.recoveryRegion}.amazonaws.com` } },
  });
}
