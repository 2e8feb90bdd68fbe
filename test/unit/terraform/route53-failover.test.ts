import { expect } from 'chai';
import { Route53Failover, Route53FailoverProps } from '../../../modules/route53-failover';
import { resourceAt, resources, synthModule, Synthesized, TestProviders } from './synth';
import { Construct } from 'constructs';

type BaseProps = Omit<Route53FailoverProps, 'provider' | 'alarmProvider' | 'notificationProvider'>;

const base: BaseProps = {
  hostedZoneId: 'Z0123456789ABC',
  recordName: 'app.example.com',
  primaryEndpointFqdn: 'primary.app.example.com',
  primaryAlb: { dnsName: 'primary-alb.eu-west-1.elb.amazonaws.com', zoneId: 'Z32O12XQLNTSW2' },
  drAlb: { dnsName: 'dr-alb.eu-central-1.elb.amazonaws.com', zoneId: 'Z215JYRZR1TBD5' },
};

function build(scope: Construct, p: TestProviders, props: Partial<BaseProps> = {}): Route53Failover {
  return new Route53Failover(scope, 'failover', {
    ...base,
    ...props,
    provider: p.primary,
    alarmProvider: p.alarm,
    notificationProvider: p.dr,
  });
}

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope, p) => build(scope, p, props));
}

