import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Construct } from 'constructs';
import { TerraformVariable } from 'cdktf';
import { DrLambda, DrLambdaProps, drillEventInput } from '../../../modules/dr-lambda';
import { bundleLambda } from '../../../modules/dr-lambda/bundle';
import { ratePeriodSeconds } from '../../../modules/dr-lambda/alarms';
import { validateSpec } from '../../../reconciler/spec';
import { fixtureHandlerEntry, logicalPath, resourceAt, resources, scratchDir, synthModule, Synthesized, TestProviders } from './synth';

type BaseProps = Omit<DrLambdaProps, 'provider' | 'alarmProvider'>;

const TG = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/dr-frontend/0123456789abcdef';
const base = (): BaseProps => ({
  handlerEntry: fixtureHandlerEntry(),
  bundleDir: path.join(scratchDir('bundle'), 'dr-lambda-test'),
  spec: {
    region: 'eu-central-1',
    primaryRegion: 'eu-west-1',
    notificationTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dr-dr-notifications',
    concurrency: 4,
    leaseSeconds: 300,
    database: { replicaIdentifier: 'app-replica' },
    autoScalingGroups: [
      {
        name: 'dr-jenkins',
        pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
        active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 },
        targetGroupArns: [],
        targetRegistration: 'reconciler',
      },
    ],
    ecsServices: [
      {
        cluster: 'dr',
        name: 'frontend',
        pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
        active: { desiredCount: 2, capacityProvider: 'FARGATE' },
        loadBalancers: [{ targetGroupArn: TG, port: 80 }],
        targetRegistration: 'reconciler',
      },
    ],
    failover: {
      alarmName: 'dr-primary-health',
      alarmRegion: 'us-east-1',
      healthCheckId: 'hc-1',
      unhealthyReadings: 3,
      minIntervalMinutes: 60,
      probeUrl: 'https://primary.app.example.com/health',
      probeTimeoutSeconds: 3,
      probeOnlyReadings: 10,
    },
    drill: { durationMinutes: 60, maxReplicaLagSeconds: 300 },
  },
  targets: {
    replicaArn: 'arn:aws:rds:eu-central-1:123456789012:db:app-replica',
    alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:dr-primary-health',
    healthCheckId: 'hc-1',
    asgs: [
      {
        key: 'jenkins',
        arn: 'arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/dr-jenkins',
        maxSizeLimit: 3,
        minSizeLimit: 1,
        instanceTypes: ['t3.medium', 'm5.large'],
      },
    ],
    launchTemplateArns: ['arn:aws:ec2:eu-central-1:123456789012:launch-template/lt-0123'],
    imageId: 'ami-0123456789abcdef0',
    instanceSubnetIds: ['subnet-a', 'subnet-b'],
    instanceSecurityGroupIds: ['sg-instances'],
    clusterName: 'dr',
    clusterArn: 'arn:aws:ecs:eu-central-1:123456789012:cluster/dr',
    serviceArns: ['arn:aws:ecs:eu-central-1:123456789012:service/dr/frontend'],
    taskDefinitionFamilies: ['dr-frontend'],
    targetGroupArns: [TG],
    notificationTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dr-dr-notifications',
    notificationKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/abc',
  },
  alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:dr-primary-health-alarm',
});

let lastConstruct: DrLambda | undefined;
/** The one data source whose construct path ends with `suffix`. */
function resourceAtData(s: Synthesized, suffix: string): Record<string, unknown> {
  const found = Object.entries(s.data?.aws_iam_policy_document ?? {}).filter(([id]) => logicalPath(id).endsWith(`_${suffix}`));
  if (found.length !== 1) throw new Error(`expected one aws_iam_policy_document at *_${suffix}, found ${found.length}`);
  return found[0][1];
}

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope: Construct, p: TestProviders) => {
    lastConstruct = new DrLambda(scope, 'dr-lambda', { ...base(), ...props, provider: p.dr, alarmProvider: p.alarm });
  });
}

