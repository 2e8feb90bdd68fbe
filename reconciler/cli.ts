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
import { userInfo } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createAwsPort } from './aws';
import { errorMessage, InvalidSpecError } from './errors';
import type { AwsPort } from './port';
import { writeMode } from './mode';
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
  readonly env: NodeJS.ProcessEnv;
  /** Makes the AWS port for a region. */
  readonly port: (region: string) => AwsPort;
  /** Waits between watch ticks. */
  readonly sleep: (ms: number) => Promise<void>;
  /** For live progress on a terminal: rewrite the current line. */
  readonly status?: (line: string) => void;
}

/** Exit codes. */
export const EXIT = { converged: 0, failed: 1, invalid: 2, progressing: 3 } as const;

/** The one exit-code map: a pass's outcome → drctl's exit code. Status and plan map to an outcome first. */
export function exitCodeFor(outcome: PassOutcome | 'Stale'): number {
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
      return EXIT.failed;
  }
}

/** A plan's outcome: problems degrade, nothing to do and all ready converges, else progressing. */
function planOutcome(plan: Plan): PassOutcome {
  if (plan.resources.some((x) => x.problem)) return 'Degraded';
  return plan.actions.length === 0 && plan.resources.every((x) => x.ready) ? 'Converged' : 'Progressing';
}

