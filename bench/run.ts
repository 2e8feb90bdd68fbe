/**
 * Runs the reconciler benchmarks and prints markdown tables; `--json [file]` also writes every sample.
 *
 *   node dist/bench/run.js [--only plan,emulator,latency] [--runs 5] [--latency-runs 3] [--quick] [--json [file]]
 *
 * plan      plan() on synthetic environments of 10, 100, 1000 ASGs/services (pure CPU; no emulator)
 * emulator  whole passes on the moto emulator: pilot-light → active, no-op, active → pilot-light, no-op
 * latency   the up/down passes with 0 and 50 ms added to every AWS call, concurrency 1, 4, 8, 5 and 20 services
 *
 * The emulator is stopped at the end, on failure, and on SIGINT/SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MOTO_VERSION, stopSharedEmulator } from '../test/support/emulator';
import { runEmulatorBench, runLatencyBench, startHarness, type EmulatorBenchResult, type Harness, type LatencyCase, type PassSummary } from './emulator.bench';
import { runPlanBench, type PlanBenchResult } from './plan.bench';
import { fmt, fmtBytes, markdownTable, nowMs, type Summary } from './stats';

type Part = 'plan' | 'emulator' | 'latency';
const PARTS: readonly Part[] = ['plan', 'emulator', 'latency'];

interface Args {
  readonly parts: ReadonlySet<Part>;
  readonly runs: number;
  readonly latencyRuns: number;
  readonly quick: boolean;
  readonly json?: string;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: node dist/bench/run.js [--only plan,emulator,latency] [--runs N] [--latency-runs N] [--quick] [--json [file]]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let parts = new Set<Part>(PARTS);
  let runs: number | undefined;
  let latencyRuns: number | undefined;
  let quick = false;
  let json: string | undefined;
  const count = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) usage(`${flag}: must be an integer >= 1, got: ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = list.filter((p) => !PARTS.includes(p as Part));
      if (list.length === 0 || bad.length > 0) usage(`--only: must list some of ${PARTS.join(', ')}, got: ${JSON.stringify(argv[i])}`);
      parts = new Set(list as Part[]);
    } else if (a === '--runs') runs = count(a, argv[++i]);
    else if (a === '--latency-runs') latencyRuns = count(a, argv[++i]);
    else if (a === '--quick') quick = true;
    else if (a === '--json') json = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : path.join('dist', 'bench', 'results.json');
    else usage(`unknown argument: ${JSON.stringify(a)}`);
  }
  return { parts, runs: runs ?? (quick ? 2 : 5), latencyRuns: latencyRuns ?? (quick ? 1 : 3), quick, json };
}

/** What the numbers were measured on. */
function machine(): Record<string, string | number> {
  const python = (() => {
    try {
      return execFileSync('python3', ['-c', 'import sys, moto; print(sys.version.split()[0], moto.__version__)'], { encoding: 'utf8' }).trim().split(' ');
    } catch {
      return ['unknown', 'unknown'];
    }
  })();
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  // The numbers belong to the code that ran: say when the measured code was not a clean commit.
  const dirty = git('status', '--porcelain', '--', 'reconciler', 'test/support').split('\n').filter(Boolean).length;
  return {
    commit: `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty > 0 ? ` + ${dirty} uncommitted file(s) in reconciler/ or test/support/` : ''}`,
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: python[0],
    moto: python[1],
    motoPinned: MOTO_VERSION,
    loadAverage1mAtStart: os.loadavg()[0].toFixed(2),
  };
}

const ms = (s: Summary | undefined, digits = 0) => (s ? fmt(s.median, digits) : '–');
const range = (s: Summary | undefined, digits = 0) => (s ? `${fmt(s.min, digits)}–${fmt(s.max, digits)}` : '–');
/** A count that should not vary between runs: the value, or `min–max` when it did. */
const exact = (s: Summary) => (s.min === s.max ? String(s.min) : `${s.min}–${s.max}`);

function planTable(results: readonly PlanBenchResult[]): string {
  return markdownTable(
    ['scenario', 'ASGs', 'services', 'TGs', 'targets', 'actions', 'median ms', 'p95 ms', 'calls', 'GC %', 'inputs heap', 'Plan heap', 'heap growth', 'validateSpec ms'],
    results.map((r) => [
      r.scenario,
      String(r.size),
      String(r.size),
      String(r.targetGroups),
      String(r.targetsTotal),
      String(r.actions),
      fmt(r.timeMs.median, 3),
      fmt(r.timeMs.p95, 3),
      String(r.iterations),
      fmt(r.gcPercent, 1),
      fmtBytes(r.inputHeapBytes),
      fmtBytes(r.planHeapBytes),
      fmtBytes(r.heapGrowthBytes),
      fmt(r.validateSpecMs, 2),
    ]),
  );
}

const PASS_LABEL: Record<string, string> = {
  initial: 'initial (pilot light, fresh port)',
  up: 'pilot-light → active',
  'noop-active': 'no-op resync (active)',
  down: 'active → pilot-light',
  'noop-pilot-light': 'no-op resync (pilot light)',
};

