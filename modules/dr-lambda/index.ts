/**
 * dr-lambda: the reconciler Lambda `dr-dr-failover` and everything it needs.
 *
 * - The function, bundled from the reconciler entry with esbuild and shipped as a TerraformAsset;
 *   nodejs22.x, reserved concurrency 1 (one pass at a time), an encrypted SQS dead-letter queue, its log group.
 * - SSM `/dr/mode` (created `pilot-light`, value ignored afterwards: rule S7) and `/dr/spec`, the
 *   DrEnvironment document (reconciler/spec.ts) built by Terraform with jsonencode so every ARN is real.
 * - DynamoDB `dr-dr-failover-state`: the lease, status and drill record.
 * - Triggers, each with its lambda permission: mode-parameter change (EventBridge), alarm topic (SNS, cross-region),
 *   periodic resync, monthly drill `dr-dr-failover-test`; and the requeue queue `dr-dr-requeue` with the DR-region
 *   event rules that feed it (requeue.ts).
 * - Self-watch alarms on the notification topic: errors, dead letters, heartbeat, degraded, invalid spec (alarms.ts).
 * - IAM role + least-privilege policy (rules S8/S12, see policy.ts) and a dashboard of the reconciler's metrics.
 * - Who may fail over: `/dr/mode` only takes the two modes (allowed_pattern); every change of `/dr/spec` is announced
 *   on the notification topic; the guardrail document (guardrail.ts) is rendered for an SCP.
 */
