/**
 * The RTO simulator (issue 14 item 4): the real pass (reconcileOnce: policy, planner, act, status) and the real
 * follow-up logic of the handler (followUp) on a simulated port whose resources change state on a simulated clock
 * with AWS-like durations, woken by the triggers as deployed. Compares three designs at several sizes:
 *
 *   seed        a seed-style sequential Lambda: promote, wait for it, then ASGs, services, targets; one invocation
 *               with a 5-minute timeout, retried by Lambda's asynchronous retries (modelled directly: not our code)
 *   resync      the product woken only by the alarm, the mode parameter change and the periodic resync (60 s)
 *   requeue     the product with requeue (the pass's requeueAfterSeconds as one delayed SQS message) and DR-region
 *               events (task RUNNING, instance launch, promotion finished) through the same queue, batched 2 s
 *
 *   node dist/bench/rto.js [--services 5,50,200] [--phases 12] [--json file]
 *
 * Time 0 is the primary's failure. Every number of the model is a field of RtoModel (BENCHMARKS.md cites each).
 */
import './quiet';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PortError } from '../reconciler/errors';
import { followUp } from '../reconciler/handler';
import type { AsgObservation, AwsPort, CapacityProviderItem, MixedInstancesPolicy, ReplicaObservation, ServiceObservation, Target, TargetGroupObservation, TaskAddress } from '../reconciler/port';
import { reconcileOnce, type Trigger } from '../reconciler/reconcile';
import type { DrEnvironment, TargetRegistration } from '../reconciler/spec';
import { FakePort } from '../test/support/fake-port';
import { asg, IN_SCOPE, sampleEnvironment, service, spotPolicy, targetGroup, tgArn } from '../test/support/fixtures';
import { fmt, markdownTable } from './stats';

/** The model's durations and the deployed triggers' settings; BENCHMARKS.md gives the public source of each. */
export interface RtoModel {
  /** PromoteReadReplica accepted → the instance standalone and `available` (it shows `modifying` meanwhile). */
  readonly promotionSeconds: number;
  /** UpdateService → a new Fargate task RUNNING. */
  readonly taskStartSeconds: number;
  /** UpdateAutoScalingGroup → a new instance InService. */
  readonly instanceInServiceSeconds: number;
  /** Health checks a new target must pass (ELB HealthyThresholdCount as the target groups set it) … */
  readonly targetHealthyChecks: number;
  /** … at this interval (ELB HealthCheckIntervalSeconds default). */
  readonly targetCheckIntervalSeconds: number;
  /** Route 53 health check: request interval … */
  readonly healthCheckIntervalSeconds: number;
  /** … and failures before it reports unhealthy. */
  readonly healthCheckFailureThreshold: number;
  /** The primary-health alarm: N breaching datapoints … */
  readonly alarmDatapoints: number;
  /** … of the last M periods (N consecutive breaching minutes reach ALARM; M only matters for gaps) … */
  readonly alarmEvaluationPeriods: number;
  /** … of this period. */
  readonly alarmPeriodSeconds: number;
  /** Round trip of one AWS API call (the wire benchmark's 50 ms). */
  readonly apiLatencyMs: number;
  /** Requests one SDK client has in flight at most (NodeHttpHandler's default maxSockets). */
  readonly clientMaxSockets: number;
  /** EventBridge rate of the periodic resync (environments/dr-pilot-light/terraform.tfvars). */
  readonly resyncSeconds: number;
  /** The requeue queue's event source MaximumBatchingWindowInSeconds (modules/dr-lambda/requeue.ts). */
  readonly batchWindowSeconds: number;
  /** A state change → its EventBridge event in the queue (or at the Lambda): an assumption, not a published figure. */
  readonly eventDeliverySeconds: number;
  /** The seed-style Lambda's timeout. */
  readonly seedTimeoutSeconds: number;
  /** Lambda's asynchronous-invocation retries after a failed (timed-out) attempt. */
  readonly seedRetryDelaysSeconds: readonly number[];
  /** The seed-style waiters' poll interval for RDS (boto3 db_instance_available: 30 s) … */
  readonly seedRdsPollSeconds: number;
  /** … and for instances and tasks (boto3 ECS services_stable, EC2 instance waiters: 15 s). */
  readonly seedComputePollSeconds: number;
  /**
   * ECS's token bucket for UpdateService (service modify actions), per account and Region: burst and refill per
   * second (ECS API Reference, "Request throttling for the Amazon ECS API": 50 and 5). Undefined: no throttling.
   */
  readonly updateServiceBucket?: { readonly burst: number; readonly refillPerSecond: number };
}

/** The durations this benchmark uses by default. */
export const DEFAULT_MODEL: RtoModel = {
  promotionSeconds: 300,
  taskStartSeconds: 40,
  instanceInServiceSeconds: 90,
  targetHealthyChecks: 2,
  targetCheckIntervalSeconds: 30,
  healthCheckIntervalSeconds: 30,
  healthCheckFailureThreshold: 3,
  alarmDatapoints: 2,
  alarmEvaluationPeriods: 3,
  alarmPeriodSeconds: 60,
  apiLatencyMs: 50,
  clientMaxSockets: 50,
  resyncSeconds: 60,
  batchWindowSeconds: 2,
  eventDeliverySeconds: 1,
  seedTimeoutSeconds: 300,
  seedRetryDelaysSeconds: [60, 120],
  seedRdsPollSeconds: 30,
  seedComputePollSeconds: 15,
};

/** When the alarm path notifies (both the seed and the product start there): Route 53 unhealthy, then N alarm periods. */
export function detectionSeconds(m: RtoModel): number {
  return m.healthCheckIntervalSeconds * m.healthCheckFailureThreshold + m.alarmDatapoints * m.alarmPeriodSeconds;
}

