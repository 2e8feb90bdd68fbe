import { expect } from 'chai';
import { dataSources, resources, synthStack, Synthesized } from './synth';
import { hasWildcardResource, Statement, wildcardMutations } from './policy-check';
import { asgStatementId } from '../../../modules/dr-lambda/policy';

function statementsOf(doc: Record<string, unknown>): Statement[] {
  return (doc.statement ?? []) as Statement[];
}

describe('terraform: IAM policies (rule S8)', () => {
  let s: Synthesized;
  before(function () {
    this.timeout(60_000);
    s = synthStack();
  });

  it('no policy allows a mutating action on "*"', () => {
    for (const doc of dataSources(s, 'aws_iam_policy_document')) {
      expect(wildcardMutations(statementsOf(doc))).to.deep.equal([]);
    }
  });

  it('every role policy comes from a checked policy document (nothing bypasses the test above)', () => {
    for (const rp of resources(s, 'aws_iam_role_policy')) {
      expect(rp.policy).to.match(/^\$\{data\.aws_iam_policy_document\.[^.]+\.json\}$/);
    }
    expect(resources(s, 'aws_iam_policy')).to.deep.equal([]);
    expect(resources(s, 'aws_iam_role_policy_attachment')).to.deep.equal([]);
  });

  it('the reconciler may do exactly what it calls', () => {
    const doc = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('dr-lambda_policy_'))![1];
    const asgDoc = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('dr-lambda_asg-policy_'))![1];
    const actions = [...statementsOf(doc), ...statementsOf(asgDoc)].flatMap((st) => st.actions).sort();
    expect(actions).to.deep.equal(
      [
        'ssm:GetParameter', 'ssm:PutParameter',
        'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem',
        'rds:DescribeDBInstances', 'rds:PromoteReadReplica', 'rds:StopDBInstance',
        'cloudwatch:GetMetricStatistics', 'cloudwatch:DescribeAlarms',
        // UpdateAutoScalingGroup: the one statement of the per-group document (for_each), see below.
        'autoscaling:DescribeAutoScalingGroups', 'autoscaling:UpdateAutoScalingGroup',
        'ec2:RunInstances', 'ec2:RunInstances', 'ec2:RunInstances', 'ec2:CreateTags',
        // AWS registers every target of the stack (the groups are attached): no task reads, no target writes.
        'ecs:DescribeServices', 'ecs:UpdateService',
        'elasticloadbalancing:DescribeTargetHealth',
        'route53:GetHealthCheckStatus', 'sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey',
        'sqs:SendMessage', 'logs:CreateLogStream', 'logs:PutLogEvents',
        'sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes',
        'cloudwatch:PutMetricData',
        'xray:PutTraceSegments', 'xray:PutTelemetryRecords',
      ].sort(),
    );
    const wildcards = statementsOf(doc).filter((st) => hasWildcardResource(st.resources)).map((st) => st.sid);
    expect(wildcards).to.deep.equal(['ReadMetrics', 'DescribeAsgs', 'DescribeTargets', 'PublishMetrics', 'Tracing']);
  });

  it('each ASG gets its own UpdateAutoScalingGroup statement: its ARN, its larger max and min size, its instance types', () => {
    const documents = Object.entries(s.data!.aws_iam_policy_document);
    const [asgDocId, asgDoc] = documents.find(([id]) => id.startsWith('dr-lambda_asg-policy_'))!;
    const doc = documents.find(([id]) => id.startsWith('dr-lambda_policy_'))![1];
    // One document per group: the groups' own for_each (the same map, so the same keys, none when there is no group).
    const [groupId, group] = Object.entries(s.resource.aws_autoscaling_group)[0];
    expect(asgDoc.for_each).to.equal(group.for_each);
    expect(asgDoc.statement).to.deep.equal([
      {
        sid: 'UpdateAsg${upper(substr(each.key, 0, 1))}${replace(substr(each.key, 1, -1), "-", "X")}',
        effect: 'Allow',
        actions: ['autoscaling:UpdateAutoScalingGroup'],
        resources: [`\${aws_autoscaling_group.${groupId}[each.key].arn}`],
        condition: [
          { test: 'StringEquals', variable: 'autoscaling:ResourceTag/pilot-light:environment', values: ['dr'] },
          { test: 'NumericLessThanEqualsIfExists', variable: 'autoscaling:MaxSize', values: ['${max(each.value.pilot_light.max_size, each.value.active.max_size)}'] },
          { test: 'NumericLessThanEqualsIfExists', variable: 'autoscaling:MinSize', values: ['${max(each.value.pilot_light.min_size, each.value.active.min_size)}'] },
          { test: 'ForAllValues:StringEquals', variable: 'autoscaling:InstanceTypes', values: '${each.value.instance_types}' },
          { test: 'ForAllValues:StringEquals', variable: 'autoscaling:VPCZoneIdentifiers', values: '${var.dr_private_subnet_ids}' },
          { test: 'BoolIfExists', variable: 'autoscaling:LaunchTemplateVersionSpecified', values: ['false'] },
        ],
      },
    ]);
    // Merged into the role's document, which has no ASG statement of its own (no placeholder either).
    expect(doc.source_policy_documents).to.equal(`\${[for d in data.aws_iam_policy_document.${asgDocId} : d.json]}`);
    expect(statementsOf(doc).filter((st) => st.actions.some((a) => a.startsWith('autoscaling:Update')))).to.deep.equal([]);
  });

  it('the reconciler publishes metrics only into its own namespace (S8 exception), and requeues on its own queue only', () => {
    const doc = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('dr-lambda_policy_'))![1];
    const bySid = Object.fromEntries(statementsOf(doc).map((st) => [st.sid, st]));
    expect(bySid.PublishMetrics.condition).to.deep.equal([{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: ['PilotLight'] }]);
    expect(bySid.Requeue.resources).to.have.length(1);
    expect((bySid.Requeue.resources as string[])[0]).to.match(/^\$\{aws_sqs_queue\.dr-lambda_requeue_[0-9A-F]+\.arn\}$/);
  });

  describe('asgStatementId: an IAM Sid (letters and digits) per ASG key, never the same for two keys', () => {
    const cases: Record<string, string> = {
      jenkins: 'UpdateAsgJenkins',
      'build-agents': 'UpdateAsgBuildXagents',
      'a-b': 'UpdateAsgAXb',
      ab: 'UpdateAsgAb',
      'a--b': 'UpdateAsgAXXb',
      '1ci': 'UpdateAsg1ci',
      x: 'UpdateAsgX',
    };
    for (const [key, sid] of Object.entries(cases)) {
      it(`${key} → ${sid}`, () => {
        expect(asgStatementId(key)).to.equal(sid);
        expect(sid).to.match(/^[A-Za-z0-9]+$/);
      });
    }
    it('distinct keys, distinct Sids', () => {
      expect(new Set(Object.values(cases)).size).to.equal(Object.keys(cases).length);
    });
  });

  describe('the check itself', () => {
    const cases: Record<string, { statement: Statement; want: string[] }> = {
      'mutating on *': { statement: { sid: 'Bad', actions: ['ecs:UpdateService'], resources: ['*'] }, want: ['Bad: ecs:UpdateService'] },
      'mutating on * inside an expression': { statement: { sid: 'Expr', actions: ['sns:Publish'], resources: '${concat(["*"], var.x)}' }, want: ['Expr: sns:Publish'] },
      'read on *': { statement: { sid: 'Read', actions: ['ecs:DescribeServices', 'ecs:ListTasks', 'ssm:GetParameter'], resources: ['*'] }, want: [] },
      'mutating on a scoped wildcard ARN': { statement: { sid: 'Scoped', actions: ['ec2:CreateTags'], resources: ['arn:aws:ec2:eu-central-1:123456789012:instance/*'] }, want: [] },
      'Deny on *': { statement: { sid: 'Deny', effect: 'Deny', actions: ['iam:PassRole'], resources: ['*'] }, want: [] },
      'BatchGetImage counts as mutating': { statement: { sid: 'Batch', actions: ['ecr:BatchGetImage'], resources: ['*'] }, want: ['Batch: ecr:BatchGetImage'] },
      'PutMetricData on * without a condition': { statement: { sid: 'Metrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'] }, want: ['Metrics: cloudwatch:PutMetricData'] },
      'PutMetricData on * with the namespace condition': {
        statement: { sid: 'Metrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'], condition: [{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: ['PilotLight'] }] },
        want: [],
      },
      'PutMetricData on * with a wildcard namespace': {
        statement: { sid: 'Metrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'], condition: [{ test: 'StringLike', variable: 'cloudwatch:namespace', values: ['*'] }] },
        want: ['Metrics: cloudwatch:PutMetricData'],
      },
      'the namespace condition does not excuse other actions': {
        statement: { sid: 'Alarms', actions: ['cloudwatch:SetAlarmState'], resources: ['*'], condition: [{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: ['PilotLight'] }] },
        want: ['Alarms: cloudwatch:SetAlarmState'],
      },
      'X-Ray trace upload on * is the one exception': { statement: { sid: 'Tracing', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:PutEncryptionConfig'], resources: ['*'] }, want: ['Tracing: xray:PutEncryptionConfig'] },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(wildcardMutations([c.statement])).to.deep.equal(c.want);
      });
    }
  });
});
