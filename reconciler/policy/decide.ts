/**
 * decide(state, trigger, facts, now) → the next state, ordered effects, notes and the trigger's outcome.
 * Pure: no SDK, no clock, no env. One rule, one place:
 *
 *   1. repair a drill start that died half-way (S3)       4. the trigger: drill start (S3), alarm confirmed by
 *   2. recover a drill whose record was lost (S3)            a second source (S5, S10), the periodic reading of
 *   3. supersede a drill whose mode write was replaced (S4)  every source (S10), rate limit
 *   3b. a confirmed failback moves the writer back (S9)   5. a real failover latches (S5)
 *                                                          6. announce operators' mode changes
 *                                                          7. drill expiry (S4)
 *
 * Beside the steps: convergeMode (pilot light is refused while DR holds the writer, S2/S9) and traffic (the
 * gate, S9).
 *
 * A step fires the first rule that has effects and returns; the shell applies the effects in order and
 * asks again with the new facts, until a step has none. Rules are written so that firing once changes
 * what they see (a drill ended is gone, a trigger consumed is gone), so the loop ends.
 */
import { holdsWriter } from './promotion';
import type { Decision, Effect, Facts, FailoverSource, Need, Note, PolicyInput, PolicyState, TriggerOutcome } from './types';
import { DRILL_HISTORY, type DrillRecord, type DrStatus, type Outcome } from '../status';

/** `modeVersion` of a drill whose mode write has not happened yet. */
export const PENDING_VERSION = 0;
/** Backstop readings closer together than this count once: "consecutive" means over time, not passes. */
export const MIN_READING_INTERVAL_MS = 50_000;
/** A drill start that left its mode write this close to its record is taken as the drill's own write. */
const CLOCK_SKEW_MS = 5_000;
/** Mode request sources written by the reconciler itself (not announced as an operator's change). */
const AUTOMATIC_SOURCES = new Set(['alarm', 'health-check', 'drill', 'drill-expiry']);

/** One step of the policy. */
export function decide(input: PolicyInput): Decision {
  const b = new Step(input);
  const rules = [repairPendingDrill, recoverLostDrill, supersedeDrill, confirmFailback, onTrigger, oldPrimaryAnswers, failoverLatch, announceModeChange, drillExpiry];
  for (const rule of rules) {
    const r = rule(input, b);
    if (r === 'fired') return b.decided();
    if (r !== 'pass') return { kind: 'need', fact: r };
  }
  return b.decided();
}

type RuleResult = 'pass' | 'fired' | Need;
type Rule = (i: PolicyInput, b: Step) => RuleResult;

/** Accumulates one step's answer. State changes without effects (counters) carry into the next rule. */
class Step {
  state: PolicyState;
  readonly effects: Effect[] = [];
  readonly notes: Note[] = [];
  outcome?: TriggerOutcome;
  constructor(readonly input: PolicyInput) {
    this.state = input.state;
  }
  note(text: string, level: Note['level'] = 'info') {
    this.notes.push({ text, level });
  }
  persist() {
    this.effects.push({ kind: 'persist', state: this.state });
  }
  notify(subject: string, text: string, payload: Record<string, unknown>) {
    this.effects.push({ kind: 'notify', subject, text: `DR ${this.input.settings.environment}: ${text}`, payload });
  }
  decided(): Decision {
    return { kind: 'decided', state: this.state, effects: this.effects, notes: this.notes, ...(this.outcome ? { outcome: this.outcome } : {}) };
  }
  /** Ends the running drill with an outcome: history first, then the metric and the message. */
  endDrill(d: DrillRecord, outcome: NonNullable<DrillRecord['outcome']>, reason: string) {
    const ended: DrillRecord = { ...d, outcome, outcomeReason: reason, endedAt: this.input.now.toISOString() };
    this.state = { ...this.state, drill: undefined, drillHistory: [ended, ...this.state.drillHistory].slice(0, DRILL_HISTORY) };
    this.persist();
    this.note(`drill ${d.id} ended: ${outcome} (${reason})`);
    // Passed 1, Failed 0; a superseded drill neither passed nor failed.
    if (outcome !== 'Superseded') this.effects.push({ kind: 'metric', name: 'DrillOutcome', value: outcome === 'Passed' ? 1 : 0, unit: 'Count' });
    this.notify(`DR drill ${outcome.toLowerCase()}`, `drill ${d.id} ended ${outcome}: ${reason}.`, { event: 'DrillEnded', drill: ended });
  }
}

