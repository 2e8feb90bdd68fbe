/**
 * One reconcile pass, a thin shell: lease → state and facts → decide (policy/) → apply effects in order →
 * converge rounds (converge.ts) → status → release. Deciding lives in the policy, doing lives here.
 *
 * Level-triggered: the trigger only adds intent (start a drill, re-check an alarm); convergence is always
 * computed from the mode parameter and what is observed. A pass never sleeps waiting for AWS.
 */
import { randomUUID } from 'node:crypto';
import type { ActionResult } from './act';
import { converge } from './converge';
import { errorMessage, InvalidSpecError } from './errors';
import { acquireLease, releaseLease } from './lease';
import { EffectShell, parseModeParameter } from './effects';
import { MODE_REQUEST_KEY } from './mode';
import { noMetrics, silentLog, type Log, type MetricSink } from './log';
import { observe } from './observe';
import { describeAction, plan, type Action, type Plan } from './plan';
import { afterConverge, carriesIntent, convergeMode, decide, requeueAfter, traffic, isRefusal, promotionDesired, type Facts, type Need, type Note, type PolicyState, type Trigger, type TriggerOutcome } from './policy';
import type { AwsPort, ModeParameter } from './port';
import { parseMode, type DrEnvironment, type Mode } from './spec';
import { initialStatus, passStatus, setCondition, STATUS_KEY, type DrStatus, type Outcome } from './status';

export type { Trigger } from './policy';

/** Namespace of the metrics the reconciler puts for the DR region's alarms and the traffic gate. */
export const METRIC_NAMESPACE = 'PilotLight';

export type { Log, MetricSink } from './log';

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
  /** The lease's length, at most the spec's `leaseSeconds` (drctl holds a shorter one). @default spec.leaseSeconds */
  readonly leaseSeconds?: number;
  /** How long to wait for another pass's lease. @default 20 s for alarm and drill-start triggers, else 0 */
  readonly leaseWaitMs?: number;
  /** Epoch milliseconds after which the pass starts no new round (the Lambda passes its timeout). */
  readonly deadline?: number;
  /**
   * The environment whose resources this pass may touch: resources must carry the tag `pilot-light:environment`
   * with this value (S12). The Lambda passes the one Terraform deployed (DR_ENVIRONMENT). @default metadata.name
   */
  readonly scope?: string;
  /** Whole-action retries and first backoff (tests make them small). */
  readonly retries?: number;
  readonly minBackoffMs?: number;
}

/** How a pass ended: the resources' outcome, or why it did not get that far. */
export type PassOutcome = Outcome | 'Locked' | 'InvalidSpec' | 'Refused';

/** What a pass did. */
export interface PassResult {
  /** `Locked`: another pass held the lease; `InvalidSpec`: a bad mode value; `Refused`: the trigger was refused. The last two write nothing. */
  readonly outcome: PassOutcome;
  /** What became of the trigger's intent (drill started or refused, alarm ignored, …). */
  readonly trigger: TriggerOutcome;
  readonly status?: DrStatus;
  /** Every action issued, with its result. */
  readonly results: readonly ActionResult[];
  /** Human messages about decisions (alarm ignored, drill refused, …). */
  readonly notes: readonly string[];
  /** When the next pass should run, if sooner than the periodic resync (what it waits for, a drill's expiry). */
  readonly requeueAfterSeconds?: number;
}

const NO_TRIGGER: TriggerOutcome = { kind: 'none' };
/** A policy step loop that has not settled after this many steps is a bug: stop deciding and converge. */
const MAX_POLICY_STEPS = 12;

/** Runs one pass. Never throws for AWS failures of single resources; throws only if the state table is unusable. */
export async function reconcileOnce(port: AwsPort, env: DrEnvironment, opts: PassOptions): Promise<PassResult> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? silentLog;
  const metrics = opts.metrics ?? noMetrics;
  const holder = opts.holder ?? `pass-${randomUUID()}`;
  const spec = env.spec;
  const started = now();

  const ttlSeconds = Math.min(opts.leaseSeconds ?? spec.leaseSeconds, spec.leaseSeconds);
  if (!(await acquireLease(port, { table: spec.stateTable, holder, ttlSeconds, now }, leaseWaitMs(opts)))) {
    const held = await port.readLease(spec.stateTable).catch(() => undefined);
    const who = held ? `${held.holder} holds the lease until ${held.expiresAt.toISOString()}` : 'another pass holds the lease';
    log.warn(`Locked: ${who}; this pass makes no changes`, { table: spec.stateTable, holder: held?.holder, expiresAt: held?.expiresAt.toISOString() });
    return { outcome: 'Locked', trigger: NO_TRIGGER, results: [], notes: [`${who}: no changes made`] };
  }
  const lease = { released: false };
  try {
    return await passUnderLease(port, env, opts, { lease, now, log, metrics, started, holder, ttlSeconds });
  } catch (err) {
    // Leave a trace where operators look: a status that still says Ready would be a lie.
    log.error(`Reconcile pass failed: ${errorMessage(err)}`, { error: errorMessage(err) });
    metrics.add('PassFailed', 1, 'Count');
    await recordPassFailure(port, env, err, now()).catch(() => undefined);
    throw err;
  } finally {
    if (!lease.released) await releaseLease(port, spec.stateTable, holder, log.warn.bind(log));
  }
}

