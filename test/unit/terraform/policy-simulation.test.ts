/**
 * Rule S8/S12 evaluated, not just read: the reconciler's policy, rendered with real-looking ARNs, goes through an
 * IAM policy simulator (@cloud-copilot/iam-simulate) with the requests a pass makes (allowed) and the requests a
 * hostile spec or a compromised function would make (denied), including the confused-deputy cases of issue 13.
 *
 * The simulator evaluates IAM's logic (condition operators, IfExists, ForAllValues, resource matching) and rejects
 * context keys the Service Authorization Reference does not list for the action: a condition on a key AWS does not
 * send would fail here, not only in production. What it cannot tell is which keys AWS fills in for a given call;
 * the contexts below follow the reference (e.g. `autoscaling:MaxSize` only when the request sets a max size).
 */
import { expect } from 'chai';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ReconcilerResources, reconcilerPolicyStatements, STATE_TABLE_KEYS } from '../../../modules/dr-lambda/policy';
import { STATUS_KEY } from '../../../reconciler/status';
import { MODE_REQUEST_KEY } from '../../../reconciler/mode';
import { REQUEUE_KEY } from '../../../reconciler/handler';
import { IamPolicy, PolicyDocumentStatement, toIamPolicy } from './policy-check';
import { ServicePublisher, topicKeyPolicy, topicPolicy } from '../../../modules/route53-failover';
import { guardrailStatements } from '../../../modules/dr-lambda/guardrail';
import { synthStack, Synthesized } from './synth';
import * as fs from 'fs';
import * as path from 'path';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/dr-dr-failover`;
const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
const JENKINS = arn('autoscaling', 'autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/dr-jenkins');
const MONITORING = arn('autoscaling', 'autoScalingGroup:66666666-2222-3333-4444-555555555555:autoScalingGroupName/dr-monitoring');
const FOREIGN_ASG = arn('autoscaling', 'autoScalingGroup:99999999-2222-3333-4444-555555555555:autoScalingGroupName/prod-internal-admin');
const LT = arn('ec2', 'launch-template/lt-0123456789abcdef0');
const AMI = 'ami-0123456789abcdef0';
const TG_GRAFANA = arn('elasticloadbalancing', 'targetgroup/dr-grafana/0123456789abcdef');
const TG_FOREIGN = arn('elasticloadbalancing', 'targetgroup/prod-admin/fedcba9876543210');
const CLUSTER = arn('ecs', 'cluster/dr');
const FRONTEND = arn('ecs', 'service/dr/frontend');
const REPLICA = arn('rds', 'db:app-replica');
const TABLE = arn('dynamodb', 'table/dr-dr-failover-state');
const MODE = arn('ssm', 'parameter/dr/mode');
const SPEC = arn('ssm', 'parameter/dr/spec');
const TOPIC = arn('sns', 'dr-dr-notifications');
const KEY = arn('kms', 'key/0000aaaa-bbbb-cccc-dddd-eeeeffff0000');

/** Every input literal, so the statements render to a policy AWS could evaluate. */
const RESOURCES: ReconcilerResources = {
  partition: 'aws',
  region: REGION,
  accountId: ACCOUNT,
  environment: 'dr',
  modeParameterArn: MODE,
  specParameterArn: SPEC,
  stateTableArn: TABLE,
  replicaArn: REPLICA,
  alarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:dr-primary-health`,
  healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  // Two groups with different limits: what one group may do, the other may not (one statement each, issue 13).
  asgs: [
    { key: 'jenkins', arn: JENKINS, maxSizeLimit: 3, minSizeLimit: 1, instanceTypes: ['t3.medium', 't3a.medium', 'm5.large'] },
    { key: 'monitoring', arn: MONITORING, maxSizeLimit: 6, minSizeLimit: 2, instanceTypes: ['m5.xlarge'] },
  ],
  launchTemplateArns: [LT],
  imageId: AMI,
  instanceSubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
  instanceSecurityGroupIds: ['sg-0123456789abcdef0'],
  clusterName: 'dr',
  clusterArn: CLUSTER,
  serviceArns: [FRONTEND],
  taskDefinitionFamilies: ['dr-frontend'],
  targetGroupArns: [TG_GRAFANA],
  notificationTopicArn: TOPIC,
  notificationKeyArn: KEY,
  deadLetterQueueArn: arn('sqs', 'dr-dr-failover-dlq'),
  logGroupArn: arn('logs', 'log-group:/aws/lambda/dr-dr-failover'),
  requeueQueueArn: arn('sqs', 'dr-dr-requeue'),
  fencePrimaryArn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:app-primary`,
};

const TAG = 'pilot-light:environment';

/** One request: action, resource, the context AWS would send. */
interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

/** The whole evaluation: who asks, with which identity policy, against which resource policy and SCP. */
interface Evaluation extends Request {
  readonly principal?: string;
  readonly identity?: IamPolicy;
  readonly resourcePolicy?: unknown;
  readonly scp?: IamPolicy;
}

/** IAM's answer: Allowed, ImplicitlyDenied or ExplicitlyDenied. */
async function evaluate(e: Evaluation): Promise<string> {
  const principal = e.principal ?? ROLE;
  // AWS sets aws:PrincipalArn for every IAM principal; the simulator leaves request keys to the caller.
  const context = principal.startsWith('arn:') ? { 'aws:PrincipalArn': principal, ...e.context } : (e.context ?? {});
  const result = await runSimulation(
    {
      request: { principal, action: e.action, resource: { resource: e.resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: e.identity ? [{ name: 'identity', policy: e.identity }] : [],
      serviceControlPolicies: e.scp ? [{ orgIdentifier: `ou-dr`, policies: [{ name: 'full', policy: ALLOW_ALL }, { name: 'guardrail', policy: e.scp }] }] : [],
      resourceControlPolicies: [],
      resourcePolicy: e.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation of ${e.action} failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

const ALLOW_ALL: IamPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The notification key's policy as the stack writes it (the account administers it, so IAM policies apply). */
const NOTIFICATION_KEY_POLICY = topicKeyPolicy('aws', ACCOUNT, [{ service: 'events.amazonaws.com', sourceArns: [arn('events', 'rule/dr-*')] }]);

async function decide(policy: IamPolicy, req: Request): Promise<string> {
  return evaluate({ ...req, identity: policy, resourcePolicy: req.action.startsWith('kms:') ? NOTIFICATION_KEY_POLICY : undefined });
}

const asgUpdate = (context: Record<string, string | string[]>, resource = JENKINS): Request => ({
  action: 'autoscaling:UpdateAutoScalingGroup',
  resource,
  context: { [`autoscaling:ResourceTag/${TAG}`]: 'dr', 'autoscaling:MaxSize': '3', 'autoscaling:MinSize': '1', 'autoscaling:InstanceTypes': 't3.medium', 'autoscaling:LaunchTemplateVersionSpecified': 'false', ...context },
});
const serviceUpdate = (context: Record<string, string | string[]>, resource = FRONTEND): Request => ({
  action: 'ecs:UpdateService',
  resource,
  context: { 'ecs:cluster': CLUSTER, [`aws:ResourceTag/${TAG}`]: 'dr', 'ecs:capacity-provider': [arn('ecs', 'capacity-provider/FARGATE')], ...context },
});
const launch = (resource: string, context: Record<string, string | string[]> = {}): Request => ({
  action: 'ec2:RunInstances',
  resource,
  context: { 'ec2:LaunchTemplate': LT, ...context },
});

/** What a pass does: each must be allowed. */
const ALLOWED: Record<string, Request> = {
  'set the mode': { action: 'ssm:PutParameter', resource: MODE },
  'read the spec': { action: 'ssm:GetParameter', resource: SPEC },
  ...Object.fromEntries(
    STATE_TABLE_KEYS.map((k) => [`write state item ${k}`, { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [k] } }]),
  ),
  'read the status': { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['status'] } },
  'read the status and the mode request in one batch': { action: 'dynamodb:BatchGetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['status', 'mode-request'] } },
  'release the lease': { action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['lease'] } },
  'fence the old primary (S9, opt-in)': { action: 'rds:StopDBInstance', resource: `arn:aws:rds:us-east-1:${ACCOUNT}:db:app-primary` },
  'promote the tagged replica': { action: 'rds:PromoteReadReplica', resource: REPLICA, context: { [`rds:db-tag/${TAG}`]: 'dr' } },
  'scale dr-jenkins to its active size': asgUpdate({}),
  'scale dr-jenkins to zero (pilot light)': asgUpdate({ 'autoscaling:MaxSize': '1', 'autoscaling:MinSize': '0' }),
  'scale dr-monitoring to its own active size (above dr-jenkins max)': asgUpdate({ 'autoscaling:MaxSize': '6', 'autoscaling:MinSize': '2', 'autoscaling:InstanceTypes': 'm5.xlarge' }, MONITORING),
  'launch check: an instance type of the group from the template': launch(arn('ec2', 'instance/*'), { 'ec2:InstanceType': 't3.medium' }),
  'launch check: the pinned AMI': launch(`arn:aws:ec2:${REGION}::image/${AMI}`),
  'launch check: a private subnet': launch(arn('ec2', 'subnet/subnet-0123456789abcdef1')),
  'move frontend to FARGATE': serviceUpdate({}),
  'move frontend to FARGATE_SPOT (capacity provider by name)': serviceUpdate({ 'ecs:capacity-provider': ['FARGATE_SPOT'] }),
  'scale frontend without touching the strategy': serviceUpdate({ 'ecs:capacity-provider': [] }),
  'register a target in a tagged stack group': { action: 'elasticloadbalancing:RegisterTargets', resource: TG_GRAFANA, context: { [`aws:ResourceTag/${TAG}`]: 'dr' } },
  'notify': { action: 'sns:Publish', resource: TOPIC },
  'encrypt the notification through SNS': { action: 'kms:GenerateDataKey', resource: KEY, context: { 'kms:ViaService': `sns.${REGION}.amazonaws.com` } },
  'upload traces': { action: 'xray:PutTraceSegments', resource: '*' },
};

/** What a hostile spec (or a compromised function) would ask for: each must be denied. */
const DENIED: Record<string, Request> = {
  'stop any other database': { action: 'rds:StopDBInstance', resource: `arn:aws:rds:us-east-1:${ACCOUNT}:db:billing` },
  // Issue 13's confused deputy: a foreign ASG named in the spec as the owner of dr-grafana.
  'resize the foreign ASG prod-internal-admin': asgUpdate({ [`autoscaling:ResourceTag/${TAG}`]: 'prod' }, FOREIGN_ASG),
  'register a target in a foreign target group': { action: 'elasticloadbalancing:RegisterTargets', resource: TG_FOREIGN, context: { [`aws:ResourceTag/${TAG}`]: 'dr' } },
  'deregister from a stack group that lost its environment tag': { action: 'elasticloadbalancing:DeregisterTargets', resource: TG_GRAFANA, context: {} },
  // Issue 13: RunInstances with any AMI or instance type through a stack launch template.
  'launch check: a foreign AMI through the stack template': launch(`arn:aws:ec2:${REGION}::image/ami-0badbadbadbadbad0`),
  'launch check: a p5.48xlarge through the stack template': launch(arn('ec2', 'instance/*'), { 'ec2:InstanceType': 'p5.48xlarge' }),
  'launch without a stack template': { action: 'ec2:RunInstances', resource: arn('ec2', 'instance/*'), context: { 'ec2:InstanceType': 't3.medium' } },
  'launch into a foreign subnet': launch(arn('ec2', 'subnet/subnet-0fedcba987654321f')),
  // Issue 13: UpdateService to a foreign task definition with exec enabled.
  'update frontend to a foreign task definition': serviceUpdate({ 'ecs:task-definition': arn('ecs', 'task-definition/evil:1') }),
  'enable ECS Exec on frontend': serviceUpdate({ 'ecs:enable-execute-command': 'true' }),
  'move frontend to an EC2 capacity provider': serviceUpdate({ 'ecs:capacity-provider': [arn('ecs', 'capacity-provider/prod-admin-asg')] }),
  'update a service of another cluster': serviceUpdate({ 'ecs:cluster': arn('ecs', 'cluster/prod') }, arn('ecs', 'service/prod/frontend')),
  'update an untagged service': serviceUpdate({ [`aws:ResourceTag/${TAG}`]: 'prod' }),
  // Limits Terraform set.
  'scale dr-jenkins past its max size': asgUpdate({ 'autoscaling:MaxSize': '100' }),
  'raise dr-jenkins min size past any mode': asgUpdate({ 'autoscaling:MinSize': '50' }),
  // Each group within its own limits, not the largest any group has (one statement for all would allow these).
  "scale dr-jenkins to dr-monitoring's max size (above its own)": asgUpdate({ 'autoscaling:MaxSize': '6' }),
  "raise dr-jenkins min size to dr-monitoring's": asgUpdate({ 'autoscaling:MinSize': '2' }),
  "override dr-jenkins with dr-monitoring's instance type": asgUpdate({ 'autoscaling:InstanceTypes': 'm5.xlarge' }),
  "override dr-monitoring with dr-jenkins's instance type": asgUpdate({ 'autoscaling:MaxSize': '6', 'autoscaling:MinSize': '2', 'autoscaling:InstanceTypes': 't3.medium' }, MONITORING),
  // The reference types autoscaling:InstanceTypes as a String (one value); the policy's ForAllValues also holds
  // if AWS sends every override, but the simulator reads only the first value of a String key.
  'override dr-jenkins with a p5.48xlarge': asgUpdate({ 'autoscaling:InstanceTypes': 'p5.48xlarge' }),
  'pin dr-jenkins to a chosen template version': asgUpdate({ 'autoscaling:LaunchTemplateVersionSpecified': 'true' }),
  'move dr-jenkins into a foreign subnet': asgUpdate({ 'autoscaling:VPCZoneIdentifiers': ['subnet-0fedcba987654321f'] }),
  'resize an untagged stack ASG': asgUpdate({ [`autoscaling:ResourceTag/${TAG}`]: 'staging' }),
  'promote the production primary': { action: 'rds:PromoteReadReplica', resource: arn('rds', 'db:app-primary'), context: { [`rds:db-tag/${TAG}`]: 'dr' } },
  'promote an untagged replica': { action: 'rds:PromoteReadReplica', resource: REPLICA, context: {} },
  // The reconciler must not be able to widen its own spec (S12) or rewrite other parameters.
  'write the spec parameter': { action: 'ssm:PutParameter', resource: SPEC },
  'write another parameter': { action: 'ssm:PutParameter', resource: arn('ssm', 'parameter/prod/db-password') },
  'write a foreign state item': { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['admin'] } },
  'delete the status item': { action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['status'] } },
  'scan the state table': { action: 'dynamodb:Scan', resource: TABLE },
  'batch-read a foreign state item': { action: 'dynamodb:BatchGetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['status', 'admin'] } },
  'decrypt with the notification key directly': { action: 'kms:Decrypt', resource: KEY, context: {} },
  'publish to another topic': { action: 'sns:Publish', resource: arn('sns', 'prod-alerts') },
  'pass a role': { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
  'change its own code': { action: 'lambda:UpdateFunctionCode', resource: arn('lambda', 'function:dr-dr-failover') },
};

describe('terraform: the reconciler policy in an IAM simulator (rules S8, S12)', () => {
  const policy = toIamPolicy(reconcilerPolicyStatements(RESOURCES) as PolicyDocumentStatement[]);

  describe('allows what a pass does', () => {
    for (const [name, req] of Object.entries(ALLOWED)) {
      it(name, async () => {
        expect(await decide(policy, req), `${req.action} on ${req.resource}`).to.equal('Allowed');
      });
    }
  });

  describe('denies what a hostile spec would make it do', () => {
    for (const [name, req] of Object.entries(DENIED)) {
      it(name, async () => {
        expect(await decide(policy, req), `${req.action} on ${req.resource}`).to.equal('ImplicitlyDenied');
      });
    }
  });

  it('with no group left for the reconciler to register (AWS registers them all), no target may be written', async () => {
    const none = toIamPolicy(reconcilerPolicyStatements({ ...RESOURCES, targetGroupArns: [] }) as PolicyDocumentStatement[]);
    expect(none.Statement.map((st) => st.Sid).filter((sid) => ['RegisterTargets', 'ListTasks', 'DescribeTasks'].includes(String(sid)))).to.deep.equal([]);
    expect(await decide(none, ALLOWED['register a target in a tagged stack group'])).to.equal('ImplicitlyDenied');
    // Issue 13's confused deputy: a spec naming a foreign ASG as the owner of dr-grafana cannot move its targets.
    expect(await decide(none, { action: 'elasticloadbalancing:DeregisterTargets', resource: TG_GRAFANA, context: { [`aws:ResourceTag/${TAG}`]: 'dr' } })).to.equal('ImplicitlyDenied');
    expect(await decide(none, { action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' })).to.equal('Allowed');
  });

  it('the table keys are the ones the reconciler uses', () => {
    const aws = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'reconciler', 'aws', 'clients.ts'), 'utf8');
    const lease = /const LEASE_KEY = '([^']+)'/.exec(aws)?.[1];
    expect(STATE_TABLE_KEYS).to.include.members([lease, STATUS_KEY, MODE_REQUEST_KEY, REQUEUE_KEY]);
  });

  describe('the simulated policy is the synthesized one', () => {
    let s: Synthesized;
    before(function () {
      this.timeout(60_000);
      s = synthStack();
    });

    it('same statements, actions and condition keys as the stack synthesizes', () => {
      const documents = Object.entries(s.data!.aws_iam_policy_document);
      const doc = documents.find(([id]) => id.startsWith('dr-lambda_policy_'))![1];
      const asgDoc = documents.find(([id]) => id.startsWith('dr-lambda_asg-policy_'))![1];
      const shape = (sts: PolicyDocumentStatement[]) =>
        sts.map((st) => ({ sid: st.sid, effect: st.effect, actions: st.actions, condition: (st.condition ?? []).map((c) => `${c.test} ${c.variable}`) }));
      // The fixture lists its two ASGs, a statement each; the stack's are a for_each, so their statements come from a
      // document per group (same for_each, Sid an expression of the key) merged into the role's. The stack lets AWS
      // register every target, so it has no target-feeding statements; the fixture keeps one group to feed.
      const feeding = ['ListTasks', 'DescribeTasks', 'RegisterTargets'];
      const fixture = shape(reconcilerPolicyStatements(RESOURCES) as PolicyDocumentStatement[]);
      const isAsg = (st: { sid?: string }) => st.sid!.startsWith('UpdateAsg');
      const synthesized = shape(doc.statement as PolicyDocumentStatement[]);
      expect(synthesized.filter((st) => feeding.includes(st.sid!))).to.deep.equal([]);
      expect(synthesized).to.deep.equal(fixture.filter((st) => !feeding.includes(st.sid!) && !isAsg(st)));
      expect(fixture.filter(isAsg).map((st) => st.sid)).to.deep.equal(['UpdateAsgJenkins', 'UpdateAsgMonitoring']);
      const withoutSid = <T extends { sid?: string }>(st: T) => ({ ...st, sid: undefined });
      expect(shape(asgDoc.statement as PolicyDocumentStatement[]).map(withoutSid)).to.deep.equal(fixture.filter(isAsg).slice(0, 1).map(withoutSid));
    });
  });
  describe('SNS topics and keys: only their own sources publish (confused deputy), nobody else in the account', () => {
    const ALARM_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:dr-primary-health-alarm`;
    const ALARM = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:dr-primary-health`;
    const alarmPublishers: ServicePublisher[] = [{ service: 'cloudwatch.amazonaws.com', sourceArns: [ALARM] }];
    const notificationPublishers: ServicePublisher[] = [
      { service: 'cloudwatch.amazonaws.com', sourceArns: [arn('cloudwatch', 'alarm:dr-*')] },
      { service: 'events.amazonaws.com', sourceArns: [arn('events', 'rule/dr-*')] },
    ];
    const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DrOperator_0123`;
    const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
    const alarmTopic = topicPolicy(ALARM_TOPIC, ACCOUNT, alarmPublishers, []);
    const notificationTopic = topicPolicy(TOPIC, ACCOUNT, notificationPublishers, [ROLE, `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DrOperator_*`]);
    const alarmKey = topicKeyPolicy('aws', ACCOUNT, alarmPublishers);
    const service = (name: string, sourceArn: string, sourceAccount = ACCOUNT) => ({
      principal: name,
      context: { 'aws:PrincipalServiceName': name, 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount },
    });
    const publishAll: IamPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sns:*', 'kms:*'], Resource: '*' }] };
    const cases: Record<string, Evaluation & { want: string }> = {
      'the alarm publishes to the alarm topic': { action: 'sns:Publish', resource: ALARM_TOPIC, resourcePolicy: alarmTopic, ...service('cloudwatch.amazonaws.com', ALARM), want: 'Allowed' },
      'the alarm uses the alarm topic key': { action: 'kms:GenerateDataKey', resource: arn('kms', 'key/alarm'), resourcePolicy: alarmKey, ...service('cloudwatch.amazonaws.com', ALARM), want: 'Allowed' },
      'another alarm may not publish to the alarm topic': { action: 'sns:Publish', resource: ALARM_TOPIC, resourcePolicy: alarmTopic, ...service('cloudwatch.amazonaws.com', `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:fake`), want: 'ImplicitlyDenied' },
      "another account's alarm of the same name may not use the key": { action: 'kms:GenerateDataKey', resource: arn('kms', 'key/alarm'), resourcePolicy: alarmKey, ...service('cloudwatch.amazonaws.com', ALARM, '210987654321'), want: 'ImplicitlyDenied' },
      'an admin of the account may not fake an alarm message': { principal: ADMIN, action: 'sns:Publish', resource: ALARM_TOPIC, identity: publishAll, resourcePolicy: alarmTopic, want: 'ExplicitlyDenied' },
      'the reconciler notifies': { action: 'sns:Publish', resource: TOPIC, identity: toIamPolicy(reconcilerPolicyStatements(RESOURCES) as PolicyDocumentStatement[]), resourcePolicy: notificationTopic, want: 'Allowed' },
      'a named operator notifies (drctl)': { principal: OPERATOR, action: 'sns:Publish', resource: TOPIC, identity: publishAll, resourcePolicy: notificationTopic, want: 'Allowed' },
      'an admin of the account may not send fake DR notifications': { principal: ADMIN, action: 'sns:Publish', resource: TOPIC, identity: publishAll, resourcePolicy: notificationTopic, want: 'ExplicitlyDenied' },
      'the spec-change rule notifies': { action: 'sns:Publish', resource: TOPIC, resourcePolicy: notificationTopic, ...service('events.amazonaws.com', arn('events', 'rule/dr-dr-failover-spec-change')), want: 'Allowed' },
      "another environment's rule may not notify": { action: 'sns:Publish', resource: TOPIC, resourcePolicy: notificationTopic, ...service('events.amazonaws.com', arn('events', 'rule/prod-anything')), want: 'ImplicitlyDenied' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, async () => {
        expect(await evaluate(c)).to.equal(c.want);
      });
    }
  });

  describe('the guardrail, attached as an SCP: who may fail over', () => {
    const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/dr-operator`;
    const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/terraform-deployer`;
    const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
    const FUNCTION = arn('lambda', 'function:dr-dr-failover');
    const scp = toIamPolicy(
      guardrailStatements({
        partition: 'aws',
        accountId: ACCOUNT,
        modeParameterArn: MODE,
        specParameterArn: SPEC,
        stateTableArn: TABLE,
        functionArn: FUNCTION,
        roleArn: ROLE,
        operatorPrincipalArns: [OPERATOR],
        deployerPrincipalArns: [DEPLOYER],
      }) as PolicyDocumentStatement[],
    );
    const as = (principal: string, action: string, resource: string, want: string): Evaluation & { want: string } => ({ principal, action, resource, identity: ALLOW_ALL, scp, want });
    const cases: Record<string, Evaluation & { want: string }> = {
      'an operator sets the mode': as(OPERATOR, 'ssm:PutParameter', MODE, 'Allowed'),
      'the reconciler sets the mode (alarm path, drills)': as(ROLE, 'ssm:PutParameter', MODE, 'Allowed'),
      'an admin may not set the mode (promote the database)': as(ADMIN, 'ssm:PutParameter', MODE, 'ExplicitlyDenied'),
      'an admin may not delete the mode parameter': as(ADMIN, 'ssm:DeleteParameter', MODE, 'ExplicitlyDenied'),
      'the deployer writes the spec': as(DEPLOYER, 'ssm:PutParameter', SPEC, 'Allowed'),
      'an operator may not write the spec': as(OPERATOR, 'ssm:PutParameter', SPEC, 'ExplicitlyDenied'),
      'the reconciler may not write its own spec': as(ROLE, 'ssm:PutParameter', SPEC, 'ExplicitlyDenied'),
      'an admin may not disable failover through the spec': as(ADMIN, 'ssm:PutParameter', SPEC, 'ExplicitlyDenied'),
      'an operator writes a mode request': as(OPERATOR, 'dynamodb:PutItem', TABLE, 'Allowed'),
      'an admin may not take the lease': as(ADMIN, 'dynamodb:PutItem', TABLE, 'ExplicitlyDenied'),
      'an admin may not replace the function code': as(ADMIN, 'lambda:UpdateFunctionCode', FUNCTION, 'ExplicitlyDenied'),
      'an operator may not replace the function code': as(OPERATOR, 'lambda:UpdateFunctionCode', FUNCTION, 'ExplicitlyDenied'),
      'the deployer updates the function': as(DEPLOYER, 'lambda:UpdateFunctionCode', FUNCTION, 'Allowed'),
      'an admin may not widen the role': as(ADMIN, 'iam:PutRolePolicy', ROLE, 'ExplicitlyDenied'),
      'the account root keeps the break-glass path': as(`arn:aws:iam::${ACCOUNT}:root`, 'ssm:PutParameter', SPEC, 'Allowed'),
      'anyone may still read the mode': as(ADMIN, 'ssm:GetParameter', MODE, 'Allowed'),
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, async () => {
        expect(await evaluate(c)).to.equal(c.want);
      });
    }
  });
});