/** DR is active for a real failover (not a drill). */
function realFailoverActive(i: PolicyInput, state: PolicyState): boolean {
  return i.facts.mode === 'active' && !state.drill;
}

/** 1. A drill start that died half-way must never read as a real failover (S3). */
const repairPendingDrill: Rule = (i, b) => {
  const d = b.state.drill;
  if (!d || d.modeVersion !== PENDING_VERSION) return 'pass';
  const { facts } = i;
  const ours = facts.mode === 'active' && (facts.modeRequest.source === 'drill' || facts.modeWrittenAt.getTime() >= Date.parse(d.startedAt) - CLOCK_SKEW_MS);
  if (!ours) {
    b.endDrill(d, 'Failed', 'the drill start did not complete: the mode was never set to active');
    return 'fired';
  }
  const drill = { ...d, modeVersion: facts.generation };
  b.state = { ...b.state, drill };
  b.persist();
  b.note(`drill ${d.id} started for ${d.durationMinutes} minutes, until ${d.expiresAt}`);
  b.notify('DR drill started', `drill ${d.id} started by ${d.startedBy}; DR region active until ${d.expiresAt}. The database will not be promoted.`, { event: 'DrillStarted', drill });
  return 'fired';
};

/** 2. The drill record was lost but the mode write says it was a drill: keep it a drill, never promote (S3). */
const recoverLostDrill: Rule = (i, b) => {
  const { facts, settings } = i;
  if (b.state.drill || facts.mode !== 'active' || facts.modeRequest.source !== 'drill') return 'pass';
  const startedAt = Date.parse(facts.modeRequest.at);
  const drill: DrillRecord = {
    id: `drill-recovered-${facts.generation}`,
    startedAt: facts.modeRequest.at,
    expiresAt: new Date(startedAt + settings.drill.durationMinutes * 60_000).toISOString(),
    durationMinutes: settings.drill.durationMinutes,
    modeVersion: facts.generation,
    startedBy: facts.modeRequest.by ?? 'unknown',
  };
  b.state = { ...b.state, drill };
  b.note(`the mode was set by a drill whose record was lost; treating it as drill ${drill.id}`, 'warn');
  b.persist();
  return 'fired';
};

/** 3. A drill whose mode write was replaced is no longer in control: it ends Superseded (S4). The only place that decides it. */
const supersedeDrill: Rule = (i, b) => {
  const d = b.state.drill;
  const { facts } = i;
  if (!d || facts.generation === d.modeVersion) return 'pass';
  b.endDrill(d, 'Superseded', `the mode parameter was changed to ${facts.mode} (version ${facts.generation}) by ${facts.modeRequest.source} during the drill`);
  return 'fired';
};

/** 3b. `drctl failback complete` wrote pilot-light with source `failback`: the operator confirms the primary is the writer again (S9). */
const confirmFailback: Rule = (i, b) => {
  const p = b.state.promotion;
  const r = i.facts.modeRequest;
  if (!p || p.state !== 'Promoted' || p.failedBackAt || i.facts.mode !== 'pilot-light' || r.source !== 'failback') return 'pass';
  b.state = { ...b.state, promotion: { ...p, failedBackAt: r.at, ...(r.by ? { failedBackBy: r.by } : {}) } };
  b.persist();
  b.note(`failback confirmed by ${r.by ?? 'an operator'}: the primary holds the writer; traffic returns to the primary and DR scales to pilot light`, 'warn');
  b.notify('DR failback confirmed', `failback confirmed by ${r.by ?? 'an operator'} (${r.reason}). Traffic returns to the primary; DR scales down to pilot light. Re-create the DR read replica next (README: failback runbook).`, { event: 'FailbackConfirmed', by: r.by, reason: r.reason });
  return 'fired';
};

/** Whether the DR database holds the writer: promoted, and no failback confirmed yet. */
export function writerInDr(state: Pick<PolicyState, 'promotion'>): boolean {
  const p = state.promotion;
  return p !== undefined && p.state === 'Promoted' && !p.failedBackAt;
}

/**
 * The mode the rounds converge to. Pilot light is refused while DR holds the writer (S2, S9): scaling DR down
 * would leave the writer's region without an app and users nowhere. Failback is `drctl failback complete`.
 */
