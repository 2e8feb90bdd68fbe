/**
 * observe(port, spec) → Observed. Reads only, batched: one DescribeAutoScalingGroups for every group,
 * DescribeServices per cluster (the port batches 10 a call), one read per target group.
 */
import { errorMessage } from './errors';
import type { DrRegionReader, ServiceObservation, TargetGroupObservation, TaskAddress } from './port';
import { asgKey, databaseKey, serviceKey, targetGroupKey, type Observed } from './plan';
import type { EnvironmentSpec } from './spec';

/** What observe() may leave out. */
export interface ObserveOptions {
  /** Read the replica's lag (a drill checks it; a failover does not need it). @default true */
  readonly replicaLag?: boolean;
}

/**
 * Reads the DR region's state for everything the spec names, one level deep: every read goes out at once (the
 * target groups' ARNs are in the spec). Only the tasks of services whose targets the reconciler registers itself
 * take a second call (ListTasks, then DescribeTasks). Never writes.
 */
export async function observe(port: DrRegionReader, spec: EnvironmentSpec, opts: ObserveOptions = {}): Promise<Observed> {
  const clusters = new Map<string, string[]>();
  for (const s of spec.ecsServices) clusters.set(s.cluster, [...(clusters.get(s.cluster) ?? []), s.name]);
  const tgArns = [
    ...new Set([...spec.autoScalingGroups.flatMap((a) => a.targetGroupArns), ...spec.ecsServices.flatMap((s) => s.loadBalancers.map((l) => l.targetGroupArn))]),
  ].sort();
  // AWS registers the tasks of a service whose groups are attached to it: the reconciler only counts them.
  const fed = spec.ecsServices.filter((s) => s.loadBalancers.length > 0 && s.targetRegistration === 'reconciler');

  // One failed read must not hide the rest: it is recorded against the resources it covers and the
  // planner leaves those alone this pass.
  const readErrors: Record<string, string> = {};
  const safe = async <T>(keys: readonly string[], read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      for (const k of keys) readErrors[k] = errorMessage(err);
      return fallback;
    }
  };
  const [replica, asgs, serviceLists, targetGroups, taskLists] = await Promise.all([
    spec.database
      ? safe([databaseKey(spec.database.replicaIdentifier)], () => port.describeReplica(spec.database!.replicaIdentifier, opts.replicaLag ?? true), undefined)
      : Promise.resolve(undefined),
    safe(spec.autoScalingGroups.map((a) => asgKey(a.name)), () => (spec.autoScalingGroups.length > 0 ? port.describeAsgs(spec.autoScalingGroups.map((a) => a.name)) : Promise.resolve([])), []),
    Promise.all([...clusters].map(([cluster, names]) => safe(names.map((n) => serviceKey(cluster, n)), () => port.describeServices(cluster, names), []))),
    safe(tgArns.map(targetGroupKey), () => port.describeTargetGroups(tgArns), [] as TargetGroupObservation[]),
    // A failed task listing blocks only the target groups it feeds, never the service's own scaling.
    Promise.all(fed.map((s) => safe(s.loadBalancers.map((l) => targetGroupKey(l.targetGroupArn)), () => port.listServiceTasks(s.cluster, s.name), undefined))),
  ]);
  const services: ServiceObservation[] = serviceLists.flat();
  const serviceTasks: Record<string, readonly TaskAddress[]> = {};
  fed.forEach((s, i) => {
    const tasks = taskLists[i];
    if (tasks) serviceTasks[serviceKey(s.cluster, s.name)] = tasks;
  });
  return {
    replica,
    asgs,
    services,
    targetGroups,
    serviceTasks,
    readErrors,
  };
}
