/**
 * The mode parameter and its request record: the one place that writes them (the pass and `drctl set-mode`)
 * and reads them back together.
 */
import type { ModeParameter, ModeStore, StateStore } from './port';
import type { Mode } from './spec';
import type { ModeRequest, ModeRequestInput } from './status';

/** State-table key of the last mode request (who set the mode and why). */
export const MODE_REQUEST_KEY = 'mode-request';

/** The stored request item: the request of the current version, and the one being written (`next`), if any. */
type StoredRequest = ModeRequest & { readonly next?: ModeRequest };

/**
 * A `next` request explains a parameter version only if that version was written this soon after it: a crash
 * between the two writes leaves `next` behind, and a much later write by hand must not inherit its reason.
 */
export const MODE_WRITE_WINDOW_MS = 5 * 60_000;

/**
 * Writes the mode and the request that names its version. The request is recorded (as `next`, beside the current
 * version's) before the parameter is written, so a crash between the two writes never leaves a mode without its
 * request — the failover's who and why — while the current version keeps its own. `expectedVersion` is the version
 * the caller read (the pass re-reads it just before); without it, it is read here.
 */
export async function writeMode(
  port: ModeStore & StateStore,
  where: { readonly modeParameter: string; readonly stateTable: string },
  mode: Mode,
  request: ModeRequestInput,
  now: Date,
  expectedVersion?: number,
): Promise<{ parameter: ModeParameter; request: ModeRequest }> {
  const [stored, current] = await Promise.all([
    port.readState<StoredRequest>(where.stateTable, MODE_REQUEST_KEY),
    expectedVersion === undefined ? port.getModeParameter(where.modeParameter) : undefined,
  ]);
  const base = expectedVersion ?? current?.version ?? 0;
  const next: ModeRequest = { ...request, mode, at: now.toISOString(), modeVersion: base + 1 };
  const kept = stored ? withoutNext(stored) : undefined;
  await port.writeState<StoredRequest>(where.stateTable, MODE_REQUEST_KEY, kept ? { ...kept, next } : next);
  const version = await port.putModeParameter(where.modeParameter, mode);
  const req: ModeRequest = { ...next, modeVersion: version };
  await port.writeState(where.stateTable, MODE_REQUEST_KEY, req);
  return { parameter: { value: mode, version, lastModified: now }, request: req };
}

/** The request behind the parameter's current version; a parameter set by hand says so rather than guess. */
export async function readModeRequest(port: StateStore, table: string, param: ModeParameter): Promise<ModeRequest> {
  return modeRequestOf(await port.readState<StoredRequest>(table, MODE_REQUEST_KEY), param);
}

/** The request behind `param`'s version, from the stored item (pure). */
export function modeRequestOf(item: unknown, param: ModeParameter): ModeRequest {
  const stored = item as StoredRequest | undefined;
  if (stored && stored.modeVersion === param.version) return withoutNext(stored);
  // The writer stopped between its two writes: the parameter changed, the request is still `next`.
  const next = stored?.next;
  if (next && next.modeVersion === param.version && Math.abs(param.lastModified.getTime() - Date.parse(next.at)) <= MODE_WRITE_WINDOW_MS) return next;
  return {
    mode: param.value as Mode,
    source: 'unknown',
    by: param.lastModifiedBy,
    at: param.lastModified.toISOString(),
    modeVersion: param.version,
    reason: 'the mode parameter was set directly',
  };
}

function withoutNext(stored: StoredRequest): ModeRequest {
  const { next: _next, ...request } = stored;
  return request;
}
