/**
 * One reconcile pass: lease → mode → triggers → (observe → plan → act)* → status → release.
 *
 * Level-triggered: the trigger only adds intent (start a drill, re-check an alarm); convergence is always
 * computed from the mode parameter and what is observed. A pass never sleeps waiting for AWS: it issues
 * what it can, re-observes at most a few times to chain steps that became possible (targets after
 * instances), and reports Progressing for the rest; the next pass continues.
 */
import { randomUUID } from 'node:crypto';
import { act, type ActionResult } from './act';
import { errorMessage, InvalidSpecError } from './errors';
import { observe } from './observe';
import { describeAction, plan, type Action, type Desired, type Plan } from './plan';
import type { AwsPort, ModeParameter } from './port';
import { parseMode, type DrEnvironment, type Mode } from './spec';
import {
  conditionsFor,
  DRILL_HISTORY,
  initialStatus,
  resourceStatuses,
  setCondition,
  STATUS_KEY,
  type DatabasePromotion,
  type DrillRecord,
  type DrStatus,
  type ModeRequest,
  type Outcome,
} from './status';

/** State-table key of the last mode request (who set the mode and why). */
export const MODE_REQUEST_KEY = 'mode-request';

/** What woke the pass. The pass converges the same way whatever it is; some add intent first. */
export type Trigger =
  | { readonly kind: 'manual' }
  | { readonly kind: 'parameter-change' }
  | { readonly kind: 'resync' }
  | { readonly kind: 'alarm'; readonly alarmName?: string }
  | { readonly kind: 'start-drill'; readonly durationMinutes?: number; readonly startedBy: string };

/** Structured logger (Powertools Logger fits). */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Metric sink (Powertools Metrics fits through an adapter). */
export interface MetricSink {
  add(name: string, value: number, unit: 'Count' | 'Seconds'): void;
}

/** Options of one pass. */
export interface PassOptions {
  readonly trigger: Trigger;
  /** The clock, injected so tests can move time. @default () => new Date() */
  readonly now?: () => Date;
  /** Lease holder id. @default a random id */
  readonly holder?: string;
  readonly log?: Log;
  readonly metrics?: MetricSink;
  /** How many observe→act rounds one pass may chain. @default 3 */
  readonly maxRounds?: number;
  /** How long to wait for another pass's lease. @default 20 s for alarm and drill-start triggers, else 0 */
  readonly leaseWaitMs?: number;
  /** Whole-action retries and first backoff (tests make them small). */
  readonly retries?: number;
  readonly minBackoffMs?: number;
}

/** What a pass did. */
export interface PassResult {
  /** `Locked` when another pass held the lease; `InvalidSpec` when the mode value was bad (zero writes). */
  readonly outcome: Outcome | 'Locked' | 'InvalidSpec';
  readonly status?: DrStatus;
  /** Every action issued, with its result. */
  readonly results: readonly ActionResult[];
  /** Human messages about trigger decisions (alarm ignored, drill refused, …). */
  readonly notes: readonly string[];
  /** drctl exit code: 0 converged, 3 progressing, 1 degraded or failed, 2 invalid input. */
  readonly exitCode: number;
}

/** drctl's exit code for an outcome. */
export function exitCodeFor(outcome: PassResult['outcome']): number {
  switch (outcome) {
    case 'Converged':
      return 0;
    case 'Progressing':
    case 'Locked':
      return 3;
    case 'InvalidSpec':
      return 2;
    case 'Degraded':
      return 1;
  }
}

const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noMetrics: MetricSink = { add: () => undefined };

/** Runs one pass. Never throws for AWS failures of single resources; throws only if the state table is unusable. */
export async function reconcileOnce(port: AwsPort, env: DrEnvironment, opts: PassOptions): Promise<PassResult> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? silentLog;
  const metrics = opts.metrics ?? noMetrics;
  const holder = opts.holder ?? `pass-${randomUUID()}`;
  const spec = env.spec;
  const started = now();

  if (!(await acquireLease(port, spec.stateTable, holder, spec.leaseSeconds, now, leaseWaitMs(opts)))) {
    log.warn('Another reconcile pass holds the lease; this pass makes no changes', { table: spec.stateTable });
    return { outcome: 'Locked', results: [], notes: ['another pass holds the lease: no changes made'], exitCode: exitCodeFor('Locked') };
  }
  try {
    return await passUnderLease(port, env, opts, { now, log, metrics, started });
  } finally {
    await port.releaseLease(spec.stateTable, holder).catch((err) => log.warn('Could not release the lease', { error: errorMessage(err) }));
  }
}

