/**
 * plan(spec, desired, observed) → actions and per-resource assessment. Pure: no SDK, no clock, no env.
 *
 * An empty action list means nothing to write; `ready` on every resource means converged. Output order is
 * deterministic: by resource kind (database, ASGs, services, target groups), then by name, whatever order
 * the spec or the observation lists things in.
 */
import type {
  AsgObservation,
  CapacityProviderItem,
  MixedInstancesPolicy,
  ReplicaObservation,
  ServiceObservation,
  Target,
  TargetGroupObservation,
  TaskAddress,
} from './port';
import type { AsgSpec, EcsServiceSpec, EnvironmentSpec, Mode, TargetRegistration } from './spec';

/** Everything observe() read in one go. */
export interface Observed {
  /** Absent when the spec has no database. */
  readonly replica?: ReplicaObservation;
  readonly asgs: readonly AsgObservation[];
  readonly services: readonly ServiceObservation[];
  readonly targetGroups: readonly TargetGroupObservation[];
  /** Running task addresses per service key (serviceKey) (only services with load balancers). */
  readonly serviceTasks: Readonly<Record<string, readonly TaskAddress[]>>;
  /** Reads that failed, by resource key: those resources are reported, not acted on. */
  readonly readErrors?: Readonly<Record<string, string>>;
}

/** What this pass wants, beyond the spec: the mode and the facts that constrain it. */
export interface Desired {
  readonly mode: Mode;
  /** Set while a drill runs: everything a failover does except promotion (rule S3). */
  readonly drill?: { readonly id: string; readonly maxReplicaLagSeconds: number };
  /** Latched once RDS accepted the promotion or showed it (rule S1): never request it again. A request not yet shown is re-issued. */
  readonly promotionLatched: boolean;
  /** Set when a requested promotion has shown no effect for too long: why, for the operator. */
  readonly promotionStuck?: string;
}

/** Promote the read replica to a standalone instance (real failover only). */
export interface PromoteReplicaAction {
  readonly kind: 'PromoteReplica';
  readonly resource: string;
  readonly identifier: string;
}
/** Set an ASG's capacities and, with its whole MixedInstancesPolicy, its on-demand percentage. */
export interface UpdateAsgAction {
  readonly kind: 'UpdateAsg';
  readonly resource: string;
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly mixedInstancesPolicy?: MixedInstancesPolicy;
}
/** Set an ECS service's desired count and capacity provider. */
export interface UpdateServiceAction {
  readonly kind: 'UpdateService';
  readonly resource: string;
  readonly cluster: string;
  readonly service: string;
  readonly desiredCount: number;
  readonly capacityProviderStrategy: readonly CapacityProviderItem[];
  /** Required by ECS when the strategy changes, so running tasks move to the new provider. */
  readonly forceNewDeployment: boolean;
}
/** Register targets missing from a target group. */
export interface RegisterTargetsAction {
  readonly kind: 'RegisterTargets';
  readonly resource: string;
  readonly targetGroupArn: string;
  readonly targets: readonly Target[];
}
/** Deregister targets that no longer belong in a target group. */
export interface DeregisterTargetsAction {
  readonly kind: 'DeregisterTargets';
  readonly resource: string;
  readonly targetGroupArn: string;
  readonly targets: readonly Target[];
}
/** One write a pass will perform. */
export type Action = PromoteReplicaAction | UpdateAsgAction | UpdateServiceAction | RegisterTargetsAction | DeregisterTargetsAction;

/** The kinds of resource the reconciler manages. */
export type ResourceKind = 'database' | 'asg' | 'service' | 'targetGroup';

/** One resource: what it should be, what it is, and whether the world has caught up. */
export interface Assessment {
  /** Stable key, e.g. `asg/dr-jenkins`, `ecs/dr/frontend`, `rds/app-replica`, `tg/jenkins`. */
  readonly resource: string;
  readonly kind: ResourceKind;
  readonly desired: string;
  readonly observed: string;
  /** Configuration matches: no write is needed. */
  readonly inSync: boolean;
  /** In sync and the world has caught up (instances InService, tasks running, targets healthy). */
  readonly ready: boolean;
  /** Why it is not ready yet, when it is only a matter of time. */
  readonly waitingFor?: string;
  /** Why it cannot converge without someone's help (missing resource, bad state). */
  readonly problem?: string;
}

