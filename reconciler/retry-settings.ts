/**
 * How the SDK clients retry one call: attempts and retry mode, from the caller's options, the standard SDK
 * environment variables (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`), or this project's defaults, in that order —
 * the SDK's own precedence (client config, then environment). The SDK reads those variables only when a
 * client is built without a retry strategy; ours builds one (for its bounded, jittered backoff), so it reads
 * them itself. The shared config file's `max_attempts` / `retry_mode` are not read.
 *
 * Defaults, and why:
 * - 3 attempts: the SDK's own default in standard mode; a pass must end, so retries are bounded, and
 *   whole actions are retried again by the next round or pass.
 * - `standard` mode: AWS recommends it for all workloads. `adaptive` adds a client-side rate limiter that can
 *   delay even first attempts, and it assumes one client per throttled resource: ours serves every ASG,
 *   service and target group of a region, so one throttled resource would slow the rest of a failover.
 *   A user who wants it during a regional event sets `AWS_RETRY_MODE=adaptive`.
 */
import { AdaptiveRetryStrategy, ConfiguredRetryStrategy } from '@smithy/util-retry';
import { InvalidSpecError } from './errors';
import { quote } from './text';

/** The retry modes the SDK for JavaScript v3 implements. */
export type RetryMode = 'standard' | 'adaptive';

/** Attempts per call when nothing says otherwise (the SDK's default too). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Retry mode when nothing says otherwise. */
export const DEFAULT_RETRY_MODE: RetryMode = 'standard';
/** Most attempts accepted: with a 3 s longest backoff, 10 attempts keep one call within ~30 s of a pass. */
export const MAX_ATTEMPTS_LIMIT = 10;

/** The retry settings of every client of one port. */
export interface RetrySettings {
  /** Total attempts per SDK call, the first one included. */
  readonly maxAttempts: number;
  readonly mode: RetryMode;
  /** Where each value came from: `option`, `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`, or `default`. */
  readonly from: { readonly maxAttempts: string; readonly mode: string };
}

/**
 * The retry settings for `env` (normally process.env) and the caller's options. Pure.
 * @throws InvalidSpecError naming the variable and its value when it is set to something the SDK would refuse
 *   or that would make a pass unbounded; RangeError for a bad `maxAttempts` option.
 */
export function retrySettings(env: Readonly<Record<string, string | undefined>>, options: { readonly maxAttempts?: number } = {}): RetrySettings {
  // An empty variable is unset, as the SDK reads it.
  const attemptsVar = env.AWS_MAX_ATTEMPTS || undefined;
  const modeVar = env.AWS_RETRY_MODE || undefined;
  let maxAttempts = DEFAULT_MAX_ATTEMPTS;
  let attemptsFrom = 'default';
  if (options.maxAttempts !== undefined) {
    maxAttempts = options.maxAttempts;
    attemptsFrom = 'option';
  } else if (attemptsVar !== undefined) {
    maxAttempts = /^\d+$/.test(attemptsVar) ? Number(attemptsVar) : NaN;
    attemptsFrom = 'AWS_MAX_ATTEMPTS';
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    const rule = `must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`;
    // A bad option is the program's mistake; a bad variable is the user's input (drctl exits 2 on it).
    if (attemptsFrom === 'option') throw new RangeError(`maxAttempts ${rule}, got: ${options.maxAttempts}`);
    throw new InvalidSpecError([`AWS_MAX_ATTEMPTS: ${rule}, got: ${quote(attemptsVar)}`]);
  }
  let mode: RetryMode = DEFAULT_RETRY_MODE;
  let modeFrom = 'default';
  if (modeVar !== undefined) {
    modeFrom = 'AWS_RETRY_MODE';
    // `legacy` is a mode of other SDKs; the SDK for JavaScript v3 runs it as standard, and so do we.
    if (modeVar === 'standard' || modeVar === 'legacy') mode = 'standard';
    else if (modeVar === 'adaptive') mode = 'adaptive';
    else throw new InvalidSpecError([`AWS_RETRY_MODE: must be "standard", "adaptive" or "legacy", got: ${quote(modeVar)}`]);
  }
  return { maxAttempts, mode, from: { maxAttempts: attemptsFrom, mode: modeFrom } };
}

/**
 * A fresh retry strategy (one per client: the SDK's retry quota is per client too) making `maxAttempts`
 * attempts, waiting `delayMs(attempt)` before each retry.
 */
export function retryStrategy(mode: RetryMode, maxAttempts: number, delayMs: (attempt: number) => number): ConfiguredRetryStrategy | AdaptiveRetryStrategy {
  if (mode === 'standard') return new ConfiguredRetryStrategy(maxAttempts, delayMs);
  // The adaptive strategy keeps its rate limiter; only the backoff between attempts is ours.
  return new AdaptiveRetryStrategy(maxAttempts, {
    maxAttempts,
    backoff: { computeNextBackoffDelay: (retries: number) => delayMs(retries + 1), setDelayBase: () => undefined },
  });
}