describe('terraform: dr-lambda module', () => {
  describe('props → resource properties', () => {
    const cases: Record<string, { props: Partial<BaseProps>; type: string; at: string; want: Record<string, unknown> }> = {
      'function: nodejs22.x, one at a time, defaults': {
        props: {},
        type: 'aws_lambda_function',
        at: 'dr-lambda_function',
        want: { function_name: 'dr-dr-failover', runtime: 'nodejs22.x', handler: 'index.handler', reserved_concurrent_executions: 1, timeout: 120, memory_size: 512, provider: 'aws.dr' },
      },
      'function: timeout and memory from props': {
        props: { timeoutSeconds: 300, memoryMb: 1024 },
        type: 'aws_lambda_function',
        at: 'dr-lambda_function',
        want: { timeout: 300, memory_size: 1024 },
      },
      'log group /aws/lambda/dr-dr-failover with retention': {
        props: { logRetentionDays: 90 },
        type: 'aws_cloudwatch_log_group',
        at: 'log-group',
        want: { name: '/aws/lambda/dr-dr-failover', retention_in_days: 90 },
      },
      'state table: PAY_PER_REQUEST, hash key id (S), encrypted, point-in-time recovery': {
        props: {},
        type: 'aws_dynamodb_table',
        at: 'state-table',
        want: {
          name: 'dr-dr-failover-state',
          billing_mode: 'PAY_PER_REQUEST',
          hash_key: 'id',
          attribute: [{ name: 'id', type: 'S' }],
          server_side_encryption: { enabled: true },
          point_in_time_recovery: { enabled: true },
        },
      },
      'mode parameter: created pilot-light, value then owned by the reconciler (S7)': {
        props: {},
        type: 'aws_ssm_parameter',
        at: 'mode-parameter',
        want: { name: '/dr/mode', type: 'String', value: 'pilot-light', lifecycle: { ignore_changes: ['value'] } },
      },
      'spec parameter: /dr/spec, may grow past 4 KB': {
        props: {},
        type: 'aws_ssm_parameter',
        at: 'spec-parameter',
        want: { name: '/dr/spec', type: 'String', tier: 'Intelligent-Tiering' },
      },
      'dead-letter queue encrypted': {
        props: {},
        type: 'aws_sqs_queue',
        at: 'dead-letter-queue',
        want: { name: 'dr-dr-failover-dlq', sqs_managed_sse_enabled: true },
      },
      'drill rule: name, default schedule, ENABLED': {
        props: {},
        type: 'aws_cloudwatch_event_rule',
        at: 'drill-rule',
        want: { name: 'dr-dr-failover-test', schedule_expression: 'cron(5 0 ? * MON#1 *)', state: '${true ? "ENABLED" : "DISABLED"}' },
      },
      'drill rule: DISABLED when drills are off': {
        props: { drillEnabled: false },
        type: 'aws_cloudwatch_event_rule',
        at: 'drill-rule',
        want: { state: '${false ? "ENABLED" : "DISABLED"}' },
      },
      'resync rule: rate from props': {
        props: { resyncScheduleExpression: 'rate(5 minutes)' },
        type: 'aws_cloudwatch_event_rule',
        at: 'resync-rule',
        want: { name: 'dr-dr-failover-resync', schedule_expression: 'rate(5 minutes)' },
      },
      'drill target input: the start-drill event with the duration': {
        props: {},
        type: 'aws_cloudwatch_event_target',
        at: 'drill-target',
        want: { input: '${jsonencode({"source" = "pilot-light.drill", "action" = "start-drill", "durationMinutes" = 60})}' },
      },
      'requeue queue: SSE, visibility six times the function timeout, dead letters after 10 receives': {
        props: { timeoutSeconds: 300 },
        type: 'aws_sqs_queue',
        at: 'requeue',
        want: { name: 'dr-dr-requeue', sqs_managed_sse_enabled: true, visibility_timeout_seconds: 1800, message_retention_seconds: 86400, provider: 'aws.dr' },
      },
      'requeue mapping: batches of 10 gathered for 2 s': {
        props: {},
        type: 'aws_lambda_event_source_mapping',
        at: 'requeue_mapping',
        want: { batch_size: 10, maximum_batching_window_in_seconds: 2, provider: 'aws.dr' },
      },
      'errors alarm: any Lambda error in a minute': {
        props: {},
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_errors',
        want: {
          alarm_name: 'dr-dr-failover-errors',
          namespace: 'AWS/Lambda',
          metric_name: 'Errors',
          dimensions: { FunctionName: 'dr-dr-failover' },
          statistic: 'Sum',
          period: 60,
          evaluation_periods: 1,
          comparison_operator: 'GreaterThanThreshold',
          threshold: 0,
          treat_missing_data: 'notBreaching',
          provider: 'aws.dr',
        },
      },
      'dead-letters alarm: any visible message': {
        props: {},
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_dead-letters',
        want: {
          alarm_name: 'dr-dr-failover-dead-letters',
          namespace: 'AWS/SQS',
          metric_name: 'ApproximateNumberOfMessagesVisible',
          statistic: 'Maximum',
          comparison_operator: 'GreaterThanThreshold',
          threshold: 0,
          treat_missing_data: 'notBreaching',
        },
      },
      'heartbeat alarm: N resync periods without a pass, no data is breaching': {
        props: { resyncScheduleExpression: 'rate(5 minutes)', heartbeatMissingPeriods: 3 },
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_heartbeat',
        want: {
          alarm_name: 'dr-dr-failover-heartbeat',
          namespace: 'PilotLight',
          metric_name: 'Heartbeat',
          dimensions: { Environment: 'dr' },
          statistic: 'Sum',
          period: 300,
          evaluation_periods: 3,
          datapoints_to_alarm: 3,
          comparison_operator: 'LessThanThreshold',
          threshold: 1,
          treat_missing_data: 'breaching',
        },
      },
      'heartbeat alarm: defaults, one-minute resync, 5 periods': {
        props: {},
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_heartbeat',
        want: { period: 60, evaluation_periods: 5, datapoints_to_alarm: 5 },
      },
      'degraded alarm: Degraded every minute for M minutes, a gap keeps the state': {
        props: { degradedAlarmMinutes: 30 },
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_degraded',
        want: {
          alarm_name: 'dr-dr-failover-degraded',
          metric_name: 'Degraded',
          dimensions: { Environment: 'dr' },
          statistic: 'Minimum',
          period: 60,
          evaluation_periods: 30,
          datapoints_to_alarm: 30,
          comparison_operator: 'GreaterThanOrEqualToThreshold',
          threshold: 1,
          treat_missing_data: 'ignore',
        },
      },
      'invalid-spec alarm: any InvalidSpec': {
        props: { environment: 'stg' },
        type: 'aws_cloudwatch_metric_alarm',
        at: 'alarms_invalid-spec',
        want: {
          alarm_name: 'stg-dr-failover-invalid-spec',
          metric_name: 'InvalidSpec',
          dimensions: { Environment: 'stg' },
          statistic: 'Maximum',
          period: 60,
          evaluation_periods: 1,
          comparison_operator: 'GreaterThanOrEqualToThreshold',
          threshold: 1,
          treat_missing_data: 'notBreaching',
        },
      },
      'function: Active X-Ray tracing': {
        props: {},
        type: 'aws_lambda_function',
        at: 'dr-lambda_function',
        want: { tracing_config: { mode: 'Active' } },
      },
      'mode parameter: SSM refuses any value but the two modes': {
        props: {},
        type: 'aws_ssm_parameter',
        at: 'mode-parameter',
        want: { allowed_pattern: '^(pilot-light|active)$' },
      },
      'spec-change rule: Parameter Store changes of /dr/spec': {
        props: {},
        type: 'aws_cloudwatch_event_rule',
        at: 'spec-change-rule',
        want: { name: 'dr-dr-failover-spec-change' },
      },
      'spec-change target: the notification topic': {
        props: {},
        type: 'aws_cloudwatch_event_target',
        at: 'spec-change-target',
        want: { arn: 'arn:aws:sns:eu-central-1:123456789012:dr-dr-notifications', target_id: 'notification-topic' },
      },
      'alarm topic subscription: lambda protocol, made in us-east-1': {
        props: {},
        type: 'aws_sns_topic_subscription',
        at: 'alarm-subscription',
        want: { protocol: 'lambda', topic_arn: 'arn:aws:sns:us-east-1:123456789012:dr-primary-health-alarm', provider: 'aws.us_east_1' },
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), c.type, c.at)).to.deep.include(c.want);
      });
    }
  });

  it("refuses, before PutRolePolicy, a policy larger than AWS's 10,240 characters of inline policy for a role", () => {
    const policy = resourceAt(synth(), 'aws_iam_role_policy', 'dr-lambda_role-policy');
    const [pre] = (policy.lifecycle as { precondition: Array<{ condition: string; error_message: string }> }).precondition;
    expect(pre.condition).to.match(/^\$\{\(length\(data\.aws_iam_policy_document\.dr-lambda_policy_[0-9A-F]+\.minified_json\) <= 10240\)\}$/);
    expect(pre.error_message).to.match(/would be \$\{length\(data\.aws_iam_policy_document\.dr-lambda_policy_[0-9A-F]+\.minified_json\)\} characters; AWS allows a role 10240 characters/);
    expect(pre.error_message).to.contain('Each entry of asgs adds a statement');
  });

  it('gives the Lambda exactly its non-secret environment and a dead-letter queue', () => {
    const fn = resourceAt(synth(), 'aws_lambda_function', 'dr-lambda_function');
    const vars = (fn.environment as { variables: Record<string, string> }).variables;
    expect(Object.keys(vars).sort()).to.deep.equal(['DR_ENVIRONMENT', 'DR_REQUEUE_QUEUE_URL', 'DR_SPEC_PARAMETER', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
    expect(vars.DR_SPEC_PARAMETER).to.match(/^\$\{aws_ssm_parameter\.dr-lambda_spec-parameter_[0-9A-F]+\.name\}$/);
    expect(vars.DR_REQUEUE_QUEUE_URL).to.match(/^\$\{aws_sqs_queue\.dr-lambda_requeue_[0-9A-F]+\.url\}$/);
    expect(vars.DR_ENVIRONMENT).to.equal('dr');
    expect((fn.dead_letter_config as { target_arn: string }).target_arn).to.match(/aws_sqs_queue\.dr-lambda_dead-letter-queue_/);
  });

  it('lets each trigger, and only it, invoke the function', () => {
    const perms = resources(synth(), 'aws_lambda_permission');
    const bySource = perms.map((p) => `${p.principal} ${String(p.source_arn).replace(/_[0-9A-F]{8}\./, '.')}`).sort();
    expect(bySource).to.deep.equal([
      'events.amazonaws.com ${aws_cloudwatch_event_rule.dr-lambda_drill-rule.arn}',
      'events.amazonaws.com ${aws_cloudwatch_event_rule.dr-lambda_mode-change-rule.arn}',
      'events.amazonaws.com ${aws_cloudwatch_event_rule.dr-lambda_resync-rule.arn}',
      'sns.amazonaws.com arn:aws:sns:us-east-1:123456789012:dr-primary-health-alarm',
    ]);
  });

  it('requeue: the queue feeds the function after the role may receive, and dead-letters into the DLQ', () => {
    const s = synth();
    const queueId = Object.keys(s.resource.aws_sqs_queue).find((id) => id.startsWith('dr-lambda_requeue_'))!;
    const dlqId = Object.keys(s.resource.aws_sqs_queue).find((id) => id.startsWith('dr-lambda_dead-letter-queue_'))!;
    const mapping = resourceAt(s, 'aws_lambda_event_source_mapping', 'requeue_mapping');
    expect(mapping.event_source_arn).to.equal(`\${aws_sqs_queue.${queueId}.arn}`);
    expect(mapping.function_name).to.match(/^\$\{aws_lambda_function\.dr-lambda_function_[0-9A-F]+\.arn\}$/);
    expect(mapping.depends_on).to.deep.equal([`aws_iam_role_policy.${Object.keys(s.resource.aws_iam_role_policy)[0]}`]);
    expect(s.resource.aws_sqs_queue[queueId].redrive_policy).to.equal(`\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${dlqId}.arn, "maxReceiveCount" = 10})}`);
    // The function's own reserved concurrency stays 1 (throttled batches return to the queue; see requeue.ts).
    expect(resourceAt(s, 'aws_lambda_function', 'dr-lambda_function').reserved_concurrent_executions).to.equal(1);
  });

  it('requeue: the visibility timeout follows a timeout from a variable (6 x)', () => {
    const s = synthModule((scope: Construct, p: TestProviders) => {
      const timeout = new TerraformVariable(scope, 'timeout', { type: 'number' });
      new DrLambda(scope, 'dr-lambda', { ...base(), timeoutSeconds: timeout.numberValue, provider: p.dr, alarmProvider: p.alarm });
    });
    expect(resourceAt(s, 'aws_sqs_queue', 'requeue').visibility_timeout_seconds).to.equal('${(var.timeout * 6)}');
  });

  it('requeue: DR-region events of the managed resources go to the queue, and only those rules may send', () => {
    const s = synth();
    const queueArn = `\${aws_sqs_queue.${Object.keys(s.resource.aws_sqs_queue).find((id) => id.startsWith('dr-lambda_requeue_'))}.arn}`;
    const patterns = {
      'requeue_ecs-tasks-rule': '${jsonencode({"source" = ["aws.ecs"], "detail-type" = ["ECS Task State Change"], "detail" = {"clusterArn" = ["arn:aws:ecs:eu-central-1:123456789012:cluster/dr"]}})}',
      'requeue_asg-instances-rule':
        '${jsonencode({"source" = ["aws.autoscaling"], "detail-type" = ["EC2 Instance Launch Successful", "EC2 Instance Terminate Successful"], "detail" = {"AutoScalingGroupName" = ["dr-jenkins"]}})}',
      'requeue_replica-events-rule': '${jsonencode({"source" = ["aws.rds"], "detail-type" = ["RDS DB Instance Event"], "detail" = {"SourceIdentifier" = ["app-replica"]}})}',
    };
    const ruleArns: string[] = [];
    for (const [at, pattern] of Object.entries(patterns)) {
      const rule = resourceAt(s, 'aws_cloudwatch_event_rule', at);
      expect(rule.event_pattern, at).to.equal(pattern);
      expect(rule.provider).to.equal('aws.dr');
      const ruleId = Object.keys(s.resource.aws_cloudwatch_event_rule).find((id) => s.resource.aws_cloudwatch_event_rule[id] === rule)!;
      ruleArns.push(`\${aws_cloudwatch_event_rule.${ruleId}.arn}`);
      const target = resources(s, 'aws_cloudwatch_event_target').find((t) => t.rule === `\${aws_cloudwatch_event_rule.${ruleId}.name}`)!;
      expect(target.arn, at).to.equal(queueArn);
    }
    const doc = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('dr-lambda_requeue_queue-policy-document_'))![1];
    expect(doc.statement).to.deep.equal([
      {
        sid: 'EventRulesSend',
        effect: 'Allow',
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        actions: ['sqs:SendMessage'],
        resources: [queueArn],
        condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ruleArns }],
      },
    ]);
    expect(resourceAt(s, 'aws_sqs_queue_policy', 'requeue_queue-policy').queue_url).to.equal(queueArn.replace('.arn}', '.url}'));
  });

  it('requeue: no replica rule when the stack has no database', () => {
    const { database: _none, ...spec } = base().spec;
    const s = synth({ spec });
    expect(Object.keys(s.resource.aws_cloudwatch_event_rule).filter((id) => id.includes('replica-events'))).to.deep.equal([]);
  });

  it('self-watch alarms notify the DR notification topic on ALARM and on OK', () => {
    const alarms = resources(synth(), 'aws_cloudwatch_metric_alarm');
    expect(alarms.map((a) => a.alarm_name).sort()).to.deep.equal(
      ['dr-dr-failover-dead-letters', 'dr-dr-failover-degraded', 'dr-dr-failover-errors', 'dr-dr-failover-heartbeat', 'dr-dr-failover-invalid-spec'],
    );
    for (const a of alarms) {
      expect(a.alarm_actions, String(a.alarm_name)).to.deep.equal(['arn:aws:sns:eu-central-1:123456789012:dr-dr-notifications']);
      expect(a.ok_actions, String(a.alarm_name)).to.deep.equal(a.alarm_actions);
    }
    const dlq = resourceAt(synth(), 'aws_cloudwatch_metric_alarm', 'alarms_dead-letters').dimensions as Record<string, string>;
    expect(dlq.QueueName).to.match(/^\$\{aws_sqs_queue\.dr-lambda_dead-letter-queue_[0-9A-F]+\.name\}$/);
  });

  describe('ratePeriodSeconds', () => {
    const cases: Record<string, number> = { 'rate(1 minute)': 60, 'rate(5 minutes)': 300, 'rate(1 hour)': 3600, 'rate(2 days)': 172800 };
    for (const [expression, want] of Object.entries(cases)) it(`${expression} is ${want} s`, () => expect(ratePeriodSeconds(expression)).to.equal(want));
    it('refuses a cron expression, naming it', () => {
      expect(() => ratePeriodSeconds('cron(0 * * * ? *)')).to.throw('resyncScheduleExpression must be an EventBridge rate(...) expression, got: "cron(0 * * * ? *)"');
    });
  });

  it('wakes up on Parameter Store changes of the mode parameter', () => {
    const rule = resourceAt(synth(), 'aws_cloudwatch_event_rule', 'mode-change-rule');
    expect(rule.event_pattern).to.match(/"source" = \["aws\.ssm"\], "detail-type" = \["Parameter Store Change"\], "detail" = \{"name" = \[aws_ssm_parameter\.dr-lambda_mode-parameter_[0-9A-F]+\.name\]\}/);
  });

  it('announces every change of the spec parameter, naming it', () => {
    const s = synth();
    const rule = resourceAt(s, 'aws_cloudwatch_event_rule', 'spec-change-rule');
    expect(rule.event_pattern).to.match(/"detail-type" = \["Parameter Store Change"\], "detail" = \{"name" = \[aws_ssm_parameter\.dr-lambda_spec-parameter_[0-9A-F]+\.name\]\}/);
    const target = resourceAt(s, 'aws_cloudwatch_event_target', 'spec-change-target') as { input_transformer: { input_paths: Record<string, string>; input_template: string } };
    expect(target.input_transformer.input_paths).to.deep.equal({ name: '$.detail.name', operation: '$.detail.operation', time: '$.time', account: '$.account' });
    expect(target.input_transformer.input_template).to.contain('<name> changed (<operation>)');
  });

  it('renders the guardrail: Deny only, each protected resource with the principals that keep the right', () => {
    const s = synth({ operatorPrincipalArns: ['arn:aws:iam::123456789012:role/dr-operator'], deployerPrincipalArns: ['arn:aws:iam::123456789012:role/deployer'] });
    const doc = resourceAtData(s, 'guardrail') as { statement: Array<{ sid: string; effect: string; condition: Array<{ test: string; variable: string; values: string[] }> }> };
    expect(doc.statement.map((st) => st.sid)).to.deep.equal([
      'OnlyOperatorsSetTheMode', 'OnlyDeployersWriteTheSpec', 'OnlyTheReconcilerAndOperatorsWriteState', 'OnlyDeployersChangeTheFunction', 'OnlyDeployersChangeTheRole',
    ]);
    for (const st of doc.statement) {
      expect(st.effect, st.sid).to.equal('Deny');
      expect(st.condition.map((c) => `${c.test} ${c.variable}`), st.sid).to.deep.equal(['ArnNotLike aws:PrincipalArn']);
    }
    const exempt = (sid: string) => doc.statement.find((st) => st.sid === sid)!.condition[0].values.map((v) => v.replace(/\$\{[^}]+\}/g, 'X'));
    expect(exempt('OnlyDeployersWriteTheSpec')).to.deep.equal(['arn:X:iam::X:root', 'arn:aws:iam::123456789012:role/deployer']);
    expect(exempt('OnlyOperatorsSetTheMode')).to.deep.equal(['arn:X:iam::X:root', 'X', 'arn:aws:iam::123456789012:role/dr-operator', 'arn:aws:iam::123456789012:role/deployer']);
  });

  it('writes a spec document the reconciler accepts (reconciler/spec.ts validateSpec)', () => {
    synth();
    const doc = lastConstruct!.specDocument;
    // The two names this module owns are tokens at synth time; Terraform fills them in.
    const resolved = { ...doc, spec: { ...doc.spec, modeParameter: '/dr/mode', stateTable: 'dr-dr-failover-state' } };
    expect(() => validateSpec(JSON.parse(JSON.stringify(resolved)))).not.to.throw();
  });

  it('loads without the spec validator: the whole stack synthesizes without ajv or the JSON Schema', () => {
    // A fresh process: this test file itself has loaded ajv through validateSpec.
    const stack = path.join(__dirname, '..', '..', '..', 'modules', 'stack.js');
    const probe = `require(${JSON.stringify(stack)}); console.log(JSON.stringify(Object.keys(require.cache)))`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as string[];
    expect(loaded.some((f) => f.endsWith(path.join('modules', 'dr-lambda', 'index.js')))).to.equal(true);
    expect(loaded.filter((f) => f.includes(`${path.sep}ajv${path.sep}`) || f.endsWith('spec.schema.json'))).to.deep.equal([]);
  });

  it('adds a dashboard of the PilotLight metrics for environment dr', () => {
    const body = String(resourceAt(synth(), 'aws_cloudwatch_dashboard', 'dashboard').dashboard_body);
    for (const metric of ['ActiveMode', 'ConvergenceSeconds', 'PendingActions', 'DriftedResources', 'Failovers', 'DrillOutcome']) {
      expect(body).to.contain(`["PilotLight", "${metric}", "Environment", "dr", "service", "dr-dr-failover"]`);
    }
  });

  it('drill input JSON is exactly the agreed event', () => {
    expect(JSON.stringify(drillEventInput(60))).to.equal('{"source":"pilot-light.drill","action":"start-drill","durationMinutes":60}');
  });

  describe('rejects bad props, naming the value', () => {
    const cases: Record<string, { props: () => Partial<BaseProps>; error: string }> = {
      'timeout 901': { props: () => ({ timeoutSeconds: 901 }), error: 'timeoutSeconds must be an integer between 1 and 900, got: 901' },
      'memory 64': { props: () => ({ memoryMb: 64 }), error: 'memoryMb must be an integer between 128 and 10240, got: 64' },
      'retention 8': { props: () => ({ logRetentionDays: 8 }), error: 'logRetentionDays must be one of 1, 3, 5, 7, 14, 30' },
      'schedule': { props: () => ({ resyncScheduleExpression: 'every minute' }), error: 'resyncScheduleExpression must be an EventBridge rate(...) expression, got: "every minute"' },
      'cron resync: the heartbeat alarm needs a known period': {
        props: () => ({ resyncScheduleExpression: 'cron(* * * * ? *)' }),
        error: 'resyncScheduleExpression must be an EventBridge rate(...) expression, got: "cron(* * * * ? *)"',
      },
      'heartbeat window over a day at a 30-minute resync': {
        props: () => ({ resyncScheduleExpression: 'rate(30 minutes)', heartbeatMissingPeriods: 49 }),
        error: "heartbeatMissingPeriods × the resync period (1800 s) must be at most 86400 s (CloudWatch's evaluation window), got: 49",
      },
      'heartbeat periods 0': { props: () => ({ heartbeatMissingPeriods: 0 }), error: 'heartbeatMissingPeriods must be an integer between 1 and 100, got: 0' },
      'degraded minutes 1441': { props: () => ({ degradedAlarmMinutes: 1441 }), error: 'degradedAlarmMinutes must be an integer between 1 and 1440, got: 1441' },
      'drill duration 0': { props: () => ({ spec: { ...base().spec, drill: { durationMinutes: 0, maxReplicaLagSeconds: 300 } } }), error: 'spec.drill.durationMinutes must be an integer between 1 and 1440, got: 0' },
      'lease shorter than a pass': { props: () => ({ timeoutSeconds: 600, spec: { ...base().spec, leaseSeconds: 300 } }), error: 'spec.leaseSeconds must be >= timeoutSeconds (600), got: 300' },
      'missing entry': { props: () => ({ handlerEntry: '/nonexistent/handler.ts' }), error: 'lambda entry not found: /nonexistent/handler.ts' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props())).to.throw(c.error);
      });
    }
  });

  describe('bundleLambda', () => {
    it('bundles an entry into index.js exporting handler (CJS, runnable by node)', async () => {
      const out = bundleLambda(fixtureHandlerEntry(), path.join(scratchDir('bundle'), 'fixture'));
      const file = path.join(out, 'index.js');
      expect(fs.readdirSync(out)).to.deep.equal(['index.js']);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(file) as { handler: () => Promise<unknown> };
      expect(await mod.handler()).to.deep.equal({});
    });
  });
});
