/**
 * A recording, fault-injecting HTTP proxy in front of the emulator, on 127.0.0.1.
 *
 * It sees every AWS API call the real SDK clients make, so tests can count write calls at the wire (not at
 * our own port), and it can answer chosen calls with an AWS-shaped error to simulate what moto cannot do
 * (a resource that keeps failing, throttling), a connection reset, or a call that never gets an answer — before
 * the emulator sees it, or after (the write applied, its answer lost). Each call records whether it reached the
 * emulator, so a test can count what AWS would have acted on, not what was attempted.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request seen by the proxy. */
export interface SeenCall {
  /** The API action, e.g. `UpdateAutoScalingGroup`, `ECS.UpdateService` → `UpdateService`. */
  readonly action: string;
  /** The raw body (form-encoded or JSON), for predicates. */
  readonly body: string;
  /** Whether the call reached the emulator (a faulted call did not, unless its fault forwards first). */
  forwarded: boolean;
}

/**
 * A fault: when `match` says yes, answer instead of forwarding — with an AWS error (`code`, `message`), or
 * with a canned `body` (for states moto cannot produce, e.g. an unhealthy Route 53 health check).
 */
export interface Fault {
  readonly match: (call: SeenCall) => boolean;
  /** HTTP status of the canned answer (ignored with `reset`). */
  readonly status?: number;
  /** Reset the connection instead of answering (a region's endpoint that is down or unreachable). */
  readonly reset?: boolean;
  readonly code?: string;
  readonly message?: string;
  /** A canned response body (sent as text/xml) instead of an error. */
  readonly body?: string;
  /** Never answer: the caller waits until its own timeout, or forever (a process killed mid-call). */
  readonly hang?: boolean;
  /** Forward to the emulator first, then apply `reset` or `hang` to the answer: the write applied, its answer lost. */
  readonly forwardFirst?: boolean;
  /** Called as the fault fires, before anything is answered (e.g. to mark the caller killed). */
  readonly onFire?: (call: SeenCall) => void;
  /** How many times to fire; unlimited when absent. */
  times?: number;
}

/** The form field `name` of a query-protocol body (e.g. SNS Publish's Subject). */
export function formField(body: string, name: string): string | undefined {
  return new URLSearchParams(body).get(name) ?? undefined;
}

/** Actions that change resources in the DR region (not mode, lease, status or notifications). */
export const RESOURCE_WRITE_ACTIONS = new Set([
  'PromoteReadReplica',
  'UpdateAutoScalingGroup',
  'UpdateService',
  'RegisterTargets',
  'DeregisterTargets',
]);

/** Actions that only read. Everything else is a write of some kind. */
// `GET /...`: a REST call without an action name (Route 53's GetHealthCheckStatus), a read by HTTP's own rule.
const READ_PREFIXES = ['Describe', 'List', 'Get', 'Query', 'Scan', 'BatchGet', 'GET '];

/** Whether an action reads only. */
export function isReadAction(action: string): boolean {
  return READ_PREFIXES.some((p) => action.startsWith(p));
}

/** A running proxy. */
export interface Proxy {
  readonly endpoint: string;
  readonly calls: SeenCall[];
  readonly faults: Fault[];
  /** Calls whose action is in RESOURCE_WRITE_ACTIONS. */
  resourceWrites(): SeenCall[];
  /** Every call that is not a read. */
  writes(): SeenCall[];
  /** Calls that reached the emulator. */
  forwarded(): SeenCall[];
  /** Resets the connections of calls held by a `hang` fault. */
  releaseHung(): void;
  clear(): void;
  close(): Promise<void>;
}

function actionOf(req: http.IncomingMessage, body: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const m = /(?:^|&)Action=([^&]+)/.exec(body);
  if (m) return decodeURIComponent(m[1]);
  const smithy = /\/operation\/([A-Za-z]+)/.exec(req.url ?? '');
  if (smithy) return smithy[1];
  return `${req.method} ${(req.url ?? '').split('?')[0]}`;
}

/** Starts a proxy forwarding to `target` (the emulator's endpoint). */
export async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  const calls: SeenCall[] = [];
  const faults: Fault[] = [];
  const hung = new Set<import('node:net').Socket>();
  const hold = (req: http.IncomingMessage) => {
    hung.add(req.socket);
    req.socket.once('close', () => hung.delete(req.socket));
  };
  /** Sends the call to the emulator; `answer` gets the emulator's response (or a 502 when it cannot be reached). */
  const forward = (req: http.IncomingMessage, raw: Buffer, call: SeenCall, answer: (up: http.IncomingMessage | undefined, err?: Error) => void) => {
    call.forwarded = true;
    const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => answer(up));
    fwd.on('error', (err) => answer(undefined, err));
    fwd.end(raw);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const call: SeenCall = { action: actionOf(req, body), body, forwarded: false };
      calls.push(call);
      const fault = faults.find((f) => (f.times === undefined || f.times > 0) && f.match(call));
      if (fault) {
        if (fault.times !== undefined) fault.times--;
        fault.onFire?.(call);
        if (fault.forwardFirst) {
          forward(req, raw, call, (up) => {
            up?.resume();
            // The emulator has acted; the caller never learns it.
            if (fault.hang) hold(req);
            else req.socket.destroy();
          });
          return;
        }
        if (fault.hang) {
          hold(req);
          return;
        }
        if (fault.reset) {
          req.socket.destroy();
          return;
        }
        if (fault.body !== undefined) {
          res.writeHead(fault.status ?? 200, { 'content-type': 'text/xml' });
          res.end(fault.body);
          return;
        }
        const json = typeof req.headers['x-amz-target'] === 'string';
        res.writeHead(fault.status ?? 500, { 'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml', 'x-amzn-errortype': fault.code ?? 'InternalFailure' });
        res.end(
          json
            ? JSON.stringify({ __type: fault.code, message: fault.message })
            : `<ErrorResponse><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`,
        );
        return;
      }
      forward(req, raw, call, (up, err) => {
        if (!up) {
          res.writeHead(502);
          res.end(String(err));
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    faults,
    resourceWrites: () => calls.filter((c) => RESOURCE_WRITE_ACTIONS.has(c.action)),
    writes: () => calls.filter((c) => !isReadAction(c.action)),
    forwarded: () => calls.filter((c) => c.forwarded),
    releaseHung: () => {
      for (const socket of hung) socket.destroy();
      hung.clear();
    },
    clear: () => {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
