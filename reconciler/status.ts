/**
 * Status: what the last pass saw and did, in Kubernetes API conventions (docs/design.md §4). Stored in the
 * state table under STATUS_KEY, where the next pass and `drctl status` read it.
 *
 * Everything here is pure: the pass hands in what happened and gets the next document back.
 */
import type { ActionResult } from './act';
import type { Assessment, Plan } from './plan';
import { describeAction } from './plan';
import type { Mode } from './spec';

/** State-table key of the status document. */
export const STATUS_KEY = 'status';

/** A condition, as in Kubernetes: `Ready`, `Progressing`, `Degraded`, `FailbackRequired`, `TrafficInDr`. */
export interface Condition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  /** CamelCase reason, e.g. `Converged`, `ActionsPending`, `ActionsFailed`, `InvalidSpec`. */
  readonly reason: string;
  readonly message: string;
  /** When `status` last changed (ISO 8601). */
  readonly lastTransitionTime: string;
}

/** Condition types the reconciler sets. */
export type ConditionType = 'Ready' | 'Progressing' | 'Degraded' | 'FailbackRequired' | 'TrafficInDr';

/** One resource: desired vs observed, in sync or not, and its last error. */
export interface ResourceStatus {
  readonly resource: string;
  readonly kind: string;
  readonly desired: string;
  readonly observed: string;
  readonly inSync: boolean;
  readonly ready: boolean;
  readonly waitingFor?: string;
  readonly lastError?: string;
  readonly lastErrorTime?: string;
}

/**
 * The latched record of a promotion (rule S1): transitions in policy/promotion.ts. Cleared only in pilot light
 * once the failback runbook has re-created a replicating replica.
 */
export interface DatabasePromotion {
  readonly identifier: string;
  /** `Requested` is written before the call (and stays until RDS shows it: the pass re-issues); `Promoted` once accepted or seen; `Failed` if RDS refused it. */
  readonly state: 'Requested' | 'Promoted' | 'Failed';
  readonly requestedAt: string;
  readonly completedAt?: string;
  readonly error?: string;
  /** Mode parameter version of the failover that promoted. */
  readonly generation: number;
  /** PromoteReadReplica calls issued for this intent (re-issued while RDS shows nothing under way). */
  readonly attempts?: number;
  readonly lastAttemptAt?: string;
  /** When the primary region first answered again after the promotion: its database is the stale, old writer (S9). */
  readonly primaryAnsweredAt?: string;
  /** When the reconciler asked RDS to stop the old primary (the opt-in fence). */
  readonly fenceRequestedAt?: string;
  /** When an operator confirmed the database failed back to the primary (drctl failback complete): the writer left DR. */
  readonly failedBackAt?: string;
  readonly failedBackBy?: string;
}

/** A drill: `active` plus this record (docs/design.md §1). */
export interface DrillRecord {
  readonly id: string;
  readonly startedAt: string;
  readonly expiresAt: string;
  readonly durationMinutes: number;
  /** Mode parameter version the drill wrote: it reverts only if the parameter is still at it (S4). 0 while the write is pending. */
  readonly modeVersion: number;
  /** Who or what started it (`schedule`, `drctl`, …). */
  readonly startedBy: string;
  readonly outcome?: 'Passed' | 'Failed' | 'Superseded';
  readonly outcomeReason?: string;
  readonly endedAt?: string;
  /** Seconds from the drill's mode write to Ready, when it converged. */
  readonly convergenceSeconds?: number;
  /** Replica verification: available and lag within bounds (S3). */
  readonly replicaCheck?: { readonly ok: boolean; readonly detail: string; readonly at: string };
}

/** Who requested the current mode and why (written by drctl, the alarm path and drills). */
export interface ModeRequest {
  readonly mode: Mode;
  /** `operator`, `alarm`, `health-check`, `drill`, `drill-expiry`, or `unknown` (parameter set by hand). */
  readonly source: string;
  readonly reason?: string;
  readonly by?: string;
  readonly at: string;
  /** The parameter version that request wrote. */
  readonly modeVersion: number;
}

