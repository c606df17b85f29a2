import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { buildApp } from '../../lib/app';
import { names } from '../../lib/naming';
import { isCluster } from '../../lib/config/database-kind';
import { runbookDatabases } from '../../lib/constructs/failover/runbook-config';
import { failbackInstanceIdentifier } from '../../lib/constructs/failover/failover-runbooks';
import { shippedConfig } from '../helpers/config';
import { testAppProps } from '../helpers/synth';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every shipped environment's recovery stack, synthesized once (bundling skipped). */
const environments = shippedConfig().environments;
const { stages } = buildApp(environments, { compliance: false, ...testAppProps() });

function statements(template: Template, sid: string): Statement[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid),
  );
}
const text = (value: unknown) => JSON.stringify(value);
/** A JSON string property (plain or `Fn::Join`ed around tokens, which become `<token>`), parsed. */
function joined<T>(value: unknown): T {
  const parts =
    typeof value === 'string' ? [value] : ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? []);
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<token>')).join('')) as T;
}

describe.each(environments.map((env, i) => [env.name, env, i] as const))('runbooks of %s', (_name, config, index) => {
  const template = Template.fromStack(stages[index]!.recovery);
  const databases = runbookDatabases(config);

  test('failover and failback state machines, named, CMK-encrypted, logged, with the approval gate (task token, timeout from config)', () => {
    for (const name of [names.failoverStateMachine(config), names.failbackStateMachine(config)]) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: name,
        EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
        LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      });
    }
    // The approval gate's input carries the task token: no state machine of the environment logs execution data.
    for (const machine of Object.values(template.findResources('AWS::StepFunctions::StateMachine')))
      expect(machine.Properties.LoggingConfiguration.IncludeExecutionData).toBe(false);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter((m) =>
      [names.failoverStateMachine(config), names.failbackStateMachine(config)].includes(m.Properties.StateMachineName),
    );
    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      const definition = text(machine.Properties.DefinitionString);
      expect(definition).toContain('waitForTaskToken');
      expect(definition).toContain(`\\"TimeoutSeconds\\":${config.failover.approvalTimeoutMinutes * 60}`);
      expect(definition).toContain('request-approval');
    }
  });

  test('RDS permissions name the configured primary, replica, recovered and failback instances only', () => {
    const describe = text(statements(template, 'DescribeProtectedInstances'));
    for (const db of databases.filter((d) => !d.cluster)) {
      expect(describe).toContain(`:db:${db.primaryInstanceIdentifier}`);
      if (db.replicaInstanceIdentifier) expect(describe).toContain(`:db:${db.replicaInstanceIdentifier}`);
    }
    const promote = statements(template, 'PromoteReplica');
    expect(promote).toHaveLength(1);
    const replicas = databases.flatMap((d) => (d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []));
    for (const id of replicas) expect(text(promote)).toContain(`:db:${id}`);
    expect(text(promote)).not.toMatch(/:db:\*/);
    expect(text(statements(template, 'RestoreIntoTheRecoveredIdentifiers'))).not.toMatch(/:db:\*/);
  });

  test('Aurora permissions: the global databases switch only to their secondaries (failover), detach only those, and back to their primary clusters (failback)', () => {
    const clusters = databases.flatMap((d) => (d.cluster ? [d.cluster] : []));
    expect(clusters).toHaveLength(config.databases.filter(isCluster).length); // every configured cluster has runbooks
    const globals = clusters.filter((c) => c.globalClusterIdentifier);
    if (clusters.length === 0) {
      expect(statements(template, 'DescribeProtectedClusters')).toEqual([]);
      return;
    }
    expect(globals.length).toBeGreaterThan(0); // the shipped example protects a tier-1 cluster on a global database
    const arn = (region: string, type: string, id: string) => `arn:aws:rds:${region}:${config.account}:${type}:${id}`;
    const globalArns = globals.map((c) => arn('', 'global-cluster', c.globalClusterIdentifier!));
    const only = (sid: string) => statements(template, sid).map((s) => ({ Action: s.Action, Resource: s.Resource }));
    expect(only('SwitchGlobalDatabasesToTheRecoveryRegion')).toEqual([
      {
        Action: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
        Resource: [
          ...globalArns,
          ...globals.map((c) => arn(config.recoveryRegion, 'cluster', c.secondaryClusterIdentifier!)),
        ],
      },
    ]);
    // Detach-and-promote: each global database and its recovery-region secondary by ARN, nothing else.
    expect(only('DetachSecondariesFromGlobalDatabases')).toEqual([
      {
        Action: 'rds:RemoveFromGlobalCluster',
        Resource: [
          ...globalArns,
          ...globals.map((c) => arn(config.recoveryRegion, 'cluster', c.secondaryClusterIdentifier!)),
        ],
      },
    ]);
    expect(text(statements(template, 'DetachSecondariesFromGlobalDatabases'))).not.toMatch(/\*/);
    // Only the failover function's role may detach (the failback's switches back only).
    const rolesWith = (sid: string) =>
      Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
        .filter((p) => (p.Properties.PolicyDocument.Statement as Statement[]).some((s) => s.Sid === sid))
        .flatMap((p) => p.Properties.Roles as unknown[]);
    const detachers = rolesWith('DetachSecondariesFromGlobalDatabases');
    expect(detachers).toHaveLength(1);
    expect(detachers).toEqual(rolesWith('SwitchGlobalDatabasesToTheRecoveryRegion'));
    expect(rolesWith('SwitchGlobalDatabasesBack')).not.toContainEqual(detachers[0]);
    expect(only('SwitchGlobalDatabasesBack')).toEqual([
      {
        Action: 'rds:SwitchoverGlobalCluster',
        Resource: [
          ...globalArns,
          ...clusters.map((c) => arn(config.primaryRegion, 'cluster', c.primaryClusterIdentifier)),
        ],
      },
    ]);
    const describe = text(statements(template, 'DescribeProtectedClusters'));
    for (const c of clusters) expect(describe).toContain(`:cluster:${c.primaryClusterIdentifier}"`);
    const clusterArns = text([
      ...statements(template, 'DescribeProtectedClusters'),
      ...statements(template, 'DescribeGlobalDatabases'),
      ...statements(template, 'InstanceOfTheRestoredCluster'),
    ]);
    expect(clusterArns).not.toMatch(/:(cluster|global-cluster|db):\*/);
    // No instance statement names a cluster (cluster identifiers are not instances).
    const instanceStatements = text(statements(template, 'DescribeProtectedInstances'));
    for (const c of clusters) expect(instanceStatements).not.toContain(`:db:${c.primaryClusterIdentifier}"`);
  });

  test('the waits’ rule hears the clusters a failover waits on: global-failover of the secondary, the restored cluster and its writer', () => {
    const clusters = databases.flatMap((d) => (d.cluster ? [d.cluster] : []));
    if (clusters.length === 0) return;
    const recovered = clusters.map((c) => c.recoveredClusterIdentifier ?? `${c.primaryClusterIdentifier}-restored`);
    const secondaries = clusters.flatMap((c) => (c.secondaryClusterIdentifier ? [c.secondaryClusterIdentifier] : []));
    // The runbooks' own waits (the drill has its rule too).
    const rules = Object.entries(template.findResources('AWS::Events::Rule'))
      .filter(([id, r]) => /Runbooks/.test(id) && text(r.Properties.Description).includes('resume the tasks waiting'))
      .map(([, r]) => r);
    expect(rules).toHaveLength(1);
    type Clause = { source: string[]; 'detail-type': string[]; detail: Record<string, unknown[]> };
    const clauses = (rules[0]!.Properties.EventPattern as { $or: Clause[] }).$or;
    const clause = (detailType: string) => clauses.find((c) => c['detail-type'][0] === detailType)!;
    const clusterEvents = clause('RDS DB Cluster Event');
    expect(clusterEvents.detail.SourceIdentifier).toEqual(expect.arrayContaining([...secondaries, ...recovered]));
    expect(clusterEvents.detail.EventCategories).toEqual(expect.arrayContaining(['global-failover', 'creation']));
    // The restored cluster's writer shares its identifier: its instance events resume the same wait.
    expect(clause('RDS DB Instance Event').detail.SourceIdentifier).toEqual(expect.arrayContaining(recovered));
    const restored = text(clause('Restore Job State Change').detail.createdResourceArn);
    for (const id of recovered) expect(restored).toContain(`:cluster:${id}"`);
  });

  test('repoint permissions: only the configured records (CNAME), parameters and replicated secrets', () => {
    const change = statements(template, 'ChangeOnlyTheConfiguredRecords');
    expect(change.length).toBeGreaterThan(0);
    const withRecords = databases.filter((d) => d.route53);
    const zones = [...new Set(withRecords.map((d) => d.route53!.hostedZoneId))];
    for (const statement of change) {
      expect(text(statement.Resource)).toContain(`hostedzone/${zones[0]}`);
      expect(statement.Condition).toEqual({
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': withRecords.map((d) =>
            d.route53!.recordName.toLowerCase(),
          ),
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
        },
      });
    }
    const parameters = text(statements(template, 'EndpointApprovalAndFreezeParameters'));
    for (const db of databases.filter((d) => d.endpointParameterName))
      expect(parameters).toContain(`parameter${db.endpointParameterName}`);
    const secrets = text(statements(template, 'ReadAndRepointClientPointers'));
    for (const db of databases)
      expect(secrets).toContain(db.secretArn.startsWith('arn:') ? db.secretArn : `secret:${db.secretArn}-??????`);
    expect(secrets).not.toMatch(/secret:\*/);
  });

  test('SSM Automation documents run as the caller, take no approvers, and go through the runbook gateway', () => {
    const docs = template.findResources('AWS::SSM::Document', { Properties: { DocumentType: 'Automation' } });
    // Game-day documents are run by Fault Injection Service with its own role (test/constructs/gameday/).
    const gameDayDocuments = [
      names.gameDayDocument(config, 'DeletionAttempt'),
      names.gameDayDocument(config, 'DeclareVaultLost'),
    ];
    const byName = new Map(
      Object.values(docs)
        .map((d) => [d.Properties.Name as string, d.Properties.Content] as const)
        .filter(([name]) => !gameDayDocuments.includes(name)),
    );
    expect([...byName.keys()].sort()).toEqual(
      [names.approveDocument(config), names.failbackDocument(config), names.failoverDocument(config)].sort(),
    );
    for (const [name, content] of byName) {
      // No shared role: Automation runs the script with the credentials of whoever started the automation.
      expect(content.assumeRole).toBeUndefined();
      expect(Object.keys(content.parameters)).not.toContain('Approvers');
      const steps = content.mainSteps as { action: string; inputs: Record<string, unknown> }[];
      expect(steps.map((step) => step.action)).toEqual(['aws:executeScript']);
      const script = String(steps[0]!.inputs.Script);
      expect(script).toContain("SigV4Auth(credentials, 'lambda'");
      expect(script).not.toMatch(/send_task_success|start_execution/);
      expect(text(steps[0]!.inputs.InputPayload)).toContain('FunctionUrl');
      const action = name === names.approveDocument(config) ? "'approve'" : "'start'";
      expect(script).toContain(`{'action': ${action}`);
    }
  });

  test('runbook gateway: IAM-authenticated function URL; its role alone starts runbooks and answers the approval gate', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: names.runbookGatewayFunction(config) });
    const answer = statements(template, 'StartAndAnswerRunbooks');
    expect(answer).toHaveLength(1);
    expect([...(answer[0]!.Action as string[])].sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskSuccess',
      'states:StartExecution',
    ]);
    // Nobody else in the stack may send a task result or start a runbook (break-glass excepted).
    const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'));
    for (const [id, policy] of policies) {
      const allows = (policy.Properties.PolicyDocument.Statement as (Statement & { Effect: string })[]).filter(
        (st) => st.Effect === 'Allow' && st.Sid !== 'StartAndAnswerRunbooks',
      );
      if (/BreakGlass/.test(id)) continue;
      // The drill's event waits resume the drill state machine's own wait tasks, nothing of a runbook. The
      // runbooks' event waits resume their wait tasks with tokens taken from their own table (next test).
      const answersRunbooks = allows.filter(
        (st) =>
          (Array.isArray(st.Action) ? st.Action : [st.Action]).some((a) => /SendTask(Success|Failure)/.test(a)) &&
          !(/drill/i.test(text(st.Resource)) && !/fail(over|back)|\*/i.test(text(st.Resource))) &&
          !(/^RunbooksWaitsResumeFnRole/.test(id) && text(st.Action) === '"states:SendTaskSuccess"'),
      );
      expect({ id, answersRunbooks }).toEqual({ id, answersRunbooks: [] });
      const startsRunbooks = allows.filter(
        (st) =>
          (Array.isArray(st.Action) ? st.Action : [st.Action]).includes('states:StartExecution') &&
          /RunbooksFail(over|back)|failover|failback/.test(text(st.Resource)),
      );
      expect({ id, startsRunbooks }).toEqual({ id, startsRunbooks: [] });
    }
  });

  test("the runbooks' event-wait resume function cannot reach the approval gate's token", () => {
    // It sends only tokens it takes from the waits' table, which only the park function (the wait tasks) fills;
    // the approval token waits in an SSM parameter that neither function may read.
    const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
      /^RunbooksWaits(Resume|Park)FnRole/.test(id),
    );
    expect(policies).toHaveLength(2);
    for (const [id, policy] of policies) {
      const actions = (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((st) => [st.Action].flat());
      expect({
        id,
        reads: actions.filter((a) => /^(ssm|secretsmanager|kms:Decrypt|states:(?!SendTaskSuccess))/.test(a)),
      }).toEqual({ id, reads: [] });
    }
    const writers = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).some(
        (st) => text(st.Action).includes('dynamodb:PutItem') && /RunbooksWaitsTokens/.test(text(st.Resource)),
      ),
    );
    expect(writers.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'RunbooksWaitsParkFnRolePolicy',
      'RunbooksWaitsResumeFnRolePolicy',
    ]);
  });

  test("the primary stack forwards the failback instances' RDS events to the recovery region's default bus", () => {
    const primary = Template.fromStack(stages[index]!.primary);
    const failback = databases.map(failbackInstanceIdentifier);
    primary.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Instance Event'],
        detail: Match.objectLike({ SourceType: ['DB_INSTANCE'], SourceIdentifier: failback }),
      },
      Targets: [
        Match.objectLike({
          Arn: `arn:aws:events:${config.recoveryRegion}:${config.account}:event-bus/default`,
        }),
      ],
    });
  });

  test('VPC endpoints: S3 reaches only the evidence prefixes the validators, the chunk tasks and the manifest job use; interface endpoints only this account', () => {
    const bucket = names.evidenceBucket(config);
    for (const [stack, allowed] of [
      [
        Template.fromStack(stages[index]!.standby),
        [
          `${bucket}/manifests/*`,
          `${bucket}/failover/*`,
          `${bucket}/validation-chunks/*`,
          `${bucket}/manifest-chunks/*`,
        ],
      ],
      [template, ['/manifests/*', '/validation-chunks/*']],
    ] as const) {
      const endpoints = Object.values(stack.findResources('AWS::EC2::VPCEndpoint'));
      expect(endpoints.length).toBeGreaterThan(0);
      for (const endpoint of endpoints) {
        const statements = endpoint.Properties.PolicyDocument?.Statement as Statement[] | undefined;
        expect(statements?.length).toBeGreaterThan(0);
        if (endpoint.Properties.VpcEndpointType === 'Interface') {
          for (const st of statements!)
            expect(st.Condition).toMatchObject({ StringEquals: { 'aws:PrincipalAccount': config.account } });
          continue;
        }
        const objects = statements!.flatMap((st) => [st.Resource].flat()).map(text);
        for (const object of objects) {
          if (object.includes('/')) expect(allowed.some((a) => object.includes(a))).toBe(true);
          else expect(object).toMatch(/s3:::|EvidenceBucket|Evidence/);
        }
        // never the whole bucket, never every bucket
        expect(objects.join()).not.toContain(`${config.recoveryRegion}/*"`);
        expect(objects.join()).not.toContain('s3:::*');
      }
    }
  });

  test('the validator is the validation engine in the standby stack, named, reading only the configured secrets and the manifests', () => {
    const standby = Template.fromStack(stages[index]!.standby);
    standby.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: names.failoverValidatorFunction(config),
      Description: Match.stringLikeRegexp('validate the recovered database'),
    });
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('validate the recovered database') },
      }),
    ).toEqual({});
    const read = text(statements(standby, 'ReadCredentials'));
    for (const db of databases)
      expect(read).toContain(db.secretArn.startsWith('arn:') ? db.secretArn : `secret:${db.secretArn}-??????`);
    expect(text(statements(standby, 'ReadManifests'))).toContain(`${names.evidenceBucket(config)}/manifests/*`);
    expect(text(statements(standby, 'WriteReports'))).toContain(`${names.evidenceBucket(config)}/failover/*`);
  });

  test('the failover validates in chunks: PlanChunks and Validate on the validator with their own timeout and retry, a Map over the chunk validator (by its ARN) between; S3 only under its own prefix', () => {
    const machine = Object.values(
      template.findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineName: names.failoverStateMachine(config) },
      }),
    )[0]!;
    type Asl = { States: Record<string, { Type: string; Next?: string; [key: string]: unknown }> };
    const definition = joined<Asl>(machine.Properties.DefinitionString);
    const chunkFunction = `:function:${names.failoverChunkValidatorFunction(config)}`;
    const validatorFunction = `:function:${names.failoverValidatorFunction(config)}`;
    expect(definition.States.PrepareValidation!.Next).toBe('PlanChunks');
    // The plan and the whole-table step are states of their own on the validator, each with its own timeout
    // (the validator's 10 minutes and a margin) and a retry of that state alone; the runbook steps around them
    // prepare the requests and read the report.
    for (const [name, next, input, result] of [
      ['PlanChunks', 'ValidateChunks', '$.validationRequests.plan', '$.chunking'],
      ['Validate', 'RecordValidation', '$.validationRequests.wholeTable', '$.validationReport'],
    ] as const) {
      const state = definition.States[name]!;
      expect(state).toMatchObject({ Type: 'Task', Next: next, InputPath: input, ResultPath: result });
      expect(state.Resource).toMatch(new RegExp(`${validatorFunction}$`));
      expect(state.TimeoutSeconds).toBe(630);
      expect(state.Retry).toEqual([
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining(['States.Timeout', 'Sandbox.Timedout']),
          MaxAttempts: 2,
        }),
      ]);
      expect(text(state.Catch)).toContain('"Next":"ValidateFailed"');
    }
    expect(definition.States.RecordValidation!.Next).toBe('ValidationPassed');
    const map = definition.States.ValidateChunks!;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.chunking.ids',
      MaxConcurrencyPath: '$.chunking.parallel',
      Next: 'Validate',
    });
    const chunk = (map.ItemProcessor as Asl).States.ValidateChunk!;
    expect(chunk.Resource).toMatch(new RegExp(`${chunkFunction}$`));
    expect(text(chunk.Retry)).toContain('Rxdr.ChunkFailed');
    // The state machine may invoke the chunk validator by its deterministic ARN.
    const invoke = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((st) => text(st.Action).includes('lambda:InvokeFunction') && text(st.Resource).includes(chunkFunction));
    expect(invoke).toHaveLength(1);
    // The runbook function's catalog carries each database's chunk settings (parallelism, chunk size, cap).
    const steps = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { RUNBOOK_OPERATION: 'failover' } } },
      }),
    )[0]!;
    const catalog = joined<{
      databases: { name: string; chunking: { parallelism: number; chunkBytes: number; maxChunks: number } }[];
    }>(steps.Properties.Environment.Variables.RUNBOOK_CATALOG);
    for (const db of config.databases) {
      const chunking = catalog.databases.find((d) => d.name === db.name)?.chunking;
      expect(chunking?.parallelism).toBe(db.validation?.parallelism ?? 4);
      expect(chunking?.chunkBytes).toBe((db.validation?.chunkSizeMb ?? 2048) * 1024 ** 2);
      expect(chunking?.maxChunks).toBe(2000);
    }

    const standby = Template.fromStack(stages[index]!.standby);
    standby.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: names.failoverValidatorFunction(config),
      Timeout: 600,
    });
    standby.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: names.failoverChunkValidatorFunction(config),
      Handler: 'index.failover',
      Timeout: 300,
      VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
    });
    const prefix = `${names.evidenceBucket(config)}/validation-chunks/${config.name}/failover/*`;
    const chunkStatements = [
      ...statements(standby, 'WritePlanReadVerdicts'),
      ...statements(standby, 'ReadPlanWriteVerdict'),
    ];
    expect(chunkStatements).toHaveLength(2);
    for (const st of chunkStatements) {
      expect(st.Action).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(text(st.Resource)).toContain(prefix);
    }
    // Nothing else in the standby stack touches chunk results, and nothing there deletes them.
    const all = Object.values(standby.findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const touching = all.filter((st) => text(st.Resource).includes('validation-chunks'));
    expect(touching.map((st) => st.Sid).sort()).toEqual(['ReadPlanWriteVerdict', 'WritePlanReadVerdicts']);
    expect(text(all)).not.toContain('s3:DeleteObject');
  });

  test('the failover state machine, not the runbook function, invokes the validator by its deterministic ARN', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const invoking = (p: (typeof policies)[number]) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Action === 'lambda:InvokeFunction');
    const arn = `:lambda:${config.recoveryRegion}:${config.account}:function:${names.failoverValidatorFunction(config)}`;
    const validator = policies.flatMap((p) =>
      invoking(p)
        .filter((s) => text(s.Resource).includes(names.failoverValidatorFunction(config)))
        .map((statement) => ({ statement, roles: text(p.Properties.Roles ?? []) })),
    );
    expect(validator).toHaveLength(1);
    expect(text(validator[0]!.statement.Resource)).toContain(`${arn}"`);
    expect(text(validator[0]!.statement.Resource)).toContain(`${arn}:*"`);
    const machine = Object.values(
      template.findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineName: names.failoverStateMachine(config) },
      }),
    )[0]!;
    const machineRole = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(validator[0]!.roles).toContain(`"${machineRole}"`);
    // The runbook function no longer waits for the database: it invokes no function at all.
    const steps = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { RUNBOOK_OPERATION: 'failover' } } },
      }),
    )[0]!;
    const stepsRole = (steps.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const stepsPolicies = policies.filter((p) => text(p.Properties.Roles ?? []).includes(`"${stepsRole}"`));
    expect(stepsPolicies.length).toBeGreaterThan(0);
    expect(stepsPolicies.flatMap(invoking)).toEqual([]);
  });

  test('the validator runs in the recovery database network: PostgreSQL to the replicas and restored instances, HTTPS to the endpoints only', () => {
    const stage = stages[index]!;
    const standby = Template.fromStack(stage.standby);
    const fn = Object.values(
      standby.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: names.failoverValidatorFunction(config) },
      }),
    )[0]!;
    const sgId = stage.standby.getLogicalId(stage.standby.validator.securityGroup!.node.defaultChild as CfnElement);
    expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
    const isolated = stage.standby.network.vpc.isolatedSubnets.map((s) => stage.standby.resolve(s.subnetId));
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(isolated);
    // Lambda checks the network-interface permissions when it creates the function: the policy comes first.
    const policyId = stage.standby.getLogicalId(
      stage.standby.validator.node.findChild('Role').node.findChild('Policy').node.defaultChild as CfnElement,
    );
    expect(fn.DependsOn).toEqual(expect.arrayContaining([policyId]));
    expect(text(statements(standby, 'NetworkInterfaces'))).toContain('ec2:CreateNetworkInterface');

    const logical = (sg: { node: { defaultChild?: unknown } }) =>
      stage.standby.getLogicalId(sg.node.defaultChild as CfnElement);
    const databaseSgs = [
      ...Object.values(stage.standby.standbys.replicas).map((r) => logical(r.securityGroup as unknown as Construct)),
      logical(stage.standby.recoveredPlacement.securityGroup),
    ];
    const endpointSg = logical(stage.standby.endpoints.securityGroup);
    const egress = Object.values(standby.findResources('AWS::EC2::SecurityGroupEgress'))
      .map((r) => r.Properties)
      .filter((p) => text(p.GroupId).includes(sgId));
    const allowed = (p: Record<string, unknown>) => {
      const to = text(p.DestinationSecurityGroupId);
      return (
        (p.FromPort === 5432 && p.ToPort === 5432 && databaseSgs.some((id) => to.includes(`"${id}"`))) ||
        (p.FromPort === 443 && p.ToPort === 443 && to.includes(`"${endpointSg}"`))
      );
    };
    expect(egress.filter((p) => !allowed(p))).toEqual([]);
    expect(egress.filter((p) => p.FromPort === 5432)).toHaveLength(databaseSgs.length);
    // Inline: HTTPS to the region's S3 prefix list (the stack's own lookup) for the S3 gateway endpoint, nothing more.
    const prefixList = stage.standby.getLogicalId(
      stage.standby.endpoints.s3PrefixList.node.findChild('Resource').node.defaultChild as CfnElement,
    );
    const group = standby.findResources('AWS::EC2::SecurityGroup')[sgId]!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      {
        DestinationPrefixListId: { 'Fn::GetAtt': [prefixList, 'PrefixListId'] },
        Description: 'HTTPS to the S3 gateway endpoint',
        FromPort: 443,
        ToPort: 443,
        IpProtocol: 'tcp',
      },
    ]);
    // One Secrets Manager endpoint per VPC (private DNS), shared with the manifest job.
    standby.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });
});
