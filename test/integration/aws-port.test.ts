/**
 * reconciler/aws.ts against the emulator (moto 5.2.1 through test/support/moto_launcher.py), real SDK clients.
 *
 * One reset + seed for the file: the read tests come first and see the seeded pilot-light state; each write
 * test then changes only the resources it asserts on. Retry classification runs against a local fault server.
 */
import { expect } from 'chai';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsPort, retryDelayMs, toPortError } from '../../reconciler/aws';
import { PortError } from '../../reconciler/errors';
import type { AwsPort } from '../../reconciler/port';
import { getEmulator, type Emulator } from '../support/emulator';
import { SEED, seedPilotLight, type SeededEnvironment } from '../support/seed';

/** Twelve services: more than one DescribeServices call can take (10). */
const TWELVE_SERVICES = [
  'frontend',
  'notification-service',
  'user-service',
  'task-api',
  'kafka',
  ...Array.from({ length: 7 }, (_, i) => `extra-${i + 1}`),
];
const MISSING_TG_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/ghost/0123456789abcdef';

/** Expects `run` to reject with a PortError and returns it. */
async function portError(run: () => Promise<unknown>): Promise<PortError> {
  try {
    await run();
  } catch (err) {
    expect(err).to.be.instanceOf(PortError);
    return err as PortError;
  }
  throw new Error('expected a PortError, got: success');
}

