/**
 * plan() on synthetic environments of growing size. plan is pure, so this measures CPU and memory only:
 * time per call (median, p95), GC time while calling it, heap retained by one Plan, heap left behind by many
 * calls (a leak check), and validateSpec on the same document for scale.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { plan } from '../reconciler/plan';
import { validateSpec } from '../reconciler/spec';
import { nowMs, settledHeap, summarize, type Summary } from './stats';
import { syntheticInput, type Scenario } from './synthetic';

/** Options of the planner benchmark. */
export interface PlanBenchOptions {
  /** Numbers of ASGs (and of services; target groups are twice this). @default [10, 100, 1000] */
  readonly sizes?: readonly number[];
  /** Targets fed into each target group. @default 50 */
  readonly targetsPerGroup?: number;
  readonly scenarios?: readonly Scenario[];
  /** Time budget of the measured calls per case, ms. @default 1500 */
  readonly budgetMs?: number;
  /** At least this many measured calls per case. @default 15 */
  readonly minIterations?: number;
}

/** One case's result. */
export interface PlanBenchResult {
  readonly scenario: Scenario;
  readonly size: number;
  readonly targetGroups: number;
  readonly targetsPerGroup: number;
  readonly targetsTotal: number;
  readonly actions: number;
  readonly resources: number;
  readonly iterations: number;
  /** Wall time per plan() call, ms. */
  readonly timeMs: Summary;
  /** GC pause time during the measured calls as a share of their wall time, %. */
  readonly gcPercent: number;
  readonly gcCount: number;
  /** Heap held by the spec and observation (inputs), bytes. */
  readonly inputHeapBytes: number;
  /** Heap retained by one Plan result, bytes. */
  readonly planHeapBytes: number;
  /** Heap growth after all measured calls with results dropped (post-GC), bytes: ~0 means no leak. */
  readonly heapGrowthBytes: number;
  /** validateSpec on the raw document, median ms. */
  readonly validateSpecMs: number;
}

/** Runs every (scenario, size) case in order and returns the results. */
export async function runPlanBench(opts: PlanBenchOptions = {}, progress: (line: string) => void = () => undefined): Promise<PlanBenchResult[]> {
  const sizes = opts.sizes ?? [10, 100, 1000];
  const k = opts.targetsPerGroup ?? 50;
  const scenarios = opts.scenarios ?? (['converged', 'drifted'] as const);
  const budgetMs = opts.budgetMs ?? 1500;
  const minIterations = opts.minIterations ?? 15;
  const results: PlanBenchResult[] = [];

  for (const scenario of scenarios) {
    for (const size of sizes) {
      // One function call per case: when it returns, nothing of the case's inputs stays reachable (locals of
      // this async loop would live on in its generator's registers and skew the next case's heap numbers).
      const result = await runCase(scenario, size, k, budgetMs, minIterations);
      results.push(result);
      progress(`plan ${scenario} size=${size}: median ${result.timeMs.median.toFixed(3)} ms, p95 ${result.timeMs.p95.toFixed(3)} ms over ${result.iterations} calls, ${result.actions} actions`);
    }
  }
  return results;
}

/** How many Plan results are held to measure one's retained heap. */
const KEPT_PLANS = 8;

async function runCase(scenario: Scenario, size: number, k: number, budgetMs: number, minIterations: number): Promise<PlanBenchResult> {
  const heapBefore = settledHeap();
  const input = syntheticInput(size, k, scenario);
  const inputHeapBytes = settledHeap() - heapBefore;
  const run = () => plan(input.env.spec, input.desired, input.observed);

  // Warm up: let the JIT settle on this shape (the first call at each size is several times slower).
  const warmEnd = nowMs() + Math.min(300, budgetMs / 4);
  do run();
  while (nowMs() < warmEnd);

  // Several results held at once, so the retained size stands out of the GC's own noise (~±50 KiB).
  const h0 = settledHeap();
  let kept: Array<ReturnType<typeof run>> | undefined = Array.from({ length: KEPT_PLANS }, run);
  const planHeapBytes = (settledHeap() - h0) / KEPT_PLANS;
  const actions = kept[0].actions.length;
  const resources = kept[0].resources.length;
  kept = undefined;

  const gcPauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push(e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const heapLoopStart = settledHeap();
  // Forced GCs above may still be reported: drop what arrived so far.
  await delay(20);
  gcPauses.length = 0;
  const { samples, loopMs } = timedCalls(run, budgetMs, minIterations);
  // GC entries are delivered asynchronously, on a later turn of the event loop.
  await delay(20);
  observer.disconnect();
  const heapGrowthBytes = settledHeap() - heapLoopStart;

  const validateSamples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = nowMs();
    validateSpec(input.document);
    validateSamples.push(nowMs() - t);
  }

  return {
    scenario,
    size,
    targetGroups: input.observed.targetGroups.length,
    targetsPerGroup: k,
    targetsTotal: input.observed.targetGroups.reduce((n, tg) => n + tg.targets.length, 0),
    actions,
    resources,
    iterations: samples.length,
    timeMs: summarize(samples),
    gcPercent: (100 * gcPauses.reduce((s, d) => s + d, 0)) / loopMs,
    gcCount: gcPauses.length,
    inputHeapBytes,
    planHeapBytes,
    heapGrowthBytes,
    validateSpecMs: summarize(validateSamples).median,
  };
}

/**
 * Calls `run` at least `minIterations` times and until `budgetMs` have passed (at most 5000 calls).
 * Synchronous on purpose: an async caller would keep the last result alive in its generator's registers.
 */
function timedCalls(run: () => { readonly actions: readonly unknown[] }, budgetMs: number, minIterations: number): { samples: number[]; loopMs: number } {
  const samples: number[] = [];
  const loopStart = nowMs();
  let sink = 0;
  while (samples.length < minIterations || (nowMs() - loopStart < budgetMs && samples.length < 5000)) {
    const t = nowMs();
    sink += run().actions.length; // keep the result observable so the call cannot be elided
    samples.push(nowMs() - t);
  }
  if (sink < 0) throw new Error('unreachable');
  return { samples, loopMs: nowMs() - loopStart };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
