/**
 * An in-memory AwsPort for unit tests of act/reconcile: holds a small world, applies writes to it,
 * records every call, and can be told to fail a call. Integration tests use the real port on moto.
 */
import { PortError } from '../../reconciler/errors';
import type {
  AlarmState,
  AsgObservation,
  AwsPort,
  CapacityProviderItem,
  LeaseRequest,
  MixedInstancesPolicy,
  ModeParameter,
  ReplicaObservation,
  ServiceObservation,
  Target,
  TargetGroupObservation,
  TaskAddress,
} from '../../reconciler/port';

/** Methods that change the DR region (not the mode, lease or status). */
export const RESOURCE_WRITES = ['promoteReplica', 'updateAsg', 'updateService', 'registerTargets', 'deregisterTargets'] as const;

/** A recorded call. */
export interface Call {
  readonly method: keyof AwsPort;
  readonly args: unknown[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends ReadonlyArray<infer U> ? U[] : T[K] };

/** The fake's world. */
export interface FakeWorld {
  params: Map<string, { value: string; version: number; lastModified: Date }>;
  state: Map<string, Map<string, unknown>>;
  lease?: { holder: string; expiresAt: number };
  replica?: Mutable<ReplicaObservation>;
  asgs: Map<string, Mutable<AsgObservation>>;
  services: Map<string, Mutable<ServiceObservation>>;
  targetGroups: Map<string, Mutable<TargetGroupObservation>>;
  tasks: Map<string, TaskAddress[]>;
  alarms: Map<string, { state: AlarmState; reason?: string }>;
  healthChecks: Map<string, boolean>;
  published: Array<{ topicArn: string; subject: string; message: string }>;
  /** The primary's endpoint as the DR region's probe sees it. */
  probe: { healthy: boolean; detail: string };
  /** Metric values put, newest last. */
  metrics: Array<{ namespace: string; dimensions: Record<string, string>; name: string; value: number }>;
  /** Follow-ups sent to the requeue queue. */
  followUps: Array<{ queueUrl: string; delaySeconds: number; body: string }>;
  /** DB instances stopped by the fence. */
  stopped: string[];
}

/** A fake AwsPort over a FakeWorld. Instances launch InService at once, services run at once. */
export class FakePort implements AwsPort {
  readonly world: FakeWorld = {
    params: new Map(),
    state: new Map(),
    asgs: new Map(),
    services: new Map(),
    targetGroups: new Map(),
    tasks: new Map(),
    alarms: new Map(),
    healthChecks: new Map(),
    published: [],
    probe: { healthy: true, detail: 'HTTP 200' },
    metrics: [],
    followUps: [],
    stopped: [],
  };
  readonly calls: Call[] = [];
  /** Make a method fail: return an error to throw, or undefined to proceed. */
  failures: Partial<Record<keyof AwsPort, (args: unknown[]) => Error | undefined>> = {};
  private nextInstance = 1;
  private nextIp = 10;

  private record(method: keyof AwsPort, args: unknown[]): void {
    this.calls.push({ method, args });
    const fail = this.failures[method]?.(args);
    if (fail) throw fail;
  }

  /** Calls that wrote to the DR region's resources. */
  resourceWrites(): Call[] {
    return this.calls.filter((c) => (RESOURCE_WRITES as readonly string[]).includes(c.method));
  }

  // --- world builders ---
  setMode(name: string, value: string, at = new Date('2026-01-01T00:00:00Z')): void {
    const prev = this.world.params.get(name);
    this.world.params.set(name, { value, version: (prev?.version ?? 0) + 1, lastModified: at });
  }

  // --- mode ---
  async getModeParameter(name: string): Promise<ModeParameter | undefined> {
    this.record('getModeParameter', [name]);
    const p = this.world.params.get(name);
    return p && { ...p };
  }
  async putModeParameter(name: string, value: string): Promise<number> {
    this.record('putModeParameter', [name, value]);
    this.setMode(name, value, new Date());
    return this.world.params.get(name)!.version;
  }
  async getParameterValue(name: string): Promise<string | undefined> {
    this.record('getParameterValue', [name]);
    return this.world.params.get(name)?.value;
  }

