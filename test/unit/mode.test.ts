import { expect } from 'chai';
import { MODE_REQUEST_KEY, MODE_WRITE_WINDOW_MS, readModeRequest, writeMode } from '../../reconciler/mode';
import type { ModeRequest } from '../../reconciler/status';
import { FakePort } from '../support/fake-port';

const WHERE = { modeParameter: '/dr/mode', stateTable: 'dr-state' };
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** Makes the port's writes fail from the `crashAt`-th on, as if the process died there (the write lost). */
function crashFrom(port: FakePort, crashAt: number): FakePort {
  let writes = 0;
  const die = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    if (++writes >= crashAt) throw new Error('killed');
    return fn(...a);
  };
  port.writeState = die(port.writeState.bind(port));
  port.putModeParameter = die(port.putModeParameter.bind(port));
  return port;
}

describe('writeMode: the mode and its request, at every crash point', () => {
  const before: ModeRequest = { mode: 'pilot-light', source: 'operator', reason: 'initial', at: new Date(T0 - 3600_000).toISOString(), modeVersion: 1 };
  const failover = { source: 'alarm', reason: 'alarm in ALARM and the probe fails' };

  // A clean write makes three writes (pending request, parameter, final request); a crash before each one of
  // them, and none at all.
  for (const crashAt of [1, 2, 3, 4]) {
    it(`crash before write ${crashAt}: the parameter's version is explained by its own request`, async () => {
      const port = new FakePort();
      port.setMode(WHERE.modeParameter, 'pilot-light', new Date(T0 - 3600_000));
      await port.writeState(WHERE.stateTable, MODE_REQUEST_KEY, before);
      crashFrom(port, crashAt);
      // The fake stamps the parameter with the real clock; the request is written at the same time.
      const done = await writeMode(port, WHERE, 'active', failover, new Date(), 1).then(
        () => true,
        () => false,
      );
      expect(done).to.equal(crashAt === 4);
      const param = (await port.getModeParameter(WHERE.modeParameter))!;
      const req = await readModeRequest(port, WHERE.stateTable, param);
      if (param.version === 1) expect(req).to.deep.equal(before);
      else expect(req).to.deep.include({ mode: 'active', source: 'alarm', modeVersion: 2 });
      expect(param.version).to.equal(crashAt >= 3 ? 2 : 1);
      // The request of the version before survives every crash point as the one of its version.
      if (param.version === 1) expect(port.world.state.get(WHERE.stateTable)?.get(MODE_REQUEST_KEY)).to.deep.include(before);
    });
  }

  it('a pending request does not explain a version written long after it (a later write by hand)', async () => {
    const port = new FakePort();
    port.setMode(WHERE.modeParameter, 'pilot-light', new Date(T0 - 3600_000));
    await port.writeState(WHERE.stateTable, MODE_REQUEST_KEY, { ...before, next: { mode: 'active', ...failover, at: new Date(T0).toISOString(), modeVersion: 2 } });
    port.setMode(WHERE.modeParameter, 'active', new Date(T0 + MODE_WRITE_WINDOW_MS + 1000));
    const inWindow = new FakePort();
    inWindow.setMode(WHERE.modeParameter, 'pilot-light', new Date(T0 - 3600_000));
    await inWindow.writeState(WHERE.stateTable, MODE_REQUEST_KEY, { ...before, next: { mode: 'active', ...failover, at: new Date(T0).toISOString(), modeVersion: 2 } });
    inWindow.setMode(WHERE.modeParameter, 'active', new Date(T0 + 2000));
    expect(await readModeRequest(inWindow, WHERE.stateTable, (await inWindow.getModeParameter(WHERE.modeParameter))!)).to.deep.include({ source: 'alarm', modeVersion: 2 });
    const param = (await port.getModeParameter(WHERE.modeParameter))!;
    expect(param.version).to.equal(2);
    expect(await readModeRequest(port, WHERE.stateTable, param)).to.deep.include({ source: 'unknown', reason: 'the mode parameter was set directly' });
  });
});