export function convergeMode(state: Pick<PolicyState, 'promotion'>, facts: Pick<Facts, 'mode'>): { mode: Facts['mode']; refused?: string } {
  if (facts.mode === 'pilot-light' && writerInDr(state)) {
    return {
      mode: 'active',
      refused: `pilot-light refused: the DR database ${state.promotion!.identifier} is the writer since ${state.promotion!.completedAt ?? state.promotion!.requestedAt}; DR stays active until failback (runbook, then drctl failback complete)`,
    };
  }
  return { mode: facts.mode };
}

/** Where users should be sent (S9): to DR only while the DR database is the writer, or, without a database, in a real failover. */
export function traffic(state: Pick<PolicyState, 'promotion' | 'drill'>, facts: Pick<Facts, 'mode'>, hasDatabase: boolean): { toDr: boolean; reason: string; message: string } {
  if (writerInDr(state)) return { toDr: true, reason: 'WriterInDr', message: `the DR database ${state.promotion!.identifier} is the writer: users go to DR until failback is confirmed` };
  if (state.drill) return { toDr: false, reason: 'Drill', message: 'a drill never moves traffic: users stay on the primary' };
  if (!hasDatabase && facts.mode === 'active') return { toDr: true, reason: 'RealFailover', message: 'a real failover without a database: users go to DR' };
  if (state.promotion?.state === 'Requested') return { toDr: false, reason: 'PromotionPending', message: 'the promotion is not accepted yet: users stay on the primary until DR holds the writer' };
  return { toDr: false, reason: 'PrimaryWriter', message: 'the primary holds the writer: users go to the primary' };
}

/** 4. What the trigger asks for. Consumes it. */
const onTrigger: Rule = (i, b) => {
  const t = i.trigger;
  if (!t) return 'pass';
  switch (t.kind) {
    case 'start-drill':
      return startDrill(i, b, t.durationMinutes ?? i.settings.drill.durationMinutes, t.startedBy);
    case 'alarm':
      return alarmTrigger(i, b);
    case 'resync':
      return backstopReading(i, b);
    default:
      b.outcome = { kind: 'none' };
      return 'pass';
  }
};

/** Why a drill may not start now, if it may not. */
export function drillRefusal(state: PolicyState, facts: Facts): string | undefined {
  if (holdsWriter(state.promotion)) {
    return `a promotion of ${state.promotion!.identifier} is latched (${state.promotion!.state}): the DR database is the writer, so a drill cannot run until failback is complete`;
  }
  if (facts.mode === 'active') return `DR is already active (${state.drill ? `drill ${state.drill.id} running` : `mode set by ${facts.modeRequest.source}`})`;
  if (state.observedGeneration !== 0 && facts.generation !== state.observedGeneration) {
    return `the mode parameter changed (version ${facts.generation}) and no pass has acted on it yet; try again after the next pass`;
  }
  return undefined;
}

function startDrill(i: PolicyInput, b: Step, durationMinutes: number, startedBy: string): RuleResult {
  const refusal = drillRefusal(b.state, i.facts);
  if (refusal) {
    b.note(`drill not started: ${refusal}`, 'warn');
    b.outcome = { kind: 'drill-refused', reason: refusal };
    return 'fired';
  }
  const t = i.now;
  const drill: DrillRecord = {
    id: `drill-${t.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`,
    startedAt: t.toISOString(),
    expiresAt: new Date(t.getTime() + durationMinutes * 60_000).toISOString(),
    durationMinutes,
    modeVersion: PENDING_VERSION,
    startedBy,
  };
  b.state = { ...b.state, drill };
  // The drill is recorded before the mode changes: a pass that dies after the mode write still sees a drill (S3).
  b.persist();
  b.effects.push({ kind: 'writeMode', mode: 'active', expectedVersion: i.facts.generation, request: { source: 'drill', reason: `DR drill (${durationMinutes} min)`, by: startedBy } });
  b.outcome = { kind: 'drill-started', drillId: drill.id, expiresAt: drill.expiresAt };
  return 'fired';
}