describe('terraform: route53-failover module', () => {
  describe('props → resource properties', () => {
    const cases: Record<string, { props: Partial<BaseProps>; type: string; at: string; want: Record<string, unknown> }> = {
      'defaults: HTTPS check, 30 s, threshold 3, path /': {
        props: {},
        type: 'aws_route53_health_check',
        at: 'primary-health-check',
        want: { type: 'HTTPS', fqdn: 'primary.app.example.com', port: 443, resource_path: '/', request_interval: 30, failure_threshold: 3 },
      },
      'fast check: 10 s, threshold 1, custom path': {
        props: { healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 1, healthCheckPath: '/health' },
        type: 'aws_route53_health_check',
        at: 'primary-health-check',
        want: { request_interval: 10, failure_threshold: 1, resource_path: '/health' },
      },
      'alarm: N of M, missing data missing (S10), us-east-1': {
        props: { alarmEvaluationPeriods: 5, alarmDatapointsToAlarm: 3 },
        type: 'aws_cloudwatch_metric_alarm',
        at: 'primary-health-alarm',
        want: {
          alarm_name: 'dr-primary-health',
          namespace: 'AWS/Route53',
          metric_name: 'HealthCheckStatus',
          statistic: 'Minimum',
          period: 60,
          evaluation_periods: 5,
          datapoints_to_alarm: 3,
          comparison_operator: 'LessThanThreshold',
          threshold: 1,
          treat_missing_data: 'missing',
          provider: 'aws.us_east_1',
        },
      },
      'environment prefix names the alarm and topics': {
        props: { environment: 'stg' },
        type: 'aws_sns_topic',
        at: 'alarm-topic',
        want: { name: 'stg-primary-health-alarm', provider: 'aws.us_east_1' },
      },
      'PRIMARY record: primary ALB, no target-health evaluation (S9: a blip of the primary never moves users)': {
        props: {},
        type: 'aws_route53_record',
        at: 'primary-record',
        want: {
          zone_id: 'Z0123456789ABC',
          name: 'app.example.com',
          type: 'A',
          failover_routing_policy: { type: 'PRIMARY' },
          alias: { name: 'primary-alb.eu-west-1.elb.amazonaws.com', zone_id: 'Z32O12XQLNTSW2', evaluate_target_health: false },
        },
      },
      'SECONDARY record: DR ALB, no target-health evaluation': {
        props: {},
        type: 'aws_route53_record',
        at: 'secondary-record',
        want: {
          failover_routing_policy: { type: 'SECONDARY' },
          alias: { name: 'dr-alb.eu-central-1.elb.amazonaws.com', zone_id: 'Z215JYRZR1TBD5', evaluate_target_health: false },
        },
      },
      'traffic gate alarm: TrafficToDr of the environment, DR region, ALARM at >= 1, a gap keeps the last state': {
        props: { environment: 'stg' },
        type: 'aws_cloudwatch_metric_alarm',
        at: 'traffic-gate_alarm',
        want: {
          alarm_name: 'stg-traffic-to-dr',
          namespace: 'PilotLight',
          metric_name: 'TrafficToDr',
          dimensions: { Environment: 'stg' },
          statistic: 'Maximum',
          period: 60,
          evaluation_periods: 1,
          datapoints_to_alarm: 1,
          comparison_operator: 'GreaterThanOrEqualToThreshold',
          threshold: 1,
          treat_missing_data: 'ignore',
          provider: 'aws.dr',
        },
      },
      'traffic gate check: CLOUDWATCH_METRIC, not inverted, last known status without data': {
        props: {},
        type: 'aws_route53_health_check',
        at: 'traffic-gate_health-check',
        want: { type: 'CLOUDWATCH_METRIC', invert_healthcheck: false, insufficient_data_health_status: 'LastKnownStatus', provider: 'aws' },
      },
      'notification topic lives in the DR region': {
        props: {},
        type: 'aws_sns_topic',
        at: 'notification-topic',
        want: { name: 'dr-dr-notifications', provider: 'aws.dr' },
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), c.type, c.at)).to.deep.include(c.want);
      });
    }
  });

  it('wires the endpoint check to the us-east-1 alarm and the alarm to the alarm topic', () => {
    const s = synth();
    const alarm = resourceAt(s, 'aws_cloudwatch_metric_alarm', 'primary-health-alarm');
    expect(alarm.alarm_actions).to.have.length(1);
    expect((alarm.alarm_actions as string[])[0]).to.match(/^\$\{aws_sns_topic\.failover_alarm-topic_[0-9A-F]+\.arn\}$/);
    expect(alarm.ok_actions).to.deep.equal(alarm.alarm_actions);
    expect(alarm.dimensions).to.deep.equal({ HealthCheckId: '${aws_route53_health_check.failover_primary-health-check_' + healthCheckSuffix(s, 'primary-health-check') + '.id}' });
  });

  it('S9: the PRIMARY record follows the traffic gate alone, and the gate follows the TrafficToDr alarm in the DR region', () => {
    const s = synth();
    const gate = resourceAt(s, 'aws_route53_health_check', 'traffic-gate_health-check');
    const gateAlarmId = Object.keys(s.resource.aws_cloudwatch_metric_alarm).find((id) => id.startsWith('failover_traffic-gate_alarm_'));
    expect(gate.cloudwatch_alarm_name).to.equal(`\${aws_cloudwatch_metric_alarm.${gateAlarmId}.alarm_name}`);
    const regionId = Object.keys(s.data!.aws_region).find((id) => id.startsWith('failover_traffic-gate_alarm-region_'))!;
    expect(gate.cloudwatch_alarm_region).to.equal(`\${data.aws_region.${regionId}.name}`);
    expect(s.data!.aws_region[regionId].provider, 'the region of the alarm is the DR provider').to.equal('aws.dr');

    const primary = resourceAt(s, 'aws_route53_record', 'primary-record');
    expect(primary.health_check_id).to.equal('${aws_route53_health_check.failover_traffic-gate_health-check_' + healthCheckSuffix(s, 'traffic-gate_health-check') + '.id}');
    expect(resourceAt(s, 'aws_route53_record', 'secondary-record')).not.to.have.property('health_check_id');
    // The endpoint check is a detection signal only: no record uses it.
    const endpointCheck = '${aws_route53_health_check.failover_primary-health-check_' + healthCheckSuffix(s, 'primary-health-check') + '.id}';
    expect(resources(s, 'aws_route53_record').map((r) => r.health_check_id)).not.to.include(endpointCheck);
  });

  it('tells the DR notification topic when the gate opens and closes', () => {
    const s = synth();
    const alarm = resourceAt(s, 'aws_cloudwatch_metric_alarm', 'traffic-gate_alarm');
    expect(alarm.alarm_actions).to.have.length(1);
    expect((alarm.alarm_actions as string[])[0]).to.match(/^\$\{aws_sns_topic\.failover_notification-topic_[0-9A-F]+\.arn\}$/);
    expect(alarm.ok_actions).to.deep.equal(alarm.alarm_actions);
  });

  describe('probeUrl: what the endpoint check requests, for the reconciler to probe the same (S10)', () => {
    const cases: Record<string, { props: Partial<BaseProps>; want: string }> = {
      'defaults: port 443 is implied': { props: {}, want: 'https://primary.app.example.com/' },
      'custom path': { props: { healthCheckPath: '/health' }, want: 'https://primary.app.example.com/health' },
      'another port is spelled out': { props: { healthCheckPort: 8443, healthCheckPath: '/health' }, want: 'https://primary.app.example.com:8443/health' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        let failover: Route53Failover | undefined;
        synthModule((scope, p) => {
          failover = build(scope, p, c.props);
        });
        expect(failover!.probeUrl).to.equal(c.want);
      });
    }
  });

  it('encrypts both topics with customer-managed keys that CloudWatch alarms may use', () => {
    const s = synth();
    for (const topic of ['alarm-topic', 'notification-topic']) {
      expect(resourceAt(s, 'aws_sns_topic', topic).kms_master_key_id).to.match(/^\$\{aws_kms_key\..+\.arn\}$/);
    }
    const keys = resources(s, 'aws_kms_key');
    expect(keys).to.have.length(2);
    for (const key of keys) {
      expect(key.enable_key_rotation).to.equal(true);
      expect(String(key.policy)).to.contain('cloudwatch.amazonaws.com');
    }
  });

  it('key policies: each service only for its own sources (aws:SourceArn, aws:SourceAccount)', () => {
    const s = synth();
    const policies = resources(s, 'aws_kms_key').map((k) => String(k.policy));
    expect(policies[0]).to.match(/"Principal" = \{"Service" = "cloudwatch\.amazonaws\.com"\}.*"aws:SourceAccount" = data\.aws_caller_identity\.[^ ]+\.account_id\}, "ArnLike" = \{"aws:SourceArn" = \["arn:\$\{[^}]+\}:cloudwatch:\$\{[^}]+\}:\$\{[^}]+\}:alarm:dr-primary-health"\]/);
    expect(policies[1]).to.match(/"Service" = "events\.amazonaws\.com".*"aws:SourceArn" = \["arn:[^"]+:rule\/dr-\*"\]/);
    for (const p of policies) expect(p.match(/"Principal" = \{"Service"/g)?.length).to.equal(p.match(/"aws:SourceArn"/g)?.length);
  });

  it('topic policies: nobody but the publishers may publish (the default policy let the whole account)', () => {
    const s = synthModule((scope, p) => {
      const f = build(scope, p, {});
      f.allowNotificationPublishers(['arn:aws:iam::123456789012:role/dr-dr-failover']);
    });
    const alarm = String(resourceAt(s, 'aws_sns_topic_policy', 'alarm-topic-policy').policy);
    expect(alarm).to.contain('"Sid" = "NobodyElsePublishes", "Effect" = "Deny", "Principal" = "*", "Action" = "sns:Publish"');
    expect(alarm).to.contain('"StringNotEquals" = {"aws:PrincipalServiceName" = ["cloudwatch.amazonaws.com"]}}');
    expect(alarm).not.to.contain('ArnNotLike');
    const notification = resourceAt(s, 'aws_sns_topic_policy', 'notification-topic-policy');
    expect(notification.provider).to.equal('aws.dr');
    expect(String(notification.policy)).to.contain('"ArnNotLike" = {"aws:PrincipalArn" = ["arn:aws:iam::123456789012:role/dr-dr-failover"]}');
  });

  it('subscribes every notification email to both topics (for_each over the list)', () => {
    const s = synth({ notificationEmails: ['a@example.com', 'b@example.com'] });
    const subs = resources(s, 'aws_sns_topic_subscription');
    expect(subs).to.have.length(2);
    for (const sub of subs) {
      expect(sub.protocol).to.equal('email');
      expect(sub.for_each).to.match(/a@example\.com/);
    }
  });

  describe('rejects bad props, naming the value', () => {
    const cases: Record<string, { props: Partial<BaseProps>; error: string }> = {
      'interval 15': { props: { healthCheckIntervalSeconds: 15 }, error: 'healthCheckIntervalSeconds must be 10 or 30, got: 15' },
      'threshold 0': { props: { healthCheckFailureThreshold: 0 }, error: 'healthCheckFailureThreshold must be an integer between 1 and 10, got: 0' },
      'threshold 11': { props: { healthCheckFailureThreshold: 11 }, error: 'healthCheckFailureThreshold must be an integer between 1 and 10, got: 11' },
      'N > M': { props: { alarmEvaluationPeriods: 2, alarmDatapointsToAlarm: 3 }, error: 'alarmDatapointsToAlarm must be <= alarmEvaluationPeriods (2), got: 3' },
      'path without slash': { props: { healthCheckPath: 'health' }, error: 'healthCheckPath must be a path starting with "/", got: "health"' },
      'empty zone': { props: { hostedZoneId: ' ' }, error: 'hostedZoneId must not be empty, got: " "' },
      'bad email': { props: { notificationEmails: ['oncall'] }, error: 'notificationEmails must be an email address, got: "oncall"' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props)).to.throw(c.error);
      });
    }
  });
});

/** The generated suffix of the logical id of the health check at `path` (under the construct `failover`). */
function healthCheckSuffix(s: Synthesized, path: string): string {
  const id = Object.keys(s.resource.aws_route53_health_check).find((k) => k.startsWith(`failover_${path}_`))!;
  return id.replace(`failover_${path}_`, '');
}
