/**
 * Synthetic environments for the planner benchmark: `size` ASGs, `size` ECS services and 2 × `size` target
 * groups (one per ASG, one per service), each target group fed `targetsPerGroup` targets. The spec goes
 * through validateSpec, as a real document does; observations reuse the test fixtures' shapes
 * (test/support/fixtures.ts), built directly because a fixture per target would dominate the setup time.
 */
import { serviceKey, type Desired, type Observed } from '../reconciler/plan';
import type { AsgObservation, ServiceObservation, TargetGroupObservation, TaskAddress } from '../reconciler/port';
import { validateSpec, type DrEnvironment } from '../reconciler/spec';
import { replica, spotPolicy, tgArn } from '../test/support/fixtures';

/** How the observed world relates to the desired (active) mode. */
export type Scenario =
  /** Everything drifted: every ASG and service needs an update, every target group half stale (deregister K/2, register K/2), replica to promote. */
  | 'drifted'
  /** Already active and converged: every resource in sync and ready, the plan is empty (a periodic resync). */
  | 'converged';

/** One synthetic planner input. */
export interface SyntheticInput {
  readonly env: DrEnvironment;
  readonly desired: Desired;
  readonly observed: Observed;
  /** The raw document, for timing validateSpec. */
  readonly document: unknown;
}

const CLUSTER = 'dr';
const SERVICE_PORT = 8080;
const asgName = (i: number) => `asg-${String(i).padStart(4, '0')}`;
const serviceName = (i: number) => `svc-${String(i).padStart(4, '0')}`;
const instanceId = (g: number, j: number) => `i-${g.toString(16).padStart(8, '0')}${j.toString(16).padStart(9, '0')}`;
const taskIp = (s: number, j: number) => `10.${(s >> 8) & 255}.${s & 255}.${j + 1}`;

/** The DrEnvironment document for `size` ASGs and services, each with `targetsPerGroup` capacity when active. */
export function syntheticDocument(size: number, targetsPerGroup: number): unknown {
  return {
    apiVersion: 'pilot-light.dev/v1alpha1',
    kind: 'DrEnvironment',
    metadata: { name: 'bench' },
    spec: {
      region: 'us-west-2',
      primaryRegion: 'us-east-1',
      modeParameter: '/bench/mode',
      stateTable: 'bench-state',
      database: { replicaIdentifier: 'app-replica' },
      autoScalingGroups: Array.from({ length: size }, (_, i) => ({
        name: asgName(i),
        pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
        active: { minSize: targetsPerGroup, maxSize: 2 * targetsPerGroup, desiredCapacity: targetsPerGroup, onDemandPercentage: 100 },
        targetGroupArns: [tgArn(asgName(i))],
      })),
      ecsServices: Array.from({ length: size }, (_, i) => ({
        cluster: CLUSTER,
        name: serviceName(i),
        pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
        active: { desiredCount: targetsPerGroup, capacityProvider: 'FARGATE' },
        loadBalancers: [{ targetGroupArn: tgArn(serviceName(i)), port: SERVICE_PORT }],
      })),
    },
  };
}

/** Builds the spec (validated) and an observation of the given scenario, desired mode `active`. */
export function syntheticInput(size: number, targetsPerGroup: number, scenario: Scenario): SyntheticInput {
  const document = syntheticDocument(size, targetsPerGroup);
  const env = validateSpec(document);
  const k = targetsPerGroup;
  const converged = scenario === 'converged';

  const asgs: AsgObservation[] = [];
  const services: ServiceObservation[] = [];
  const targetGroups: TargetGroupObservation[] = [];
  const serviceTasks: Record<string, TaskAddress[]> = {};
  for (let i = 0; i < size; i++) {
    const instances = Array.from({ length: k }, (_, j) => ({ instanceId: instanceId(i, j), lifecycleState: 'InService', healthStatus: 'Healthy' }));
    asgs.push({
      name: asgName(i),
      exists: true,
      minSize: converged ? k : 0,
      maxSize: converged ? 2 * k : 1,
      desiredCapacity: converged ? k : 0,
      mixedInstancesPolicy: spotPolicy(converged ? 100 : 0),
      instances,
    });
    // Drifted: the first half of the wanted targets plus as many stale ones.
    const asgTargets = converged
      ? instances.map((x) => ({ id: x.instanceId, state: 'healthy' }))
      : [
          ...instances.slice(0, k >> 1).map((x) => ({ id: x.instanceId, state: 'healthy' })),
          ...Array.from({ length: k - (k >> 1) }, (_, j) => ({ id: instanceId(i + size, j), state: 'healthy' })),
        ];
    targetGroups.push({ arn: tgArn(asgName(i)), exists: true, targetType: 'instance', port: SERVICE_PORT, targets: asgTargets.map((t) => ({ ...t, port: SERVICE_PORT })) });

    services.push({
      cluster: CLUSTER,
      name: serviceName(i),
      exists: true,
      status: 'ACTIVE',
      desiredCount: converged ? k : 0,
      runningCount: k,
      pendingCount: 0,
      capacityProviderStrategy: [{ capacityProvider: converged ? 'FARGATE' : 'FARGATE_SPOT', weight: 1, base: 0 }],
    });
    const tasks = Array.from({ length: k }, (_, j) => ({ taskArn: `arn:aws:ecs:us-west-2:123456789012:task/${CLUSTER}/${i}-${j}`, ip: taskIp(i, j) }));
    serviceTasks[serviceKey(CLUSTER, serviceName(i))] = tasks;
    const svcTargets = converged
      ? tasks.map((t) => ({ id: t.ip, port: SERVICE_PORT, state: 'healthy' }))
      : [
          ...tasks.slice(0, k >> 1).map((t) => ({ id: t.ip, port: SERVICE_PORT, state: 'healthy' })),
          ...Array.from({ length: k - (k >> 1) }, (_, j) => ({ id: taskIp(i + size, j), port: SERVICE_PORT, state: 'healthy' })),
        ];
    targetGroups.push({ arn: tgArn(serviceName(i)), exists: true, targetType: 'ip', port: SERVICE_PORT, targets: svcTargets });
  }
  const observed: Observed = {
    replica: converged ? replica((r) => ({ ...r, isReplica: false, sourceIdentifier: undefined })) : replica(),
    asgs,
    services,
    targetGroups,
    serviceTasks,
    readErrors: {},
  };
  // Converged after a real failover: promotion requested and done.
  const desired: Desired = { mode: 'active', promotionLatched: converged };
  return { env, desired, observed, document };
}