/** A new target's wait for its healthy checks. */
function targetHealthySeconds(m: RtoModel): number {
  return m.targetHealthyChecks * m.targetCheckIntervalSeconds;
}

/** The physical critical path: detection, then the longest chain if every action were issued the moment it could be. */
export function criticalPathSeconds(m: RtoModel): number {
  return detectionSeconds(m) + Math.max(m.promotionSeconds, m.instanceInServiceSeconds + targetHealthySeconds(m), m.taskStartSeconds + targetHealthySeconds(m));
}

// ---------------------------------------------------------------------------------------------------------------
// A virtual clock: timers in simulated milliseconds; the loop advances to the next timer once every promise chain
// of the real code has settled (they only wait on this clock: the port does no I/O).

/** Simulated time and its timers. */
export class VirtualClock {
  /** Simulated milliseconds since the primary failed. */
  nowMs: number;
  private timers: Array<{ atMs: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  constructor(startMs: number) {
    this.nowMs = startMs;
  }
  /** The clock as a Date (reconcileOnce's `now` option). */
  readonly now = (): Date => new Date(EPOCH_MS + this.nowMs);
  /** Runs `fn` at simulated time `atMs` (at once if that is past). */
  at(atMs: number, fn: () => void): void {
    this.timers.push({ atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn });
  }
  /** Resolves after `ms` of simulated time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.nowMs + ms, resolve));
  }
  /** Runs timers in time order until `done()` or `untilMs`; false when the time ran out. */
  async run(done: () => boolean, untilMs: number): Promise<boolean> {
    for (;;) {
      // Let every microtask chain of the real code reach its next simulated wait.
      await new Promise((r) => setImmediate(r));
      if (done()) return true;
      if (this.timers.length === 0) return false;
      this.timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      const next = this.timers.shift()!;
      if (next.atMs > untilMs) return false;
      this.nowMs = next.atMs;
      next.fn();
    }
  }
}

/** Simulated time 0 as a wall-clock date (only differences matter). */
const EPOCH_MS = Date.parse('2026-06-01T00:00:00Z');

/** A counting semaphore on the virtual clock: one SDK client's sockets. */
class Sockets {
  private inUse = 0;
  private waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.inUse++;
    try {
      return await fn();
    } finally {
      this.inUse--;
      this.waiting.shift()?.();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The simulated port: the fake port's world, with AWS's durations and per-call latency.

/** A physical state change that AWS reports as an EventBridge event in the DR region. */
export type WorldEvent = 'task-running' | 'instance-launched' | 'promotion-finished';

/**
 * The fake port with time: a promotion shows `modifying` for `promotionSeconds`; new tasks run after
 * `taskStartSeconds`; new instances are InService after `instanceInServiceSeconds`; new targets are `initial`
 * until their healthy checks pass. Every method waits one round trip per sequential AWS call the real port
 * (reconciler/aws.ts) makes for it, under the SDK's socket limit per client.
 */
export class SimPort extends FakePort {
  /** AWS API requests made, as the real port would make them. */
  requests = 0;
  private promotedAtMs?: number;
  private readonly readyAt = new Map<string, number>();
  private readonly sockets = new Map<string, Sockets>();
  /** Called when the mode parameter is written (EventBridge "Parameter Store Change"). */
  onModeWrite: () => void = () => undefined;
  /**
   * Set when the groups are attached to their owners (the shipped stack, targetRegistration "aws"): then AWS registers
   * a task when it is RUNNING and an instance when it is InService, by the owner's groups here, and the target turns
   * healthy after the group's checks. Otherwise only the reconciler's RegisterTargets puts targets in.
   */
  attached?: { readonly services: ReadonlyMap<string, ReadonlyArray<{ arn: string; port: number }>>; readonly asgs: ReadonlyMap<string, readonly string[]> };
  private readonly awsTargets = new Map<string, Array<{ id: string; port: number; registeredAtMs: number }>>();
  /** UpdateService calls ECS refused for its rate (the model's `updateServiceBucket`). */
  throttled = 0;
  private bucket?: { tokens: number; atMs: number };

  /** Takes a token from the UpdateService bucket; false when it is empty (AWS answers ThrottlingException). */
  private takeUpdateServiceToken(): boolean {
    const b = this.model.updateServiceBucket;
    if (!b) return true;
    const now = this.clock.nowMs;
    const state = this.bucket ?? { tokens: b.burst, atMs: now };
    state.tokens = Math.min(b.burst, state.tokens + ((now - state.atMs) / 1000) * b.refillPerSecond);
    state.atMs = now;
    this.bucket = state;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  constructor(
    private readonly clock: VirtualClock,
    private readonly model: RtoModel,
    private readonly onWorldEvent: (e: WorldEvent, atMs: number) => void,
  ) {
    super();
  }

  /** Every request's start, simulated ms, and API name, when `tracing` (the chain listing). */
  readonly trace: Array<{ atMs: number; api: string }> = [];
  tracing = false;

  /** `calls` requests of `api` to `client`, in parallel: one round trip (more when the client's sockets are full). */
  private async hop(client: string, calls: number, api: string): Promise<void> {
    let s = this.sockets.get(client);
    if (!s) this.sockets.set(client, (s = new Sockets(this.model.clientMaxSockets)));
    const sockets = s;
    this.requests += calls;
    await Promise.all(
      Array.from({ length: Math.max(1, calls) }, () =>
        sockets.use(() => {
          if (this.tracing) this.trace.push({ atMs: this.clock.nowMs, api });
          return this.clock.sleep(this.model.apiLatencyMs);
        }),
      ),
    );
  }

  private ready(key: string): boolean {
    const t = this.readyAt.get(key);
    return t !== undefined && t <= this.clock.nowMs;
  }

  private becomesReady(key: string, afterSeconds: number, event?: WorldEvent): void {
    const at = this.clock.nowMs + afterSeconds * 1000;
    this.readyAt.set(key, at);
    if (event) this.onWorldEvent(event, at);
  }

  // --- mode, state, signals, notifications: one call each ---
  override async getModeParameter(name: string) {
    await this.hop('ssm', 1, 'GetParameter');
    return super.getModeParameter(name);
  }
  override async putModeParameter(name: string, value: string): Promise<number> {
    await this.hop('ssm', 1, 'PutParameter');
    const v = await super.putModeParameter(name, value);
    // SSM's LastModifiedDate is the simulated time (the fake stamps the real clock).
    this.world.params.get(name)!.lastModified = this.clock.now();
    this.onModeWrite();
    return v;
  }
  override async acquireLease(...a: Parameters<FakePort['acquireLease']>) {
    await this.hop('dynamodb', 1, 'PutItem (lease)');
    return super.acquireLease(...a);
  }
  override async releaseLease(...a: Parameters<FakePort['releaseLease']>) {
    await this.hop('dynamodb', 1, 'DeleteItem (lease)');
    return super.releaseLease(...a);
  }
  override async readState<T>(table: string, key: string): Promise<T | undefined> {
    await this.hop('dynamodb', 1, `GetItem (${key})`);
    return super.readState<T>(table, key);
  }
  override async writeState<T>(table: string, key: string, doc: T): Promise<void> {
    await this.hop('dynamodb', 1, `PutItem (${key})`);
    return super.writeState(table, key, doc);
  }
  override async readStates(table: string, keys: readonly string[]): Promise<Record<string, unknown>> {
    await this.hop('dynamodb', 1, `BatchGetItem (${keys.join(', ')})`);
    return super.readStates(table, keys);
  }
  override async writeStateAndRelease<T>(table: string, key: string, doc: T, holder: string): Promise<boolean> {
    // One TransactWriteItems: the fake's own writes, without their requests.
    await this.hop('dynamodb', 1, `TransactWriteItems (${key}, lease)`);
    if (this.world.lease?.holder !== holder) return false;
    await FakePort.prototype.writeState.call(this, table, key, doc);
    await FakePort.prototype.releaseLease.call(this, table, holder);
    return true;
  }
  override async getAlarmState(region: string, alarmName: string) {
    await this.hop('cloudwatch-primary', 1, 'DescribeAlarms');
    return super.getAlarmState(region, alarmName);
  }
  override async getHealthCheckHealthy(id: string) {
    await this.hop('route53', 1, 'GetHealthCheckStatus');
    return super.getHealthCheckHealthy(id);
  }
  override async publish(topicArn: string, subject: string, message: string) {
    await this.hop('sns', 1, 'Publish');
    return super.publish(topicArn, subject, message);
  }
  override async putMetrics(...a: Parameters<FakePort['putMetrics']>) {
    await this.hop('cloudwatch', 1, 'PutMetricData');
    return super.putMetrics(...a);
  }
  /** Called with the delay of each follow-up sent (the requeue queue). */
  onFollowUp: (delaySeconds: number) => void = () => undefined;
  override async sendFollowUp(queueUrl: string, delaySeconds: number, body: string) {
    await this.hop('sqs', 1, 'SendMessage');
    await super.sendFollowUp(queueUrl, delaySeconds, body);
    this.onFollowUp(delaySeconds);
  }

  // --- observe ---
  override async describeReplica(identifier: string, withLag = true): Promise<ReplicaObservation> {
    // DescribeDBInstances and, when asked, GetMetricStatistics (ReplicaLag) at once, as the real port does.
    const r = this.world.replica!;
    await Promise.all([this.hop('rds', 1, 'DescribeDBInstances'), withLag ? this.hop('cloudwatch', 1, 'GetMetricStatistics') : undefined]);
    const promoting = this.promotedAtMs !== undefined && !this.ready('replica');
    if (this.promotedAtMs !== undefined && this.ready('replica') && r.isReplica) {
      r.isReplica = false;
      r.sourceIdentifier = undefined;
    }
    return { ...r, identifier, status: promoting ? 'modifying' : 'available' };
  }
  override async describeAsgs(names: readonly string[]): Promise<AsgObservation[]> {
    await this.hop('autoscaling', 1, 'DescribeAutoScalingGroups');
    const groups = await super.describeAsgs(names);
    return groups.map((g) => ({ ...g, instances: g.instances.map((i) => ({ ...i, lifecycleState: this.ready(i.instanceId) ? 'InService' : 'Pending' })) }));
  }
  override async describeServices(cluster: string, names: readonly string[]): Promise<ServiceObservation[]> {
    await this.hop('ecs', Math.ceil(names.length / 10), 'DescribeServices');
    const services = await super.describeServices(cluster, names);
    return services.map((s) => {
      const tasks = this.world.tasks.get(`${cluster}/${s.name}`) ?? [];
      const running = tasks.filter((t) => this.ready(t.taskArn)).length;
      return { ...s, runningCount: running, pendingCount: tasks.length - running, deployments: 1, primaryRolloutState: running === tasks.length ? 'COMPLETED' : 'IN_PROGRESS' };
    });
  }
  override async listServiceTasks(cluster: string, name: string): Promise<TaskAddress[]> {
    // ListTasks, then DescribeTasks for their addresses when there are any.
    await this.hop('ecs', 1, 'ListTasks');
    const tasks = (await super.listServiceTasks(cluster, name)).filter((t) => this.ready(t.taskArn));
    if (tasks.length > 0) await this.hop('ecs', 1, 'DescribeTasks');
    return tasks;
  }
  override async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupObservation[]> {
    // DescribeTargetHealth per group, in parallel (the ARNs are in the spec).
    await this.hop('elbv2', arns.length, 'DescribeTargetHealth');
    const groups = await super.describeTargetGroups(arns);
    return groups.map((g) => {
      const byAws = (this.awsTargets.get(g.arn) ?? []).filter((t) => t.registeredAtMs <= this.clock.nowMs).map((t) => ({ id: t.id, port: t.port, state: 'initial' }));
      return { ...g, targets: [...g.targets, ...byAws].map((t) => ({ ...t, state: this.ready(`${g.arn}|${t.id}|${t.port}`) ? 'healthy' : 'initial' })) };
    });
  }

  /** AWS registers `id` in the owner's attached groups once it is running, `afterSeconds` from now; healthy after the checks. */
  private awsRegisters(arns: ReadonlyArray<{ arn: string; port: number }>, id: string, afterSeconds: number): void {
    for (const g of arns) {
      const registeredAtMs = this.clock.nowMs + afterSeconds * 1000;
      this.awsTargets.set(g.arn, [...(this.awsTargets.get(g.arn) ?? []), { id, port: g.port, registeredAtMs }]);
      this.readyAt.set(`${g.arn}|${id}|${g.port}`, registeredAtMs + targetHealthySeconds(this.model) * 1000);
    }
  }

  // --- act ---
  override async promoteReplica(identifier: string): Promise<void> {
    await this.hop('rds', 1, 'PromoteReadReplica');
    if (this.promotedAtMs !== undefined) throw new PortError(`db instance ${identifier} is already being promoted`, { code: 'InvalidDBInstanceState', retryable: false });
    if (!this.world.replica?.isReplica) return super.promoteReplica(identifier);
    this.promotedAtMs = this.clock.nowMs;
    this.becomesReady('replica', this.model.promotionSeconds, 'promotion-finished');
  }
  override async updateAsg(input: { name: string; minSize: number; maxSize: number; desiredCapacity: number; mixedInstancesPolicy?: MixedInstancesPolicy }): Promise<void> {
    await this.hop('autoscaling', 1, 'UpdateAutoScalingGroup');
    const before = new Set(this.world.asgs.get(input.name)?.instances.map((i) => i.instanceId));
    await super.updateAsg(input);
    for (const i of this.world.asgs.get(input.name)!.instances) {
      if (before.has(i.instanceId)) continue;
      this.becomesReady(i.instanceId, this.model.instanceInServiceSeconds, 'instance-launched');
      const groups = (this.attached?.asgs.get(input.name) ?? []).map((arn) => ({ arn, port: this.world.targetGroups.get(arn)?.port ?? 8080 }));
      this.awsRegisters(groups, i.instanceId, this.model.instanceInServiceSeconds);
    }
  }
  override async updateService(input: { cluster: string; service: string; desiredCount: number; capacityProviderStrategy: readonly CapacityProviderItem[]; forceNewDeployment: boolean }): Promise<void> {
    await this.hop('ecs', 1, 'UpdateService');
    if (!this.takeUpdateServiceToken()) {
      this.throttled++;
      // Not retryable here: act's backoff sleeps on real timers, which this virtual clock does not drive. So the
      // model is harsher than AWS with the SDK: a throttled call fails its action for this pass at once (the real
      // port retries it up to 3 times, seconds apart), and the next pass (the requeue, 10 s later) tries again.
      throw new PortError(`ecs UpdateService ${input.cluster}/${input.service} failed: Rate exceeded (ThrottlingException)`, { code: 'ThrottlingException', retryable: false });
    }
    const key = `${input.cluster}/${input.service}`;
    const before = new Set((this.world.tasks.get(key) ?? []).map((t) => t.taskArn));
    await super.updateService(input);
    for (const t of this.world.tasks.get(key) ?? []) {
      if (before.has(t.taskArn)) continue;
      this.becomesReady(t.taskArn, this.model.taskStartSeconds, 'task-running');
      this.awsRegisters(this.attached?.services.get(key) ?? [], t.ip, this.model.taskStartSeconds);
    }
  }
  override async registerTargets(arn: string, targets: readonly Target[]): Promise<void> {
    await this.hop('elbv2', 1, 'RegisterTargets');
    await super.registerTargets(arn, targets);
    const port = this.world.targetGroups.get(arn)?.port;
    for (const t of targets) if (!this.readyAt.has(`${arn}|${t.id}|${t.port ?? port}`)) this.becomesReady(`${arn}|${t.id}|${t.port ?? port}`, targetHealthySeconds(this.model));
  }
  override async deregisterTargets(arn: string, targets: readonly Target[]): Promise<void> {
    await this.hop('elbv2', 1, 'DeregisterTargets');
    return super.deregisterTargets(arn, targets);
  }

  /** When every managed resource is physically ready (promoted, in service, running, healthy), if it is. */
  physicallyReadyAtMs(): number | undefined {
    const keys = [...this.readyAt.keys()];
    const targetKeys = keys.filter((k) => k.includes('|'));
    if (this.promotedAtMs === undefined) return undefined;
    const wantedTargets = [...this.world.asgs.values()].reduce((n, a) => n + a.instances.length * this.asgTargetGroups(a.name), 0) + [...this.world.tasks.values()].reduce((n, t) => n + t.length, 0);
    if (targetKeys.length < wantedTargets) return undefined;
    const latest = Math.max(...keys.map((k) => this.readyAt.get(k)!));
    return latest <= this.clock.nowMs ? latest : undefined;
  }
  /** Target groups per ASG, set by the scenario. */
  asgTargetGroups: (asgName: string) => number = () => 1;
}

// ---------------------------------------------------------------------------------------------------------------
// The environment: the runbook's database and two ASGs (4 instance target groups), and N services, each behind its
// own ip target group (frontend 2 tasks, the others 1).

const ASG_TARGET_GROUPS: Readonly<Record<string, readonly string[]>> = { 'dr-jenkins': ['jenkins'], 'dr-monitoring': ['prometheus', 'grafana', 'jaeger'] };
const serviceName = (i: number) => ['frontend', 'notification-service', 'user-service', 'task-api', 'kafka'][i] ?? `svc-${String(i).padStart(3, '0')}`;

/** The spec of the simulated environment with `services` ECS services, each behind its own target group or (as the emulator seed) only frontend. */
/** Who registers the simulated targets (`--registration`): AWS, as the shipped stack has it, unless told otherwise. */
export const simSettings: { registration: TargetRegistration } = { registration: 'aws' };

export function simEnvironment(services: number, everyServiceBehindATargetGroup = true, registration: TargetRegistration = simSettings.registration): DrEnvironment {
  const asgSpec = (name: string) => ({
    name,
    pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
    active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 },
    targetGroupArns: ASG_TARGET_GROUPS[name].map(tgArn),
    targetRegistration: registration,
  });
  return sampleEnvironment({
    autoScalingGroups: Object.keys(ASG_TARGET_GROUPS).map(asgSpec),
    ecsServices: Array.from({ length: services }, (_, i) => ({
      cluster: 'dr',
      name: serviceName(i),
      pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
      active: { desiredCount: i === 0 ? 2 : 1, capacityProvider: 'FARGATE' },
      loadBalancers: everyServiceBehindATargetGroup || i === 0 ? [{ targetGroupArn: tgArn(serviceName(i)), port: 8080 }] : [],
      targetRegistration: registration,
    })),
  });
}

/** Puts the pilot-light world into the port: replica replicating, ASGs at 0 on spot, services at 0, groups empty. */
function seedWorld(port: SimPort, env: DrEnvironment): void {
  const w = port.world;
  port.setMode(env.spec.modeParameter, 'pilot-light', new Date(EPOCH_MS - 3600_000));
  w.replica = { identifier: 'app-replica', exists: true, status: 'available', isReplica: true, sourceIdentifier: 'arn:aws:rds:us-east-1:123456789012:db:app-primary', replicaLagSeconds: 2, tags: IN_SCOPE };
  for (const name of Object.keys(ASG_TARGET_GROUPS)) {
    w.asgs.set(name, { ...asg(name), mixedInstancesPolicy: spotPolicy(0), instances: [] });
    for (const tg of ASG_TARGET_GROUPS[name]) w.targetGroups.set(tgArn(tg), { ...targetGroup(tg), targets: [] });
  }
  for (const s of env.spec.ecsServices) {
    w.services.set(`dr/${s.name}`, { ...service(s.name), capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }] });
    for (const lb of s.loadBalancers) w.targetGroups.set(lb.targetGroupArn, { ...targetGroup(s.name, [], 'ip'), targets: [] });
  }
  w.alarms.set('dr-primary-health', { state: 'OK' });
  w.healthChecks.set('hc-1', true);
  port.asgTargetGroups = (n) => ASG_TARGET_GROUPS[n]?.length ?? 0;
  const attached = env.spec.autoScalingGroups.some((a) => a.targetRegistration === 'aws');
  port.attached = attached
    ? {
        services: new Map(env.spec.ecsServices.map((s) => [`${s.cluster}/${s.name}`, s.loadBalancers.map((l) => ({ arn: l.targetGroupArn, port: l.port }))])),
        asgs: new Map(env.spec.autoScalingGroups.map((a) => [a.name, a.targetGroupArns])),
      }
    : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The deployed triggers: one Lambda with reserved concurrency 1.

/** Which product design runs. */
export type ProductDesign = 'resync' | 'requeue';

/** What one simulated failover of the product did. */
export interface ProductRun {
  readonly design: ProductDesign;
  readonly services: number;
  /** The resync schedule's offset from the failure, seconds. */
  readonly resyncPhaseSeconds: number;
  /** From the failure to the end of the pass that records Ready=True in active mode, seconds (undefined: never). */
  readonly rtoSeconds?: number;
  /** When everything was physically ready, seconds. */
  readonly physicalReadySeconds?: number;
  readonly passes: number;
  readonly passesByTrigger: Readonly<Record<string, number>>;
  /** Median and longest pass, simulated seconds. */
  readonly passMedianSeconds: number;
  readonly passMaxSeconds: number;
  readonly requests: number;
  /** UpdateService calls ECS refused for its rate (with `--throttle`). */
  readonly throttled: number;
  /** The end of the pass that issued the promotion (and the first round with it), seconds. */
  readonly firstActionsIssuedSeconds?: number;
}

/** Simulates one failover of the product. */
export async function simulateProduct(model: RtoModel, design: ProductDesign, services: number, resyncPhaseSeconds: number): Promise<ProductRun> {
  const env = simEnvironment(services);
  const startMs = -100_000;
  const clock = new VirtualClock(startMs);
  const queueUrl = design === 'requeue' ? 'https://sqs.us-west-2.amazonaws.com/123456789012/dr-dr-failover-requeue' : undefined;

  // The requeue queue: a message visible opens a batch that the event source delivers one window later.
  let batchOpen = false;
  const messageVisible = () => {
    if (batchOpen) return;
    batchOpen = true;
    clock.at(clock.nowMs + model.batchWindowSeconds * 1000, () => {
      batchOpen = false;
      invoke({ kind: 'requeue' });
    });
  };
  const port = new SimPort(clock, model, (_e, atMs) => {
    if (queueUrl) clock.at(atMs + model.eventDeliverySeconds * 1000, messageVisible);
  });
  port.onFollowUp = (delaySeconds) => clock.at(clock.nowMs + delaySeconds * 1000, messageVisible);
  port.onModeWrite = () => clock.at(clock.nowMs + model.eventDeliverySeconds * 1000, () => invoke({ kind: 'parameter-change' }));
  seedWorld(port, env);

  // Reserved concurrency 1: an invocation while a pass runs waits for it; what waits together is one pass
  // (level-triggered: every kind but the alarm, which carries intent, does the same work).
  const pending: Trigger[] = [];
  let busy = false;
  let rtoMs: number | undefined;
  let firstActionsMs: number | undefined;
  const passTimes: number[] = [];
  const byTrigger: Record<string, number> = {};
  const runPass = async (trigger: Trigger) => {
    const t0 = clock.nowMs;
    const r = await reconcileOnce(port, env, { trigger, now: clock.now, leaseWaitMs: 0, holder: `pass-${passTimes.length}` });
    if (queueUrl && r.requeueAfterSeconds !== undefined) await followUp(port, env.spec.stateTable, queueUrl, r.requeueAfterSeconds, clock.now());
    passTimes.push(clock.nowMs - t0);
    byTrigger[trigger.kind] = (byTrigger[trigger.kind] ?? 0) + 1;
    if (firstActionsMs === undefined && r.results.some((a) => a.action.kind === 'PromoteReplica' && a.ok)) firstActionsMs = clock.nowMs;
    if (rtoMs === undefined && clock.nowMs > 0 && r.outcome === 'Converged' && r.status?.mode === 'active') rtoMs = clock.nowMs;
  };
  const drain = async () => {
    busy = true;
    while (pending.length > 0) {
      const alarm = pending.findIndex((t) => t.kind === 'alarm');
      const batch = alarm >= 0 ? pending.splice(alarm, 1) : pending.splice(0);
      await runPass(batch.find((t) => t.kind === 'parameter-change') ?? batch[0]);
    }
    busy = false;
  };
  const invoke = (t: Trigger) => {
    pending.push(t);
    if (!busy) void drain();
  };

  // Before the failure: one pass in pilot light writes the status a deployed system would have.
  invoke({ kind: 'manual' });
  await clock.run(() => !busy, 0);
  // The failure at 0: Route 53 unhealthy after its threshold, the alarm (and its SNS notification) N periods later.
  clock.at(model.healthCheckIntervalSeconds * model.healthCheckFailureThreshold * 1000, () => port.world.healthChecks.set('hc-1', false));
  clock.at(detectionSeconds(model) * 1000, () => {
    port.world.alarms.set('dr-primary-health', { state: 'ALARM', reason: `Threshold Crossed: ${model.alarmDatapoints} out of the last ${model.alarmEvaluationPeriods} datapoints were less than the threshold (1.0)` });
    invoke({ kind: 'alarm', alarmName: 'dr-primary-health' });
  });
  const tick = (atMs: number) =>
    clock.at(atMs, () => {
      invoke({ kind: 'resync' });
      tick(atMs + model.resyncSeconds * 1000);
    });
  tick(resyncPhaseSeconds * 1000);

  await clock.run(() => rtoMs !== undefined && !busy, 3 * 3600_000);
  const sorted = [...passTimes].sort((a, b) => a - b);
  const physical = port.physicallyReadyAtMs();
  return {
    design,
    services,
    resyncPhaseSeconds,
    rtoSeconds: rtoMs !== undefined ? rtoMs / 1000 : undefined,
    physicalReadySeconds: physical !== undefined ? physical / 1000 : undefined,
    passes: passTimes.length - 1,
    passesByTrigger: byTrigger,
    passMedianSeconds: sorted[Math.floor(sorted.length / 2)] / 1000,
    passMaxSeconds: sorted[sorted.length - 1] / 1000,
    requests: port.requests,
    throttled: port.throttled,
    firstActionsIssuedSeconds: firstActionsMs !== undefined ? firstActionsMs / 1000 : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The seed-style sequential Lambda, modelled directly (it is not our code): each call one round trip, waiters poll.

/** What the seed-style Lambda did. */
export interface SeedRun {
  readonly services: number;
  readonly rtoSeconds?: number;
  readonly invocations: number;
  readonly timedOut: number;
  readonly lastCallSeconds?: number;
}

/** The seed-style design: promote, wait for it, then ASGs, services, wait for instances, register targets. */
export function simulateSeed(model: RtoModel, services: number): SeedRun {
  const lat = model.apiLatencyMs / 1000;
  const detection = detectionSeconds(model);
  const healthy = targetHealthySeconds(model);
  const instanceTargets = Object.values(ASG_TARGET_GROUPS).reduce((n, g) => n + g.length, 0);
  let promotedAt: number | undefined;
  let start = detection;
  let timedOut = 0;
  for (let attempt = 0; attempt <= model.seedRetryDelaysSeconds.length; attempt++) {
    const deadline = start + model.seedTimeoutSeconds;
    let t = start;
    const killed = () => t > deadline;
    // DescribeDBInstances; PromoteReadReplica unless the instance is promoting or promoted (generous: the seed
    // would fail on RDS's refusal; here a retry carries on).
    t += lat;
    if (promotedAt === undefined) {
      t += lat;
      promotedAt = t;
    }
    // Waiter: DescribeDBInstances every poll until available.
    while (t < promotedAt + model.promotionSeconds && !killed()) t += model.seedRdsPollSeconds + lat;
    if (!killed()) {
      t += 2 * lat; // UpdateAutoScalingGroup × 2, one after another
      const instancesAt = t + model.instanceInServiceSeconds;
      t += services * lat; // UpdateService, one after another
      const lastTaskAt = t + model.taskStartSeconds;
      // Wait for the instances (and tasks) to be usable, polling.
      const usableAt = Math.max(instancesAt, lastTaskAt);
      while (t < usableAt && !killed()) t += model.seedComputePollSeconds + lat;
      if (!killed()) {
        t += (instanceTargets + services) * lat; // RegisterTargets per group, one after another
        if (!killed()) {
          // The last target registered passes its checks `healthy` later; nothing else is slower by then.
          return { services, rtoSeconds: Math.max(t + healthy, promotedAt + model.promotionSeconds), invocations: attempt + 1, timedOut, lastCallSeconds: t };
        }
      }
    }
    timedOut++;
    if (attempt < model.seedRetryDelaysSeconds.length) start = deadline + model.seedRetryDelaysSeconds[attempt];
  }
  return { services, invocations: model.seedRetryDelaysSeconds.length + 1, timedOut };
}

// ---------------------------------------------------------------------------------------------------------------
// The pass's own chain, without emulator noise: AWS answers at once (as moto does), each call takes exactly the
// latency, the CPU is free, so the pass time divided by the latency is its number of sequential round trips.

/** The sequential round trips of one pass and what they were. */
export interface PassChain {
  readonly services: number;
  readonly concurrency: number;
  /** The pilot-light → active pass (parameter-change trigger). */
  readonly upRoundTrips: number;
  readonly upRequests: number;
  readonly upOutcome: string;
  /** The round trips one after another, each as the APIs that started together, runs of equal ones folded. */
  readonly upChain: readonly string[];
  /** A converged resync in active mode. */
  readonly noopRoundTrips: number;
  readonly noopRequests: number;
  readonly noopChain: readonly string[];
}

/** Folds a trace into its waves: APIs started at the same simulated instant, then runs of equal waves. */
function waves(trace: ReadonlyArray<{ atMs: number; api: string }>): string[] {
  const byTime = new Map<number, Map<string, number>>();
  for (const t of trace) {
    const m = byTime.get(t.atMs) ?? new Map<string, number>();
    m.set(t.api, (m.get(t.api) ?? 0) + 1);
    byTime.set(t.atMs, m);
  }
  const labels = [...byTime.keys()].sort((a, b) => a - b).map((k) => [...byTime.get(k)!].map(([api, n]) => (n > 1 ? `${api} ×${n}` : api)).join(' + '));
  const out: string[] = [];
  for (let i = 0; i < labels.length; ) {
    let j = i;
    while (j < labels.length && labels[j] === labels[i]) j++;
    out.push(j - i > 1 ? `${j - i} × [${labels[i]}]` : labels[i]);
    i = j;
  }
  return out;
}

/** The pilot-light → active pass and a converged pass on an instant world (the emulator's environment shape). */
export async function passChain(services: number, concurrency: number, latencyMs = DEFAULT_MODEL.apiLatencyMs): Promise<PassChain> {
  const instant: RtoModel = { ...DEFAULT_MODEL, promotionSeconds: 0, taskStartSeconds: 0, instanceInServiceSeconds: 0, targetHealthyChecks: 0, apiLatencyMs: latencyMs };
  const base = simEnvironment(services, false);
  const env: DrEnvironment = { ...base, spec: { ...base.spec, concurrency } };
  const clock = new VirtualClock(0);
  const port = new SimPort(clock, instant, () => undefined);
  seedWorld(port, env);
  const pass = async (trigger: Trigger) => {
    port.trace.length = 0;
    const r0 = port.requests;
    const t0 = clock.nowMs;
    let outcome = '';
    void reconcileOnce(port, env, { trigger, now: clock.now, leaseWaitMs: 0 }).then((r) => (outcome = r.outcome));
    await clock.run(() => outcome !== '', 3600_000);
    return { roundTrips: (clock.nowMs - t0) / latencyMs, requests: port.requests - r0, outcome, chain: waves(port.trace) };
  };
  await pass({ kind: 'manual' });
  // A promotion shows as `modifying` for an instant; the next observation sees it standalone.
  clock.nowMs += 1000;
  port.setMode(env.spec.modeParameter, 'active', clock.now());
  port.tracing = true;
  const up = await pass({ kind: 'parameter-change' });
  clock.nowMs += 1000;
  const noop = await pass({ kind: 'resync' });
  return { services, concurrency, upRoundTrips: up.roundTrips, upRequests: up.requests, upOutcome: up.outcome, upChain: up.chain, noopRoundTrips: noop.roundTrips, noopRequests: noop.requests, noopChain: noop.chain };
}

// ---------------------------------------------------------------------------------------------------------------

/** One design at one size: the RTO over the resync phases. */
export interface RtoRow {
  readonly design: 'seed' | ProductDesign;
  readonly services: number;
  readonly rtoMedianSeconds?: number;
  readonly rtoMaxSeconds?: number;
  readonly criticalPathSeconds: number;
  readonly addedMedianSeconds?: number;
  readonly addedMaxSeconds?: number;
  readonly passesMedian?: number;
  readonly passMaxSeconds?: number;
  readonly note: string;
}

const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs every design at every size; the product over `phases` evenly spaced resync phases. */
export async function runRto(model: RtoModel, sizes: readonly number[], phases: number, progress: (l: string) => void): Promise<{ rows: RtoRow[]; runs: ProductRun[]; seeds: SeedRun[] }> {
  const rows: RtoRow[] = [];
  const runs: ProductRun[] = [];
  const seeds: SeedRun[] = [];
  const cp = criticalPathSeconds(model);
  for (const services of sizes) {
    const seed = simulateSeed(model, services);
    seeds.push(seed);
    rows.push({
      design: 'seed',
      services,
      rtoMedianSeconds: seed.rtoSeconds,
      rtoMaxSeconds: seed.rtoSeconds,
      criticalPathSeconds: cp,
      addedMedianSeconds: seed.rtoSeconds !== undefined ? seed.rtoSeconds - cp : undefined,
      addedMaxSeconds: seed.rtoSeconds !== undefined ? seed.rtoSeconds - cp : undefined,
      note: `${seed.invocations} invocation(s), ${seed.timedOut} timed out`,
    });
    for (const design of ['resync', 'requeue'] as const) {
      const mine: ProductRun[] = [];
      for (let p = 0; p < phases; p++) {
        const r = await simulateProduct(model, design, services, (p * model.resyncSeconds) / phases);
        mine.push(r);
        runs.push(r);
      }
      const rto = mine.map((r) => r.rtoSeconds).filter((x): x is number => x !== undefined);
      const never = mine.length - rto.length;
      rows.push({
        design,
        services,
        rtoMedianSeconds: never === 0 ? median(rto) : undefined,
        rtoMaxSeconds: never === 0 ? Math.max(...rto) : undefined,
        criticalPathSeconds: cp,
        addedMedianSeconds: never === 0 ? median(rto) - cp : undefined,
        addedMaxSeconds: never === 0 ? Math.max(...rto) - cp : undefined,
        passesMedian: median(mine.map((r) => r.passes)),
        passMaxSeconds: Math.max(...mine.map((r) => r.passMaxSeconds)),
        note: never > 0 ? `${never} of ${mine.length} phases never reached Ready` : `passes by trigger (phase 0): ${JSON.stringify(mine[0].passesByTrigger)}`,
      });
      progress(`${design}, ${services} services: RTO median ${fmt(median(rto), 1)} s, max ${fmt(Math.max(...rto), 1)} s over ${mine.length} resync phases`);
    }
  }
  return { rows, runs, seeds };
}

const DESIGN_LABEL: Record<RtoRow['design'], string> = {
  seed: '(a) seed-style sequential Lambda',
  resync: '(b) product, resync 60 s only',
  requeue: '(c) product, requeue + events',
};

/** The results table (markdown). */
export function rtoTable(rows: readonly RtoRow[]): string {
  const s = (v: number | undefined) => (v === undefined ? 'never' : fmt(v, 1));
  return markdownTable(
    ['design', 'services', 'RTO median s', 'RTO max s', 'critical path s', 'added median s', 'added max s', 'seed added ÷ added (median)', 'passes (median)', 'longest pass s'],
    rows.map((r) => {
      const seed = rows.find((x) => x.design === 'seed' && x.services === r.services);
      const ratio = r.design !== 'seed' && seed?.addedMedianSeconds !== undefined && r.addedMedianSeconds ? fmt(seed.addedMedianSeconds / r.addedMedianSeconds, 1) : '–';
      return [DESIGN_LABEL[r.design], String(r.services), s(r.rtoMedianSeconds), s(r.rtoMaxSeconds), fmt(r.criticalPathSeconds, 0), s(r.addedMedianSeconds), s(r.addedMaxSeconds), ratio, r.passesMedian === undefined ? '1 invocation chain' : fmt(r.passesMedian, 0), r.passMaxSeconds === undefined ? '–' : fmt(r.passMaxSeconds, 2)];
    }),
  );
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const sizes = arg('--services', '5,50,200').split(',').map(Number);
  const phases = Number(arg('--phases', '12'));
  const json = arg('--json', '');
  const log = (l: string) => process.stderr.write(`· ${l}\n`);
  const promotion = arg('--promotion-seconds', '');
  const base: RtoModel = promotion ? { ...DEFAULT_MODEL, promotionSeconds: Number(promotion) } : DEFAULT_MODEL;
  // --throttle: ECS's documented UpdateService bucket (50, refilled 5/s), which moto and the plain model lack.
  const model: RtoModel = process.argv.includes('--throttle') ? { ...base, updateServiceBucket: { burst: 50, refillPerSecond: 5 } } : base;
  const registration = arg('--registration', 'aws');
  if (registration !== 'aws' && registration !== 'reconciler') throw new Error(`--registration must be aws or reconciler, got: ${registration}`);
  simSettings.registration = registration;
  if (process.argv.includes('--chain')) {
    for (const services of sizes) {
      for (const c of arg('--concurrency', '4').split(',').map(Number)) {
        const ch = await passChain(services, c);
        process.stdout.write(
          `### ${services} services, concurrency ${c}: up pass ${fmt(ch.upRoundTrips, 1)} round trips (${ch.upRequests} requests, ${ch.upOutcome}); converged pass ${fmt(ch.noopRoundTrips, 1)} round trips (${ch.noopRequests} requests)\n\n` +
            `up: ${ch.upChain.map((w, i) => `${i + 1}. ${w}`).join('; ')}\n\nconverged: ${ch.noopChain.map((w, i) => `${i + 1}. ${w}`).join('; ')}\n\n`,
        );
      }
    }
    return;
  }
  const started = Date.now();
  const { rows, runs, seeds } = await runRto(model, sizes, phases, log);
  process.stdout.write(
    `## RTO simulator — detection ${detectionSeconds(model)} s, critical path ${criticalPathSeconds(model)} s, ${model.apiLatencyMs} ms per AWS call, ${phases} resync phases per product row\n\n${rtoTable(rows)}\n\n` +
      `model: ${JSON.stringify(model)}\n\nsimulated in ${((Date.now() - started) / 1000).toFixed(1)} s of wall time\n`,
  );
  if (json) {
    mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
    writeFileSync(json, `${JSON.stringify({ model, rows, runs, seeds }, null, 2)}\n`);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:rto failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
