/**
 * The converge rounds of a pass: observe → plan → act, at most a few times, so that steps which became
 * possible (targets after instances) chain within one pass. Never waits on AWS: what is left is reported
 * and the next pass continues. The promotion latch moves only through policy/promotion.ts.
 */
import { act, type ActionResult } from './act';
import { observe } from './observe';
import { plan, type Action, type Desired, type Observed, type Plan } from './plan';
import { latchAfterAnswer, latchBeforeRequest, latchFromObservation, promotionDesired } from './policy/promotion';
import type { DrRegion } from './port';
import { outOfScope } from './scope';
import type { EnvironmentSpec, Mode } from './spec';
import type { DatabasePromotion, DrillRecord } from './status';

/** What the rounds converge to. */
export interface ConvergeInput {
  readonly mode: Mode;
  readonly drill?: DrillRecord;
  readonly promotion?: DatabasePromotion;
  /** Mode parameter version, recorded in the latch. */
  readonly generation: number;
}

/** Hooks into the shell: the clock, the lease, the latch write, logging. */
export interface ConvergeHooks {
  readonly now: () => Date;
  /** Renews the lease before a round writes; false when it was lost (the rounds stop, writing nothing more). */
  readonly renewLease: () => Promise<boolean>;
  /** Persists the latch before the promotion call (S1); a rejection fails the action without issuing it. */
  readonly persistLatch: (promotion: DatabasePromotion) => Promise<void>;
  readonly note: (text: string) => void;
  readonly onAction?: (e: { phase: 'start' | 'done' | 'failed'; action: Action; error?: string; attempt?: number }) => void;
  /** @default 3 */
  readonly maxRounds?: number;
  /** Epoch ms after which no new round starts. */
  readonly deadline?: number;
  /** The environment whose resources the reconciler may touch (the tag value, S12). */
  readonly scope: string;
  /**
   * An observation started earlier in the pass (beside the policy's reads: nothing the policy does changes the DR
   * region's resources), used for the first round; `replicaLag` says whether it read the lag.
   */
  readonly early?: { readonly observed: Promise<Observed>; readonly replicaLag: boolean };
  readonly retries?: number;
  readonly minBackoffMs?: number;
}

/** What the rounds did and saw last. */
export interface ConvergeResult {
  readonly finalPlan: Plan;
  readonly results: readonly ActionResult[];
  readonly promotion?: DatabasePromotion;
  readonly rounds: number;
  /** The lease was lost mid-pass: the caller records nothing more. */
  readonly leaseLost: boolean;
  /** Resources the spec names outside the environment's scope (S12): nothing was written. */
  readonly outOfScope: readonly string[];
}

/** Runs the rounds. */
export async function converge(port: DrRegion, spec: EnvironmentSpec, input: ConvergeInput, hooks: ConvergeHooks): Promise<ConvergeResult> {
  let promotion = input.promotion;
  const desired = (): Desired => ({
    mode: input.mode,
    drill: input.drill ? { id: input.drill.id, maxReplicaLagSeconds: spec.drill.maxReplicaLagSeconds } : undefined,
    ...promotionDesired(promotion, hooks.now()),
  });
  const results: ActionResult[] = [];
  const failedResources = new Set<string>();
  const maxRounds = hooks.maxRounds ?? 3;
  let rounds = 0;
  // A failover does not wait on the replica's lag; pilot light shows it and a drill checks it.
  const replicaLag = input.mode !== 'active' || input.drill !== undefined;
  let early = hooks.early && (hooks.early.replicaLag || !replicaLag) ? hooks.early.observed : undefined;
  for (;;) {
    const observed = await (early ?? observe(port, spec, { replicaLag }));
    early = undefined;
    // Before any write: a spec naming a resource outside the environment changes nothing (S12).
    const foreign = outOfScope(spec, observed, hooks.scope);
    if (foreign.length > 0) return { finalPlan: plan(spec, desired(), observed), results, promotion, rounds, leaseLost: false, outOfScope: foreign };
    const latched = latchFromObservation(promotion, input.mode, observed.replica, hooks.now());
    promotion = latched.promotion;
    if (latched.note) hooks.note(latched.note);
    const finalPlan = plan(spec, desired(), observed);
    // An action that failed this pass is not retried in a later round: the next pass will.
    const todo = finalPlan.actions.filter((a) => !failedResources.has(a.resource));
    const done = (leaseLost = false): ConvergeResult => ({ finalPlan, results, promotion, rounds, leaseLost, outOfScope: [] });
    if (todo.length === 0 || rounds >= maxRounds) return done();
    if (hooks.deadline !== undefined && Date.now() >= hooks.deadline) {
      hooks.note('pass deadline reached: the next pass continues');
      return done();
    }
    // Renew the lease before writing: a pass that outlived it must not act beside the next holder.
    if (!(await hooks.renewLease())) return done(true);
    rounds++;
    const roundResults = await act(port, todo, {
      concurrency: spec.concurrency,
      retries: hooks.retries,
      minBackoffMs: hooks.minBackoffMs,
      onEvent: hooks.onAction,
      beforeAction: async (a) => {
        if (a.kind !== 'PromoteReplica') return;
        // Latch the intent before the call (S1). If this write fails, nothing is sent and the next round or pass tries again.
        const next = latchBeforeRequest(promotion, a.identifier, input.generation, hooks.now());
        await hooks.persistLatch(next);
        promotion = next;
      },
    });
    for (const r of roundResults) {
      results.push(r);
      if (!r.ok) failedResources.add(r.action.resource);
      if (r.action.kind === 'PromoteReplica' && promotion?.state === 'Requested' && r.attempts > 0) {
        // The latch counted one call; act() may have re-sent a throttled one within the action.
        promotion = latchAfterAnswer({ ...promotion, attempts: (promotion.attempts ?? 1) + r.attempts - 1 }, r, hooks.now());
      }
    }
    if (roundResults.every((r) => !r.ok)) return done();
  }
}