import * as path from 'path';
import { Construct } from 'constructs';
import { AssetType, Fn, IResolvable, Op, ref, TerraformAsset, TerraformStack, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
// spec-types, not spec: synthesizing the stack must not load the validator (ajv, the JSON Schema).
import { API_VERSION, KIND, type DrEnvironment, type EnvironmentSpec } from '../../reconciler/spec-types';
import { bundleLambda, BUNDLE_FILE, projectRoot } from './bundle';
import { asgUpdateStatement, isForEach, ReconcilerResources, reconcilerPolicyStatements } from './policy';
import { guardrailStatements } from './guardrail';
import { dashboardBody } from './dashboard';
import { ratePeriodSeconds, RATE_EXPRESSION, ReconcilerAlarms } from './alarms';
import { Requeue } from './requeue';
import { checkIntegerRange, checkMatches, checkOneOf } from '../validate';

/** The initial (and pilot-light) value of the mode parameter. */
export const INITIAL_MODE = 'pilot-light';

/** Characters of inline policy AWS allows one role, white space not counted (IAM and STS quotas). */
export const ROLE_INLINE_POLICY_LIMIT = 10240;

/** The `allowed_pattern` of the mode parameter: the two modes and nothing else. */
export const MODE_PATTERN = '^(pilot-light|active)$';

/** `source` of the drill rule's input. */
export const DRILL_EVENT_SOURCE = 'pilot-light.drill';

/** The drill rule's input: what the handler receives from the monthly test schedule. */
export function drillEventInput(durationMinutes: number): Record<string, unknown> {
  return { source: DRILL_EVENT_SOURCE, action: 'start-drill', durationMinutes };
}

/** CloudWatch Logs retention values AWS accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The parts of the spec document that this module does not own (it adds modeParameter and stateTable). */
export type ReconcilerSpecInput = Omit<EnvironmentSpec, 'modeParameter' | 'stateTable' | 'failover'> & {
  /** The probe settings have defaults in the reconciler. */
  readonly failover: Omit<EnvironmentSpec['failover'], 'probeTimeoutSeconds' | 'probeOnlyReadings'> & Partial<Pick<EnvironmentSpec['failover'], 'probeTimeoutSeconds' | 'probeOnlyReadings'>>;
};

/** ARNs the policy needs that other modules own. */
export type ReconcilerTargetResources = Omit<
  ReconcilerResources,
  'partition' | 'region' | 'accountId' | 'environment' | 'modeParameterArn' | 'specParameterArn' | 'stateTableArn' | 'deadLetterQueueArn' | 'logGroupArn' | 'requeueQueueArn'
>;

/** Props of {@link DrLambda}. */
export interface DrLambdaProps {
  /** Names of the managed ASGs, for the launch/terminate event rule, when the spec's list is a Terraform expression (for_each). @default the spec's names */
  readonly asgNames?: string[];
  /** Environment prefix: names are `${environment}-dr-failover…`, parameters `/${environment}/…`. @default "dr" */
  readonly environment?: string;
  /** The reconciler Lambda entry (exports `handler`). @default "<project>/reconciler/handler.ts" */
  readonly handlerEntry?: string;
  /** Folder the bundle is written to. @default "<project>/.tmp/lambda/<function name>" */
  readonly bundleDir?: string;
  /** Lambda timeout, seconds (1–900). @default 120 */
  readonly timeoutSeconds?: number;
  /** Lambda memory, MiB (128–10240). @default 512 */
  readonly memoryMb?: number;
  /** Log retention, days (a value CloudWatch Logs accepts). @default 30 */
  readonly logRetentionDays?: number;
  /** Periodic resync schedule, a rate expression (the heartbeat alarm's period is derived from it). @default "rate(1 minute)" */
  readonly resyncScheduleExpression?: string;
  /** Monthly drill schedule. @default "cron(5 0 ? * MON#1 *)" (first Monday 00:05 UTC) */
  readonly drillScheduleExpression?: string;
  /** Whether the drill schedule is ENABLED (may be a Terraform bool). @default true */
  readonly drillEnabled?: boolean | IResolvable;
  /** Resync periods without a finished pass before the heartbeat alarm fires. @default 5 */
  readonly heartbeatMissingPeriods?: number;
  /** Minutes of uninterrupted Degraded status before the degraded alarm fires. @default 15 */
  readonly degradedAlarmMinutes?: number;
  /** What the reconciler converges: the spec document without modeParameter/stateTable. */
  readonly spec: ReconcilerSpecInput;
  /** ARNs of the resources the reconciler acts on (for its IAM policy). */
  readonly targets: ReconcilerTargetResources;
  /** The alarm topic (us-east-1): the Lambda subscribes to it. */
  readonly alarmTopicArn: string;
  /** IAM principals (ARNs or patterns) who may set the mode and write the state table, in the guardrail. @default [] */
  readonly operatorPrincipalArns?: string[];
  /** IAM principals (ARNs or patterns) who deploy the stack: the only ones the guardrail lets change the spec, function and role. @default [] */
  readonly deployerPrincipalArns?: string[];
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
  /** Provider in the alarm topic's region (us-east-1): the subscription must be made there. */
  readonly alarmProvider: AwsProvider;
}

/** The reconciler Lambda, its state, parameters, triggers and permissions. */
export class DrLambda extends Construct {
  /** The function. */
  readonly function: LambdaFunction;
  /** `/${environment}/mode`. */
  readonly modeParameter: SsmParameter;
  /** `/${environment}/spec`. */
  readonly specParameter: SsmParameter;
  /** `${environment}-dr-failover-state`. */
  readonly stateTable: DynamodbTable;
  /** The spec document as written (tokens resolved by Terraform). */
  readonly specDocument: Omit<DrEnvironment, 'spec'> & { readonly spec: ReconcilerSpecInput & Pick<EnvironmentSpec, 'modeParameter' | 'stateTable'> };
  /** The drill rule `${environment}-dr-failover-test`. */
  readonly drillRule: CloudwatchEventRule;
  /** The role's policy document (rule S8); for_each groups' statements are merged in from {@link asgPolicyDocuments}. */
  readonly policyDocument: DataAwsIamPolicyDocument;
  /** With for_each groups: their UpdateAutoScalingGroup statements, one document per group (the same for_each). */
  readonly asgPolicyDocuments?: DataAwsIamPolicyDocument;
  /** The requeue queue and the DR-region event rules feeding it. */
  readonly requeue: Requeue;
  /** The self-watch alarms (rule S11). */
  readonly alarms: ReconcilerAlarms;
  /** The function's role. */
  readonly role: IamRole;
  /** The guardrail (SCP or permissions-boundary deny statements, see guardrail.ts); Terraform renders it, nothing attaches it. */
  readonly guardrailDocument: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: DrLambdaProps) {
    super(scope, id);
    const env = props.environment ?? 'dr';
    const provider = props.provider;
    const functionName = `${env}-dr-failover`;
    const timeout = props.timeoutSeconds ?? 120;
    const memory = props.memoryMb ?? 512;
    const retention = props.logRetentionDays ?? 30;
    const resync = props.resyncScheduleExpression ?? 'rate(1 minute)';
    const drillSchedule = props.drillScheduleExpression ?? 'cron(5 0 ? * MON#1 *)';
    const drillEnabled = props.drillEnabled ?? true;
    const schedule = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/;

    checkMatches('environment', env, /^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and hyphens (at most 32)');
    checkIntegerRange('timeoutSeconds', timeout, 1, 900);
    checkIntegerRange('memoryMb', memory, 128, 10240);
    checkOneOf('logRetentionDays', retention, LOG_RETENTION_DAYS);
    // A rate, not a cron: the heartbeat alarm counts resync periods, so the period must be known.
    checkMatches('resyncScheduleExpression', resync, new RegExp(RATE_EXPRESSION), 'an EventBridge rate(...) expression');
    checkMatches('drillScheduleExpression', drillSchedule, schedule, 'an EventBridge rate(...) or cron(...) expression');
    checkIntegerRange('spec.drill.durationMinutes', props.spec.drill.durationMinutes, 1, 1440);
    // A pass that outlives its lease lets a second writer in.
    if (!Token.isUnresolved(timeout) && !Token.isUnresolved(props.spec.leaseSeconds) && props.spec.leaseSeconds < timeout) {
      throw new Error(`spec.leaseSeconds must be >= timeoutSeconds (${timeout}), got: ${props.spec.leaseSeconds}`);
    }

    const account = new DataAwsCallerIdentity(this, 'account', { provider });
    const partition = new DataAwsPartition(this, 'partition', { provider });
    const region = new DataAwsRegion(this, 'region', { provider });

    // --- state and parameters ---
    this.stateTable = new DynamodbTable(this, 'state-table', {
      provider,
      name: `${functionName}-state`,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'id',
      attribute: [{ name: 'id', type: 'S' }],
      serverSideEncryption: { enabled: true },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
    });
    this.modeParameter = new SsmParameter(this, 'mode-parameter', {
      provider,
      name: `/${env}/mode`,
      description: 'Desired DR mode: pilot-light or active. Written by operators, drills and the alarm path; read by the reconciler.',
      type: 'String',
      value: INITIAL_MODE,
      // SSM itself refuses any other value (rule S6 at the source): not `Active `, not JSON, not empty.
      allowedPattern: MODE_PATTERN,
      // Rule S7: after creation the value belongs to operators and the reconciler; a deploy must not reset it.
      lifecycle: { ignoreChanges: ['value'] },
    });
    this.specDocument = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name: env, labels: { 'app.kubernetes.io/managed-by': 'terraform' } },
      spec: { ...props.spec, modeParameter: this.modeParameter.name, stateTable: this.stateTable.name },
    };
    this.specParameter = new SsmParameter(this, 'spec-parameter', {
      provider,
      name: `/${env}/spec`,
      description: `DrEnvironment document (${API_VERSION}) for the ${functionName} reconciler. Managed by Terraform.`,
      type: 'String',
      // Standard parameters hold 4 KB; Intelligent-Tiering switches to Advanced only if the document outgrows it.
      tier: 'Intelligent-Tiering',
      value: Fn.jsonencode(this.specDocument),
    });

    // --- function ---
    const logGroup = new CloudwatchLogGroup(this, 'log-group', {
      provider,
      name: `/aws/lambda/${functionName}`,
      retentionInDays: retention,
    });
    const dlq = new SqsQueue(this, 'dead-letter-queue', {
      provider,
      name: `${functionName}-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 1209600,
    });
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      provider,
      statement: [{ effect: 'Allow', actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] }],
    });
    const role = (this.role = new IamRole(this, 'role', { provider, name: functionName, assumeRolePolicy: trust.json }));
    this.requeue = new Requeue(this, 'requeue', {
      environment: env,
      namePrefix: functionName,
      functionTimeoutSeconds: timeout,
      deadLetterQueueArn: dlq.arn,
      events: {
        clusterArn: props.targets.clusterArn,
        autoScalingGroupNames: props.asgNames ?? props.spec.autoScalingGroups.map((g) => g.name),
        replicaIdentifier: props.spec.database?.replicaIdentifier,
      },
      provider,
    });
    const policyResources: ReconcilerResources = {
      ...props.targets,
      partition: partition.partition,
      region: region.name,
      accountId: account.accountId,
      environment: env,
      modeParameterArn: this.modeParameter.arn,
      specParameterArn: this.specParameter.arn,
      stateTableArn: this.stateTable.arn,
      deadLetterQueueArn: dlq.arn,
      logGroupArn: logGroup.arn,
      requeueQueueArn: this.requeue.queue.arn,
    };
    // for_each groups: one document per group (the groups' own for_each), each one statement with that group's
    // limits, merged into the role's document. With no group there is no document and no statement at all.
    const asgs = policyResources.asgs;
    if (isForEach(asgs)) {
      this.asgPolicyDocuments = new DataAwsIamPolicyDocument(this, 'asg-policy', {
        provider,
        forEach: asgs.forEach,
        statement: [asgUpdateStatement(asgs.group, policyResources)],
      });
    }
    const asgDocuments = this.asgPolicyDocuments;
    this.policyDocument = new DataAwsIamPolicyDocument(this, 'policy', {
      provider,
      sourcePolicyDocuments: asgDocuments
        ? Token.asList(ref(`[for d in data.${asgDocuments.terraformResourceType}.${asgDocuments.friendlyUniqueId} : d.json]`, TerraformStack.of(this)))
        : undefined,
      statement: reconcilerPolicyStatements(policyResources),
    });
    // AWS refuses a role whose inline policies exceed 10,240 characters (white space not counted; IAM and STS quotas)
    // with LimitExceeded at apply, after other resources changed. Each ASG adds a statement of ~700: say so first.
    const policySize = Fn.lengthOf(this.policyDocument.minifiedJson);
    const rolePolicy = new IamRolePolicy(this, 'role-policy', {
      provider,
      name: 'reconciler',
      role: role.id,
      policy: this.policyDocument.json,
      lifecycle: {
        precondition: [
          {
            condition: Op.lte(policySize, ROLE_INLINE_POLICY_LIMIT),
            errorMessage: `The reconciler's IAM policy would be ${policySize} characters; AWS allows a role ${ROLE_INLINE_POLICY_LIMIT} characters of inline policy. Each entry of asgs adds a statement of about 700 characters: split the workload into two environments or use fewer ASGs.`,
          },
        ],
      },
    });

    const root = projectRoot();
    const entry = props.handlerEntry ?? path.join(root, 'reconciler', 'handler.ts');
    const bundleDir = bundleLambda(entry, props.bundleDir ?? path.join(root, '.tmp', 'lambda', functionName));
    const asset = new TerraformAsset(this, 'bundle', { path: bundleDir, type: AssetType.ARCHIVE });

    this.function = new LambdaFunction(this, 'function', {
      provider,
      functionName,
      description: 'Pilot-light DR reconciler: converges the DR region to the mode in SSM',
      role: role.arn,
      runtime: 'nodejs22.x',
      handler: `${path.basename(BUNDLE_FILE, '.js')}.handler`,
      architectures: ['arm64'],
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      timeout,
      memorySize: memory,
      // One pass at a time (DESIGN §2); the lease covers operators running drctl beside it.
      reservedConcurrentExecutions: 1,
      deadLetterConfig: { targetArn: dlq.arn },
      // X-Ray traces of every pass (the SDK calls show as subsegments): where a slow failover spent its time.
      tracingConfig: { mode: 'Active' },
      environment: {
        variables: {
          DR_SPEC_PARAMETER: this.specParameter.name,
          POWERTOOLS_SERVICE_NAME: functionName,
          POWERTOOLS_METRICS_NAMESPACE: 'PilotLight',
          // The spec's metadata.name: the Environment dimension of the metrics the alarms and the traffic gate read.
          DR_ENVIRONMENT: env,
          DR_REQUEUE_QUEUE_URL: this.requeue.queue.url,
        },
      },
      // The log group must exist (with its retention) before the function can create it with none.
      dependsOn: [logGroup, rolePolicy],
    });

    // --- triggers ---
    const modeRule = new CloudwatchEventRule(this, 'mode-change-rule', {
      provider,
      name: `${functionName}-mode-change`,
      description: `A reconcile pass whenever ${this.modeParameter.name} changes`,
      eventPattern: Fn.jsonencode({
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: [this.modeParameter.name] },
      }),
    });
    this.invokeOnRule('mode-change', modeRule);

    const resyncRule = new CloudwatchEventRule(this, 'resync-rule', {
      provider,
      name: `${functionName}-resync`,
      description: 'Periodic reconcile pass: finishes work, corrects drift, ends expired drills, polls the health check',
      scheduleExpression: resync,
    });
    this.invokeOnRule('resync', resyncRule);

    this.drillRule = new CloudwatchEventRule(this, 'drill-rule', {
      provider,
      name: `${functionName}-test`,
      description: 'Monthly DR drill: active with drill metadata, reverts itself at expiry',
      scheduleExpression: drillSchedule,
      state: Token.asString(Fn.conditional(drillEnabled, 'ENABLED', 'DISABLED')),
    });
    this.invokeOnRule('drill', this.drillRule, Fn.jsonencode(drillEventInput(props.spec.drill.durationMinutes)));
    this.requeue.feed(this.function, [rolePolicy]);

    new SnsTopicSubscription(this, 'alarm-subscription', {
      provider: props.alarmProvider,
      topicArn: props.alarmTopicArn,
      protocol: 'lambda',
      endpoint: this.function.arn,
    });
    new LambdaPermission(this, 'alarm-permission', {
      provider,
      statementId: 'alarm-topic',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'sns.amazonaws.com',
      sourceArn: props.alarmTopicArn,
    });

    this.alarms = new ReconcilerAlarms(this, 'alarms', {
      environment: env,
      functionName,
      deadLetterQueueName: dlq.name,
      resyncPeriodSeconds: ratePeriodSeconds(resync),
      heartbeatMissingPeriods: props.heartbeatMissingPeriods,
      degradedAlarmMinutes: props.degradedAlarmMinutes,
      notificationTopicArn: props.spec.notificationTopicArn,
      provider,
    });

    // Writes to the spec change what the reconciler may touch (S12): every change is announced on the topic,
    // whoever made it (a deploy included), so an unexpected one is seen. The topic's policies admit rules `${env}-…`.
    const topicArn = props.spec.notificationTopicArn;
    if (topicArn !== undefined) this.notifyOnSpecChange(functionName, env, topicArn);

    this.guardrailDocument = new DataAwsIamPolicyDocument(this, 'guardrail', {
      provider,
      statement: guardrailStatements({
        partition: partition.partition,
        accountId: account.accountId,
        modeParameterArn: this.modeParameter.arn,
        specParameterArn: this.specParameter.arn,
        stateTableArn: this.stateTable.arn,
        functionArn: this.function.arn,
        roleArn: role.arn,
        operatorPrincipalArns: props.operatorPrincipalArns ?? [],
        deployerPrincipalArns: props.deployerPrincipalArns ?? [],
      }),
    });

    new CloudwatchDashboard(this, 'dashboard', {
      provider,
      dashboardName: `${env}-pilot-light`,
      dashboardBody: Fn.jsonencode(dashboardBody({ environment: env, region: region.name, functionName })),
    });
  }

  /** EventBridge rule on changes of the spec parameter → a message on the notification topic. */
  private notifyOnSpecChange(functionName: string, env: string, topicArn: string): void {
    const provider = this.function.provider;
    const specRule = new CloudwatchEventRule(this, 'spec-change-rule', {
      provider,
      name: `${functionName}-spec-change`,
      description: `Notifies ${env} DR operators whenever ${this.specParameter.name} changes`,
      eventPattern: Fn.jsonencode({
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: [this.specParameter.name] },
      }),
    });
    new CloudwatchEventTarget(this, 'spec-change-target', {
      provider,
      rule: specRule.name,
      targetId: 'notification-topic',
      arn: topicArn,
      inputTransformer: {
        inputPaths: { name: '$.detail.name', operation: '$.detail.operation', time: '$.time', account: '$.account' },
        inputTemplate: '"[pilot-light] DR spec parameter <name> changed (<operation>) at <time> in account <account>. If no deploy did this, check CloudTrail: the spec decides what the reconciler may touch."',
      },
    });
  }

  /** EventBridge rule → the function, with the permission that lets that rule (and only it) invoke it. */
  private invokeOnRule(id: string, rule: CloudwatchEventRule, input?: string): void {
    new CloudwatchEventTarget(this, `${id}-target`, {
      provider: this.function.provider,
      rule: rule.name,
      targetId: 'reconciler',
      arn: this.function.arn,
      input,
    });
    new LambdaPermission(this, `${id}-permission`, {
      provider: this.function.provider,
      statementId: `${id}-rule`,
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });
  }
}
