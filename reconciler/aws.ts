/**
 * AwsPort implemented with the AWS SDK v3 clients. The only file of the project that imports `@aws-sdk/*`.
 *
 * Endpoints come from the standard SDK environment (AWS_ENDPOINT_URL and friends), so the same code talks to
 * AWS and to the emulator. Every SDK error leaves this file as a PortError whose `retryable` is decided by
 * `isRetryable` in errors.ts; SDK types never leave it.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type MixedInstancesPolicy as SdkMixedInstancesPolicy,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetHealthCheckStatusCommand, Route53Client } from '@aws-sdk/client-route-53';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PortError, isRetryable } from './errors';
import { probeEndpoint } from './probe';
import type {
  AlarmState,
  AsgObservation,
  AwsPort,
  CapacityProviderItem,
  InstancesDistribution,
  MixedInstancesPolicy,
  ModeParameter,
  ReplicaObservation,
  ServiceObservation,
  Target,
  TargetGroupObservation,
  TaskAddress,
} from './port';
import { retrySettings, retryStrategy } from './retry-settings';

/** Options of `createAwsPort`. */
export interface AwsPortOptions {
  /** The DR region: replica, ASGs, ECS services, target groups, mode parameter, state table, topic. */
  readonly region: string;
  /** Total attempts per SDK call, first one included. @default AWS_MAX_ATTEMPTS, else 3 (retry-settings.ts) */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff between attempts, before jitter. @default 100 */
  readonly retryBaseDelayMs?: number;
  /** TCP connect timeout per call. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Whole request/response timeout per call. @default 10000 */
  readonly requestTimeoutMs?: number;
}

/** Longest wait between two attempts of one call: a pass must end well inside the Lambda timeout. */
const MAX_RETRY_DELAY_MS = 3_000;
/** DescribeServices accepts at most 10 services a call. */
const DESCRIBE_SERVICES_BATCH = 10;
/** Target groups asked for in one DescribeTargetGroups call (the API pages at 400; 20 keeps errors local). */
const DESCRIBE_TARGET_GROUPS_BATCH = 20;
/** DescribeTasks accepts at most 100 tasks a call. */
const DESCRIBE_TASKS_BATCH = 100;
/** SNS rejects subjects longer than 100 characters; a long subject must not cost us the notification. */
const SNS_SUBJECT_MAX = 100;
/** Route 53 exists only in us-east-1 (its API is global). */
const ROUTE53_REGION = 'us-east-1';
/** Route 53's own rule: healthy when more than this fraction of checkers say so. */
const HEALTHY_CHECKER_FRACTION = 0.18;
/** The state table's item holding the single-writer lease. */
const LEASE_KEY = 'lease';
/** How far back a ReplicaLag datapoint still counts as current. */
const REPLICA_LAG_WINDOW_MS = 5 * 60_000;

/** The SDK clients of one region, each created on first use. */
interface RegionClients {
  readonly ssm: () => SSMClient;
  readonly dynamodb: () => DynamoDBClient;
  readonly rds: () => RDSClient;
  readonly rdsOnce: () => RDSClient;
  readonly cloudwatch: () => CloudWatchClient;
  readonly autoscaling: () => AutoScalingClient;
  readonly ecs: () => ECSClient;
  readonly elbv2: () => ElasticLoadBalancingV2Client;
  readonly route53: () => Route53Client;
  readonly sns: () => SNSClient;
  readonly sqs: () => SQSClient;
}

