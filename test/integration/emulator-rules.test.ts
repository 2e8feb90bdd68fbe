/**
 * AWS rules the emulator launcher (test/support/moto_launcher.py) adds to moto 5.2.1, checked through the real
 * SDK v3 clients: what AWS itself does to target groups when ECS services and Auto Scaling groups scale.
 *
 * - An ECS service with `loadBalancers` registers each RUNNING task (ip target: the task ENI's address and the
 *   containerPort) and deregisters a task it stops (scale-in, a new deployment, DeleteService); the target then
 *   drains for the group's deregistration delay (30 s in the seed, longer than these tests).
 * - An ASG with TargetGroupARNs registers its InService instances and deregisters one that leaves (scale-in).
 * - A load balancer created without a Scheme is internet-facing; one with deletion protection on cannot be deleted.
 * - A role's inline policies together may not exceed 10,240 characters, white space not counted (LimitExceeded).
 */
import { expect } from 'chai';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { getEmulator } from '../support/emulator';
import { SEED, seedPilotLight, type SeededEnvironment } from '../support/seed';

/** A target as DescribeTargetHealth shows it. */
interface SeenTarget {
  readonly id: string;
  readonly port: number;
  readonly state: string;
}

const MISSING_TG_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/ghost/0123456789abcdef';

