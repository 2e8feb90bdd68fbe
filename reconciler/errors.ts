/**
 * Typed errors. One place decides retry vs terminal: `isRetryable`.
 */
import { printable } from './text';

/** An AWS call failed. `retryable` says whether trying again may help (throttling, 5xx, network). */
export class PortError extends Error {
  /** The AWS error code or name, e.g. `Throttling`, `InvalidParameterValue`. */
  readonly code: string;
  readonly retryable: boolean;
  constructor(message: string, opts: { code: string; retryable: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'PortError';
    this.code = opts.code;
    this.retryable = opts.retryable;
  }
}

/** At most this many problems are listed; a document with thousands of bad entries must stay readable. */
export const MAX_PROBLEMS = 50;

/** The spec document or the mode value is invalid: retrying cannot fix it (rule S6). */
export class InvalidSpecError extends Error {
  /**
   * The problems found, each naming the field and the bad value, with invisible characters escaped
   * (`\u200b`); past MAX_PROBLEMS the last line says how many more there were.
   */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    // Escaped here, whoever wrote the message: a raw zero-width space or newline in a log line, a terminal
    // or an SNS e-mail hides what is wrong.
    const shown = problems.slice(0, MAX_PROBLEMS).map(printable);
    if (problems.length > MAX_PROBLEMS) shown.push(`and ${problems.length - MAX_PROBLEMS} more problems`);
    super(`invalid spec: ${shown.join('; ')}`);
    this.name = 'InvalidSpecError';
    this.problems = shown;
  }
}

/** Throttling, whatever the service calls it: the request was refused before anything was done. */
const THROTTLING_CODES = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
];

/** Error codes that mean "try again later" whatever the service. */
const RETRYABLE_CODES = new Set([
  ...THROTTLING_CODES,
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServerException',
  'ScalingActivityInProgress',
  'ResourceInUse',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'TimeoutError',
]);

/** Whether an error from a port call is worth retrying. The only place that decides it. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof PortError) return err.retryable;
  if (err instanceof InvalidSpecError) return false;
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return RETRYABLE_CODES.has(e?.name ?? '') || RETRYABLE_CODES.has(e?.code ?? '');
}

/** Whether the service refused the call for its rate (its token bucket was empty). */
export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  if (err instanceof PortError) return THROTTLING_CODES.includes(err.code);
  return THROTTLING_CODES.includes(e?.name ?? '') || THROTTLING_CODES.includes(e?.code ?? '');
}

/** Codes that mean the service refused the request before acting on it: a re-send cannot act twice. */
const NOT_ACTED_CODES = new Set([...THROTTLING_CODES, 'ECONNREFUSED']);

/**
 * Whether the request certainly did nothing (throttled, or the connection was refused): safe to re-send even for
 * an irreversible action. A timeout, a reset or a 5xx may have acted, so they are not in this set (rule S1).
 */
export function refusedBeforeActing(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  if (err instanceof PortError) return NOT_ACTED_CODES.has(err.code);
  return NOT_ACTED_CODES.has(e?.name ?? '') || NOT_ACTED_CODES.has(e?.code ?? '');
}

/** A one-line message for status and logs, lower-case first word kept as the service said it. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
