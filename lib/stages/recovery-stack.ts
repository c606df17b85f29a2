import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';

export interface RecoveryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The recovery region: the recovery vault, evidence, drills and failover runbooks. */
export class RecoveryStack extends Stack {
  readonly config: EnvironmentConfig;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, props);
    this.config = props.config;
  }
}
