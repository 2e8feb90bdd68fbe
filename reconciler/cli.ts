#!/usr/bin/env node
/**
 * drctl: the operator's CLI. Plans, runs passes, sets the mode, starts drills, shows status, watches a
 * transition. AWS configuration comes only from the standard SDK environment (AWS_REGION,
 * AWS_ENDPOINT_URL, the credential chain); the DR region itself comes from the spec.
 *
 * Exit codes: 0 converged, 3 progressing, 1 degraded or failed, 2 invalid input or refused (nothing changed).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createAwsPort } from './aws';
import { errorMessage, InvalidSpecError, isRetryable } from './errors';
import { writerInDr } from './policy';
import type { AwsPort } from './port';
import { readModeRequest, writeMode } from './mode';
import type { Plan } from './plan';
import { planOnly, reconcileOnce, type Log, type PassOutcome, type Trigger } from './reconcile';
import { paint, renderDrills, renderPass, renderPlan, renderStatus, type Paint } from './render';
import { parseMode, parseSpec, type DrEnvironment } from './spec';
import { condition, STATUS_KEY, type DrStatus } from './status';

/** Where drctl writes and what it can ask of its surroundings (injected for tests). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stdout is a terminal (colour, live progress). */
  readonly tty: boolean;
  /** The terminal's width, when stdout is one: tables fit it. @default 100 */
  readonly columns?: number;
  readonly env: NodeJS.ProcessEnv;
  /** Makes the AWS port for a region. */
  readonly port: (region: string) => AwsPort;
  /** Waits between watch ticks. */
  readonly sleep: (ms: number) => Promise<void>;
  /** For live progress on a terminal: rewrite the current line. */
  readonly status?: (line: string) => void;
  /** Asks one question on a terminal and returns the answer; absent without a terminal (then --yes is needed). */
  readonly prompt?: (question: string) => Promise<string>;
  /**
   * Registers a lease this process holds, so that Ctrl-C, SIGTERM or a closed pipe gives it back before the
   * process ends (S11). Returns the unregister function.
   */
  readonly holdLease?: (release: () => Promise<void>) => () => void;
}

/** The package version, for --version. */
const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/**
 * How long a drctl pass's lease lasts (renewed every round). A drctl killed with SIGKILL blocks the Lambda's
 * passes for at most this long; every other exit gives the lease back at once.
 */
export const DRCTL_LEASE_SECONDS = 60;

/** Exit codes. */
export const EXIT = { converged: 0, failed: 1, invalid: 2, progressing: 3 } as const;

/** The one exit-code map: a pass's outcome → drctl's exit code. Status and plan map to an outcome first. */
export function exitCodeFor(outcome: PassOutcome | 'Stale' | 'FailbackRequired'): number {
  switch (outcome) {
    case 'Converged':
      return EXIT.converged;
    case 'Progressing':
    case 'Locked':
      return EXIT.progressing;
    case 'InvalidSpec':
    case 'Refused':
      return EXIT.invalid;
    case 'Degraded':
    case 'Stale':
    case 'FailbackRequired':
      return EXIT.failed;
  }
}

/** A plan's outcome: problems degrade, nothing to do and all ready converges, else progressing. */
function planOutcome(plan: Plan): PassOutcome {
  if (plan.resources.some((x) => x.problem)) return 'Degraded';
  return plan.actions.length === 0 && plan.resources.every((x) => x.ready) ? 'Converged' : 'Progressing';
}

/** Ends drctl with an exit code; a non-empty message is printed on stderr. */
class ExitError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

/** Refuses: nothing changed, exit 2 (S12). */
function refuse(message: string): never {
  throw new ExitError(EXIT.invalid, `drctl: refused: ${message}\nNothing was changed.`);
}

interface SpecOpts {
  spec?: string;
  specParameter?: string;
  env?: string;
  stackDir?: string;
  json?: boolean;
}

