/**
 * Whole reconcile passes on the patched moto emulator, with the real SDK clients (createAwsPort) and the real
 * pass (reconcileOnce), as test/integration/reconcile.test.ts wires them:
 *
 *   SDK ─► wire (bench/wire.ts: optional added latency, upstream timing) ─► recording proxy (counts calls) ─► moto
 *
 * One cycle: reset, seed the pilot-light environment, then
 *   initial pass (pilot light, already converged; the port's SDK clients are created here),
 *   mode write `active` → pass (the reconciler's share of the RTO: from the mode write to Ready),
 *   no-op resync pass while active,
 *   mode write `pilot-light` → pass (failback of compute; the database stays promoted, rule S2),
 *   no-op resync pass in pilot light.
 */
import { createAwsPort } from '../reconciler/aws';
import { reconcileOnce, type PassResult, type Trigger } from '../reconciler/reconcile';
import type { DrEnvironment } from '../reconciler/spec';
import { getEmulator, type Emulator } from '../test/support/emulator';
import { isReadAction, startProxy, type Proxy } from '../test/support/proxy';
import { DEFAULT_SERVICES, seedPilotLight } from '../test/support/seed';
import { nowMs, summarize, type Summary } from './stats';
import { processCpuMs, startWire, type Wire } from './wire';

/** The passes of one cycle, in order. */
export const PASS_KINDS = ['initial', 'up', 'noop-active', 'down', 'noop-pilot-light'] as const;
/** One pass of a cycle. */
export type PassKind = (typeof PASS_KINDS)[number];

/** What one pass cost. */
export interface PassSample {
  readonly pass: PassKind;
  readonly outcome: PassResult['outcome'];
  /** Wall time of reconcileOnce, ms. */
  readonly passMs: number;
  /** From just before the mode parameter write to the end of the pass that reports Ready (up/down only), ms. */
  readonly writeToReadyMs?: number;
  /** status.timings.convergenceSeconds as the pass recorded it (from SSM LastModifiedDate; 0.1 s resolution). */
  readonly convergenceSeconds?: number;
  /** observe → act rounds. */
  readonly rounds: number;
  /** Actions issued (resource writes). */
  readonly actions: number;
  /** AWS API calls seen at the wire. */
  readonly calls: number;
  readonly readCalls: number;
  readonly writeCalls: number;
  readonly callsByAction: Readonly<Record<string, number>>;
  /** Most AWS calls in flight at once. */
  readonly peakInFlight: number;
  /** Sum of upstream (proxy + moto) time of every call, ms: > passMs means calls overlapped. */
  readonly upstreamMsSum: number;
  /** CPU used by this node process (reconciler, SDK and the two in-process proxies), ms. */
  readonly nodeCpuMs: number;
  /** CPU used by the moto server process, ms (undefined without /proc). */
  readonly motoCpuMs?: number;
}

/** One cycle's passes plus its seed time. */
export interface Cycle {
  readonly seedMs: number;
  readonly passes: readonly PassSample[];
}

/** The emulator, proxy and wire, started once for every benchmark that needs them. */
export interface Harness {
  readonly emulator: Emulator;
  readonly proxy: Proxy;
  readonly wire: Wire;
  close(): Promise<void>;
}

/** Starts (or reuses) the emulator and puts the proxy and wire in front; process.env points at the wire. */
export async function startHarness(): Promise<Harness> {
  const emulator = await getEmulator();
  const proxy = await startProxy(emulator.endpoint);
  const wire = await startWire(proxy.endpoint);
  process.env.AWS_ENDPOINT_URL = wire.endpoint;
  return {
    emulator,
    proxy,
    wire,
    async close() {
      process.env.AWS_ENDPOINT_URL = emulator.endpoint;
      await wire.close();
      await proxy.close();
    },
  };
}

/**
 * The API name of a call as the proxy saw it. Route 53 is a REST API, so the proxy sees `GET /2013-04-01/…`
 * instead of an action name: name those by what the port calls.
 */
export function apiName(action: string): string {
  if (/^GET \/2013-04-01\/healthcheck\/[^/]+\/status$/.test(action)) return 'GetHealthCheckStatus';
  return action;
}

/** Options of one cycle. */
export interface CycleOptions {
  /** ECS services to seed. @default DEFAULT_SERVICES (5) */
  readonly services?: readonly string[];
  /** Seed the target groups attached to their ASGs and service, as the shipped stack (AWS registers). @default false */
  readonly attachTargetGroups?: boolean;
  /** spec.concurrency for the passes. @default the spec's default (50) */
  readonly concurrency?: number;
  /** Latency added to every AWS call during the passes (not during the seed), ms. @default 0 */
  readonly latencyMs?: number;
  /** Only these passes are measured (the others still run, so the sequence is the same). @default all */
  readonly passes?: readonly PassKind[];
}

