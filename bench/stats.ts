/**
 * Small helpers shared by the benchmarks: order statistics, a monotonic clock, forced GC, and markdown tables
 * (readable on a terminal and pasteable into BENCHMARKS.md as they are).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

/** Summary of a sample. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of an ascending array (`q` in 0..1). */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median (mean of the middle two for an even count), nearest-rank p95, min, max, mean. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const mean = n === 0 ? NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return { n, median, p95: percentile(sorted, 0.95), min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, mean };
}

/** Milliseconds on a monotonic clock, sub-millisecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let gcFn: (() => void) | undefined;
/**
 * A full, synchronous GC. Uses `global.gc` when node runs with --expose-gc; otherwise turns the flag on at run
 * time and takes `gc` from a fresh context (a documented V8 idiom; the flag must be set before the context).
 */
export function forceGc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

/** heapUsed after a full GC, bytes. */
export function settledHeap(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Formats a number with `digits` decimals, or `–` for NaN/undefined. */
export function fmt(v: number | undefined, digits = 1): string {
  return v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);
}

/** Bytes as KiB or MiB. */
export function fmtBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A markdown table; numeric-looking columns are right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+( ?[A-Za-z%µ/]+)?$|^[\d.]+–[\d.]+$|^–$/.test(r[i] ?? '')));
  const cell = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => cell(c ?? '', i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
