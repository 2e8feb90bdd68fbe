/**
 * The reconciler end to end on the emulator: real SDK clients → recording proxy → patched moto.
 * Write counts are taken at the wire (the proxy), not from our own port.
 */
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { expect } from 'chai';
import { createAwsPort } from '../../reconciler/aws';
import { main, type Io } from '../../reconciler/cli';
import type { AwsPort } from '../../reconciler/port';
import { exitCodeFor } from '../../reconciler/cli';
import { writeMode } from '../../reconciler/mode';
import { reconcileOnce, type Trigger } from '../../reconciler/reconcile';
import type { DrEnvironment } from '../../reconciler/spec';
import type { DrStatus } from '../../reconciler/status';
import { getEmulator } from '../support/emulator';
import { startProxy, type Proxy } from '../support/proxy';
import { seedPilotLight, type SeededEnvironment } from '../support/seed';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('reconciler on the emulator', function () {
  this.timeout(120_000);
  let proxy: Proxy;
  let seeded: SeededEnvironment;
  let env: DrEnvironment;
  let port: AwsPort;
  let specFile: string;
  let endpoint: string;

  const fastPort = (region: string) => createAwsPort({ region, maxAttempts: 2, retryBaseDelayMs: 5 });
  const pass = (trigger: Trigger = { kind: 'manual' }) => reconcileOnce(port, env, { trigger, minBackoffMs: 5 });
  const setMode = (v: string) => port.putModeParameter(env.spec.modeParameter, v);

  /** Runs drctl in-process against the emulator; returns exit code and output (and live lines on a "terminal"). */
  async function drctl(...args: string[]): Promise<{ code: number; out: string; err: string; live: string[] }> {
    return drctlOn(false, ...args);
  }
  async function drctlOn(tty: boolean, ...args: string[]): Promise<{ code: number; out: string; err: string; live: string[] }> {
    return drctlWith({ tty }, ...args);
  }
  /** drctl with a terminal that answers its question with `answer`. */
  async function drctlWith(o: { tty: boolean; answer?: string }, ...args: string[]): Promise<{ code: number; out: string; err: string; live: string[]; asked: string[] }> {
    const asked: string[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const live: string[] = [];
    const io: Io = {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      tty: o.tty,
      env: { ...process.env, NO_COLOR: '1' },
      port: fastPort,
      sleep: async () => undefined,
      status: (line) => live.push(line),
      ...(o.answer !== undefined ? { prompt: async (q: string) => (asked.push(q), o.answer!) } : {}),
    };
    const code = await main(args, io);
    return { code, out: out.join('\n'), err: err.join('\n'), live, asked };
  }

  before(async function () {
    const emulator = await getEmulator();
    endpoint = emulator.endpoint;
    proxy = await startProxy(emulator.endpoint);
  });
  after(async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    await proxy?.close();
  });
  beforeEach(async () => {
    const emulator = await getEmulator();
    await emulator.reset();
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    seeded = await seedPilotLight();
    env = seeded.spec;
    port = fastPort(env.spec.region);
    specFile = join(mkdtempSync(join(tmpdir(), 'drctl-')), 'dr.json');
    writeFileSync(specFile, JSON.stringify(env));
    proxy.clear();
    proxy.faults.length = 0;
  });

  it('pilot-light → active → pilot-light converges; a pass after convergence makes zero writes', async () => {
    const first = await pass();
    expect(first.outcome, JSON.stringify(first.status?.resources.filter((r) => !r.ready))).to.equal('Converged');
    expect(proxy.resourceWrites(), 'the seeded environment is already in pilot light').to.deep.equal([]);

    await setMode('active');
    const up = await pass({ kind: 'parameter-change' });
    expect(up.outcome, JSON.stringify(up.status?.resources.filter((r) => !r.ready), null, 1)).to.equal('Converged');
    const replica = await port.describeReplica('app-replica');
    expect(replica).to.include({ isReplica: false, status: 'available' });
    const asgs = await port.describeAsgs(['dr-jenkins', 'dr-monitoring']);
    for (const a of asgs) {
      expect(a).to.include({ minSize: 1, maxSize: 3, desiredCapacity: 1 });
      expect(a.mixedInstancesPolicy?.instancesDistribution.onDemandPercentageAboveBaseCapacity).to.equal(100);
      // The launch template survived the update (moto drops it on partial updates; we always send it whole).
      expect(a.mixedInstancesPolicy?.launchTemplate.launchTemplateSpecification.launchTemplateName).to.be.a('string');
    }
    const services = await port.describeServices('dr', env.spec.ecsServices.map((s) => s.name));
    for (const s of services) {
      const want = env.spec.ecsServices.find((x) => x.name === s.name)!.active;
      expect(s.desiredCount, s.name).to.equal(want.desiredCount);
      expect(s.capacityProviderStrategy.map((c) => c.capacityProvider), s.name).to.deep.equal(['FARGATE']);
    }
    const jenkins = (await port.describeTargetGroups([seeded.targetGroupArns.jenkins]))[0];
    expect(jenkins.targets.map((t) => t.id)).to.deep.equal(asgs[0].instances.map((i) => i.instanceId));
    expect(up.status?.timings.convergenceSeconds).to.be.a('number');

    proxy.clear();
    const again = await pass();
    expect(again.outcome).to.equal('Converged');
    expect(proxy.resourceWrites()).to.deep.equal([]);

    // Pilot light while DR is the writer is refused (S9); after the runbook the operator confirms the failback.
    await writeMode(port, env.spec, 'pilot-light', { source: 'failback', reason: 'runbook done', by: 'test' }, new Date());
    const down = await pass({ kind: 'parameter-change' });
    expect(down.outcome).to.equal('Converged');
    expect((await port.describeAsgs(['dr-jenkins']))[0]).to.include({ desiredCapacity: 0 });
    // Deregistered targets drain for a while, as in AWS: none may still be in service.
    expect(((await port.describeTargetGroups([seeded.targetGroupArns.jenkins]))[0]).targets.filter((t) => t.state !== 'draining')).to.deep.equal([]);
    expect(down.status?.conditions.find((c) => c.type === 'FailbackRequired')?.status).to.equal('True');
  });

  it('targets AWS registers (groups attached, as the shipped stack has them) are verified, never written; a foreign one is reported and left', async () => {
    const emulator = await getEmulator();
    await emulator.reset();
    seeded = await seedPilotLight({ attachTargetGroups: true });
    env = seeded.spec;
    proxy.clear();
    await setMode('active');
    const up = await pass({ kind: 'parameter-change' });
    expect(up.outcome, JSON.stringify(up.status?.resources.filter((r) => !r.ready), null, 1)).to.equal('Converged');
    const feeding = new Set(['RegisterTargets', 'DeregisterTargets', 'ListTasks', 'DescribeTasks']);
    expect(proxy.calls.filter((c) => feeding.has(c.action)).map((c) => c.action), 'AWS registers: the reconciler never feeds a group').to.deep.equal([]);
    const [jenkins, frontend] = await port.describeTargetGroups([seeded.targetGroupArns.jenkins, seeded.targetGroupArns.frontend]);
    const [jenkinsAsg] = await port.describeAsgs(['dr-jenkins']);
    expect(jenkins.targets.filter((t) => t.state !== 'draining').map((t) => t.id)).to.deep.equal(jenkinsAsg.instances.map((i) => i.instanceId));
    expect(frontend.targets.filter((t) => t.state === 'healthy'), 'ECS registered both frontend tasks').to.have.length(2);

    // Issue 13's confused deputy, by hand: a foreign instance in dr-jenkins's group. Reported, not removed.
    const ec2 = new EC2Client({ region: env.spec.region });
    const elbv2 = new ElasticLoadBalancingV2Client({ region: env.spec.region });
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.medium', MinCount: 1, MaxCount: 1, SubnetId: seeded.subnetIds[0] }));
    const foreign = run.Instances![0].InstanceId!;
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: seeded.targetGroupArns.jenkins, Targets: [{ Id: foreign }] }));
    ec2.destroy();
    elbv2.destroy();
    proxy.clear();
    const again = await pass();
    expect(proxy.resourceWrites(), 'nothing written').to.deep.equal([]);
    const tg = again.status!.resources.find((r) => r.resource === 'tg/dr-jenkins')!;
    expect(tg.lastError, JSON.stringify(again.status!.resources, null, 1)).to.match(new RegExp(`not instances of asg/dr-jenkins: ${foreign}`));
    expect(again.outcome).to.equal('Degraded');
    expect((await port.describeTargetGroups([seeded.targetGroupArns.jenkins]))[0].targets.map((t) => t.id)).to.include(foreign);
  });

  it('promotes exactly once across repeated passes, and never touches RDS in pilot light afterwards', async () => {
    await setMode('active');
    for (let i = 0; i < 3; i++) await pass();
    expect(proxy.calls.filter((c) => c.action === 'PromoteReadReplica')).to.have.length(1);
    await setMode('pilot-light');
    proxy.clear();
    await pass();
    await pass();
    const rdsWrites = proxy.writes().filter((c) => /DBInstance|ReadReplica/.test(c.action));
    expect(rdsWrites).to.deep.equal([]);
  });

  it('a resource that keeps failing does not stop the others and shows as Degraded', async () => {
    proxy.faults.push({
      match: (c) => c.action === 'UpdateService' && c.body.includes('"service":"frontend"'),
      status: 400,
      code: 'AccessDeniedException',
      message: 'User is not authorized to perform: ecs:UpdateService on service frontend',
    });
    await setMode('active');
    const r = await pass();
    expect(r.outcome).to.equal('Degraded');
    expect(exitCodeFor(r.outcome)).to.equal(1);
    const fe = r.status!.resources.find((x) => x.resource === 'ecs/dr/frontend')!;
    expect(fe.inSync).to.equal(false);
    expect(fe.lastError).to.contain('not authorized');
    const others = r.status!.resources.filter((x) => x.resource !== 'ecs/dr/frontend' && x.resource !== 'tg/dr-frontend');
    expect(others.filter((x) => !x.ready).map((x) => x.resource)).to.deep.equal([]);
    expect(r.status!.conditions.find((c) => c.type === 'Degraded')).to.include({ status: 'True', reason: 'ActionsFailed' });
    // The next pass tries again and still records it.
    const r2 = await pass();
    expect(r2.outcome).to.equal('Degraded');
  });

  it('throttling is retried with backoff and the pass still converges', async () => {
    proxy.faults.push({ match: (c) => c.action === 'UpdateAutoScalingGroup', status: 400, code: 'Throttling', message: 'Rate exceeded', times: 3 });
    await setMode('active');
    const r = await pass();
    expect(r.outcome).to.equal('Converged');
    const updates = proxy.calls.filter((c) => c.action === 'UpdateAutoScalingGroup');
    expect(updates.length, JSON.stringify(r.results.map((x) => [x.action.resource, x.ok, x.attempts, x.error]))).to.equal(5);
  });

  for (const bad of ['actve', 'Active ', '', '{"mode":"active"}']) {
    it(`drctl reconcile with mode ${JSON.stringify(bad)} exits 2 and changes nothing`, async () => {
      // SSM refuses an empty value, so the emptiest value a parameter can hold, a single space, stands for ""
      // here; an exact "" is covered by the fake-port tests.
      await setMode(bad === '' ? ' ' : bad);
      proxy.clear();
      const r = await drctl('reconcile', '--spec', specFile);
      expect(r.code).to.equal(2);
      expect(proxy.resourceWrites()).to.deep.equal([]);
      expect(proxy.calls.filter((c) => c.action === 'PutParameter')).to.deep.equal([]);
      const status = await port.readState<DrStatus>(env.spec.stateTable, 'status');
      expect(status?.conditions.find((c) => c.type === 'Degraded')).to.include({ status: 'True', reason: 'InvalidSpec' });
      expect(r.out).to.contain('InvalidSpec');
    });
  }

  describe('drctl verbs', () => {
    it('plan lists the failover actions and writes nothing at all', async () => {
      const r = await drctl('plan', '--spec', specFile, '--mode', 'active');
      expect(r.code).to.equal(3);
      expect(r.out).to.contain('Promoting RDS read replica app-replica to standalone instance');
      expect(r.out).to.contain('Scaling ASG dr-jenkins to min=1, max=3, desired=1, on-demand=100%');
      expect(proxy.writes(), JSON.stringify(proxy.writes().map((c) => c.action))).to.deep.equal([]);
      const json = await drctl('plan', '--spec', specFile, '--json');
      expect(json.code).to.equal(0);
      expect(JSON.parse(json.out)).to.deep.include({ mode: 'pilot-light', actions: [] });
    });

    it('set-mode refuses anything but pilot-light or active, with exit 2 and no write', async () => {
      const r = await drctl('set-mode', 'Active', '--reason', 'x', '--spec', specFile);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('mode argument: must be "pilot-light" or "active", got: "Active"');
      expect(proxy.writes()).to.deep.equal([]);
    });

    it('set-mode active is a real failover: it says so, and without a terminal needs --yes (exit 2, nothing written)', async () => {
      proxy.clear();
      const r = await drctl('set-mode', 'active', '--reason', 'outage', '--spec', specFile);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('the read replica app-replica will be PROMOTED');
      expect(r.err).to.contain("the primary's signals now: no probe configured; alarm dr-primary-health OK; Route 53 healthy");
      expect(r.err).to.contain('run a drill instead: drctl drill start');
      expect(r.err).to.contain('needs confirmation');
      expect(proxy.writes().map((c) => c.action)).to.deep.equal([]);
    });

    it('on a terminal it asks for the environment name: a wrong answer refuses, the right one proceeds', async () => {
      const wrong = await drctlWith({ tty: true, answer: 'yes' }, 'set-mode', 'active', '--reason', 'outage', '--spec', specFile);
      expect(wrong.code).to.equal(2);
      expect(wrong.asked[0]).to.contain('Type the environment name (dr)');
      expect(wrong.err).to.contain('not confirmed');
      expect((await port.getModeParameter(env.spec.modeParameter))?.value).to.equal('pilot-light');
      const right = await drctlWith({ tty: true, answer: 'dr' }, 'set-mode', 'active', '--reason', 'outage', '--spec', specFile);
      expect(right.code).to.equal(3);
      expect((await port.getModeParameter(env.spec.modeParameter))?.value).to.equal('active');
    });

    it('an empty reason is refused; setting the mode it already has changes nothing', async () => {
      const empty = await drctl('set-mode', 'active', '--reason', '  ', '--yes', '--spec', specFile);
      expect(empty.code).to.equal(2);
      expect(empty.err).to.contain('--reason must say why');
      proxy.clear();
      const same = await drctl('set-mode', 'pilot-light', '--reason', 'again', '--spec', specFile);
      expect(same.code).to.equal(0);
      expect(same.out).to.contain('Mode is already pilot-light');
      expect(proxy.calls.filter((c) => c.action === 'PutParameter' || c.action === 'Publish')).to.deep.equal([]);
    });

    it('after a real failover: pilot-light is refused (exit 2, nothing changed) until failback complete', async () => {
      await drctl('set-mode', 'active', '--reason', 'outage', '--yes', '--reconcile', '--spec', specFile);
      proxy.clear();
      const refused = await drctl('set-mode', 'pilot-light', '--reason', 'primary is back', '--spec', specFile);
      expect(refused.code).to.equal(2);
      expect(refused.err).to.contain('the DR database app-replica is the writer');
      expect(refused.err).to.contain('drctl failback complete');
      expect(proxy.writes().filter((c) => !/"lease"/.test(c.body))).to.deep.equal([]);
      const done = await drctl('failback', 'complete', '--reason', 'runbook done', '--yes', '--reconcile', '--spec', specFile);
      expect(done.code, done.out + done.err).to.equal(0);
      const s = await port.readState<DrStatus>(env.spec.stateTable, 'status');
      expect(s?.mode).to.equal('pilot-light');
      expect(s?.conditions.find((c) => c.type === 'TrafficInDr')).to.include({ status: 'False' });
      expect(s?.conditions.find((c) => c.type === 'FailbackRequired')).to.include({ status: 'True', reason: 'DatabasePromoted' });
      // Until the DR replica is re-created, status says so and exits non-zero.
      const status = await drctl('status', '--spec', specFile);
      expect(status.code).to.equal(1);
      expect(status.out).to.contain('FailbackRequired');
    });

    it('status shows a mode written but not yet acted on as pending, exit 3', async () => {
      await pass();
      await drctl('set-mode', 'active', '--reason', 'outage', '--yes', '--spec', specFile);
      const r = await drctl('status', '--spec', specFile);
      expect(r.code).to.equal(3);
      expect(r.out).to.match(/^Pending: mode "active" \(parameter version 2/);
    });

    it('errors name the fix: a mistyped verb suggests the right one; --version prints the version', async () => {
      const typo = await drctl('stauts', '--spec', specFile);
      expect(typo.code).to.equal(2);
      expect(typo.err).to.contain('(Did you mean status?)');
      const v = await drctl('--version');
      expect(v.code).to.equal(0);
      expect(v.out).to.match(/^\d+\.\d+\.\d+$/);
    });

    it('errors name the fix: --env passes on terraform\'s reason; an AWS error names its region', async () => {
      const missing = await drctl('status', '--env', 'dr-pilot-light', '--stack-dir', join(tmpdir(), 'no-such-stack-dir'));
      expect(missing.code).to.equal(2);
      expect(missing.err).to.match(/--env dr-pilot-light: cannot read the stack outputs in .*no-such-stack-dir: .*(no such file or directory|not found|does not exist)/i);
      expect(missing.err).to.contain('deploy the stack first');
      // The right document in the wrong region: the state table is not there.
      const elsewhere = structuredClone(env) as DrEnvironment & { spec: { region: string } };
      elsewhere.spec.region = 'eu-west-1';
      const f = join(mkdtempSync(join(tmpdir(), 'drctl-')), 'eu.json');
      writeFileSync(f, JSON.stringify({ ...elsewhere, spec: { ...elsewhere.spec, notificationTopicArn: undefined, autoScalingGroups: [], ecsServices: [] } }));
      const wrong = await drctl('status', '--spec', f);
      expect(wrong.code, wrong.err).to.equal(1);
      expect(wrong.err).to.contain('(region eu-west-1)');
    });

    it('watch treats a lost connection as a retry, with a message', async () => {
      // The mode read fails twice (both SDK attempts): the look throws, and watch tries again.
      proxy.faults.push({ match: (c) => c.action === 'GetParameter' && c.body.includes('/dr/mode'), reset: true, times: 2 });
      const w = await drctl('watch', '--spec', specFile, '--timeout', '30', '--interval', '1');
      expect(w.err).to.match(/warning: lost the connection to AWS \(.*\); trying again in 1s/);
      expect(w.code).to.equal(0);
    });

    it('missing credentials name the profile (a real drctl process)', async () => {
      const { spawnSync } = await import('node:child_process');
      const cli = join(__dirname, '..', '..', 'reconciler', 'cli.js');
      const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, AWS_PROFILE: 'no-such-profile', AWS_CONFIG_FILE: join(tmpdir(), 'no-config'), AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'no-credentials'), AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: '1' };
      const r = spawnSync(process.execPath, [cli, 'status', '--spec', specFile], { env: childEnv, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stderr).to.contain('the profile "no-such-profile" (AWS_PROFILE) has no usable credentials');
    });

    it('tables fit a 100-column terminal, target groups by name', async () => {
      await drctl('set-mode', 'active', '--reason', 'width test', '--yes', '--reconcile', '--spec', specFile);
      for (const verb of [['status'], ['plan', '--mode', 'pilot-light']]) {
        const r = await drctl(...verb, '--spec', specFile);
        const widest = Math.max(...r.out.split('\n').map((l) => l.length));
        expect(widest, `${verb[0]}:\n${r.out}`).to.be.at.most(100);
        expect(r.out).to.not.contain('arn:aws:elasticloadbalancing');
      }
    });

    it('watch on an environment that is degraded with nothing progressing stops early, naming the blocker (exit 1)', async () => {
      // A service that does not exist: a problem no pass can fix.
      const broken = structuredClone(env) as DrEnvironment & { spec: { ecsServices: Array<{ name: string }> } };
      broken.spec.ecsServices[0].name = 'no-such-service';
      const f = join(mkdtempSync(join(tmpdir(), 'drctl-')), 'broken.json');
      writeFileSync(f, JSON.stringify(broken));
      const w = await drctl('watch', '--spec', f, '--timeout', '600', '--interval', '1');
      expect(w.code).to.equal(1);
      expect(w.out).to.contain('Degraded and nothing is progressing: ecs/dr/no-such-service: ecs service no-such-service not found');
    });

    it('set-mode, watch --reconcile, status: converge to active and report who set it', async () => {
      const set = await drctl('set-mode', 'active', '--reason', 'region outage drill-free test', '--yes', '--spec', specFile);
      expect(set.code).to.equal(3);
      expect(set.out).to.match(/Mode set to active \(parameter \/dr\/mode version 2\)/);
      const w = await drctl('watch', '--reconcile', '--spec', specFile, '--timeout', '30', '--interval', '1');
      expect(w.code, w.out + w.err).to.equal(0);
      expect(w.out).to.match(/resources ready/);
      expect(w.out).to.match(/Ready after \d+s\./);
      const s = await drctl('status', '--spec', specFile);
      expect(s.code).to.equal(0);
      expect(s.out).to.contain('Set by operator');
      expect(s.out).to.contain('region outage drill-free test');
      const j = JSON.parse((await drctl('status', '--spec', specFile, '--json')).out) as DrStatus;
      expect(j.mode).to.equal('active');
      expect(j.modeRequest).to.include({ source: 'operator' });
    });

    it('watch on a terminal shows live progress on one line, then the result', async () => {
      await drctl('set-mode', 'active', '--reason', 'tty test', '--yes', '--spec', specFile);
      const w = await drctlOn(true, 'watch', '--reconcile', '--spec', specFile, '--timeout', '30', '--interval', '1');
      expect(w.code, w.out + w.err).to.equal(0);
      expect(w.live.length).to.be.greaterThan(0);
      expect(w.live[w.live.length - 1]).to.match(/^\[\s*\d+s\] mode active: (\d+)\/\1 resources ready, 0 pending actions$/);
      expect(w.out).to.match(/^\nReady after \d+s\.$/);
    });

    it('watch without --reconcile reads only, and gives up at the timeout with exit 3', async () => {
      await drctl('set-mode', 'active', '--reason', 'nobody reconciles', '--yes', '--spec', specFile);
      proxy.clear();
      const w = await drctl('watch', '--spec', specFile, '--timeout', '1', '--interval', '1');
      expect(w.code).to.equal(3);
      expect(w.out).to.match(/Not ready after 1s/);
      expect(proxy.writes().map((c) => c.action)).to.deep.equal([]);
    });

    it('drill start → drill status shows it running; no promotion', async () => {
      const r = await drctl('drill', 'start', '--duration', '5', '--spec', specFile);
      expect(r.code, r.out + r.err).to.equal(0);
      expect(proxy.calls.filter((c) => c.action === 'PromoteReadReplica')).to.deep.equal([]);
      const d = await drctl('drill', 'status', '--spec', specFile, '--json');
      const parsed = JSON.parse(d.out) as { drill: { durationMinutes: number; replicaCheck: { ok: boolean } } };
      expect(parsed.drill.durationMinutes).to.equal(5);
      expect(parsed.drill.replicaCheck.ok).to.equal(true);
      const before = proxy.writes().length;
      const statusBefore = (await drctl('status', '--spec', specFile, '--json')).out;
      const again = await drctl('drill', 'start', '--spec', specFile);
      expect(again.code, again.out + again.err).to.equal(2);
      expect(again.out).to.contain('Drill not started: DR is already active');
      // A refused command changes nothing: not the mode, not the status, not a resource; only the lease is taken and given back.
      const writes = proxy.writes().slice(before).filter((c) => !/"lease"/.test(c.body));
      expect(writes.map((c) => c.action)).to.deep.equal([]);
      expect((await drctl('status', '--spec', specFile, '--json')).out).to.equal(statusBefore);
    });

    it('reconcile --json prints the outcome and status; a bad --spec exits 2 naming the file', async () => {
      const r = await drctl('reconcile', '--spec', specFile, '--json');
      expect(r.code).to.equal(0);
      expect(JSON.parse(r.out)).to.include({ outcome: 'Converged', exitCode: 0 });
      const bad = await drctl('status', '--spec', '/nonexistent/dr.json');
      expect(bad.code).to.equal(2);
      expect(bad.err).to.contain('--spec: cannot read "/nonexistent/dr.json" (ENOENT)');
    });
  });
});