/** Loads the environment: --spec FILE, $DRCTL_SPEC, --spec-parameter NAME, or --env NAME (stack outputs). */
async function loadEnvironment(o: SpecOpts, io: Io): Promise<DrEnvironment> {
  // Explicit flags win over the environment variable: a DRCTL_SPEC left over from the demo must not point
  // an operator's --env at the wrong environment.
  const file = o.spec ?? (o.specParameter || o.env ? undefined : io.env.DRCTL_SPEC);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidSpecError([`--spec: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`]);
    }
    return parseSpec(text, file);
  }
  let parameter = o.specParameter;
  let region = io.env.AWS_REGION;
  if (!parameter && o.env) {
    const outputs = stackOutputs(o.env, o.stackDir);
    parameter = outputs.spec_parameter_name;
    region = outputs.reconciler_region ?? region;
    if (!parameter) throw new InvalidSpecError([`--env ${o.env}: the stack has no output spec_parameter_name; deploy it first (cdktf deploy)`]);
  }
  if (!parameter) throw new InvalidSpecError(['--spec: required (or --spec-parameter NAME, --env NAME, or DRCTL_SPEC=FILE)']);
  if (!region) throw new InvalidSpecError(['AWS_REGION: required to read the spec parameter, got: nothing']);
  const text = await io.port(region).getParameterValue(parameter);
  if (text === undefined) throw new InvalidSpecError([`--spec-parameter: parameter ${parameter} not found in ${region}`]);
  return parseSpec(text, `spec parameter ${parameter}`);
}

/** Reads `terraform output -json` of a deployed stack. */
function stackOutputs(envName: string, stackDir?: string): Record<string, string> {
  const dir = stackDir ?? `cdktf.out/stacks/${envName}`;
  let raw: string;
  try {
    raw = execFileSync('terraform', [`-chdir=${dir}`, 'output', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // Terraform's own reason (no state, not initialized, no such folder) says what to do next: pass it on.
    const e = err as { stderr?: string | Buffer; code?: string };
    const why = (e.code === 'ENOENT' ? 'terraform is not on the PATH' : String(e.stderr ?? '').replace(/\x1b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim()) || errorMessage(err).split('\n')[0];
    throw new InvalidSpecError([`--env ${envName}: cannot read the stack outputs in ${dir}: ${why.slice(0, 400)} (deploy the stack first: cdktf deploy, or pass --stack-dir)`]);
  }
  let parsed: Record<string, { value: unknown }>;
  try {
    parsed = JSON.parse(raw) as Record<string, { value: unknown }>;
  } catch {
    throw new InvalidSpecError([`--env ${envName}: terraform output in ${dir} is not JSON`]);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v.value)]));
}

/** A status older than this is not evidence of anything: no pass has run for too long. */
const STALE_STATUS_MS = 15 * 60_000;

/** A recorded status's outcome. */
function statusOutcome(s: DrStatus | undefined, now = Date.now()): PassOutcome | 'Stale' | 'FailbackRequired' {
  if (!s) return 'Progressing';
  if (s.lastPass && now - Date.parse(s.lastPass.finishedAt) > STALE_STATUS_MS) return 'Stale';
  if (s.mode === null) return 'InvalidSpec';
  if (condition(s, 'FailbackRequired')?.status === 'True') return 'FailbackRequired';
  if (condition(s, 'Ready')?.status === 'True') return 'Converged';
  if (condition(s, 'Degraded')?.status === 'True') return 'Degraded';
  return 'Progressing';
}

