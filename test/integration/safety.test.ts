/**
 * Safety rules S1–S5 on the emulator, through the real Lambda handler where a trigger is an event.
 *
 * moto evaluates no alarms from metrics, so alarms are moved with SetAlarmState (as the demo does). moto's
 * Route 53 health checks are always healthy, so the unhealthy readings of the backstop test come from the
 * recording proxy answering GetHealthCheckStatus with a canned failure report — said here, as FACTS.md asks.
 * The primary's endpoint is a local HTTP server (probe-server.ts) answering 200, 503 or never, probed over real
 * HTTP by the reconciler (S10). moto never evaluates the traffic gate's alarm either: the gate is asserted on the
 * metric the reconciler puts (PutMetricData, as the proxy sees it), which is what the alarm and Route 53 follow.
 * Drill expiry moves the pass's clock instead of waiting an hour.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { main as drctl } from '../../reconciler/cli';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsPort } from '../../reconciler/aws';
import { handler } from '../../reconciler/handler';
import type { AwsPort } from '../../reconciler/port';
import { reconcileOnce, type Trigger } from '../../reconciler/reconcile';
import type { DrEnvironment } from '../../reconciler/spec';
import { STATUS_KEY, type DrStatus } from '../../reconciler/status';
import { getEmulator } from '../support/emulator';
import { startProxiedEmulator, type ProxiedEmulator } from '../support/harness';
import { formField, type Proxy } from '../support/proxy';
import type { ProbeServer } from '../support/probe-server';
import { SEED, seedPilotLight } from '../support/seed';
import { writeMode } from '../../reconciler/mode';

const SPEC_PARAMETER = '/dr/spec';

/** What Route 53 says when the primary fails its checks (moto cannot say it). */
function unhealthyReport(): string {
  const obs = ['us-east-1', 'us-west-1', 'eu-west-1']
    .map(
      (r) =>
        `<HealthCheckObservation><Region>${r}</Region><IPAddress>192.0.2.1</IPAddress><StatusReport><Status>Failure: HTTP Status Code 503, Service Unavailable</Status><CheckedTime>2026-11-21T03:00:00Z</CheckedTime></StatusReport></HealthCheckObservation>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><GetHealthCheckStatusResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HealthCheckObservations>${obs}</HealthCheckObservations></GetHealthCheckStatusResponse>`;
}

describe('safety rules on the emulator', function () {
  this.timeout(120_000);
  let proxy: Proxy;
  let endpoint: string;
  let env: DrEnvironment;
  let port: AwsPort;
  let primary: ProbeServer;
  let seeded: Awaited<ReturnType<typeof seedPilotLight>>;
  /** The value of a metric in the last PutMetricData the reconciler made (the traffic gate reads TrafficToDr). */
  const lastMetric = (name: string) => {
    // CloudWatch speaks JSON here (x-amz-target GraniteServiceVersion20100801.PutMetricData).
    for (const c of [...proxy.calls].reverse().filter((x) => x.action === 'PutMetricData')) {
      const found = (JSON.parse(c.body) as { MetricData: Array<{ MetricName: string; Value: number }> }).MetricData.find((m) => m.MetricName === name);
      if (found) return found.Value;
    }
    return undefined;
  };

  const snsAlarm = () => ({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ AlarmName: SEED.alarmName, NewStateValue: 'ALARM' }) } }] });
  const setAlarm = (state: 'OK' | 'ALARM') =>
    new CloudWatchClient({ region: SEED.primaryRegion }).send(new SetAlarmStateCommand({ AlarmName: SEED.alarmName, StateValue: state, StateReason: `test: ${state}` }));
  const mode = async () => (await port.getModeParameter(env.spec.modeParameter))?.value;
  const status = async () => (await port.readState<DrStatus>(env.spec.stateTable, STATUS_KEY))!;
  const promotions = () => proxy.calls.filter((c) => c.action === 'PromoteReadReplica').length;
  const subjects = () => proxy.calls.filter((c) => c.action === 'Publish').map((c) => formField(c.body, 'Subject'));
  const pass = (trigger: Trigger, now?: () => Date) => reconcileOnce(port, env, { trigger, now, minBackoffMs: 5 });

  let harness: ProxiedEmulator | undefined;
  before(async () => {
    harness = await startProxiedEmulator();
    ({ endpoint, proxy, primary } = harness);
  });
  after(() => harness?.close());
  beforeEach(async () => {
    await (await getEmulator()).reset();
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    primary.set('healthy');
    seeded = await seedPilotLight({ probeUrl: primary.url });
    env = seeded.spec;
    port = createAwsPort({ region: env.spec.region, maxAttempts: 2, retryBaseDelayMs: 5 });
    await new SSMClient({ region: env.spec.region }).send(new PutParameterCommand({ Name: SPEC_PARAMETER, Value: JSON.stringify(env), Type: 'String', Overwrite: true }));
    process.env.DR_SPEC_PARAMETER = SPEC_PARAMETER;
    process.env.AWS_REGION = env.spec.region;
    await setAlarm('OK');
    await pass({ kind: 'manual' });
    proxy.clear();
    proxy.faults.length = 0;
  });

  it('S5: alarm ALARM, probe failing → the handler fails over once, with promotion; alarm OK afterwards → still active', async () => {
    await setAlarm('ALARM');
    primary.set('unhealthy');
    const r = await handler(snsAlarm());
    expect(r.outcome).to.equal('Converged');
    expect(await mode()).to.equal('active');
    expect(promotions()).to.equal(1);
    expect((await status()).modeRequest).to.include({ source: 'alarm' });
    expect(subjects()).to.include.members(['[pilot-light] DR failover started', '[pilot-light] DR converged to active']);
    // The same alarm notifies again (SNS may redeliver): no second failover, no second promotion.
    await handler(snsAlarm());
    expect(proxy.calls.filter((c) => c.action === 'PutParameter')).to.have.length(1);
    expect(promotions()).to.equal(1);
    // Recovery: nothing fails back by itself.
    await setAlarm('OK');
    primary.set('healthy');
    const later = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' } as never);
    expect(later.notes.join(' ')).to.contain('failback is a deliberate operator step');
    expect(await mode()).to.equal('active');
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(1);
  });

  it('S5: an alarm event whose alarm is already OK does nothing', async () => {
    const r = await handler(snsAlarm());
    expect(r.notes).to.deep.equal([`alarm ${SEED.alarmName} is OK now: not failing over`]);
    expect(await mode()).to.equal('pilot-light');
    expect(proxy.resourceWrites()).to.deep.equal([]);
  });

  it('S10: an ALARM set by hand while the primary answers 200 does not fail over', async () => {
    await setAlarm('ALARM');
    const r = await handler(snsAlarm());
    expect(r.trigger).to.deep.equal({ kind: 'alarm-ignored', state: 'unconfirmed' });
    expect(await mode()).to.equal('pilot-light');
    expect(proxy.resourceWrites()).to.deep.equal([]);
  });

  it('S10: a hanging primary with Route 53 healthy (a DR → primary partition) never fails over', async () => {
    primary.set('hang');
    let clock = Date.now();
    for (let i = 0; i < env.spec.failover.unhealthyReadings + 2; i++) {
      const t = (clock += 60_000);
      await pass({ kind: 'resync' }, () => new Date(t));
    }
    expect(await mode()).to.equal('pilot-light');
    expect((await status()).failover?.lastSignals).to.include({ probe: 'failed (timeout after 1 s)', route53: 'healthy', alarm: 'OK' });
  });

  it('S10: primary in us-east-1 and down — Route 53 and CloudWatch unreachable (5xx and refused), the probe alone fails over after its longer run', async () => {
    primary.set('unhealthy');
    proxy.faults.push({ match: (c) => /\/healthcheck\/[^/]+\/status$/.test(c.action), status: 503, code: 'ServiceUnavailable', message: 'us-east-1 is down' });
    proxy.faults.push({ match: (c) => c.action === 'DescribeAlarms', reset: true });
    const m = env.spec.failover.probeOnlyReadings;
    let clock = Date.now();
    const resync = () => {
      const t = (clock += 60_000);
      return pass({ kind: 'resync' }, () => new Date(t));
    };
    for (let i = 1; i < m; i++) await resync();
    expect(await mode()).to.equal('pilot-light');
    expect((await status()).failover?.lastSignals).to.include({ route53: 'unreachable', alarm: 'unreachable' });
    await resync();
    expect(await mode()).to.equal('active');
    expect(promotions()).to.equal(1);
  });

  it('backstop: N readings of a failing probe with Route 53 unhealthy fail over, N−1 do nothing (unhealthy status from the proxy)', async () => {
    const n = env.spec.failover.unhealthyReadings;
    primary.set('unhealthy');
    proxy.faults.push({ match: (c) => /\/healthcheck\/[^/]+\/status$/.test(c.action), status: 200, body: unhealthyReport() });
    // Readings count once a minute at most ("consecutive" is over time): the resync passes run on a clock
    // that moves a minute each.
    let clock = Date.now();
    const resync = () => {
      const t = (clock += 60_000);
      return pass({ kind: 'resync' }, () => new Date(t));
    };
    for (let i = 1; i < n; i++) await resync();
    expect(await mode()).to.equal('pilot-light');
    expect(proxy.resourceWrites()).to.deep.equal([]);
    expect((await status()).failover?.consecutiveUnhealthy).to.equal(n - 1);
    // Passes in quick succession (drctl watch, retries) add no readings.
    await pass({ kind: 'resync' }, () => new Date(clock + 1000));
    expect((await status()).failover?.consecutiveUnhealthy).to.equal(n - 1);
    await resync();
    expect(await mode()).to.equal('active');
    expect((await status()).modeRequest).to.include({ source: 'health-check' });
    expect(promotions()).to.equal(1);
  });

  it('S3/S4: drill start (the monthly rule input) → active without promotion → expiry → back to pilot-light, Passed', async () => {
    const r = await handler({ source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 } as never);
    expect(r.outcome).to.equal('Converged');
    expect(await mode()).to.equal('active');
    const running = await status();
    expect(running.drill).to.include({ durationMinutes: 60, startedBy: 'schedule' });
    expect(running.drill?.replicaCheck?.ok).to.equal(true);
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(1);
    const expiry = Date.parse(running.drill!.expiresAt) + 1000;
    await pass({ kind: 'resync' }, () => new Date(expiry));
    expect(await mode()).to.equal('pilot-light');
    const after = await status();
    expect(after.drill).to.equal(undefined);
    expect(after.drillHistory[0]).to.include({ outcome: 'Passed' });
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(0);
    expect((await port.describeReplica(SEED.replicaIdentifier)).isReplica).to.equal(true);
    expect(promotions()).to.equal(0);
    expect(subjects()).to.include.members(['[pilot-light] DR drill started', '[pilot-light] DR drill passed']);
  });

  it('S4: a drill superseded by an operator write stays active at expiry', async () => {
    await handler({ source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 } as never);
    const expiry = Date.parse((await status()).drill!.expiresAt) + 1000;
    await port.putModeParameter(env.spec.modeParameter, 'active');
    await handler({ source: 'aws.ssm', 'detail-type': 'Parameter Store Change' } as never);
    await pass({ kind: 'resync' }, () => new Date(expiry));
    expect(await mode()).to.equal('active');
    expect((await status()).drillHistory[0]).to.include({ outcome: 'Superseded' });
  });

  it('S4: a drill superseded by a real alarm stays active and becomes a real failover', async () => {
    await handler({ source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 } as never);
    const expiry = Date.parse((await status()).drill!.expiresAt) + 1000;
    await setAlarm('ALARM');
    await handler(snsAlarm());
    await pass({ kind: 'resync' }, () => new Date(expiry));
    expect(await mode()).to.equal('active');
    expect((await status()).drillHistory[0]).to.include({ outcome: 'Superseded' });
    expect(promotions()).to.equal(1);
  });

  it('S2/S9: after a real failover the gate says DR; pilot-light is refused while DR is the writer; failback complete closes it', async () => {
    await port.putModeParameter(env.spec.modeParameter, 'active');
    await pass({ kind: 'parameter-change' });
    expect(lastMetric('TrafficToDr')).to.equal(1);
    // Pilot light set by hand (the console): refused by the pass, DR stays up, the gate still says DR.
    await port.putModeParameter(env.spec.modeParameter, 'pilot-light');
    const refused = await pass({ kind: 'parameter-change' });
    expect(refused.status?.conditions.find((c) => c.type === 'FailbackRequired')).to.include({ status: 'True', reason: 'WriterInDr' });
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(1);
    expect(lastMetric('TrafficToDr')).to.equal(1);
    // The runbook done: failback confirmed → the gate closes, compute scales down, RDS is never written.
    await writeMode(port, env.spec, 'pilot-light', { source: 'failback', reason: 'runbook done', by: 'test' }, new Date());
    proxy.clear();
    const r = await pass({ kind: 'parameter-change' });
    expect(r.outcome).to.equal('Converged');
    const rdsWrites = proxy.calls.filter((c) => /^(Promote|Create|Delete|Modify|Reboot)DB|ReadReplica/.test(c.action));
    expect(rdsWrites).to.deep.equal([]);
    expect(r.status?.conditions.find((c) => c.type === 'FailbackRequired')).to.include({ status: 'True', reason: 'DatabasePromoted' });
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(0);
    expect(lastMetric('TrafficToDr')).to.equal(0);
  });

  it('S12: a spec naming a foreign ASG as the owner of a target group is refused by the handler and by drctl: exit 2, zero writes', async () => {
    // Another team's group in the same account, not tagged for this environment (moto stores and returns tags).
    await new AutoScalingClient({ region: env.spec.region }).send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'prod-internal-admin',
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        VPCZoneIdentifier: seeded.subnetIds.join(','),
        LaunchTemplate: { LaunchTemplateName: SEED.launchTemplateName, Version: '$Latest' },
        Tags: [{ Key: 'team', Value: 'prod', ResourceId: 'prod-internal-admin', ResourceType: 'auto-scaling-group', PropagateAtLaunch: false }],
      }),
    );
    const hostile = structuredClone(env) as { spec: { autoScalingGroups: Array<{ name: string; targetGroupArns: string[] }> } } & DrEnvironment;
    const grafana = seeded.targetGroupArns.grafana;
    for (const g of hostile.spec.autoScalingGroups) g.targetGroupArns = g.targetGroupArns.filter((a) => a !== grafana);
    hostile.spec.autoScalingGroups.push({ ...structuredClone(hostile.spec.autoScalingGroups[0]), name: 'prod-internal-admin', targetGroupArns: [grafana] });
    await new SSMClient({ region: env.spec.region }).send(new PutParameterCommand({ Name: SPEC_PARAMETER, Value: JSON.stringify(hostile), Type: 'String', Overwrite: true }));
    await port.putModeParameter(env.spec.modeParameter, 'active');
    proxy.clear();
    const r = await handler({});
    expect(r.outcome).to.equal('InvalidSpec');
    expect(r.notes.join(' ')).to.contain('asg/prod-internal-admin: auto scaling group prod-internal-admin is not part of environment "dr"');
    expect(proxy.resourceWrites()).to.deep.equal([]);
    expect(subjects()).to.include('[pilot-light] DR spec refused: resources outside the environment');
    const specFile = join(mkdtempSync(join(tmpdir(), 'hostile-')), 'dr.json');
    writeFileSync(specFile, JSON.stringify(hostile));
    const out: string[] = [];
    const code = await drctl(['reconcile', '--spec', specFile, '--yes'], { out: (t) => out.push(t), err: (t) => out.push(t), tty: false, env: { ...process.env, NO_COLOR: '1' }, port: (region) => createAwsPort({ region, maxAttempts: 2, retryBaseDelayMs: 5 }), sleep: async () => undefined });
    expect(code, out.join('\n')).to.equal(2);
    expect(proxy.resourceWrites()).to.deep.equal([]);
  });

  it('S9: when the primary answers again after a promotion, it is said once, and with the opt-in fence the old primary is stopped', async () => {
    const fenced: DrEnvironment = { ...env, spec: { ...env.spec, database: { replicaIdentifier: env.spec.database!.replicaIdentifier, primaryArn: seeded.primaryArn, fenceOldPrimary: true } } };
    const at = (t: number) => () => new Date(t);
    let clock = Date.now();
    await setAlarm('ALARM');
    primary.set('unhealthy');
    await reconcileOnce(port, fenced, { trigger: { kind: 'alarm' }, now: at(clock), minBackoffMs: 5 });
    expect(promotions()).to.equal(1);
    // The primary region is back: the next periodic reading sees it.
    await setAlarm('OK');
    primary.set('healthy');
    proxy.clear();
    await reconcileOnce(port, fenced, { trigger: { kind: 'resync' }, now: at((clock += 60_000)), minBackoffMs: 5 });
    expect(subjects()).to.include('[pilot-light] DR: the old primary answers again');
    expect(proxy.calls.filter((c) => c.action === 'StopDBInstance')).to.have.length(1);
    const old = await new RDSClient({ region: SEED.primaryRegion }).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-primary' }));
    expect(old.DBInstances?.[0].DBInstanceStatus).to.equal('stopped');
    // Said and done once.
    proxy.clear();
    await reconcileOnce(port, fenced, { trigger: { kind: 'resync' }, now: at((clock += 60_000)), minBackoffMs: 5 });
    expect(proxy.calls.filter((c) => c.action === 'StopDBInstance')).to.have.length(0);
    expect((await status()).databasePromotion?.primaryAnsweredAt).to.be.a('string');
  });

  it('S9: a drill never moves the traffic gate', async () => {
    await handler({ source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 } as never);
    expect(await mode()).to.equal('active');
    expect(lastMetric('TrafficToDr')).to.equal(0);
    expect(lastMetric('Heartbeat')).to.equal(1);
  });
});
