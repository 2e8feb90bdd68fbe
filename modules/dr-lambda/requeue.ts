/**
 * Requeue and wake-up events (issue 14): the pass's "look again at T" and the DR region's own events reach the
 * reconciler through one SQS queue, `<env>-dr-requeue`, instead of waiting for the next periodic resync.
 *
 * - The reconciler sends `{"source":"pilot-light.requeue","dueAt":"<ISO time>"}` with `DelaySeconds` 0–900 (SQS's
 *   per-message delay) when it waits for something.
 * - EventBridge rules in the DR region put the world's events on the same queue: ECS task state changes in the
 *   managed cluster, instance launches and terminations of the managed ASGs, RDS events of the replica (promotion
 *   finished). The queue policy lets only these rules send.
 * - An event source mapping feeds the Lambda: batches of up to 10 gathered for up to 2 s, so a burst (ten tasks
 *   starting) is one pass, and a pass is level-triggered: it does not care which message woke it.
 * - Reserved concurrency stays 1. With SQS that means Lambda's pollers are throttled while a pass runs; a throttled
 *   batch goes back to the queue and is received again after the visibility timeout. AWS advises a visibility timeout
 *   of at least six times the function timeout, so it is that; a message received ten times (throttled or failing
 *   every time) moves to the dead-letter queue, whose alarm tells people.
 */
import { Construct } from 'constructs';
import { Fn, ITerraformDependable, Op, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/** `source` of the reconciler's own requeue messages. */
export const REQUEUE_MESSAGE_SOURCE = 'pilot-light.requeue';

/** Messages per Lambda invocation from the requeue queue. */
export const REQUEUE_BATCH_SIZE = 10;

/** Seconds Lambda gathers messages before it invokes: a burst of events becomes one pass. */
export const REQUEUE_BATCHING_WINDOW_SECONDS = 2;

/** Receives of one message (throttled or failed) before SQS moves it to the dead-letter queue. */
export const REQUEUE_MAX_RECEIVE_COUNT = 10;

/** What the DR-region event rules watch. */
export interface RequeueEventSources {
  /** The managed ECS cluster: its task state changes. */
  readonly clusterArn: string;
  /** The managed ASGs: their instance launches and terminations. */
  readonly autoScalingGroupNames: string[];
  /** The read replica: its RDS events (promotion finished). @default undefined (no rule: the stack has no database) */
  readonly replicaIdentifier?: string;
}

/** `names`, or `[placeholder]` when empty (also when the list is only known to Terraform). */
function nonEmpty(names: string[], placeholder: string): string[] {
  if (Token.isUnresolved(names)) return Token.asList(Fn.conditional(Op.lt(Fn.lengthOf(names), 1), [placeholder], names));
  return names.length > 0 ? names : [placeholder];
}

/** Props of {@link Requeue}. */
export interface RequeueProps {
  /** Environment name: the queue is `${environment}-dr-requeue`. */
  readonly environment: string;
  /** Prefix of the rule names (the function name). */
  readonly namePrefix: string;
  /** The reconciler Lambda's timeout, seconds: the visibility timeout is six times that. */
  readonly functionTimeoutSeconds: number;
  /** Dead-letter queue for messages received too often. */
  readonly deadLetterQueueArn: string;
  /** What the event rules watch. */
  readonly events: RequeueEventSources;
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
}

/** The requeue queue, the event rules that feed it, and (with {@link Requeue.feed}) its mapping to the Lambda. */
export class Requeue extends Construct {
  /** `${environment}-dr-requeue`. */
  readonly queue: SqsQueue;
  /** The event rules whose target is the queue, by construct id. */
  readonly rules: Readonly<Record<string, CloudwatchEventRule>>;
  private readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, props: RequeueProps) {
    super(scope, id);
    this.provider = props.provider;
    const timeout = props.functionTimeoutSeconds;
    const visibility = Token.isUnresolved(timeout) ? Token.asNumber(Op.mul(timeout, 6)) : timeout * 6;

    this.queue = new SqsQueue(this, 'queue', {
      provider: props.provider,
      name: `${props.environment}-dr-requeue`,
      sqsManagedSseEnabled: true,
      visibilityTimeoutSeconds: visibility,
      // A wake-up older than a day is moot: passes are level-triggered and the resync runs anyway.
      messageRetentionSeconds: 86400,
      redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: props.deadLetterQueueArn, maxReceiveCount: REQUEUE_MAX_RECEIVE_COUNT }),
    });

    const patterns: Record<string, { description: string; pattern: Record<string, unknown> }> = {
      'ecs-tasks': {
        description: 'Wake the reconciler when a task of the managed ECS cluster changes state',
        pattern: { source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'], detail: { clusterArn: [props.events.clusterArn] } },
      },
      'asg-instances': {
        description: 'Wake the reconciler when a managed ASG launches or terminates an instance',
        pattern: {
          source: ['aws.autoscaling'],
          'detail-type': ['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful'],
          // EventBridge refuses an empty array in a pattern: with no ASG the pattern names one that cannot exist.
          detail: { AutoScalingGroupName: nonEmpty(props.events.autoScalingGroupNames, `${props.environment}-no-managed-asg`) },
        },
      },
    };
    if (props.events.replicaIdentifier !== undefined) {
      patterns['replica-events'] = {
        description: 'Wake the reconciler on RDS events of the read replica (promotion finished)',
        pattern: { source: ['aws.rds'], 'detail-type': ['RDS DB Instance Event'], detail: { SourceIdentifier: [props.events.replicaIdentifier] } },
      };
    }
    const rules: Record<string, CloudwatchEventRule> = {};
    for (const [ruleId, p] of Object.entries(patterns)) {
      rules[ruleId] = new CloudwatchEventRule(this, `${ruleId}-rule`, {
        provider: props.provider,
        name: `${props.namePrefix}-${ruleId}`,
        description: p.description,
        eventPattern: Fn.jsonencode(p.pattern),
      });
      // The raw event is the message: the pass logs what woke it.
      new CloudwatchEventTarget(this, `${ruleId}-target`, { provider: props.provider, rule: rules[ruleId].name, targetId: 'requeue', arn: this.queue.arn });
    }
    this.rules = rules;

    const policy = new DataAwsIamPolicyDocument(this, 'queue-policy-document', {
      provider: props.provider,
      statement: [
        {
          sid: 'EventRulesSend',
          effect: 'Allow',
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.arn],
          condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: Object.values(rules).map((r) => r.arn) }],
        },
      ],
    });
    new SqsQueuePolicy(this, 'queue-policy', { provider: props.provider, queueUrl: this.queue.url, policy: policy.json });
  }

  /**
   * Feeds the queue to `fn`. `after`: what must exist first (the role policy that lets the function receive from the
   * queue: Lambda checks the permissions when the mapping is created).
   */
  feed(fn: LambdaFunction, after: ITerraformDependable[]): LambdaEventSourceMapping {
    return new LambdaEventSourceMapping(this, 'mapping', {
      provider: this.provider,
      eventSourceArn: this.queue.arn,
      functionName: fn.arn,
      batchSize: REQUEUE_BATCH_SIZE,
      maximumBatchingWindowInSeconds: REQUEUE_BATCHING_WINDOW_SECONDS,
      dependsOn: after,
    });
  }
}
