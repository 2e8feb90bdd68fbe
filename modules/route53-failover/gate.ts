/**
 * The traffic gate (rule S9): Route 53 sends users to the DR region only while the reconciler says so, through
 * data-plane parts only.
 *
 * - The reconciler publishes `PilotLight/TrafficToDr` (dimension Environment) every pass in the DR region: 1 while a
 *   real failover or an unfinished failback holds traffic in DR, 0 otherwise.
 * - An alarm on it in the DR region: Maximum over 60 s, ALARM at >= 1, one period. Missing data is ignored, so a gap
 *   (a broken or throttled reconciler, a CloudWatch hiccup) keeps the last state instead of moving traffic.
 * - A Route 53 health check of type CLOUDWATCH_METRIC on that alarm. Route 53 health checkers read the alarm's state
 *   in the DR region (data plane); no call to the Route 53 API (a us-east-1 control plane) moves traffic. Not
 *   inverted: the check is HEALTHY while the alarm is OK (traffic belongs to the primary) and UNHEALTHY while it is
 *   in ALARM. `LastKnownStatus` while the alarm has insufficient data: a new check with no history is healthy, so a
 *   fresh deploy keeps traffic on the primary.
 *
 * The check is the PRIMARY failover record's only health check (see index.ts for what that means in each mode).
 */
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { environmentDimensions, METRIC_NAMESPACE, RECONCILER_METRICS } from '../metrics';

/** Props of {@link TrafficGate}. */
export interface TrafficGateProps {
  /** Environment name: the metric's Environment dimension and the prefix of names. */
  readonly environment: string;
  /** SNS topics told when the gate opens (traffic to DR) and closes (traffic back to the primary). @default [] */
  readonly notificationTopicArns?: string[];
  /** Provider in the DR region, where the reconciler publishes the metric: the alarm lives there. */
  readonly alarmProvider: AwsProvider;
  /** Provider for Route 53 (a global service: any region). */
  readonly healthCheckProvider: AwsProvider;
}

/** The TrafficToDr alarm and the CLOUDWATCH_METRIC health check that follows it. */
export class TrafficGate extends Construct {
  /** The gate's Route 53 health check id: the PRIMARY record's health check. */
  readonly healthCheckId: string;
  /** Name of the TrafficToDr alarm (DR region). */
  readonly alarmName: string;
  /** ARN of the TrafficToDr alarm. */
  readonly alarmArn: string;

  constructor(scope: Construct, id: string, props: TrafficGateProps) {
    super(scope, id);
    const env = props.environment;
    const topics = props.notificationTopicArns ?? [];
    const region = new DataAwsRegion(this, 'alarm-region', { provider: props.alarmProvider });

    const alarm = new CloudwatchMetricAlarm(this, 'alarm', {
      provider: props.alarmProvider,
      alarmName: `${env}-traffic-to-dr`,
      alarmDescription:
        'Traffic gate (S9): ALARM while the DR reconciler holds traffic in the DR region (a real failover, or a failback not yet complete). ' +
        'Route 53 answers with the DR ALB while this is in ALARM.',
      namespace: METRIC_NAMESPACE,
      metricName: RECONCILER_METRICS.trafficToDr,
      dimensions: environmentDimensions(env),
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      // A gap keeps the last state: only the reconciler's own reading moves traffic, never its silence.
      treatMissingData: 'ignore',
      alarmActions: topics,
      okActions: topics,
    });
    this.alarmName = alarm.alarmName;
    this.alarmArn = alarm.arn;

    const healthCheck = new Route53HealthCheck(this, 'health-check', {
      provider: props.healthCheckProvider,
      type: 'CLOUDWATCH_METRIC',
      cloudwatchAlarmName: alarm.alarmName,
      cloudwatchAlarmRegion: region.name,
      insufficientDataHealthStatus: 'LastKnownStatus',
      // Healthy = alarm OK = traffic belongs to the primary: no inversion needed.
      invertHealthcheck: false,
      tags: { Name: `${env}-traffic-gate` },
    });
    this.healthCheckId = healthCheck.id;
  }
}
