import { Aws, CustomResource, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeHipaaAndNist, acknowledgeWildcardResources } from '../compliance/acknowledgements';
import { FUNCTION_BUNDLING, FUNCTION_PLATFORM } from './function-runtime';
import { lambdaEntry } from './lambda-entry';
import { lambdaLogsAndRole } from './managed-policy-role';

export interface S3PrefixListProps {
  /** Encrypts the lookup function's log group and environment. */
  readonly key: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The region's AWS-managed S3 prefix list as a security-group peer, so a function in isolated subnets can be
 * allowed HTTPS to the S3 gateway endpoint and nowhere else. CloudFormation cannot name that list, so a
 * custom resource looks it up at deploy time (`lambda/s3-prefix-list.ts`): one `DescribeManagedPrefixLists`
 * from a function of its own, outside any VPC, whose role may do nothing else.
 */
export class S3PrefixList extends Construct {
  /** The prefix list id (`pl-…`), resolved at deploy time. */
  readonly prefixListId: string;
  /** HTTPS peer for `addEgressRule`. */
  readonly peer: ec2.IPeer;
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: S3PrefixListProps) {
    super(scope, id);
    const { logGroup, role } = lambdaLogsAndRole(this, {
      key: props.key,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      description: 'rxdr: look up the S3 prefix list of the region',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribePrefixLists',
        // DescribeManagedPrefixLists has no resource-level permissions.
        actions: ['ec2:DescribeManagedPrefixLists'],
        resources: ['*'],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: lambdaEntry('s3-prefix-list'),
      handler: 'handler',
      description: 'rxdr: Custom::RxdrS3PrefixList (the S3 prefix list id for security-group egress)',
      ...FUNCTION_PLATFORM,
      memorySize: 128,
      timeout: Duration.minutes(1),
      role: role.withoutPolicyUpdates(),
      logGroup,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: 1,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: FUNCTION_BUNDLING,
    });
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::RxdrS3PrefixList',
      properties: { Region: Aws.REGION },
    });
    // CloudFormation must not call the function before its permissions exist.
    resource.node.addDependency(role.policy);
    this.prefixListId = resource.getAttString('PrefixListId');
    this.peer = new InlinePrefixListPeer(this.prefixListId);
    this.acknowledgeFindings(role, logGroup);
  }

  private acknowledgeFindings(role: iam.IRole, logGroup: logs.LogGroup): void {
    acknowledgeWildcardResources(
      role,
      ['*', `${logGroup.logGroupArn}:log-stream:*`],
      'ec2:DescribeManagedPrefixLists has no resource-level permissions (read-only, one call per deploy); ' +
        'and the streams of its own log group',
    );
    const outsideVpc =
      'the function makes one read-only EC2 API call at deploy time and answers CloudFormation at its S3 ' +
      'response URL; it handles no patient data, and isolated subnets have no route to either';
    acknowledgeHipaaAndNist(this.function, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'CloudFormation invokes this custom-resource handler and waits for its answer; the handler answers ' +
      'FAILED on every error, so a failure rolls the stack back visibly and a dead-letter queue would hold ' +
      'nothing actionable';
    acknowledgeHipaaAndNist(this.function, 'LambdaDLQ', noDlq);
  }
}

/**
 * A prefix-list peer whose rules go inline in the security group (`ec2.Peer.prefixList`'s become separate
 * resources). A group created with no inline egress rule gets EC2's allow-all rule; an inline rule keeps it off.
 */
class InlinePrefixListPeer implements ec2.IPeer {
  readonly canInlineRule = true;
  readonly uniqueId = 'S3PrefixList';
  readonly connections: ec2.Connections = new ec2.Connections({ peer: this });

  constructor(private readonly prefixListId: string) {}

  toIngressRuleConfig(): Record<string, string> {
    return { sourcePrefixListId: this.prefixListId };
  }

  toEgressRuleConfig(): Record<string, string> {
    return { destinationPrefixListId: this.prefixListId };
  }
}