function passTable(summary: readonly PassSummary[]): string {
  return markdownTable(
    ['pass', 'outcome', 'pass median ms', 'min–max', 'write→Ready median ms', 'min–max', 'AWS calls', 'reads', 'writes', 'actions', 'rounds', 'peak in flight', 'node CPU ms', 'moto CPU ms'],
    summary.map((s) => [
      PASS_LABEL[s.pass] ?? s.pass,
      s.outcomes.join('/'),
      ms(s.passMs),
      range(s.passMs),
      ms(s.writeToReadyMs),
      range(s.writeToReadyMs),
      exact(s.calls),
      exact(s.readCalls),
      exact(s.writeCalls),
      exact(s.actions),
      exact(s.rounds),
      exact(s.peakInFlight),
      ms(s.nodeCpuMs),
      ms(s.motoCpuMs),
    ]),
  );
}

function callsTable(summary: readonly PassSummary[]): string {
  const actions = [...new Set(summary.flatMap((s) => Object.keys(s.callsByAction)))].sort();
  return markdownTable(
    ['AWS API call', ...summary.map((s) => s.pass)],
    actions.map((a) => [a, ...summary.map((s) => String(s.callsByAction[a] ?? 0))]),
  );
}

function latencyTable(cases: readonly LatencyCase[]): string {
  // (time with latency − time without) / latency: how many AWS round trips the pass waits for one after another.
  const roundTrips = (c: LatencyCase, pass: 'up' | 'down') => {
    const base = cases.find((b) => b.latencyMs === 0 && b.services === c.services && b.concurrency === c.concurrency);
    return c.latencyMs > 0 && base ? fmt((c[pass].passMs.median - base[pass].passMs.median) / c.latencyMs, 1) : '–';
  };
  return markdownTable(
    ['services', 'added latency ms', 'concurrency', 'up median ms', 'up min–max', 'up actions', 'up calls', 'up sequential round trips', 'down median ms', 'down min–max', 'down actions', 'down calls', 'down sequential round trips'],
    cases.map((c) => [
      String(c.services),
      String(c.latencyMs),
      String(c.concurrency),
      ms(c.up.passMs),
      range(c.up.passMs),
      exact(c.up.actions),
      exact(c.up.calls),
      roundTrips(c, 'up'),
      ms(c.down.passMs),
      range(c.down.passMs),
      exact(c.down.actions),
      exact(c.down.calls),
      roundTrips(c, 'down'),
    ]),
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`· ${line}\n`);
  const started = nowMs();
  const info = machine();
  const out: {
    machine: Record<string, string | number>;
    startedAt: string;
    args: Omit<Args, 'parts'> & { parts: Part[] };
    plan?: PlanBenchResult[];
    emulator?: EmulatorBenchResult;
    latency?: LatencyCase[];
    totalSeconds?: number;
  } = { machine: info, startedAt: new Date().toISOString(), args: { ...args, parts: [...args.parts] } };

  process.stdout.write(`# reconciler benchmarks\n\n${markdownTable(['machine', ''], Object.entries(info).map(([k, v]) => [k, String(v)]))}\n\n`);

  if (args.parts.has('plan')) {
    out.plan = await runPlanBench(args.quick ? { sizes: [10, 100], budgetMs: 500 } : {}, log);
    process.stdout.write(`## plan() — synthetic environments, desired mode active, 50 targets per target group\n\n${planTable(out.plan)}\n\n`);
  }

  let harness: Harness | undefined;
  try {
    if (args.parts.has('emulator') || args.parts.has('latency')) {
      const t = nowMs();
      harness = await startHarness();
      log(`emulator up on ${harness.emulator.endpoint} in ${(nowMs() - t).toFixed(0)} ms (pid ${harness.emulator.pid})`);
    }
    if (harness && args.parts.has('emulator')) {
      out.emulator = await runEmulatorBench(harness, { runs: args.runs }, log);
      const e = out.emulator;
      process.stdout.write(
        `## Reconcile passes on the emulator — ${e.runs} runs (reset + seed each, after 1 warm-up), concurrency 4, no added latency\n\n` +
          `${passTable(e.summary)}\n\nseed: median ${fmt(e.seedMs.median, 0)} ms (${range(e.seedMs)}); ` +
          `convergenceSeconds recorded in status (up): ${ms(e.summary.find((s) => s.pass === 'up')?.convergenceSeconds, 1)} s\n\n` +
          `warm-up cycle (moto loading each service's backend on first use, not in the table): ${e.warmup
            .map((c) => `seed ${fmt(c.seedMs, 0)} ms, ${c.passes.map((p) => `${p.pass} ${fmt(p.passMs, 0)} ms`).join(', ')}`)
            .join('; ')}\n\n` +
          `### AWS API calls per pass\n\n${callsTable(e.summary)}\n\n`,
      );
    }
    if (harness && args.parts.has('latency')) {
      out.latency = await runLatencyBench(harness, { runs: args.latencyRuns, warmups: out.emulator ? 0 : 1, ...(args.quick ? { serviceCounts: [5] } : {}) }, log);
      process.stdout.write(`## Added latency per AWS call — up/down passes by concurrency (${args.latencyRuns} runs each, reset + seed each)\n\n${latencyTable(out.latency)}\n\n`);
    }
  } finally {
    await harness?.close().catch(() => undefined);
    await stopSharedEmulator();
  }

  out.totalSeconds = Math.round(nowMs() - started) / 1000;
  out.machine.loadAverage1mAtEnd = os.loadavg()[0].toFixed(2);
  process.stdout.write(`total: ${out.totalSeconds.toFixed(1)} s; load average (1 min) at start ${info.loadAverage1mAtStart}, at end ${out.machine.loadAverage1mAtEnd}\n`);
  if (args.json) {
    mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}: stopping the emulator\n`);
    void stopSharedEmulator().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopSharedEmulator().catch(() => undefined);
    process.exit(1);
  },
);
