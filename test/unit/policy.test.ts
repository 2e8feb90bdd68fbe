import { expect } from 'chai';
import {
  convergeMode,
  decide,
  followUpNeeded,
  PROGRESS_RECHECK_SECONDS,
  PROMOTION_RECHECK_SECONDS,
  REQUEUE_FLOOR_SECONDS,
  requeueAfter,
  traffic,
  holdsWriter,
  latchAfterAnswer,
  latchBeforeRequest,
  latchFromObservation,
  PENDING_VERSION,
  promotionDesired,
  PROMOTION_STUCK_MS,
  type Decision,
  type Effect,
  type Facts,
  type PolicyInput,
  type PolicyState,
  type Trigger,
} from '../../reconciler/policy';
import type { DatabasePromotion, DrillRecord, DrStatus, FailoverRecord } from '../../reconciler/status';
import { replica, sampleEnvironment } from '../support/fixtures';

const env = sampleEnvironment();
const settings = { environment: 'dr', failover: env.spec.failover, drill: env.spec.drill };
/** With a probe of the primary from the DR region: N = 3 readings together with Route 53 or the alarm, M = 5 alone. */
const probing = { ...settings, failover: { ...env.spec.failover, probeUrl: 'https://primary.example.com/health', probeOnlyReadings: 5 } };
const T0 = Date.parse('2026-03-02T00:05:00Z');
const at = (ms: number) => new Date(T0 + ms);
const MIN = 60_000;

type Mod<T> = (t: T) => T;

/** Policy state at pilot light, reconciled at generation 1, then modified. */
function state(...mods: Mod<PolicyState>[]): PolicyState {
  const base: PolicyState = { drillHistory: [], failover: {}, observedGeneration: 1, announcedGeneration: 1 };
  return mods.reduce((s, m) => m(s), base);
}
const withDrill = (d: Partial<DrillRecord> = {}): Mod<PolicyState> => (s) => ({
  ...s,
  drill: { id: 'drill-1', startedAt: at(-10 * MIN).toISOString(), expiresAt: at(50 * MIN).toISOString(), durationMinutes: 60, modeVersion: 2, startedBy: 'schedule', ...d },
});
const withFailover = (f: FailoverRecord): Mod<PolicyState> => (s) => ({ ...s, failover: { ...s.failover, ...f } });
const withPromotion = (p: Partial<DatabasePromotion> = {}): Mod<PolicyState> => (s) => ({
  ...s,
  promotion: { identifier: 'app-replica', state: 'Promoted', requestedAt: at(-MIN).toISOString(), generation: 2, ...p },
});
const withGeneration = (g: number): Mod<PolicyState> => (s) => ({ ...s, observedGeneration: g, announcedGeneration: g });

/** Facts: the mode parameter at `generation`, written by `source`, then modified. */
function facts(mode: Facts['mode'], generation: number, source = 'operator', more: Partial<Facts> = {}): Facts {
  const written = at(-MIN);
  return {
    mode,
    generation,
    modeWrittenAt: written,
    modeRequest: { mode, source, at: written.toISOString(), modeVersion: generation, reason: 'test' },
    ...more,
  };
}
const alarm = (s: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'unreadable') => ({ alarm: { state: s } });

function step(s: PolicyState, trigger: Trigger | undefined, f: Facts, now = at(0), with_ = settings): Decision {
  const input: PolicyInput = { state: s, trigger, facts: f, now, settings: with_ };
  return decide(input);
}
const kinds = (d: Decision) => (d.kind === 'decided' ? d.effects.map(label) : [`need ${d.fact}`]);
function label(e: Effect): string {
  switch (e.kind) {
    case 'persist':
      return `persist${e.state.drill ? ` drill@${e.state.drill.modeVersion}` : ''}`;
    case 'writeMode':
      return `writeMode ${e.mode} if v${e.expectedVersion}`;
    case 'notify':
      return `notify ${e.subject}`;
    case 'metric':
      return `metric ${e.name}=${e.value}`;
    case 'fence':
      return `fence ${e.primaryArn}`;
  }
}
const decided = (d: Decision) => {
  if (d.kind !== 'decided') throw new Error(`expected a decision, got: need ${d.fact}`);
  return d;
};

