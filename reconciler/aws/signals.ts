/** The primary's health signals: CloudWatch alarm, Route 53 health check, the direct probe. Part of the AWS port (reconciler/aws.ts composes the parts). */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckStatusCommand } from '@aws-sdk/client-route-53';
import { probeEndpoint } from '../probe';
import type {
  Signals,
  AlarmState,
} from '../port';
import { AwsContext, HEALTHY_CHECKER_FRACTION, ROUTE53_REGION } from './clients';

/** The primary's health signals: CloudWatch alarm, Route 53 health check, the direct probe. */
export function signalsPart(ctx: AwsContext): Signals {
  const { clientsFor, call } = ctx;
  return {
    async getAlarmState(region: string, alarmName: string): Promise<{ state: AlarmState; reason?: string } | undefined> {
      const out = await call(
        'cloudwatch DescribeAlarms',
        alarmName,
        () => clientsFor(region).cloudwatch().send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
        region,
      );
      const alarm = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].find((a) => a.AlarmName === alarmName);
      if (!alarm?.StateValue) return undefined;
      return { state: alarm.StateValue as AlarmState, reason: alarm.StateReason };
    },
    async getHealthCheckHealthy(healthCheckId: string): Promise<boolean | undefined> {
      const out = await call(
        'route53 GetHealthCheckStatus',
        healthCheckId,
        () => clientsFor(ROUTE53_REGION).route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })),
        ROUTE53_REGION,
      );
      const observations = out.HealthCheckObservations ?? [];
      // No reading yet (a new health check) says nothing: it must not count towards a failover.
      if (observations.length === 0) return undefined;
      const healthy = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
      // Route 53 considers an endpoint healthy when more than 18% of its checkers report it healthy.
      return healthy / observations.length > HEALTHY_CHECKER_FRACTION;
    },
    probe: probeEndpoint,
  };
}
