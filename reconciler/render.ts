/**
 * Human output for drctl: tables (cli-table3) with colour (picocolors) on a terminal, plain otherwise.
 * Pure string builders: the CLI decides where they go.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { ActionResult } from './act';
import { describeAction, type Assessment, type Plan } from './plan';
import type { Condition, DrStatus } from './status';

/** Colour functions, or identity when colour is off. */
export type Paint = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'bold' | 'dim' | 'cyan'>;

/** Picks colours: on when `color` is true (a TTY without NO_COLOR). */
export function paint(color: boolean): Paint {
  return pc.createColors(color);
}

/** The width tables fit by default: a 100-column terminal. */
export const DEFAULT_COLUMNS = 100;
/** A column is never squeezed below this (a word of a message still fits). */
const MIN_COLUMN = 8;
/** Words longer than this (an ARN) may be broken. */
const MAX_WORD = 24;

/** The longest space-separated word in any of `cells`, colour codes left out. */
function longestWord(cells: readonly string[]): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(0, ...cells.flatMap((c) => c.replace(/\x1b\[[0-9;]*m/g, '').split(/\s+/).map((w) => w.length)));
}

/** The visible length of a cell (colour codes take no room). */
function visible(text: string): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(...text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.length));
}

/**
 * A table that fits `columns` characters: cells wrap, and the widest columns give way first. cli-table3 draws it;
 * the widths are chosen once every row is in.
 */
class FitTable {
  private readonly rows: string[][] = [];
  constructor(
    private readonly head: string[],
    private readonly p: Paint,
    private readonly columns: number,
  ) {}
  push(row: string[]): void {
    this.rows.push(row);
  }
  toString(): string {
    // Content plus one space of padding on each side, and one border between columns and at both ends.
    const widths = this.head.map((h, i) => Math.max(visible(h), ...this.rows.map((r) => visible(r[i] ?? ''))) + 2);
    // A column gives way down to its longest word (an id, a timestamp stays whole), at most MAX_WORD of it.
    const floors = this.head.map((h, i) => Math.max(MIN_COLUMN, Math.min(MAX_WORD, longestWord([h, ...this.rows.map((r) => r[i] ?? '')])) + 2));
    const budget = this.columns - (widths.length + 1);
    while (widths.reduce((a, b) => a + b, 0) > budget) {
      const squeezable = widths.map((w, i) => (w > floors[i] ? w : -1));
      const widest = squeezable.indexOf(Math.max(...squeezable));
      if (squeezable[widest] < 0) break;
      widths[widest]--;
    }
    const t = new Table({ head: this.head.map((h) => this.p.bold(h)), style: { head: [], border: [] }, wordWrap: true, colWidths: widths });
    for (const r of this.rows) t.push(r);
    return t.toString();
  }
}

function table(head: string[], p: Paint, o: RenderOptions = {}): FitTable {
  // --wide is for copying ARNs: nothing is wrapped.
  return new FitTable(head, p, o.wide ? Number.MAX_SAFE_INTEGER : (o.columns ?? DEFAULT_COLUMNS));
}

function yesNo(v: boolean, p: Paint): string {
  return v ? p.green('yes') : p.red('no');
}

/** Rendering options: `wide` keeps full target group ARNs (default: their names, to fit ~100 columns). */
export interface RenderOptions {
  readonly wide?: boolean;
  /** The width tables fit. @default DEFAULT_COLUMNS */
  readonly columns?: number;
}

/** `targetgroup/<name>` for a target group ARN (the ARN's region, account and id rarely help a person). */
function shortArns(text: string, o: RenderOptions): string {
  return o.wide ? text : text.replace(/arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/([^/\s]+)\/[0-9a-f]+/g, 'targetgroup/$1');
}

/** The resources table: resource, desired, observed, in sync, ready, note. */
export function resourcesTable(resources: ReadonlyArray<Pick<Assessment, 'resource' | 'desired' | 'observed' | 'inSync' | 'ready' | 'waitingFor' | 'problem'> & { lastError?: string }>, p: Paint, o: RenderOptions = {}): string {
  const t = table(['resource', 'desired', 'observed', 'in sync', 'ready', 'note'], p, o);
  for (const r of resources) {
    const note = shortArns(r.problem ?? r.lastError ?? r.waitingFor ?? '', o);
    t.push([r.resource, shortArns(r.desired, o), shortArns(r.observed, o), yesNo(r.inSync, p), yesNo(r.ready, p), r.problem || r.lastError ? p.red(note) : p.dim(note)]);
  }
  return t.toString();
}

/** `drctl plan` output. */
export function renderPlan(mode: string, generation: number | undefined, pl: Plan, p: Paint, o: RenderOptions = {}): string {
  const lines = [p.bold(`Plan for mode ${mode}`) + (generation !== undefined ? p.dim(` (mode parameter version ${generation})`) : '')];
  if (pl.actions.length === 0) lines.push(p.green('No changes: nothing to write.'));
  else {
    const t = table(['#', 'action'], p, o);
    pl.actions.forEach((a, i) => t.push([String(i + 1), shortArns(describeAction(a), o)]));
    lines.push(`${pl.actions.length} actions would be issued:`, t.toString());
  }
  if (pl.failbackRequired) lines.push(p.yellow('FailbackRequired: the replica was promoted; the database is left alone (see the failback runbook).'));
  lines.push('', resourcesTable(pl.resources, p, o));
  return lines.join('\n');
}