describe('AWS rules the emulator launcher adds', function () {
  this.timeout(60_000);
  let seeded: SeededEnvironment;
  let ecs: ECSClient;
  let elbv2: ElasticLoadBalancingV2Client;
  let autoscaling: AutoScalingClient;

  before(async function () {
    const emulator = await getEmulator();
    await emulator.reset();
    seeded = await seedPilotLight({ services: ['frontend'] });
    const config = { region: SEED.region, retryStrategy: new ConfiguredRetryStrategy(2, 20) };
    ecs = new ECSClient(config);
    elbv2 = new ElasticLoadBalancingV2Client(config);
    autoscaling = new AutoScalingClient(config);
  });

  after(() => {
    for (const client of [ecs, elbv2, autoscaling]) client?.destroy();
  });

  it("a role's inline policies may hold 10,240 characters in all (white space not counted), not one more", async () => {
    const iam = new IAMClient({ region: SEED.region, retryStrategy: new ConfiguredRetryStrategy(1, 20) });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'rules-role', AssumeRolePolicyDocument: trust }));
    // A document of exactly `chars` characters without white space, padded in a Sid, plus white space that does not count.
    const doc = (chars: number) => {
      const base = (sid: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] });
      return base('S'.repeat(chars - base('').length)).replace(',', ',   \n  ');
    };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'rules-role', PolicyName: 'a', PolicyDocument: doc(6000) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'rules-role', PolicyName: 'b', PolicyDocument: doc(4240) }));
    const refused = await iam.send(new PutRolePolicyCommand({ RoleName: 'rules-role', PolicyName: 'c', PolicyDocument: doc(200) })).then(() => undefined, (err: Error) => err);
    expect(refused?.name).to.equal('LimitExceededException');
    expect(refused?.message).to.contain('Maximum policy size of 10240 bytes exceeded for role rules-role');
    // Replacing a policy counts its new size, not both.
    await iam.send(new PutRolePolicyCommand({ RoleName: 'rules-role', PolicyName: 'b', PolicyDocument: doc(4000) }));
    iam.destroy();
  });

  it('a load balancer created without a Scheme is internet-facing; deletion protection refuses DeleteLoadBalancer until it is off', async () => {
    const created = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'rules-alb', Subnets: [...seeded.subnetIds], Type: 'application' }))).LoadBalancers![0];
    const arn = created.LoadBalancerArn!;
    expect((await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers![0].Scheme).to.equal('internet-facing');
    await elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] }));
    const refused = await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })).then(() => undefined, (err: Error) => err);
    expect(refused?.name, 'the SDK names the modelled error OperationNotPermitted this way').to.equal('OperationNotPermittedException');
    expect((await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers).to.have.length(1);
    await elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
    await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    const gone = await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })).then((o) => o.LoadBalancers ?? [], () => []);
    expect(gone).to.deep.equal([]);
  });

  /** Every target of the group, sorted by id. */
  async function targetsOf(targetGroupArn: string): Promise<SeenTarget[]> {
    const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (out.TargetHealthDescriptions ?? [])
      .map((d) => ({ id: d.Target!.Id!, port: d.Target!.Port!, state: d.TargetHealth!.State! }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Ids of the targets in the given state, sorted. */
  const idsIn = (targets: readonly SeenTarget[], state: string) => targets.filter((t) => t.state === state).map((t) => t.id);

  /** The private IPv4 addresses of the service's RUNNING tasks, sorted. */
  async function runningTaskIps(service: string): Promise<string[]> {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: SEED.cluster, serviceName: service, desiredStatus: 'RUNNING' }))).taskArns ?? [];
    if (arns.length === 0) return [];
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: SEED.cluster, tasks: arns }))).tasks ?? [];
    return tasks
      .map((t) => t.attachments?.flatMap((a) => a.details ?? []).find((d) => d.name === 'privateIPv4Address')?.value ?? '')
      .sort();
  }

  async function createRoutedService(name: string, targetGroupArn: string, desiredCount: number): Promise<void> {
    await ecs.send(
      new CreateServiceCommand({
        cluster: SEED.cluster,
        serviceName: name,
        taskDefinition: 'dr-frontend',
        desiredCount,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: [...seeded.subnetIds], securityGroups: [seeded.securityGroupId], assignPublicIp: 'DISABLED' } },
        loadBalancers: [{ targetGroupArn, containerName: 'frontend', containerPort: SEED.frontendPort }],
      }),
    );
  }

  const scale = (service: string, desiredCount: number, forceNewDeployment = false) =>
    ecs.send(new UpdateServiceCommand({ cluster: SEED.cluster, service, desiredCount, forceNewDeployment }));

  describe('an ECS service with loadBalancers registers its own tasks (ip target group)', () => {
    const service = 'routed';
    let tg: string;
    before(() => {
      tg = seeded.targetGroupArns.frontend;
    });

    it('scale to 2: both task IPs are registered at the containerPort and healthy', async () => {
      await createRoutedService(service, tg, 0);
      expect(await targetsOf(tg), 'a service at 0 registers nothing').to.deep.equal([]);

      await scale(service, 2);
      const ips = await runningTaskIps(service);
      expect(ips).to.have.length(2);
      for (const ip of ips) expect(ip).to.match(/^10\.20\.[12]\.\d+$/);
      expect(await targetsOf(tg)).to.deep.equal(ips.map((id) => ({ id, port: SEED.frontendPort, state: 'healthy' })));
    });

    it('scale to 1: the remaining task stays registered, the stopped one drains', async () => {
      const earlier = await runningTaskIps(service);
      await scale(service, 1);
      const [kept] = await runningTaskIps(service);
      expect(earlier).to.include(kept);
      const stopped = earlier.filter((ip) => ip !== kept);
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([kept]);
      expect(idsIn(targets, 'draining')).to.deep.equal(stopped);
    });

    it('a new deployment replaces the task: the new one is registered, the old one drains', async () => {
      const [old] = await runningTaskIps(service);
      await scale(service, 1, true);
      const [replacement] = await runningTaskIps(service);
      expect(replacement).to.not.equal(old);
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([replacement]);
      expect(idsIn(targets, 'draining')).to.include(old);
    });

    it('scale to 0: nothing is registered any more (every former task drains)', async () => {
      await scale(service, 0);
      expect(await runningTaskIps(service)).to.deep.equal([]);
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([]);
      expect(targets.length, 'the three former tasks drain').to.equal(3);
      for (const t of targets) expect(t).to.include({ port: SEED.frontendPort, state: 'draining' });
    });

    it('DeleteService (force) deregisters the tasks it stops', async () => {
      const other = 'routed-deleted';
      await createRoutedService(other, tg, 1);
      const [ip] = await runningTaskIps(other);
      expect(idsIn(await targetsOf(tg), 'healthy')).to.deep.equal([ip]);

      await ecs.send(new DeleteServiceCommand({ cluster: SEED.cluster, service: other, force: true }));
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([]);
      expect(idsIn(targets, 'draining')).to.include(ip);
    });

    it('a target group that does not exist: the task runs unregistered and the service records an event', async () => {
      const ghost = 'routed-ghost';
      await createRoutedService(ghost, MISSING_TG_ARN, 1);
      expect(await runningTaskIps(ghost)).to.have.length(1);
      const [described] = (await ecs.send(new DescribeServicesCommand({ cluster: SEED.cluster, services: [ghost] }))).services ?? [];
      expect(described).to.deep.include({ runningCount: 1, desiredCount: 1 });
      expect(described.events?.map((e) => e.message)).to.include(
        `(service ${ghost}) failed to register targets in (target-group ${MISSING_TG_ARN}) with (error Target group not found.)`,
      );
      // Scaling it to 0 stops the task; there is nothing to deregister and nothing fails.
      await scale(ghost, 0);
      expect(await runningTaskIps(ghost)).to.deep.equal([]);
    });

    it('UpdateService with other loadBalancers replaces the tasks: new ones in the new group, old ones drain from the old', async () => {
      const moved = 'routed-moved';
      const created = await elbv2.send(
        new CreateTargetGroupCommand({ Name: 'dr-rules-ip', Protocol: 'HTTP', Port: SEED.frontendPort, VpcId: seeded.vpcId, TargetType: 'ip' }),
      );
      const next = created.TargetGroups![0].TargetGroupArn!;
      await createRoutedService(moved, tg, 1);
      const [old] = await runningTaskIps(moved);
      await ecs.send(
        new UpdateServiceCommand({
          cluster: SEED.cluster,
          service: moved,
          loadBalancers: [{ targetGroupArn: next, containerName: 'frontend', containerPort: SEED.frontendPort }],
        }),
      );
      const [replacement] = await runningTaskIps(moved);
      expect(replacement).to.not.equal(old);
      expect(await targetsOf(next)).to.deep.equal([{ id: replacement, port: SEED.frontendPort, state: 'healthy' }]);
      const oldGroup = await targetsOf(tg);
      expect(idsIn(oldGroup, 'healthy')).to.deep.equal([]);
      expect(idsIn(oldGroup, 'draining')).to.include(old);
    });
  });

  describe('an ASG with TargetGroupARNs registers InService instances and deregisters on scale-in', () => {
    const group = 'dr-rules-asg';
    let tg: string;
    before(() => {
      tg = seeded.targetGroupArns.jenkins;
    });

    /** The group's InService instance ids, sorted. */
    async function inService(): Promise<string[]> {
      const out = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
      return (out.AutoScalingGroups?.[0]?.Instances ?? [])
        .filter((i) => i.LifecycleState === 'InService')
        .map((i) => i.InstanceId!)
        .sort();
    }

    const resize = (desiredCapacity: number) =>
      autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group, MinSize: 0, MaxSize: 2, DesiredCapacity: desiredCapacity }));

    it('scale to 2: both instances are registered at the group port', async () => {
      await autoscaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: group,
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 0,
          VPCZoneIdentifier: seeded.subnetIds.join(','),
          LaunchTemplate: { LaunchTemplateName: SEED.launchTemplateName, Version: '$Latest' },
          TargetGroupARNs: [tg],
        }),
      );
      expect(await targetsOf(tg)).to.deep.equal([]);
      await resize(2);
      const instances = await inService();
      expect(instances).to.have.length(2);
      expect(await targetsOf(tg)).to.deep.equal(instances.map((id) => ({ id, port: 8080, state: 'healthy' })));
    });

    it('scale to 1: the instance that left is deregistered (draining), the other stays', async () => {
      const earlier = await inService();
      await resize(1);
      const [kept] = await inService();
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([kept]);
      expect(idsIn(targets, 'draining')).to.deep.equal(earlier.filter((id) => id !== kept));
    });

    it('scale to 0: nothing is registered any more', async () => {
      await resize(0);
      expect(await inService()).to.deep.equal([]);
      const targets = await targetsOf(tg);
      expect(idsIn(targets, 'healthy')).to.deep.equal([]);
      expect(targets).to.have.length(2);
      for (const t of targets) expect(t.state).to.equal('draining');
    });
  });
});
