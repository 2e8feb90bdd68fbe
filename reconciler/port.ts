/**
 * AwsPort: the reconciler's only view of AWS. Domain-shaped: no `@aws-sdk/*` type crosses this line.
 *
 * Reads return observations; a missing resource is an observation (`exists: false` or `undefined`),
 * never an exception. Writes are idempotent and throw `PortError` (see errors.ts) on failure.
 * `reconciler/aws.ts` composes it from one part per service (reconciler/aws/*) over the SDK v3 clients; tests use
 * `test/support/fake-port.ts`.
 */

/** A mode parameter as read from SSM. */
export interface ModeParameter {
  /** The raw value, unvalidated (validation is the spec module's job: rule S6). */
  readonly value: string;
  /** SSM parameter version: the `observedGeneration` of the status. */
  readonly version: number;
  /** When this version was written. */
  readonly lastModified: Date;
  /** Who wrote it (SSM LastModifiedUser), when known. */
  readonly lastModifiedBy?: string;
}

/** The DR read replica as observed. */
export interface ReplicaObservation {
  readonly identifier: string;
  readonly exists: boolean;
  /** RDS DBInstanceStatus, e.g. `available`, `modifying`, `rebooting`. */
  readonly status?: string;
  /** True while the instance still replicates from a source (ReadReplicaSourceDBInstanceIdentifier set). */
  readonly isReplica: boolean;
  readonly sourceIdentifier?: string;
  /** CloudWatch ReplicaLag, seconds, when it could be read. */
  readonly replicaLagSeconds?: number;
  /** The instance's tags (the scope check reads `pilot-light:environment`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** EC2 Auto Scaling instances distribution (the part of a MixedInstancesPolicy that decides spot vs on-demand). */
export interface InstancesDistribution {
  readonly onDemandAllocationStrategy?: string;
  readonly onDemandBaseCapacity?: number;
  readonly onDemandPercentageAboveBaseCapacity?: number;
  readonly spotAllocationStrategy?: string;
  readonly spotInstancePools?: number;
  readonly spotMaxPrice?: string;
}

/** Launch template part of a MixedInstancesPolicy, carried through unchanged. */
export interface LaunchTemplatePolicy {
  readonly launchTemplateSpecification: {
    readonly launchTemplateId?: string;
    readonly launchTemplateName?: string;
    readonly version?: string;
  };
  readonly overrides?: ReadonlyArray<{ readonly instanceType?: string; readonly weightedCapacity?: string }>;
}

/** The whole MixedInstancesPolicy: always sent whole (moto and AWS both mishandle partial updates). */
export interface MixedInstancesPolicy {
  readonly launchTemplate: LaunchTemplatePolicy;
  readonly instancesDistribution: InstancesDistribution;
}

/** One instance of an ASG. */
export interface AsgInstance {
  readonly instanceId: string;
  /** e.g. `Pending`, `InService`, `Terminating`. */
  readonly lifecycleState: string;
  /** `Healthy` or `Unhealthy`. */
  readonly healthStatus: string;
}

/** An Auto Scaling Group as observed. */
export interface AsgObservation {
  readonly name: string;
  readonly exists: boolean;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly desiredCapacity?: number;
  readonly mixedInstancesPolicy?: MixedInstancesPolicy;
  readonly instances: ReadonlyArray<AsgInstance>;
  /** The group's tags (the scope check reads `pilot-light:environment`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** One capacity provider strategy item of an ECS service. */
export interface CapacityProviderItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

/** An ECS service as observed. */
export interface ServiceObservation {
  readonly cluster: string;
  readonly name: string;
  readonly exists: boolean;
  /** ACTIVE, DRAINING or INACTIVE. An INACTIVE service counts as missing. */
  readonly status?: string;
  readonly desiredCount?: number;
  readonly runningCount?: number;
  readonly pendingCount?: number;
  readonly capacityProviderStrategy: ReadonlyArray<CapacityProviderItem>;
  readonly launchType?: string;
  /** How many deployments the service has: more than one while old tasks are being replaced. */
  readonly deployments?: number;
  /** rolloutState of the PRIMARY deployment: IN_PROGRESS, COMPLETED or FAILED. */
  readonly primaryRolloutState?: string;
  /** The service's tags (the scope check reads `pilot-light:environment`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A target in a target group. */
export interface Target {
  /** Instance id (instance target groups) or IP address (ip target groups). */
  readonly id: string;
  readonly port?: number;
}

/** A registered target and its health. */
export interface TargetHealth extends Target {
  /** ELBv2 TargetHealth.State: initial, healthy, unhealthy, unused, draining, unavailable. */
  readonly state: string;
}

/** A target group as observed. */
export interface TargetGroupObservation {
  readonly arn: string;
  readonly exists: boolean;
  /** `instance` or `ip`. */
  readonly targetType?: string;
  readonly port?: number;
  readonly targets: ReadonlyArray<TargetHealth>;
}

/** A running ECS task's address, as a load balancer target. */
export interface TaskAddress {
  readonly taskArn: string;
  /** The task ENI's private IPv4 address (awsvpc). */
  readonly ip: string;
}

/** CloudWatch alarm state. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A lease: who holds the single-writer lock and until when. */
export interface LeaseRequest {
  readonly table: string;
  readonly holder: string;
  readonly now: Date;
  readonly ttlSeconds: number;
}

/** The mode and spec parameters (SSM). */
export interface ModeStore {
  /** Reads the mode parameter; `undefined` when it does not exist. */
  getModeParameter(name: string): Promise<ModeParameter | undefined>;
  /** Overwrites the mode parameter; returns the new version. */
  putModeParameter(name: string, value: string): Promise<number>;
  /** Reads a plain SSM string parameter (the spec document); `undefined` when missing. */
  getParameterValue(name: string): Promise<string | undefined>;
}

/** The state table (DynamoDB): lease, status, mode request. */
export interface StateStore {
  /** Takes the lease when it is free, expired, or claims more than `ttlSeconds` ahead (S11); false when another holder has it. */
  acquireLease(req: LeaseRequest): Promise<boolean>;
  /** Who holds the lease and until when, if anyone (for the Locked message). */
  readLease(table: string): Promise<{ holder: string; expiresAt: Date } | undefined>;
  /** Gives the lease back if this holder still has it; never throws for a lost lease. */
  releaseLease(table: string, holder: string): Promise<void>;
  /** Reads a JSON document stored under `key`; `undefined` when absent. */
  readState<T>(table: string, key: string): Promise<T | undefined>;
  /** Stores a JSON document under `key` (last writer wins; callers hold the lease). */
  writeState<T>(table: string, key: string, doc: T): Promise<void>;
  /** Reads several documents at once (one strongly consistent batch); absent keys are missing from the result. */
  readStates(table: string, keys: readonly string[]): Promise<Record<string, unknown>>;
  /**
   * Stores `doc` under `key` and gives the lease back, atomically, only if `holder` still holds it. False when
   * another holder has it: then nothing was written.
   */
  writeStateAndRelease<T>(table: string, key: string, doc: T, holder: string): Promise<boolean>;
}

/** Reads of the DR region's managed resources (observe). */
export interface DrRegionReader {
  /** `withLag`: also read the ReplicaLag metric, in parallel with the instance. @default true */
  describeReplica(identifier: string, withLag?: boolean): Promise<ReplicaObservation>;
  /** One observation per name, in the order given; missing groups have `exists: false`. */
  describeAsgs(names: ReadonlyArray<string>): Promise<AsgObservation[]>;
  /** One observation per name, in the order given; batched 10 a call. */
  describeServices(cluster: string, names: ReadonlyArray<string>): Promise<ServiceObservation[]>;
  /** Addresses of the RUNNING tasks of a service. */
  listServiceTasks(cluster: string, service: string): Promise<TaskAddress[]>;
  /** One observation per ARN, in the order given; missing groups have `exists: false`. Batched. */
  describeTargetGroups(arns: ReadonlyArray<string>): Promise<TargetGroupObservation[]>;
}

/** Writes to the DR region's managed resources (act). Each is idempotent. */
export interface DrRegionWriter {
  promoteReplica(identifier: string): Promise<void>;
  updateAsg(input: {
    readonly name: string;
    readonly minSize: number;
    readonly maxSize: number;
    readonly desiredCapacity: number;
    readonly mixedInstancesPolicy?: MixedInstancesPolicy;
  }): Promise<void>;
  updateService(input: {
    readonly cluster: string;
    readonly service: string;
    readonly desiredCount: number;
    readonly capacityProviderStrategy: ReadonlyArray<CapacityProviderItem>;
    readonly forceNewDeployment: boolean;
  }): Promise<void>;
  registerTargets(targetGroupArn: string, targets: ReadonlyArray<Target>): Promise<void>;
  deregisterTargets(targetGroupArn: string, targets: ReadonlyArray<Target>): Promise<void>;
}

/** The DR region's managed resources. */
export type DrRegion = DrRegionReader & DrRegionWriter;

/** The one write the reconciler may make in the primary region: the opt-in fence of the old writer (S9). */
export interface PrimaryRegion {
  /** StopDBInstance of the instance `arn` names, in that ARN's region. */
  stopDbInstance(arn: string): Promise<void>;
}

/** Health signals of the primary (us-east-1 control planes: read lazily, may be down). */
export interface Signals {
  /** State of a CloudWatch alarm in `region`; `undefined` when the alarm does not exist. */
  getAlarmState(region: string, alarmName: string): Promise<{ state: AlarmState; reason?: string } | undefined>;
  /** Route 53 health check: true when more than 18% of checkers report healthy (Route 53's rule); undefined with no readings yet. */
  getHealthCheckHealthy(healthCheckId: string): Promise<boolean | undefined>;
  /** Probes the primary's health endpoint directly (no AWS API); never throws. */
  probe(url: string, timeoutSeconds: number): Promise<{ healthy: boolean; detail: string }>;
}

/** Notifications and the metrics that alarms and the traffic gate read. */
export interface Notifier {
  /** Publishes a notification; `message` is the body. */
  publish(topicArn: string, subject: string, message: string): Promise<void>;
  /** SQS SendMessage with a delay (0–900 s) to the requeue queue: the reconciler's next pass, then. */
  sendFollowUp(queueUrl: string, delaySeconds: number, body: string): Promise<void>;
  /** CloudWatch PutMetricData in the DR region: one call for all values. */
  putMetrics(namespace: string, dimensions: Readonly<Record<string, string>>, values: ReadonlyArray<{ readonly name: string; readonly value: number }>): Promise<void>;
}

/** The reconciler's whole view of AWS: every role together (reconciler/aws.ts builds it). */
export type AwsPort = ModeStore & StateStore & DrRegion & PrimaryRegion & Signals & Notifier;