/** The output of plan(). */
export interface Plan {
  readonly actions: readonly Action[];
  readonly resources: readonly Assessment[];
  /** The database was promoted but the desired mode is pilot-light: failback is manual (rule S2). */
  readonly failbackRequired: boolean;
}

const KIND_ORDER: Record<ResourceKind, number> = { database: 0, asg: 1, service: 2, targetGroup: 3 };
const ACTION_ORDER: Record<Action['kind'], number> = {
  PromoteReplica: 0,
  UpdateAsg: 1,
  UpdateService: 2,
  DeregisterTargets: 3,
  RegisterTargets: 4,
};

/** The spec key of a mode. */
function modeKey(mode: Mode): 'pilotLight' | 'active' {
  return mode === 'active' ? 'active' : 'pilotLight';
}

/** `tg/<name>` from a target group ARN (`…:targetgroup/<name>/<id>`). */
export function targetGroupKey(arn: string): string {
  const m = /:targetgroup\/([^/]+)\//.exec(arn);
  return `tg/${m ? m[1] : arn}`;
}

/** `rds/<identifier>`. */
export function databaseKey(identifier: string): string {
  return `rds/${identifier}`;
}

/** `asg/<name>`. */
export function asgKey(name: string): string {
  return `asg/${name}`;
}

/** `ecs/<cluster>/<service>`. */
export function serviceKey(cluster: string, name: string): string {
  return `ecs/${cluster}/${name}`;
}

/** Computes the actions that move `observed` to `desired`. Pure and deterministic. */
export function plan(spec: EnvironmentSpec, desired: Desired, observed: Observed): Plan {
  const actions: Action[] = [];
  const resources: Assessment[] = [];
  let failbackRequired = false;

  const unread = observed.readErrors ?? {};
  if (spec.database) {
    const db = planDatabase(spec.database.replicaIdentifier, desired, observed.replica);
    resources.push(db.assessment);
    if (db.action) actions.push(db.action);
    failbackRequired = db.failbackRequired;
  }

  const asgByName = new Map(observed.asgs.map((a) => [a.name, a]));
  for (const asg of spec.autoScalingGroups) {
    const r = planAsg(asg, desired.mode, asgByName.get(asg.name));
    resources.push(r.assessment);
    if (r.action) actions.push(r.action);
  }

  const svcByKey = new Map(observed.services.map((s) => [serviceKey(s.cluster, s.name), s]));
  for (const svc of spec.ecsServices) {
    const r = planService(svc, desired.mode, svcByKey.get(serviceKey(svc.cluster, svc.name)));
    resources.push(r.assessment);
    if (r.action) actions.push(r.action);
  }

  const tgByArn = new Map(observed.targetGroups.map((t) => [t.arn, t]));
  for (const feed of targetFeeds(spec, observed)) {
    const r = planTargetGroup(feed, tgByArn.get(feed.arn));
    resources.push(r.assessment);
    actions.push(...r.actions);
  }

  // A resource whose read failed is reported with that error and never acted on.
  const readFailed = (r: string) => unread[r] !== undefined;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i];
    if (readFailed(r.resource)) resources[i] = { ...r, observed: 'unknown', inSync: false, ready: false, waitingFor: undefined, problem: `could not observe: ${unread[r.resource]}` };
  }
  // (Target groups whose owner was not read get no actions: their wanted targets are unknown.)
  const acted = actions.filter((a) => !readFailed(a.resource));
  actions.length = 0;
  actions.push(...acted);
  resources.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.resource, b.resource));
  actions.sort((a, b) => ACTION_ORDER[a.kind] - ACTION_ORDER[b.kind] || compare(a.resource, b.resource));
  return { actions, resources, failbackRequired };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function planDatabase(
  identifier: string,
  desired: Desired,
  replica: ReplicaObservation | undefined,
): { assessment: Assessment; action?: PromoteReplicaAction; failbackRequired: boolean } {
  const resource = databaseKey(identifier);
  const base = { resource, kind: 'database' as const };
  if (!replica || !replica.exists) {
    return {
      assessment: { ...base, desired: 'read replica', observed: 'not found', inSync: false, ready: false, problem: `db instance ${identifier} not found` },
      failbackRequired: false,
    };
  }
  const observedText = replica.isReplica
    ? `read replica of ${replica.sourceIdentifier ?? '?'}, ${replica.status ?? 'unknown'}`
    : `standalone, ${replica.status ?? 'unknown'}`;
  const available = replica.status === 'available';

  if (!replica.isReplica) {
    // Promoted (by us or by someone): in pilot-light the database is left alone and failback is manual (S2).
    const failbackRequired = desired.mode === 'pilot-light';
    const desiredText = desired.mode === 'active' && !desired.drill ? 'standalone (promoted)' : 'read replica';
    return {
      assessment: {
        ...base,
        desired: desiredText,
        observed: observedText,
        inSync: true,
        ready: available,
        waitingFor: available ? undefined : `db instance status ${replica.status ?? 'unknown'}`,
        problem: desired.drill ? 'the replica is no longer replicating: a drill cannot verify it' : undefined,
      },
      failbackRequired,
    };
  }

  if (desired.mode === 'active' && !desired.drill) {
    if (desired.promotionLatched) {
      // Accepted already (S1: once in effect); RDS takes minutes and the next pass looks again. If nothing
      // happens for too long, say so: a person must decide, the reconciler will not ask twice.
      return {
        assessment: {
          ...base,
          desired: 'standalone (promoted)',
          observed: observedText,
          inSync: true,
          ready: false,
          waitingFor: desired.promotionStuck ? undefined : 'promotion in progress',
          problem: desired.promotionStuck,
        },
        failbackRequired: false,
      };
    }
    if (!available) {
      return {
        assessment: {
          ...base,
          desired: 'standalone (promoted)',
          observed: observedText,
          inSync: false,
          ready: false,
          waitingFor: desired.promotionStuck ? undefined : `promotion waits for status available, got: ${replica.status ?? 'unknown'}`,
          problem: desired.promotionStuck,
        },
        failbackRequired: false,
      };
    }
    return {
      assessment: { ...base, desired: 'standalone (promoted)', observed: observedText, inSync: false, ready: false, problem: desired.promotionStuck },
      action: { kind: 'PromoteReplica', resource, identifier },
      failbackRequired: false,
    };
  }

  // Pilot light, or a drill: the replica must stay a healthy replica (S3).
  let problem: string | undefined;
  if (desired.drill && replica.replicaLagSeconds !== undefined && replica.replicaLagSeconds > desired.drill.maxReplicaLagSeconds) {
    problem = `replica lag ${replica.replicaLagSeconds}s exceeds ${desired.drill.maxReplicaLagSeconds}s`;
  }
  const lagText = replica.replicaLagSeconds === undefined ? '' : `, lag ${replica.replicaLagSeconds}s`;
  return {
    assessment: {
      ...base,
      desired: 'read replica',
      observed: observedText + lagText,
      inSync: true,
      ready: available && !problem,
      waitingFor: available ? undefined : `db instance status ${replica.status ?? 'unknown'}`,
      problem,
    },
    failbackRequired: false,
  };
}