/**
 * How long a pass waits for another pass's lease. Triggers that carry intent (an alarm, a drill start) would
 * be lost if dropped, so they wait a little: passes are short. Level-triggered ones need not: the next
 * pass does the same work.
 */
function leaseWaitMs(opts: PassOptions): number {
  if (opts.leaseWaitMs !== undefined) return opts.leaseWaitMs;
  return carriesIntent(opts.trigger) ? 20_000 : 0;
}

async function recordPassFailure(port: AwsPort, env: DrEnvironment, err: unknown, now: Date): Promise<void> {
  const prev = (await port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY)) ?? initialStatus(env.metadata.name);
  let c = setCondition(prev.conditions, { type: 'Degraded', status: 'True', reason: 'PassFailed', message: `the last pass failed: ${errorMessage(err)}` }, now);
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'PassFailed', message: 'the last pass failed before it could check the resources' }, now);
  await port.writeState(env.spec.stateTable, STATUS_KEY, { ...prev, conditions: c });
}

interface Ctx {
  /** Set once the pass gave the lease back with its status write (closeWithStatus). */
  readonly lease: { released: boolean };
  readonly now: () => Date;
  readonly log: Log;
  readonly metrics: MetricSink;
  readonly started: Date;
  readonly holder: string;
  readonly ttlSeconds: number;
}