class ExitError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
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
    throw new InvalidSpecError([`--env ${envName}: cannot read the stack outputs in ${dir} (${errorMessage(err).split('\n')[0]})`]);
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
function statusOutcome(s: DrStatus | undefined, now = Date.now()): PassOutcome | 'Stale' {
  if (!s) return 'Progressing';
  if (s.lastPass && now - Date.parse(s.lastPass.finishedAt) > STALE_STATUS_MS) return 'Stale';
  if (s.mode === null) return 'InvalidSpec';
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
  const p = (json?: boolean): Paint => paint(io.tty && !json && !io.env.NO_COLOR);
  const cmd = new Command('drctl')
    .description('Operate pilot-light disaster recovery: plan, reconcile, set the mode, run drills, read status.')
    .addHelpText(
      'after',
      `
Where the environment comes from (one of):
  --spec FILE              the DrEnvironment document (docs/spec.md), or DRCTL_SPEC=FILE
  --spec-parameter NAME    the document stored in SSM by the dr-lambda module (e.g. /dr/spec)
  --env NAME               the spec parameter named by a deployed stack's outputs (cdktf.out/stacks/NAME)

AWS access comes only from the standard SDK environment: AWS_REGION, AWS_PROFILE or keys, and
AWS_ENDPOINT_URL for an emulator. The DR region itself comes from the spec.

Exit codes: 0 converged, 3 progressing, 1 degraded or failed, 2 invalid input or refused (nothing changed).

Examples:
  drctl plan --spec dr.json --mode active      what a failover would do, without doing it
  drctl set-mode active --reason "us-east-1 outage" --spec dr.json
  drctl watch --spec dr.json                   follow the transition until Ready
  drctl drill start --duration 60 --spec dr.json
  drctl status --spec dr.json --json`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError()
    .action(() => {
      cmd.outputHelp();
      throw new ExitError(EXIT.invalid, '');
    });

  const withSpec = (c: Command) =>
    c
      .option('--spec <file>', 'the DrEnvironment document (docs/spec.md); default $DRCTL_SPEC')
      .option('--spec-parameter <name>', 'read the document from this SSM parameter (e.g. /dr/spec) in AWS_REGION')
      .option('--env <name>', 'find the spec parameter in the deployed stack outputs of this environment (e.g. dr-pilot-light)')
      .option('--stack-dir <dir>', 'with --env: the synthesized stack directory (default cdktf.out/stacks/<env>)')
      .option('--json', 'machine-readable JSON on stdout');
  /** For the verbs that run a pass: its log on stderr. */
  const withVerbose = (c: Command) => c.option('--verbose', 'structured JSON logs of every step on stderr (default: one line per action)');

  withSpec(cmd.command('plan'))
    .description('show what one reconcile pass would do now; reads only, changes nothing')
    .addOption(new Option('--mode <mode>', 'plan for this mode instead of the parameter\'s value').choices(['pilot-light', 'active']))
    .action(async (o: SpecOpts & { mode?: string }) => {
      const env = await loadEnvironment(o, io);
      const r = await planOnly(io.port(env.spec.region), env, o.mode);
      const code = exitCodeFor(planOutcome(r.plan));
      if (o.json) io.out(JSON.stringify({ mode: r.mode, generation: r.generation, actions: r.plan.actions, resources: r.plan.resources, failbackRequired: r.plan.failbackRequired }, null, 2));
      else io.out(renderPlan(r.mode, r.generation, r.plan, p(o.json)));
      throw new ExitError(code, '');
    });

  withVerbose(withSpec(cmd.command('reconcile')))
    .description('run one reconcile pass now (observe, plan, act, record status) and print the outcome')
    .action(async (o: SpecOpts & { verbose?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const r = await reconcileOnce(io.port(env.spec.region), env, { trigger: { kind: 'manual' }, log: humanLog(io, !!o.verbose), holder: `drctl-${userInfo().username}-${process.pid}` });
      const code = exitCodeFor(r.outcome);
      if (o.json) io.out(JSON.stringify({ outcome: r.outcome, exitCode: code, trigger: r.trigger, notes: r.notes, results: r.results, status: r.status }, null, 2));
      else io.out(renderPass(r.outcome, r.results, r.notes, r.status, p(o.json)));
      throw new ExitError(code, '');
    });

  withSpec(cmd.command('status'))
    .description('show the last recorded status: conditions, mode and who set it, drill, per-resource desired vs observed (exit 1 when the last pass is over 15 minutes old)')
    .action(async (o: SpecOpts) => {
      const env = await loadEnvironment(o, io);
      const s = await io.port(env.spec.region).readState<DrStatus>(env.spec.stateTable, STATUS_KEY);
      if (o.json) io.out(JSON.stringify(s ?? null, null, 2));
      else io.out(s ? renderStatus(s, p(o.json)) : 'No status recorded yet: no reconcile pass has run. Run `drctl reconcile` or invoke the Lambda.');
      if (s?.lastPass && Date.now() - Date.parse(s.lastPass.finishedAt) > STALE_STATUS_MS) {
        io.err(`warning: the last pass finished at ${s.lastPass.finishedAt}, more than ${STALE_STATUS_MS / 60_000} minutes ago: is the reconciler running? (check the Lambda's logs and the resync rule)`);
      }
      throw new ExitError(exitCodeFor(statusOutcome(s)), '');
    });

  withVerbose(withSpec(cmd.command('set-mode')))
    .description('set the desired mode (pilot-light or active); the reconciler converges to it on its next pass')
    .argument('<mode>', 'pilot-light or active (exactly; anything else is refused)')
    .requiredOption('--reason <text>', 'why: recorded in status and shown to the next operator')
    .option('--reconcile', 'also run one pass now (instead of waiting for the Lambda)')
    .action(async (modeArg: string, o: SpecOpts & { reason: string; reconcile?: boolean; verbose?: boolean }) => {
      const mode = parseMode(modeArg, 'mode argument');
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      const { parameter, request: req } = await writeMode(port, env.spec, mode, { source: 'operator', reason: o.reason, by: userInfo().username }, new Date());
      const version = parameter.version;
      if (!o.reconcile) {
        if (o.json) io.out(JSON.stringify({ mode, version, request: req }, null, 2));
        else io.out(`Mode set to ${mode} (parameter ${env.spec.modeParameter} version ${version}). The reconciler converges on its next pass; follow it with: drctl watch`);
        throw new ExitError(EXIT.progressing, '');
      }
      const r = await reconcileOnce(port, env, { trigger: { kind: 'parameter-change' }, log: humanLog(io, !!o.verbose) });
      if (o.json) io.out(JSON.stringify({ mode, version, outcome: r.outcome, status: r.status }, null, 2));
      else io.out(`Mode set to ${mode} (version ${version}).\n` + renderPass(r.outcome, r.results, r.notes, r.status, p(o.json)));
      throw new ExitError(exitCodeFor(r.outcome), '');
    });

  const drill = cmd
    .command('drill')
    .description('start a drill or show drills')
    .action(() => {
      drill.outputHelp();
      throw new ExitError(EXIT.invalid, '');
    });
  withVerbose(withSpec(drill.command('start')))
    .description('start a drill now: DR goes active (no database promotion) and reverts by itself at expiry')
    .option('--duration <minutes>', 'how long the drill keeps DR active, 1 to 1440 (default: the spec\'s drill.durationMinutes)', (v: string) => {
      const n = parsePositiveInt(v);
      if (n > 1440) throw new InvalidArgumentError(`must be at most 1440 (a day), got: ${n}`);
      return n;
    })
    .action(async (o: SpecOpts & { duration?: number; verbose?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const trigger: Trigger = { kind: 'start-drill', durationMinutes: o.duration, startedBy: `drctl (${userInfo().username})` };
      const r = await reconcileOnce(io.port(env.spec.region), env, { trigger, log: humanLog(io, !!o.verbose) });
      if (o.json) io.out(JSON.stringify({ outcome: r.outcome, trigger: r.trigger, notes: r.notes, drill: r.status?.drill ?? null, status: r.status ?? null }, null, 2));
      else if (r.trigger.kind === 'drill-refused') io.out(`Drill not started: ${r.trigger.reason}. Nothing was changed.`);
      else io.out(renderPass(r.outcome, r.results, r.notes, r.status, p(o.json)));
      throw new ExitError(exitCodeFor(r.outcome), '');
    });
  withSpec(drill.command('status'))
    .description('show the running drill and past drills with outcome and convergence time')
    .action(async (o: SpecOpts) => {
      const env = await loadEnvironment(o, io);
      const s = await io.port(env.spec.region).readState<DrStatus>(env.spec.stateTable, STATUS_KEY);
      if (o.json) io.out(JSON.stringify({ drill: s?.drill ?? null, history: s?.drillHistory ?? [] }, null, 2));
      else io.out(s ? renderDrills(s, p(o.json)) : 'No status recorded yet.');
      throw new ExitError(EXIT.converged, '');
    });

  withVerbose(withSpec(cmd.command('watch')))
    .description('follow a transition until Ready or --timeout: resources converged / total, pending actions, elapsed')
    .option('--timeout <seconds>', 'give up after this long (exit 3, or 1 if degraded at that point)', parsePositiveInt, 900)
    .option('--interval <seconds>', 'seconds between looks', parsePositiveInt, 5)
    .option('--reconcile', 'run a pass at every look (when no Lambda runs them, e.g. on the local emulator)')
    .action(async (o: SpecOpts & { timeout: number; interval: number; reconcile?: boolean; verbose?: boolean }) => {
      const env = await loadEnvironment(o, io);
      const port = io.port(env.spec.region);
      const started = Date.now();
      let last = '';
      for (;;) {
        let ready: number;
        let total: number;
        let pending: number;
        let note: string;
        let code: number;
        let mode: string;
        if (o.reconcile) {
          // `manual`, not `resync`: a watch loop must not count as health-check readings (S5).
          const r = await reconcileOnce(port, env, { trigger: { kind: 'manual' }, log: humanLog(io, !!o.verbose) });
          const s = r.status;
          total = s?.resources.length ?? 0;
          ready = s?.resources.filter((x) => x.ready).length ?? 0;
          pending = s?.pendingActions.length ?? 0;
          note = s?.resources.find((x) => !x.ready)?.waitingFor ?? s?.resources.find((x) => !x.ready)?.lastError ?? '';
          code = exitCodeFor(r.outcome);
          mode = s?.mode ?? 'invalid';
        } else {
          const r = await planOnly(port, env);
          total = r.plan.resources.length;
          ready = r.plan.resources.filter((x) => x.ready).length;
          pending = r.plan.actions.length;
          const first = r.plan.resources.find((x) => !x.ready);
          note = first ? `${first.resource}: ${first.problem ?? first.waitingFor ?? 'not in sync'}` : '';
          code = exitCodeFor(planOutcome(r.plan));
          mode = r.mode;
        }
        const elapsed = Math.round((Date.now() - started) / 1000);
        const line = `[${String(elapsed).padStart(4)}s] mode ${mode}: ${ready}/${total} resources ready, ${pending} pending actions${note ? ` — ${note}` : ''}`;
        if (o.json) io.out(JSON.stringify({ elapsedSeconds: elapsed, mode, ready, total, pending, note }));
        else if (io.tty && io.status) io.status(line);
        else if (line.replace(/^\[\s*\d+s\] /, '') !== last) io.out(line);
        last = line.replace(/^\[\s*\d+s\] /, '');
        // On a terminal the progress line has no newline yet: end it before the verdict.
        const nl = io.tty && io.status && !o.json ? '\n' : '';
        if (code === EXIT.converged || code === EXIT.invalid) {
          if (!o.json) io.out(nl + (code === EXIT.converged ? `Ready after ${elapsed}s.` : 'Invalid mode value: see drctl status.'));
          throw new ExitError(code, '');
        }
        if (elapsed >= o.timeout) {
          if (!o.json) io.out(`${nl}Not ready after ${o.timeout}s (${note || 'waiting'}).`);
          throw new ExitError(code === EXIT.failed ? EXIT.failed : EXIT.progressing, '');
        }
        await io.sleep(o.interval * 1000);
      }
    });
  return cmd;
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
    if (err instanceof ExitError) return err.exitCode;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
      if (err.cause instanceof InvalidSpecError || err.code === 'commander.invalidArgument') return EXIT.invalid;
      return EXIT.invalid;
    }
    if (err instanceof InvalidSpecError) {
      io.err(`drctl: invalid input: no changes made.\n${err.problems.map((x) => `  - ${x}`).join('\n')}`);
      return EXIT.invalid;
    }
    io.err(`drctl: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}

/** The process's Io. */
export function processIo(): Io {
  const tty = !!process.stdout.isTTY;
  return {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    tty,
    env: process.env,
    port: (region) => createAwsPort({ region }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    status: (line) => process.stdout.write(`\r\x1b[2K${line}`),
  };
}

if (require.main === module) {
  // The SDK's notice that *future* SDK releases need Node 22 says nothing about this pinned install; on an
  // operator's terminal it only buries the answer.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}