function planAsg(spec: AsgSpec, mode: Mode, obs: AsgObservation | undefined): { assessment: Assessment; action?: UpdateAsgAction } {
  const want = spec[modeKey(mode)];
  const resource = asgKey(spec.name);
  const desiredText = `min=${want.minSize} max=${want.maxSize} desired=${want.desiredCapacity} on-demand=${want.onDemandPercentage}%`;
  if (!obs || !obs.exists) {
    return { assessment: { resource, kind: 'asg', desired: desiredText, observed: 'not found', inSync: false, ready: false, problem: `auto scaling group ${spec.name} not found` } };
  }
  const dist = obs.mixedInstancesPolicy?.instancesDistribution;
  const observedPct = obs.mixedInstancesPolicy ? (dist?.onDemandPercentageAboveBaseCapacity ?? 100) : 100;
  const inService = obs.instances.filter((i) => i.lifecycleState === 'InService' && i.healthStatus === 'Healthy').length;
  const observedText = `min=${obs.minSize} max=${obs.maxSize} desired=${obs.desiredCapacity} on-demand=${observedPct}% in-service=${inService}`;

  // Active sizes are a floor: an autoscaler may run more, up to maxSize, and the reconciler must not fight
  // it on the worst day. Pilot-light sizes are exact: that is what saves the money.
  const observedDesired = obs.desiredCapacity ?? 0;
  const desiredOk = mode === 'active' ? observedDesired >= want.desiredCapacity && observedDesired <= want.maxSize : observedDesired === want.desiredCapacity;
  const capacityDiffers = obs.minSize !== want.minSize || obs.maxSize !== want.maxSize || !desiredOk;
  const pctDiffers = observedPct !== want.onDemandPercentage;
  // Without a MixedInstancesPolicy a group is all on-demand and cannot be moved to spot by a capacity update.
  // That only matters if the group may run instances in this mode: at size 0 there is nothing to pay for.
  const mayRunInstances = want.minSize > 0 || want.desiredCapacity > 0;
  const problem =
    pctDiffers && !obs.mixedInstancesPolicy && mayRunInstances
      ? `auto scaling group ${spec.name} has no mixed instances policy: cannot set on-demand percentage to ${want.onDemandPercentage}`
      : undefined;
  const policyDiffers = pctDiffers && !!obs.mixedInstancesPolicy;
  const inSync = !capacityDiffers && !policyDiffers;
  const ready = inSync && !problem && inService === observedDesired;
  const assessment: Assessment = {
    resource,
    kind: 'asg',
    desired: desiredText,
    observed: observedText,
    inSync: inSync && !problem,
    ready,
    waitingFor: inSync && !ready && !problem ? `${inService}/${observedDesired} instances in service` : undefined,
    problem,
  };
  if (inSync) return { assessment };
  const mixedInstancesPolicy = obs.mixedInstancesPolicy && {
    launchTemplate: obs.mixedInstancesPolicy.launchTemplate,
    instancesDistribution: { ...obs.mixedInstancesPolicy.instancesDistribution, onDemandPercentageAboveBaseCapacity: want.onDemandPercentage },
  };
  return {
    assessment,
    action: {
      kind: 'UpdateAsg',
      resource,
      name: spec.name,
      minSize: want.minSize,
      maxSize: want.maxSize,
      desiredCapacity: mode === 'active' ? Math.min(want.maxSize, Math.max(want.desiredCapacity, observedDesired)) : want.desiredCapacity,
      mixedInstancesPolicy,
    },
  };
}

