/**
 * A delaying, timing HTTP forwarder for the benchmarks, put in front of the recording proxy
 * (test/support/proxy.ts), which counts the calls:
 *
 *   SDK clients ─► wire (adds `latencyMs`, times upstream) ─► recording proxy (counts) ─► patched moto
 *
 * The delay is added once per AWS API call, before forwarding, as a network round trip to a real regional
 * endpoint would be; moto answers a local request in a few ms, AWS in tens.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** A running forwarder. */
export interface Wire {
  readonly endpoint: string;
  /** Added to every request, ms. Can be changed between passes. */
  latencyMs: number;
  /** Upstream time (recording proxy + moto) of each request since the last reset, ms. */
  readonly upstreamMs: number[];
  /** Highest number of requests in flight at once since the last reset. */
  peakInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

/** Starts a forwarder to `target` on 127.0.0.1. */
export async function startWire(target: string, latencyMs = 0): Promise<Wire> {
  const upstream = new URL(target);
  // Keep-alive to the proxy behind: the wire must not add a connection setup per call of its own.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let inFlight = 0;
  const state = {
    latencyMs,
    upstreamMs: [] as number[],
    peakInFlight: 0,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inFlight++;
      state.peakInFlight = Math.max(state.peakInFlight, inFlight);
      const forward = () => {
        const started = process.hrtime.bigint();
        const fwd = http.request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', () => {
              state.upstreamMs.push(Number(process.hrtime.bigint() - started) / 1e6);
              inFlight--;
            });
          },
        );
        fwd.on('error', (err) => {
          inFlight--;
          res.writeHead(502);
          res.end(String(err));
        });
        fwd.end(Buffer.concat(chunks));
      };
      if (state.latencyMs > 0) setTimeout(forward, state.latencyMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    get upstreamMs() {
      return state.upstreamMs;
    },
    get peakInFlight() {
      return state.peakInFlight;
    },
    set peakInFlight(v: number) {
      state.peakInFlight = v;
    },
    reset() {
      state.upstreamMs.length = 0;
      state.peakInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let clockTicks: number | undefined;
/** CPU time (user + system) a process has used so far, ms, from /proc; undefined where /proc is not there. */
export function processCpuMs(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}
