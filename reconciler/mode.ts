/**
 * The mode parameter and its request record: the one place that writes them (the pass and `drctl set-mode`)
 * and reads them back together.
 */
import type { ModeParameter, ModeStore, StateStore } from './port';
import type { Mode } from './spec';
import type { ModeRequest, ModeRequestInput } from './status';

/** State-table key of the last mode request (who set the mode and why). */
export const MODE_REQUEST_KEY = 'mode-request';

/** Writes the mode, then the request that names its version. Returns both. */
export async function writeMode(
  port: ModeStore & StateStore,
  where: { readonly modeParameter: string; readonly stateTable: string },
  mode: Mode,
  request: ModeRequestInput,
  now: Date,
): Promise<{ parameter: ModeParameter; request: ModeRequest }> {
  const version = await port.putModeParameter(where.modeParameter, mode);
  const req: ModeRequest = { ...request, mode, at: now.toISOString(), modeVersion: version };
  await port.writeState(where.stateTable, MODE_REQUEST_KEY, req);
  return { parameter: { value: mode, version, lastModified: now }, request: req };
}

/** The request behind the parameter's current version; a parameter set by hand says so rather than guess. */
export async function readModeRequest(port: StateStore, table: string, param: ModeParameter): Promise<ModeRequest> {
  const req = await port.readState<ModeRequest>(table, MODE_REQUEST_KEY);
  if (req && req.modeVersion === param.version) return req;
  return {
    mode: param.value as Mode,
    source: 'unknown',
    by: param.lastModifiedBy,
    at: param.lastModified.toISOString(),
    modeVersion: param.version,
    reason: 'the mode parameter was set directly',
  };
}
