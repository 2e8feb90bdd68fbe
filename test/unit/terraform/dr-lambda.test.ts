import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { DrLambda, DrLambdaProps, drillEventInput } from '../../../modules/dr-lambda';
import { bundleLambda } from '../../../modules/dr-lambda/bundle';
import { API_VERSION_LITERAL, KIND_LITERAL } from '../../../modules/dr-lambda/spec-constants';
import { API_VERSION, KIND, validateSpec } from '../../../reconciler/spec';
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
      },
    ],
    ecsServices: [
      {
        cluster: 'dr',
        name: 'frontend',
        pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
        active: { desiredCount: 2, capacityProvider: 'FARGATE' },
        loadBalancers: [{ targetGroupArn: TG, port: 80 }],
      },
    ],
    failover: { alarmName: 'dr-primary-health', alarmRegion: 'us-east-1', healthCheckId: 'hc-1', unhealthyReadings: 3, minIntervalMinutes: 60 },
    drill: { durationMinutes: 60, maxReplicaLagSeconds: 300 },
  },
  targets: {
    replicaArn: 'arn:aws:rds:eu-central-1:123456789012:db:app-replica',
    alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:dr-primary-health',
    healthCheckId: 'hc-1',
    asgs: [
      {
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

  it('gives the Lambda exactly its non-secret environment and a dead-letter queue', () => {
    const fn = resourceAt(synth(), 'aws_lambda_function', 'dr-lambda_function');
    const vars = (fn.environment as { variables: Record<string, string> }).variables;
    expect(Object.keys(vars).sort()).to.deep.equal(['DR_SPEC_PARAMETER', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
    expect(vars.DR_SPEC_PARAMETER).to.match(/^\$\{aws_ssm_parameter\.dr-lambda_spec-parameter_[0-9A-F]+\.name\}$/);
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
    expect(API_VERSION_LITERAL).to.equal(API_VERSION);
    expect(KIND_LITERAL).to.equal(KIND);
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
      'schedule': { props: () => ({ resyncScheduleExpression: 'every minute' }), error: 'resyncScheduleExpression must be an EventBridge rate(...) or cron(...) expression, got: "every minute"' },
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