/** Automatic failover bookkeeping (alarm path, health-check backstop). */
export interface FailoverRecord {
  readonly lastAutomaticAt?: string;
  readonly consecutiveUnhealthy?: number;
  readonly primaryHealthy?: boolean;
  /** When the signals were last read and counted (periodic passes, at most once a MIN_READING_INTERVAL). */
  readonly lastReadingAt?: string;
  /** Consecutive failed probes of the primary from the DR region. */
  readonly probeFailures?: number;
  /** Each source's last reading and what was decided from them (S10), for a person. */
  readonly lastSignals?: SignalReadings;
}

/** The last reading of each detection source (S10) and the decision taken on them. */
export interface SignalReadings {
  readonly at: string;
  /** `healthy (HTTP 200)`, `failed (timeout after 3 s)`, `not configured`. */
  readonly probe: string;
  /** `healthy`, `unhealthy`, `no readings`, `unreachable`, `not configured`. */
  readonly route53: string;
  /** `OK`, `ALARM`, `INSUFFICIENT_DATA`, `unreachable`, `not configured`. */
  readonly alarm: string;
  /** Why a failover was or was not decided. */
  readonly decision: string;
}

/** Who writes a mode and why (the parameter version and time are added by the write). */
export interface ModeRequestInput {
  /** `operator`, `alarm`, `health-check`, `drill`, `drill-expiry`. */
  readonly source: string;
  readonly reason: string;
  readonly by?: string;
}

/** The status document. */
export interface DrStatus {
  readonly apiVersion: 'pilot-light.dev/v1alpha1';
  readonly kind: 'DrStatus';
  readonly environment: string;
  /** The mode acted on; null when the parameter's value was invalid. */
  readonly mode: Mode | null;
  /** The mode parameter version this pass acted on. */
  readonly observedGeneration: number;
  readonly modeRequest?: ModeRequest;
  readonly conditions: readonly Condition[];
  readonly resources: readonly ResourceStatus[];
  /** What remains to be done, runbook-worded. */
  readonly pendingActions: readonly string[];
  readonly timings: {
    /** When the current mode was requested (the parameter version's write time). */
    readonly requestedAt?: string;
    readonly convergedAt?: string;
    /** convergedAt − requestedAt: the reconciler's share of the RTO. */
    readonly convergenceSeconds?: number;
  };
  readonly databasePromotion?: DatabasePromotion;
  readonly drill?: DrillRecord;
  /** Ended drills, newest first, at most DRILL_HISTORY. */
  readonly drillHistory: readonly DrillRecord[];
  /** Automatic failover bookkeeping (alarm path, health-check backstop). */
  readonly failover?: FailoverRecord;
  readonly lastPass?: {
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly trigger: string;
    readonly writes: number;
    readonly rounds: number;
    readonly failedActions: number;
    /** What the pass decided about its trigger, for a person (alarm ignored, failover latched, …). */
    readonly notes?: readonly string[];
  };
}

/** How many ended drills the status keeps. */
export const DRILL_HISTORY = 12;

/** An empty status for an environment that has never been reconciled. */
export function initialStatus(environment: string): DrStatus {
  return {
    apiVersion: 'pilot-light.dev/v1alpha1',
    kind: 'DrStatus',
    environment,
    mode: null,
    observedGeneration: 0,
    conditions: [],
    resources: [],
    pendingActions: [],
    timings: {},
    drillHistory: [],
  };
}

/** Sets a condition, keeping lastTransitionTime when its status did not change. */
export function setCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const prev = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString();
  const order: ConditionType[] = ['Ready', 'Progressing', 'Degraded', 'FailbackRequired', 'TrafficInDr'];
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }].sort(
    (a, b) => order.indexOf(a.type) - order.indexOf(b.type),
  );
}

/** The overall outcome of a pass, which also decides drctl's exit code. */
export type Outcome = 'Converged' | 'Progressing' | 'Degraded';

