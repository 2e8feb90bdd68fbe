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
  /** Epoch milliseconds after which the pass starts no new round (the Lambda passes its timeout). */
  readonly deadline?: number;
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

/** `modeVersion` of a drill whose mode write has not happened yet. */
const PENDING_VERSION = 0;

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
    return await passUnderLease(port, env, opts, { now, log, metrics, started, holder });
  } catch (err) {
    // Leave a trace where operators look: a status that still says Ready would be a lie.
    log.error(`Reconcile pass failed: ${errorMessage(err)}`, { error: errorMessage(err) });
    metrics.add('PassFailed', 1, 'Count');
    await recordPassFailure(port, env, err, now()).catch(() => undefined);
    throw err;
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

async function recordPassFailure(port: AwsPort, env: DrEnvironment, err: unknown, now: Date): Promise<void> {
  const prev = (await port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY)) ?? initialStatus(env.metadata.name);
  let c = setCondition(prev.conditions, { type: 'Degraded', status: 'True', reason: 'PassFailed', message: `the last pass failed: ${errorMessage(err)}` }, now);
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'PassFailed', message: 'the last pass failed before it could check the resources' }, now);
  await port.writeState(env.spec.stateTable, STATUS_KEY, { ...prev, conditions: c });
}

/** A requested promotion that shows no effect after this long needs a person. */
const PROMOTION_STUCK_MS = 15 * 60_000;
/** Backstop readings closer together than this count once: "consecutive" means over time, not passes. */
const MIN_READING_INTERVAL_MS = 50_000;
/** A drill start that left its mode write this close to its record is taken as the drill's own write. */
const CLOCK_SKEW_MS = 5_000;

interface Ctx {
  readonly now: () => Date;
  readonly log: Log;
  readonly metrics: MetricSink;
  readonly started: Date;
  readonly holder: string;
}