/** Conditions as a table. */
export function conditionsTable(conditions: readonly Condition[], p: Paint, o: RenderOptions = {}): string {
  const t = table(['condition', 'status', 'reason', 'message', 'since'], p, o);
  for (const c of conditions) {
    const good = (c.type === 'Ready') === (c.status === 'True');
    t.push([c.type, good ? p.green(c.status) : c.type === 'Progressing' ? p.yellow(c.status) : p.red(c.status), c.reason, c.message, c.lastTransitionTime]);
  }
  return t.toString();
}

/** `drctl status` output. */
export function renderStatus(s: DrStatus, p: Paint, o: RenderOptions = {}): string {
  const lines: string[] = [];
  const req = s.modeRequest;
  lines.push(`${p.bold('Environment')} ${s.environment}   ${p.bold('Mode')} ${s.mode ?? p.red('invalid')}   ${p.bold('Generation')} ${s.observedGeneration}`);
  if (req) lines.push(`${p.bold('Set by')} ${req.source}${req.by ? ` (${req.by})` : ''} at ${req.at}${req.reason ? `: ${req.reason}` : ''}`);
  if (s.timings.requestedAt) {
    lines.push(
      `${p.bold('Requested')} ${s.timings.requestedAt}   ${p.bold('Converged')} ${s.timings.convergedAt ?? '—'}` +
        (s.timings.convergenceSeconds !== undefined ? `   ${p.bold('Convergence')} ${s.timings.convergenceSeconds}s` : ''),
    );
  }
  if (s.failover && (s.failover.primaryHealthy !== undefined || s.failover.lastAutomaticAt)) {
    const f = s.failover;
    const health = f.primaryHealthy === undefined ? 'unknown' : f.primaryHealthy ? p.green('healthy') : p.red('unhealthy');
    lines.push(
      `${p.bold('Primary')} ${health}` +
        (f.consecutiveUnhealthy ? ` (${f.consecutiveUnhealthy} consecutive unhealthy readings)` : '') +
        (f.lastAutomaticAt ? `   ${p.bold('Last automatic failover')} ${f.lastAutomaticAt}` : ''),
    );
  }
  if (s.databasePromotion) lines.push(`${p.bold('DatabasePromoted')} ${s.databasePromotion.identifier}: ${s.databasePromotion.state} at ${s.databasePromotion.completedAt ?? s.databasePromotion.requestedAt}`);
  if (s.drill) lines.push(`${p.bold('Drill')} ${s.drill.id} running since ${s.drill.startedAt}, reverts at ${s.drill.expiresAt}` + (s.drill.replicaCheck ? `; replica: ${s.drill.replicaCheck.ok ? 'ok' : 'FAILED'} (${s.drill.replicaCheck.detail})` : ''));
  if (s.failover?.lastSignals) {
    const g = s.failover.lastSignals;
    lines.push(`${p.bold('Signals')} at ${g.at}: probe ${g.probe}; Route 53 ${g.route53}; alarm ${g.alarm}`, `  ${g.decision}`);
  }
  lines.push('', conditionsTable(s.conditions, p, o), '', resourcesTable(s.resources, p, o));
  if (s.pendingActions.length > 0) lines.push('', p.bold('Pending actions:'), ...s.pendingActions.map((a) => `  - ${shortArns(a, o)}`));
  if (s.drillHistory.length > 0) lines.push('', renderDrills(s, p));
  if (s.lastPass) {
    lines.push('', p.dim(`Last pass: ${s.lastPass.finishedAt} (${s.lastPass.trigger}, ${s.lastPass.writes} writes, ${s.lastPass.failedActions} failed)`));
    for (const n of s.lastPass.notes ?? []) lines.push(p.yellow(`note: ${n}`));
  }
  return lines.join('\n');
}

/** `2026-12-01T10:26Z`: a drill's times to the minute, so the table fits a terminal (--json has them whole). */
function minute(iso: string): string {
  return iso.replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

/** Drill history table. */
export function renderDrills(s: Pick<DrStatus, 'drill' | 'drillHistory'>, p: Paint): string {
  const t = table(['drill', 'started', 'ended', 'outcome', 'took', 'why'], p);
  const rows = [...(s.drill ? [s.drill] : []), ...s.drillHistory];
  for (const d of rows) {
    const outcome = d.outcome ?? 'Running';
    const coloured = outcome === 'Passed' ? p.green(outcome) : outcome === 'Failed' ? p.red(outcome) : p.yellow(outcome);
    t.push([d.id, minute(d.startedAt), d.endedAt ? minute(d.endedAt) : `(expires ${minute(d.expiresAt)})`, coloured, d.convergenceSeconds !== undefined ? `${d.convergenceSeconds}s` : '—', d.outcomeReason ?? '']);
  }
  return rows.length === 0 ? 'No drills yet.' : t.toString();
}

/** `drctl reconcile` output: what was done, then the status. */
export function renderPass(outcome: string, results: readonly ActionResult[], notes: readonly string[], status: DrStatus | undefined, p: Paint): string {
  const colour = outcome === 'Converged' ? p.green : outcome === 'Progressing' || outcome === 'Locked' ? p.yellow : p.red;
  const lines = [`${p.bold('Outcome')} ${colour(outcome)}`];
  for (const n of notes) lines.push(p.yellow(`note: ${n}`));
  if (results.length > 0) {
    const t = table(['action', 'result', 'attempts', 'ms'], p);
    for (const r of results) t.push([shortArns(describeAction(r.action), {}), r.ok ? p.green('ok') : p.red(shortArns(r.error ?? 'failed', {})), String(r.attempts), String(r.durationMs)]);
    lines.push(t.toString());
  } else lines.push('No actions issued.');
  if (status) lines.push('', renderStatus(status, p));
  return lines.join('\n');
}
