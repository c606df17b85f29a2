import { CustomResource, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { closedSecurityGroup } from '../closed-security-group';
import {
  acknowledgeHipaaAndNist,
  acknowledgeManagedPolicy,
  acknowledgeWildcardResources,
} from '../../compliance/acknowledgements';
import { DATABASE_FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';
import { lambdaEntry } from '../lambda-entry';
import { ManagedPolicyRole, ownLogsStatement } from '../managed-policy-role';
import { trustRdsCertificates } from '../validation/database-tls';
import { DatabaseNetwork } from './network';
import { POSTGRES_PORT } from './postgres-port';
import { ReferenceDatabase } from './reference-instance';
import { ReferenceCluster } from './reference-cluster';

export interface DatabaseAuditSetupProps {
  readonly database: ReferenceDatabase | ReferenceCluster;
  /** The network the instance lives in; its Secrets Manager endpoint serves the credentials. */
  readonly network: DatabaseNetwork;
  /** Database (inside the instance) whose tables are audited. */
  readonly databaseName: string;
  /** Tables whose reads and writes pgaudit logs, `schema.table`. */
  readonly tables: readonly string[];
  /** The instance's key (its credentials secret and this function's logs and environment). */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * A deploy-time step that makes pgaudit audit on a reference instance (`lambda/audit-setup.ts`, engine
 * `engines/database/audit-setup.ts`): the `rds_pgaudit` role, object-audit grants on `tables` and the
 * `pgaudit` extension, idempotently, on every create and on every change of the table list. The function runs
 * in the instance's isolated subnets with a security group reaching only PostgreSQL on the instance and the
 * Secrets Manager endpoint, and verifies the server's certificate (`trustRdsCertificates`). The provider
 * framework's function answers CloudFormation from outside the VPC (the subnets have no route to S3's response
 * URL). Deleting the resource leaves the audit in place.
 */
export class DatabaseAuditSetup extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly securityGroup: ec2.SecurityGroup;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseAuditSetupProps) {
    super(scope, id);
    const endpoint = props.network.endpoints.secretsManager;
    if (!endpoint)
      throw new Error(
        `DatabaseAuditSetup ${this.node.path} reads the credentials from isolated subnets: its network needs an interface endpoint named "secretsManager"`,
      );
    const { database } = props;
    const audited =
      database instanceof ReferenceCluster
        ? {
            identifier: database.clusterIdentifier,
            host: database.cluster.clusterEndpoint.hostname,
            resource: database.cluster,
          }
        : {
            identifier: database.instanceIdentifier,
            host: database.instance.dbInstanceEndpointAddress,
            resource: database.instance,
          };
    this.securityGroup = closedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: `rxdr ${audited.identifier}: audit setup, PostgreSQL to the instance and HTTPS to Secrets Manager`,
    });
    this.securityGroup.addEgressRule(database.securityGroup, ec2.Port.tcp(POSTGRES_PORT), 'audit setup to PostgreSQL');
    database.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(POSTGRES_PORT), 'audit setup');
    this.securityGroup.connections.allowTo(endpoint, ec2.Port.tcp(443), 'audit setup to Secrets Manager');
    endpoint.connections.allowFrom(this.securityGroup, ec2.Port.tcp(443), 'audit setup to Secrets Manager');

    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention);
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `rxdr ${audited.identifier}: audit setup reads the master credentials`,
    });
    role.addToPrincipalPolicy(ownLogsStatement(logGroup.logGroupArn));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheMasterCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [database.secret.secretArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SecretKey', actions: ['kms:Decrypt'], resources: [props.key.keyArn] }),
    );
    const vpcAccess = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole');
    role.addManagedPolicy(vpcAccess);

    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: lambdaEntry('audit-setup'),
      handler: 'handler',
      description: `rxdr ${audited.identifier}: pgaudit role, object-audit grants and extension (deploy time)`,
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.minutes(2),
      role,
      logGroup,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: 1,
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: [this.securityGroup],
      environment: { POWERTOOLS_SERVICE_NAME: 'rxdr-audit-setup', NODE_OPTIONS: '--enable-source-maps' },
      bundling: DATABASE_FUNCTION_BUNDLING,
    });
    trustRdsCertificates(this.fn);

    const providerLogs = retainedLogGroup(this, 'ProviderLogs', props.key, props.logRetention);
    // Its own role with a managed policy (no inline policy, no AWS managed policy): its logs and invoking the setup.
    const frameworkRole = new ManagedPolicyRole(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `rxdr ${audited.identifier}: custom-resource framework of the audit setup`,
    });
    frameworkRole.addToPrincipalPolicy(ownLogsStatement(providerLogs.logGroupArn));
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.fn,
      logGroup: providerLogs,
      frameworkOnEventRole: frameworkRole,
      providerFunctionEnvEncryption: props.key,
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RxdrAuditSetup',
      properties: {
        SecretArn: database.secret.secretArn,
        Host: audited.host,
        Port: String(POSTGRES_PORT),
        Database: props.databaseName,
        Tables: [...props.tables],
      },
    });
    // The function must reach the instance and the endpoint before CloudFormation calls it.
    this.resource.node.addDependency(role.policy, this.securityGroup, endpoint, audited.resource);

    this.acknowledgeFindings(provider, role, vpcAccess, logGroup);
    acknowledgeWildcardResources(
      frameworkRole,
      [providerLogs.logGroupArn, `${this.fn.functionArn}:*`],
      'its own log group, and invoking the audit setup function (any version, as the framework grants it)',
    );
  }

  private acknowledgeFindings(
    provider: cr.Provider,
    role: ManagedPolicyRole,
    vpcAccess: iam.IManagedPolicy,
    logGroup: logs.LogGroup,
  ): void {
    acknowledgeManagedPolicy(
      role,
      vpcAccess,
      'the AWS-maintained policy Lambda needs to attach its network interfaces in the isolated subnets',
    );
    acknowledgeWildcardResources(role, [logGroup.logGroupArn], 'its own log group and its streams');
    const framework = provider.node.tryFindChild('framework-onEvent');
    if (!(framework instanceof lambda.Function)) return;
    (framework.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    const outsideVpc =
      'the custom-resource framework function only invokes the in-VPC audit setup function and answers ' +
      'CloudFormation at its S3 response URL, which the isolated subnets cannot reach; it never connects ' +
      'to a database';
    acknowledgeHipaaAndNist(provider, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'CloudFormation invokes this provider and waits for its answer; every error answers FAILED and rolls the deployment back visibly, so a dead-letter queue would hold nothing actionable';
    acknowledgeHipaaAndNist(provider, 'LambdaDLQ', noDlq);
    acknowledgeHipaaAndNist(this.fn, 'LambdaDLQ', noDlq);
  }
}