function planService(
  spec: EcsServiceSpec,
  mode: Mode,
  obs: ServiceObservation | undefined,
): { assessment: Assessment; action?: UpdateServiceAction } {
  const want = spec[modeKey(mode)];
  const resource = serviceKey(spec.cluster, spec.name);
  const desiredText = `desired=${want.desiredCount} ${want.capacityProvider}`;
  if (!obs || !obs.exists) {
    return {
      assessment: { resource, kind: 'service', desired: desiredText, observed: 'not found', inSync: false, ready: false, problem: `ecs service ${spec.name} not found in cluster ${spec.cluster}` },
    };
  }
  const providers = obs.capacityProviderStrategy.map((i) => i.capacityProvider);
  const observedProvider = providers.length > 0 ? providers.join('+') : (obs.launchType ?? 'none');
  const running = obs.runningCount ?? 0;
  const observedText = `desired=${obs.desiredCount} ${observedProvider} running=${running}`;
  const observedDesired = obs.desiredCount ?? 0;
  const strategyDiffers = !(providers.length === 1 && providers[0] === want.capacityProvider);
  // As for ASGs: active counts are a floor (Application Auto Scaling may add tasks), pilot light is exact.
  const countDiffers = mode === 'active' ? observedDesired < want.desiredCount : observedDesired !== want.desiredCount;
  const inSync = !strategyDiffers && !countDiffers;
  // Running tasks of an old deployment (say, spot tasks being replaced) do not count: wait for the rollout.
  const rollingOut = (obs.deployments ?? 1) > 1 || obs.primaryRolloutState === 'IN_PROGRESS';
  const problem = obs.primaryRolloutState === 'FAILED' ? `ecs service ${spec.name}: deployment failed (rolloutState FAILED)` : undefined;
  const ready = inSync && !problem && !rollingOut && running === observedDesired && (obs.pendingCount ?? 0) === 0;
  const assessment: Assessment = {
    resource,
    kind: 'service',
    desired: desiredText,
    observed: observedText,
    inSync,
    ready,
    waitingFor: inSync && !ready && !problem ? (rollingOut ? `deployment in progress, ${running}/${observedDesired} tasks running` : `${running}/${observedDesired} tasks running`) : undefined,
    problem,
  };
  if (inSync) return { assessment };
  return {
    assessment,
    action: {
      kind: 'UpdateService',
      resource,
      cluster: spec.cluster,
      service: spec.name,
      desiredCount: mode === 'active' ? Math.max(want.desiredCount, observedDesired) : want.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: want.capacityProvider, weight: 1, base: 0 }],
      forceNewDeployment: strategyDiffers,
    },
  };
}