/**
 * How long a pass waits for another pass's lease. Triggers that carry intent (an alarm, a drill start) would
 * be lost if dropped, so they wait a little: passes are short. Level-triggered ones need not: the next
 * pass does the same work.
 */
function leaseWaitMs(opts: PassOptions): number {
  if (opts.leaseWaitMs !== undefined) return opts.leaseWaitMs;
  return opts.trigger.kind === 'alarm' || opts.trigger.kind === 'start-drill' ? 20_000 : 0;
}

async function acquireLease(port: AwsPort, table: string, holder: string, ttlSeconds: number, now: () => Date, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await port.acquireLease({ table, holder, now: now(), ttlSeconds })) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
}

interface Ctx {
  readonly now: () => Date;
  readonly log: Log;
  readonly metrics: MetricSink;
  readonly started: Date;
}

async function passUnderLease(port: AwsPort, env: DrEnvironment, opts: PassOptions, ctx: Ctx): Promise<PassResult> {
  const { spec } = env;
  const { log, metrics, started } = ctx;
  const notes: string[] = [];
  const prev = (await port.readState<DrStatus>(spec.stateTable, STATUS_KEY)) ?? initialStatus(env.metadata.name);
  const notifier = makeNotifier(port, env, log);

  // --- the desired mode (rule S6: a bad value changes nothing but the status) ---
  let param = await port.getModeParameter(spec.modeParameter);
  let mode: Mode;
  try {
    mode = parseMode(param?.value, `mode parameter ${spec.modeParameter}`);
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err;
    const message = err.problems.join('; ');
    log.error(`Invalid mode value: ${message}. No changes made.`, { parameter: spec.modeParameter, value: param?.value });
    metrics.add('InvalidSpec', 1, 'Count');
    const status = invalidStatus(prev, param, message, ctx.now());
    await port.writeState(spec.stateTable, STATUS_KEY, status);
    if (prev.observedGeneration !== status.observedGeneration || prev.mode !== null) {
      await notifier('Invalid DR mode value', `DR ${env.metadata.name}: ${message}. The reconciler made no changes.`, { event: 'InvalidSpec', problems: err.problems });
    }
    return { outcome: 'InvalidSpec', status, results: [], notes: [message], exitCode: exitCodeFor('InvalidSpec') };
  }
  let generation = param!.version;
  let modeRequest = await currentModeRequest(port, spec.stateTable, param!);
  let drill = prev.drill && !prev.drill.outcome ? prev.drill : undefined;
  let drillHistory = [...prev.drillHistory];
  let failover = { ...(prev.failover ?? {}) };
  const endDrill = (d: DrillRecord, outcome: NonNullable<DrillRecord['outcome']>, reason: string) => {
    const ended: DrillRecord = { ...d, outcome, outcomeReason: reason, endedAt: ctx.now().toISOString() };
    drillHistory = [ended, ...drillHistory].slice(0, DRILL_HISTORY);
    drill = undefined;
    log.info(`Drill ${d.id} ended: ${outcome} (${reason})`, { drill: ended });
    metrics.add('DrillOutcome', outcome === 'Passed' ? 1 : 0, 'Count');
    return notifier(`DR drill ${outcome.toLowerCase()}`, `DR ${env.metadata.name}: drill ${d.id} ended ${outcome}: ${reason}.`, { event: 'DrillEnded', drill: ended });
  };
  const writeMode = async (value: Mode, request: Omit<ModeRequest, 'modeVersion' | 'at' | 'mode'>) => {
    const version = await port.putModeParameter(spec.modeParameter, value);
    const req: ModeRequest = { ...request, mode: value, at: ctx.now().toISOString(), modeVersion: version };
    await port.writeState(spec.stateTable, MODE_REQUEST_KEY, req);
    param = { value, version, lastModified: ctx.now() };
    mode = value;
    generation = version;
    modeRequest = req;
    return version;
  };

  // --- a drill whose mode write was overwritten is no longer in control (S4) ---
  if (drill && generation !== drill.modeVersion) {
    await endDrill(drill, 'Superseded', `the mode parameter was changed to ${mode} (version ${generation}) by ${modeRequest?.source ?? 'someone'} during the drill`);
  }

  // --- trigger intent ---
  const trigger = opts.trigger;
  if (trigger.kind === 'start-drill') {
    if (mode === 'active') {
      notes.push(`drill not started: DR is already active (${drill ? `drill ${drill.id} running` : `mode set by ${modeRequest?.source ?? 'unknown'}`})`);
      log.warn(notes[notes.length - 1]);
    } else {
      const durationMinutes = trigger.durationMinutes ?? spec.drill.durationMinutes;
      const t = ctx.now();
      const version = await writeMode('active', { source: 'drill', reason: `monthly DR drill (${durationMinutes} min)`, by: trigger.startedBy });
      drill = {
        id: `drill-${t.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`,
        startedAt: t.toISOString(),
        expiresAt: new Date(t.getTime() + durationMinutes * 60_000).toISOString(),
        durationMinutes,
        modeVersion: version,
        startedBy: trigger.startedBy,
      };
      log.info(`Starting DR drill ${drill.id} for ${durationMinutes} minutes`, { drill });
      await notifier('DR drill started', `DR ${env.metadata.name}: drill ${drill.id} started by ${trigger.startedBy}; DR region active until ${drill.expiresAt}. The database will not be promoted.`, { event: 'DrillStarted', drill });
    }
  }

  const alarm = spec.failover.alarmName ? await readAlarm(port, spec.failover.alarmRegion, spec.failover.alarmName, log) : undefined;
  const automaticFailover = async (source: 'alarm' | 'health-check', reason: string) => {
    const last = failover.lastAutomaticAt ? Date.parse(failover.lastAutomaticAt) : undefined;
    const t = ctx.now();
    if (last !== undefined && t.getTime() - last < spec.failover.minIntervalMinutes * 60_000) {
      notes.push(`automatic failover suppressed: the last one was at ${failover.lastAutomaticAt}, less than ${spec.failover.minIntervalMinutes} minutes ago`);
      log.warn(notes[notes.length - 1]);
      return;
    }
    if (drill) await endDrill(drill, 'Superseded', `a real failover (${source}: ${reason}) took over during the drill`);
    await writeMode('active', { source, reason });
    failover = { ...failover, lastAutomaticAt: t.toISOString() };
    metrics.add('Failovers', 1, 'Count');
    log.info(`Failing over to the DR region: ${reason}`, { source });
    await notifier('DR failover started', `DR ${env.metadata.name}: failover started (${source}): ${reason}. The read replica will be promoted.`, { event: 'FailoverStarted', source, reason });
  };
  const realFailoverActive = () => mode === 'active' && !drill;

  if (trigger.kind === 'alarm') {
    // Rule S5: the SNS message may be stale; act only on the alarm's state now.
    if (!alarm) {
      notes.push(`alarm event ignored: no alarm configured or readable (${spec.failover.alarmName ?? 'none'})`);
    } else if (alarm.state !== 'ALARM') {
      notes.push(`alarm ${spec.failover.alarmName} is ${alarm.state} now: not failing over`);
    } else if (realFailoverActive()) {
      notes.push('alarm is in ALARM and DR is already active');
    } else {
      await automaticFailover('alarm', `alarm ${spec.failover.alarmName} is in ALARM: ${alarm.reason ?? 'no reason given'}`);
    }
    for (const n of notes) log.info(n);
  }

  if (trigger.kind === 'resync' && spec.failover.healthCheckId) {
    // Backstop (DESIGN.md §5): when CloudWatch cannot alarm, count unhealthy readings ourselves.
    const healthy = await port.getHealthCheckHealthy(spec.failover.healthCheckId).catch((err) => {
      log.warn('Could not read the primary health check', { error: errorMessage(err) });
      return undefined;
    });
    if (healthy !== undefined) {
      const consecutiveUnhealthy = healthy ? 0 : (failover.consecutiveUnhealthy ?? 0) + 1;
      failover = { ...failover, consecutiveUnhealthy, primaryHealthy: healthy };
      if (!healthy && !realFailoverActive() && consecutiveUnhealthy >= spec.failover.unhealthyReadings) {
        await automaticFailover('health-check', `primary health check ${spec.failover.healthCheckId} unhealthy for ${consecutiveUnhealthy} consecutive readings`);
      }
    }
  }
  if (alarm) failover = { ...failover, primaryHealthy: alarm.state === 'OK' ? true : alarm.state === 'ALARM' ? false : failover.primaryHealthy };
  if (realFailoverActive() && failover.primaryHealthy && modeRequest && (modeRequest.source === 'alarm' || modeRequest.source === 'health-check')) {
    // Rule S5: a real failover latches. Say so; do not fail back.
    notes.push('the primary looks healthy again; DR stays active: failback is a deliberate operator step (drctl set-mode pilot-light)');
  }

  // --- drill expiry, checked by every pass (S4) ---
  if (drill && ctx.now().getTime() >= Date.parse(drill.expiresAt)) {
    if (alarm?.state === 'ALARM') {
      await endDrill(drill, 'Superseded', `alarm ${spec.failover.alarmName} is in ALARM at expiry: DR stays active`);
      await writeMode('active', { source: 'alarm', reason: `alarm ${spec.failover.alarmName} in ALARM at drill expiry` });
    } else {
      const d = drill;
      const why: string[] = [];
      if (d.convergenceSeconds === undefined) why.push('never converged to active');
      if (d.replicaCheck && !d.replicaCheck.ok) why.push(`replica check failed: ${d.replicaCheck.detail}`);
      await writeMode('pilot-light', { source: 'drill-expiry', reason: `drill ${d.id} expired` });
      await endDrill(d, why.length === 0 ? 'Passed' : 'Failed', why.length === 0 ? `converged in ${d.convergenceSeconds}s; replica verified` : why.join('; '));
    }
  }

  // --- converge ---
  let promotion: DatabasePromotion | undefined = prev.databasePromotion;
  const desired = (): Desired => ({
    mode,
    drill: drill ? { id: drill.id, maxReplicaLagSeconds: spec.drill.maxReplicaLagSeconds } : undefined,
    promotionRequested: promotion !== undefined && promotion.state !== 'Failed',
  });
  const results: ActionResult[] = [];
  const failedResources = new Set<string>();
  const maxRounds = opts.maxRounds ?? 3;
  let rounds = 0;
  let finalPlan: Plan;
  for (;;) {
    const observed = await observe(port, spec);
    if (mode === 'pilot-light' && promotion && promotion.state !== 'Requested' && observed.replica?.isReplica && observed.replica.status === 'available') {
      // The failback runbook re-created the replica: a future real failover may promote it (S1 is per replica).
      log.info(`Read replica ${observed.replica.identifier} is replicating again; clearing the DatabasePromoted latch`, { promotion });
      promotion = undefined;
    }
    finalPlan = plan(spec, desired(), observed);
    // An action that failed this pass is not retried in a later round: the next pass will.
    const todo = finalPlan.actions.filter((a) => !failedResources.has(a.resource));
    if (todo.length === 0 || rounds >= maxRounds) break;
    rounds++;
    const roundResults = await act(port, todo, {
      concurrency: spec.concurrency,
      retries: opts.retries,
      minBackoffMs: opts.minBackoffMs,
      onEvent: (e) => logAction(log, e),
      beforeAction: async (a) => {
        if (a.kind !== 'PromoteReplica') return;
        // Latch the intent before the call (S1): even if this pass dies now, no pass promotes again.
        promotion = { identifier: a.identifier, state: 'Requested', requestedAt: ctx.now().toISOString(), generation };
        await port.writeState(spec.stateTable, STATUS_KEY, { ...prev, databasePromotion: promotion });
      },
    });
    for (const r of roundResults) {
      results.push(r);
      if (!r.ok) failedResources.add(r.action.resource);
      if (r.action.kind === 'PromoteReplica' && promotion) {
        promotion = r.ok
          ? { ...promotion, state: 'Promoted', completedAt: ctx.now().toISOString() }
          : { ...promotion, state: 'Failed', error: r.error };
      }
    }
    if (roundResults.every((r) => !r.ok)) break;
  }
  const t = ctx.now();
  const failed = results.filter((r) => !r.ok);
  const lastFailures = failed.filter((f) => finalPlan.actions.some((a) => a.resource === f.action.resource));
  const { conditions, outcome } = conditionsFor(prev.conditions, finalPlan, lastFailures, t);

  // --- timings: the reconciler's share of the RTO ---
  const newGeneration = generation !== prev.observedGeneration || prev.mode !== mode;
  const requestedAt = newGeneration ? param!.lastModified.toISOString() : (prev.timings.requestedAt ?? param!.lastModified.toISOString());
  let convergedAt = newGeneration ? undefined : prev.timings.convergedAt;
  let convergenceSeconds = newGeneration ? undefined : prev.timings.convergenceSeconds;
  const justConverged = outcome === 'Converged' && !convergedAt;
  if (justConverged) {
    convergedAt = t.toISOString();
    convergenceSeconds = Math.max(0, Math.round((t.getTime() - Date.parse(requestedAt)) / 100) / 10);
    metrics.add('ConvergenceSeconds', convergenceSeconds, 'Seconds');
  }

  // --- drill verification (S3): the replica must still be a healthy replica ---
  if (drill) {
    const db = finalPlan.resources.find((r) => r.kind === 'database');
    const replicaCheck = db
      ? { ok: db.ready && !db.problem, detail: db.problem ?? db.waitingFor ?? db.observed, at: t.toISOString() }
      : { ok: true, detail: 'no database in the spec', at: t.toISOString() };
    drill = {
      ...drill,
      replicaCheck,
      ...(justConverged && drill.convergenceSeconds === undefined ? { convergenceSeconds } : {}),
    };
  }

  const status: DrStatus = {
    ...prev,
    environment: env.metadata.name,
    mode,
    observedGeneration: generation,
    modeRequest,
    conditions,
    resources: resourceStatuses(prev.resources, finalPlan.resources, lastFailures, t),
    pendingActions: finalPlan.actions.map(describeAction),
    timings: { requestedAt, convergedAt, convergenceSeconds },
    databasePromotion: promotion,
    drill,
    drillHistory,
    failover,
    lastPass: {
      startedAt: ctx.started.toISOString(),
      finishedAt: t.toISOString(),
      trigger: opts.trigger.kind,
      writes: results.reduce((n, r) => n + r.attempts, 0),
      rounds,
      failedActions: failed.length,
    },
  };
  await port.writeState(spec.stateTable, STATUS_KEY, status);

  metrics.add('PendingActions', finalPlan.actions.length, 'Count');
  metrics.add('DriftedResources', finalPlan.resources.filter((r) => !r.inSync).length, 'Count');
  log.info(`Reconcile pass finished: ${outcome}`, {
    mode,
    observedGeneration: generation,
    outcome,
    actions: results.length,
    failed: failed.length,
    pending: finalPlan.actions.length,
    convergenceSeconds: justConverged ? convergenceSeconds : undefined,
  });
  if (justConverged) {
    await notifier(`DR converged to ${mode}`, `DR ${env.metadata.name}: converged to ${mode} in ${convergenceSeconds}s.`, { event: 'Converged', mode, convergenceSeconds, generation });
  }
  const wasDegraded = prev.conditions.find((c) => c.type === 'Degraded')?.status === 'True';
  if (outcome === 'Degraded' && !wasDegraded) {
    const bad = status.resources.filter((r) => r.lastError).map((r) => `${r.resource}: ${r.lastError}`);
    await notifier('DR degraded', `DR ${env.metadata.name} is degraded:\n${bad.join('\n')}`, { event: 'Degraded', resources: bad });
  }
  return { outcome, status, results, notes, exitCode: exitCodeFor(outcome) };
}