/** Exponential backoff with equal jitter: half fixed, half random, so retries of parallel calls spread out. */
export function retryDelayMs(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Wraps any SDK failure of `operation` on `subject` in a PortError; retry vs terminal is isRetryable's call. */
export function toPortError(err: unknown, operation: string, subject: string): PortError {
  if (err instanceof PortError) return err;
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'UnknownError');
  // An unparseable error body (moto's HTML 500s) leaves only "Unknown" or a JSON SyntaxError: the status says more.
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${(e?.message || code).split('\n')[0]}${status !== undefined ? ` (http ${status})` : ''}`;
  return new PortError(`${operation} ${subject} failed: ${detail}`, { code, retryable: isRetryable(err), cause: err });
}

/** Whether an SDK error carries one of `codes`, by exception name or by the wire error code. */
function hasCode(err: unknown, ...codes: string[]): boolean {
  const e = err as { name?: string; Code?: string; code?: string };
  return codes.some((c) => c === e?.name || c === e?.Code || c === e?.code);
}

/** Splits a list into chunks of `size`, keeping order. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates the AwsPort for one DR region. Clients are created lazily, once per region, and reused. */
export function createAwsPort(opts: AwsPortOptions): AwsPort {
  // The option, else AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, else the defaults (retry-settings.ts says why).
  const retry = retrySettings(process.env, { maxAttempts: opts.maxAttempts });
  const baseDelayMs = opts.retryBaseDelayMs ?? 100;
  if (!(baseDelayMs >= 0)) throw new RangeError(`retryBaseDelayMs must be >= 0, got: ${baseDelayMs}`);

  const regions = new Map<string, RegionClients>();
  const clientsFor = (region: string): RegionClients => {
    const cached = regions.get(region);
    if (cached) return cached;
    // One strategy per client: the retry quota (token bucket) is per client in the SDK as well.
    const config = (attempts = retry.maxAttempts) => ({
      region,
      retryStrategy: retryStrategy(retry.mode, attempts, (attempt: number) => retryDelayMs(attempt, baseDelayMs)),
      // Without timeouts a region that stops answering hangs the pass until the Lambda is killed, holding the
      // lease: bound every call.
      requestHandler: { connectionTimeout: opts.connectionTimeoutMs ?? 3_000, requestTimeout: opts.requestTimeoutMs ?? 10_000, throwOnRequestTimeout: true },
    });
    const lazy = <C>(make: () => C): (() => C) => {
      let client: C | undefined;
      return () => (client ??= make());
    };
    const created: RegionClients = {
      ssm: lazy(() => new SSMClient(config())),
      dynamodb: lazy(() => new DynamoDBClient(config())),
      rds: lazy(() => new RDSClient(config())),
      // PromoteReadReplica is sent once: a retry after an ambiguous timeout would be refused anyway and would
      // hide whether the first request started the promotion (rule S1).
      rdsOnce: lazy(() => new RDSClient(config(1))),
      cloudwatch: lazy(() => new CloudWatchClient(config())),
      autoscaling: lazy(() => new AutoScalingClient(config())),
      ecs: lazy(() => new ECSClient(config())),
      elbv2: lazy(() => new ElasticLoadBalancingV2Client(config())),
      route53: lazy(() => new Route53Client(config())),
      sns: lazy(() => new SNSClient(config())),
      sqs: lazy(() => new SQSClient(config())),
    };
    regions.set(region, created);
    return created;
  };
  const dr = () => clientsFor(opts.region);

  /** Runs one SDK call, mapping any failure to a PortError naming the operation and the subject. */
  async function call<T>(operation: string, subject: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toPortError(err, operation, subject);
    }
  }

  async function readParameter(name: string): Promise<{ value: string; version: number; lastModified: Date } | undefined> {
    try {
      const out = await dr().ssm().send(new GetParameterCommand({ Name: name }));
      const p = out.Parameter;
      if (!p || p.Value === undefined) return undefined;
      return { value: p.Value, version: p.Version ?? 0, lastModified: p.LastModifiedDate ?? new Date(0) };
    } catch (err) {
      if (hasCode(err, 'ParameterNotFound')) return undefined;
      throw toPortError(err, 'ssm GetParameter', name);
    }
  }

  async function replicaLagSeconds(identifier: string): Promise<number | undefined> {
    const end = new Date();
    try {
      const out = await dr()
        .cloudwatch()
        .send(
          new GetMetricStatisticsCommand({
            Namespace: 'AWS/RDS',
            MetricName: 'ReplicaLag',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }],
            StartTime: new Date(end.getTime() - REPLICA_LAG_WINDOW_MS),
            EndTime: end,
            Period: 60,
            Statistics: ['Maximum'],
          }),
        );
      const latest = (out.Datapoints ?? [])
        .filter((d) => d.Maximum !== undefined && d.Timestamp !== undefined)
        .sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())[0];
      return latest?.Maximum;
    } catch {
      // Lag is supporting evidence for a drill, not part of the replica's existence: a CloudWatch hiccup
      // must not turn the whole replica observation into a read error.
      return undefined;
    }
  }

  const port: AwsPort = {
    async getModeParameter(name: string): Promise<ModeParameter | undefined> {
      // LastModifiedUser is only returned by DescribeParameters, which needs an extra call and a `*`-resource
      // permission (S8): lastModifiedBy is optional, so it is left out.
      return readParameter(name);
    },

    async putModeParameter(name: string, value: string): Promise<number> {
      const out = await call('ssm PutParameter', name, () =>
        dr().ssm().send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })),
      );
      if (out.Version === undefined) throw new PortError(`ssm PutParameter ${name} returned no version`, { code: 'MissingVersion', retryable: false });
      return out.Version;
    },

    async getParameterValue(name: string): Promise<string | undefined> {
      return (await readParameter(name))?.value;
    },

    async acquireLease(req): Promise<boolean> {
      const nowSeconds = Math.floor(req.now.getTime() / 1000);
      try {
        await dr()
          .dynamodb()
          .send(
            new PutItemCommand({
              TableName: req.table,
              Item: {
                id: { S: LEASE_KEY },
                holder: { S: req.holder },
                expiresAt: { N: String(nowSeconds + req.ttlSeconds) },
              },
              // Free, expired, already ours (a pass renewing its own lease), or claiming to last longer than any
              // lease can (a hostile or corrupt item, e.g. expiry in 2100): nothing may hold DR hostage (S11).
              ConditionExpression: 'attribute_not_exists(#id) OR #expiresAt < :now OR #expiresAt > :latest OR #holder = :holder',
              ExpressionAttributeNames: { '#id': 'id', '#expiresAt': 'expiresAt', '#holder': 'holder' },
              ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':latest': { N: String(nowSeconds + req.ttlSeconds) }, ':holder': { S: req.holder } },
            }),
          );
        return true;
      } catch (err) {
        if (hasCode(err, 'ConditionalCheckFailedException')) return false;
        throw toPortError(err, 'dynamodb PutItem (lease)', `${req.table}/${LEASE_KEY}`);
      }
    },

    async readLease(table: string) {
      const out = await call('dynamodb GetItem (lease)', `${table}/${LEASE_KEY}`, () =>
        dr()
          .dynamodb()
          .send(new GetItemCommand({ TableName: table, Key: { id: { S: LEASE_KEY } }, ConsistentRead: true })),
      );
      const item = out.Item;
      if (!item?.holder?.S || !item.expiresAt?.N) return undefined;
      return { holder: item.holder.S, expiresAt: new Date(Number(item.expiresAt.N) * 1000) };
    },

    async releaseLease(table: string, holder: string): Promise<void> {
      try {
        await dr()
          .dynamodb()
          .send(
            new DeleteItemCommand({
              TableName: table,
              Key: { id: { S: LEASE_KEY } },
              ConditionExpression: '#holder = :holder',
              ExpressionAttributeNames: { '#holder': 'holder' },
              ExpressionAttributeValues: { ':holder': { S: holder } },
            }),
          );
      } catch (err) {
        // Someone else took the lease after ours expired: theirs is not ours to delete.
        if (hasCode(err, 'ConditionalCheckFailedException')) return;
        throw toPortError(err, 'dynamodb DeleteItem (lease)', `${table}/${LEASE_KEY}`);
      }
    },

    async readState<T>(table: string, key: string): Promise<T | undefined> {
      const out = await call('dynamodb GetItem', `${table}/${key}`, () =>
        dr()
          .dynamodb()
          .send(new GetItemCommand({ TableName: table, Key: { id: { S: key } }, ConsistentRead: true })),
      );
      const text = out.Item?.doc?.S;
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new PortError(`state ${table}/${key} is not valid JSON: ${(err as Error).message}`, { code: 'InvalidStateDocument', retryable: false, cause: err });
      }
    },

    async writeState<T>(table: string, key: string, doc: T): Promise<void> {
      await call('dynamodb PutItem', `${table}/${key}`, () =>
        dr()
          .dynamodb()
          .send(new PutItemCommand({ TableName: table, Item: { id: { S: key }, doc: { S: JSON.stringify(doc) } } })),
      );
    },

    async describeReplica(identifier: string): Promise<ReplicaObservation> {
      let instance;
      try {
        const out = await dr().rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
        instance = out.DBInstances?.[0];
      } catch (err) {
        if (!hasCode(err, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) throw toPortError(err, 'rds DescribeDBInstances', identifier);
      }
      if (!instance) return { identifier, exists: false, isReplica: false };
      const source = instance.ReadReplicaSourceDBInstanceIdentifier || undefined;
      // Lag only means something while the instance still replicates.
      const lag = source ? await replicaLagSeconds(identifier) : undefined;
      return {
        identifier,
        exists: true,
        status: instance.DBInstanceStatus,
        isReplica: source !== undefined,
        sourceIdentifier: source,
        replicaLagSeconds: lag,
      };
    },

    async describeAsgs(names: ReadonlyArray<string>): Promise<AsgObservation[]> {
      // An empty name list would describe every group in the region.
      if (names.length === 0) return [];
      const found = new Map<string, AutoScalingGroup>();
      let nextToken: string | undefined;
      do {
        const out = await call('autoscaling DescribeAutoScalingGroups', names.join(','), () =>
          dr()
            .autoscaling()
            .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names], MaxRecords: 100, NextToken: nextToken })),
        );
        for (const g of out.AutoScalingGroups ?? []) if (g.AutoScalingGroupName) found.set(g.AutoScalingGroupName, g);
        nextToken = out.NextToken;
      } while (nextToken);
      return names.map((name): AsgObservation => {
        const g = found.get(name);
        if (!g) return { name, exists: false, instances: [] };
        return {
          name,
          exists: true,
          minSize: g.MinSize,
          maxSize: g.MaxSize,
          desiredCapacity: g.DesiredCapacity,
          mixedInstancesPolicy: fromSdkPolicy(g.MixedInstancesPolicy),
          instances: (g.Instances ?? []).map((i) => ({
            instanceId: i.InstanceId ?? '',
            lifecycleState: i.LifecycleState ?? 'Unknown',
            healthStatus: i.HealthStatus ?? 'Unknown',
          })),
        };
      });
    },

    async describeServices(cluster: string, names: ReadonlyArray<string>): Promise<ServiceObservation[]> {
      const batches = await Promise.all(
        chunks(names, DESCRIBE_SERVICES_BATCH).map((batch) =>
          call('ecs DescribeServices', `${cluster}/${batch.join(',')}`, () =>
            dr().ecs().send(new DescribeServicesCommand({ cluster, services: batch })),
          ),
        ),
      );
      const byName = new Map<string, ServiceObservation>();
      for (const out of batches) {
        for (const s of out.services ?? []) {
          if (!s.serviceName) continue;
          // An INACTIVE service is a deleted one that ECS still remembers for a while.
          if (s.status === 'INACTIVE') continue;
          byName.set(s.serviceName, {
            cluster,
            name: s.serviceName,
            exists: true,
            status: s.status,
            desiredCount: s.desiredCount,
            runningCount: s.runningCount,
            pendingCount: s.pendingCount,
            capacityProviderStrategy: (s.capacityProviderStrategy ?? []).map((c) =>
              dropUndefined({ capacityProvider: c.capacityProvider ?? '', weight: c.weight, base: c.base }),
            ),
            launchType: s.launchType,
            deployments: (s.deployments ?? []).length,
            primaryRolloutState: s.deployments?.find((d) => d.status === 'PRIMARY')?.rolloutState,
          });
        }
        const unexpected = (out.failures ?? []).find((f) => f.reason !== 'MISSING');
        if (unexpected) {
          throw new PortError(`ecs DescribeServices ${cluster} failed for ${unexpected.arn ?? '?'}: ${unexpected.reason ?? 'unknown reason'}${unexpected.detail ? ` (${unexpected.detail})` : ''}`, {
            code: unexpected.reason ?? 'DescribeServicesFailure',
            retryable: false,
          });
        }
      }
      return names.map((name) => byName.get(name) ?? { cluster, name, exists: false, capacityProviderStrategy: [] });
    },

    async listServiceTasks(cluster: string, service: string): Promise<TaskAddress[]> {
      const arns: string[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const out = await dr()
            .ecs()
            .send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', maxResults: 100, nextToken }));
          arns.push(...(out.taskArns ?? []));
          nextToken = out.nextToken;
        } while (nextToken);
      } catch (err) {
        // No service (or no cluster) means no tasks: an observation, not an error.
        if (hasCode(err, 'ServiceNotFoundException', 'ClusterNotFoundException')) return [];
        throw toPortError(err, 'ecs ListTasks', `${cluster}/${service}`);
      }
      const described = await Promise.all(
        chunks(arns, DESCRIBE_TASKS_BATCH).map((batch) =>
          call('ecs DescribeTasks', `${cluster}/${service}`, () => dr().ecs().send(new DescribeTasksCommand({ cluster, tasks: batch }))),
        ),
      );
      const addresses: TaskAddress[] = [];
      for (const t of described.flatMap((d) => d.tasks ?? [])) {
        if (t.lastStatus !== 'RUNNING' || !t.taskArn) continue;
        const ip = (t.attachments ?? [])
          .filter((a) => a.type === 'ElasticNetworkInterface')
          .flatMap((a) => a.details ?? [])
          .find((d) => d.name === 'privateIPv4Address')?.value;
        // Without an awsvpc address a task cannot be an ip target.
        if (ip) addresses.push({ taskArn: t.taskArn, ip });
      }
      return addresses;
    },

    async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupObservation[]> {
      if (arns.length === 0) return [];
      // One DescribeTargetGroups for many groups; target health is per group in the API.
      const groups = new Map<string, { TargetType?: string; Port?: number }>();
      for (const batch of chunks(arns, DESCRIBE_TARGET_GROUPS_BATCH)) {
        try {
          const out = await dr().elbv2().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...batch] }));
          for (const g of out.TargetGroups ?? []) if (g.TargetGroupArn) groups.set(g.TargetGroupArn, g);
        } catch (err) {
          if (!hasCode(err, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) throw toPortError(err, 'elbv2 DescribeTargetGroups', batch.join(', '));
          // One missing group fails the whole call: ask one by one to tell which.
          for (const arn of batch) {
            try {
              const out = await dr().elbv2().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }));
              const g = out.TargetGroups?.[0];
              if (g) groups.set(arn, g);
            } catch (e) {
              if (!hasCode(e, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) throw toPortError(e, 'elbv2 DescribeTargetGroups', arn);
            }
          }
        }
      }
      return Promise.all(
        arns.map(async (arn): Promise<TargetGroupObservation> => {
          const group = groups.get(arn);
          if (!group) return { arn, exists: false, targets: [] };
          const health = await call('elbv2 DescribeTargetHealth', arn, () =>
            dr().elbv2().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
          );
          return {
            arn,
            exists: true,
            targetType: group.TargetType,
            port: group.Port,
            targets: (health.TargetHealthDescriptions ?? [])
              .filter((d) => d.Target?.Id)
              .map((d) => ({ id: d.Target!.Id!, port: d.Target!.Port, state: d.TargetHealth?.State ?? 'unavailable' })),
          };
        }),
      );
    },

    async promoteReplica(identifier: string): Promise<void> {
      await call('rds PromoteReadReplica', identifier, () => dr().rdsOnce().send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: identifier })));
    },

    async updateAsg(input): Promise<void> {
      await call('autoscaling UpdateAutoScalingGroup', input.name, () =>
        dr()
          .autoscaling()
          .send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: input.name,
              MinSize: input.minSize,
              MaxSize: input.maxSize,
              DesiredCapacity: input.desiredCapacity,
              // Always the whole policy: a partial one is mishandled (moto drops or half-applies it).
              MixedInstancesPolicy: input.mixedInstancesPolicy ? toSdkPolicy(input.mixedInstancesPolicy) : undefined,
            }),
          ),
      );
    },

    async updateService(input): Promise<void> {
      await call('ecs UpdateService', `${input.cluster}/${input.service}`, () =>
        dr()
          .ecs()
          .send(
            new UpdateServiceCommand({
              cluster: input.cluster,
              service: input.service,
              desiredCount: input.desiredCount,
              // An empty list would mean "the cluster default", which is not what an empty spec says.
              capacityProviderStrategy: input.capacityProviderStrategy.length > 0 ? input.capacityProviderStrategy.map(toSdkStrategyItem) : undefined,
              forceNewDeployment: input.forceNewDeployment,
            }),
          ),
      );
    },

    async registerTargets(targetGroupArn: string, targets: ReadonlyArray<Target>): Promise<void> {
      if (targets.length === 0) return;
      await call('elbv2 RegisterTargets', `${targetGroupArn} (${targets.map((t) => t.id).join(',')})`, () =>
        dr().elbv2().send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map(toSdkTarget) })),
      );
    },

    async deregisterTargets(targetGroupArn: string, targets: ReadonlyArray<Target>): Promise<void> {
      if (targets.length === 0) return;
      await call('elbv2 DeregisterTargets', `${targetGroupArn} (${targets.map((t) => t.id).join(',')})`, () =>
        dr().elbv2().send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map(toSdkTarget) })),
      );
    },

    async getAlarmState(region: string, alarmName: string): Promise<{ state: AlarmState; reason?: string } | undefined> {
      const out = await call('cloudwatch DescribeAlarms', `${alarmName} in ${region}`, () =>
        clientsFor(region)
          .cloudwatch()
          .send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
      );
      const alarm = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].find((a) => a.AlarmName === alarmName);
      if (!alarm?.StateValue) return undefined;
      return { state: alarm.StateValue as AlarmState, reason: alarm.StateReason };
    },

    async getHealthCheckHealthy(healthCheckId: string): Promise<boolean | undefined> {
      const out = await call('route53 GetHealthCheckStatus', healthCheckId, () =>
        clientsFor(ROUTE53_REGION).route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })),
      );
      const observations = out.HealthCheckObservations ?? [];
      // No reading yet (a new health check) says nothing: it must not count towards a failover.
      if (observations.length === 0) return undefined;
      const healthy = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
      // Route 53 considers an endpoint healthy when more than 18% of its checkers report it healthy.
      return healthy / observations.length > HEALTHY_CHECKER_FRACTION;
    },

    probe: probeEndpoint,

    async sendFollowUp(queueUrl, delaySeconds, body): Promise<void> {
      await call('sqs SendMessage', queueUrl, () =>
        dr()
          .sqs()
          .send(new SendMessageCommand({ QueueUrl: queueUrl, DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))), MessageBody: body })),
      );
    },

    async putMetrics(namespace, dimensions, values): Promise<void> {
      const Dimensions = Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
      await call('cloudwatch PutMetricData', namespace, () =>
        dr()
          .cloudwatch()
          .send(new PutMetricDataCommand({ Namespace: namespace, MetricData: values.map((v) => ({ MetricName: v.name, Value: v.value, Unit: 'Count', Dimensions })) })),
      );
    },

    async publish(topicArn: string, subject: string, message: string): Promise<void> {
      await call('sns Publish', topicArn, () =>
        dr()
          .sns()
          .send(new PublishCommand({ TopicArn: topicArn, Subject: subject.slice(0, SNS_SUBJECT_MAX), Message: message })),
      );
    },
  };
  return port;
}

/** SDK MixedInstancesPolicy → domain shape; `undefined` when the group has none. */
function fromSdkPolicy(p: SdkMixedInstancesPolicy | undefined): MixedInstancesPolicy | undefined {
  const spec = p?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!p || !spec) return undefined;
  const d = p.InstancesDistribution ?? {};
  const distribution: InstancesDistribution = {
    onDemandAllocationStrategy: d.OnDemandAllocationStrategy,
    onDemandBaseCapacity: d.OnDemandBaseCapacity,
    onDemandPercentageAboveBaseCapacity: d.OnDemandPercentageAboveBaseCapacity,
    spotAllocationStrategy: d.SpotAllocationStrategy,
    spotInstancePools: d.SpotInstancePools,
    spotMaxPrice: d.SpotMaxPrice,
  };
  return {
    launchTemplate: {
      launchTemplateSpecification: dropUndefined({
        launchTemplateId: spec.LaunchTemplateId,
        launchTemplateName: spec.LaunchTemplateName,
        version: spec.Version,
      }),
      overrides: p.LaunchTemplate?.Overrides?.map((o) => dropUndefined({ instanceType: o.InstanceType, weightedCapacity: o.WeightedCapacity })),
    },
    instancesDistribution: dropUndefined(distribution),
  };
}

/** Domain MixedInstancesPolicy → SDK shape, whole: launch template, overrides and every distribution field. */
function toSdkPolicy(p: MixedInstancesPolicy): SdkMixedInstancesPolicy {
  const spec = p.launchTemplate.launchTemplateSpecification;
  const d = p.instancesDistribution;
  return {
    LaunchTemplate: {
      // Describe returns both id and name, but Update accepts only one of them: the id is the stable one.
      LaunchTemplateSpecification: spec.launchTemplateId
        ? { LaunchTemplateId: spec.launchTemplateId, Version: spec.version }
        : { LaunchTemplateName: spec.launchTemplateName, Version: spec.version },
      Overrides: p.launchTemplate.overrides?.map((o) => ({ InstanceType: o.instanceType, WeightedCapacity: o.weightedCapacity })),
    },
    InstancesDistribution: {
      OnDemandAllocationStrategy: d.onDemandAllocationStrategy,
      OnDemandBaseCapacity: d.onDemandBaseCapacity,
      OnDemandPercentageAboveBaseCapacity: d.onDemandPercentageAboveBaseCapacity,
      SpotAllocationStrategy: d.spotAllocationStrategy,
      SpotInstancePools: d.spotInstancePools,
      SpotMaxPrice: d.spotMaxPrice,
    },
  };
}

function toSdkStrategyItem(c: CapacityProviderItem): { capacityProvider: string; weight?: number; base?: number } {
  return { capacityProvider: c.capacityProvider, weight: c.weight, base: c.base };
}

function toSdkTarget(t: Target): { Id: string; Port?: number } {
  return t.port === undefined ? { Id: t.id } : { Id: t.id, Port: t.port };
}

/** Removes keys whose value is undefined, so observations deep-equal fixtures that omit them. */
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
