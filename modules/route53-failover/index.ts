/**
 * route53-failover: detect that the primary is down, and send users where the writer is.
 *
 * - An HTTPS Route 53 health check on the primary endpoint: a detection signal only. It feeds the us-east-1 alarm
 *   and the reconciler's readings; it does not move DNS.
 * - The traffic gate (gate.ts): an alarm on the reconciler's `PilotLight/TrafficToDr` metric in the DR region and a
 *   CLOUDWATCH_METRIC health check on it.
 * - PRIMARY / SECONDARY failover alias records: primary ALB (given) and the DR ALB (from the ecs module). The
 *   PRIMARY record's only health check is the gate, and it does not evaluate the primary ALB's target health, so
 *   DNS follows the reconciler's decision and nothing else (rule S9):
 *   - pilot-light, and a blip or an outage of the primary that the reconciler has not confirmed: TrafficToDr 0,
 *     gate healthy, users stay on the primary;
 *   - a drill (active with drill metadata): TrafficToDr 0, users stay on the primary while DR scales up and back;
 *   - a real failover: the reconciler publishes 1, the alarm goes to ALARM, the gate turns unhealthy and Route 53
 *     answers with the DR ALB (one alarm period plus Route 53's reading of the alarm: a minute or two);
 *   - the primary recovers, or an operator sets pilot-light while the promoted database is latched: still 1, users
 *     stay in DR (no failback by itself);
 *   - failback complete (the database is the primary's again): 0, the gate turns healthy, users return;
 *   - the reconciler is silent (broken, throttled) or its metric has a gap: the alarm keeps its last state, so
 *     traffic stays where it is; the DR self-watch alarms (dr-lambda) report the silence.
 * - A CloudWatch alarm on AWS/Route53 HealthCheckStatus, N of M, in us-east-1: Route 53 publishes health-check
 *   metrics only there, and an alarm can only notify a topic in its own region. Missing data is missing (rule S10).
 * - Two KMS-encrypted SNS topics:
 *   - the alarm topic in us-east-1 (alarm actions; the reconciler Lambda subscribes to it cross-region);
 *   - the notification topic in the DR region, for the reconciler's own messages and the gate's transitions. It is
 *     in the DR region so that notifications still flow when the primary region is us-east-1 and is the one failing.
 *   Emails subscribe to both: the alarm topic tells people the primary is down even if the Lambda is broken.
 */
import { Construct } from 'constructs';
import { Fn, Lazy, TerraformIterator, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { TrafficGate } from './gate';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { checkAtMost, checkIntegerRange, checkMatches, checkNotEmpty, checkOneOf, concatLists } from '../validate';

/** An alias target: a load balancer's DNS name and its canonical hosted zone id. */
export interface AliasTarget {
  /** The load balancer's DNS name. */
  readonly dnsName: string;
  /** Its canonical hosted zone id (not the zone of the record). */
  readonly zoneId: string;
}

/** An AWS service that publishes to a topic, and the ARNs (patterns) of the sources it may publish for. */
export interface ServicePublisher {
  /** Service principal, e.g. `cloudwatch.amazonaws.com`. */
  readonly service: string;
  /** `aws:SourceArn` patterns: the alarms or rules that may publish (confused-deputy protection). */
  readonly sourceArns: string[];
}

/** Key policy of a topic's KMS key: the account administers it; each service only for its own sources. */
export function topicKeyPolicy(partition: string, accountId: string, publishers: readonly ServicePublisher[]): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    // A key policy's "*" resource means "this key".
    Statement: [
      { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
      ...publishers.map((p) => ({
        Sid: `${serviceSid(p.service)}Publishes`,
        Effect: 'Allow',
        Principal: { Service: p.service },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: sourceCondition(accountId, p),
      })),
    ],
  };
}

/**
 * Topic policy: the services publish only for their own sources, and nobody else publishes at all except the
 * named IAM principals. Without it SNS's default policy lets anyone in the account publish (a fake "failover
 * started" mail, or a fake alarm message to the reconciler). The Deny is what holds against identity policies
 * in the same account, which an Allow in a resource policy cannot take away.
 */
