/**
 * The reconciler's IAM permissions (rule S8): exactly the actions it calls, each scoped to this stack's
 * resources. `*` appears only for reads that AWS does not support resource-level permissions for, and for
 * cloudwatch:PutMetricData (no resource-level permissions either) under a `cloudwatch:namespace` condition.
 */
import { Fn, Token } from 'cdktf';
import { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { METRIC_NAMESPACE } from '../metrics';

/** ARNs and ids of everything the reconciler touches. */
export interface ReconcilerResources {
  /** ARN partition, region and account of the DR region, for ARNs built by pattern. */
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly modeParameterArn: string;
  readonly specParameterArn: string;
  readonly stateTableArn: string;
  /** Absent when the stack has no database. */
  readonly replicaArn?: string;
  readonly alarmArn: string;
  readonly healthCheckId: string;
  readonly asgArns: string[];
  readonly launchTemplateArns: string[];
  /** Subnets and security groups an ASG launch uses (RunInstances checks them against the caller). */
  readonly instanceSubnetIds: string[];
  readonly instanceSecurityGroupIds: string[];
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceArns: string[];
  readonly targetGroupArns: string[];
  readonly notificationTopicArn: string;
  readonly notificationKeyArn: string;
  readonly deadLetterQueueArn: string;
  readonly logGroupArn: string;
  /** The requeue queue: the reconciler sends to it, and its event source mapping receives from it. */
  readonly requeueQueueArn: string;
}

/** Builds the policy statements from the resources' ARNs. Order is stable (tests compare it). */
export function reconcilerPolicyStatements(r: ReconcilerResources): DataAwsIamPolicyDocumentStatement[] {
  const ec2 = (type: string, id: string) => `arn:${r.partition}:ec2:${r.region}:${r.accountId}:${type}/${id}`;
  const statements: DataAwsIamPolicyDocumentStatement[] = [
    { sid: 'ReadModeAndSpec', actions: ['ssm:GetParameter'], resources: [r.modeParameterArn, r.specParameterArn] },
    { sid: 'WriteMode', actions: ['ssm:PutParameter'], resources: [r.modeParameterArn] },
    { sid: 'StateTable', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [r.stateTableArn] },
  ];
  if (r.replicaArn !== undefined) {
    statements.push(
      { sid: 'DescribeReplica', actions: ['rds:DescribeDBInstances'], resources: [r.replicaArn] },
      { sid: 'PromoteReplica', actions: ['rds:PromoteReadReplica'], resources: [r.replicaArn] },
    );
  }
  statements.push(
    // GetMetricStatistics has no resource-level permissions.
    { sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricStatistics'], resources: ['*'] },
    { sid: 'ReadAlarm', actions: ['cloudwatch:DescribeAlarms'], resources: [r.alarmArn] },
    // DescribeAutoScalingGroups has no resource-level permissions.
    { sid: 'DescribeAsgs', actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] },
    { sid: 'UpdateAsgs', actions: ['autoscaling:UpdateAutoScalingGroup'], resources: r.asgArns },
    // UpdateAutoScalingGroup with a launch template in the request checks that the caller could launch it.
    { sid: 'LaunchFromTemplates', actions: ['ec2:RunInstances'], resources: r.launchTemplateArns },
    {
      sid: 'LaunchResources',
      actions: ['ec2:RunInstances'],
      // Subnet ids may be one token (a variable): Terraform builds their ARNs.
      resources: Fn.concat([
        [ec2('instance', '*'), ec2('volume', '*'), ec2('network-interface', '*'), `arn:${r.partition}:ec2:${r.region}::image/*`],
        Fn.formatlist('arn:%s:ec2:%s:%s:subnet/%s', [r.partition, r.region, r.accountId, Token.asAny(r.instanceSubnetIds)]),
        Fn.formatlist('arn:%s:ec2:%s:%s:security-group/%s', [r.partition, r.region, r.accountId, Token.asAny(r.instanceSecurityGroupIds)]),
      ]),
      // Only launches that go through this stack's templates.
      condition: [{ test: 'ArnLike', variable: 'ec2:LaunchTemplate', values: r.launchTemplateArns }],
    },
    {
      sid: 'TagLaunches',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance', '*'), ec2('volume', '*'), ec2('network-interface', '*')],
      condition: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: ['RunInstances'] }],
    },
    { sid: 'Services', actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: r.serviceArns },
    // ListTasks is scoped by the cluster condition key, not by resource.
    {
      sid: 'ListTasks',
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      condition: [{ test: 'ArnEquals', variable: 'ecs:cluster', values: [r.clusterArn] }],
    },
    { sid: 'DescribeTasks', actions: ['ecs:DescribeTasks'], resources: [`arn:${r.partition}:ecs:${r.region}:${r.accountId}:task/${r.clusterName}/*`] },
    // The ELB Describe* actions have no resource-level permissions.
    {
      sid: 'DescribeTargets',
      actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      resources: ['*'],
    },
    {
      sid: 'RegisterTargets',
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: r.targetGroupArns,
    },
    { sid: 'HealthCheckStatus', actions: ['route53:GetHealthCheckStatus'], resources: [`arn:${r.partition}:route53:::healthcheck/${r.healthCheckId}`] },
    { sid: 'Notify', actions: ['sns:Publish'], resources: [r.notificationTopicArn] },
    { sid: 'NotifyEncrypted', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [r.notificationKeyArn] },
    { sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [r.deadLetterQueueArn] },
    { sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${r.logGroupArn}:*`] },
    {
      sid: 'Requeue',
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resources: [r.requeueQueueArn],
    },
    // S8's one exception: PutMetricData has no resource-level permissions, so "*" narrowed by the namespace condition.
    {
      sid: 'PublishMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      condition: [{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: [METRIC_NAMESPACE] }],
    },
  );
  return statements.map((s) => ({ effect: 'Allow', ...s }));
}