/** Runs one cycle on a freshly reset and seeded emulator. */
export async function runCycle(h: Harness, opts: CycleOptions = {}): Promise<Cycle> {
  await h.emulator.reset();
  h.wire.latencyMs = 0;
  const seedStart = nowMs();
  const seeded = await seedPilotLight({ services: opts.services ?? DEFAULT_SERVICES, attachTargetGroups: opts.attachTargetGroups });
  const seedMs = nowMs() - seedStart;
  const env: DrEnvironment = opts.concurrency === undefined ? seeded.spec : { ...seeded.spec, spec: { ...seeded.spec.spec, concurrency: opts.concurrency } };
  // Production defaults (3 attempts, 100 ms base backoff): nothing is retried against a healthy emulator.
  const port = createAwsPort({ region: env.spec.region });

  const wanted = new Set<PassKind>(opts.passes ?? PASS_KINDS);
  const passes: PassSample[] = [];
  const latencyMs = opts.latencyMs ?? 0;
  const measure = async (pass: PassKind, trigger: Trigger, modeWrite?: string) => {
    // Unmeasured passes run without the added latency: same sequence, less waiting.
    h.wire.latencyMs = wanted.has(pass) ? latencyMs : 0;
    let writeStart: number | undefined;
    if (modeWrite !== undefined) {
      writeStart = nowMs();
      await port.putModeParameter(env.spec.modeParameter, modeWrite);
    }
    h.proxy.clear();
    h.wire.reset();
    const cpu0 = process.cpuUsage();
    const moto0 = processCpuMs(h.emulator.pid);
    const t0 = nowMs();
    const r = await reconcileOnce(port, env, { trigger });
    const t1 = nowMs();
    const cpu = process.cpuUsage(cpu0);
    const moto1 = processCpuMs(h.emulator.pid);
    if (!wanted.has(pass)) return r;
    const actionNames = h.proxy.calls.map((c) => apiName(c.action));
    const byAction: Record<string, number> = {};
    for (const a of actionNames) byAction[a] = (byAction[a] ?? 0) + 1;
    const readCalls = actionNames.filter(isReadAction).length;
    passes.push({
      pass,
      outcome: r.outcome,
      passMs: t1 - t0,
      writeToReadyMs: writeStart !== undefined && r.outcome === 'Converged' ? t1 - writeStart : undefined,
      convergenceSeconds: modeWrite !== undefined ? r.status?.timings.convergenceSeconds : undefined,
      rounds: r.status?.lastPass?.rounds ?? 0,
      actions: r.results.length,
      calls: h.proxy.calls.length,
      readCalls,
      writeCalls: h.proxy.calls.length - readCalls,
      callsByAction: byAction,
      peakInFlight: h.wire.peakInFlight,
      upstreamMsSum: h.wire.upstreamMs.reduce((s, v) => s + v, 0),
      nodeCpuMs: (cpu.user + cpu.system) / 1000,
      motoCpuMs: moto0 !== undefined && moto1 !== undefined ? moto1 - moto0 : undefined,
    });
    return r;
  };

  await measure('initial', { kind: 'manual' });
  await measure('up', { kind: 'parameter-change' }, 'active');
  await measure('noop-active', { kind: 'resync' });
  await measure('down', { kind: 'parameter-change' }, 'pilot-light');
  await measure('noop-pilot-light', { kind: 'resync' });
  h.wire.latencyMs = 0;
  return { seedMs, passes };
}

/** Per pass kind: summaries over the measured cycles. */
export interface PassSummary {
  readonly pass: PassKind;
  readonly runs: number;
  readonly outcomes: readonly string[];
  readonly passMs: Summary;
  readonly writeToReadyMs?: Summary;
  readonly convergenceSeconds?: Summary;
  readonly calls: Summary;
  readonly readCalls: Summary;
  readonly writeCalls: Summary;
  readonly actions: Summary;
  readonly rounds: Summary;
  readonly peakInFlight: Summary;
  readonly upstreamMsSum: Summary;
  readonly nodeCpuMs: Summary;
  readonly motoCpuMs?: Summary;
  /** Calls by action of the first measured cycle (they do not vary between cycles when outcomes match). */
  readonly callsByAction: Readonly<Record<string, number>>;
}