function alarmTrigger(i: PolicyInput, b: Step): RuleResult {
  // Rule S5: the SNS message may be stale; act only on the alarm's state now.
  const a = i.facts.alarm;
  if (!a) return 'alarm';
  const name = i.settings.failover.alarmName ?? 'none';
  if (a.state !== 'ALARM') {
    b.note(a.state === 'none' || a.state === 'unreadable' ? `alarm event ignored: no alarm configured or readable (${name})` : `alarm ${name} is ${a.state} now: not failing over`);
    b.outcome = { kind: 'alarm-ignored', state: a.state };
    return 'pass';
  }
  if (realFailoverActive(i, b.state)) {
    b.note('alarm is in ALARM and DR is already active');
    b.outcome = { kind: 'alarm-ignored', state: 'already-active' };
    return 'pass';
  }
  // Rule S10: one signal is not a sustained failure (a metric gap, or anyone with SetAlarmState). Confirm with a
  // second source: the probe from the DR region, or, without one, Route 53's own reading.
  const second = secondSource(i);
  if (typeof second !== 'object') return second;
  if (!second.failing) {
    b.note(`alarm ${name} is in ALARM but ${second.detail}: not failing over on one signal`, 'warn');
    b.outcome = { kind: 'alarm-ignored', state: 'unconfirmed' };
    return 'pass';
  }
  return failOver(i, b, 'alarm', `alarm ${name} is in ALARM (${a.reason ?? 'no reason given'}) and ${second.detail}`, false);
}

/** The source that confirms an alarm: the probe if configured, else the Route 53 health check. */
function secondSource(i: PolicyInput): { failing: boolean; detail: string } | Need {
  const f = i.settings.failover;
  if (f.probeUrl) {
    const p = i.facts.probe;
    if (!p) return 'probe';
    if ('none' in p) return { failing: false, detail: 'no probe is configured' };
    return { failing: !p.healthy, detail: `the probe from the DR region ${p.healthy ? 'sees the primary healthy' : 'fails'} (${p.detail})` };
  }
  if (!f.healthCheckId) return { failing: false, detail: 'no second source (probe or health check) is configured' };
  const h = i.facts.healthCheck;
  if (!h) return 'healthCheck';
  if ('unreadable' in h) return { failing: false, detail: 'the Route 53 health check cannot be read' };
  if (h.healthy === undefined) return { failing: false, detail: 'the Route 53 health check has no readings yet' };
  return { failing: !h.healthy, detail: `the Route 53 health check is ${h.healthy ? 'healthy' : 'unhealthy'}` };
}

/**
 * The periodic reading of every detection source (S10), counted over time: consecutive means minutes, not passes.
 * A failover needs the probe failing for N readings together with Route 53 (N unhealthy readings) or the alarm
 * (ALARM now) — or, only while the Route 53 and CloudWatch APIs are both unreachable, the probe failing for the
 * longer `probeOnlyReadings`. Without a probe, Route 53 and its alarm must agree. Unreachable is not unhealthy.
 */
