/**
 * When to look again (controller-runtime's `Result{RequeueAfter}`): a pass that knows what it waits for says so,
 * instead of leaving the next step to the periodic resync. Pure. The deployed system turns the answer into one
 * delayed SQS message (handler.ts); a burst of answers or events is one pending follow-up.
 */
import type { DrStatus } from '../status';

/** The shortest follow-up: AWS's own steps (a task start, a target check) take tens of seconds. */
export const REQUEUE_FLOOR_SECONDS = 5;
/** The longest: SQS's DelaySeconds maximum; the periodic resync covers anything later. */
export const REQUEUE_CEILING_SECONDS = 900;
/** How soon to look again while resources are on their way (tasks starting, instances launching, targets registering). */
export const PROGRESS_RECHECK_SECONDS = 10;
/** How soon to look again while RDS promotes (minutes): often enough to register the writer within seconds of it. */
export const PROMOTION_RECHECK_SECONDS = 20;

/** Seconds until the next pass should run, or undefined when the periodic resync is soon enough. */
export function requeueAfter(status: DrStatus, now: Date): number | undefined {
  const candidates: number[] = [];
  const progressing = status.conditions.find((c) => c.type === 'Progressing')?.status === 'True';
  if (progressing) {
    const waiting = status.resources.filter((r) => !r.ready);
    const promoting = waiting.some((r) => r.kind === 'database' && (r.waitingFor ?? '').includes('promotion'));
    // A target turning healthy raises no event: when only targets are left, look as soon as the floor allows.
    const onlyTargets = waiting.length > 0 && waiting.every((r) => r.kind === 'targetGroup');
    candidates.push(promoting ? PROMOTION_RECHECK_SECONDS : onlyTargets ? REQUEUE_FLOOR_SECONDS : PROGRESS_RECHECK_SECONDS);
  }
  // A drill reverts at its expiry: be there then, not up to a resync period later.
  if (status.drill) candidates.push((Date.parse(status.drill.expiresAt) - now.getTime()) / 1000 + 1);
  if (candidates.length === 0) return undefined;
  const s = Math.ceil(Math.min(...candidates));
  if (s > REQUEUE_CEILING_SECONDS) return undefined;
  return Math.max(REQUEUE_FLOOR_SECONDS, s);
}

/** The state-table record of the one pending follow-up. */
export interface PendingFollowUp {
  /** When the delayed message becomes visible. */
  readonly dueAt: string;
}

/**
 * Whether to send a follow-up due in `seconds`: not when one is already pending that comes as soon or sooner
 * (one pending follow-up at a time: a burst of passes or events asks once).
 */
export function followUpNeeded(pending: PendingFollowUp | undefined, now: Date, seconds: number): boolean {
  if (!pending) return true;
  const due = Date.parse(pending.dueAt);
  return !(due > now.getTime() && due <= now.getTime() + seconds * 1000);
}