/** A plain-text log of the pass's actions for a person at a terminal (stderr). */
function humanLog(io: Io, verbose: boolean): Log {
  const line = (level: string) => (m: string, e?: Record<string, unknown>) => {
    if (verbose) io.err(JSON.stringify({ level, message: m, ...e }));
    else if (level !== 'info' || (e && 'action' in e)) io.err(`${level === 'info' ? '·' : level}: ${m}`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

/** Builds the drctl program. */
export function program(io: Io): Command {
  const cmd = new Command('drctl')
    .description('Operate pilot-light disaster recovery: plan, reconcile, set the mode, run drills, fail back, read status.')
    .version(VERSION, '--version', 'print the drctl version')
    .addHelpText(
      'after',
      `
Where the environment comes from (one of):
  --spec FILE              the DrEnvironment document (docs/spec.md), or DRCTL_SPEC=FILE
  --spec-parameter NAME    the document stored in SSM by the dr-lambda module (e.g. /dr/spec)
  --env NAME               the spec parameter named by a deployed stack's outputs (cdktf.out/stacks/NAME)

AWS access comes only from the standard SDK environment: AWS_REGION, AWS_PROFILE or keys, and
AWS_ENDPOINT_URL for an emulator. The DR region itself comes from the spec.

Irreversible steps ask first: set-mode active (a real failover PROMOTES the read replica), failback
complete, and any reconcile that would promote. On a terminal you type the environment name; elsewhere
pass --yes. To test DR without promotion, run a drill.

Exit codes: 0 converged, 3 progressing or pending, 1 degraded, failed or failback required,
2 invalid input or refused (nothing changed).

Examples:
  drctl plan --spec dr.json --mode active      what a failover would do, without doing it
  drctl drill start --duration 60 --spec dr.json
  drctl set-mode active --reason "us-east-1 outage" --spec dr.json
  drctl watch --spec dr.json                   follow the transition until Ready
  drctl failback complete --reason "runbook done" --spec dr.json
  drctl status --spec dr.json --json`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showSuggestionAfterError()
    .showHelpAfterError('(run drctl --help for the commands)');
  addPlan(cmd, io);
  addReconcile(cmd, io);
  addStatus(cmd, io);
  addSetMode(cmd, io);
  addFailback(cmd, io);
  addDrill(cmd, io);
  addWatch(cmd, io);
  return cmd;
}

/** The options every verb takes: where the environment comes from, and --json. */
function withSpec(c: Command): Command {
  return c
    .option('--spec <file>', 'the DrEnvironment document (docs/spec.md); default $DRCTL_SPEC')
    .option('--spec-parameter <name>', 'read the document from this SSM parameter (e.g. /dr/spec) in AWS_REGION')
    .option('--env <name>', 'find the spec parameter in the deployed stack outputs of this environment (e.g. dr-pilot-light)')
    .option('--stack-dir <dir>', 'with --env: the synthesized stack directory (default cdktf.out/stacks/<env>)')
    .option('--json', 'machine-readable JSON on stdout');
}

/** For the verbs that run a pass: its log on stderr. */
function withVerbose(c: Command): Command {
  return c.option('--verbose', 'structured JSON logs of every step on stderr (default: one line per action)');
}

/** For the verbs that may do something irreversible. */
function withYes(c: Command): Command {
  return c.option('--yes', 'confirm an irreversible step without a terminal (scripts, CI)');
}

const paintFor = (io: Io, json?: boolean): Paint => paint(io.tty && !json && !io.env.NO_COLOR);

/** Who is running drctl, for the lease and the mode request. */
const operator = () => userInfo().username;

/** Runs one pass holding a drctl lease that is given back on Ctrl-C, SIGTERM or a closed pipe. */
async function drctlPass(io: Io, env: DrEnvironment, trigger: Trigger, verbose: boolean) {
  const port = io.port(env.spec.region);
  const holder = `drctl-${operator()}-${process.pid}-${Date.now().toString(36)}`;
  const unhold = io.holdLease?.(() => port.releaseLease(env.spec.stateTable, holder));
  try {
    return await reconcileOnce(port, env, { trigger, log: humanLog(io, verbose), holder, leaseSeconds: DRCTL_LEASE_SECONDS });
  } finally {
    unhold?.();
  }
}

/**
 * Irreversible means confirmed (S12): says what will happen, then asks for the environment name on a terminal,
 * or needs --yes elsewhere. Anything else refuses with nothing changed.
 */
async function confirm(io: Io, env: DrEnvironment, yes: boolean | undefined, lines: readonly string[]): Promise<void> {
  io.err(lines.join('\n'));
  if (yes) return;
  if (!io.prompt) refuse('this step cannot be undone and needs confirmation: run it on a terminal (you will type the environment name) or pass --yes');
  const answer = await io.prompt(`Type the environment name (${env.metadata.name}) to continue, anything else to stop: `);
  if (answer.trim() !== env.metadata.name) refuse(`not confirmed (expected ${JSON.stringify(env.metadata.name)}, got ${JSON.stringify(answer.trim())})`);
}

/** What the primary's signals say now, best effort, for the confirmation text. */
async function signalsNow(port: AwsPort, env: DrEnvironment): Promise<string> {
  const f = env.spec.failover;
  const parts = await Promise.all([
    f.probeUrl ? port.probe(f.probeUrl, f.probeTimeoutSeconds).then((r) => `probe ${r.healthy ? 'healthy' : 'FAILING'} (${r.detail})`) : Promise.resolve('no probe configured'),
    f.alarmName ? port.getAlarmState(f.alarmRegion, f.alarmName).then((a) => `alarm ${f.alarmName} ${a?.state ?? 'not found'}`, () => `alarm ${f.alarmName} unreadable`) : Promise.resolve('no alarm configured'),
    f.healthCheckId ? port.getHealthCheckHealthy(f.healthCheckId).then((h) => `Route 53 ${h === undefined ? 'no readings' : h ? 'healthy' : 'UNHEALTHY'}`, () => 'Route 53 unreadable') : Promise.resolve('no health check configured'),
  ]);
  return parts.join('; ');
}

/** The lines that announce a promotion before it happens. */
async function promotionWarning(port: AwsPort, env: DrEnvironment, what: string): Promise<string[]> {
  const id = env.spec.database?.replicaIdentifier;
  return [
    `${what} of DR environment ${env.metadata.name}:`,
    id ? `  - the read replica ${id} will be PROMOTED to a standalone writer. This cannot be undone: going back takes the failback runbook (README).` : '  - no database in the spec: compute scales up, nothing is promoted.',
    '  - users are sent to the DR region once DR holds the writer (the traffic gate).',
    `  - the primary's signals now: ${await signalsNow(port, env)}`,
    '  - to test DR without promotion, run a drill instead: drctl drill start',
  ];
}

/**
 * Asks first when the next pass would promote (S12) on a mode nobody confirmed: one set by hand outside drctl
 * (source `unknown`). A confirmed `set-mode active` and the automatic failover have already decided.
 */
async function confirmIfPlanPromotes(io: Io, env: DrEnvironment, yes: boolean | undefined): Promise<void> {
  const port = io.port(env.spec.region);
  // An invalid mode value is the pass's to report (S6): it promotes nothing.
  const r = await planOnly(port, env).catch((err) => {
    if (err instanceof InvalidSpecError) return undefined;
    throw err;
  });
  if (!r || !r.plan.actions.some((a) => a.kind === 'PromoteReplica') || !r.parameter) return;
  const request = await readModeRequest(port, env.spec.stateTable, r.parameter);
  if (request.source !== 'unknown') return;
  await confirm(io, env, yes, await promotionWarning(port, env, `This pass will promote the database (the mode was set to active outside drctl by ${request.by ?? 'someone'})`));
}

function addPlan(cmd: Command, io: Io): void {
  withSpec(cmd.command('plan'))
    .description('show what one reconcile pass would do now; reads only, changes nothing')
    .addOption(new Option('--mode <mode>', "plan for this mode instead of the parameter's value").choices(['pilot-light', 'active']))
    .option('--wide', 'full target group ARNs')
    .action(async (o: SpecOpts & { mode?: string; wide?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const r = await planOnly(io.port(env.spec.region), env, o.mode);
      const code = exitCodeFor(planOutcome(r.plan));
      if (o.json) io.out(JSON.stringify({ mode: r.mode, generation: r.generation, actions: r.plan.actions, resources: r.plan.resources, failbackRequired: r.plan.failbackRequired }, null, 2));
      else io.out(renderPlan(r.mode, r.generation, r.plan, paintFor(io, o.json), { wide: o.wide, columns: io.columns }));
      throw new ExitError(code, '');
    });
}

function addReconcile(cmd: Command, io: Io): void {
  withYes(withVerbose(withSpec(cmd.command('reconcile'))))
    .description('run one reconcile pass now (observe, plan, act, record status) and print the outcome; asks first if it would promote')
    .action(async (o: SpecOpts & { verbose?: boolean; yes?: boolean }) => {
      const env = await loadEnvironment(o, io);
      await confirmIfPlanPromotes(io, env, o.yes);
      const r = await drctlPass(io, env, { kind: 'manual' }, !!o.verbose);
      const code = exitCodeFor(r.outcome);
      if (o.json) io.out(JSON.stringify({ outcome: r.outcome, exitCode: code, trigger: r.trigger, notes: r.notes, results: r.results, status: r.status }, null, 2));
      else io.out(renderPass(r.outcome, r.results, r.notes, r.status, paintFor(io, o.json)));
      throw new ExitError(code, '');
    });
}

function addStatus(cmd: Command, io: Io): void {
  withSpec(cmd.command('status'))
    .description('show the last recorded status: pending mode changes, conditions, who set the mode, drill, per-resource desired vs observed')
    .option('--wide', 'full target group ARNs')
    .addHelpText('after', '\nExit: 0 Ready; 3 progressing, or a mode written that no pass has acted on yet; 1 degraded, failback required, or the last pass older than 15 minutes; 2 invalid mode value.')
    .action(async (o: SpecOpts & { wide?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      const [s, param] = await Promise.all([port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY), port.getModeParameter(env.spec.modeParameter)]);
      const pending = param && s && param.version !== s.observedGeneration ? param : undefined;
      const outcome = pending ? 'Progressing' : statusOutcome(s);
      if (o.json) io.out(JSON.stringify(s ? { ...s, pending: pending ? { mode: pending.value, version: pending.version, writtenAt: pending.lastModified.toISOString() } : null } : null, null, 2));
      else {
        if (pending) io.out(paintFor(io).yellow(`Pending: mode ${JSON.stringify(pending.value)} (parameter version ${pending.version}, written ${pending.lastModified.toISOString()}) has not been acted on yet; the status below is from version ${s!.observedGeneration}.`));
        io.out(s ? renderStatus(s, paintFor(io, o.json), { wide: o.wide, columns: io.columns }) : 'No status recorded yet: no reconcile pass has run. Run `drctl reconcile` or invoke the Lambda.');
      }
      if (s?.lastPass && Date.now() - Date.parse(s.lastPass.finishedAt) > STALE_STATUS_MS) {
        io.err(`warning: the last pass finished at ${s.lastPass.finishedAt}, more than ${STALE_STATUS_MS / 60_000} minutes ago: is the reconciler running? (check the Lambda's logs and the resync rule)`);
      }
      throw new ExitError(exitCodeFor(outcome), '');
    });
}

function addSetMode(cmd: Command, io: Io): void {
  withYes(withVerbose(withSpec(cmd.command('set-mode'))))
    .description('set the desired mode; the reconciler converges to it on its next pass. "active" is a REAL failover: it promotes the read replica (asks first)')
    .argument('<mode>', 'pilot-light or active (exactly; anything else is refused)')
    .requiredOption('--reason <text>', 'why: recorded in status and shown to the next operator (required, not empty)')
    .option('--reconcile', 'also run one pass now (instead of waiting for the Lambda)')
    .addHelpText('after', '\npilot-light is refused while the DR database is the writer (after a real failover): run the failback runbook, then `drctl failback complete`.')
    .action(async (modeArg: string, o: SpecOpts & { reason: string; reconcile?: boolean; verbose?: boolean; yes?: boolean }) => {
      const mode = parseMode(modeArg, 'mode argument');
      if (o.reason.trim() === '') refuse('--reason must say why, got an empty reason');
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      const [current, s] = await Promise.all([port.getModeParameter(env.spec.modeParameter), port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY)]);
      if (current?.value === mode) {
        io.out(`Mode is already ${mode} (parameter ${env.spec.modeParameter} version ${current.version}): nothing changed.`);
        throw new ExitError(EXIT.converged, '');
      }
      if (mode === 'pilot-light' && writerInDr({ promotion: s?.databasePromotion })) {
        const p = s!.databasePromotion!;
        refuse(`the DR database ${p.identifier} is the writer since ${p.completedAt ?? p.requestedAt}: pilot light now would leave users without the app or split the writes. Run the failback runbook (README), then: drctl failback complete --reason "..."`);
      }
      if (mode === 'active') await confirm(io, env, o.yes, await promotionWarning(port, env, 'This is a real failover'));
      const { parameter, request } = await writeMode(port, env.spec, mode, { source: 'operator', reason: o.reason.trim(), by: operator() }, new Date());
      if (!o.reconcile) {
        if (o.json) io.out(JSON.stringify({ mode, version: parameter.version, request }, null, 2));
        else io.out(`Mode set to ${mode} (parameter ${env.spec.modeParameter} version ${parameter.version}). The reconciler converges on its next pass; follow it with: drctl watch`);
        throw new ExitError(EXIT.progressing, '');
      }
      const r = await drctlPass(io, env, { kind: 'parameter-change' }, !!o.verbose);
      if (o.json) io.out(JSON.stringify({ mode, version: parameter.version, outcome: r.outcome, status: r.status }, null, 2));
      else io.out(`Mode set to ${mode} (version ${parameter.version}).\n` + renderPass(r.outcome, r.results, r.notes, r.status, paintFor(io, o.json)));
      throw new ExitError(exitCodeFor(r.outcome), '');
    });
}

function addFailback(cmd: Command, io: Io): void {
  const failback = cmd.command('failback').description('failback after a real failover (README: failback runbook)');
  withYes(withVerbose(withSpec(failback.command('complete'))))
    .description('confirm the primary region holds the writer again (runbook done): traffic returns to the primary and DR scales to pilot light')
    .requiredOption('--reason <text>', 'what was done (e.g. "runbook steps 1-4 done, primary promoted") (required)')
    .option('--reconcile', 'also run one pass now (instead of waiting for the Lambda)')
    .action(async (o: SpecOpts & { reason: string; reconcile?: boolean; verbose?: boolean; yes?: boolean }) => {
      if (o.reason.trim() === '') refuse('--reason must say what was done, got an empty reason');
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      const s = await port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY);
      const p = s?.databasePromotion;
      if (!writerInDr({ promotion: p })) refuse(p?.failedBackAt ? `failback was already confirmed at ${p.failedBackAt}` : 'the DR database is not the writer (no promotion is latched): there is nothing to fail back; use drctl set-mode pilot-light');
      await confirm(io, env, o.yes, [
        `Failback of DR environment ${env.metadata.name}:`,
        `  - you confirm the PRIMARY region's database is the writer again and ${p!.identifier} in DR takes no more writes.`,
        '  - users are sent back to the primary (the traffic gate closes) and DR scales down to pilot light.',
        `  - next: re-create the DR read replica ${p!.identifier} from the primary (README: failback runbook).`,
      ]);
      const { parameter } = await writeMode(port, env.spec, 'pilot-light', { source: 'failback', reason: o.reason.trim(), by: operator() }, new Date());
      if (!o.reconcile) {
        io.out(`Failback recorded; mode set to pilot-light (version ${parameter.version}). The reconciler closes the traffic gate and scales DR down on its next pass.`);
        throw new ExitError(EXIT.progressing, '');
      }
      const r = await drctlPass(io, env, { kind: 'parameter-change' }, !!o.verbose);
      if (o.json) io.out(JSON.stringify({ version: parameter.version, outcome: r.outcome, status: r.status }, null, 2));
      else io.out(renderPass(r.outcome, r.results, r.notes, r.status, paintFor(io, o.json)));
      throw new ExitError(exitCodeFor(r.outcome), '');
    });
}

function addDrill(cmd: Command, io: Io): void {
  const drill = cmd.command('drill').description('start a drill or show drills');
  withVerbose(withSpec(drill.command('start')))
    .description('start a drill now: DR goes active (no database promotion, no traffic moved) and reverts by itself at expiry')
    .option('--duration <minutes>', "how long the drill keeps DR active, 1 to 1440 (default: the spec's drill.durationMinutes)", (v: string) => {
      const n = parsePositiveInt(v);
      if (n > 1440) throw new InvalidArgumentError(`must be at most 1440 (a day), got: ${n}`);
      return n;
    })
    .action(async (o: SpecOpts & { duration?: number; verbose?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const r = await drctlPass(io, env, { kind: 'start-drill', durationMinutes: o.duration, startedBy: `drctl (${operator()})` }, !!o.verbose);
      if (o.json) io.out(JSON.stringify({ outcome: r.outcome, trigger: r.trigger, notes: r.notes, drill: r.status?.drill ?? null, status: r.status ?? null }, null, 2));
      else if (r.trigger.kind === 'drill-refused') io.out(`Drill not started: ${r.trigger.reason}. Nothing was changed.`);
      else io.out(renderPass(r.outcome, r.results, r.notes, r.status, paintFor(io, o.json)));
      throw new ExitError(exitCodeFor(r.outcome), '');
    });
  withSpec(drill.command('status'))
    .description('show the running drill and past drills with outcome and convergence time')
    .action(async (o: SpecOpts) => {
      const env = await loadEnvironment(o, io);
      const s = await io.port(env.spec.region).readState<DrStatus>(env.spec.stateTable, STATUS_KEY);
      if (o.json) io.out(JSON.stringify({ drill: s?.drill ?? null, history: s?.drillHistory ?? [] }, null, 2));
      else io.out(s ? renderDrills(s, paintFor(io, o.json)) : 'No status recorded yet.');
      throw new ExitError(EXIT.converged, '');
    });
}

/** One look of `watch`. */
interface Look {
  readonly mode: string;
  readonly ready: number;
  readonly total: number;
  readonly pending: number;
  /** The first thing that blocks, for a person. */
  readonly note: string;
  readonly code: number;
  /** Degraded with nothing that can progress by itself: waiting longer will not help. */
  readonly stalled: boolean;
  /** Said beside Ready: e.g. failback still required. */
  readonly caveat?: string;
}

function lookFromStatus(s: DrStatus | undefined, code: number): Look {
  const notReady = s?.resources.filter((x) => !x.ready) ?? [];
  const blocking = notReady.find((x) => x.lastError) ?? notReady[0];
  const degraded = s ? condition(s, 'Degraded')?.status === 'True' : false;
  const progressing = s ? condition(s, 'Progressing')?.status === 'True' : false;
  const fb = s ? condition(s, 'FailbackRequired') : undefined;
  return {
    mode: s?.mode ?? 'invalid',
    ready: (s?.resources.length ?? 0) - notReady.length,
    total: s?.resources.length ?? 0,
    pending: s?.pendingActions.length ?? 0,
    note: blocking ? `${blocking.resource}: ${blocking.lastError ?? blocking.waitingFor ?? 'not ready'}` : '',
    code,
    stalled: degraded && !progressing,
    caveat: fb?.status === 'True' ? `FailbackRequired: ${fb.message}` : undefined,
  };
}

function lookFromPlan(mode: string, plan: Plan): Look {
  const notReady = plan.resources.filter((x) => !x.ready);
  const first = notReady.find((x) => x.problem) ?? notReady[0];
  return {
    mode,
    ready: plan.resources.length - notReady.length,
    total: plan.resources.length,
    pending: plan.actions.length,
    note: first ? `${first.resource}: ${first.problem ?? first.waitingFor ?? 'not in sync'}` : '',
    code: exitCodeFor(planOutcome(plan)),
    stalled: notReady.some((x) => x.problem) && plan.actions.length === 0 && !notReady.some((x) => x.waitingFor && !x.problem),
    caveat: plan.failbackRequired ? 'FailbackRequired: re-create the DR read replica (README: failback runbook)' : undefined,
  };
}

function addWatch(cmd: Command, io: Io): void {
  withYes(withVerbose(withSpec(cmd.command('watch'))))
    .description('follow a transition until Ready, Degraded with nothing progressing (exit 1), or --timeout (exit 3)')
    .option('--timeout <seconds>', 'give up after this long (exit 3, or 1 if degraded at that point)', parsePositiveInt, 900)
    .option('--interval <seconds>', 'seconds between looks', parsePositiveInt, 5)
    .option('--reconcile', 'run a pass at every look (when no Lambda runs them, e.g. on the local emulator); asks first if it would promote')
    .action(async (o: SpecOpts & { timeout: number; interval: number; reconcile?: boolean; verbose?: boolean; yes?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      if (o.reconcile) await confirmIfPlanPromotes(io, env, o.yes);
      const started = Date.now();
      let last = '';
      // On a terminal the progress line has no newline yet: end it before anything else.
      const nl = () => (io.tty && io.status && !o.json ? '\n' : '');
      for (;;) {
        let look: Look;
        try {
          if (o.reconcile) {
            // `manual`, not `resync`: a watch loop must not count as health-check readings (S5).
            const r = await drctlPass(io, env, { kind: 'manual' }, !!o.verbose);
            look = lookFromStatus(r.status, exitCodeFor(r.outcome));
          } else {
            const r = await planOnly(port, env);
            look = lookFromPlan(r.mode, r.plan);
          }
        } catch (err) {
          if (!isRetryable(err) || Date.now() - started >= o.timeout * 1000) throw err;
          io.err(`${nl()}warning: lost the connection to AWS (${errorMessage(err)}); trying again in ${o.interval}s`);
          await io.sleep(o.interval * 1000);
          continue;
        }
        const elapsed = Math.round((Date.now() - started) / 1000);
        const line = `[${String(elapsed).padStart(4)}s] mode ${look.mode}: ${look.ready}/${look.total} resources ready, ${plural(look.pending, 'pending action')}${look.note ? ` — ${look.note}` : ''}`;
        if (o.json) io.out(JSON.stringify({ elapsedSeconds: elapsed, ...look }));
        else if (io.tty && io.status) io.status(line);
        else if (line.replace(/^\[\s*\d+s\] /, '') !== last) io.out(line);
        last = line.replace(/^\[\s*\d+s\] /, '');
        if (look.code === EXIT.converged || look.code === EXIT.invalid) {
          if (!o.json) io.out(nl() + (look.code === EXIT.converged ? `Ready after ${elapsed}s.${look.caveat ? ` ${look.caveat}` : ''}` : 'Invalid mode value: see drctl status.'));
          throw new ExitError(look.code === EXIT.converged && look.caveat ? EXIT.failed : look.code, '');
        }
        if (look.stalled) {
          if (!o.json) io.out(`${nl()}Degraded and nothing is progressing: ${look.note}. Waiting will not help; see drctl status.`);
          throw new ExitError(EXIT.failed, '');
        }
        if (elapsed >= o.timeout) {
          if (!o.json) io.out(`${nl()}Not ready after ${o.timeout}s (${look.note || 'waiting'}).`);
          throw new ExitError(look.code === EXIT.failed ? EXIT.failed : EXIT.progressing, '');
        }
        await io.sleep(o.interval * 1000);
      }
    });
}

/** `1 pending action`, `2 pending actions`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A commander parser for a positive whole number; commander names the option in its message. */
function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`must be a positive whole number, got: ${JSON.stringify(v)}`);
  return n;
}

/** Runs drctl with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    await program(io).parseAsync([...argv], { from: 'user' });
    return EXIT.converged;
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) io.err(err.message);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      // `drctl --help` is an answer; a bare `drctl` or `drctl drill` shows help as an error (exit 2).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : EXIT.invalid;
      return EXIT.invalid;
    }
    if (err instanceof InvalidSpecError) {
      io.err(`drctl: invalid input: no changes made.\n${err.problems.map((x) => `  - ${x}`).join('\n')}`);
      return EXIT.invalid;
    }
    io.err(`drctl: ${explain(err, io.env)}`);
    return EXIT.failed;
  }
}

/** An error message that names the fix where drctl knows it (credentials, region). */
function explain(err: unknown, env: NodeJS.ProcessEnv): string {
  const e = err as { name?: string; cause?: { name?: string } };
  const name = e?.name === 'PortError' ? e.cause?.name : e?.name;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(errorMessage(err))) {
    const where = env.AWS_PROFILE ? `the profile ${JSON.stringify(env.AWS_PROFILE)} (AWS_PROFILE) has no usable credentials` : 'no credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    return `${errorMessage(err)}\n  ${where}; for the emulator any fake keys do (see README).`;
  }
  return errorMessage(err);
}

/** The process's Io: stdout that survives a closed pipe, a prompt on a terminal, and the leases it holds. */
export function processIo(): Io & { readonly releaseAll: () => Promise<void> } {
  const tty = !!process.stdout.isTTY;
  let stdoutClosed = false;
  // `drctl reconcile | head -3`: the reader went away. Keep going quietly, so the pass ends and gives its lease back.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stdoutClosed = true;
    else throw err;
  });
  const held = new Set<() => Promise<void>>();
  return {
    releaseAll: () => Promise.allSettled([...held].map((release) => release())).then(() => undefined),
    out: (t) => {
      if (!stdoutClosed) process.stdout.write(t + '\n');
    },
    err: (t) => process.stderr.write(t + '\n'),
    tty,
    ...(tty && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
    port: (region) => createAwsPort({ region }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    status: (line) => {
      if (!stdoutClosed) process.stdout.write(`\r\x1b[2K${line}`);
    },
    prompt: process.stdin.isTTY && process.stderr.isTTY ? (question) => askOnTerminal(question) : undefined,
    holdLease: (release) => {
      held.add(release);
      return () => held.delete(release);
    },
  };
}

/** One line from the terminal (the question on stderr, so stdout stays clean for pipes). */
async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

if (require.main === module) {
  // The SDK's notice that *future* SDK releases need Node 22 says nothing about this pinned install; on an
  // operator's terminal it only buries the answer.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const io = processIo();
  // Ctrl-C, a terminal closed, a supervisor's SIGTERM: give the lease back first, so no pass waits for it (S11).
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\ndrctl: ${signal}: giving the lease back and stopping\n`);
      void io.releaseAll().then(() => process.exit(code));
    });
  }
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