function backstopReading(i: PolicyInput, b: Step): RuleResult {
  const f = b.state.failover;
  const cfg = i.settings.failover;
  if (!cfg.healthCheckId && !cfg.probeUrl) {
    b.outcome = { kind: 'none' };
    return 'pass';
  }
  const lastAt = f.lastReadingAt ? Date.parse(f.lastReadingAt) : undefined;
  if (lastAt !== undefined && i.now.getTime() - lastAt < MIN_READING_INTERVAL_MS) {
    b.outcome = { kind: 'reading-skipped', why: 'not-due' };
    return 'pass';
  }
  const { probe, healthCheck: h, alarm: a } = i.facts;
  if (cfg.probeUrl && !probe) return 'probe';
  if (cfg.healthCheckId && !h) return 'healthCheck';
  if (cfg.alarmName && !a) return 'alarm';

  const probeKnown = probe && !('none' in probe) ? probe : undefined;
  const probeFailures = probeKnown ? (probeKnown.healthy ? 0 : (f.probeFailures ?? 0) + 1) : undefined;
  const r53Known = h && !('unreadable' in h) && h.healthy !== undefined ? h.healthy : undefined;
  const r53Unhealthy = r53Known === undefined ? (f.consecutiveUnhealthy ?? 0) : r53Known ? 0 : (f.consecutiveUnhealthy ?? 0) + 1;
  const alarmInAlarm = a?.state === 'ALARM';
  const r53Down = !cfg.healthCheckId || (h !== undefined && 'unreadable' in h);
  const cwDown = !cfg.alarmName || a?.state === 'unreadable';
  const n = cfg.unhealthyReadings;
  const m = cfg.probeOnlyReadings;

  let reason: string | undefined;
  let decision: string;
  if (realFailoverActive(i, b.state)) decision = 'DR is already active';
  else if (probeFailures !== undefined && probeFailures >= n && (r53Unhealthy >= n || alarmInAlarm)) {
    reason = `the probe from the DR region failed ${probeFailures} readings in a row and ${alarmInAlarm ? `alarm ${cfg.alarmName} is in ALARM` : `Route 53 health check ${cfg.healthCheckId} was unhealthy for ${r53Unhealthy}`}`;
    decision = `failover: ${reason}`;
  } else if (probeFailures !== undefined && r53Down && cwDown && probeFailures >= m) {
    reason = `the probe from the DR region failed ${probeFailures} readings in a row while the Route 53 and CloudWatch APIs are unreachable`;
    decision = `failover: ${reason}`;
  } else if (!cfg.probeUrl && r53Unhealthy >= n && alarmInAlarm) {
    reason = `primary health check ${cfg.healthCheckId} unhealthy for ${r53Unhealthy} consecutive readings and alarm ${cfg.alarmName} in ALARM`;
    decision = `failover: ${reason}`;
  } else {
    decision = noFailoverWhy({ probeFailures, r53Unhealthy, alarmInAlarm, r53Down, cwDown, n, m, hasProbe: cfg.probeUrl !== undefined });
  }
  const lastSignals = {
    at: i.now.toISOString(),
    probe: !probe || 'none' in probe ? 'not configured' : `${probe.healthy ? 'healthy' : 'failed'} (${probe.detail})`,
    route53: !cfg.healthCheckId ? 'not configured' : !h ? 'not read' : 'unreadable' in h ? 'unreachable' : h.healthy === undefined ? 'no readings' : h.healthy ? 'healthy' : 'unhealthy',
    alarm: !cfg.alarmName ? 'not configured' : a?.state === 'unreadable' ? 'unreachable' : (a?.state ?? 'not read'),
    decision,
  };
  const primaryHealthy = probeKnown ? probeKnown.healthy : (r53Known ?? f.primaryHealthy);
  b.state = {
    ...b.state,
    failover: { ...f, probeFailures, consecutiveUnhealthy: r53Unhealthy, primaryHealthy, lastReadingAt: i.now.toISOString(), lastSignals },
  };
  b.outcome = { kind: 'reading-recorded', decision };
  return reason ? failOver(i, b, 'health-check', reason, false) : 'pass';
}

/** Why the readings do not make a failover, for status. */
function noFailoverWhy(r: { probeFailures?: number; r53Unhealthy: number; alarmInAlarm: boolean; r53Down: boolean; cwDown: boolean; n: number; m: number; hasProbe: boolean }): string {
  if (r.hasProbe && (r.probeFailures ?? 0) === 0) {
    return r.alarmInAlarm || r.r53Unhealthy > 0 ? 'no failover: the probe from the DR region sees the primary healthy (one source is not a failure)' : 'no failover: the primary is healthy';
  }
  if (r.hasProbe) {
    const need = r.r53Down && r.cwDown ? `${r.m} with Route 53 and CloudWatch unreachable` : `${r.n} with Route 53 or the alarm agreeing`;
    return `no failover yet: the probe failed ${r.probeFailures} readings in a row (needs ${need}); Route 53 unhealthy ${r.r53Unhealthy}, alarm ${r.alarmInAlarm ? 'ALARM' : 'not in ALARM'}`;
  }
  return `no failover: Route 53 unhealthy ${r.r53Unhealthy} of ${r.n} readings, alarm ${r.alarmInAlarm ? 'ALARM' : 'not in ALARM'} (both must agree without a probe)`;
}