async function passUnderLease(port: AwsPort, env: DrEnvironment, opts: PassOptions, ctx: Ctx): Promise<PassResult> {
  const { spec } = env;
  const { log, metrics } = ctx;
  // The first reads do not depend on each other: one round trip, and one request for the two state items.
  const [items, param] = await Promise.all([port.readStates(spec.stateTable, [STATUS_KEY, MODE_REQUEST_KEY]), port.getModeParameter(spec.modeParameter)]);
  const stored = items[STATUS_KEY] as DrStatus | undefined;
  const storedRequest = items[MODE_REQUEST_KEY];
  const prev = stored ?? initialStatus(env.metadata.name);
  const parsed = parseModeParameter(param, spec.modeParameter);
  if (typeof parsed === 'string') return invalidMode(port, env, prev, param, parsed, ctx);

  const shell = new EffectShell(port, env, log, metrics, ctx.now, prev);
  try {
    let leaseTakenAt = ctx.started;
    const notes: Note[] = [];
    const note = (n: Note) => {
      notes.push(n);
      log[n.level](n.text);
    };
    const texts = () => notes.map((n) => n.text);
    // The DR region's resources are read while the policy reads its facts: the policy never changes them, so the
    // first converge round needs no round trip of its own. The lag is read when the mode read says it may matter.
    const replicaLag = parsed.mode !== 'active' || (prev.drill !== undefined && !prev.drill.outcome);
    const early = { observed: observe(port, spec, { replicaLag }), replicaLag };
    early.observed.catch(() => undefined); // awaited by converge; a pass that ends before it must not leave it unhandled
    const settled = await settle(port, env, shell, opts.trigger, await shell.factsOf(parsed.param, storedRequest ?? null), policyStateOf(prev), ctx, note);
    // A refused command changes nothing (S12): no convergence, no status write beyond what the policy kept before it.
    if (isRefusal(settled.outcome)) {
      await shell.flushState();
      return { outcome: 'Refused', trigger: settled.outcome, results: [], notes: texts() };
    }

    const { facts, state } = settled;
    const target = convergeMode(state, facts);
    if (target.refused) note({ text: target.refused, level: 'warn' });
    const conv = await converge(port, spec, { mode: target.mode, drill: state.drill, promotion: state.promotion, generation: facts.generation }, {
      now: ctx.now,
      // Renewed before a round only once a third of the lease has gone by: a fresh lease needs no round trip, and
      // a pass that outlived its lease still stops before writing beside the next holder.
      renewLease: async () => {
        if (ctx.now().getTime() - leaseTakenAt.getTime() < (ctx.ttlSeconds * 1000) / 3) return true;
        const renewed = await port.acquireLease({ table: spec.stateTable, holder: ctx.holder, now: ctx.now(), ttlSeconds: ctx.ttlSeconds });
        if (renewed) leaseTakenAt = ctx.now();
        return renewed;
      },
      persistLatch: (promotion) => shell.persist({ ...state, promotion }),
      note: (text) => note({ text, level: 'info' }),
      onAction: (e) => logAction(log, e),
      maxRounds: opts.maxRounds,
      deadline: opts.deadline,
      scope: opts.scope ?? env.metadata.name,
      early,
      retries: opts.retries,
      minBackoffMs: opts.minBackoffMs,
    });
    if (conv.outOfScope.length > 0) return invalidMode(port, env, shell.working, param, `the spec names resources outside environment ${env.metadata.name}: ${conv.outOfScope.join('; ')}`, ctx, 'spec');
    if (conv.leaseLost) {
      log.warn('Lost the lease to another pass; stopping without further writes');
      return { outcome: 'Locked', trigger: settled.outcome, results: conv.results, notes: [...texts(), 'lost the lease to another pass'] };
    }

    const after = { ...state, promotion: conv.promotion };
    const gate = traffic(after, facts, spec.database !== undefined);
    const { status, outcome, justConverged } = passStatus({
      prev,
      working: shell.working,
      environment: env.metadata.name,
      ...facts,
      state: after,
      traffic: gate,
      pilotLightRefused: target.refused,
      finalPlan: conv.finalPlan,
      results: conv.results,
      rounds: conv.rounds,
      started: ctx.started,
      trigger: opts.trigger.kind,
      notes: texts(),
      now: ctx.now(),
    });
    // The status write, the gate's metric and the messages do not wait for each other.
    await Promise.all([
      closeWithStatus(port, env, status, ctx),
      putPassMetrics(port, env, log, { toDr: gate.toDr, degraded: outcome === 'Degraded', invalid: false }),
      shell.apply(afterConverge(prev, status, outcome, justConverged, env.metadata.name), facts),
    ]);
    recordPass(log, metrics, status, outcome, conv.finalPlan, conv.results, justConverged);
    const requeueAfterSeconds = requeueAfter(status, ctx.now());
    return { outcome, trigger: settled.outcome, status, results: conv.results, notes: texts(), ...(requeueAfterSeconds !== undefined ? { requeueAfterSeconds } : {}) };
  } finally {
    // Notifications went out as they were decided; the pass ends only once they are answered.
    await shell.flush();
  }
}

/**
 * The pass's last state write: the status and the lease's release in one transaction, so the status lands only
 * while the lease is still ours (S11) and the pass saves a round trip. If the transaction itself fails (throttled,
 * an outage), the status is written alone and the lease released as on any other exit.
 */
async function closeWithStatus(port: AwsPort, env: DrEnvironment, status: DrStatus, ctx: Ctx): Promise<void> {
  const table = env.spec.stateTable;
  let closed: boolean;
  try {
    closed = await port.writeStateAndRelease(table, STATUS_KEY, status, ctx.holder);
  } catch (err) {
    ctx.log.warn('Could not write the status and release the lease together; writing the status alone', { error: errorMessage(err) });
    await port.writeState(table, STATUS_KEY, status);
    return;
  }
  // Either way the lease is not ours any more: given back, or taken by the next holder.
  ctx.lease.released = true;
  if (!closed) ctx.log.warn('Another pass took the lease before the status write: this pass records nothing more', { table });
}

/**
 * The metrics the DR region's alarms read (docs/terraform.md): the traffic gate (S9, Route 53 follows it through a
 * CLOUDWATCH_METRIC health check), the heartbeat, Degraded and InvalidSpec (S11). A failed put is logged: the gate's
 * alarm keeps its last state through a gap, and the heartbeat alarm notices a reconciler that cannot publish.
 */
async function putPassMetrics(port: AwsPort, env: DrEnvironment, log: Log, m: { toDr: boolean; degraded: boolean; invalid: boolean }): Promise<void> {
  await port
    .putMetrics(METRIC_NAMESPACE, { Environment: env.metadata.name }, [
      { name: 'TrafficToDr', value: m.toDr ? 1 : 0 },
      { name: 'Heartbeat', value: 1 },
      { name: 'Degraded', value: m.degraded ? 1 : 0 },
      { name: 'InvalidSpec', value: m.invalid ? 1 : 0 },
    ])
    .catch((err) => log.warn('Could not publish the pass metrics (traffic gate, heartbeat)', { error: errorMessage(err) }));
}

