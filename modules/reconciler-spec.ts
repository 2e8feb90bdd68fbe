/**
 * The reconciler's spec (the DrEnvironment body, reconciler/spec.ts) as Terraform builds it: from the same
 * variables that create the resources, so there is no second list of services or groups. The workload lists
 * are HCL `for` expressions over the `ecs_services` and `asgs` maps; every other field is a variable or a
 * resource attribute. Terraform resolves it all when it writes the spec parameter (jsonencode).
 *
 * To add a field: read it from `v` (a declared variable) or `refs` (a resource attribute) below;
 * test/integration/terraform/workload.test.ts runs this through Terraform and reconciler/spec.ts's parseSpec.
 */
import { ref, Token } from 'cdktf';
import type { StackVariables } from './variables';
import type { WorkloadExpressions } from './ecs';
import type { ReconcilerSpecInput } from './dr-lambda';
import type { AsgSpec, EcsServiceSpec } from '../reconciler/spec';

/** Region of Route 53 health-check metrics, hence of the alarm and its topic. */
export const ALARM_REGION = 'us-east-1';

/** Resource attributes the spec refers to. */
export interface ReconcilerSpecRefs {
  /** HCL expressions of the workload's maps and of the created names and ARNs (Ecs.expressions). */
  readonly workload: WorkloadExpressions;
  /** The DR notification topic. */
  readonly notificationTopicArn: string;
  /** The DR read replica's identifier. @default no database in the spec */
  readonly replicaIdentifier?: string;
  /** The primary the replica follows (the old writer after a failover). */
  readonly primaryArn?: string;
  /** The HealthCheckStatus alarm (us-east-1). */
  readonly alarmName: string;
  /** The Route 53 health check of the primary. */
  readonly healthCheckId: string;
  /** The primary's health endpoint, probed from the DR region (S10). */
  readonly probeUrl?: string;
}

/** The ECS services of the spec: one per entry of the services map, in key order. */
export function ecsServicesExpression(w: WorkloadExpressions): string {
  const mode = (m: string) => `{ desiredCount = s.${m}.desired_count, capacityProvider = s.${m}.capacity_provider }`;
  return (
    `[for k, s in ${w.services} : { cluster = ${w.clusterName}, name = lookup(${w.serviceNames}, k, ""), ` +
    `pilotLight = ${mode('pilot_light')}, active = ${mode('active')}, ` +
    `loadBalancers = [for arn in (s.route == null ? [] : [lookup(${w.serviceTargetGroupArns}, k, "")]) : { targetGroupArn = arn, port = s.container_port }], ` +
    // The service's load_balancer block attaches the group (modules/ecs): ECS registers its tasks, the reconciler verifies.
    `targetRegistration = "aws" }]`
  );
}

/** The ASGs of the spec: one per entry of the ASGs map, in key order, each with its targets' groups. */
export function autoScalingGroupsExpression(w: WorkloadExpressions): string {
  const mode = (m: string) =>
    `{ minSize = a.${m}.min_size, maxSize = a.${m}.max_size, desiredCapacity = a.${m}.desired_capacity, onDemandPercentage = a.${m}.on_demand_percentage }`;
  return (
    `[for k, a in ${w.asgs} : { name = lookup(${w.asgNames}, k, ""), pilotLight = ${mode('pilot_light')}, active = ${mode('active')}, ` +
    `targetGroupArns = [for t in sort(keys(a.targets)) : lookup(${w.asgTargetGroupArns}, t, "")], ` +
    // The group's target_group_arns attach them (modules/ecs/asg.ts): Auto Scaling registers its instances.
    `targetRegistration = "aws" }]`
  );
}

/** The spec document's body, from the stack's variables and resources. */
export function reconcilerSpec(v: StackVariables, refs: ReconcilerSpecRefs): ReconcilerSpecInput {
  const hcl = <T>(expression: string) => Token.asAny(ref(expression)) as T;
  return {
    region: v.dr_region.stringValue,
    primaryRegion: v.primary_region.stringValue,
    notificationTopicArn: refs.notificationTopicArn,
    concurrency: v.reconcile_concurrency.numberValue,
    leaseSeconds: v.lease_seconds.numberValue,
    ...(refs.replicaIdentifier === undefined
      ? {}
      : { database: { replicaIdentifier: refs.replicaIdentifier, ...(refs.primaryArn === undefined ? {} : { primaryArn: refs.primaryArn }), fenceOldPrimary: v.fence_old_primary.booleanValue as unknown as boolean } }),
    autoScalingGroups: hcl<AsgSpec[]>(autoScalingGroupsExpression(refs.workload)),
    ecsServices: hcl<EcsServiceSpec[]>(ecsServicesExpression(refs.workload)),
    failover: {
      alarmName: refs.alarmName,
      alarmRegion: ALARM_REGION,
      healthCheckId: refs.healthCheckId,
      unhealthyReadings: v.unhealthy_readings.numberValue,
      minIntervalMinutes: v.failover_min_interval_minutes.numberValue,
      ...(refs.probeUrl === undefined ? {} : { probeUrl: refs.probeUrl }),
      probeTimeoutSeconds: v.probe_timeout_seconds.numberValue,
      probeOnlyReadings: v.probe_only_unhealthy_readings.numberValue,
    },
    drill: {
      durationMinutes: v.drill_duration_minutes.numberValue,
      maxReplicaLagSeconds: v.max_replica_lag_seconds.numberValue,
    },
  };
}