/** A target group and the targets that should be in it, from its one owner. */
interface TargetFeed {
  readonly arn: string;
  readonly owner: string;
  /** `aws`: AWS registers the owner's targets (the group is attached to it): verify and report, never write. */
  readonly registration: TargetRegistration;
  /** The exact targets. Undefined when the owner was not observed, or when only a count is known (below). */
  readonly wanted?: readonly Target[];
  /** An AWS-registered service's group: how many targets (its desired tasks); ECS knows which. */
  readonly wantedCount?: number;
  /** Target ids that belong to the owner in any state (an ASG's instances, launching or terminating too). */
  readonly members?: ReadonlySet<string>;
}

function targetFeeds(spec: EnvironmentSpec, observed: Observed): TargetFeed[] {
  const feeds: TargetFeed[] = [];
  const asgByName = new Map(observed.asgs.map((a) => [a.name, a]));
  for (const asg of spec.autoScalingGroups) {
    const obs = asgByName.get(asg.name);
    const wanted = obs?.exists
      ? obs.instances.filter((i) => i.lifecycleState === 'InService').map((i) => ({ id: i.instanceId }))
      : undefined;
    const members = obs?.exists ? new Set(obs.instances.map((i) => i.instanceId)) : undefined;
    for (const arn of asg.targetGroupArns) feeds.push({ arn, owner: asgKey(asg.name), registration: asg.targetRegistration, wanted, members });
  }
  const svcByKey = new Map(observed.services.map((s) => [serviceKey(s.cluster, s.name), s]));
  for (const svc of spec.ecsServices) {
    const key = serviceKey(svc.cluster, svc.name);
    const obs = svcByKey.get(key);
    const exists = obs?.exists ?? false;
    const tasks = observed.serviceTasks[key];
    for (const lb of svc.loadBalancers) {
      if (svc.targetRegistration === 'aws') {
        feeds.push({ arn: lb.targetGroupArn, owner: key, registration: 'aws', wantedCount: exists ? (obs?.desiredCount ?? 0) : undefined });
      } else {
        feeds.push({ arn: lb.targetGroupArn, owner: key, registration: 'reconciler', wanted: exists && tasks ? tasks.map((t) => ({ id: t.ip, port: lb.port })) : undefined });
      }
    }
  }
  return feeds;
}

function targetId(t: Target): string {
  return t.port === undefined ? t.id : `${t.id}:${t.port}`;
}

/**
 * Which registered targets match the wanted ones. A wanted target without a port (an ASG instance) matches its id on
 * any port: DescribeTargetHealth always reports the port, the group's when the target was registered without one.
 */
function matchTargets(wanted: readonly Target[], registered: readonly Target[]): { missing: Target[]; extra: Target[] } {
  const wantedKeys = new Set(wanted.map(targetId));
  const registeredKeys = new Set(registered.flatMap((t) => [t.id, targetId(t)]));
  return {
    missing: wanted.filter((t) => !registeredKeys.has(targetId(t))),
    extra: registered.filter((t) => !wantedKeys.has(t.id) && !wantedKeys.has(targetId(t))),
  };
}

function planTargetGroup(feed: TargetFeed, obs: TargetGroupObservation | undefined): { assessment: Assessment; actions: Action[] } {
  const resource = targetGroupKey(feed.arn);
  const byAws = feed.registration === 'aws' ? ' (registered by AWS)' : '';
  if (!obs || !obs.exists) {
    return {
      assessment: { resource, kind: 'targetGroup', desired: `targets of ${feed.owner}${byAws}`, observed: 'not found', inSync: false, ready: false, problem: `target group ${feed.arn} not found` },
      actions: [],
    };
  }
  const registered = obs.targets.filter((t) => t.state !== 'draining').map((t) => (t.port === undefined ? { id: t.id, state: t.state } : { id: t.id, port: t.port, state: t.state }));
  const healthy = registered.filter((t) => t.state === 'healthy').length;
  const observedText = `${registered.length} registered, ${healthy} healthy`;
  if (!feed.wanted && feed.wantedCount === undefined) {
    return {
      assessment: { resource, kind: 'targetGroup', desired: `targets of ${feed.owner}${byAws}`, observed: observedText, inSync: false, ready: false, problem: `${feed.owner} not found: targets left as they are` },
      actions: [],
    };
  }
  if (feed.registration === 'aws') return { assessment: verifyTargetGroup(feed, resource, registered, healthy, observedText), actions: [] };
  const wanted = feed.wanted!;
  const { missing: toRegister, extra } = matchTargets(wanted, registered);
  const toDeregister = extra.map((t) => (t.port === undefined ? { id: t.id } : { id: t.id, port: t.port }));
  const inSync = toRegister.length === 0 && toDeregister.length === 0;
  const ready = inSync && healthy === wanted.length;
  const byId = (a: Target, b: Target) => compare(targetId(a), targetId(b));
  const actions: Action[] = [];
  if (toDeregister.length > 0) actions.push({ kind: 'DeregisterTargets', resource, targetGroupArn: feed.arn, targets: [...toDeregister].sort(byId) });
  if (toRegister.length > 0) actions.push({ kind: 'RegisterTargets', resource, targetGroupArn: feed.arn, targets: [...toRegister].sort(byId) });
  return {
    assessment: {
      resource,
      kind: 'targetGroup',
      desired: `${wanted.length} targets of ${feed.owner}`,
      observed: observedText,
      inSync,
      ready,
      waitingFor: inSync && !ready ? `${healthy}/${wanted.length} targets healthy` : undefined,
    },
    actions,
  };
}

