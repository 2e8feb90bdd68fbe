/**
 * act(port, actions) → results. Writes only. Independent actions run in parallel under a bound; one
 * action's failure is recorded against its resource and never stops the others.
 *
 * Two bounds: the spec's `concurrency` for all actions, and per kind the burst of the AWS API bucket it draws
 * from (API_BURST), halved on every throttled attempt and grown back by one per success (additive increase,
 * multiplicative decrease), so a failover slows down to what the account's bucket refills instead of failing.
 *
 * Retries: the SDK retries single calls; p-retry retries a whole action a bounded number of times, and only
 * when errors.isRetryable says so, so a pass always ends.
 */
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { errorMessage, isRetryable, isThrottling, refusedBeforeActing } from './errors';
import type { DrRegionWriter } from './port';
import type { Action } from './plan';

/** The outcome of one action. */
export interface ActionResult {
  readonly action: Action;
  readonly ok: boolean;
  readonly error?: string;
  /** For a failure: whether it was a retryable kind (throttling, timeout) rather than a clear refusal. */
  readonly retryable?: boolean;
  /** How many times the whole action was tried. */
  readonly attempts: number;
  readonly durationMs: number;
}

/** How act() runs. */
export interface ActOptions {
  /** At most this many actions at once. */
  readonly concurrency: number;
  /** Extra attempts of a whole action after a retryable failure. @default 2 */
  readonly retries?: number;
  /** First backoff, milliseconds; doubles with jitter. @default 200 */
  readonly minBackoffMs?: number;
  /** Called before and after each action (for logs). */
  readonly onEvent?: (e: { phase: 'start' | 'done' | 'failed'; action: Action; error?: string; attempt?: number }) => void;
  /** Called before an action is issued; a rejection fails the action without issuing it. */
  readonly beforeAction?: (action: Action) => Promise<void>;
}

/** Issues one action through the port. Each is idempotent: re-issuing a done action changes nothing. */
export async function perform(port: DrRegionWriter, a: Action): Promise<void> {
  switch (a.kind) {
    case 'PromoteReplica':
      return port.promoteReplica(a.identifier);
    case 'UpdateAsg':
      return port.updateAsg({
        name: a.name,
        minSize: a.minSize,
        maxSize: a.maxSize,
        desiredCapacity: a.desiredCapacity,
        mixedInstancesPolicy: a.mixedInstancesPolicy,
      });
    case 'UpdateService':
      return port.updateService({
        cluster: a.cluster,
        service: a.service,
        desiredCount: a.desiredCount,
        capacityProviderStrategy: a.capacityProviderStrategy,
        forceNewDeployment: a.forceNewDeployment,
      });
    case 'RegisterTargets':
      return port.registerTargets(a.targetGroupArn, a.targets);
    case 'DeregisterTargets':
      return port.deregisterTargets(a.targetGroupArn, a.targets);
  }
}

/**
 * The burst (bucket size) of the AWS API bucket each action kind draws from, per account and Region: at most this
 * many of one kind start at once. Sources (docs/design.md §5): ECS "service modify actions" (UpdateService) 50,
 * refilled 5/s; ELB "registration" (RegisterTargets, DeregisterTargets) 20, refilled 4/s; EC2 Auto Scaling publishes
 * no figures, so UpdateAutoScalingGroup takes ELB registration's 20 as a cautious bound; a promotion is one call.
 */
export const API_BURST: Readonly<Record<Action['kind'], number>> = {
  PromoteReplica: 1,
  UpdateAsg: 20,
  UpdateService: 50,
  RegisterTargets: 20,
  DeregisterTargets: 20,
};

/** One action kind's bound: starts at its burst (or the overall bound), halves when throttled, grows by one per success. */
class KindLimit {
  readonly limit: ReturnType<typeof pLimit>;
  constructor(private readonly max: number) {
    this.limit = pLimit(max);
  }
  throttled(): void {
    this.limit.concurrency = Math.max(1, Math.floor(this.limit.concurrency / 2));
  }
  succeeded(): void {
    if (this.limit.concurrency < this.max) this.limit.concurrency += 1;
  }
}

/** Runs every action, in parallel under `concurrency` and each kind's API_BURST, and returns one result per action in input order. */
export async function act(port: DrRegionWriter, actions: readonly Action[], opts: ActOptions): Promise<ActionResult[]> {
  const overall = Math.max(1, opts.concurrency);
  const all = pLimit(overall);
  const kinds = new Map<Action['kind'], KindLimit>();
  const kindOf = (k: Action['kind']) => kinds.get(k) ?? kinds.set(k, new KindLimit(Math.min(overall, API_BURST[k]))).get(k)!;
  // Deregistration and registration of one target group touch the same membership: run them in order.
  const chains = new Map<string, Promise<unknown>>();
  return Promise.all(
    actions.map((action) => {
      const prev = chains.get(action.resource) ?? Promise.resolve();
      const kind = kindOf(action.kind);
      const run = prev.then(() => kind.limit(() => all(() => runOne(port, action, opts, kind))));
      chains.set(action.resource, run.catch(() => undefined));
      return run;
    }),
  );
}

async function runOne(port: DrRegionWriter, action: Action, opts: ActOptions, kind?: KindLimit): Promise<ActionResult> {
  const started = Date.now();
  let attempts = 0;
  try {
    opts.onEvent?.({ phase: 'start', action });
    if (opts.beforeAction) await opts.beforeAction(action);
    // A promotion is re-sent within the pass only when RDS certainly did nothing (throttled, refused): a
    // timed-out request may have started it, and the next observation decides (rule S1).
    const mayRetry = action.kind === 'PromoteReplica' ? refusedBeforeActing : isRetryable;
    await pRetry(
      async () => {
        attempts++;
        try {
          await perform(port, action);
          kind?.succeeded();
        } catch (err) {
          // The account's bucket for this kind is empty: fewer of them at once from now on (this act() call).
          if (isThrottling(err)) kind?.throttled();
          if (!mayRetry(err)) throw new AbortError(err as Error);
          throw err;
        }
      },
      { retries: opts.retries ?? 2, minTimeout: opts.minBackoffMs ?? 200, factor: 2, randomize: true },
    );
    opts.onEvent?.({ phase: 'done', action, attempt: attempts });
    return { action, ok: true, attempts, durationMs: Date.now() - started };
  } catch (err) {
    const error = errorMessage(err);
    opts.onEvent?.({ phase: 'failed', action, error, attempt: attempts });
    return { action, ok: false, error, retryable: isRetryable(err), attempts, durationMs: Date.now() - started };
  }
}
