/**
 * `npm start`: the main job on a laptop with no AWS account.
 *
 * Starts the moto emulator on 127.0.0.1, deploys the dr-pilot-light environment into it, then walks through
 * (a) a failover triggered by the health-check alarm going to ALARM (through the real Lambda handler),
 * (b) an operator's failback to pilot light (through drctl), with the failback runbook's replica re-creation,
 * (c) a shortened drill that expires and reverts — printing each step, the plan, the status table and the
 * convergence time of each transition. Stops everything it started, even on Ctrl-C or failure; `--keep`
 * leaves the emulator running and prints how to point drctl at it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDBInstanceReadReplicaCommand, DeleteDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsPort } from '../reconciler/aws';
import { main as drctl, processIo } from '../reconciler/cli';
import { handler } from '../reconciler/handler';
import { describeAction } from '../reconciler/plan';
import { planOnly, reconcileOnce, type Trigger } from '../reconciler/reconcile';
import { paint, renderPlan, renderStatus, renderDrills } from '../reconciler/render';
import type { DrEnvironment } from '../reconciler/spec';
import type { DrStatus } from '../reconciler/status';
import { emulatorEnv, startEmulator, type Emulator } from '../test/support/emulator';
import { startProbeServer, type ProbeServer } from '../test/support/probe-server';
import { SEED, seedPilotLight } from '../test/support/seed';

// The pinned SDK works on this Node; its notice about future SDK releases would only clutter the walkthrough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const keep = process.argv.includes('--keep');
const p = paint(!!process.stdout.isTTY && !process.env.NO_COLOR);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (s: string) => console.log(s);
const step = (n: string, title: string) => say(`\n${p.bold(p.cyan(`── ${n} ${title}`))} ${p.dim(`(t+${elapsed()})`)}`);

let emulator: Emulator | undefined;
let primary: ProbeServer | undefined;
let exiting: Promise<never> | undefined;

/**
 * Stops the emulator (unless --keep and the walkthrough finished) and exits. The first call decides the exit
 * code: after Ctrl-C, the walkthrough failing as its emulator goes away must not turn 130 into 1.
 */
function cleanup(code: number): Promise<never> {
  exiting ??= (async () => {
    await primary?.close().catch(() => undefined);
    if (emulator && !(keep && code === 0)) {
      await emulator.stop().catch(() => undefined);
      say(p.dim('emulator stopped; no state left behind'));
    }
    process.exit(code);
  })();
  return exiting;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    say(`\n${sig}: stopping`);
    void cleanup(130);
  });
}

/** Runs passes until the status is Ready or `maxPasses` ran (the Lambda's resync would do the same). */
async function converge(env: DrEnvironment, trigger: Trigger, label: string): Promise<DrStatus> {
  const port = createAwsPort({ region: env.spec.region });
  let status: DrStatus | undefined;
  for (let i = 0; i < 5; i++) {
    const r = await reconcileOnce(port, env, { trigger: i === 0 ? trigger : { kind: 'resync' } });
    status = r.status;
    for (const n of r.notes) say(p.yellow(`  note: ${n}`));
    for (const a of r.results) say(`  ${a.ok ? p.green('✓') : p.red('✗')} ${describeAction(a.action)}${a.ok ? '' : `: ${a.error}`}`);
    if (r.outcome === 'Converged' || r.outcome === 'InvalidSpec') break;
  }
  const secs = status?.timings.convergenceSeconds;
  say(`  ${label}: ${status?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? p.green('Ready') : p.yellow('not ready')}` + (secs !== undefined ? ` — converged ${secs}s after the mode was set` : ''));
  return status!;
}

async function showPlan(env: DrEnvironment, mode?: string) {
  const r = await planOnly(createAwsPort({ region: env.spec.region }), env, mode);
  say(renderPlan(r.mode, r.generation, r.plan, p));
}