  // --- state ---
  async acquireLease(req: LeaseRequest): Promise<boolean> {
    this.record('acquireLease', [req]);
    const l = this.world.lease;
    const nowS = req.now.getTime() / 1000;
    // As the real port's condition: an item claiming more than a lease's length ahead is broken (S11).
    if (l && l.holder !== req.holder && l.expiresAt > nowS && l.expiresAt <= nowS + req.ttlSeconds) return false;
    this.world.lease = { holder: req.holder, expiresAt: req.now.getTime() / 1000 + req.ttlSeconds };
    return true;
  }
  async readLease(table: string): Promise<{ holder: string; expiresAt: Date } | undefined> {
    this.record('readLease', [table]);
    const l = this.world.lease;
    return l ? { holder: l.holder, expiresAt: new Date(l.expiresAt * 1000) } : undefined;
  }
  async releaseLease(table: string, holder: string): Promise<void> {
    this.record('releaseLease', [table, holder]);
    if (this.world.lease?.holder === holder) this.world.lease = undefined;
  }
  async readState<T>(table: string, key: string): Promise<T | undefined> {
    this.record('readState', [table, key]);
    const v = this.world.state.get(table)?.get(key);
    return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as T);
  }
  async writeState<T>(table: string, key: string, doc: T): Promise<void> {
    this.record('writeState', [table, key, doc]);
    if (!this.world.state.has(table)) this.world.state.set(table, new Map());
    this.world.state.get(table)!.set(key, JSON.parse(JSON.stringify(doc)));
  }
  async readStates(table: string, keys: readonly string[]): Promise<Record<string, unknown>> {
    this.record('readStates', [table, keys]);
    const found: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.world.state.get(table)?.get(k);
      if (v !== undefined) found[k] = JSON.parse(JSON.stringify(v));
    }
    return found;
  }
  /** As the real port's transaction: nothing is written unless `holder` still holds the lease. Recorded as the two writes it is too. */
  async writeStateAndRelease<T>(table: string, key: string, doc: T, holder: string): Promise<boolean> {
    this.record('writeStateAndRelease', [table, key, doc, holder]);
    if (this.world.lease?.holder !== holder) return false;
    await this.writeState(table, key, doc);
    await this.releaseLease(table, holder);
    return true;
  }

  // --- observe ---
  async describeReplica(identifier: string): Promise<ReplicaObservation> {
    this.record('describeReplica', [identifier]);
    const r = this.world.replica;
    return r && r.identifier === identifier ? { ...r } : { identifier, exists: false, isReplica: false };
  }
  async describeAsgs(names: readonly string[]): Promise<AsgObservation[]> {
    this.record('describeAsgs', [names]);
    return names.map((n) => {
      const a = this.world.asgs.get(n);
      return a ? structuredClone(a) : { name: n, exists: false, instances: [] };
    });
  }
  async describeServices(cluster: string, names: readonly string[]): Promise<ServiceObservation[]> {
    this.record('describeServices', [cluster, names]);
    return names.map((n) => {
      const s = this.world.services.get(`${cluster}/${n}`);
      return s ? structuredClone(s) : { cluster, name: n, exists: false, capacityProviderStrategy: [] };
    });
  }
  async listServiceTasks(cluster: string, service: string): Promise<TaskAddress[]> {
    this.record('listServiceTasks', [cluster, service]);
    return [...(this.world.tasks.get(`${cluster}/${service}`) ?? [])];
  }
  async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupObservation[]> {
    this.record('describeTargetGroups', [arns]);
    return arns.map((arn) => {
      const t = this.world.targetGroups.get(arn);
      return t ? structuredClone(t) : { arn, exists: false, targets: [] };
    });
  }

  // --- act ---
  async promoteReplica(identifier: string): Promise<void> {
    this.record('promoteReplica', [identifier]);
    const r = this.world.replica;
    if (!r || r.identifier !== identifier) throw new PortError(`db instance ${identifier} not found`, { code: 'DBInstanceNotFound', retryable: false });
    if (!r.isReplica) throw new PortError(`db instance ${identifier} is not a read replica`, { code: 'InvalidDBInstanceState', retryable: false });
    r.isReplica = false;
    r.sourceIdentifier = undefined;
  }
  async updateAsg(input: { name: string; minSize: number; maxSize: number; desiredCapacity: number; mixedInstancesPolicy?: MixedInstancesPolicy }): Promise<void> {
    this.record('updateAsg', [input]);
    const a = this.world.asgs.get(input.name);
    if (!a) throw new PortError(`auto scaling group ${input.name} not found`, { code: 'ValidationError', retryable: false });
    Object.assign(a, { minSize: input.minSize, maxSize: input.maxSize, desiredCapacity: input.desiredCapacity });
    if (input.mixedInstancesPolicy) a.mixedInstancesPolicy = structuredClone(input.mixedInstancesPolicy);
    while (a.instances.length < input.desiredCapacity) {
      a.instances.push({ instanceId: `i-${String(this.nextInstance++).padStart(8, '0')}`, lifecycleState: 'InService', healthStatus: 'Healthy' });
    }
    a.instances.splice(input.desiredCapacity);
  }
  async updateService(input: { cluster: string; service: string; desiredCount: number; capacityProviderStrategy: readonly CapacityProviderItem[]; forceNewDeployment: boolean }): Promise<void> {
    this.record('updateService', [input]);
    const s = this.world.services.get(`${input.cluster}/${input.service}`);
    if (!s) throw new PortError(`service ${input.service} not found`, { code: 'ServiceNotFoundException', retryable: false });
    s.desiredCount = input.desiredCount;
    s.runningCount = input.desiredCount;
    s.capacityProviderStrategy = [...input.capacityProviderStrategy];
    const key = `${input.cluster}/${input.service}`;
    const tasks = this.world.tasks.get(key) ?? [];
    while (tasks.length < input.desiredCount) tasks.push({ taskArn: `arn:task/${this.nextIp}`, ip: `10.0.0.${this.nextIp++}` });
    tasks.splice(input.desiredCount);
    this.world.tasks.set(key, tasks);
  }
  async registerTargets(arn: string, targets: readonly Target[]): Promise<void> {
    this.record('registerTargets', [arn, targets]);
    const tg = this.world.targetGroups.get(arn);
    if (!tg) throw new PortError(`target group ${arn} not found`, { code: 'TargetGroupNotFound', retryable: false });
    for (const t of targets) {
      if (!tg.targets.some((x) => x.id === t.id && (x.port ?? tg.port) === (t.port ?? tg.port))) tg.targets.push({ id: t.id, port: t.port ?? tg.port, state: 'healthy' });
    }
  }
  async deregisterTargets(arn: string, targets: readonly Target[]): Promise<void> {
    this.record('deregisterTargets', [arn, targets]);
    const tg = this.world.targetGroups.get(arn);
    if (!tg) throw new PortError(`target group ${arn} not found`, { code: 'TargetGroupNotFound', retryable: false });
    tg.targets = tg.targets.filter((x) => !targets.some((t) => t.id === x.id && (t.port ?? tg.port) === (x.port ?? tg.port)));
  }

  // --- triggers ---
  async getAlarmState(region: string, alarmName: string): Promise<{ state: AlarmState; reason?: string } | undefined> {
    this.record('getAlarmState', [region, alarmName]);
    return this.world.alarms.get(alarmName);
  }
  async getHealthCheckHealthy(id: string): Promise<boolean | undefined> {
    this.record('getHealthCheckHealthy', [id]);
    return this.world.healthChecks.get(id) ?? true;
  }
  async publish(topicArn: string, subject: string, message: string): Promise<void> {
    this.record('publish', [topicArn, subject, message]);
    this.world.published.push({ topicArn, subject, message });
  }
  async probe(url: string, timeoutSeconds: number): Promise<{ healthy: boolean; detail: string }> {
    this.record('probe', [url, timeoutSeconds]);
    return { ...this.world.probe };
  }
  async putMetrics(namespace: string, dimensions: Readonly<Record<string, string>>, values: ReadonlyArray<{ name: string; value: number }>): Promise<void> {
    this.record('putMetrics', [namespace, dimensions, values]);
    for (const v of values) this.world.metrics.push({ namespace, dimensions: { ...dimensions }, name: v.name, value: v.value });
  }
  async stopDbInstance(arn: string): Promise<void> {
    this.record('stopDbInstance', [arn]);
    this.world.stopped.push(arn);
  }
  async sendFollowUp(queueUrl: string, delaySeconds: number, body: string): Promise<void> {
    this.record('sendFollowUp', [queueUrl, delaySeconds, body]);
    this.world.followUps.push({ queueUrl, delaySeconds, body });
  }
  /** The last value put for a metric. */
  lastMetric(name: string): number | undefined {
    return this.world.metrics.filter((m) => m.name === name).at(-1)?.value;
  }
}
