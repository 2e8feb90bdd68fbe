/**
 * Mocha root hook plugin (loaded through .mocharc.json `require`).
 *
 * The emulator is started lazily by the first integration test that calls `getEmulator()` (so a run of unit
 * tests alone never needs moto) and stopped here once, after every test, whether the tests passed or not.
 */
import type { RootHookObject } from 'mocha';
import { stopSharedEmulator } from './emulator';

/** Root hooks: stop the shared emulator at the end of the run. */
export const mochaHooks: RootHookObject = {
  async afterAll(this: Mocha.Context) {
    // Generous: stopping waits for the server to exit (SIGTERM, then SIGKILL after a grace period).
    this.timeout(15_000);
    await stopSharedEmulator();
  },
};