/** Conditions for a pass's final assessment. */
export function conditionsFor(
  prev: readonly Condition[],
  finalPlan: Plan,
  failed: readonly ActionResult[],
  now: Date,
): { conditions: Condition[]; outcome: Outcome } {
  const problems = finalPlan.resources.filter((r) => r.problem);
  const failedResources = [...new Set(failed.map((f) => f.action.resource))];
  const notReady = finalPlan.resources.filter((r) => !r.ready);
  const pending = finalPlan.actions.length;
  const degraded = problems.length > 0 || failedResources.length > 0;
  const converged = notReady.length === 0 && pending === 0 && !degraded;

  let c: Condition[] = [...prev];
  const degradedNames = [...new Set([...problems.map((p) => p.resource), ...failedResources])].sort();
  c = setCondition(
    c,
    degraded
      ? { type: 'Degraded', status: 'True', reason: failedResources.length > 0 ? 'ActionsFailed' : 'ResourceProblem', message: `${degradedNames.length} resources need attention: ${degradedNames.join(', ')}` }
      : { type: 'Degraded', status: 'False', reason: 'NoProblems', message: 'no resource reports a problem' },
    now,
  );
  const waiting = notReady.filter((r) => !r.problem);
  c = setCondition(
    c,
    pending > 0 || waiting.length > 0
      ? {
          type: 'Progressing',
          status: 'True',
          reason: pending > 0 ? 'ActionsPending' : 'WaitingForResources',
          message: `${pending} actions pending; waiting for ${waiting.map((r) => `${r.resource} (${r.waitingFor ?? 'not ready'})`).join(', ') || 'nothing'}`,
        }
      : { type: 'Progressing', status: 'False', reason: converged ? 'Converged' : 'Stalled', message: converged ? 'nothing left to do' : 'nothing can progress without help' },
    now,
  );
  const readyCount = finalPlan.resources.length - notReady.length;
  c = setCondition(
    c,
    converged
      ? { type: 'Ready', status: 'True', reason: 'Converged', message: `all ${finalPlan.resources.length} resources ready` }
      : { type: 'Ready', status: 'False', reason: degraded ? 'Degraded' : 'Progressing', message: `${readyCount}/${finalPlan.resources.length} resources ready` },
    now,
  );
  c = setCondition(
    c,
    finalPlan.failbackRequired
      ? {
          type: 'FailbackRequired',
          status: 'True',
          reason: 'DatabasePromoted',
          message: 'the replica was promoted; compute is back in pilot light but the database was left alone: re-create the read replica (README: failback runbook)',
        }
      : finalPlan.resources.some((r) => r.kind === 'database' && r.observed.startsWith('standalone'))
        ? { type: 'FailbackRequired', status: 'False', reason: 'FailedOver', message: 'the replica was promoted and serves as the database; returning to pilot light will need the failback runbook' }
        : { type: 'FailbackRequired', status: 'False', reason: 'ReplicaIntact', message: 'the read replica is intact' },
    now,
  );
  return { conditions: c, outcome: converged ? 'Converged' : degraded ? 'Degraded' : 'Progressing' };
}

/** Per-resource status, carrying the last error forward until the resource is in sync again. */
export function resourceStatuses(
  prev: readonly ResourceStatus[],
  assessments: readonly Assessment[],
  failed: readonly ActionResult[],
  now: Date,
): ResourceStatus[] {
  const prevBy = new Map(prev.map((r) => [r.resource, r]));
  return assessments.map((a) => {
    const fail = failed.find((f) => f.action.resource === a.resource);
    const before = prevBy.get(a.resource);
    const lastError = fail ? `${describeAction(fail.action)}: ${fail.error}` : (a.problem ?? (a.inSync ? undefined : before?.lastError));
    const lastErrorTime = fail || (a.problem && before?.lastError !== a.problem) ? now.toISOString() : lastError ? before?.lastErrorTime : undefined;
    return {
      resource: a.resource,
      kind: a.kind,
      desired: a.desired,
      observed: a.observed,
      inSync: a.inSync,
      ready: a.ready,
      ...(a.waitingFor ? { waitingFor: a.waitingFor } : {}),
      ...(lastError ? { lastError, lastErrorTime: lastErrorTime ?? now.toISOString() } : {}),
    };
  });
}

/** The condition of a type, if set. */
export function condition(status: Pick<DrStatus, 'conditions'>, type: ConditionType): Condition | undefined {
  return status.conditions.find((c) => c.type === type);
}

