/**
 * The issue-14 wire figures: the pilot-light → active pass at 0 and 50 ms per AWS call, its sequential round trips
 * ((time at 50 ms − time at 0 ms) / 50 ms), and a converged (no-op, active) pass's request count, at several
 * service counts, with the spec's default concurrency. Only the emulator harness of emulator.bench.ts is used, so
 * the same file runs on an older commit to give the "before" figures.
 *
 *   node dist/bench/roundtrips.js [--services 5,50,200] [--runs 3] [--latency 50] [--attach] [--json file]
 *
 * --attach seeds the target groups attached to their owners, as the shipped stack (AWS registers the targets).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { stopSharedEmulator } from '../test/support/emulator';
import { runCycle, serviceNames, startHarness, summarizeCycles, type Cycle, type Harness, type PassSummary } from './emulator.bench';
import { fmt, markdownTable } from './stats';

/** One service count at one latency. */
export interface RoundTripCase {
  readonly services: number;
  readonly latencyMs: number;
  readonly up: PassSummary;
  readonly noop: PassSummary;
}

/** How many target groups the seeded environment has (4 of the ASGs, 1 of frontend): the goal's `target groups`. */
export const SEEDED_TARGET_GROUPS = 5;

/** The request budget of a converged pass. */
export function convergedBudget(services: number, targetGroups: number): number {
  return Math.ceil(services / 10) + targetGroups + 5;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Runs the cases: per service count, `runs` cycles at 0 ms and at `latencyMs`. */
export async function runRoundTrips(h: Harness, counts: readonly number[], latencyMs: number, runs: number, progress: (l: string) => void, attachTargetGroups = false): Promise<RoundTripCase[]> {
  // One unmeasured cycle: moto loads each service's backend on first use (~1 s each).
  await runCycle(h);
  const out: RoundTripCase[] = [];
  for (const services of counts) {
    for (const lat of [0, latencyMs]) {
      const cycles: Cycle[] = [];
      for (let i = 0; i < runs; i++) cycles.push(await runCycle(h, { services: serviceNames(services), latencyMs: lat, passes: ['up', 'noop-active'], attachTargetGroups }));
      const [up, noop] = summarizeCycles(cycles);
      out.push({ services, latencyMs: lat, up, noop });
      progress(`${services} services, ${lat} ms: up ${up.passMs.median.toFixed(0)} ms (${up.outcomes.join('/')}), ${up.calls.median} calls; no-op ${noop.calls.median} calls`);
    }
  }
  return out;
}

/** The markdown table of the cases. */
export function roundTripTable(cases: readonly RoundTripCase[]): string {
  const base = (c: RoundTripCase) => cases.find((b) => b.services === c.services && b.latencyMs === 0);
  return markdownTable(
    ['services', 'ms per call', 'up median ms', 'up min–max', 'up outcome', 'up calls', 'up sequential round trips', 'no-op calls', 'no-op budget ⌈s/10⌉+TGs+5', 'no-op resource writes'],
    cases.map((c) => {
      const b = base(c);
      const writes = ['PromoteReadReplica', 'UpdateAutoScalingGroup', 'UpdateService', 'RegisterTargets', 'DeregisterTargets'].reduce((s, a) => s + (c.noop.callsByAction[a] ?? 0), 0);
      return [
        String(c.services),
        String(c.latencyMs),
        fmt(c.up.passMs.median, 0),
        `${fmt(c.up.passMs.min, 0)}–${fmt(c.up.passMs.max, 0)}`,
        c.up.outcomes.join('/'),
        String(c.up.calls.median),
        c.latencyMs > 0 && b ? fmt((c.up.passMs.median - b.up.passMs.median) / c.latencyMs, 1) : '–',
        String(c.noop.calls.median),
        String(convergedBudget(c.services, SEEDED_TARGET_GROUPS)),
        String(writes),
      ];
    }),
  );
}

async function main(): Promise<void> {
  const counts = arg('--services', '5,50,200').split(',').map(Number);
  const runs = Number(arg('--runs', '3'));
  const latencyMs = Number(arg('--latency', '50'));
  const json = arg('--json', '');
  const log = (l: string) => process.stderr.write(`· ${l}\n`);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  let h: Harness | undefined;
  try {
    h = await startHarness();
    const cases = await runRoundTrips(h, counts, latencyMs, runs, log, process.argv.includes('--attach'));
    const byAction = cases.map((c) => ({ services: c.services, latencyMs: c.latencyMs, up: c.up.callsByAction, noop: c.noop.callsByAction }));
    process.stdout.write(`## commit ${commit}: pilot-light → active and a converged pass, default concurrency, ${runs} runs each\n\n${roundTripTable(cases)}\n\n`);
    for (const b of byAction.filter((x) => x.latencyMs === 0)) {
      process.stdout.write(`${b.services} services, no-op calls: ${JSON.stringify(b.noop)}\n${b.services} services, up calls: ${JSON.stringify(b.up)}\n`);
    }
    if (json) {
      mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
      writeFileSync(json, `${JSON.stringify({ commit, runs, latencyMs, cases }, null, 2)}\n`);
    }
  } finally {
    await h?.close().catch(() => undefined);
    await stopSharedEmulator();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      await stopSharedEmulator().catch(() => undefined);
      process.exit(1);
    },
  );
}
