import { expect } from 'chai';
import { PortError } from '../../reconciler/errors';
import { exitCodeFor } from '../../reconciler/cli';
import { MODE_REQUEST_KEY, writeMode } from '../../reconciler/mode';
import { planOnly, reconcileOnce, type PassOptions, type Trigger } from '../../reconciler/reconcile';
import { STATUS_KEY, type DrStatus } from '../../reconciler/status';
import { FakePort, RESOURCE_WRITES } from '../support/fake-port';
import { followUp } from '../../reconciler/handler';
import { asg, replica, sampleEnvironment, service, targetGroup, tgArn, withCapacity } from '../support/fixtures';

const env = sampleEnvironment();
const TABLE = env.spec.stateTable;
const MODE = env.spec.modeParameter;
const T0 = Date.parse('2026-03-02T00:05:00Z');

/** The sample environment with a probe of the primary from the DR region (S10). */
const probeEnv = sampleEnvironment({ failover: { alarmName: 'dr-primary-health', healthCheckId: 'hc-1', unhealthyReadings: 3, minIntervalMinutes: 60, probeUrl: 'https://primary.example.com/health', probeOnlyReadings: 5 } });

/** A fake DR region at pilot-light values, and a clock the test moves. */
function world(environment = env) {
  const port = new FakePort();
  port.setMode(MODE, 'pilot-light', new Date(T0 - 3600_000));
  port.world.replica = { ...replica() };
  for (const name of ['dr-jenkins', 'dr-monitoring']) port.world.asgs.set(name, structuredClone(asg(name)) as never);
  for (const name of ['frontend', 'user-service']) port.world.services.set(`dr/${name}`, structuredClone(service(name)) as never);
  for (const name of ['jenkins', 'prometheus', 'grafana']) port.world.targetGroups.set(tgArn(name), structuredClone(targetGroup(name)) as never);
  port.world.targetGroups.set(tgArn('frontend'), structuredClone(targetGroup('frontend', [], 'ip')) as never);
  port.world.alarms.set('dr-primary-health', { state: 'OK' });
  let now = T0;
  const clock = {
    now: () => new Date(now),
    advance: (ms: number) => (now += ms),
  };
  const pass = (trigger: Trigger = { kind: 'manual' }, extra: Partial<PassOptions> = {}) =>
    reconcileOnce(port, environment, { trigger, now: clock.now, minBackoffMs: 1, ...extra });
  const status = () => port.world.state.get(TABLE)?.get(STATUS_KEY) as DrStatus;
  /** What `drctl failback complete` writes after the runbook: pilot-light, source failback. */
  const failback = () => writeMode(port, environment.spec, 'pilot-light', { source: 'failback', reason: 'runbook done', by: 'ops' }, clock.now());
  return { port, clock, pass, status, failback };
}

const writesOf = (port: FakePort, from = 0) => port.resourceWrites().filter((c) => port.calls.indexOf(c) >= from);