/** Dry run: what a pass would do for `mode` (default: the parameter's). Reads only; writes nothing. */
export async function planOnly(
  port: AwsPort,
  env: DrEnvironment,
  modeOverride?: string,
): Promise<{ mode: Mode; generation?: number; plan: Plan; status?: DrStatus }> {
  const spec = env.spec;
  const param = await port.getModeParameter(spec.modeParameter);
  const mode = modeOverride !== undefined ? parseMode(modeOverride, '--mode') : parseMode(param?.value, `mode parameter ${spec.modeParameter}`);
  const status = await port.readState<DrStatus>(spec.stateTable, STATUS_KEY);
  const drill = status?.drill && !status.drill.outcome && modeOverride === undefined ? status.drill : undefined;
  const promotion = status?.databasePromotion;
  const observed = await observe(port, spec);
  const p = plan(spec, {
    mode,
    drill: drill ? { id: drill.id, maxReplicaLagSeconds: spec.drill.maxReplicaLagSeconds } : undefined,
    promotionRequested: promotion !== undefined && promotion.state !== 'Failed',
  }, observed);
  return { mode, generation: param?.version, plan: p, status };
}

async function currentModeRequest(port: AwsPort, table: string, param: ModeParameter): Promise<ModeRequest> {
  const req = await port.readState<ModeRequest>(table, MODE_REQUEST_KEY);
  if (req && req.modeVersion === param.version) return req;
  // Set by hand (console, CLI, Terraform): say so rather than guess.
  return {
    mode: param.value as Mode,
    source: 'unknown',
    by: param.lastModifiedBy,
    at: param.lastModified.toISOString(),
    modeVersion: param.version,
    reason: 'the mode parameter was set directly',
  };
}