const startDrill: Trigger = { kind: 'start-drill', startedBy: 'drctl (ops)', durationMinutes: 30 };
const alarmEvent: Trigger = { kind: 'alarm', alarmName: 'dr-primary-health' };
const resync: Trigger = { kind: 'resync' };

interface Case {
  readonly state: PolicyState;
  readonly trigger?: Trigger;
  readonly facts: Facts;
  readonly now?: Date;
  /** @default the sample spec (alarm and Route 53 health check, no probe) */
  readonly settings?: PolicyInput['settings'];
  /** The effects, in order, or the fact the step needs first. */
  readonly want: readonly string[];
  readonly outcome?: Record<string, unknown>;
  readonly check?: (d: Extract<Decision, { kind: 'decided' }>) => void;
}

const cases: Record<string, Case> = {
  // --- drills: start and refusal (S3, S12) ---
  'drill start in pilot light: the record is persisted before the mode write, which names the version it saw': {
    state: state(),
    trigger: startDrill,
    facts: facts('pilot-light', 1),
    want: [`persist drill@${PENDING_VERSION}`, 'writeMode active if v1'],
    outcome: { kind: 'drill-started' },
    check: (d) => expect(d.state.drill).to.include({ durationMinutes: 30, startedBy: 'drctl (ops)', expiresAt: at(30 * MIN).toISOString() }),
  },
  'drill start while DR is active: refused, no effects': {
    state: state(withGeneration(2)),
    trigger: startDrill,
    facts: facts('active', 2),
    want: [],
    outcome: { kind: 'drill-refused', reason: 'DR is already active (mode set by operator)' },
  },
  'drill start while a promotion is latched (back in pilot light before failback): refused': {
    state: state(withGeneration(3), withPromotion()),
    trigger: startDrill,
    facts: facts('pilot-light', 3),
    want: [],
    outcome: { kind: 'drill-refused' },
    check: (d) => expect((d.outcome as { reason: string }).reason).to.match(/promotion of app-replica is latched/),
  },
  'drill start while a promotion request is pending: refused too (the writer may be moving)': {
    state: state(withGeneration(3), withPromotion({ state: 'Requested' })),
    trigger: startDrill,
    facts: facts('pilot-light', 3),
    want: [],
    outcome: { kind: 'drill-refused' },
  },
  'drill start after a mode change no pass has acted on: refused': {
    state: state(withGeneration(2)),
    trigger: startDrill,
    facts: facts('pilot-light', 3),
    want: [],
    outcome: { kind: 'drill-refused', reason: 'the mode parameter changed (version 3) and no pass has acted on it yet; try again after the next pass' },
  },
  // --- drills: repair, recovery, supersede (S3, S4) ---
  'a drill whose mode write happened is bound to that version and announced': {
    state: state(withDrill({ modeVersion: PENDING_VERSION, startedAt: at(-2000).toISOString() })),
    facts: facts('active', 2, 'drill'),
    want: ['persist drill@2', 'notify DR drill started'],
  },
  'a drill start that died before its mode write ends Failed and never reads as a failover': {
    state: state(withDrill({ modeVersion: PENDING_VERSION })),
    facts: facts('pilot-light', 1),
    want: ['persist', 'metric DrillOutcome=0', 'notify DR drill failed'],
    check: (d) => expect(d.state.drillHistory[0]).to.include({ outcome: 'Failed' }),
  },
  'a lost drill record with a drill-written mode is recovered as a drill': {
    state: state(withGeneration(2)),
    facts: facts('active', 2, 'drill'),
    want: ['persist drill@2'],
    check: (d) => expect(d.state.drill?.id).to.equal('drill-recovered-2'),
  },
  'a drill whose mode was rewritten by an operator is superseded (the one supersede rule)': {
    state: state(withDrill({ modeVersion: 2 }), withGeneration(2)),
    facts: facts('active', 3),
    want: ['persist', 'notify DR drill superseded'],
    check: (d) => expect(d.state.drillHistory[0]).to.include({ outcome: 'Superseded', outcomeReason: 'the mode parameter was changed to active (version 3) by operator during the drill' }),
  },
  // --- drill expiry (S4) ---
  'expiry with the alarm OK, same version, converged: mode pilot-light (if still the drill\'s version), then Passed': {
    state: state(withDrill({ expiresAt: at(-1).toISOString(), convergenceSeconds: 42 }), withGeneration(2)),
    facts: facts('active', 2, 'drill', alarm('OK')),
    want: ['writeMode pilot-light if v2', 'persist', 'metric DrillOutcome=1', 'notify DR drill passed'],
    check: (d) => expect(d.state.drillHistory[0]).to.include({ outcome: 'Passed', outcomeReason: 'converged in 42s; replica verified' }),
  },
  'expiry of a drill that never converged: reverts, Failed': {
    state: state(withDrill({ expiresAt: at(-1).toISOString() }), withGeneration(2)),
    facts: facts('active', 2, 'drill', alarm('OK')),
    want: ['writeMode pilot-light if v2', 'persist', 'metric DrillOutcome=0', 'notify DR drill failed'],
  },
  'expiry needs the alarm: it is read then, and only then': {
    state: state(withDrill({ expiresAt: at(-1).toISOString() }), withGeneration(2)),
    facts: facts('active', 2, 'drill'),
    want: ['need alarm'],
  },
  'before expiry the alarm is not read at all': {
    state: state(withDrill(), withGeneration(2)),
    facts: facts('active', 2, 'drill'),
    want: [],
  },
  'expiry with the alarm INSUFFICIENT_DATA: nothing, DR stays active': {
    state: state(withDrill({ expiresAt: at(-1).toISOString(), convergenceSeconds: 10 }), withGeneration(2)),
    facts: facts('active', 2, 'drill', alarm('INSUFFICIENT_DATA')),
    want: [],
    check: (d) => expect(d.notes[0].text).to.match(/DR stays active for now/),
  },
  'expiry with the alarm unreadable: nothing, DR stays active': {
    state: state(withDrill({ expiresAt: at(-1).toISOString(), convergenceSeconds: 10 }), withGeneration(2)),
    facts: facts('active', 2, 'drill', alarm('unreadable')),
    want: [],
  },
  'expiry with the alarm in ALARM: a real failover takes over, past the rate limit': {
    state: state(withDrill({ expiresAt: at(-1).toISOString() }), withGeneration(2), withFailover({ lastAutomaticAt: at(-5 * MIN).toISOString() })),
    facts: facts('active', 2, 'drill', alarm('ALARM')),
    want: ['writeMode active if v2', 'persist', 'notify DR drill superseded', 'metric Failovers=1', 'notify DR failover started'],
    outcome: undefined,
  },
  // --- the alarm path (S5) ---
  'ALARM confirmed by Route 53 (no probe), no failover before: fail over; the mode write comes before the bookkeeping': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', { ...alarm('ALARM'), healthCheck: { healthy: false } }),
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
    outcome: { kind: 'failover-started', source: 'alarm' },
    check: (d) => expect(d.state.failover.lastAutomaticAt).to.equal(at(0).toISOString()),
  },
  'ALARM 30 minutes after the last failover, with a 60-minute minimum: suppressed until then': {
    state: state(withFailover({ lastAutomaticAt: at(-30 * MIN).toISOString() })),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', { ...alarm('ALARM'), healthCheck: { healthy: false } }),
    want: [],
    outcome: { kind: 'failover-suppressed', until: at(30 * MIN).toISOString() },
  },
  'ALARM during a drill: the drill is superseded by the real failover': {
    state: state(withDrill(), withGeneration(2)),
    trigger: alarmEvent,
    facts: facts('active', 2, 'drill', { ...alarm('ALARM'), healthCheck: { healthy: false } }),
    want: ['writeMode active if v2', 'persist', 'notify DR drill superseded', 'metric Failovers=1', 'notify DR failover started'],
    outcome: { kind: 'failover-started' },
  },
  'an alarm event whose alarm is OK now: ignored': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', alarm('OK')),
    want: [],
    outcome: { kind: 'alarm-ignored', state: 'OK' },
  },
  'an alarm event while the alarm cannot be read: ignored (unreachable is not unhealthy)': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', alarm('unreadable')),
    want: [],
    outcome: { kind: 'alarm-ignored', state: 'unreadable' },
  },
  'an alarm event reads the alarm first': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1),
    want: ['need alarm'],
  },
  'ALARM while a real failover is active: nothing more': {
    state: state(withGeneration(2)),
    trigger: alarmEvent,
    facts: facts('active', 2, 'alarm', alarm('ALARM')),
    want: [],
    outcome: { kind: 'alarm-ignored', state: 'already-active' },
  },
  // --- the alarm needs a second source (S10) ---
  'ALARM set by hand or from a metric gap, Route 53 healthy: not on one signal': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', { ...alarm('ALARM'), healthCheck: { healthy: true } }),
    want: [],
    outcome: { kind: 'alarm-ignored', state: 'unconfirmed' },
  },
  'ALARM reads the second source next: the probe when there is one': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', alarm('ALARM')),
    settings: probing,
    want: ['need probe'],
  },
  'ALARM with the probe failing too: fail over': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', { ...alarm('ALARM'), probe: { healthy: false, detail: 'HTTP 503' } }),
    settings: probing,
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
    outcome: { kind: 'failover-started', source: 'alarm' },
  },
  'ALARM with the probe healthy: not failing over': {
    state: state(),
    trigger: alarmEvent,
    facts: facts('pilot-light', 1, 'operator', { ...alarm('ALARM'), probe: { healthy: true, detail: 'HTTP 200' } }),
    settings: probing,
    want: [],
    outcome: { kind: 'alarm-ignored', state: 'unconfirmed' },
  },
  // --- periodic readings of every source (S10) ---
  'a due reading reads the probe, then Route 53, then the alarm': {
    state: state(withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1),
    settings: probing,
    want: ['need probe'],
  },
  'N−1 failed probes with Route 53 unhealthy: counted, nothing else': {
    state: state(withFailover({ probeFailures: 1, consecutiveUnhealthy: 1, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'HTTP 503' }, healthCheck: { healthy: false }, ...alarm('OK') }),
    settings: probing,
    want: [],
    check: (d) => expect(d.state.failover).to.include({ probeFailures: 2, consecutiveUnhealthy: 2 }),
  },
  'primary down: the N-th failed probe with Route 53 unhealthy fails over': {
    state: state(withFailover({ probeFailures: 2, consecutiveUnhealthy: 2, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'HTTP 503' }, healthCheck: { healthy: false }, ...alarm('OK') }),
    settings: probing,
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
    outcome: { kind: 'failover-started', source: 'health-check' },
  },
  'primary down: the N-th failed probe with the alarm in ALARM fails over (Route 53 unreachable)': {
    state: state(withFailover({ probeFailures: 2, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'HTTP 503' }, healthCheck: { unreadable: true }, ...alarm('ALARM') }),
    settings: probing,
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
  },
  'primary in us-east-1 and down, both APIs unreachable: the probe alone waits for M readings': {
    state: state(withFailover({ probeFailures: 3, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'connect ECONNREFUSED' }, healthCheck: { unreadable: true }, ...alarm('unreadable') }),
    settings: probing,
    want: [],
    check: (d) => expect(d.state.failover.lastSignals?.decision).to.match(/needs 5 with Route 53 and CloudWatch unreachable/),
  },
  'primary in us-east-1 and down, both APIs unreachable: the M-th failed probe fails over': {
    state: state(withFailover({ probeFailures: 4, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'connect ECONNREFUSED' }, healthCheck: { unreadable: true }, ...alarm('unreadable') }),
    settings: probing,
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
  },
  'DR → primary partition only: the probe fails, Route 53 and the alarm are healthy: no failover however long': {
    state: state(withFailover({ probeFailures: 40, consecutiveUnhealthy: 0, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: false, detail: 'timeout after 3 s' }, healthCheck: { healthy: true }, ...alarm('OK') }),
    settings: probing,
    want: [],
  },
  'a metric gap: alarm INSUFFICIENT_DATA, Route 53 and probe healthy: nothing': {
    state: state(withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { healthy: true }, ...alarm('INSUFFICIENT_DATA') }),
    settings: probing,
    want: [],
    check: (d) => expect(d.state.failover.lastSignals).to.deep.include({ alarm: 'INSUFFICIENT_DATA', decision: 'no failover: the primary is healthy' }),
  },
  'the alarm set by hand, Route 53 unhealthy from the same data, the probe healthy: nothing': {
    state: state(withFailover({ consecutiveUnhealthy: 5, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { healthy: false }, ...alarm('ALARM') }),
    settings: probing,
    want: [],
    check: (d) => expect(d.state.failover.lastSignals?.decision).to.match(/probe from the DR region sees the primary healthy/),
  },
  'the Route 53 API down (us-east-1), the primary fine: nothing': {
    state: state(withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { unreadable: true }, ...alarm('unreadable') }),
    settings: probing,
    want: [],
    check: (d) => expect(d.state.failover.lastSignals).to.include({ route53: 'unreachable', alarm: 'unreachable' }),
  },
  'without a probe: Route 53 N readings and the alarm must agree': {
    state: state(withFailover({ consecutiveUnhealthy: 2, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { healthCheck: { healthy: false }, ...alarm('ALARM') }),
    want: ['writeMode active if v1', 'persist', 'metric Failovers=1', 'notify DR failover started'],
  },
  'without a probe: Route 53 alone, however long, is one source': {
    state: state(withFailover({ consecutiveUnhealthy: 9, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { healthCheck: { healthy: false }, ...alarm('OK') }),
    want: [],
  },
  'two readings 30 s apart count once: the second is not even read': {
    state: state(withFailover({ consecutiveUnhealthy: 2, lastReadingAt: at(-30_000).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1),
    settings: probing,
    want: [],
    outcome: { kind: 'reading-skipped', why: 'not-due' },
  },
  'no Route 53 reading yet, or its API unreachable: the count stays where it was': {
    state: state(withFailover({ consecutiveUnhealthy: 2, lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('pilot-light', 1, 'operator', { healthCheck: { unreadable: true }, ...alarm('OK') }),
    want: [],
    check: (d) => expect(d.state.failover.consecutiveUnhealthy).to.equal(2),
  },
  // --- the old writer (S9): recorded, said, and with the opt-in fence stopped ---
  'the primary answers again while DR holds the writer: recorded and said once': {
    state: state(withGeneration(2), withPromotion(), withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('active', 2, 'alarm', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { healthy: true }, ...alarm('OK') }),
    settings: probing,
    want: ['persist', 'notify DR: the old primary answers again'],
    check: (d) => expect(d.state.promotion).to.include({ primaryAnsweredAt: at(0).toISOString() }).and.not.have.property('fenceRequestedAt'),
  },
  'with fence_old_primary, it is stopped': {
    state: state(withGeneration(2), withPromotion(), withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('active', 2, 'alarm', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { healthy: true }, ...alarm('OK') }),
    settings: { ...probing, database: { replicaIdentifier: 'app-replica', primaryArn: 'arn:aws:rds:us-east-1:123456789012:db:app-primary', fenceOldPrimary: true } },
    want: ['persist', 'notify DR: the old primary answers again', 'fence arn:aws:rds:us-east-1:123456789012:db:app-primary'],
  },
  'the old primary already seen: nothing more': {
    state: state(withGeneration(2), withPromotion({ primaryAnsweredAt: at(-MIN).toISOString() }), withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('active', 2, 'alarm', { probe: { healthy: true, detail: 'HTTP 200' }, healthCheck: { healthy: true }, ...alarm('OK') }),
    settings: probing,
    want: [],
  },
  'the primary still down: nothing said': {
    state: state(withGeneration(2), withPromotion(), withFailover({ lastReadingAt: at(-MIN).toISOString() })),
    trigger: resync,
    facts: facts('active', 2, 'alarm', { probe: { healthy: false, detail: 'HTTP 503' }, healthCheck: { healthy: false }, ...alarm('ALARM') }),
    settings: probing,
    want: [],
  },
  // --- the writer and traffic (S9) ---
  'a confirmed failback (drctl failback complete) moves the writer back: persisted and announced': {
    state: state(withGeneration(3), withPromotion()),
    facts: facts('pilot-light', 4, 'failback'),
    want: ['persist', 'notify DR failback confirmed'],
    check: (d) => expect(d.state.promotion?.failedBackAt).to.equal(at(-MIN).toISOString()),
  },
  // --- latch and announcements (S5) ---
  'a real failover latches: the primary healthy again is said, nothing is written': {
    state: state(withGeneration(2)),
    facts: facts('active', 2, 'alarm', alarm('OK')),
    want: [],
    check: (d) => expect(d.notes.map((n) => n.text).join()).to.match(/DR stays active: failback is a deliberate operator step/),
  },
  "an operator's failover is announced once": {
    state: state(),
    facts: facts('active', 2, 'operator'),
    want: ['metric Failovers=1', 'notify DR failover started'],
    check: (d) => expect(decided(step(d.state, undefined, facts('active', 2, 'operator'))).effects).to.deep.equal([]),
  },
  "an operator's return to pilot light is announced": {
    state: state(withGeneration(2)),
    facts: facts('pilot-light', 3, 'operator'),
    want: ['notify DR returning to pilot light'],
  },
  'the first pass ever announces nothing': {
    state: state(withGeneration(0)),
    facts: facts('active', 1, 'operator'),
    want: [],
  },
};

describe('policy: decide (S1–S5 as a table)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const d = step(c.state, c.trigger, c.facts, c.now, c.settings);
      expect(kinds(d)).to.deep.equal(c.want);
      if (d.kind === 'decided') {
        if (c.outcome) expect(d.outcome).to.deep.include(c.outcome);
        c.check?.(d);
      }
    });
  }

  it('is pure: the same input gives the same answer, and the input is not changed', () => {
    const s = state(withDrill({ expiresAt: at(-1).toISOString(), convergenceSeconds: 1 }), withGeneration(2));
    const f = facts('active', 2, 'drill', alarm('OK'));
    const frozen = JSON.stringify({ s, f });
    expect(step(s, undefined, f)).to.deep.equal(step(s, undefined, f));
    expect(JSON.stringify({ s, f })).to.equal(frozen);
  });
});

describe('policy: the promotion latch (S1)', () => {
  const now = at(0);
  const requested = (over: Partial<DatabasePromotion> = {}): DatabasePromotion => ({ identifier: 'app-replica', state: 'Requested', requestedAt: at(-MIN).toISOString(), generation: 2, attempts: 1, ...over });

  it('before a call: Requested, first time now; a re-issue keeps the first time and counts attempts', () => {
    const first = latchBeforeRequest(undefined, 'app-replica', 2, now);
    expect(first).to.include({ state: 'Requested', requestedAt: now.toISOString(), attempts: 1 });
    const again = latchBeforeRequest({ ...first, error: 'Throttling' }, 'app-replica', 2, at(MIN));
    expect(again).to.include({ state: 'Requested', requestedAt: now.toISOString(), attempts: 2, error: 'Throttling' });
  });

  const answers: Record<string, [Parameters<typeof latchAfterAnswer>[1], DatabasePromotion['state']]> = {
    'accepted → Promoted': [{ ok: true }, 'Promoted'],
    'throttled (RDS did nothing) → stays Requested, re-issued': [{ ok: false, retryable: true, error: 'Rate exceeded' }, 'Requested'],
    'timeout or reset (unknown) → stays Requested': [{ ok: false, retryable: true, error: 'socket hang up' }, 'Requested'],
    'refused → Failed': [{ ok: false, retryable: false, error: 'InvalidParameterCombination' }, 'Failed'],
  };
  for (const [name, [answer, want]] of Object.entries(answers)) {
    it(`after a call: ${name}`, () => expect(latchAfterAnswer(requested(), answer, now).state).to.equal(want));
  }

  it('observed standalone → Promoted, whatever the last answer said (timeout, crash, Failed)', () => {
    for (const p of [requested(), requested({ state: 'Failed', error: 'x' })]) {
      expect(latchFromObservation(p, 'active', { ...replica(), isReplica: false }, now).promotion?.state).to.equal('Promoted');
    }
  });
  it('observed still a replica while Requested → stays Requested (the planner re-issues)', () => {
    expect(latchFromObservation(requested(), 'active', replica(), now).promotion?.state).to.equal('Requested');
    expect(promotionDesired(requested(), now)).to.deep.equal({ promotionLatched: false });
  });
  it('Promoted, then pilot light with a replicating replica again (failback runbook) → cleared', () => {
    const r = latchFromObservation(requested({ state: 'Promoted' }), 'pilot-light', replica(), now);
    expect(r.promotion).to.equal(undefined);
    expect(r.note).to.match(/latch is cleared/);
  });
  it('Promoted stays latched while active even if the instance looks like a replica again', () => {
    expect(latchFromObservation(requested({ state: 'Promoted' }), 'active', replica(), now).promotion?.state).to.equal('Promoted');
    expect(promotionDesired(requested({ state: 'Promoted' }), now).promotionLatched).to.equal(true);
  });
  it('Requested with no effect for too long → stuck (a problem for a person); in pilot light it is cleared', () => {
    const old = requested({ requestedAt: at(-PROMOTION_STUCK_MS - 1).toISOString() });
    expect(promotionDesired(old, now).promotionStuck).to.match(/still a replica/);
    expect(latchFromObservation(old, 'pilot-light', replica(), now).promotion).to.equal(undefined);
    expect(latchFromObservation(requested(), 'pilot-light', replica(), now).promotion?.state).to.equal('Requested');
  });
  it('holds the writer unless Failed', () => {
    expect([undefined, requested(), requested({ state: 'Promoted' }), requested({ state: 'Failed' })].map(holdsWriter)).to.deep.equal([false, true, true, false]);
  });
});

describe('policy: the writer and the traffic gate (S2, S9)', () => {
  const promoted = (over: Partial<DatabasePromotion> = {}): Pick<PolicyState, 'promotion' | 'drill'> => ({
    promotion: { identifier: 'app-replica', state: 'Promoted', requestedAt: at(-MIN).toISOString(), generation: 2, ...over },
  });
  const rows: Array<[string, Pick<PolicyState, 'promotion' | 'drill'>, 'active' | 'pilot-light', boolean, boolean, string]> = [
    // name, state, mode asked, has a database, → traffic to DR, converge mode
    ['pilot light, replica intact', {}, 'pilot-light', true, false, 'pilot-light'],
    ['a drill', { drill: { id: 'd', startedAt: '', expiresAt: '', durationMinutes: 60, modeVersion: 2, startedBy: 's' } }, 'active', true, false, 'active'],
    ['a real failover, promotion not accepted yet', { promotion: { identifier: 'app-replica', state: 'Requested', requestedAt: '', generation: 2 } }, 'active', true, false, 'active'],
    ['a real failover, DR holds the writer', promoted(), 'active', true, true, 'active'],
    ['pilot light asked while DR holds the writer: refused, traffic stays', promoted(), 'pilot-light', true, true, 'active'],
    ['after a confirmed failback', promoted({ failedBackAt: at(0).toISOString() }), 'pilot-light', true, false, 'pilot-light'],
    ['a promotion RDS refused', promoted({ state: 'Failed' }), 'active', true, false, 'active'],
    ['no database: a real failover moves traffic', {}, 'active', false, true, 'active'],
  ];
  for (const [name, s, mode, hasDb, toDr, converge] of rows) {
    it(name, () => {
      expect(traffic(s, { mode }, hasDb).toDr).to.equal(toDr);
      expect(convergeMode(s, { mode }).mode).to.equal(converge);
    });
  }
});

describe('policy: when to look again (requeue)', () => {
  const now = at(0);
  const status = (over: Partial<DrStatus> = {}): DrStatus => ({
    apiVersion: 'pilot-light.dev/v1alpha1',
    kind: 'DrStatus',
    environment: 'dr',
    mode: 'active',
    observedGeneration: 2,
    conditions: [],
    resources: [],
    pendingActions: [],
    timings: {},
    drillHistory: [],
    ...over,
  });
  const progressing = { type: 'Progressing' as const, status: 'True' as const, reason: 'WaitingForResources', message: '', lastTransitionTime: '' };
  it('converged with no drill: nothing sooner than the resync', () => expect(requeueAfter(status(), now)).to.equal(undefined));
  it('progressing: 10 s; promoting: 20 s', () => {
    expect(requeueAfter(status({ conditions: [progressing] }), now)).to.equal(PROGRESS_RECHECK_SECONDS);
    const promoting = status({ conditions: [progressing], resources: [{ resource: 'rds/app-replica', kind: 'database', desired: '', observed: '', inSync: true, ready: false, waitingFor: 'promotion in progress' }] });
    expect(requeueAfter(promoting, now)).to.equal(PROMOTION_RECHECK_SECONDS);
    const targets = status({ conditions: [progressing], resources: [{ resource: 'tg/jenkins', kind: 'targetGroup', desired: '', observed: '', inSync: true, ready: false, waitingFor: '0/1 targets healthy' }] });
    expect(requeueAfter(targets, now), 'targets raise no event: the floor').to.equal(REQUEUE_FLOOR_SECONDS);
  });
  it("a drill's expiry, within the floor and the ceiling", () => {
    const drill = (inSeconds: number) => status({ drill: { id: 'd', startedAt: '', expiresAt: new Date(now.getTime() + inSeconds * 1000).toISOString(), durationMinutes: 60, modeVersion: 2, startedBy: 's' } });
    expect(requeueAfter(drill(120), now)).to.equal(121);
    expect(requeueAfter(drill(-30), now)).to.equal(REQUEUE_FLOOR_SECONDS);
    expect(requeueAfter(drill(3600), now)).to.equal(undefined);
  });
  it('one pending follow-up at a time: a later ask is dropped, an earlier one is sent', () => {
    const pending = { dueAt: new Date(now.getTime() + 10_000).toISOString() };
    expect(followUpNeeded(undefined, now, 10)).to.equal(true);
    expect(followUpNeeded(pending, now, 20)).to.equal(false);
    expect(followUpNeeded(pending, now, 5)).to.equal(true);
    expect(followUpNeeded({ dueAt: new Date(now.getTime() - 1).toISOString() }, now, 20)).to.equal(true);
  });
});