/** An automatic failover: rate-limited (S5) unless a drill's expiry meets a real alarm. */
function failOver(i: PolicyInput, b: Step, source: FailoverSource, reason: string, ignoreRateLimit: boolean): RuleResult {
  const f = b.state.failover;
  const last = f.lastAutomaticAt ? Date.parse(f.lastAutomaticAt) : undefined;
  const minMs = i.settings.failover.minIntervalMinutes * 60_000;
  if (!ignoreRateLimit && last !== undefined && i.now.getTime() - last < minMs) {
    const until = new Date(last + minMs).toISOString();
    b.note(`automatic failover suppressed: the last one was at ${f.lastAutomaticAt}, less than ${i.settings.failover.minIntervalMinutes} minutes ago (until ${until})`, 'warn');
    b.outcome = { kind: 'failover-suppressed', until };
    return 'pass';
  }
  // The mode write comes first: if the parameter moved meanwhile, nothing below happened and the next step decides again.
  b.effects.push({ kind: 'writeMode', mode: 'active', expectedVersion: i.facts.generation, request: { source, reason } });
  const d = b.state.drill;
  b.state = { ...b.state, failover: { ...b.state.failover, lastAutomaticAt: i.now.toISOString() } };
  if (d) b.endDrill(d, 'Superseded', `a real failover (${source}: ${reason}) took over during the drill`);
  else b.persist();
  b.effects.push({ kind: 'metric', name: 'Failovers', value: 1, unit: 'Count' });
  b.note(`failing over to the DR region: ${reason}`, 'warn');
  b.notify('DR failover started', `failover started (${source}): ${reason}. The read replica will be promoted.`, { event: 'FailoverStarted', source, reason });
  b.outcome = { kind: 'failover-started', source };
  return 'fired';
}

/**
 * 4b. The primary region answers again while DR holds the writer (S9): its database is the old, stale writer. Say so
 * once, and with the opt-in fence stop the old primary instance so that a stray app there cannot write to it.
 * Evidence: this pass's probe of the primary (or, without a probe, Route 53) reads healthy.
 */
const oldPrimaryAnswers: Rule = (i, b) => {
  const p = b.state.promotion;
  if (!p || !writerInDr(b.state) || p.primaryAnsweredAt) return 'pass';
  const probe = i.facts.probe;
  const answers = probe && !('none' in probe) ? probe.healthy : i.settings.failover.probeUrl === undefined && i.facts.healthCheck !== undefined && 'healthy' in i.facts.healthCheck && i.facts.healthCheck.healthy === true;
  if (!answers) return 'pass';
  const db = i.settings.database;
  const fence = db?.fenceOldPrimary === true && db.primaryArn !== undefined;
  b.state = { ...b.state, promotion: { ...p, primaryAnsweredAt: i.now.toISOString(), ...(fence ? { fenceRequestedAt: i.now.toISOString() } : {}) } };
  b.persist();
  const old = db?.primaryArn ?? 'the old primary';
  b.note(`the primary region answers again; its database (${old}) is stale: DR keeps the writer and the users until failback${fence ? '; stopping it (fence)' : ''}`, 'warn');
  b.notify(
    'DR: the old primary answers again',
    `the primary region answers again after the failover. Its database (${old}) is the OLD writer: anything written there now is lost to the DR writer. ${fence ? 'The reconciler is stopping it (fence_old_primary).' : 'Keep applications in the primary region from writing to it (stop it, or detach its ingress), then follow the failback runbook.'}`,
    { event: 'OldPrimaryAnswers', primaryArn: db?.primaryArn, fence },
  );
  if (fence) b.effects.push({ kind: 'fence', primaryArn: db!.primaryArn! });
  return 'fired';
};

/** 5. A real failover latches (S5): say so when the primary looks healthy again; never fail back by itself. */
const failoverLatch: Rule = (i, b) => {
  const source = i.facts.modeRequest.source;
  if (!realFailoverActive(i, b.state) || (source !== 'alarm' && source !== 'health-check')) return 'pass';
  if (!i.settings.failover.alarmName) return 'pass';
  const a = i.facts.alarm;
  if (!a) return 'alarm';
  const f = b.state.failover;
  const primaryHealthy = a.state === 'OK' ? true : a.state === 'ALARM' ? false : f.primaryHealthy;
  b.state = { ...b.state, failover: { ...f, primaryHealthy } };
  if (primaryHealthy) b.note('the primary looks healthy again; DR stays active: failback is a deliberate operator step (drctl set-mode pilot-light)');
  return 'pass';
};

