/**
 * Seeds the emulator with a complete pilot-light DR environment (names from docs/design.md section 6) using the
 * real SDK clients, and returns the DrEnvironment document that describes it.
 *
 * Everything is created at pilot-light values, as Terraform would leave it: replica replicating, ASGs at
 * 0/1/0 on spot, services at 0 on FARGATE_SPOT, mode `pilot-light`. Independent creates run in parallel.
 */
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { SCOPE_TAG } from '../../reconciler/scope';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateLaunchTemplateCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { validateSpec, type DrEnvironment } from '../../reconciler/spec';

/** The services of the runbook, in the runbook's order. */
export const DEFAULT_SERVICES: readonly string[] = ['frontend', 'notification-service', 'user-service', 'task-api', 'kafka'];

/** Options of `seedPilotLight`. */
export interface SeedOptions {
  /** ECS services to create in cluster `dr`. @default DEFAULT_SERVICES */
  readonly services?: readonly string[];
  /** The primary's health endpoint the DR region probes (S10): a local stand-in (test/support/probe-server.ts). */
  readonly probeUrl?: string;
  /**
   * Attach the target groups to their owners, as the shipped Terraform does (ASG TargetGroupARNs, the frontend
   * service's loadBalancers), so AWS (the launcher, as AWS) registers the targets and the spec says
   * `targetRegistration: "aws"`. @default false: the reconciler registers them itself
   */
  readonly attachTargetGroups?: boolean;
}

/** What the seed created, for assertions. */
export interface SeededEnvironment {
  /** The validated document describing exactly what was created. */
  readonly spec: DrEnvironment;
  /** Target group ARNs by short name: jenkins, prometheus, grafana, jaeger, frontend. */
  readonly targetGroupArns: Readonly<Record<string, string>>;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly primaryArn: string;
  readonly healthCheckId: string;
  readonly topicArn: string;
  /** Wall-clock time the seed took. */
  readonly durationMs: number;
}

/** Names and values shared by the seed and the tests. */
export const SEED = {
  primaryRegion: 'us-east-1',
  region: 'us-west-2',
  cluster: 'dr',
  modeParameter: '/dr/mode',
  stateTable: 'dr-dr-failover-state',
  topicName: 'dr-dr-notifications',
  alarmName: 'dr-primary-health',
  primaryIdentifier: 'app-primary',
  replicaIdentifier: 'app-replica',
  launchTemplateName: 'dr-pilot-light',
  replicaLagSeconds: 2,
  frontendPort: 8080,
} as const;

/** Instance target groups and the ASG that feeds each one. */
const INSTANCE_TARGET_GROUPS = [
  { name: 'jenkins', asg: 'dr-jenkins', port: 8080 },
  { name: 'prometheus', asg: 'dr-monitoring', port: 9090 },
  { name: 'grafana', asg: 'dr-monitoring', port: 3000 },
  { name: 'jaeger', asg: 'dr-monitoring', port: 16686 },
] as const;

const PILOT_LIGHT_ASG = { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 };
const ACTIVE_ASG = { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 };

