/**
 * A proxy in front of the emulator that makes one region unreachable: every request signed for that region
 * (SigV4 credential scope `…/<date>/<region>/<service>/aws4_request`) is answered 503 without reaching the
 * emulator; everything else passes through. moto serves every region on one endpoint, so the signature's
 * region is the only thing that tells them apart.
 *
 * It runs in its own process: the tests run terraform with spawnSync, which blocks this process's event loop,
 * so a proxy in it would never answer terraform. `GET /__region-proxy/stats` (unsigned) returns its counters.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Counters of a region-blocking proxy. */
export interface RegionProxyStats {
  /** Requests passed through, by signed region. */
  readonly passed: Record<string, number>;
  /** Requests refused (the blocked region's). */
  readonly blocked: number;
}

/** A running region-blocking proxy (a child process). */
export interface RegionProxy {
  readonly endpoint: string;
  stats(): Promise<RegionProxyStats>;
  close(): Promise<void>;
}

const STATS_PATH = '/__region-proxy/stats';

/** The region of a SigV4 Authorization header, undefined when there is none. */
export function signedRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '')?.[1];
}

/** Serves the proxy in this process and prints its port (the child process's main). */
function serve(target: string, blockedRegion: string): void {
  const upstream = new URL(target);
  const passed: Record<string, number> = {};
  let blocked = 0;
  const server = http.createServer((req, res) => {
    if (req.url === STATS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ passed, blocked }));
      return;
    }
    const region = signedRegion(req.headers.authorization) ?? '(unsigned)';
    if (region === blockedRegion) {
      blocked++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`region ${blockedRegion} is unreachable (test proxy)`);
      return;
    }
    passed[region] = (passed[region] ?? 0) + 1;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', (err) => res.writeHead(502).end(String(err)));
    req.pipe(forward);
  });
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}

/** Starts the proxy in a child process forwarding to `target` and refusing `blockedRegion`. */
export async function startRegionProxy(target: string, blockedRegion: string): Promise<RegionProxy> {
  const child = spawn(process.execPath, [__filename, target, blockedRegion], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`region proxy exited (${code}) before listening`)));
    child.stdout!.setEncoding('utf8');
    child.stdout!.once('data', (line: string) => resolve(Number(line.trim())));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    stats: () =>
      new Promise<RegionProxyStats>((resolve, reject) => {
        http
          .get(`${endpoint}${STATS_PATH}`, { agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve(JSON.parse(body) as RegionProxyStats));
          })
          .on('error', reject);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (require.main === module) serve(process.argv[2], process.argv[3]);