/**
 * A group AWS fills (attached to the ASG or the ECS service): the reconciler writes nothing to it, so a spec can
 * never make it move a target (S12). It checks what AWS did: the owner's targets registered and healthy, and nothing
 * else in the group. A target that is not the owner's is reported, not removed: someone registered it by hand.
 */
function verifyTargetGroup(feed: TargetFeed, resource: string, registered: readonly Target[], healthy: number, observedText: string): Assessment {
  const base = { resource, kind: 'targetGroup' as const, observed: observedText, inSync: true };
  if (feed.wanted) {
    const { missing, extra } = matchTargets(feed.wanted, registered);
    const foreign = extra.filter((t) => !feed.members?.has(t.id));
    const desired = `${feed.wanted.length} targets of ${feed.owner} (registered by AWS)`;
    if (foreign.length > 0) {
      const ids = foreign.map(targetId).sort(compare);
      return { ...base, desired, ready: false, problem: `target group ${feed.arn} holds ${ids.length} target(s) that are not instances of ${feed.owner}: ${ids.join(', ')}; AWS registers this group's targets, so the reconciler leaves them: deregister them by hand` };
    }
    const ready = missing.length === 0 && extra.length === 0 && healthy === feed.wanted.length;
    const waiting = missing.length > 0 ? `AWS to register ${missing.length} of ${feed.wanted.length} targets` : extra.length > 0 ? `${extra.length} registered instance(s) of ${feed.owner} to finish launching or leaving` : `${healthy}/${feed.wanted.length} targets healthy`;
    return { ...base, desired, ready, waitingFor: ready ? undefined : waiting };
  }
  const n = feed.wantedCount!;
  const ready = registered.length === n && healthy === n;
  const waiting = registered.length < n ? `ECS to register ${n - registered.length} of ${n} tasks` : registered.length > n ? `ECS to deregister ${registered.length - n} stopped task(s)` : `${healthy}/${n} targets healthy`;
  return { ...base, desired: `${n} tasks of ${feed.owner} (registered by AWS)`, ready, waitingFor: ready ? undefined : waiting };
}

/** A one-line, runbook-worded description of an action, for logs and plan output. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'PromoteReplica':
      return `Promoting RDS read replica ${a.identifier} to standalone instance`;
    case 'UpdateAsg': {
      const pct = a.mixedInstancesPolicy?.instancesDistribution.onDemandPercentageAboveBaseCapacity;
      return `Scaling ASG ${a.name} to min=${a.minSize}, max=${a.maxSize}, desired=${a.desiredCapacity}` + (pct === undefined ? '' : `, on-demand=${pct}%`);
    }
    case 'UpdateService':
      return (
        `Scaling ECS service ${a.service} in cluster ${a.cluster} to desired=${a.desiredCount} on ${a.capacityProviderStrategy.map((s) => s.capacityProvider).join('+')}` +
        (a.forceNewDeployment ? ' (new deployment)' : '')
      );
    case 'RegisterTargets':
      return `Registering ${a.targets.length} targets with target group ${a.targetGroupArn}: ${a.targets.map(targetId).join(', ')}`;
    case 'DeregisterTargets':
      return `Deregistering ${a.targets.length} targets from target group ${a.targetGroupArn}: ${a.targets.map(targetId).join(', ')}`;
  }
}
