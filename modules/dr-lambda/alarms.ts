/**
 * DR watches itself (rule S11): alarms in the DR region, on the DR notification topic, that announce a reconciler
 * which cannot do its job — long before the day it is needed. What to do for each is in the README ("Alarms").
 *
 * | alarm | fires when |
 * |---|---|
 * | `<fn>-errors` | the Lambda reported an error (AWS/Lambda Errors > 0 in a minute) |
 * | `<fn>-dead-letters` | the dead-letter queue holds a message (an event the reconciler failed to process) |
 * | `<fn>-heartbeat` | no pass finished (PilotLight Heartbeat) for N resync periods; no data counts as none |
 * | `<fn>-degraded` | status stayed Degraded (PilotLight Degraded = 1) for M minutes |
 * | `<fn>-invalid-spec` | a pass found the mode or the spec invalid (PilotLight InvalidSpec >= 1) |
 */
import { Construct } from 'constructs';
import { Fn, Op, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { environmentDimensions, METRIC_NAMESPACE, RECONCILER_METRICS } from '../metrics';
import { checkIntegerRange } from '../validate';

/** Seconds per unit of an EventBridge rate expression. */
const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

/** An EventBridge rate expression, with the amount and the unit captured. Character classes, not escapes: the pattern passes through JSON and HCL. */
export const RATE_EXPRESSION = '^rate[(]([0-9]+) (minute|minutes|hour|hours|day|days)[)]$';

/**
 * The period of a `rate(...)` schedule in seconds; for a Terraform variable, the expression that computes it at plan
 * time (the variable's own validation makes sure it is a rate expression).
 */
export function ratePeriodSeconds(expression: string): number {
  if (Token.isUnresolved(expression)) {
    const parts = Fn.regex(RATE_EXPRESSION, expression);
    return Token.asNumber(Op.mul(Fn.tonumber(Fn.element(parts, 0)), Fn.lookup(RATE_UNIT_SECONDS, Token.asString(Fn.element(parts, 1)))));
  }
  const m = new RegExp(RATE_EXPRESSION).exec(expression);
  if (!m) throw new Error(`resyncScheduleExpression must be an EventBridge rate(...) expression, got: ${JSON.stringify(expression)}`);
  return Number(m[1]) * RATE_UNIT_SECONDS[m[2]];
}

/**
 * CloudWatch (PutMetricAlarm, EvaluationPeriods): periods × period at most one day for periods under an hour, at most
 * seven days otherwise. Checked when both are known at synth time.
 */
function checkEvaluationWindow(field: string, periods: number, periodSeconds: number): void {
  if (Token.isUnresolved(periods) || Token.isUnresolved(periodSeconds)) return;
  const limit = periodSeconds < 3600 ? 86400 : 604800;
  if (periods * periodSeconds > limit) {
    throw new Error(`${field} × the resync period (${periodSeconds} s) must be at most ${limit} s (CloudWatch's evaluation window), got: ${periods}`);
  }
}

/** Props of {@link ReconcilerAlarms}. */
export interface ReconcilerAlarmsProps {
  /** Environment name: the Environment dimension of the reconciler's metrics. */
  readonly environment: string;
  /** The reconciler Lambda's name: prefix of the alarm names, dimension of its AWS/Lambda metrics. */
  readonly functionName: string;
  /** Name of the Lambda's dead-letter queue. */
  readonly deadLetterQueueName: string;
  /** Period of the resync schedule, seconds (a multiple of 60). */
  readonly resyncPeriodSeconds: number;
  /** Resync periods without a finished pass before the heartbeat alarm fires. @default 5 */
  readonly heartbeatMissingPeriods?: number;
  /** Minutes of uninterrupted Degraded before the degraded alarm fires. @default 15 */
  readonly degradedAlarmMinutes?: number;
  /** Topic the alarms notify (ALARM and OK): the DR notification topic. @default undefined (no actions: the console only) */
  readonly notificationTopicArn?: string;
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
}

/** The five self-watch alarms of the reconciler. */
export class ReconcilerAlarms extends Construct {
  /** The alarms, by construct id. */
  readonly alarms: Readonly<Record<'errors' | 'dead-letters' | 'heartbeat' | 'degraded' | 'invalid-spec', CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: ReconcilerAlarmsProps) {
    super(scope, id);
    const fn = props.functionName;
    const heartbeatPeriods = props.heartbeatMissingPeriods ?? 5;
    const degradedMinutes = props.degradedAlarmMinutes ?? 15;
    checkIntegerRange('heartbeatMissingPeriods', heartbeatPeriods, 1, 100);
    checkEvaluationWindow('heartbeatMissingPeriods', heartbeatPeriods, props.resyncPeriodSeconds);
    // CloudWatch: evaluation periods × period at most one day for periods under an hour.
    checkIntegerRange('degradedAlarmMinutes', degradedMinutes, 1, 1440);

    const topics = props.notificationTopicArn === undefined ? [] : [props.notificationTopicArn];
    const reconcilerMetric = (name: string) => ({ namespace: METRIC_NAMESPACE, metricName: name, dimensions: environmentDimensions(props.environment) });
    const alarm = (id: string, config: Omit<CloudwatchMetricAlarmConfig, 'provider' | 'alarmName' | 'alarmActions' | 'okActions'>) =>
      new CloudwatchMetricAlarm(this, id, { provider: props.provider, alarmName: `${fn}-${id}`, alarmActions: topics, okActions: topics, ...config });

    this.alarms = {
      errors: alarm('errors', {
        alarmDescription: `The DR reconciler ${fn} failed (Lambda Errors > 0). README "Alarms": read /aws/lambda/${fn}.`,
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: fn },
        statistic: 'Sum',
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        // No invocation, no error; silence is the heartbeat alarm's job.
        treatMissingData: 'notBreaching',
      }),
      'dead-letters': alarm('dead-letters', {
        alarmDescription: `Events the DR reconciler failed to process are waiting in ${props.deadLetterQueueName}. README "Alarms".`,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: props.deadLetterQueueName },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        // SQS stops publishing for a queue that is empty and unused; a queue holding messages keeps publishing.
        treatMissingData: 'notBreaching',
      }),
      heartbeat: alarm('heartbeat', {
        alarmDescription: `No DR reconciler pass finished in ${heartbeatPeriods} resync periods: DR is not being watched. README "Alarms".`,
        ...reconcilerMetric(RECONCILER_METRICS.heartbeat),
        statistic: 'Sum',
        period: props.resyncPeriodSeconds,
        evaluationPeriods: heartbeatPeriods,
        datapointsToAlarm: heartbeatPeriods,
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        // A pass that never finishes publishes nothing: no data is exactly the failure this alarm is for.
        treatMissingData: 'breaching',
      }),
      degraded: alarm('degraded', {
        alarmDescription: `The DR reconciler has reported Degraded for ${degradedMinutes} minutes. README "Alarms": drctl status.`,
        ...reconcilerMetric(RECONCILER_METRICS.degraded),
        // Minimum: one pass in a minute that is not Degraded means that minute was not.
        statistic: 'Minimum',
        period: 60,
        evaluationPeriods: degradedMinutes,
        datapointsToAlarm: degradedMinutes,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        // Between passes the state holds; a reconciler gone silent is the heartbeat alarm's.
        treatMissingData: 'ignore',
      }),
      'invalid-spec': alarm('invalid-spec', {
        alarmDescription: `The DR reconciler found the mode or the spec invalid and changed nothing (S6). README "Alarms": drctl status.`,
        ...reconcilerMetric(RECONCILER_METRICS.invalidSpec),
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        treatMissingData: 'notBreaching',
      }),
    };
  }
}