async function passUnderLease(port: AwsPort, env: DrEnvironment, opts: PassOptions, ctx: Ctx): Promise<PassResult> {
  const { spec } = env;
  const { log, metrics } = ctx;
  const notes: string[] = [];
  const note = (n: string, level: 'info' | 'warn' = 'info') => {
    notes.push(n);
    log[level](n);
  };
  const prev = (await port.readState<DrStatus>(spec.stateTable, STATUS_KEY)) ?? initialStatus(env.metadata.name);
  // What is persisted so far in this pass: facts that must survive a crash are written as they happen.
  let working: DrStatus = prev;
  const persist = async (patch: Partial<DrStatus>) => {
    working = { ...working, ...patch };
    await port.writeState(spec.stateTable, STATUS_KEY, working);
  };
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
  const endDrill = async (d: DrillRecord, outcome: NonNullable<DrillRecord['outcome']>, reason: string) => {
    const ended: DrillRecord = { ...d, outcome, outcomeReason: reason, endedAt: ctx.now().toISOString() };
    drillHistory = [ended, ...drillHistory].slice(0, DRILL_HISTORY);
    drill = undefined;
    await persist({ drill: undefined, drillHistory });
    log.info(`Drill ${d.id} ended: ${outcome} (${reason})`, { drill: ended });
    // Passed 1, Failed 0; a superseded drill neither passed nor failed.
    if (outcome !== 'Superseded') metrics.add('DrillOutcome', outcome === 'Passed' ? 1 : 0, 'Count');
    await notifier(`DR drill ${outcome.toLowerCase()}`, `DR ${env.metadata.name}: drill ${d.id} ended ${outcome}: ${reason}.`, { event: 'DrillEnded', drill: ended });
  };
  const writeMode = async (value: Mode, request: Omit<ModeRequest, 'modeVersion' | 'at' | 'mode'>) => {
    const version = await port.putModeParameter(spec.modeParameter, value);
    const req: ModeRequest = { ...request, mode: value, at: ctx.now().toISOString(), modeVersion: version };
    param = { value, version, lastModified: ctx.now() };
    mode = value;
    generation = version;
    modeRequest = req;
    await port.writeState(spec.stateTable, MODE_REQUEST_KEY, req);
    return version;
  };

  // --- a drill start that died half-way (S3: it must never read as a real failover) ---
  if (drill && drill.modeVersion === PENDING_VERSION) {
    const ours = mode === 'active' && (modeRequest.source === 'drill' || param!.lastModified.getTime() >= Date.parse(drill.startedAt) - CLOCK_SKEW_MS);
    if (ours) {
      drill = { ...drill, modeVersion: generation };
      await persist({ drill });
    } else {
      await endDrill(drill, 'Failed', 'the drill start did not complete: the mode was never set to active');
    }
  }
  if (!drill && mode === 'active' && modeRequest.source === 'drill') {
    // The drill record was lost but the mode write says it was a drill: keep it a drill, never promote.
    const startedAt = Date.parse(modeRequest.at);
    drill = {
      id: `drill-recovered-${generation}`,
      startedAt: modeRequest.at,
      expiresAt: new Date(startedAt + spec.drill.durationMinutes * 60_000).toISOString(),
      durationMinutes: spec.drill.durationMinutes,
      modeVersion: generation,
      startedBy: modeRequest.by ?? 'unknown',
    };
    note(`the mode was set by a drill whose record was lost; treating it as drill ${drill.id}`, 'warn');
    await persist({ drill });
  }

  // --- a drill whose mode write was overwritten is no longer in control (S4) ---
  if (drill && generation !== drill.modeVersion) {
    await endDrill(drill, 'Superseded', `the mode parameter was changed to ${mode} (version ${generation}) by ${modeRequest.source} during the drill`);
  }

  // --- trigger intent ---
  const trigger = opts.trigger;
  if (trigger.kind === 'start-drill') {
    if (mode === 'active') {
      note(`drill not started: DR is already active (${drill ? `drill ${drill.id} running` : `mode set by ${modeRequest.source}`})`, 'warn');
    } else {
      const durationMinutes = trigger.durationMinutes ?? spec.drill.durationMinutes;
      const t = ctx.now();
      drill = {
        id: `drill-${t.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`,
        startedAt: t.toISOString(),
        expiresAt: new Date(t.getTime() + durationMinutes * 60_000).toISOString(),
        durationMinutes,
        modeVersion: PENDING_VERSION,
        startedBy: trigger.startedBy,
      };
      // The drill is recorded before the mode changes: a pass that dies after the mode write still sees a drill.
      await persist({ drill });
      const version = await writeMode('active', { source: 'drill', reason: `DR drill (${durationMinutes} min)`, by: trigger.startedBy });
      drill = { ...drill, modeVersion: version };
      await persist({ drill, modeRequest });
      log.info(`Starting DR drill ${drill.id} for ${durationMinutes} minutes`, { drill });
      await notifier('DR drill started', `DR ${env.metadata.name}: drill ${drill.id} started by ${trigger.startedBy}; DR region active until ${drill.expiresAt}. The database will not be promoted.`, { event: 'DrillStarted', drill });
    }
  }

  // The alarm is read only when a decision needs it: us-east-1 may be the region that is down.
  let alarmRead: Promise<{ state: string; reason?: string } | undefined> | undefined;
  const alarm = () => (alarmRead ??= spec.failover.alarmName ? readAlarm(port, spec.failover.alarmRegion, spec.failover.alarmName, log) : Promise.resolve(undefined));
  const realFailoverActive = () => mode === 'active' && !drill;
  const failOver = async (source: 'alarm' | 'health-check', reason: string, ignoreRateLimit = false) => {
    const last = failover.lastAutomaticAt ? Date.parse(failover.lastAutomaticAt) : undefined;
    const t = ctx.now();
    if (!ignoreRateLimit && last !== undefined && t.getTime() - last < spec.failover.minIntervalMinutes * 60_000) {
      note(`automatic failover suppressed: the last one was at ${failover.lastAutomaticAt}, less than ${spec.failover.minIntervalMinutes} minutes ago`, 'warn');
      return;
    }
    if (drill) await endDrill(drill, 'Superseded', `a real failover (${source}: ${reason}) took over during the drill`);
    failover = { ...failover, lastAutomaticAt: t.toISOString() };
    await persist({ failover });
    await writeMode('active', { source, reason });
    metrics.add('Failovers', 1, 'Count');
    log.info(`Failing over to the DR region: ${reason}`, { source });
    await notifier('DR failover started', `DR ${env.metadata.name}: failover started (${source}): ${reason}. The read replica will be promoted.`, { event: 'FailoverStarted', source, reason });
  };

  if (trigger.kind === 'alarm') {
    // Rule S5: the SNS message may be stale; act only on the alarm's state now.
    const a = await alarm();
    if (!a) note(`alarm event ignored: no alarm configured or readable (${spec.failover.alarmName ?? 'none'})`);
    else if (a.state !== 'ALARM') note(`alarm ${spec.failover.alarmName} is ${a.state} now: not failing over`);
    else if (realFailoverActive()) note('alarm is in ALARM and DR is already active');
    else await failOver('alarm', `alarm ${spec.failover.alarmName} is in ALARM: ${a.reason ?? 'no reason given'}`);
  }

  if (trigger.kind === 'resync' && spec.failover.healthCheckId) {
    // Backstop (docs/design.md §5): when CloudWatch cannot alarm, count unhealthy readings ourselves, over time.
    const lastAt = failover.lastReadingAt ? Date.parse(failover.lastReadingAt) : undefined;
    const t = ctx.now().getTime();
    if (lastAt === undefined || t - lastAt >= MIN_READING_INTERVAL_MS) {
      const healthy = await port.getHealthCheckHealthy(spec.failover.healthCheckId).catch((err) => {
        log.warn('Could not read the primary health check', { error: errorMessage(err) });
        return undefined;
      });
      if (healthy !== undefined) {
        const consecutiveUnhealthy = healthy ? 0 : (failover.consecutiveUnhealthy ?? 0) + 1;
        failover = { ...failover, consecutiveUnhealthy, primaryHealthy: healthy, lastReadingAt: new Date(t).toISOString() };
        if (!healthy && !realFailoverActive() && consecutiveUnhealthy >= spec.failover.unhealthyReadings) {
          await failOver('health-check', `primary health check ${spec.failover.healthCheckId} unhealthy for ${consecutiveUnhealthy} consecutive readings`);
        }
      }
    }
  }
  if (realFailoverActive() && (modeRequest.source === 'alarm' || modeRequest.source === 'health-check')) {
    const a = await alarm();
    if (a) failover = { ...failover, primaryHealthy: a.state === 'OK' ? true : a.state === 'ALARM' ? false : failover.primaryHealthy };
    // Rule S5: a real failover latches. Say so; do not fail back.
    if (failover.primaryHealthy) note('the primary looks healthy again; DR stays active: failback is a deliberate operator step (drctl set-mode pilot-light)');
  }

  // Mode changes made outside the pass (drctl set-mode, the console) are announced like automatic ones.
  if (generation !== prev.observedGeneration && prev.observedGeneration !== 0 && !['alarm', 'health-check', 'drill', 'drill-expiry'].includes(modeRequest.source)) {
    const who = `${modeRequest.source}${modeRequest.by ? ` (${modeRequest.by})` : ''}${modeRequest.reason ? `: ${modeRequest.reason}` : ''}`;
    if (mode === 'active' && !drill) {
      metrics.add('Failovers', 1, 'Count');
      await notifier('DR failover started', `DR ${env.metadata.name}: failover started by ${who}. The read replica will be promoted.`, { event: 'FailoverStarted', source: modeRequest.source, by: modeRequest.by, reason: modeRequest.reason });
    } else if (mode === 'pilot-light' && prev.mode === 'active') {
      await notifier('DR returning to pilot light', `DR ${env.metadata.name}: returning to pilot light, requested by ${who}. Compute scales down; a promoted database is left alone.`, { event: 'FailbackStarted', source: modeRequest.source, by: modeRequest.by, reason: modeRequest.reason });
    }
  }

  // --- drill expiry, checked by every pass (S4) ---
  if (drill && ctx.now().getTime() >= Date.parse(drill.expiresAt)) {
    const d = drill;
    const a = await alarm();
    if (a?.state === 'ALARM') {
      await failOver('alarm', `alarm ${spec.failover.alarmName} is in ALARM at the end of drill ${d.id}`, true);
    } else if ((spec.failover.alarmName && a?.state !== 'OK') || failover.primaryHealthy === false) {
      // Reverting needs evidence that the primary is fine; without it DR stays active and the next pass decides.
      note(`drill ${d.id} expired but the primary's health is not known to be OK (alarm ${a?.state ?? 'unreadable'}${failover.primaryHealthy === false ? ', health check unhealthy' : ''}): DR stays active for now`, 'warn');
    } else {
      // Re-read just before writing: an operator's write in the meantime supersedes the drill (S4).
      const fresh = await port.getModeParameter(spec.modeParameter);
      if (fresh?.version !== d.modeVersion) {
        await endDrill(d, 'Superseded', `the mode parameter was changed (version ${fresh?.version}) just before the drill expired`);
        if (fresh) {
          param = fresh;
          generation = fresh.version;
          mode = parseMode(fresh.value, `mode parameter ${spec.modeParameter}`);
          modeRequest = await currentModeRequest(port, spec.stateTable, fresh);
        }
      } else {
        const why: string[] = [];
        if (d.convergenceSeconds === undefined) why.push('never converged to active');
        if (d.replicaCheck && !d.replicaCheck.ok) why.push(`replica check failed: ${d.replicaCheck.detail}`);
        await writeMode('pilot-light', { source: 'drill-expiry', reason: `drill ${d.id} expired` });
        await endDrill(d, why.length === 0 ? 'Passed' : 'Failed', why.length === 0 ? `converged in ${d.convergenceSeconds}s; replica verified` : why.join('; '));
      }
    }
  }

  // --- converge ---
  let promotion: DatabasePromotion | undefined = prev.databasePromotion;
  const desired = (): Desired => {
    const requested = promotion !== undefined && promotion.state !== 'Failed';
    const age = promotion ? ctx.now().getTime() - Date.parse(promotion.requestedAt) : 0;
    return {
      mode,
      drill: drill ? { id: drill.id, maxReplicaLagSeconds: spec.drill.maxReplicaLagSeconds } : undefined,
      promotionRequested: requested,
      promotionStuck:
        promotion?.state === 'Requested' && age > PROMOTION_STUCK_MS
          ? `promotion of ${promotion.identifier} was requested at ${promotion.requestedAt}${promotion.error ? ` (the request ended: ${promotion.error})` : ''} but the instance is still a replica: check it in the RDS console and promote it by hand if needed`
          : undefined,
    };
  };
  const results: ActionResult[] = [];
  const failedResources = new Set<string>();
  const maxRounds = opts.maxRounds ?? 3;
  let rounds = 0;
  let finalPlan: Plan;
  for (;;) {
    const observed = await observe(port, spec);
    if (promotion?.state === 'Requested' && observed.replica?.exists && !observed.replica.isReplica) {
      // The request's outcome was unknown (timeout, crash); the instance now says it happened.
      promotion = { ...promotion, state: 'Promoted', completedAt: ctx.now().toISOString() };
    }
    if (mode === 'pilot-light' && promotion && promotion.state !== 'Requested' && observed.replica?.isReplica && observed.replica.status === 'available') {
      // The failback runbook re-created the replica: a future real failover may promote it (S1 is per replica).
      log.info(`Read replica ${observed.replica.identifier} is replicating again; clearing the DatabasePromoted latch`, { promotion });
      promotion = undefined;
    }
    finalPlan = plan(spec, desired(), observed);
    // An action that failed this pass is not retried in a later round: the next pass will.
    const todo = finalPlan.actions.filter((a) => !failedResources.has(a.resource));
    if (todo.length === 0 || rounds >= maxRounds) break;
    if (opts.deadline !== undefined && Date.now() >= opts.deadline) {
      note('pass deadline reached: the next pass continues');
      break;
    }
    // Renew the lease before writing: a pass that outlived it must not act beside the next holder.
    if (!(await port.acquireLease({ table: spec.stateTable, holder: ctx.holder, now: ctx.now(), ttlSeconds: spec.leaseSeconds }))) {
      log.warn('Lost the lease to another pass; stopping without further writes');
      return { outcome: 'Locked', results, notes: [...notes, 'lost the lease to another pass'], exitCode: exitCodeFor('Locked') };
    }
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
        await persist({ databasePromotion: promotion });
      },
    });
    for (const r of roundResults) {
      results.push(r);
      if (!r.ok) failedResources.add(r.action.resource);
      if (r.action.kind === 'PromoteReplica' && promotion) {
        // Only a clear refusal frees the latch; a timeout may have started the promotion (S1).
        promotion = r.ok
          ? { ...promotion, state: 'Promoted', completedAt: ctx.now().toISOString() }
          : r.retryable
            ? { ...promotion, error: r.error }
            : { ...promotion, state: 'Failed', error: r.error };
      }
    }
    if (roundResults.every((r) => !r.ok)) break;
  }
  const t = ctx.now();
  const failed = results.filter((r) => !r.ok);
  const lastFailures = failed.filter((f) => finalPlan.actions.some((a) => a.resource === f.action.resource));
  const { conditions, outcome } = conditionsFor(working.conditions, finalPlan, lastFailures, t);

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
    ...working,
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
      notes,
    },
  };
  await port.writeState(spec.stateTable, STATUS_KEY, status);

  metrics.add('ActiveMode', mode === 'active' ? 1 : 0, 'Count');
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
  // Runbook wording (docs/design.md §6).
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