export function topicPolicy(topicArn: string, accountId: string, publishers: readonly ServicePublisher[], principalArns: readonly string[]): Record<string, unknown> {
  const others: Record<string, Record<string, unknown>> = { StringNotEquals: { 'aws:PrincipalServiceName': publishers.map((p) => p.service) } };
  // An empty ArnNotLike list would be an invalid policy; with no principals named, no IAM principal publishes.
  if (Token.isUnresolved(principalArns) || principalArns.length > 0) others.ArnNotLike = { 'aws:PrincipalArn': principalArns };
  return {
    Version: '2012-10-17',
    Statement: [
      ...publishers.map((p) => ({
        Sid: `${serviceSid(p.service)}Publishes`,
        Effect: 'Allow',
        Principal: { Service: p.service },
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: sourceCondition(accountId, p),
      })),
      { Sid: 'NobodyElsePublishes', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn, Condition: others },
    ],
  };
}

function sourceCondition(accountId: string, p: ServicePublisher): Record<string, unknown> {
  return { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': p.sourceArns } };
}

function serviceSid(service: string): string {
  const name = service.split('.')[0];
  return name === 'cloudwatch' ? 'CloudWatchAlarm' : name === 'events' ? 'EventBridgeRule' : name.charAt(0).toUpperCase() + name.slice(1);
}

/** Props of {@link Route53Failover}. */
export interface Route53FailoverProps {
  /** Environment prefix used in names. @default "dr" */
  readonly environment?: string;
  /** Hosted zone that holds the application record. */
  readonly hostedZoneId: string;
  /** The application record, e.g. `app.example.com`. */
  readonly recordName: string;
  /** FQDN the health check probes, e.g. `primary.app.example.com`. */
  readonly primaryEndpointFqdn: string;
  /** Path the health check requests. @default "/" */
  readonly healthCheckPath?: string;
  /** Port of the HTTPS health check. @default 443 */
  readonly healthCheckPort?: number;
  /** Route 53 request interval: 10 or 30 seconds. @default 30 */
  readonly healthCheckIntervalSeconds?: number;
  /** Consecutive failures before a checker calls the endpoint unhealthy, 1–10. @default 3 */
  readonly healthCheckFailureThreshold?: number;
  /** Alarm: M, the number of 1-minute periods looked at. @default 3 */
  readonly alarmEvaluationPeriods?: number;
  /** Alarm: N, how many of those M periods must be unhealthy. @default 2 */
  readonly alarmDatapointsToAlarm?: number;
  /** The primary region's ALB (PRIMARY record). */
  readonly primaryAlb: AliasTarget;
  /** The DR region's ALB (SECONDARY record). */
  readonly drAlb: AliasTarget;
  /** Email addresses subscribed to both topics (each must confirm). @default [] */
  readonly notificationEmails?: string[];
  /** Provider for Route 53 (a global service: any region). */
  readonly provider: AwsProvider;
  /** Provider in us-east-1, where Route 53 health-check metrics (and so the alarm and its topic) live. */
  readonly alarmProvider: AwsProvider;
  /** Provider in the DR region, for the notification topic and the traffic gate's alarm. */
  readonly notificationProvider: AwsProvider;
}

/** Health check, failover records, alarm and SNS topics. */
export class Route53Failover extends Construct {
  /** Route 53 health check id of the primary endpoint (a detection signal; DNS follows the gate). */
  readonly healthCheckId: string;
  /** The traffic gate: the PRIMARY record's health check, driven by the reconciler's TrafficToDr metric. */
  readonly trafficGate: TrafficGate;
  /** The URL the endpoint health check requests (`https://<fqdn>[:port]<path>`): the reconciler probes the same (S10). */
  readonly probeUrl: string;
  /** Name of the HealthCheckStatus alarm (in us-east-1). */
  readonly alarmName: string;
  /** ARN of the HealthCheckStatus alarm. */
  readonly alarmArn: string;
  /** The alarm topic (us-east-1). */
  readonly alarmTopic: SnsTopic;
  /** The DR notification topic (DR region). */
  readonly notificationTopic: SnsTopic;
  /** KMS key encrypting the notification topic: publishers need kms:GenerateDataKey/Decrypt on it. */
  readonly notificationKey: KmsKey;

  /** Lists of IAM principals (ARNs or patterns) that may publish to the notification topic. */
  private readonly notificationPublishers: string[][] = [];

  constructor(scope: Construct, id: string, props: Route53FailoverProps) {
    super(scope, id);
    const env = props.environment ?? 'dr';
    const interval = props.healthCheckIntervalSeconds ?? 30;
    const threshold = props.healthCheckFailureThreshold ?? 3;
    const periods = props.alarmEvaluationPeriods ?? 3;
    const datapoints = props.alarmDatapointsToAlarm ?? 2;
    const path = props.healthCheckPath ?? '/';
    const port = props.healthCheckPort ?? 443;
    const emails = props.notificationEmails ?? [];

    checkNotEmpty('hostedZoneId', props.hostedZoneId);
    checkNotEmpty('recordName', props.recordName);
    checkNotEmpty('primaryEndpointFqdn', props.primaryEndpointFqdn);
    checkOneOf('healthCheckIntervalSeconds', interval, [10, 30]);
    checkIntegerRange('healthCheckFailureThreshold', threshold, 1, 10);
    checkIntegerRange('healthCheckPort', port, 1, 65535);
    checkMatches('healthCheckPath', path, /^\//, 'a path starting with "/"');
    checkIntegerRange('alarmEvaluationPeriods', periods, 1, 100);
    checkIntegerRange('alarmDatapointsToAlarm', datapoints, 1, 100);
    checkAtMost('alarmDatapointsToAlarm', datapoints, 'alarmEvaluationPeriods', periods);
    // A list from a variable is one token; its items are checked by the variable's validation.
    if (!Token.isUnresolved(emails)) for (const e of emails) checkMatches('notificationEmails', e, /^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address');

    const healthCheck = new Route53HealthCheck(this, 'primary-health-check', {
      provider: props.provider,
      type: 'HTTPS',
      fqdn: props.primaryEndpointFqdn,
      port,
      resourcePath: path,
      requestInterval: interval,
      failureThreshold: threshold,
      tags: { Name: `${env}-primary` },
    });
    this.healthCheckId = healthCheck.id;
    this.probeUrl = `https://${props.primaryEndpointFqdn}${port === 443 ? '' : `:${port}`}${path}`;

    // The DR ALB has no healthy targets while in pilot light; evaluating its health would only make Route 53
    // treat both records as unhealthy (and then answer with either). The secondary is the last resort.
    new Route53Record(this, 'secondary-record', {
      provider: props.provider,
      zoneId: props.hostedZoneId,
      name: props.recordName,
      type: 'A',
      setIdentifier: `${env}-secondary`,
      failoverRoutingPolicy: { type: 'SECONDARY' },
      alias: { name: props.drAlb.dnsName, zoneId: props.drAlb.zoneId, evaluateTargetHealth: false },
    });

    // Source ARNs are built from names (not read from the resources): the alarm refers to its topic, and the
    // topic to its key, so the key's policy naming the alarm would be a cycle.
    const alarmName = `${env}-primary-health`;
    const alarmSide = this.regionFacts('alarm', props.alarmProvider);
    const alarmPublishers: ServicePublisher[] = [
      { service: 'cloudwatch.amazonaws.com', sourceArns: [`arn:${alarmSide.partition}:cloudwatch:${alarmSide.region}:${alarmSide.accountId}:alarm:${alarmName}`] },
    ];
    const alarmKey = this.topicKey('alarm-topic-key', props.alarmProvider, `${env}-alarm-topic`, alarmSide, alarmPublishers);
    this.alarmTopic = new SnsTopic(this, 'alarm-topic', {
      provider: props.alarmProvider,
      name: `${env}-primary-health-alarm`,
      kmsMasterKeyId: alarmKey.arn,
    });
    // Only the alarm publishes here: the reconciler re-reads the alarm anyway (S5), but people read these mails.
    new SnsTopicPolicy(this, 'alarm-topic-policy', {
      provider: props.alarmProvider,
      arn: this.alarmTopic.arn,
      policy: Fn.jsonencode(topicPolicy(this.alarmTopic.arn, alarmSide.accountId, alarmPublishers, [])),
    });

    // The DR region's own alarms and EventBridge rules of this environment (named `${env}-…`) may notify.
    const drSide = this.regionFacts('notification', props.notificationProvider);
    const notificationPublishers: ServicePublisher[] = [
      { service: 'cloudwatch.amazonaws.com', sourceArns: [`arn:${drSide.partition}:cloudwatch:${drSide.region}:${drSide.accountId}:alarm:${env}-*`] },
      { service: 'events.amazonaws.com', sourceArns: [`arn:${drSide.partition}:events:${drSide.region}:${drSide.accountId}:rule/${env}-*`] },
    ];
    this.notificationKey = this.topicKey('notification-topic-key', props.notificationProvider, `${env}-notifications`, drSide, notificationPublishers);
    this.notificationTopic = new SnsTopic(this, 'notification-topic', {
      provider: props.notificationProvider,
      name: `${env}-dr-notifications`,
      kmsMasterKeyId: this.notificationKey.arn,
    });
    // Resolved at synth: the publishers (the reconciler's role, operators) are created after this construct.
    new SnsTopicPolicy(this, 'notification-topic-policy', {
      provider: props.notificationProvider,
      arn: this.notificationTopic.arn,
      policy: Lazy.stringValue({
        produce: () =>
          Fn.jsonencode(
            topicPolicy(this.notificationTopic.arn, drSide.accountId, notificationPublishers, concatLists(...this.notificationPublishers)),
          ),
      }),
    });

    this.trafficGate = new TrafficGate(this, 'traffic-gate', {
      environment: env,
      notificationTopicArns: [this.notificationTopic.arn],
      alarmProvider: props.notificationProvider,
      healthCheckProvider: props.provider,
    });
    // The gate alone (rule S9): neither the endpoint check nor the primary ALB's target health may move users, or a
    // blip of the primary would send them to a DR region whose database is a read-only replica.
    new Route53Record(this, 'primary-record', {
      provider: props.provider,
      zoneId: props.hostedZoneId,
      name: props.recordName,
      type: 'A',
      setIdentifier: `${env}-primary`,
      failoverRoutingPolicy: { type: 'PRIMARY' },
      healthCheckId: this.trafficGate.healthCheckId,
      alias: { name: props.primaryAlb.dnsName, zoneId: props.primaryAlb.zoneId, evaluateTargetHealth: false },
    });

    const alarm = new CloudwatchMetricAlarm(this, 'primary-health-alarm', {
      provider: props.alarmProvider,
      alarmName,
      alarmDescription: `Primary endpoint ${props.primaryEndpointFqdn} failed its Route 53 health check (N of M): one of the signals the DR reconciler needs two of before it fails over.`,
      namespace: 'AWS/Route53',
      metricName: 'HealthCheckStatus',
      dimensions: { HealthCheckId: healthCheck.id },
      statistic: 'Minimum',
      period: 60,
      evaluationPeriods: periods,
      datapointsToAlarm: datapoints,
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      // Rule S10: missing data is missing, not a failure. With no data the alarm goes to INSUFFICIENT_DATA, which the
      // reconciler reads as "unknown": it never fails over on it, and a drill does not end on it either (S4 wants OK).
      // (notBreaching would read a Route 53 metric gap during a us-east-1 outage as OK.)
      treatMissingData: 'missing',
      alarmActions: [this.alarmTopic.arn],
      okActions: [this.alarmTopic.arn],
    });
    this.alarmName = alarm.alarmName;
    this.alarmArn = alarm.arn;

    const alarmEmails = TerraformIterator.fromList(emails);
    new SnsTopicSubscription(this, 'alarm-email', {
      provider: props.alarmProvider,
      forEach: alarmEmails,
      topicArn: this.alarmTopic.arn,
      protocol: 'email',
      endpoint: alarmEmails.value,
    });
    const notificationEmails = TerraformIterator.fromList(emails);
    new SnsTopicSubscription(this, 'notification-email', {
      provider: props.notificationProvider,
      forEach: notificationEmails,
      topicArn: this.notificationTopic.arn,
      protocol: 'email',
      endpoint: notificationEmails.value,
    });
  }

  /**
   * Lets IAM principals (ARNs or `ArnLike` patterns; a Terraform list is fine) publish to the notification topic:
   * the reconciler's role, and operators whose `drctl` passes notify. Nobody else may.
   */
  allowNotificationPublishers(principalArns: string[]): void {
    this.notificationPublishers.push(principalArns);
  }

  /** Partition, region and account of a provider, for ARNs built by pattern. */
  private regionFacts(id: string, provider: AwsProvider): { partition: string; region: string; accountId: string } {
    const account = new DataAwsCallerIdentity(this, `${id}-account`, { provider });
    const partition = new DataAwsPartition(this, `${id}-partition`, { provider });
    const region = new DataAwsRegion(this, `${id}-region`, { provider });
    return { partition: partition.partition, region: region.name, accountId: account.accountId };
  }

  /**
   * A customer-managed key for an SNS topic. The AWS-managed alias/aws/sns key cannot be used by CloudWatch
   * alarms (its policy cannot be edited), so the key policy grants the publishing services explicitly, each only
   * for its own sources (`aws:SourceArn`, `aws:SourceAccount`).
   */
  private topicKey(id: string, provider: AwsProvider, aliasName: string, facts: { partition: string; accountId: string }, publishers: ServicePublisher[]): KmsKey {
    const key = new KmsKey(this, id, {
      provider,
      description: `Encrypts the ${aliasName} SNS topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: Fn.jsonencode(topicKeyPolicy(facts.partition, facts.accountId, publishers)),
    });
    new KmsAlias(this, `${id}-alias`, { provider, name: `alias/${aliasName}`, targetKeyId: key.keyId });
    return key;
  }
}
