/**
 * The AWS emulator for integration tests: moto 5.2.1, started through moto_launcher.py (which patches the moto
 * bugs the reconciler can see) on a free loopback port, one process group per emulator.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

/** A running emulator. */
export interface Emulator {
  /** Base URL for AWS_ENDPOINT_URL, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  readonly port: number;
  /** Pid of the server process (the interpreter itself, not a shim), leader of its process group. */
  readonly pid: number;
  /** Forgets every resource in every region (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server's process group and waits until the server has exited. Idempotent. */
  stop(): Promise<void>;
  /**
   * Leaves the server running after this process exits (`npm start -- --keep`): it is no longer killed on
   * exit. Only for an emulator started with `logFile`, whose output does not depend on this process.
   */
  detach(): void;
}

/** Options of `startEmulator`. */
export interface StartEmulatorOptions {
  /** How long to wait for the server to answer. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Ports tried before giving up when another process takes the chosen port first. @default 5 */
  readonly portAttempts?: number;
  /** Write the server's stderr to this file instead of a pipe, so the server can outlive this process. */
  readonly logFile?: string;
}

/** The moto version the launcher's patches are written for. */
export const MOTO_VERSION = '5.2.1';
/** What to run when moto is missing (a project virtualenv: Debian/Ubuntu's system Python refuses pip). */
export const MOTO_INSTALL_HINT = `python3 -m venv .venv && .venv/bin/pip install 'moto[server]==${MOTO_VERSION}'`;

/**
 * Interpreters tried for moto, in order: PILOT_LIGHT_PYTHON, the project virtualenv (.venv, as .ci/run and
 * the README make it), then python3 on the PATH.
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env, root: string = projectRootOf(__dirname)): string[] {
  return [...(env.PILOT_LIGHT_PYTHON ? [env.PILOT_LIGHT_PYTHON] : []), path.join(root, '.venv', 'bin', 'python3'), 'python3'];
}

/** The folder holding package.json above `dir` (tests run from dist/test/support). */
function projectRootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

const HOST = '127.0.0.1';
/** Bytes of server stderr kept for error messages. */
const STDERR_TAIL_BYTES = 8192;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5000;

/** Groups still running, killed synchronously if the test process exits without stopping them. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

/** Env vars that point the AWS SDK v3 at the emulator with fake credentials. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-west-2',
    AWS_DEFAULT_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Starts a patched moto server on a free port; retries with another port if the chosen one is taken. */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const attempts = opts.portAttempts ?? 5;
  const python = resolvePython();
  const launcher = launcherPath();
  let lastError: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    try {
      return await launch(python, launcher, port, timeoutMs, opts.logFile);
    } catch (err) {
      lastError = err as Error;
      // Only a port clash is worth another port; anything else would fail the same way again.
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw new Error(`emulator: no free port after ${attempts} attempts: ${lastError?.message ?? 'unknown error'}`);
}

let shared: Promise<Emulator> | undefined;

/**
 * The one emulator of this test run, started on first use, with process.env pointed at it.
 * Stopped by the root hook in hooks.ts; unit tests never call this, so they never need moto.
 */
export function getEmulator(): Promise<Emulator> {
  shared ??= startEmulator().then(
    (emulator) => {
      // Per-service endpoint overrides or the opt-out flag from a developer's shell would send some calls to AWS.
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_ENDPOINT_URL_')) delete process.env[key];
      delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
      delete process.env.AWS_PROFILE;
      Object.assign(process.env, emulatorEnv(emulator.endpoint));
      return emulator;
    },
    (err: unknown) => {
      shared = undefined; // let a later caller try again instead of replaying a stale failure
      throw err;
    },
  );
  return shared;
}

/** Stops the shared emulator if one was started. */
export async function stopSharedEmulator(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (!pending) return;
  const emulator = await pending.catch(() => undefined);
  await emulator?.stop();
}

class PortInUseError extends Error {}

/**
 * The real interpreter (pyenv installs a shim whose pid is not the server's) of the first candidate that
 * imports moto MOTO_VERSION; a candidate that does not exist is skipped.
 */
