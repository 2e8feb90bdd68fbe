/**
 * act(port, actions) → results. Writes only. Independent actions run in parallel under a bound; one
 * action's failure is recorded against its resource and never stops the others.
 *
 * Retries: the SDK retries single calls; p-retry retries a whole action a bounded number of times, and only
 * when errors.isRetryable says so, so a pass always ends.
 */
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { errorMessage, isRetryable, refusedBeforeActing } from './errors';
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

/** Runs every action, in parallel under `concurrency`, and returns one result per action in input order. */
export async function act(port: DrRegionWriter, actions: readonly Action[], opts: ActOptions): Promise<ActionResult[]> {
  const limit = pLimit(Math.max(1, opts.concurrency));
  // Deregistration and registration of one target group touch the same membership: run them in order.
  const chains = new Map<string, Promise<unknown>>();
  return Promise.all(
    actions.map((action) => {
      const prev = chains.get(action.resource) ?? Promise.resolve();
      const run = prev.then(() => limit(() => runOne(port, action, opts)));
      chains.set(action.resource, run.catch(() => undefined));
      return run;
    }),
  );
}

async function runOne(port: DrRegionWriter, action: Action, opts: ActOptions): Promise<ActionResult> {
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
        } catch (err) {
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
