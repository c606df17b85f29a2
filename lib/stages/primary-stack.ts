import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';

export interface PrimaryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The primary region: the protected databases, their backup plans and the primary vault. */
export class PrimaryStack extends Stack {
  readonly config: EnvironmentConfig;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    this.config = props.config;
  }
}
