/**
 * A proxy in front of the emulator that makes one region unreachable: every request signed for that region
 * (SigV4 credential scope `…/<date>/<region>/<service>/aws4_request`) is answered 503 without reaching the
 * emulator; everything else passes through. moto serves every region on one endpoint, so the signature's
 * region is the only thing that tells them apart.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running region-blocking proxy. */
export interface RegionProxy {
  readonly endpoint: string;
  /** Requests passed through, by region. */
  readonly passed: Map<string, number>;
  /** Requests refused (the blocked region's). */
  blocked: number;
  close(): Promise<void>;
}

/** The region of a SigV4 Authorization header, undefined when there is none. */
export function signedRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '')?.[1];
}

/** Starts a proxy on 127.0.0.1 forwarding to `target` and refusing `blockedRegion`. */
export async function startRegionProxy(target: string, blockedRegion: string): Promise<RegionProxy> {
  const upstream = new URL(target);
  const state = { passed: new Map<string, number>(), blocked: 0 };
  const server = http.createServer((req, res) => {
    const region = signedRegion(req.headers.authorization) ?? '(unsigned)';
    if (region === blockedRegion) {
      state.blocked++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`region ${blockedRegion} is unreachable (test proxy)`);
      return;
    }
    state.passed.set(region, (state.passed.get(region) ?? 0) + 1);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (err) => res.writeHead(502).end(String(err)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    passed: state.passed,
    get blocked() {
      return state.blocked;
    },
    set blocked(n: number) {
      state.blocked = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
