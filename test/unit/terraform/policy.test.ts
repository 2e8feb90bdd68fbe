import { expect } from 'chai';
import { dataSources, resources, synthStack, Synthesized } from './synth';
import { hasWildcardResource, Statement, wildcardMutations } from './policy-check';

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
    const actions = statementsOf(doc).flatMap((st) => st.actions).sort();
    expect(actions).to.deep.equal(
      [
        'ssm:GetParameter', 'ssm:PutParameter',
        'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem',
        'rds:DescribeDBInstances', 'rds:PromoteReadReplica', 'rds:StopDBInstance',
        'cloudwatch:GetMetricStatistics', 'cloudwatch:DescribeAlarms',
        // One UpdateAutoScalingGroup statement for the for_each groups, limited to the largest size any asks for.
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

  it('the reconciler publishes metrics only into its own namespace (S8 exception), and requeues on its own queue only', () => {
    const doc = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('dr-lambda_policy_'))![1];
    const bySid = Object.fromEntries(statementsOf(doc).map((st) => [st.sid, st]));
    expect(bySid.PublishMetrics.condition).to.deep.equal([{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: ['PilotLight'] }]);
    expect(bySid.Requeue.resources).to.have.length(1);
    expect((bySid.Requeue.resources as string[])[0]).to.match(/^\$\{aws_sqs_queue\.dr-lambda_requeue_[0-9A-F]+\.arn\}$/);
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
