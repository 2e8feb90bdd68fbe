/**
 * The vocabulary of the policy: what it is given (state, trigger, facts, now, settings) and what it answers
 * (the next state, ordered effects, notes and a typed outcome of the trigger). Types only: no SDK, no clock.
 */
import type { AlarmState } from '../port';
import type { DrillSpec, EnvironmentSpec, FailoverSpec, Mode } from '../spec-types';
import type { DatabasePromotion, DrillRecord, FailoverRecord, ModeRequest, ModeRequestInput } from '../status';

/** What woke the pass. The pass converges the same way whatever it is; some add intent first. */
export type Trigger =
  | { readonly kind: 'manual' }
  | { readonly kind: 'parameter-change' }
  | { readonly kind: 'resync' }
  /** A follow-up the previous pass asked for, or a DR-region event (ECS task, EC2 launch, RDS) through the requeue queue. */
  | { readonly kind: 'requeue' }
  | { readonly kind: 'alarm'; readonly alarmName?: string }
  | { readonly kind: 'start-drill'; readonly durationMinutes?: number; readonly startedBy: string };

/** Triggers whose intent is lost if the event is dropped (a failover, a drill): they wait for a busy lease and are retried. */
export function carriesIntent(t: Trigger): boolean {
  return t.kind === 'alarm' || t.kind === 'start-drill';
}

/** The bookkeeping that outlives a pass (persisted in the status document). */
export interface PolicyState {
  /** The running drill, if any (never one with an outcome). */
  readonly drill?: DrillRecord;
  /** Ended drills, newest first. */
  readonly drillHistory: readonly DrillRecord[];
  /** Automatic failover bookkeeping: rate limit, health-check readings. */
  readonly failover: FailoverRecord;
  /** The promotion latch (rule S1). */
  readonly promotion?: DatabasePromotion;
  /** The mode parameter version the previous pass acted on (0: never). */
  readonly observedGeneration: number;
  /** The last generation whose mode change was announced (not persisted: derived from observedGeneration). */
  readonly announcedGeneration: number;
}

/** A CloudWatch alarm as read this pass: its state, `none` when none is configured, `unreadable` when the API failed. */
export interface AlarmFact {
  readonly state: AlarmState | 'none' | 'unreadable';
  readonly reason?: string;
}

/** A Route 53 health-check reading: healthy or not, `undefined` with no readings yet; `unreadable` when the API failed. */
export type HealthFact = { readonly healthy: boolean | undefined } | { readonly unreadable: true };

/** What the shell read for this pass. The lazy ones are absent until the policy asks for them. */
export interface Facts {
  readonly mode: Mode;
  /** The mode parameter's version. */
  readonly generation: number;
  /** When that version was written. */
  readonly modeWrittenAt: Date;
  /** Who wrote it and why (source `unknown` when set by hand). */
  readonly modeRequest: ModeRequest;
  /** Read only when a decision needs it: the alarm lives in us-east-1, which may be the region that is down. */
  readonly alarm?: AlarmFact;
  /** Read only when a backstop reading is due (a Route 53 control-plane call). */
  readonly healthCheck?: HealthFact;
  /** The DR region's own probe of the primary: read when a reading is due or an alarm needs a second source. */
  readonly probe?: ProbeFact;
}

/** A probe reading, or `none` when no probe URL is configured. */
export type ProbeFact = { readonly healthy: boolean; readonly detail: string } | { readonly none: true };

/** A fact the policy needs before it can decide. */
export type Need = 'alarm' | 'healthCheck' | 'probe';

/** The parts of the spec the policy decides with. */
export interface PolicySettings {
  /** metadata.name, for messages. */
  readonly environment: string;
  readonly failover: FailoverSpec;
  readonly drill: DrillSpec;
  /** The database block of the spec (the old primary, the opt-in fence). */
  readonly database?: EnvironmentSpec['database'];
}

/** Everything decide() is given. */
export interface PolicyInput {
  readonly state: PolicyState;
  /** The trigger, or `undefined` once a step has consumed it. */
  readonly trigger?: Trigger;
  readonly facts: Facts;
  readonly now: Date;
  readonly settings: PolicySettings;
}

/** Who started an automatic failover. */
export type FailoverSource = 'alarm' | 'health-check';

/** A write or message the shell performs, in list order. */
export type Effect =
  /** Store the policy state in the status document (facts that must survive a crash). */
  | { readonly kind: 'persist'; readonly state: PolicyState }
  /**
   * Write the mode parameter and its request record. `expectedVersion` is the version the decision was
   * made on: if the parameter moved since, the shell writes nothing, re-reads and asks again (S4).
   */
  | { readonly kind: 'writeMode'; readonly mode: Mode; readonly expectedVersion: number; readonly request: ModeRequestInput }
  | { readonly kind: 'notify'; readonly subject: string; readonly text: string; readonly payload: Readonly<Record<string, unknown>> }
  | { readonly kind: 'metric'; readonly name: string; readonly value: number; readonly unit: 'Count' | 'Seconds' }
  /** Stop the old primary DB instance (its own region): a stray app there cannot write to the stale database (S9, opt-in). */
  | { readonly kind: 'fence'; readonly primaryArn: string };

/** What became of the trigger's intent. The CLI and the handler read this, never the notes. */
export type TriggerOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'drill-started'; readonly drillId: string; readonly expiresAt: string }
  | { readonly kind: 'drill-refused'; readonly reason: string }
  | { readonly kind: 'failover-started'; readonly source: FailoverSource }
  | { readonly kind: 'failover-suppressed'; readonly until: string }
  | { readonly kind: 'alarm-ignored'; readonly state: AlarmFact['state'] | 'already-active' | 'unconfirmed' }
  | { readonly kind: 'reading-recorded'; readonly decision: string }
  | { readonly kind: 'reading-skipped'; readonly why: 'not-due' | 'no-reading' | 'unreadable' };

/** A message for a person, with the log level it deserves. */
export interface Note {
  readonly text: string;
  readonly level: 'info' | 'warn';
}

/** One step's answer: a fact to read first, or a decision. */
export type Decision =
  | { readonly kind: 'need'; readonly fact: Need }
  | {
      readonly kind: 'decided';
      readonly state: PolicyState;
      /** Empty when nothing is left to decide: the shell then converges. */
      readonly effects: readonly Effect[];
      readonly notes: readonly Note[];
      /** Set by the step that consumed the trigger. */
      readonly outcome?: TriggerOutcome;
    };

/** Outcomes that end the pass with no writes at all (a refused command changes nothing: S12). */
export function isRefusal(o: TriggerOutcome | undefined): o is Extract<TriggerOutcome, { kind: 'drill-refused' }> {
  return o?.kind === 'drill-refused';
}
