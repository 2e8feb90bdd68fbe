/**
 * The SDK v3 clients behind every service part of the AWS port: options, lazy per-region clients with bounded,
 * jittered retries and timeouts, and the mapping of SDK errors to PortError. Part of reconciler/aws/, the only
 * folder that imports `@aws-sdk/*`; SDK types never leave it.
 */
import {
  AutoScalingClient,
  type MixedInstancesPolicy as SdkMixedInstancesPolicy,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PortError, isRetryable } from '../errors';
import type {
  CapacityProviderItem,
  InstancesDistribution,
  MixedInstancesPolicy,
  Target,
} from '../port';
import { retrySettings, retryStrategy } from '../retry-settings';


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
export const MAX_RETRY_DELAY_MS = 3_000;
/** DescribeServices accepts at most 10 services a call. */
export const DESCRIBE_SERVICES_BATCH = 10;
/** DescribeTasks accepts at most 100 tasks a call. */
export const DESCRIBE_TASKS_BATCH = 100;
/** SNS rejects subjects longer than 100 characters; a long subject must not cost us the notification. */
export const SNS_SUBJECT_MAX = 100;
/** Route 53 exists only in us-east-1 (its API is global). */
export const ROUTE53_REGION = 'us-east-1';
/** Route 53's own rule: healthy when more than this fraction of checkers say so. */
export const HEALTHY_CHECKER_FRACTION = 0.18;
/** The state table's item holding the single-writer lease. */
export const LEASE_KEY = 'lease';
/** How far back a ReplicaLag datapoint still counts as current. */
export const REPLICA_LAG_WINDOW_MS = 5 * 60_000;

/** The SDK clients of one region, each created on first use. */
export interface RegionClients {
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
export function toPortError(err: unknown, operation: string, subject: string, region?: string): PortError {
  if (err instanceof PortError) return err;
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'UnknownError');
  // An unparseable error body (moto's HTML 500s) leaves only "Unknown" or a JSON SyntaxError: the status says more.
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${(e?.message || code).split('\n')[0]}${status !== undefined ? ` (http ${status})` : ''}`;
  // The region names where to look: "not found" in the wrong region is the usual mistake.
  const where = region ? ` (region ${region})` : '';
  return new PortError(`${operation} ${subject} failed: ${detail}${where}`, { code, retryable: isRetryable(err), cause: err });
}

/** Whether an SDK error carries one of `codes`, by exception name or by the wire error code. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  const e = err as { name?: string; Code?: string; code?: string };
  return codes.some((c) => c === e?.name || c === e?.Code || c === e?.code);
}

/** Splits a list into chunks of `size`, keeping order. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}


/** What the service parts share. */
export interface AwsContext {
  /** The DR region's clients. */
  readonly dr: () => RegionClients;
  readonly clientsFor: (region: string) => RegionClients;
  /** Runs one SDK call, mapping any failure to a PortError naming the operation and the subject. */
  readonly call: <T>(operation: string, subject: string, run: () => Promise<T>, region?: string) => Promise<T>;
  readonly readParameter: (name: string) => Promise<{ value: string; version: number; lastModified: Date } | undefined>;
  readonly replicaLagSeconds: (identifier: string) => Promise<number | undefined>;
}

/** Lazily created clients per region, and the one call wrapper: what every service part needs. */
export function awsContext(opts: AwsPortOptions): AwsContext {
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

  /** Runs one SDK call, mapping any failure to a PortError naming the operation, the subject and the region. */
  async function call<T>(operation: string, subject: string, run: () => Promise<T>, region = opts.region): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toPortError(err, operation, subject, region);
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
  return { dr, clientsFor, call, readParameter, replicaLagSeconds };
}


/** SDK MixedInstancesPolicy → domain shape; `undefined` when the group has none. */
export function fromSdkPolicy(p: SdkMixedInstancesPolicy | undefined): MixedInstancesPolicy | undefined {
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
export function toSdkPolicy(p: MixedInstancesPolicy): SdkMixedInstancesPolicy {
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

export function toSdkStrategyItem(c: CapacityProviderItem): { capacityProvider: string; weight?: number; base?: number } {
  return { capacityProvider: c.capacityProvider, weight: c.weight, base: c.base };
}

export function toSdkTarget(t: Target): { Id: string; Port?: number } {
  return t.port === undefined ? { Id: t.id } : { Id: t.id, Port: t.port };
}

/** Removes keys whose value is undefined, so observations deep-equal fixtures that omit them. */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
