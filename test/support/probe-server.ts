/**
 * A stand-in for the primary's health endpoint on 127.0.0.1: answers 200, 503, or never (a hang), as the test
 * says. The reconciler's probe (reconciler/probe.ts) reaches it over real HTTP.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the endpoint behaves. */
export type ProbeBehaviour = 'healthy' | 'unhealthy' | 'hang';

/** A running endpoint. */
export interface ProbeServer {
  readonly url: string;
  /** Changes how the next requests are answered. */
  set(b: ProbeBehaviour): void;
  /** Requests seen. */
  readonly hits: () => number;
  close(): Promise<void>;
}

/** Starts the endpoint on a free loopback port. */
export async function startProbeServer(initial: ProbeBehaviour = 'healthy'): Promise<ProbeServer> {
  let behaviour = initial;
  let hits = 0;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    hits++;
    if (behaviour === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    res.writeHead(behaviour === 'healthy' ? 200 : 503, { 'content-type': 'text/plain' }).end(behaviour);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    set: (b) => (behaviour = b),
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