/** The policy's view of a stored status. */
function policyStateOf(prev: DrStatus): PolicyState {
  return {
    drill: prev.drill && !prev.drill.outcome ? prev.drill : undefined,
    drillHistory: prev.drillHistory,
    failover: prev.failover ?? {},
    promotion: prev.databasePromotion,
    observedGeneration: prev.observedGeneration,
    announcedGeneration: prev.observedGeneration,
  };
}

/**
 * Asks the policy, reads what it needs, applies its effects and asks again, until a step has nothing to do.
 * A mode write that finds the parameter moved applies nothing after it; the policy then decides on the fresh value.
 */
async function settle(port: AwsPort, env: DrEnvironment, shell: EffectShell, first: Trigger, facts0: Facts, state0: PolicyState, ctx: Ctx, note: (n: Note) => void) {
  const settings = { environment: env.metadata.name, failover: env.spec.failover, drill: env.spec.drill, database: env.spec.database };
  let facts = facts0;
  let state = state0;
  let trigger: Trigger | undefined = first;
  let outcome: TriggerOutcome = NO_TRIGGER;
  for (let step = 0; step < MAX_POLICY_STEPS; step++) {
    const d = decide({ state, trigger, facts, now: ctx.now(), settings });
    if (d.kind === 'need') {
      // The detection sources are read together: a rule that asks for one asks for the others next (the periodic
      // S10 reading reads them all), and one round trip is better than three on the worst day's path.
      const asked = new Set<Need>([d.fact, ...sourcesToPrefetch(env, facts, d.fact)]);
      const read = await Promise.all([...asked].map((f) => readFact(port, env, f, ctx.log)));
      facts = Object.assign({}, facts, ...read);
      continue;
    }
    d.notes.forEach(note);
    const applied = await shell.apply(d.effects, facts);
    if (applied.kind === 'moved') {
      // Keep the lazily read facts (alarm, health check); the mode facts are the fresh ones.
      facts = { ...facts, ...applied.facts };
      state = applied.persisted ?? state;
      continue;
    }
    facts = applied.facts;
    state = d.state;
    if (d.outcome) {
      outcome = d.outcome;
      trigger = undefined;
    }
    if (d.effects.length === 0) return { facts, state, outcome };
  }
  ctx.log.error('The policy did not settle; converging on what it decided so far', { steps: MAX_POLICY_STEPS });
  return { facts, state, outcome };
}

/** Pass metrics and the closing log line. */
function recordPass(log: Log, metrics: MetricSink, status: DrStatus, outcome: Outcome, finalPlan: Plan, results: readonly ActionResult[], justConverged: boolean): void {
  metrics.add('ActiveMode', status.mode === 'active' ? 1 : 0, 'Count');
  metrics.add('PendingActions', finalPlan.actions.length, 'Count');
  metrics.add('DriftedResources', finalPlan.resources.filter((r) => !r.inSync).length, 'Count');
  log.info(`Reconcile pass finished: ${outcome}`, {
    mode: status.mode,
    observedGeneration: status.observedGeneration,
    outcome,
    actions: results.length,
    failed: results.filter((r) => !r.ok).length,
    pending: finalPlan.actions.length,
    convergenceSeconds: justConverged ? status.timings.convergenceSeconds : undefined,
  });
}

/** Rules S6 and S12: an invalid mode, or a spec naming resources outside the environment, changes nothing but the status (and tells people once). */
async function invalidMode(port: AwsPort, env: DrEnvironment, prev: DrStatus, param: ModeParameter | undefined, message: string, ctx: Ctx, what: 'mode' | 'spec' = 'mode'): Promise<PassResult> {
  const { spec } = env;
  ctx.log.error(`Invalid ${what === 'mode' ? 'mode value' : 'spec'}: ${message}. No changes made.`, { parameter: spec.modeParameter, value: param?.value });
  ctx.metrics.add('InvalidSpec', 1, 'Count');
  const status = invalidStatus(prev, param, message, ctx.now(), what);
  // The gate keeps what the last valid pass decided: a typo in the mode must not move users (S6, S9).
  const gate = traffic(policyStateOf(prev), { mode: prev.mode ?? 'pilot-light' }, spec.database !== undefined);
  await Promise.all([port.writeState(spec.stateTable, STATUS_KEY, status), putPassMetrics(port, env, ctx.log, { toDr: gate.toDr, degraded: true, invalid: true })]);
  if (prev.observedGeneration !== status.observedGeneration || prev.mode !== null) {
    const subject = what === 'mode' ? 'Invalid DR mode value' : 'DR spec refused: resources outside the environment';
    await new EffectShell(port, env, ctx.log, ctx.metrics, ctx.now, status).notify({ kind: 'notify', subject, text: `DR ${env.metadata.name}: ${message}. The reconciler made no changes.`, payload: { event: 'InvalidSpec', problems: [message] } });
  }
  return { outcome: 'InvalidSpec', trigger: NO_TRIGGER, status, results: [], notes: [message] };
}