/** Summarizes cycles pass kind by pass kind. */
export function summarizeCycles(cycles: readonly Cycle[]): PassSummary[] {
  const kinds = PASS_KINDS.filter((k) => cycles.some((c) => c.passes.some((p) => p.pass === k)));
  return kinds.map((pass) => {
    const ps = cycles.flatMap((c) => c.passes.filter((p) => p.pass === pass));
    const opt = (f: (p: PassSample) => number | undefined) => {
      const v = ps.map(f).filter((x): x is number => x !== undefined);
      return v.length > 0 ? summarize(v) : undefined;
    };
    return {
      pass,
      runs: ps.length,
      outcomes: [...new Set(ps.map((p) => p.outcome))],
      passMs: summarize(ps.map((p) => p.passMs)),
      writeToReadyMs: opt((p) => p.writeToReadyMs),
      convergenceSeconds: opt((p) => p.convergenceSeconds),
      calls: summarize(ps.map((p) => p.calls)),
      readCalls: summarize(ps.map((p) => p.readCalls)),
      writeCalls: summarize(ps.map((p) => p.writeCalls)),
      actions: summarize(ps.map((p) => p.actions)),
      rounds: summarize(ps.map((p) => p.rounds)),
      peakInFlight: summarize(ps.map((p) => p.peakInFlight)),
      upstreamMsSum: summarize(ps.map((p) => p.upstreamMsSum)),
      nodeCpuMs: summarize(ps.map((p) => p.nodeCpuMs)),
      motoCpuMs: opt((p) => p.motoCpuMs),
      callsByAction: ps[0]?.callsByAction ?? {},
    };
  });
}

/** Options of the pass benchmark. */
export interface EmulatorBenchOptions {
  /** Measured cycles. @default 5 */
  readonly runs?: number;
  /** Unmeasured cycles first (moto loads each service's backend on first use, ~1 s each). @default 1 */
  readonly warmups?: number;
}

/** The pass benchmark's result. */
export interface EmulatorBenchResult {
  readonly runs: number;
  readonly warmup: readonly Cycle[];
  readonly cycles: readonly Cycle[];
  readonly seedMs: Summary;
  readonly summary: readonly PassSummary[];
}

/** Reset + seed + the five passes, `runs` times after `warmups`. */
export async function runEmulatorBench(h: Harness, opts: EmulatorBenchOptions = {}, progress: (line: string) => void = () => undefined): Promise<EmulatorBenchResult> {
  const runs = opts.runs ?? 5;
  const warmups = opts.warmups ?? 1;
  const warmup: Cycle[] = [];
  for (let i = 0; i < warmups; i++) {
    const c = await runCycle(h);
    warmup.push(c);
    progress(`emulator warm-up cycle ${i + 1}/${warmups}: seed ${c.seedMs.toFixed(0)} ms, up pass ${c.passes.find((p) => p.pass === 'up')?.passMs.toFixed(0)} ms`);
  }
  const cycles: Cycle[] = [];
  for (let i = 0; i < runs; i++) {
    const c = await runCycle(h);
    cycles.push(c);
    progress(`emulator cycle ${i + 1}/${runs}: ${c.passes.map((p) => `${p.pass} ${p.passMs.toFixed(0)} ms ${p.outcome}`).join(', ')}`);
  }
  return { runs, warmup, cycles, seedMs: summarize(cycles.map((c) => c.seedMs)), summary: summarizeCycles(cycles) };
}

/** One (latency, concurrency, services) configuration of the latency benchmark. */
export interface LatencyCase {
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly services: number;
  readonly runs: number;
  /** The pilot-light → active pass. */
  readonly up: PassSummary;
  /** The active → pilot-light pass. */
  readonly down: PassSummary;
}

/** Options of the latency benchmark. */
export interface LatencyBenchOptions {
  /** @default [0, 50] */
  readonly latenciesMs?: readonly number[];
  /** @default [1, 4, 8] */
  readonly concurrencies?: readonly number[];
  /** Numbers of ECS services to seed (each one is an UpdateService action on the way up). @default [5, 20] */
  readonly serviceCounts?: readonly number[];
  /** Cycles per case. @default 3 */
  readonly runs?: number;
  /** Unmeasured cycles first, for a fresh emulator. @default 1 */
  readonly warmups?: number;
}

/** Service names for a count: the runbook's five first, then `svc-NN`. */
export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => DEFAULT_SERVICES[i] ?? `svc-${String(i).padStart(2, '0')}`);
}

/** The up and down passes with a fixed latency added to every AWS call, per concurrency bound. */
export async function runLatencyBench(h: Harness, opts: LatencyBenchOptions = {}, progress: (line: string) => void = () => undefined): Promise<LatencyCase[]> {
  const runs = opts.runs ?? 3;
  for (let i = 0; i < (opts.warmups ?? 1); i++) await runCycle(h);
  const out: LatencyCase[] = [];
  for (const services of opts.serviceCounts ?? [5, 20]) {
    for (const latencyMs of opts.latenciesMs ?? [0, 50]) {
      for (const concurrency of opts.concurrencies ?? [1, 4, 8]) {
        const cycles: Cycle[] = [];
        for (let i = 0; i < runs; i++) {
          cycles.push(await runCycle(h, { services: serviceNames(services), concurrency, latencyMs, passes: ['up', 'down'] }));
        }
        const [up, down] = summarizeCycles(cycles);
        out.push({ latencyMs, concurrency, services, runs, up, down });
        progress(`latency ${latencyMs} ms, concurrency ${concurrency}, ${services} services: up ${up.passMs.median.toFixed(0)} ms, down ${down.passMs.median.toFixed(0)} ms`);
      }
    }
  }
  return out;
}
