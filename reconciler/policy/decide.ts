/**
 * decide(state, trigger, facts, now) → the next state, ordered effects, notes and the trigger's outcome.
 * Pure: no SDK, no clock, no env. One rule, one place:
 *
 *   1. repair a drill start that died half-way (S3)       4. the trigger: drill start (S3), alarm (S5),
 *   2. recover a drill whose record was lost (S3)            health-check backstop (S5), rate limit
 *   3. supersede a drill whose mode write was replaced (S4) 5. a real failover latches (S5)
 *                                                          6. announce operators' mode changes
 *                                                          7. drill expiry (S4)
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
  const rules = [repairPendingDrill, recoverLostDrill, supersedeDrill, onTrigger, failoverLatch, announceModeChange, drillExpiry];
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
  return failOver(i, b, 'alarm', `alarm ${name} is in ALARM: ${a.reason ?? 'no reason given'}`, false);
}

/** Backstop (docs/design.md §5): when CloudWatch cannot alarm, count unhealthy readings ourselves, over time. */
function backstopReading(i: PolicyInput, b: Step): RuleResult {
  const f = b.state.failover;
  const id = i.settings.failover.healthCheckId;
  if (!id) {
    b.outcome = { kind: 'none' };
    return 'pass';
  }
  const lastAt = f.lastReadingAt ? Date.parse(f.lastReadingAt) : undefined;
  if (lastAt !== undefined && i.now.getTime() - lastAt < MIN_READING_INTERVAL_MS) {
    b.outcome = { kind: 'reading-skipped', why: 'not-due' };
    return 'pass';
  }
  const h = i.facts.healthCheck;
  if (!h) return 'healthCheck';
  if ('unreadable' in h || h.healthy === undefined) {
    b.outcome = { kind: 'reading-skipped', why: 'unreadable' in h ? 'unreadable' : 'no-reading' };
    return 'pass';
  }
  const consecutiveUnhealthy = h.healthy ? 0 : (f.consecutiveUnhealthy ?? 0) + 1;
  b.state = { ...b.state, failover: { ...f, consecutiveUnhealthy, primaryHealthy: h.healthy, lastReadingAt: i.now.toISOString() } };
  b.outcome = { kind: 'reading-recorded', healthy: h.healthy, consecutiveUnhealthy };
  if (!h.healthy && !realFailoverActive(i, b.state) && consecutiveUnhealthy >= i.settings.failover.unhealthyReadings) {
    return failOver(i, b, 'health-check', `primary health check ${id} unhealthy for ${consecutiveUnhealthy} consecutive readings`, false);
  }
  return 'pass';
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
  if ((name && a.state !== 'OK') || b.state.failover.primaryHealthy === false) {
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