async function run(): Promise<void> {
  step('1/6', 'Starting the AWS emulator (moto) on 127.0.0.1');
  const dir = join(process.cwd(), '.tmp', 'demo');
  mkdirSync(dir, { recursive: true });
  // With --keep the server must outlive this process: its log goes to a file, not to our pipe.
  emulator = await startEmulator(keep ? { logFile: join(dir, 'emulator.log') } : {});
  Object.assign(process.env, emulatorEnv(emulator.endpoint));
  say(`  emulator at ${emulator.endpoint} (pid ${emulator.pid})`);

  step('2/6', 'Deploying the dr-pilot-light environment');
  // The primary's health endpoint, as the DR region's probe sees it (S10): healthy until the outage.
  primary = await startProbeServer('healthy');
  const seeded = await seedPilotLight({ probeUrl: primary.url });
  const env = seeded.spec;
  say(`  seeded with the SDK in ${(seeded.durationMs / 1000).toFixed(1)}s: RDS app-primary (us-east-1) → read replica app-replica (us-west-2),`);
  say(`  ASGs dr-jenkins and dr-monitoring (spot, 0), ECS cluster dr with ${env.spec.ecsServices.length} services (FARGATE_SPOT, 0), target groups, alarm, health check, state table.`);
  say(p.dim('  (the Terraform stack itself is applied into the emulator by `npm run test:e2e`; the walkthrough seeds the same resources directly to stay under 90 s)'));
  const specFile = join(dir, 'dr.json');
  writeFileSync(specFile, JSON.stringify(env, null, 2));
  // The Lambda reads its spec from SSM, as the dr-lambda module sets it up.
  await new SSMClient({ region: env.spec.region }).send(new PutParameterCommand({ Name: '/dr/spec', Value: JSON.stringify(env), Type: 'String', Overwrite: true }));
  process.env.DR_SPEC_PARAMETER = '/dr/spec';
  process.env.AWS_REGION = env.spec.region;
  await converge(env, { kind: 'manual' }, 'pilot light');

  step('3/6', '(a) Failover: the primary fails — its health-check alarm goes to ALARM and the DR region\'s probe gets 503');
  say('  plan before (what a failover will do):');
  await showPlan(env, 'active');
  await new CloudWatchClient({ region: SEED.primaryRegion }).send(
    new SetAlarmStateCommand({ AlarmName: SEED.alarmName, StateValue: 'ALARM', StateReason: 'demo: primary health check failing' }),
  );
  primary!.set('unhealthy');
  say(`  alarm ${SEED.alarmName} set to ALARM, ${primary!.url} answers 503; SNS invokes the Lambda handler (it re-checks with the probe: two sources, S10):`);
  const out = await handler({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ AlarmName: SEED.alarmName, NewStateValue: 'ALARM' }) } }] });
  say(`  handler returned ${out.outcome}`);
  const afterFailover = await converge(env, { kind: 'resync' }, 'failover');
  say(renderStatus(afterFailover, p));

  step('4/6', '(b) Failback: the primary is back; the operator fails back deliberately');
  await new CloudWatchClient({ region: SEED.primaryRegion }).send(new SetAlarmStateCommand({ AlarmName: SEED.alarmName, StateValue: 'OK', StateReason: 'demo: primary healthy again' }));
  primary!.set('healthy');
  say('  alarm back to OK, probe 200 — DR stays active and keeps the users: the DR database is the writer (S5, S9).');
  const io = { ...processIo(), tty: false, out: (s: string) => say(s.replace(/^/gm, '    ')), err: (s: string) => say(p.dim(s.replace(/^/gm, '    '))) };
  say(p.bold(`  $ drctl set-mode pilot-light --reason "primary is back" --spec ${relative(process.cwd(), specFile)}`));
  const refusedCode = await drctl(['set-mode', 'pilot-light', '--reason', 'primary is back', '--spec', specFile], io);
  say(`  exit ${refusedCode}: refused — pilot light now would split the writes. The runbook re-protects and switches the writer back first.`);
  say(p.bold(`  $ drctl failback complete --reason "runbook steps 1-4 done" --yes --spec ${relative(process.cwd(), specFile)}`));
  await drctl(['failback', 'complete', '--reason', 'runbook steps 1-4 done', '--yes', '--spec', specFile], io);
  const afterFailback = await converge(env, { kind: 'parameter-change' }, 'failback');
  say(`  TrafficInDr: ${afterFailback.conditions.find((c) => c.type === 'TrafficInDr')?.status}; FailbackRequired: ${afterFailback.conditions.find((c) => c.type === 'FailbackRequired')?.status} — the promoted DR instance was left alone (rule S2).`);
  say('  Failback runbook step 6: re-create the DR read replica from the primary:');
  const rds = new RDSClient({ region: env.spec.region });
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: SEED.replicaIdentifier, SkipFinalSnapshot: true }));
  await rds.send(
    // Terraform's -replace re-creates it with the environment tag, as the runbook's step does.
    new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: SEED.replicaIdentifier, SourceDBInstanceIdentifier: seeded.primaryArn, DBInstanceClass: 'db.t3.micro', Tags: [{ Key: 'pilot-light:environment', Value: 'dr' }] }),
  );
  const afterReplica = await converge(env, { kind: 'resync' }, 'replica re-created');
  say(`  FailbackRequired: ${afterReplica.conditions.find((c) => c.type === 'FailbackRequired')?.status}`);

  step('5/6', '(c) A shortened drill: starts, converges without promotion, expires and reverts');
  const drillStart = await converge(env, { kind: 'start-drill', durationMinutes: 1, startedBy: 'npm start' }, 'drill active');
  say(`  drill ${drillStart.drill?.id}: replica check ${drillStart.drill?.replicaCheck?.ok ? 'ok' : 'FAILED'} (${drillStart.drill?.replicaCheck?.detail}), expires ${drillStart.drill?.expiresAt}`);
  say(p.dim('  waiting for the 1-minute drill to expire would take a minute; the next pass runs with the clock moved past expiry:'));
  const expiry = Date.parse(drillStart.drill!.expiresAt) + 1000;
  const r = await reconcileOnce(createAwsPort({ region: env.spec.region }), env, { trigger: { kind: 'resync' }, now: () => new Date(Math.max(Date.now(), expiry)) });
  for (const a of r.results) say(`  ${a.ok ? p.green('✓') : p.red('✗')} ${describeAction(a.action)}`);
  const afterDrill = await converge(env, { kind: 'resync' }, 'drill reverted');
  say(renderDrills(afterDrill, p));

  step('6/6', 'Summary');
  const history = afterDrill.drillHistory[0];
  say(`  failover converged in ${afterFailover.timings.convergenceSeconds ?? '?'}s, failback in ${afterFailback.timings.convergenceSeconds ?? '?'}s, drill ${history?.outcome} (converged in ${history?.convergenceSeconds ?? '?'}s)`);
  say(`  walkthrough took ${elapsed()}`);
  if (keep) {
    emulator.detach();
    say(`\n${p.bold('Emulator left running')} (pid ${emulator.pid}). Point drctl at it:`);
    say(`  export AWS_ENDPOINT_URL=${emulator.endpoint} AWS_REGION=${env.spec.region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`);
    say(`  npm run -s drctl -- status --spec ${relative(process.cwd(), specFile)}`);
    say(`  stop it with: kill ${emulator.pid}`);
  }
}

run().then(
  () => cleanup(0),
  (err) => {
    console.error(p.red(`npm start failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    return cleanup(1);
  },
);
