/**
 * The promotion latch (rule S1), as pure transitions. The latch records the intent before the call and what
 * became of it; it is the guard against promoting in a drill or in pilot light, never against a retry:
 *
 *   (none) ──request──► Requested ──RDS accepted, or the instance shows standalone──► Promoted
 *                          │  ▲                                                       │
 *       refused before     │  │ throttled, 5xx, unknown outcome, crash, lost latch     │ pilot light and a
 *       acting (Failed) ◄──┘  └── re-issued while the instance is still an available   │ replicating replica
 *                                 replica: a second request to a promoting instance    ▼ again (failback)
 *                                 is refused by RDS and harmless                     (none)
 */
import type { ReplicaObservation } from '../port';
import type { Mode } from '../spec-types';
import type { DatabasePromotion } from '../status';

/** A requested promotion that shows no effect after this long needs a person. */
export const PROMOTION_STUCK_MS = 15 * 60_000;

/** What the latch makes of this pass's observation of the instance. */
export function latchFromObservation(
  promotion: DatabasePromotion | undefined,
  mode: Mode,
  replica: ReplicaObservation | undefined,
  now: Date,
): { promotion: DatabasePromotion | undefined; note?: string } {
  if (!promotion || !replica?.exists) return { promotion };
  if (promotion.state !== 'Promoted' && !replica.isReplica) {
    // Whatever the last request's answer was (timeout, crash, "already promoting"), the instance says it happened.
    return { promotion: { ...promotion, state: 'Promoted', completedAt: now.toISOString(), error: undefined } };
  }
  if (mode === 'pilot-light' && promotion.state === 'Promoted' && replica.isReplica && replica.status === 'available') {
    // The failback runbook re-created the replica: a future real failover may promote it (S1 is per replica).
    return { promotion: undefined, note: `read replica ${replica.identifier} is replicating again; the DatabasePromoted latch is cleared` };
  }
  if (mode === 'pilot-light' && promotion.state !== 'Promoted' && replica.isReplica && replica.status === 'available' && isStuck(promotion, now)) {
    // Intent from a failover that was called off before RDS ever acted: the replica is untouched.
    return { promotion: undefined, note: `promotion of ${promotion.identifier} requested at ${promotion.requestedAt} never took effect and DR is back in pilot light: the latch is cleared` };
  }
  return { promotion };
}

/** The latch written before a PromoteReadReplica call (kept across re-issues: the first request time stays). */
export function latchBeforeRequest(promotion: DatabasePromotion | undefined, identifier: string, generation: number, now: Date): DatabasePromotion {
  const again = promotion?.state === 'Requested' && promotion.identifier === identifier;
  return {
    identifier,
    state: 'Requested',
    requestedAt: again ? promotion.requestedAt : now.toISOString(),
    generation,
    attempts: (again ? (promotion.attempts ?? 1) : 0) + 1,
    lastAttemptAt: now.toISOString(),
    ...(again && promotion.error ? { error: promotion.error } : {}),
  };
}

/** The answer to one PromoteReadReplica call. */
export interface PromotionAnswer {
  readonly ok: boolean;
  /** Retryable: throttling, 5xx, a timeout or reset whose effect is unknown. */
  readonly retryable?: boolean;
  readonly error?: string;
}

/** The latch after the call: accepted → Promoted; a retryable failure stays Requested (re-issued); a refusal → Failed. */
export function latchAfterAnswer(promotion: DatabasePromotion, answer: PromotionAnswer, now: Date): DatabasePromotion {
  if (answer.ok) return { ...promotion, state: 'Promoted', completedAt: now.toISOString(), error: undefined };
  if (answer.retryable) return { ...promotion, error: answer.error };
  return { ...promotion, state: 'Failed', error: answer.error };
}

/** What the planner needs from the latch. */
export function promotionDesired(promotion: DatabasePromotion | undefined, now: Date): { promotionLatched: boolean; promotionStuck?: string } {
  const promotionLatched = promotion?.state === 'Promoted';
  if (!promotion || promotion.state === 'Promoted' || !isStuck(promotion, now)) return { promotionLatched };
  const why = promotion.error ? ` (the last request ended: ${promotion.error})` : '';
  return {
    promotionLatched,
    promotionStuck: `promotion of ${promotion.identifier} was requested at ${promotion.requestedAt} (${promotion.attempts ?? 1} attempts)${why} but the instance is still a replica: check it in the RDS console and promote it by hand if needed`,
  };
}

/** Whether a latch holds DR as the writer: drills are refused and traffic stays in DR until failback. */
export function holdsWriter(promotion: DatabasePromotion | undefined): boolean {
  return promotion !== undefined && promotion.state !== 'Failed';
}

function isStuck(promotion: DatabasePromotion, now: Date): boolean {
  return now.getTime() - Date.parse(promotion.requestedAt) > PROMOTION_STUCK_MS;
}