/** 6. Mode changes made outside the reconciler (drctl set-mode, the console) are announced like automatic ones. */
const announceModeChange: Rule = (i, b) => {
  const { facts } = i;
  const s = b.state;
  if (facts.generation === s.announcedGeneration) return 'pass';
  b.state = { ...s, announcedGeneration: facts.generation };
  if (s.observedGeneration === 0 || AUTOMATIC_SOURCES.has(facts.modeRequest.source)) return 'pass';
  const r = facts.modeRequest;
  const who = `${r.source}${r.by ? ` (${r.by})` : ''}${r.reason ? `: ${r.reason}` : ''}`;
  const payload = { source: r.source, by: r.by, reason: r.reason };
  if (facts.mode === 'active' && !s.drill) {
    b.effects.push({ kind: 'metric', name: 'Failovers', value: 1, unit: 'Count' });
    b.notify('DR failover started', `failover started by ${who}. The read replica will be promoted.`, { event: 'FailoverStarted', ...payload });
    return 'fired';
  }
  if (facts.mode === 'pilot-light') {
    b.notify('DR returning to pilot light', `returning to pilot light, requested by ${who}. Compute scales down; a promoted database is left alone.`, { event: 'FailbackStarted', ...payload });
    return 'fired';
  }
  return 'pass';
};

/** 7. Drill expiry, checked by every step (S4): revert only on evidence of a healthy primary, only the drill's own write. */
const drillExpiry: Rule = (i, b) => {
  const d = b.state.drill;
  if (!d || i.now.getTime() < Date.parse(d.expiresAt)) return 'pass';
  const name = i.settings.failover.alarmName;
  let a = i.facts.alarm;
  if (name && !a) return 'alarm';
  a ??= { state: 'none' };
  if (a.state === 'ALARM') return failOver(i, b, 'alarm', `alarm ${name} is in ALARM at the end of drill ${d.id}`, true);
  // With us-east-1's alarm unreadable, the DR region's own probe is evidence enough that the primary is fine.
  const probeOk = i.settings.failover.probeUrl !== undefined && a.state === 'unreadable' ? i.facts.probe : undefined;
  if (i.settings.failover.probeUrl !== undefined && a.state === 'unreadable' && !probeOk) return 'probe';
  const probeHealthy = probeOk !== undefined && !('none' in probeOk) && probeOk.healthy;
  if ((name && a.state !== 'OK' && !probeHealthy) || b.state.failover.primaryHealthy === false) {
    b.note(`drill ${d.id} expired but the primary's health is not known to be OK (alarm ${a.state}${b.state.failover.primaryHealthy === false ? ', health check unhealthy' : ''}): DR stays active for now`, 'warn');
    return 'pass';
  }
  const why: string[] = [];
  if (d.convergenceSeconds === undefined) why.push('never converged to active');
  if (d.replicaCheck && !d.replicaCheck.ok) why.push(`replica check failed: ${d.replicaCheck.detail}`);
  // The write names the drill's own version: an operator's write in the meantime supersedes the drill instead (rule 3).
  b.effects.push({ kind: 'writeMode', mode: 'pilot-light', expectedVersion: d.modeVersion, request: { source: 'drill-expiry', reason: `drill ${d.id} expired` } });
  b.endDrill(d, why.length === 0 ? 'Passed' : 'Failed', why.length === 0 ? `converged in ${d.convergenceSeconds}s; replica verified` : why.join('; '));
  return 'fired';
};

/** Messages after the converge rounds: converged (once per generation), degraded (on the transition). */
export function afterConverge(prev: DrStatus, status: DrStatus, outcome: Outcome, justConverged: boolean, environment: string): Effect[] {
  const effects: Effect[] = [];
  if (justConverged) {
    const s = status.timings.convergenceSeconds;
    effects.push({ kind: 'metric', name: 'ConvergenceSeconds', value: s ?? 0, unit: 'Seconds' });
    effects.push({ kind: 'notify', subject: `DR converged to ${status.mode}`, text: `DR ${environment}: converged to ${status.mode} in ${s}s.`, payload: { event: 'Converged', mode: status.mode, convergenceSeconds: s, generation: status.observedGeneration } });
  }
  const wasDegraded = prev.conditions.find((c) => c.type === 'Degraded')?.status === 'True';
  if (outcome === 'Degraded' && !wasDegraded) {
    const bad = status.resources.filter((r) => r.lastError).map((r) => `${r.resource}: ${r.lastError}`);
    effects.push({ kind: 'notify', subject: 'DR degraded', text: `DR ${environment} is degraded:\n${bad.join('\n')}`, payload: { event: 'Degraded', resources: bad } });
  }
  return effects;
}
