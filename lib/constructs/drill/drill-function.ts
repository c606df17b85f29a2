import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** `lambda/drill/aws/<file>.ts`, found from `lib/…` (ts-node) and from a compiled `dist/lib/…`. */
export function drillEntry(file: string): string {
  for (const up of ['../../..', '../../../..']) {
    const candidate = path.resolve(__dirname, up, 'lambda', 'drill', 'aws', file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`drill Lambda entry lambda/drill/aws/${file} not found from ${__dirname}`);
}

export interface DrillFunctionProps {
  readonly entry: string;
  readonly handler: string;
  readonly description: string;
  readonly key: kms.IKey;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly securityGroups: ec2.ISecurityGroup[] };
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Reserved concurrency (a drill never needs more than the Map's maxConcurrency at once). */
  readonly reservedConcurrency: number;
}

/** A drill Lambda: esbuild bundle (AWS SDK v3 bundled: the runtime's copy may lack newer APIs), nodejs22.x, arm64, CMK-encrypted logs. */
export class DrillFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: DrillFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { encryptionKey: props.key, retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: props.entry,
      handler: props.handler,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      logGroup,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { POWERTOOLS_SERVICE_NAME: 'rxdr-drill', NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: { minify: true, sourceMap: true, target: 'node22', bundleAwsSDK: true, externalModules: ['pg-native'] },
      ...(props.vpc ? { vpc: props.vpc.vpc, securityGroups: props.vpc.securityGroups, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } } : {}),
    });
  }
}