describe('reconcile pass (fake port)', () => {
  it('pilot-light → active converges in one pass; a second pass writes nothing', async () => {
    const { port, pass, status } = world();
    port.setMode(MODE, 'active', new Date(T0 - 5000));
    const r1 = await pass();
    expect(r1.outcome).to.equal('Converged');
    expect(exitCodeFor(r1.outcome)).to.equal(0);
    expect(port.world.replica?.isReplica).to.equal(false);
    expect(port.world.asgs.get('dr-jenkins')).to.deep.include({ minSize: 1, maxSize: 3, desiredCapacity: 1 });
    expect(port.world.asgs.get('dr-jenkins')?.mixedInstancesPolicy?.instancesDistribution.onDemandPercentageAboveBaseCapacity).to.equal(100);
    expect(port.world.services.get('dr/frontend')).to.deep.include({ desiredCount: 2 });
    expect(port.world.targetGroups.get(tgArn('jenkins'))?.targets.map((t) => t.id)).to.deep.equal(['i-00000001']);
    expect(port.world.targetGroups.get(tgArn('frontend'))?.targets).to.have.length(2);
    const s = status();
    expect(s.conditions.find((c) => c.type === 'Ready')).to.include({ status: 'True', reason: 'Converged' });
    expect(s.observedGeneration).to.equal(2);
    expect(s.timings.convergenceSeconds).to.equal(5);
    expect(s.databasePromotion).to.include({ state: 'Promoted', identifier: 'app-replica', generation: 2 });
    expect(s.resources.every((r) => r.inSync && r.ready)).to.equal(true);

    const before = port.calls.length;
    const r2 = await pass();
    expect(r2.outcome).to.equal('Converged');
    expect(writesOf(port, before)).to.deep.equal([]);
    expect(port.world.lease).to.equal(undefined);
  });

  it('promotes at most once across passes, even when a later pass sees a replica again (S1)', async () => {
    const { port, pass } = world();
    port.setMode(MODE, 'active');
    await pass();
    // Something makes the instance look like a replica again while still active: no second promotion.
    port.world.replica = { ...replica() };
    await pass();
    await pass();
    expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.have.length(1);
  });

  it('pilot-light while the DR database is the writer is refused: DR stays active, traffic stays in DR (S2, S9)', async () => {
    const { port, pass, status } = world();
    port.setMode(MODE, 'active');
    await pass();
    expect(port.lastMetric('TrafficToDr')).to.equal(1);
    port.setMode(MODE, 'pilot-light');
    const from = port.calls.length;
    const r = await pass();
    expect(r.outcome).to.equal('Converged');
    expect(port.calls.slice(from).filter((c) => c.method === 'promoteReplica')).to.deep.equal([]);
    expect(port.world.asgs.get('dr-jenkins')).to.deep.include({ desiredCapacity: 1 });
    expect(r.notes.join(' ')).to.match(/pilot-light refused: the DR database app-replica is the writer/);
    expect(status().conditions.find((c) => c.type === 'FailbackRequired')).to.include({ status: 'True', reason: 'WriterInDr' });
    expect(status().conditions.find((c) => c.type === 'TrafficInDr')).to.include({ status: 'True', reason: 'WriterInDr' });
    expect(port.lastMetric('TrafficToDr')).to.equal(1);
  });

  it('after a confirmed failback: traffic back to the primary, compute scales down, RDS untouched (S2, S9)', async () => {
    const { port, pass, status, failback } = world();
    port.setMode(MODE, 'active');
    await pass();
    await failback();
    const from = port.calls.length;
    const r = await pass();
    expect(r.outcome).to.equal('Converged');
    expect(port.calls.slice(from).filter((c) => c.method === 'promoteReplica')).to.deep.equal([]);
    expect(port.world.asgs.get('dr-jenkins')).to.deep.include({ desiredCapacity: 0 });
    expect(port.world.services.get('dr/frontend')).to.deep.include({ desiredCount: 0 });
    expect(status().conditions.find((c) => c.type === 'FailbackRequired')).to.include({ status: 'True', reason: 'DatabasePromoted' });
    expect(status().conditions.find((c) => c.type === 'TrafficInDr')).to.include({ status: 'False', reason: 'PrimaryWriter' });
    expect(status().databasePromotion).to.include({ failedBackBy: 'ops' });
    expect(port.lastMetric('TrafficToDr')).to.equal(0);
    expect(port.world.published.map((p) => p.subject)).to.include('[pilot-light] DR failback confirmed');
    // Stale targets of the terminated instances and stopped tasks are deregistered.
    expect(port.world.targetGroups.get(tgArn('jenkins'))?.targets).to.deep.equal([]);
    expect(port.world.targetGroups.get(tgArn('frontend'))?.targets).to.deep.equal([]);
  });

  it('a drill never moves traffic', async () => {
    const { port, pass, status } = world();
    await pass({ kind: 'start-drill', startedBy: 'test' });
    expect(port.lastMetric('TrafficToDr')).to.equal(0);
    expect(status().conditions.find((c) => c.type === 'TrafficInDr')).to.include({ status: 'False', reason: 'Drill' });
  });

  for (const bad of ['actve', 'Active ', '', '{"mode":"active"}', 'ACTIVE']) {
    it(`invalid mode ${JSON.stringify(bad)}: zero writes, InvalidSpec, exit 2 (S6)`, async () => {
      const { port, pass, status } = world();
      port.setMode(MODE, bad);
      const r = await pass();
      expect(r.outcome).to.equal('InvalidSpec');
      expect(exitCodeFor(r.outcome)).to.equal(2);
      expect(writesOf(port)).to.deep.equal([]);
      expect(port.calls.filter((c) => c.method === 'putModeParameter')).to.deep.equal([]);
      expect(status().conditions.find((c) => c.type === 'Degraded')).to.include({ status: 'True', reason: 'InvalidSpec' });
      expect(status().conditions.find((c) => c.type === 'Degraded')?.message).to.contain(`got: ${JSON.stringify(bad)}`);
      expect(port.world.published.map((p) => p.subject)).to.deep.equal(['[pilot-light] Invalid DR mode value']);
    });
  }

  it('a resource that keeps failing does not stop the others and shows as Degraded', async () => {
    const { port, pass, status } = world();
    port.failures.updateService = (args) =>
      (args[0] as { service: string }).service === 'frontend' ? new PortError('service frontend: access denied', { code: 'AccessDeniedException', retryable: false }) : undefined;
    port.setMode(MODE, 'active');
    const r = await pass();
    expect(r.outcome).to.equal('Degraded');
    expect(exitCodeFor(r.outcome)).to.equal(1);
    expect(port.world.services.get('dr/user-service')).to.deep.include({ desiredCount: 1 });
    expect(port.world.asgs.get('dr-monitoring')).to.deep.include({ desiredCapacity: 1 });
    const s = status();
    expect(s.conditions.find((c) => c.type === 'Degraded')).to.include({ status: 'True', reason: 'ActionsFailed' });
    const fe = s.resources.find((x) => x.resource === 'ecs/dr/frontend');
    expect(fe?.lastError).to.contain('access denied');
    expect(s.resources.find((x) => x.resource === 'ecs/dr/user-service')).to.include({ inSync: true, ready: true });
    expect(port.world.published.map((p) => p.subject)).to.include('[pilot-light] DR degraded');
  });

  it('retries throttling with backoff and succeeds within the pass', async () => {
    const { port, pass } = world();
    let throttles = 2;
    port.failures.updateAsg = () => (throttles-- > 0 ? new PortError('rate exceeded', { code: 'Throttling', retryable: true }) : undefined);
    port.setMode(MODE, 'active');
    const r = await pass();
    expect(r.outcome).to.equal('Converged');
    expect(r.results.filter((x) => x.action.kind === 'UpdateAsg').reduce((n, x) => n + x.attempts, 0)).to.equal(4);
  });

  it('a pass that cannot take the lease makes no writes', async () => {
    const { port, pass, clock } = world();
    port.world.lease = { holder: 'someone-else', expiresAt: clock.now().getTime() / 1000 + 60 };
    port.setMode(MODE, 'active');
    const r = await pass();
    expect(r.outcome).to.equal('Locked');
    expect(exitCodeFor(r.outcome)).to.equal(3);
    expect(port.calls.filter((c) => c.method !== 'acquireLease' && c.method !== 'readLease')).to.deep.equal([]);
  });

  it('an alarm pass waits briefly for a busy lease instead of dropping the failover', async () => {
    const { port, pass, clock } = world();
    port.world.lease = { holder: 'resync-pass', expiresAt: clock.now().getTime() / 1000 + 60 };
    port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
    port.world.healthChecks.set('hc-1', false);
    setTimeout(() => (port.world.lease = undefined), 50);
    const r = await pass({ kind: 'alarm' }, { leaseWaitMs: 2000 });
    expect(r.outcome).to.equal('Converged');
    expect(port.world.params.get(MODE)?.value).to.equal('active');
  });

  it('a hostile lease item (expiry in 2100) cannot hold DR hostage: it is broken and the pass acts (S11)', async () => {
    const { port, pass } = world();
    port.world.lease = { holder: 'someone', expiresAt: Date.parse('2100-01-01T00:00:00Z') / 1000 };
    port.setMode(MODE, 'active');
    const r = await pass();
    expect(r.outcome).to.equal('Converged');
    expect(port.world.lease).to.equal(undefined);
  });

  it('Locked names the holder and when its lease ends', async () => {
    const { port, pass, clock } = world();
    port.world.lease = { holder: 'drctl-ops-4242', expiresAt: clock.now().getTime() / 1000 + 60 };
    const r = await pass();
    expect(r.notes).to.deep.equal([`drctl-ops-4242 holds the lease until ${new Date(clock.now().getTime() + 60_000).toISOString()}: no changes made`]);
  });

  it('a fresh lease is not renewed before every round (no round trip), an old one is', async () => {
    const { port, pass } = world();
    port.setMode(MODE, 'active');
    await pass();
    expect(port.calls.filter((c) => c.method === 'acquireLease')).to.have.length(1);
  });

  it('a lease lost mid-pass stops the pass before its next write', async () => {
    const { port, pass, clock } = world();
    port.setMode(MODE, 'active');
    // The first round takes longer than the lease (the clock jumps during it): before the second round the pass
    // renews, and another holder has taken over.
    port.failures.updateAsg = () => {
      clock.advance(env.spec.leaseSeconds * 1000);
      return undefined;
    };
    let calls = 0;
    const real = port.acquireLease.bind(port);
    port.acquireLease = async (req) => (++calls > 1 ? false : real(req));
    port.world.tasks.clear();
    const r = await pass();
    expect(r.outcome).to.equal('Locked');
    expect(r.notes).to.include('lost the lease to another pass');
    // Only the first round's writes happened: no target registration (a second-round action).
    expect(port.resourceWrites().map((c) => c.method)).to.not.include('registerTargets');
  });

  it('effects reach AWS in the policy\'s order: a drill is recorded before its mode write (S3)', async () => {
    const { port, pass } = world();
    await pass({ kind: 'start-drill', startedBy: 'test' });
    const order = port.calls.filter((c) => c.method === 'putModeParameter' || (c.method === 'writeState' && c.args[1] === STATUS_KEY));
    expect(order[0].method).to.equal('writeState');
    expect((order[0].args[2] as DrStatus).drill?.modeVersion).to.equal(0);
    expect(order[1].method).to.equal('putModeParameter');
    expect((order[2].args[2] as DrStatus).drill?.modeVersion).to.equal(2);
  });

  it('a pass says when to look again: soon while resources progress, at a drill\'s expiry; nothing when converged', async () => {
    const { port, pass } = world();
    port.setMode(MODE, 'active');
    port.world.tasks.clear();
    const converged = await pass();
    expect(converged.outcome).to.equal('Converged');
    expect(converged.requeueAfterSeconds).to.equal(undefined);
    const drill = world();
    const r = await drill.pass({ kind: 'start-drill', durationMinutes: 5, startedBy: 'test' });
    expect(r.requeueAfterSeconds).to.equal(5 * 60 + 1);
  });

  it('the handler sends one follow-up at a time through the requeue queue', async () => {
    const port = new FakePort();
    const now = new Date(T0);
    expect(await followUp(port, TABLE, 'https://sqs.us-west-2.amazonaws.com/123456789012/dr-dr-requeue', 10, now)).to.equal(true);
    expect(await followUp(port, TABLE, 'https://sqs.us-west-2.amazonaws.com/123456789012/dr-dr-requeue', 20, now)).to.equal(false);
    expect(port.world.followUps).to.have.length(1);
    expect(port.world.followUps[0]).to.include({ delaySeconds: 10 });
    expect(JSON.parse(port.world.followUps[0].body)).to.deep.equal({ source: 'pilot-light.requeue', dueAt: new Date(T0 + 10_000).toISOString() });
  });

  describe('the spec cannot widen what the reconciler touches (S12)', () => {
    it('a foreign ASG named as the owner of a target group: refused, zero writes, InvalidSpec, notified', async () => {
      const hostile = sampleEnvironment({
        autoScalingGroups: [
          { name: 'dr-jenkins', pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 }, active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 }, targetGroupArns: [tgArn('jenkins')] },
          { name: 'prod-internal-admin', pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 }, active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 }, targetGroupArns: [tgArn('grafana')] },
        ],
      });
      const { port, pass, status } = world(hostile);
      port.world.asgs.set('prod-internal-admin', { ...structuredClone(asg('prod-internal-admin', withCapacity(1, 1, 1, 'i-admin-'))), tags: { team: 'prod' } } as never);
      port.setMode(MODE, 'active');
      const r = await pass();
      expect(r.outcome).to.equal('InvalidSpec');
      expect(exitCodeFor(r.outcome)).to.equal(2);
      expect(r.notes[0]).to.contain('asg/prod-internal-admin: auto scaling group prod-internal-admin is not part of environment "dr" (tag pilot-light:environment missing)');
      expect(port.resourceWrites()).to.deep.equal([]);
      expect(status().conditions.find((c) => c.type === 'Degraded')).to.include({ status: 'True', reason: 'InvalidSpec' });
      expect(port.world.published.map((p) => p.subject)).to.include('[pilot-light] DR spec refused: resources outside the environment');
    });

    it('the Lambda checks against the environment Terraform deployed it for, whatever metadata.name says', async () => {
      const renamed = sampleEnvironment();
      const { port } = world(renamed);
      port.setMode(MODE, 'active');
      const r = await reconcileOnce(port, { ...renamed, metadata: { name: 'dr' } }, { trigger: { kind: 'manual' }, scope: 'prod', minBackoffMs: 1 });
      expect(r.outcome).to.equal('InvalidSpec');
      expect(port.resourceWrites()).to.deep.equal([]);
    });
  });

  describe('promotion exactly once in effect (S1)', () => {
    it('a throttled PromoteReadReplica did nothing: it is re-issued and then reaches RDS once', async () => {
      const { port, pass, status } = world();
      let throttles = 1;
      port.failures.promoteReplica = () => (throttles-- > 0 ? new PortError('Rate exceeded', { code: 'Throttling', retryable: true }) : undefined);
      port.setMode(MODE, 'active');
      await pass();
      expect(port.world.replica?.isReplica).to.equal(false);
      expect(status().databasePromotion).to.include({ state: 'Promoted', attempts: 2 });
      expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.have.length(2);
    });

    it('a failed latch write sends nothing; the next pass latches and promotes', async () => {
      const { port, pass, status } = world();
      let fail = 1;
      port.failures.writeState = (args) => ((args[2] as DrStatus).databasePromotion?.state === 'Requested' && fail-- > 0 ? new PortError('throttled', { code: 'ThrottlingException', retryable: true }) : undefined);
      port.setMode(MODE, 'active');
      const r1 = await pass();
      expect(r1.outcome).to.not.equal('Converged');
      expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.have.length(0);
      await pass();
      expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.have.length(1);
      expect(status().databasePromotion?.state).to.equal('Promoted');
    });

    it('a pass killed between the latch and the call: once its lease runs out, the next pass sends it', async () => {
      const { port, pass, status, clock } = world();
      const real = port.promoteReplica.bind(port);
      // The killed pass: its call never returns, and it never releases the lease.
      port.promoteReplica = () => new Promise<void>(() => undefined);
      port.setMode(MODE, 'active');
      void pass();
      for (let i = 0; i < 100 && status()?.databasePromotion?.state !== 'Requested'; i++) await new Promise((r) => setImmediate(r));
      expect(status().databasePromotion?.state).to.equal('Requested');
      expect(port.world.replica?.isReplica).to.equal(true);
      port.promoteReplica = real;
      expect((await pass()).outcome).to.equal('Locked');
      clock.advance(env.spec.leaseSeconds * 1000 + 1);
      await pass();
      expect(port.world.replica?.isReplica).to.equal(false);
      expect(status().databasePromotion?.state).to.equal('Promoted');
    });
  });

  it('plan-only reads and never writes', async () => {
    const { port } = world();
    const p = await planOnly(port, env, 'active');
    expect(p.plan.actions.map((a) => a.kind)).to.include('PromoteReplica');
    const writes = port.calls.filter((c) => /^(put|write|acquire|release|promote|update|register|deregister|publish)/.test(c.method));
    expect(writes).to.deep.equal([]);
  });

  describe('alarm path (S5)', () => {
    it('ALARM → failover once with promotion; OK afterwards → still active', async () => {
      const { port, pass, status, clock } = world();
      port.world.alarms.set('dr-primary-health', { state: 'ALARM', reason: 'Threshold Crossed' });
      port.world.healthChecks.set('hc-1', false);
      const r = await pass({ kind: 'alarm', alarmName: 'dr-primary-health' });
      expect(r.outcome).to.equal('Converged');
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      expect(port.world.replica?.isReplica).to.equal(false);
      expect(status().modeRequest).to.include({ source: 'alarm', mode: 'active' });
      expect(port.world.published.map((p) => p.subject)).to.include.members(['[pilot-light] DR failover started', '[pilot-light] DR converged to active']);
      // A second alarm message for the same outage: no new write of the mode.
      clock.advance(60_000);
      await pass({ kind: 'alarm' });
      expect(port.calls.filter((c) => c.method === 'putModeParameter')).to.have.length(1);
      // Recovery: nothing scales down.
      port.world.alarms.set('dr-primary-health', { state: 'OK' });
      port.world.healthChecks.set('hc-1', true);
      const r3 = await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      expect(port.world.asgs.get('dr-jenkins')?.desiredCapacity).to.equal(1);
      expect(r3.notes.join(' ')).to.contain('failback is a deliberate operator step');
      expect(status().lastPass?.notes?.join(' ')).to.contain('the primary looks healthy again');
    });

    it('an alarm event whose alarm is already OK does nothing', async () => {
      const { port, pass } = world();
      const r = await pass({ kind: 'alarm', alarmName: 'dr-primary-health' });
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(writesOf(port)).to.deep.equal([]);
      expect(r.notes[0]).to.equal('alarm dr-primary-health is OK now: not failing over');
    });

    it('an ALARM that nothing else confirms (set by hand, a metric gap) does not fail over (S10)', async () => {
      const { port, pass } = world();
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      port.world.healthChecks.set('hc-1', true);
      const r = await pass({ kind: 'alarm' });
      expect(r.trigger).to.deep.equal({ kind: 'alarm-ignored', state: 'unconfirmed' });
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(writesOf(port)).to.deep.equal([]);
    });

    it('with a probe, the probe is the second source the alarm needs (S10)', async () => {
      const { port, pass } = world(probeEnv);
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      port.world.healthChecks.set('hc-1', false);
      expect((await pass({ kind: 'alarm' })).trigger.kind).to.equal('alarm-ignored');
      port.world.probe = { healthy: false, detail: 'timeout after 3 s' };
      expect((await pass({ kind: 'alarm' })).trigger).to.deep.equal({ kind: 'failover-started', source: 'alarm' });
    });

    it('automatic failovers are rate-limited', async () => {
      const { port, pass, clock, failback } = world();
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      port.world.healthChecks.set('hc-1', false);
      await pass({ kind: 'alarm' });
      await failback(); // an operator fails back after the runbook
      await pass();
      clock.advance(10 * 60_000);
      const r = await pass({ kind: 'alarm' });
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(r.notes[0]).to.match(/automatic failover suppressed/);
    });
  });

  describe('detection from independent signals (S10)', () => {
    const down = (port: FakePort) => {
      port.world.probe = { healthy: false, detail: 'timeout after 3 s' };
      port.world.healthChecks.set('hc-1', false);
    };
    it('N readings of a failing probe with Route 53 agreeing fail over; N−1 do nothing', async () => {
      const { port, pass, clock, status } = world(probeEnv);
      down(port);
      for (let i = 0; i < 2; i++) {
        await pass({ kind: 'resync' });
        clock.advance(60_000);
      }
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(writesOf(port)).to.deep.equal([]);
      expect(status().failover?.lastSignals).to.include({ probe: 'failed (timeout after 3 s)', route53: 'unhealthy', alarm: 'OK' });
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      expect(port.world.replica?.isReplica).to.equal(false);
    });

    it('a healthy probe resets the count', async () => {
      const { port, pass, clock, status } = world(probeEnv);
      const resync = async () => {
        await pass({ kind: 'resync' });
        clock.advance(60_000);
      };
      down(port);
      await resync();
      await resync();
      expect(status().failover?.probeFailures).to.equal(2);
      port.world.probe = { healthy: true, detail: 'HTTP 200' };
      await resync();
      expect(status().failover?.probeFailures).to.equal(0);
      down(port);
      await resync();
      await resync();
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
    });

    it('readings closer together than a minute count once (passes are not time)', async () => {
      const { port, pass, status } = world(probeEnv);
      down(port);
      for (let i = 0; i < 5; i++) await pass({ kind: 'resync' });
      expect(status().failover?.probeFailures).to.equal(1);
      expect(port.calls.filter((c) => c.method === 'probe')).to.have.length(1);
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
    });

    it('the primary in us-east-1 and down: Route 53 and CloudWatch unreachable, the probe alone fails over after the longer run', async () => {
      const { port, pass, clock } = world(probeEnv);
      port.world.probe = { healthy: false, detail: 'connect ECONNREFUSED' };
      port.failures.getHealthCheckHealthy = () => new PortError('connect ETIMEDOUT', { code: 'ETIMEDOUT', retryable: true });
      port.failures.getAlarmState = () => new PortError('connect ETIMEDOUT', { code: 'ETIMEDOUT', retryable: true });
      for (let i = 0; i < 4; i++) {
        await pass({ kind: 'resync' });
        clock.advance(60_000);
      }
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
    });

    it('a DR → primary partition only (Route 53 and the alarm healthy): never fails over', async () => {
      const { port, pass, clock, status } = world(probeEnv);
      port.world.probe = { healthy: false, detail: 'timeout after 3 s' };
      for (let i = 0; i < 12; i++) {
        await pass({ kind: 'resync' });
        clock.advance(60_000);
      }
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(status().failover?.lastSignals?.decision).to.match(/^no failover yet: the probe failed 12 readings/);
    });

    it('without a probe, Route 53 alone is one source: it needs the alarm to agree', async () => {
      const { port, pass, clock } = world();
      port.world.healthChecks.set('hc-1', false);
      for (let i = 0; i < 4; i++) {
        await pass({ kind: 'resync' });
        clock.advance(60_000);
      }
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
    });

    it('no reading yet (a new health check) counts for nothing', async () => {
      const { port, pass, status } = world();
      port.getHealthCheckHealthy = async () => undefined;
      await pass({ kind: 'resync' });
      expect(status().failover?.consecutiveUnhealthy).to.equal(0);
      expect(status().failover?.lastSignals?.route53).to.equal('no readings');
    });
  });

  describe('drills (S3, S4)', () => {
    const startDrill: Trigger = { kind: 'start-drill', durationMinutes: 60, startedBy: 'schedule' };

    it('start → active without promotion → expiry → back to pilot-light, outcome Passed', async () => {
      const { port, pass, status, clock } = world();
      const r = await pass(startDrill);
      expect(r.outcome).to.equal('Converged');
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.deep.equal([]);
      expect(port.world.asgs.get('dr-jenkins')?.desiredCapacity).to.equal(1);
      expect(status().drill).to.include({ durationMinutes: 60, startedBy: 'schedule' });
      expect(status().drill?.replicaCheck?.ok).to.equal(true);
      clock.advance(30 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      clock.advance(31 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(port.world.asgs.get('dr-jenkins')?.desiredCapacity).to.equal(0);
      expect(port.world.replica?.isReplica).to.equal(true);
      const s = status();
      expect(s.drill).to.equal(undefined);
      expect(s.drillHistory[0]).to.include({ outcome: 'Passed' });
      expect(s.drillHistory[0].convergenceSeconds).to.be.a('number');
      expect(port.world.published.map((p) => p.subject)).to.include.members(['[pilot-light] DR drill started', '[pilot-light] DR drill passed']);
    });

    it('superseded by an operator write: stays active at expiry', async () => {
      const { port, pass, status, clock } = world();
      await pass(startDrill);
      port.setMode(MODE, 'active'); // an operator decides to stay active
      await pass({ kind: 'parameter-change' });
      expect(status().drillHistory[0]).to.include({ outcome: 'Superseded' });
      clock.advance(61 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      // The operator's active is a real failover: the database is promoted.
      expect(port.world.replica?.isReplica).to.equal(false);
    });

    it('superseded by a real alarm: stays active, becomes a real failover', async () => {
      const { port, pass, status, clock } = world();
      await pass(startDrill);
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      port.world.healthChecks.set('hc-1', false);
      await pass({ kind: 'alarm' });
      expect(status().drillHistory[0]).to.include({ outcome: 'Superseded' });
      expect(port.world.replica?.isReplica).to.equal(false);
      clock.advance(61 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
    });

    it('an alarm in ALARM at expiry keeps DR active (S4)', async () => {
      const { port, pass, status, clock } = world();
      await pass(startDrill);
      port.world.alarms.set('dr-primary-health', { state: 'ALARM' });
      clock.advance(61 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('active');
      expect(status().drillHistory[0]).to.include({ outcome: 'Superseded' });
    });

    it('a drill is refused while a promotion is latched: nothing is written at all, not even status', async () => {
      const { port, pass } = world();
      port.setMode(MODE, 'active');
      await pass();
      const from = port.calls.length;
      const r = await pass(startDrill);
      expect(r.outcome).to.equal('Refused');
      expect(r.trigger).to.deep.include({ kind: 'drill-refused' });
      expect(r.notes[0]).to.match(/drill not started: a promotion of app-replica is latched/);
      const writes = port.calls.slice(from).filter((c) => ['putModeParameter', 'writeState', 'publish', ...RESOURCE_WRITES].includes(c.method));
      expect(writes).to.deep.equal([]);
    });

    it('a second drill is refused while one runs', async () => {
      const { port, pass } = world();
      await pass(startDrill);
      const r = await pass(startDrill);
      expect(r.outcome).to.equal('Refused');
      expect(r.notes[0]).to.match(/drill not started: DR is already active \(drill drill-\d+T\d+ running\)/);
      expect(port.calls.filter((c) => c.method === 'putModeParameter')).to.have.length(1);
    });

    it('a lagging replica fails the drill, which still reverts', async () => {
      const { port, pass, status, clock } = world();
      port.world.replica = { ...replica(), replicaLagSeconds: 3600 };
      await pass(startDrill);
      clock.advance(61 * 60_000);
      await pass({ kind: 'resync' });
      expect(port.world.params.get(MODE)?.value).to.equal('pilot-light');
      expect(status().drillHistory[0].outcome).to.equal('Failed');
      expect(status().drillHistory[0].outcomeReason).to.contain('replica lag 3600s exceeds 300s');
    });
  });

  it("an operator's failover and failback are announced", async () => {
    const { port, pass } = world();
    await pass();
    port.setMode(MODE, 'active');
    await port.writeState(TABLE, MODE_REQUEST_KEY, { mode: 'active', source: 'operator', by: 'alice', reason: 'INC-1', at: 'x', modeVersion: 2 });
    await pass({ kind: 'parameter-change' });
    port.setMode(MODE, 'pilot-light');
    await pass({ kind: 'parameter-change' });
    const subjects = port.world.published.map((p) => p.subject);
    expect(subjects).to.include.members(['[pilot-light] DR failover started', '[pilot-light] DR returning to pilot light']);
    expect(port.world.published.find((p) => p.subject.endsWith('failover started'))?.message).to.contain('operator (alice): INC-1');
  });

  it('a promotion whose outcome was unknown is latched Promoted once the instance shows it, so failback can clear it', async () => {
    const { port, pass, status, failback } = world();
    port.failures.promoteReplica = () => {
      // The request times out, but RDS did start the promotion.
      port.world.replica!.isReplica = false;
      return new PortError('timeout', { code: 'TimeoutError', retryable: true });
    };
    port.setMode(MODE, 'active');
    await pass();
    expect(status().databasePromotion?.state).to.equal('Promoted');
    expect(port.calls.filter((c) => c.method === 'promoteReplica')).to.have.length(1);
    // Failback runbook: confirmed, back to pilot light, replica re-created → the latch clears.
    await failback();
    await pass();
    port.world.replica = { ...replica() };
    await pass();
    expect(status().databasePromotion).to.equal(undefined);
    expect(status().conditions.find((c) => c.type === 'FailbackRequired')?.status).to.equal('False');
  });

  it('records who requested the mode', async () => {
    const { port, pass, status } = world();
    port.setMode(MODE, 'active');
    await port.writeState(TABLE, MODE_REQUEST_KEY, { mode: 'active', source: 'operator', reason: 'planned test', at: 'x', modeVersion: 2 });
    await pass();
    expect(status().modeRequest).to.include({ source: 'operator', reason: 'planned test' });
  });
});
