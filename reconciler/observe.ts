/**
 * observe(port, spec) → Observed. Reads only, batched: one DescribeAutoScalingGroups for every group,
 * DescribeServices per cluster (the port batches 10 a call), one read per target group.
 */
import { errorMessage } from './errors';
import type { DrRegionReader, ServiceObservation, TargetGroupObservation, TaskAddress } from './port';
import { asgKey, databaseKey, serviceKey, targetGroupKey, type Observed } from './plan';
import type { EnvironmentSpec } from './spec';

/** Reads the DR region's state for everything the spec names. Never writes. */
export async function observe(port: DrRegionReader, spec: EnvironmentSpec): Promise<Observed> {
  const clusters = new Map<string, string[]>();
  for (const s of spec.ecsServices) clusters.set(s.cluster, [...(clusters.get(s.cluster) ?? []), s.name]);
  const tgArns = [
    ...new Set([...spec.autoScalingGroups.flatMap((a) => a.targetGroupArns), ...spec.ecsServices.flatMap((s) => s.loadBalancers.map((l) => l.targetGroupArn))]),
  ].sort();
  const fed = spec.ecsServices.filter((s) => s.loadBalancers.length > 0);

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
      ? safe([databaseKey(spec.database.replicaIdentifier)], () => port.describeReplica(spec.database!.replicaIdentifier), undefined)
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