/** Creates the pilot-light environment in the emulator that process.env points at (see getEmulator). */
export async function seedPilotLight(opts: SeedOptions = {}): Promise<SeededEnvironment> {
  const started = Date.now();
  const services = opts.services ?? DEFAULT_SERVICES;
  // Calls against the emulator fail for real reasons only: retry fast and briefly.
  const config = (region: string) => ({ region, retryStrategy: new ConfiguredRetryStrategy(3, 50) });
  const dr = SEED.region;
  const ec2 = new EC2Client(config(dr));
  const elbv2 = new ElasticLoadBalancingV2Client(config(dr));
  const ecs = new ECSClient(config(dr));
  const autoscaling = new AutoScalingClient(config(dr));
  const rdsPrimary = new RDSClient(config(SEED.primaryRegion));
  const rdsDr = new RDSClient(config(dr));
  const cloudwatchDr = new CloudWatchClient(config(dr));
  const cloudwatchPrimary = new CloudWatchClient(config(SEED.primaryRegion));
  const route53 = new Route53Client(config(SEED.primaryRegion));
  const dynamodb = new DynamoDBClient(config(dr));
  const ssm = new SSMClient(config(dr));
  const sns = new SNSClient(config(dr));

  const network = (async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const [a, b, sg] = await Promise.all([
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24', AvailabilityZone: `${dr}a` })),
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.2.0/24', AvailabilityZone: `${dr}b` })),
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dr-services', Description: 'DR services and instances', VpcId: vpcId })),
    ]);
    return { vpcId, subnetIds: [a.Subnet!.SubnetId!, b.Subnet!.SubnetId!], securityGroupId: sg.GroupId! };
  })();

  const launchTemplate = ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: SEED.launchTemplateName,
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' },
    }),
  );

  const database = (async () => {
    const primary = await rdsPrimary.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: SEED.primaryIdentifier,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.medium',
        AllocatedStorage: 20,
        MasterUsername: 'app',
        MasterUserPassword: 'not-a-secret-1',
        // A source needs automated backups before it can have a replica.
        BackupRetentionPeriod: 7,
      }),
    );
    const primaryArn = primary.DBInstance!.DBInstanceArn!;
    // Cross-region: the source is named by ARN, as AWS requires.
    await rdsDr.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: SEED.replicaIdentifier,
        SourceDBInstanceIdentifier: primaryArn,
        DBInstanceClass: 'db.t3.medium',
        Tags: [{ Key: SCOPE_TAG, Value: 'dr' }],
      }),
    );
    return primaryArn;
  })();

  const replicaLag = cloudwatchDr.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [
        {
          MetricName: 'ReplicaLag',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: SEED.replicaIdentifier }],
          Value: SEED.replicaLagSeconds,
          Unit: 'Seconds',
          Timestamp: new Date(),
        },
      ],
    }),
  );

  const failover = (async () => {
    const hc = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `dr-primary-${Date.now()}-${Math.random()}`,
        HealthCheckConfig: {
          Type: 'HTTPS',
          FullyQualifiedDomainName: 'app.primary.example.com',
          Port: 443,
          ResourcePath: '/health',
          RequestInterval: 30,
          FailureThreshold: 3,
        },
      }),
    );
    const healthCheckId = hc.HealthCheck!.Id!;
    // Route 53 metrics exist only in us-east-1, so the alarm lives there.
    await cloudwatchPrimary.send(
      new PutMetricAlarmCommand({
        AlarmName: SEED.alarmName,
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [{ Name: 'HealthCheckId', Value: healthCheckId }],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      }),
    );
    return healthCheckId;
  })();

  const state = Promise.all([
    dynamodb.send(
      new CreateTableCommand({
        TableName: SEED.stateTable,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
    ssm.send(new PutParameterCommand({ Name: SEED.modeParameter, Value: 'pilot-light', Type: 'String' })),
  ]);
  const topic = sns.send(new CreateTopicCommand({ Name: SEED.topicName }));

  const cluster = ecs.send(new CreateClusterCommand({ clusterName: SEED.cluster }));
  const taskDefinitions = Promise.all(
    services.map((name) =>
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `dr-${name}`,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name, image: `example.com/${name}:latest`, essential: true, portMappings: [{ containerPort: SEED.frontendPort }] }],
        }),
      ),
    ),
  );

  // If the network fails, the creates already under way must not surface later as unhandled rejections.
  for (const pending of [launchTemplate, database, replicaLag, failover, state, topic, cluster, taskDefinitions]) pending.catch(() => undefined);
  const { vpcId, subnetIds, securityGroupId } = await network;

  // As modules/ecs creates them: HTTP, health check 200-399 every 30 s, 30 s deregistration delay (so a
  // deregistered target shows as `draining` for 30 s, as in AWS).
  const createTargetGroup = async (name: string, port: number, targetType: 'instance' | 'ip') => {
    const out = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `dr-${name}`,
        Protocol: 'HTTP',
        Port: port,
        VpcId: vpcId,
        TargetType: targetType,
        HealthCheckPath: '/',
        Matcher: { HttpCode: '200-399' },
        HealthCheckIntervalSeconds: 30,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
      }),
    );
    const arn = out.TargetGroups![0].TargetGroupArn!;
    await elbv2.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] }),
    );
    return [name, arn] as const;
  };
  const targetGroups = Promise.all([
    ...INSTANCE_TARGET_GROUPS.map((tg) => createTargetGroup(tg.name, tg.port, 'instance')),
    createTargetGroup('frontend', SEED.frontendPort, 'ip'),
  ]).then((pairs) => Object.fromEntries(pairs) as Record<string, string>);

  const loadBalancer = elbv2.send(
    new CreateLoadBalancerCommand({ Name: 'dr-alb', Subnets: subnetIds, SecurityGroups: [securityGroupId], Type: 'application', Scheme: 'internet-facing' }),
  );
  // Every target group is behind the ALB, as in modules/ecs: frontend is the default action, the instance
  // groups are reached by path. (In AWS, a target group no listener uses reports its targets as `unused`.)
  const listener = Promise.all([loadBalancer, targetGroups]).then(async ([lb, tgs]) => {
    const out = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancers![0].LoadBalancerArn!,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgs.frontend }],
      }),
    );
    const listenerArn = out.Listeners![0].ListenerArn!;
    await Promise.all(
      INSTANCE_TARGET_GROUPS.map((tg, i) =>
        elbv2.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: 10 * (i + 1),
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/${tg.name}*`] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: tgs[tg.name] }],
          }),
        ),
      ),
    );
  });

  // Terraform's pilot-light values: empty, all spot. Unless `attachTargetGroups`, the ASGs are not attached to the
  // target groups and the reconciler registers InService instances itself (targetRegistration "reconciler").
  const attach = opts.attachTargetGroups === true;
  const asgs = Promise.all([launchTemplate, attach ? targetGroups : undefined]).then(([, tgs]) =>
    Promise.all(
      ['dr-jenkins', 'dr-monitoring'].map((name) =>
        autoscaling.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            ...(tgs ? { TargetGroupARNs: INSTANCE_TARGET_GROUPS.filter((tg) => tg.asg === name).map((tg) => tgs[tg.name]) } : {}),
            MinSize: PILOT_LIGHT_ASG.minSize,
            MaxSize: PILOT_LIGHT_ASG.maxSize,
            DesiredCapacity: PILOT_LIGHT_ASG.desiredCapacity,
            VPCZoneIdentifier: subnetIds.join(','),
            // As Terraform tags what it lets the reconciler manage (S12).
            Tags: [{ Key: SCOPE_TAG, Value: 'dr', PropagateAtLaunch: false, ResourceId: name, ResourceType: 'auto-scaling-group' }],
            MixedInstancesPolicy: {
              LaunchTemplate: {
                LaunchTemplateSpecification: { LaunchTemplateName: SEED.launchTemplateName, Version: '$Latest' },
                Overrides: [{ InstanceType: 't3.medium' }, { InstanceType: 't3a.medium' }],
              },
              InstancesDistribution: {
                OnDemandBaseCapacity: 0,
                OnDemandPercentageAboveBaseCapacity: PILOT_LIGHT_ASG.onDemandPercentage,
                SpotAllocationStrategy: 'capacity-optimized',
              },
            },
          }),
        ),
      ),
    ),
  );

  // Desired 0 on FARGATE_SPOT. Unless `attachTargetGroups`, no ECS-managed load balancer: the reconciler registers
  // running tasks itself.
  const ecsServices = Promise.all([cluster, taskDefinitions, attach ? targetGroups : undefined]).then(([, , tgs]) =>
    Promise.all(
      services.map((name) =>
        ecs.send(
          new CreateServiceCommand({
            cluster: SEED.cluster,
            serviceName: name,
            ...(tgs && name === 'frontend' ? { loadBalancers: [{ targetGroupArn: tgs.frontend, containerName: name, containerPort: SEED.frontendPort }] } : {}),
            taskDefinition: `dr-${name}`,
            desiredCount: 0,
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
            networkConfiguration: { awsvpcConfiguration: { subnets: subnetIds, securityGroups: [securityGroupId], assignPublicIp: 'DISABLED' } },
            tags: [{ key: SCOPE_TAG, value: 'dr' }],
          }),
        ),
      ),
    ),
  );

  const [primaryArn, healthCheckId, topicOut, tgArns] = await Promise.all([
    database,
    failover,
    topic,
    targetGroups,
    replicaLag,
    state,
    listener,
    asgs,
    ecsServices,
  ]);
  const topicArn = topicOut.TopicArn!;

  const spec = validateSpec({
    apiVersion: 'pilot-light.dev/v1alpha1',
    kind: 'DrEnvironment',
    metadata: { name: 'dr', labels: { seededBy: 'test/support/seed.ts' } },
    spec: {
      region: dr,
      primaryRegion: SEED.primaryRegion,
      modeParameter: SEED.modeParameter,
      stateTable: SEED.stateTable,
      notificationTopicArn: topicArn,
      database: { replicaIdentifier: SEED.replicaIdentifier },
      autoScalingGroups: ['dr-jenkins', 'dr-monitoring'].map((name) => ({
        name,
        pilotLight: PILOT_LIGHT_ASG,
        active: ACTIVE_ASG,
        targetGroupArns: INSTANCE_TARGET_GROUPS.filter((tg) => tg.asg === name).map((tg) => tgArns[tg.name]),
        targetRegistration: attach ? 'aws' : 'reconciler',
      })),
      ecsServices: services.map((name) => ({
        cluster: SEED.cluster,
        name,
        pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
        active: { desiredCount: name === 'frontend' ? 2 : 1, capacityProvider: 'FARGATE' },
        ...(name === 'frontend' ? { loadBalancers: [{ targetGroupArn: tgArns.frontend, port: SEED.frontendPort }] } : {}),
        targetRegistration: attach ? 'aws' : 'reconciler',
      })),
      failover: { alarmName: SEED.alarmName, alarmRegion: SEED.primaryRegion, healthCheckId, ...(opts.probeUrl ? { probeUrl: opts.probeUrl, probeTimeoutSeconds: 1, probeOnlyReadings: 4 } : {}) },
    },
  });

  for (const client of [ec2, elbv2, ecs, autoscaling, rdsPrimary, rdsDr, cloudwatchDr, cloudwatchPrimary, route53, dynamodb, ssm, sns]) client.destroy();
  return { spec, targetGroupArns: tgArns, vpcId, subnetIds, securityGroupId, primaryArn, healthCheckId, topicArn, durationMs: Date.now() - started };
}