/** Everything a pass hands in to get its status document. */
export interface PassStatusInput {
  readonly prev: DrStatus;
  /** The status as persisted so far this pass (drill, latch written as they happened). */
  readonly working: DrStatus;
  readonly environment: string;
  readonly mode: Mode;
  readonly generation: number;
  readonly modeWrittenAt: Date;
  readonly modeRequest: ModeRequest;
  readonly state: {
    readonly drill?: DrillRecord;
    readonly drillHistory: readonly DrillRecord[];
    readonly failover: FailoverRecord;
    readonly promotion?: DatabasePromotion;
  };
  readonly finalPlan: Plan;
  readonly results: readonly ActionResult[];
  readonly rounds: number;
  /** The traffic gate's decision (S9). */
  readonly traffic: { readonly toDr: boolean; readonly reason: string; readonly message: string };
  /** Set when pilot light was asked for while DR holds the writer (S2, S9). */
  readonly pilotLightRefused?: string;
  readonly started: Date;
  readonly trigger: string;
  readonly notes: readonly string[];
  readonly now: Date;
}

/** The status document after a pass: conditions, per-resource status, timings, drill verification. */
export function passStatus(i: PassStatusInput): { status: DrStatus; outcome: Outcome; justConverged: boolean } {
  const t = i.now;
  const failed = i.results.filter((r) => !r.ok);
  const lastFailures = failed.filter((f) => i.finalPlan.actions.some((a) => a.resource === f.action.resource));
  const assessed = conditionsFor(i.working.conditions, i.finalPlan, lastFailures, t);
  const { outcome } = assessed;
  let conditions = setCondition(assessed.conditions, { type: 'TrafficInDr', status: i.traffic.toDr ? 'True' : 'False', reason: i.traffic.reason, message: i.traffic.message }, t);
  if (i.pilotLightRefused) conditions = setCondition(conditions, { type: 'FailbackRequired', status: 'True', reason: 'WriterInDr', message: i.pilotLightRefused }, t);

  // Timings: the reconciler's share of the RTO.
  const newGeneration = i.generation !== i.prev.observedGeneration || i.prev.mode !== i.mode;
  const requestedAt = newGeneration ? i.modeWrittenAt.toISOString() : (i.prev.timings.requestedAt ?? i.modeWrittenAt.toISOString());
  let convergedAt = newGeneration ? undefined : i.prev.timings.convergedAt;
  let convergenceSeconds = newGeneration ? undefined : i.prev.timings.convergenceSeconds;
  const justConverged = outcome === 'Converged' && !convergedAt;
  if (justConverged) {
    convergedAt = t.toISOString();
    convergenceSeconds = Math.max(0, Math.round((t.getTime() - Date.parse(requestedAt)) / 100) / 10);
  }
  const drill = i.state.drill ? verifyDrill(i.state.drill, i.finalPlan, justConverged ? convergenceSeconds : undefined, t) : undefined;
  const status: DrStatus = {
    ...i.working,
    environment: i.environment,
    mode: i.mode,
    observedGeneration: i.generation,
    modeRequest: i.modeRequest,
    conditions,
    resources: resourceStatuses(i.prev.resources, i.finalPlan.resources, lastFailures, t),
    pendingActions: i.finalPlan.actions.map(describeAction),
    timings: { requestedAt, convergedAt, convergenceSeconds },
    databasePromotion: i.state.promotion,
    drill,
    drillHistory: i.state.drillHistory,
    failover: i.state.failover,
    lastPass: {
      startedAt: i.started.toISOString(),
      finishedAt: t.toISOString(),
      trigger: i.trigger,
      writes: i.results.reduce((n, r) => n + r.attempts, 0),
      rounds: i.rounds,
      failedActions: failed.length,
      notes: i.notes,
    },
  };
  return { status, outcome, justConverged };
}

/** Drill verification (S3): the replica must still be a healthy replica; the first convergence is the drill's time. */
export function verifyDrill(drill: DrillRecord, finalPlan: Plan, justConvergedSeconds: number | undefined, now: Date): DrillRecord {
  const db = finalPlan.resources.find((r) => r.kind === 'database');
  const replicaCheck = db
    ? { ok: db.ready && !db.problem, detail: db.problem ?? db.waitingFor ?? db.observed, at: now.toISOString() }
    : { ok: true, detail: 'no database in the spec', at: now.toISOString() };
  return {
    ...drill,
    replicaCheck,
    ...(justConvergedSeconds !== undefined && drill.convergenceSeconds === undefined ? { convergenceSeconds: justConvergedSeconds } : {}),
  };
}