describe('aws port against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let seeded: SeededEnvironment;
  let port: AwsPort;

  before(async function () {
    emulator = await getEmulator();
    await emulator.reset();
    seeded = await seedPilotLight({ services: TWELVE_SERVICES });
    // Seed time is part of the report: integration runs must stay fast.
    console.log(`      seed: ${seeded.durationMs} ms`);
    port = createAwsPort({ region: SEED.region, maxAttempts: 2, retryBaseDelayMs: 5 });
  });

  describe('reads', () => {
    it('reads the mode parameter with its version, and a missing one as undefined', async () => {
      const mode = await port.getModeParameter(SEED.modeParameter);
      expect(mode).to.include({ value: 'pilot-light', version: 1 });
      expect(mode!.lastModified).to.be.instanceOf(Date);
      expect(await port.getModeParameter('/dr/no-such-parameter')).to.equal(undefined);
      expect(await port.getParameterValue(SEED.modeParameter)).to.equal('pilot-light');
      expect(await port.getParameterValue('/dr/no-such-parameter')).to.equal(undefined);
    });

    it('describes the replica with its source and lag, and a missing instance as not existing', async () => {
      const replica = await port.describeReplica(SEED.replicaIdentifier);
      expect(replica).to.deep.equal({
        identifier: SEED.replicaIdentifier,
        exists: true,
        status: 'available',
        isReplica: true,
        sourceIdentifier: seeded.primaryArn,
        replicaLagSeconds: SEED.replicaLagSeconds,
        // As Terraform tags it (the scope check, S12).
        tags: { 'pilot-light:environment': 'dr' },
      });
      expect(await port.describeReplica('ghost-db')).to.deep.equal({ identifier: 'ghost-db', exists: false, isReplica: false });
    });

    it('describes ASGs in the order asked, with the whole mixed instances policy, missing ones as not existing', async () => {
      const [monitoring, ghost, jenkins] = await port.describeAsgs(['dr-monitoring', 'ghost-asg', 'dr-jenkins']);
      expect(ghost).to.deep.equal({ name: 'ghost-asg', exists: false, instances: [] });
      expect(monitoring.name).to.equal('dr-monitoring');
      expect(jenkins).to.deep.include({ name: 'dr-jenkins', exists: true, minSize: 0, maxSize: 1, desiredCapacity: 0, instances: [] });
      const policy = jenkins.mixedInstancesPolicy!;
      expect(policy.launchTemplate.launchTemplateSpecification).to.include({ launchTemplateName: SEED.launchTemplateName, version: '$Latest' });
      expect(policy.launchTemplate.launchTemplateSpecification.launchTemplateId).to.match(/^lt-/);
      expect(policy.launchTemplate.overrides).to.deep.equal([
        { instanceType: 't3.medium' },
        { instanceType: 't3a.medium' },
      ]);
      expect(policy.instancesDistribution).to.deep.equal({
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 0,
        spotAllocationStrategy: 'capacity-optimized',
      });
      expect(await port.describeAsgs([])).to.deep.equal([]);
    });

    it('describes 12 services in order (two DescribeServices calls: the emulator refuses more than 10)', async () => {
      const names = [...TWELVE_SERVICES].reverse();
      const observed = await port.describeServices(SEED.cluster, [...names.slice(0, 6), 'ghost-service', ...names.slice(6)]);
      expect(observed.map((s) => s.name)).to.deep.equal([...names.slice(0, 6), 'ghost-service', ...names.slice(6)]);
      expect(observed[6]).to.deep.equal({ cluster: SEED.cluster, name: 'ghost-service', exists: false, capacityProviderStrategy: [] });
      for (const s of observed.filter((o) => o.name !== 'ghost-service')) {
        expect(s, s.name).to.deep.include({ exists: true, status: 'ACTIVE', desiredCount: 0, runningCount: 0 });
        expect(s.capacityProviderStrategy, s.name).to.deep.equal([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
      }
    });

    it('describes a target group and its targets, and a missing one as not existing', async () => {
      const tg = (await port.describeTargetGroups([seeded.targetGroupArns.frontend]))[0];
      expect(tg).to.deep.equal({ arn: seeded.targetGroupArns.frontend, exists: true, targets: [] });
      const jenkins = (await port.describeTargetGroups([seeded.targetGroupArns.jenkins]))[0];
      expect(jenkins).to.include({ exists: true });
      expect((await port.describeTargetGroups([MISSING_TG_ARN]))[0]).to.deep.equal({ arn: MISSING_TG_ARN, exists: false, targets: [] });
    });

    it('describes many target groups in one batch, in order, a missing one among them', async () => {
      const arns = [seeded.targetGroupArns.jenkins, MISSING_TG_ARN, seeded.targetGroupArns.frontend, seeded.targetGroupArns.grafana];
      const observed = await port.describeTargetGroups(arns);
      expect(observed.map((o) => [o.arn, o.exists])).to.deep.equal(arns.map((a) => [a, a !== MISSING_TG_ARN]));
      expect(await port.describeTargetGroups([])).to.deep.equal([]);
    });

    it('lists no tasks for a service at desired 0 or a missing service', async () => {
      expect(await port.listServiceTasks(SEED.cluster, 'frontend')).to.deep.equal([]);
      expect(await port.listServiceTasks(SEED.cluster, 'ghost-service')).to.deep.equal([]);
      expect(await port.listServiceTasks('ghost-cluster', 'frontend')).to.deep.equal([]);
    });

    it('reads the alarm state in its own region, undefined when absent', async () => {
      const alarm = await port.getAlarmState(SEED.primaryRegion, SEED.alarmName);
      expect(alarm?.state).to.be.oneOf(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
      expect(await port.getAlarmState(SEED.primaryRegion, 'no-such-alarm')).to.equal(undefined);
      // The alarm lives in us-east-1 only: asking the DR region must not find it.
      expect(await port.getAlarmState(SEED.region, SEED.alarmName)).to.equal(undefined);
    });

    it('reads the Route 53 health check (the emulator always reports it healthy)', async () => {
      expect(await port.getHealthCheckHealthy(seeded.healthCheckId)).to.equal(true);
      const err = await portError(() => port.getHealthCheckHealthy('00000000-0000-0000-0000-000000000000'));
      expect(err.code).to.equal('NoSuchHealthCheck');
      expect(err.retryable).to.equal(false);
    });

    it('publishes to the topic, and fails terminally on a missing one', async () => {
      await port.publish(seeded.topicArn, 'x'.repeat(150), 'body');
      const err = await portError(() => port.publish(`${seeded.topicArn}-ghost`, 'subject', 'body'));
      expect(err.code).to.equal('NotFoundException');
      expect(err.retryable).to.equal(false);
      expect(err.message).to.contain('sns Publish');
    });
  });

  describe('writes', () => {
    it('overwrites the mode parameter and returns the new version', async () => {
      expect(await port.putModeParameter(SEED.modeParameter, 'active')).to.equal(2);
      expect(await port.getModeParameter(SEED.modeParameter)).to.include({ value: 'active', version: 2 });
    });

    it('updateAsg sends the whole policy: capacity and distribution change, launch template and overrides stay', async () => {
      const [before] = await port.describeAsgs(['dr-jenkins']);
      const policy = before.mixedInstancesPolicy!;
      await port.updateAsg({
        name: 'dr-jenkins',
        minSize: 1,
        maxSize: 3,
        desiredCapacity: 1,
        mixedInstancesPolicy: { ...policy, instancesDistribution: { ...policy.instancesDistribution, onDemandPercentageAboveBaseCapacity: 100 } },
      });
      const [after] = await port.describeAsgs(['dr-jenkins']);
      expect(after).to.deep.include({ minSize: 1, maxSize: 3, desiredCapacity: 1 });
      expect(after.mixedInstancesPolicy!.launchTemplate).to.deep.equal(policy.launchTemplate);
      expect(after.mixedInstancesPolicy!.instancesDistribution).to.deep.equal({ ...policy.instancesDistribution, onDemandPercentageAboveBaseCapacity: 100 });
      expect(after.instances).to.have.length(1);
      expect(after.instances[0]).to.include({ lifecycleState: 'InService', healthStatus: 'Healthy' });

      // Without a policy the group keeps the one it has (AWS; moto drops it without the launcher's fix).
      await port.updateAsg({ name: 'dr-jenkins', minSize: 1, maxSize: 2, desiredCapacity: 1 });
      const [kept] = await port.describeAsgs(['dr-jenkins']);
      expect(kept.maxSize).to.equal(2);
      expect(kept.mixedInstancesPolicy).to.deep.equal(after.mixedInstancesPolicy);
    });

    it('updateAsg with min > max fails terminally and changes nothing', async () => {
      const err = await portError(() => port.updateAsg({ name: 'dr-monitoring', minSize: 3, maxSize: 1, desiredCapacity: 1 }));
      expect(err).to.include({ code: 'ValidationError', retryable: false });
      expect(err.message).to.contain('dr-monitoring');
      const [monitoring] = await port.describeAsgs(['dr-monitoring']);
      expect(monitoring).to.deep.include({ minSize: 0, maxSize: 1, desiredCapacity: 0 });
    });

    it('updateService changes desired count and capacity provider strategy, and the service runs tasks', async () => {
      await port.updateService({
        cluster: SEED.cluster,
        service: 'frontend',
        desiredCount: 2,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        forceNewDeployment: true,
      });
      const [frontend] = await port.describeServices(SEED.cluster, ['frontend']);
      expect(frontend).to.deep.include({ exists: true, desiredCount: 2, runningCount: 2 });
      expect(frontend.capacityProviderStrategy).to.deep.equal([{ capacityProvider: 'FARGATE', weight: 1 }]);
      const tasks = await port.listServiceTasks(SEED.cluster, 'frontend');
      expect(tasks).to.have.length(2);
      for (const t of tasks) expect(t.ip).to.match(/^10\.20\.[12]\.\d+$/);
      // Other services are untouched.
      expect(await port.listServiceTasks(SEED.cluster, 'kafka')).to.deep.equal([]);
    });

    it('updateService on a missing service fails terminally, naming it', async () => {
      const err = await portError(() =>
        port.updateService({ cluster: SEED.cluster, service: 'ghost-service', desiredCount: 1, capacityProviderStrategy: [], forceNewDeployment: false }),
      );
      expect(err).to.include({ code: 'ServiceNotFoundException', retryable: false });
      expect(err.message).to.contain('dr/ghost-service');
    });

    it('registers and deregisters ip targets with their port', async () => {
      const arn = seeded.targetGroupArns.frontend;
      const tasks = await port.listServiceTasks(SEED.cluster, 'frontend');
      expect(tasks).to.have.length(2);
      await port.registerTargets(
        arn,
        tasks.map((t) => ({ id: t.ip, port: SEED.frontendPort })),
      );
      const registered = (await port.describeTargetGroups([arn]))[0];
      expect(registered.targets.map((t) => t.id).sort()).to.deep.equal(tasks.map((t) => t.ip).sort());
      for (const t of registered.targets) expect(t).to.include({ port: SEED.frontendPort, state: 'healthy' });

      await port.deregisterTargets(arn, [{ id: tasks[0].ip, port: SEED.frontendPort }]);
      // As in AWS, a deregistered target drains for the group's deregistration delay (30 s in the seed).
      const after = (await port.describeTargetGroups([arn]))[0];
      expect(after.targets).to.have.deep.members([
        { id: tasks[1].ip, port: SEED.frontendPort, state: 'healthy' },
        { id: tasks[0].ip, port: SEED.frontendPort, state: 'draining' },
      ]);
      // Deregistering again, or a target that was never registered, is a no-op (AWS answers 200).
      await port.deregisterTargets(arn, [{ id: tasks[0].ip, port: SEED.frontendPort }, { id: '10.20.9.9', port: SEED.frontendPort }]);
      expect((await port.describeTargetGroups([arn]))[0]).to.deep.equal(after);
      // Empty lists are no calls at all (the API refuses them).
      await port.registerTargets(arn, []);
      await port.deregisterTargets(arn, []);
    });

    it('registers an ASG instance with an instance target group', async () => {
      const [jenkins] = await port.describeAsgs(['dr-jenkins']);
      const instanceId = jenkins.instances[0].instanceId;
      await port.registerTargets(seeded.targetGroupArns.jenkins, [{ id: instanceId }]);
      const tg = (await port.describeTargetGroups([seeded.targetGroupArns.jenkins]))[0];
      expect(tg.targets).to.deep.equal([{ id: instanceId, port: 8080, state: 'healthy' }]);
    });

    it('lease: a second holder is refused, an expired lease is taken, release only frees your own', async () => {
      const table = SEED.stateTable;
      const now = new Date('2026-11-02T00:05:00Z');
      const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
      expect(await port.acquireLease({ table, holder: 'pass-a', now, ttlSeconds: 60 })).to.equal(true);
      expect(await port.acquireLease({ table, holder: 'pass-b', now: later(30), ttlSeconds: 60 })).to.equal(false);
      // The holder may renew its own lease.
      expect(await port.acquireLease({ table, holder: 'pass-a', now: later(30), ttlSeconds: 60 })).to.equal(true);
      // pass-a's renewed lease ends at +90 s: at +91 s pass-b takes it.
      expect(await port.acquireLease({ table, holder: 'pass-b', now: later(91), ttlSeconds: 60 })).to.equal(true);
      // pass-a lost it: releasing is a no-op that does not free pass-b's lease.
      await port.releaseLease(table, 'pass-a');
      expect(await port.acquireLease({ table, holder: 'pass-a', now: later(92), ttlSeconds: 60 })).to.equal(false);
      await port.releaseLease(table, 'pass-b');
      expect(await port.acquireLease({ table, holder: 'pass-a', now: later(93), ttlSeconds: 60 })).to.equal(true);
      await port.releaseLease(table, 'pass-a');
    });

    it('lease: an item claiming to last longer than a lease can (2100) is broken; readLease names the holder (S11)', async () => {
      const table = SEED.stateTable;
      const now = new Date('2026-11-02T00:05:00Z');
      // A pass that holds the lease for its length: refused, and named.
      expect(await port.acquireLease({ table, holder: 'pass-a', now, ttlSeconds: 60 })).to.equal(true);
      expect(await port.acquireLease({ table, holder: 'pass-b', now, ttlSeconds: 60 })).to.equal(false);
      expect(await port.readLease(table)).to.deep.equal({ holder: 'pass-a', expiresAt: new Date(now.getTime() + 60_000) });
      // A hostile or corrupt item: the conditional write takes it over at once.
      await new DynamoDBClient({ region: seeded.spec.spec.region }).send(
        new PutItemCommand({ TableName: table, Item: { id: { S: 'lease' }, holder: { S: 'someone' }, expiresAt: { N: String(Date.parse('2100-01-01T00:00:00Z') / 1000) } } }),
      );
      expect(await port.acquireLease({ table, holder: 'pass-b', now, ttlSeconds: 60 })).to.equal(true);
      expect((await port.readLease(table))?.holder).to.equal('pass-b');
      await port.releaseLease(table, 'pass-b');
      expect(await port.readLease(table)).to.equal(undefined);
    });

    it('state documents round-trip as JSON; a missing key is undefined', async () => {
      const doc = { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Converged' }], nested: { list: [1, 2, 3], none: null } };
      await port.writeState(SEED.stateTable, 'status', doc);
      expect(await port.readState(SEED.stateTable, 'status')).to.deep.equal(doc);
      expect(await port.readState(SEED.stateTable, 'no-such-key')).to.equal(undefined);
      const err = await portError(() => port.readState('no-such-table', 'status'));
      expect(err.code).to.equal('ResourceNotFoundException');
      expect(err.message).to.contain('no-such-table/status');
    });

    it('reads several state items in one batch; writes the status and releases the lease together only while the lease is ours', async () => {
      const table = SEED.stateTable;
      const now = new Date();
      await port.writeState(table, 'status', { observedGeneration: 1 });
      await port.writeState(table, 'mode-request', { mode: 'active' });
      expect(await port.readStates(table, ['status', 'mode-request', 'no-such-key'])).to.deep.equal({ status: { observedGeneration: 1 }, 'mode-request': { mode: 'active' } });

      expect(await port.acquireLease({ table, holder: 'pass-a', now, ttlSeconds: 60 })).to.equal(true);
      // Another holder has the lease now (ours expired): nothing is written, and its lease stays.
      expect(await port.writeStateAndRelease(table, 'status', { observedGeneration: 2 }, 'pass-b')).to.equal(false);
      expect(await port.readState(table, 'status')).to.deep.equal({ observedGeneration: 1 });
      expect((await port.readLease(table))?.holder).to.equal('pass-a');
      // The holder's own: the status lands and the lease is gone, in one transaction.
      expect(await port.writeStateAndRelease(table, 'status', { observedGeneration: 2 }, 'pass-a')).to.equal(true);
      expect(await port.readState(table, 'status')).to.deep.equal({ observedGeneration: 2 });
      expect(await port.readLease(table)).to.equal(undefined);
    });

    it('promotes the replica: it is standalone afterwards, and a second promotion is refused', async () => {
      await port.promoteReplica(SEED.replicaIdentifier);
      const replica = await port.describeReplica(SEED.replicaIdentifier);
      expect(replica).to.deep.equal({
        identifier: SEED.replicaIdentifier,
        exists: true,
        status: 'available',
        isReplica: false,
        sourceIdentifier: undefined,
        replicaLagSeconds: undefined,
        tags: { 'pilot-light:environment': 'dr' },
      });
      const again = await portError(() => port.promoteReplica(SEED.replicaIdentifier));
      expect(again).to.include({ code: 'InvalidDBInstanceStateFault', retryable: false });
      const missing = await portError(() => port.promoteReplica('ghost-db'));
      expect(missing).to.include({ code: 'DBInstanceNotFoundFault', retryable: false });
      expect(missing.message).to.contain('ghost-db');
    });
  });
});

describe('aws port retries and error mapping', function () {
  this.timeout(20_000);

  /** A local server that answers every request with `respond`, counting requests. */
  async function faultServer(respond: (res: http.ServerResponse) => void): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => respond(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      requests: () => requests,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  /** Runs `run` with SSM calls sent to `endpoint`, and fake credentials that work without the emulator. */
  async function withSsmEndpoint<T>(endpoint: string, run: () => Promise<T>): Promise<T> {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SSM: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' });
    try {
      return await run();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  const json = (status: number, type: string) => (res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message: `${type} from the fault server` }));
  };

  const cases: Record<string, { respond: (res: http.ServerResponse) => void; code: string | RegExp; message?: RegExp; retryable: boolean; requests: number }> = {
    'throttling is retried up to maxAttempts, then retryable': { respond: json(400, 'ThrottlingException'), code: 'ThrottlingException', retryable: true, requests: 3 },
    'a 503 is retried, then retryable': { respond: json(503, 'ServiceUnavailable'), code: 'ServiceUnavailable', retryable: true, requests: 3 },
    'an HTML 500 (how moto reports its own bugs) is retried, then retryable': {
      respond: (res) => {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>500 Internal Server Error</title>');
      },
      // The SDK cannot parse the body: the code is whatever its parser says, the status is in the message.
      code: /.+/,
      message: /\(http 500\) \(region us-west-2\)$/,
      retryable: true,
      requests: 3,
    },
    'a validation error is not retried and is terminal': { respond: json(400, 'ValidationException'), code: 'ValidationException', retryable: false, requests: 1 },
  };

  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const server = await faultServer(c.respond);
      try {
        const port = createAwsPort({ region: 'us-west-2', maxAttempts: 3, retryBaseDelayMs: 1 });
        const err = await withSsmEndpoint(server.url, () => portError(() => port.putModeParameter('/dr/mode', 'active')));
        if (typeof c.code === 'string') expect(err.code).to.equal(c.code);
        else expect(err.code).to.match(c.code, err.message);
        expect(err.retryable).to.equal(c.retryable);
        expect(err.message).to.match(/^ssm PutParameter \/dr\/mode failed: /);
        if (c.message) expect(err.message).to.match(c.message);
        expect(err.cause).to.not.equal(undefined);
        expect(server.requests()).to.equal(c.requests);
      } finally {
        await server.close();
      }
    });
  }

  it('maps SDK-shaped errors through isRetryable', () => {
    const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
    expect(toPortError(sdkError('ThrottlingException', 400), 'op', 'x')).to.include({ code: 'ThrottlingException', retryable: true });
    expect(toPortError(sdkError('InternalFailure', 500), 'op', 'x')).to.include({ retryable: true });
    expect(toPortError(sdkError('AccessDeniedException', 403), 'op', 'x')).to.include({ code: 'AccessDeniedException', retryable: false });
    const network = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toPortError(network, 'op', 'x')).to.include({ code: 'ECONNRESET', retryable: true });
    const already = new PortError('kept', { code: 'Kept', retryable: false });
    expect(toPortError(already, 'op', 'x')).to.equal(already);
    expect(toPortError(sdkError('ValidationError', 400), 'autoscaling UpdateAutoScalingGroup', 'dr-jenkins').message).to.equal(
      'autoscaling UpdateAutoScalingGroup dr-jenkins failed: ValidationError happened (http 400)',
    );
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(1, 100, () => 0)).to.equal(50);
    expect(retryDelayMs(1, 100, () => 1)).to.equal(100);
    expect(retryDelayMs(3, 100, () => 1)).to.equal(400);
    expect(retryDelayMs(20, 100, () => 1)).to.equal(3000);
  });
});