function resolvePython(): string {
  const problems: string[] = [];
  for (const candidate of pythonCandidates()) {
    if (candidate.includes(path.sep) && !existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-c', 'import sys, moto, moto.server; print(sys.executable); print(moto.__version__)'], {
      encoding: 'utf8',
    });
    if (probe.error || probe.status !== 0) {
      problems.push(`${candidate}: ${probe.error?.message ?? lastLine(probe.stderr) ?? `exit code ${probe.status}`}`);
      continue;
    }
    const [executable, version] = probe.stdout.trim().split('\n');
    if (version !== MOTO_VERSION) {
      problems.push(`${candidate}: moto ${MOTO_VERSION} is required, got: ${version}`);
      continue;
    }
    return executable;
  }
  throw new Error(`emulator: no python with moto ${MOTO_VERSION} (${problems.join('; ')}); install it with: ${MOTO_INSTALL_HINT}`);
}

/** moto_launcher.py sits beside this file in the sources; tests run from dist/, which has no .py files. */
function launcherPath(): string {
  const candidates = [path.join(__dirname, 'moto_launcher.py'), path.resolve(__dirname, '../../../test/support/moto_launcher.py')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`emulator: moto_launcher.py not found, looked in: ${candidates.join(', ')}`);
  return found;
}

/** A port the OS says is free now (another process may still take it before the server binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('emulator: no port from the os'))));
    });
  });
}

async function launch(python: string, launcher: string, port: number, timeoutMs: number, logFile?: string): Promise<Emulator> {
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'a');
  // detached: the server leads its own process group, so stop() can end it and anything it spawned.
  const child = spawn(python, [launcher, '--host', HOST, '--port', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', logFd ?? 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  if (logFd !== undefined) closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`emulator: could not spawn ${python} ${launcher}`);
  liveGroups.add(pid);

  let piped = '';
  const stderrTail = () => (logFile === undefined ? piped : readTail(logFile));
  if (child.stderr) {
    child.stderr.setEncoding('utf8');
    // Always drain stderr: a full pipe would block the server.
    child.stderr.on('data', (chunk: string) => {
      piped = (piped + chunk).slice(-STDERR_TAIL_BYTES);
    });
  }
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  exited.then(() => liveGroups.delete(pid));
  // A forgotten emulator must not keep the test process alive; the exit handler above still kills it.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const endpoint = `http://${HOST}:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exitStatus: number | string | undefined;
  exited.then((s) => (exitStatus = s));
  for (;;) {
    if (exitStatus !== undefined) {
      if (/address already in use/i.test(stderrTail())) throw new PortInUseError(`port ${port} is in use`);
      throw new Error(`emulator: server exited (${exitStatus}) before answering on ${endpoint}; stderr:\n${stderrTail().trim() || '(empty)'}`);
    }
    if (await answers(`${endpoint}/moto-api/`)) break;
    if (Date.now() > deadline) {
      await stopChild(child, pid, exited);
      throw new Error(`emulator: no answer on ${endpoint} within ${timeoutMs} ms; stderr:\n${stderrTail().trim() || '(empty)'}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid,
    async reset() {
      const status = await request('POST', `${endpoint}/moto-api/reset`);
      if (status !== 200) throw new Error(`emulator: reset of ${endpoint} failed with http ${status}; stderr:\n${stderrTail().trim()}`);
    },
    stop() {
      stopping ??= stopChild(child, pid, exited);
      return stopping;
    },
    detach() {
      if (logFile === undefined) throw new Error('emulator: only an emulator started with logFile can be detached');
      liveGroups.delete(pid);
    },
  };
}

async function stopChild(child: ChildProcess, pid: number, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  killGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
  ]);
  clearTimeout(timer); // a pending grace timer would hold the test process open for its full length
  if (!done) {
    killGroup(pid, 'SIGKILL');
    await exited;
  }
  liveGroups.delete(pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await request('GET', url)) < 500;
  } catch {
    return false;
  }
}

/** One request without keep-alive, so no idle socket outlives the emulator. */
function request(method: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`emulator: ${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function lastLine(text: string | undefined): string | undefined {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] || undefined;
}

/** The last bytes of a log file, for error messages. */
function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-STDERR_TAIL_BYTES);
  } catch {
    return '';
  }
}