/** The configured detection sources (S10) not read yet, when the policy asks for one of them. */
function sourcesToPrefetch(env: DrEnvironment, facts: Facts, asked: Need): Need[] {
  const f = env.spec.failover;
  const sources: Array<[Need, boolean]> = [
    ['probe', f.probeUrl !== undefined],
    ['healthCheck', f.healthCheckId !== undefined],
    ['alarm', f.alarmName !== undefined],
  ];
  if (!sources.some(([n]) => n === asked)) return [];
  return sources.filter(([n, configured]) => configured && facts[n] === undefined).map(([n]) => n);
}

/** Reads one lazy fact. A failed read is a fact too (`unreadable`): unreachable is not unhealthy. */
async function readFact(port: AwsPort, env: DrEnvironment, need: Need, log: Log): Promise<Partial<Facts>> {
  const f = env.spec.failover;
  if (need === 'alarm') {
    if (!f.alarmName) return { alarm: { state: 'none' } };
    try {
      const a = await port.getAlarmState(f.alarmRegion, f.alarmName);
      return { alarm: a ? { state: a.state, reason: a.reason } : { state: 'none' } };
    } catch (err) {
      log.warn(`Could not read alarm ${f.alarmName}`, { region: f.alarmRegion, error: errorMessage(err) });
      return { alarm: { state: 'unreadable' } };
    }
  }
  if (need === 'probe') {
    if (!f.probeUrl) return { probe: { none: true } };
    const reading = await port.probe(f.probeUrl, f.probeTimeoutSeconds);
    if (!reading.healthy) log.warn(`Probe of the primary failed: ${reading.detail}`, { url: f.probeUrl });
    return { probe: reading };
  }
  try {
    return { healthCheck: { healthy: await port.getHealthCheckHealthy(f.healthCheckId!) } };
  } catch (err) {
    log.warn('Could not read the primary health check', { error: errorMessage(err) });
    return { healthCheck: { unreadable: true } };
  }
}

/** Dry run: what a pass would do for `mode` (default: the parameter's). Reads only; writes nothing. */
export async function planOnly(
  port: AwsPort,
  env: DrEnvironment,
  modeOverride?: string,
): Promise<{ mode: Mode; generation?: number; parameter?: ModeParameter; plan: Plan; status?: DrStatus }> {
  const spec = env.spec;
  const param = await port.getModeParameter(spec.modeParameter);
  const asked = modeOverride !== undefined ? parseMode(modeOverride, '--mode') : parseMode(param?.value, `mode parameter ${spec.modeParameter}`);
  const status = await port.readState<DrStatus>(spec.stateTable, STATUS_KEY);
  // What a pass would converge to: pilot light is refused while DR holds the writer (S2, S9).
  const { mode } = convergeMode({ promotion: status?.databasePromotion }, { mode: asked });
  const drill = status?.drill && !status.drill.outcome && modeOverride === undefined ? status.drill : undefined;
  const observed = await observe(port, spec);
  const p = plan(spec, {
    mode,
    drill: drill ? { id: drill.id, maxReplicaLagSeconds: spec.drill.maxReplicaLagSeconds } : undefined,
    ...promotionDesired(status?.databasePromotion, new Date()),
  }, observed);
  return { mode, generation: param?.version, parameter: param, plan: p, status };
}

function invalidStatus(prev: DrStatus, param: ModeParameter | undefined, message: string, now: Date, what: 'mode' | 'spec'): DrStatus {
  const fix = what === 'mode' ? 'the mode value' : 'the spec';
  let c = setCondition(prev.conditions, { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message }, now);
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: `no changes made until ${fix} is fixed` }, now);
  c = setCondition(c, { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: `waiting for a valid ${what === 'mode' ? 'mode value' : 'spec'}` }, now);
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

