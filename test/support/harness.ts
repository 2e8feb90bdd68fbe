/**
 * One suite's emulator behind the recording proxy (test/support/proxy.ts), and a stand-in for the primary's health
 * endpoint (test/support/probe-server.ts): what the fault and safety suites both start before their tests.
 */
import { getEmulator } from './emulator';
import { startProbeServer, type ProbeServer } from './probe-server';
import { startProxy, type Proxy } from './proxy';

/** The running pieces, and how to stop them. */
export interface ProxiedEmulator {
  /** The emulator's own endpoint (tests point AWS_ENDPOINT_URL at the proxy's). */
  readonly endpoint: string;
  readonly proxy: Proxy;
  readonly primary: ProbeServer;
  /** Points AWS_ENDPOINT_URL back at the emulator and stops the proxy and the probe server. */
  close(): Promise<void>;
}

/** Starts the proxy in front of the shared emulator, and a healthy probe server. */
export async function startProxiedEmulator(): Promise<ProxiedEmulator> {
  const emulator = await getEmulator();
  const proxy = await startProxy(emulator.endpoint);
  const primary = await startProbeServer();
  return {
    endpoint: emulator.endpoint,
    proxy,
    primary,
    async close() {
      process.env.AWS_ENDPOINT_URL = emulator.endpoint;
      await proxy.close();
      await primary.close();
    },
  };
}
