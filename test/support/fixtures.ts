/**
 * Fixtures by modifiers: `asg('dr-jenkins', withCapacity(0, 1, 0), withOnDemand(0))`.
 */
import type { AsgObservation, MixedInstancesPolicy, ReplicaObservation, ServiceObservation, TargetGroupObservation } from '../../reconciler/port';
import { validateSpec, type DrEnvironment } from '../../reconciler/spec';

/** A target group ARN for a short name. */
export const tgArn = (name: string) => `arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/${name}/0123456789abcdef`;

/** A complete, valid environment document like the seed runbook's. */
export function sampleEnvironment(overrides: Record<string, unknown> = {}): DrEnvironment {
  const svc = (name: string, active: number, lb?: string) => ({
    cluster: 'dr',
    name,
    pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
    active: { desiredCount: active, capacityProvider: 'FARGATE' },
    ...(lb ? { loadBalancers: [{ targetGroupArn: tgArn(lb), port: 8080 }] } : {}),
  });
  const asgSpec = (name: string, tgs: string[]) => ({
    name,
    pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
    active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 },
    targetGroupArns: tgs.map(tgArn),
  });
  return validateSpec({
    apiVersion: 'pilot-light.dev/v1alpha1',
    kind: 'DrEnvironment',
    metadata: { name: 'dr' },
    spec: {
      region: 'us-west-2',
      primaryRegion: 'us-east-1',
      modeParameter: '/dr/mode',
      stateTable: 'dr-dr-failover-state',
      notificationTopicArn: 'arn:aws:sns:us-west-2:123456789012:dr-dr-notifications',
      database: { replicaIdentifier: 'app-replica' },
      autoScalingGroups: [asgSpec('dr-jenkins', ['jenkins']), asgSpec('dr-monitoring', ['prometheus', 'grafana'])],
      ecsServices: [svc('frontend', 2, 'frontend'), svc('user-service', 1)],
      failover: { alarmName: 'dr-primary-health', healthCheckId: 'hc-1', unhealthyReadings: 3, minIntervalMinutes: 60 },
      drill: { durationMinutes: 60, maxReplicaLagSeconds: 300 },
      ...overrides,
    },
  });
}

type Mod<T> = (t: T) => T;

/** The tags Terraform puts on what the reconciler of environment `dr` may manage (S12). */
export const IN_SCOPE: Readonly<Record<string, string>> = { 'pilot-light:environment': 'dr' };

/** The default pilot-light MixedInstancesPolicy. */
export const spotPolicy = (pct = 0): MixedInstancesPolicy => ({
  launchTemplate: { launchTemplateSpecification: { launchTemplateName: 'dr-lt', version: '$Latest' }, overrides: [{ instanceType: 't3.medium' }, { instanceType: 't3a.medium' }] },
  instancesDistribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: pct, spotAllocationStrategy: 'price-capacity-optimized' },
});

/** An observed ASG at pilot-light values with no instances, then modified. */
export function asg(name: string, ...mods: Mod<AsgObservation>[]): AsgObservation {
  const base: AsgObservation = { name, exists: true, minSize: 0, maxSize: 1, desiredCapacity: 0, mixedInstancesPolicy: spotPolicy(0), instances: [], tags: IN_SCOPE };
  return mods.reduce((a, m) => m(a), base);
}
/** Sets min/max/desired and launches that many InService instances. */
export const withCapacity = (min: number, max: number, desired: number, idPrefix = 'i-'): Mod<AsgObservation> => (a) => ({
  ...a,
  minSize: min,
  maxSize: max,
  desiredCapacity: desired,
  instances: Array.from({ length: desired }, (_, i) => ({ instanceId: `${idPrefix}${a.name}-${i}`, lifecycleState: 'InService', healthStatus: 'Healthy' })),
});
/** Sets the on-demand percentage. */
export const withOnDemand = (pct: number): Mod<AsgObservation> => (a) => ({ ...a, mixedInstancesPolicy: spotPolicy(pct) });
/** Marks the instances as still pending. */
export const withPendingInstances = (): Mod<AsgObservation> => (a) => ({ ...a, instances: a.instances.map((i) => ({ ...i, lifecycleState: 'Pending' })) });
/** The group is gone. */
export const missing = <T extends { exists: boolean }>(): Mod<T> => (t) => ({ ...t, exists: false });

/** An observed service at pilot-light values. */
export function service(name: string, ...mods: Mod<ServiceObservation>[]): ServiceObservation {
  const base: ServiceObservation = { cluster: 'dr', name, exists: true, status: 'ACTIVE', desiredCount: 0, runningCount: 0, pendingCount: 0, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }], tags: IN_SCOPE };
  return mods.reduce((s, m) => m(s), base);
}
/** Sets desired and running count. */
export const withCount = (desired: number, running = desired): Mod<ServiceObservation> => (s) => ({ ...s, desiredCount: desired, runningCount: running });
/** Sets the capacity provider. */
export const withProvider = (p: string): Mod<ServiceObservation> => (s) => ({ ...s, capacityProviderStrategy: [{ capacityProvider: p, weight: 1, base: 0 }] });

/** An observed replica. */
export function replica(...mods: Mod<ReplicaObservation>[]): ReplicaObservation {
  const base: ReplicaObservation = { identifier: 'app-replica', exists: true, status: 'available', isReplica: true, sourceIdentifier: 'arn:aws:rds:us-east-1:123456789012:db:app-primary', replicaLagSeconds: 2, tags: IN_SCOPE };
  return mods.reduce((r, m) => m(r), base);
}
/** The replica was promoted. */
export const promoted = (): Mod<ReplicaObservation> => (r) => ({ ...r, isReplica: false, sourceIdentifier: undefined });
/** Sets the RDS status. */
export const withStatus = (status: string): Mod<ReplicaObservation> => (r) => ({ ...r, status });

/** An observed target group with the given registered target ids. */
export function targetGroup(name: string, targets: Array<string | { id: string; port?: number; state?: string }> = [], type = 'instance'): TargetGroupObservation {
  return {
    arn: tgArn(name),
    exists: true,
    targetType: type,
    port: 8080,
    targets: targets.map((t) => (typeof t === 'string' ? { id: t, port: 8080, state: 'healthy' } : { port: 8080, state: 'healthy', ...t })),
  };
}