async function readAlarm(port: AwsPort, region: string, name: string, log: Log) {
  try {
    return await port.getAlarmState(region, name);
  } catch (err) {
    log.warn(`Could not read alarm ${name}`, { region, error: errorMessage(err) });
    return undefined;
  }
}

function invalidStatus(prev: DrStatus, param: ModeParameter | undefined, message: string, now: Date): DrStatus {
  let c = setCondition(prev.conditions, { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message }, now);
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'no changes made until the mode value is fixed' }, now);
  c = setCondition(c, { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: 'waiting for a valid mode value' }, now);
  return { ...prev, mode: null, observedGeneration: param?.version ?? 0, conditions: c, pendingActions: [] };
}

function logAction(log: Log, e: { phase: 'start' | 'done' | 'failed'; action: Action; error?: string; attempt?: number }) {
  const a = e.action;
  if (e.phase === 'start') return log.info(describeAction(a), { action: a.kind, resource: a.resource });
  if (e.phase === 'failed') return log.error(`Failed: ${describeAction(a)}: ${e.error}`, { action: a.kind, resource: a.resource, attempts: e.attempt });
  // Runbook wording (DESIGN.md §6).
  const done: Record<Action['kind'], string> = {
    PromoteReplica: `Successfully requested promotion of RDS read replica ${a.kind === 'PromoteReplica' ? a.identifier : ''}`,
    UpdateAsg: `Successfully scaled ASG ${a.kind === 'UpdateAsg' ? a.name : ''}`,
    UpdateService: `Successfully scaled ECS service ${a.kind === 'UpdateService' ? a.service : ''}`,
    RegisterTargets: `Successfully registered ${a.kind === 'RegisterTargets' ? a.targets.length : 0} instances with target group ${'targetGroupArn' in a ? a.targetGroupArn : ''}`,
    DeregisterTargets: `Successfully deregistered ${a.kind === 'DeregisterTargets' ? a.targets.length : 0} targets from target group ${'targetGroupArn' in a ? a.targetGroupArn : ''}`,
  };
  log.info(done[a.kind], { action: a.kind, resource: a.resource, attempts: e.attempt });
}

/** Publishes to the environment's topic, if any. A failed notification is logged, never fatal. */
function makeNotifier(port: AwsPort, env: DrEnvironment, log: Log) {
  return async (subject: string, text: string, payload: Record<string, unknown>) => {
    const topic = env.spec.notificationTopicArn;
    log.info(`Notification: ${subject}`, { notification: payload });
    if (!topic) return;
    const body = `${text}\n\n${JSON.stringify({ environment: env.metadata.name, ...payload }, null, 2)}`;
    await port.publish(topic, `[pilot-light] ${subject}`.slice(0, 99), body).catch((err) => log.warn('Could not publish notification', { error: errorMessage(err) }));
  };
}
