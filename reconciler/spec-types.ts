/**
 * The desired-state document's types and constants (DrEnvironment), apart from its validator.
 *
 * Imports nothing: the Terraform modules build a document from these types and constants without loading
 * the validator (ajv and the JSON Schema) at synth time. reconciler/spec.ts validates and re-exports them.
 */

/** The API version this reconciler understands. */
export const API_VERSION = 'pilot-light.dev/v1alpha1';
/** The document kind. */
export const KIND = 'DrEnvironment';

/**
 * Actions one pass runs at once by default: the burst of ECS's service-modify bucket (UpdateService, 50 per account
 * and Region). reconciler/act.ts holds each kind to its own bucket's burst under it and backs off when throttled.
 */
export const DEFAULT_CONCURRENCY = 50;

/** The only two modes. A drill is `active` plus drill metadata, never a third value. */
export type Mode = 'pilot-light' | 'active';
/** Every valid mode, in the order they are shown. */
export const MODES: readonly Mode[] = ['pilot-light', 'active'];

/** Capacity of an Auto Scaling Group in one mode. */
export interface AsgCapacity {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  /** OnDemandPercentageAboveBaseCapacity: 0 = all spot, 100 = all on-demand. */
  readonly onDemandPercentage: number;
}

/**
 * Who registers an owner's targets: `aws` when the group is attached to the owner (an ASG's `target_group_arns`, an
 * ECS service's `load_balancer`) and AWS registers them itself, so the reconciler only verifies and reports; or
 * `reconciler`, which registers and deregisters them (and needs the IAM for it on exactly those groups).
 */
export type TargetRegistration = 'reconciler' | 'aws';

/** An Auto Scaling Group the reconciler owns. */
export interface AsgSpec {
  readonly name: string;
  readonly pilotLight: AsgCapacity;
  readonly active: AsgCapacity;
  /** Target groups that should hold exactly this group's InService instances. */
  readonly targetGroupArns: readonly string[];
  /** @default reconciler */
  readonly targetRegistration: TargetRegistration;
}

/** ECS capacity provider. */
export type CapacityProvider = 'FARGATE' | 'FARGATE_SPOT';

/** An ECS service's size in one mode. */
export interface ServiceCapacity {
  readonly desiredCount: number;
  readonly capacityProvider: CapacityProvider;
}

/** A target group fed with a service's running tasks. */
export interface ServiceLoadBalancer {
  readonly targetGroupArn: string;
  readonly port: number;
}

/** An ECS service the reconciler owns. */
export interface EcsServiceSpec {
  readonly cluster: string;
  readonly name: string;
  readonly pilotLight: ServiceCapacity;
  readonly active: ServiceCapacity;
  readonly loadBalancers: readonly ServiceLoadBalancer[];
  /** @default reconciler */
  readonly targetRegistration: TargetRegistration;
}

/** Automatic failover settings (alarm path and health-check backstop). */
export interface FailoverSpec {
  readonly alarmName?: string;
  /** @default us-east-1 */
  readonly alarmRegion: string;
  readonly healthCheckId?: string;
  /** @default 3 */
  readonly unhealthyReadings: number;
  /** @default 60 */
  readonly minIntervalMinutes: number;
  /** The primary's health endpoint, probed from the DR region (S10); without it Route 53 and the alarm must agree. */
  readonly probeUrl?: string;
  /** @default 3 */
  readonly probeTimeoutSeconds: number;
  /** Failed probes that fail over alone while Route 53 and CloudWatch are both unreachable. @default 10 */
  readonly probeOnlyReadings: number;
}

/** Longest drill, in minutes (a day): the schema's bound on drill.durationMinutes, drctl's and the drill event's. */
export const MAX_DRILL_MINUTES = 1440;

/** Drill settings. */
export interface DrillSpec {
  /** @default 60 */
  readonly durationMinutes: number;
  /** @default 300 */
  readonly maxReplicaLagSeconds: number;
}

/** The body of a DrEnvironment, with every default filled in. */
export interface EnvironmentSpec {
  readonly region: string;
  readonly primaryRegion?: string;
  readonly modeParameter: string;
  readonly stateTable: string;
  readonly notificationTopicArn?: string;
  /** @default 50 (DEFAULT_CONCURRENCY) */
  readonly concurrency: number;
  /** @default 300 */
  readonly leaseSeconds: number;
  readonly database?: {
    readonly replicaIdentifier: string;
    /** The primary the replica follows (primary region): the old writer after a failover. */
    readonly primaryArn?: string;
    /** Stop the old primary once the primary region answers again after a promotion (S9, opt-in). @default false */
    readonly fenceOldPrimary?: boolean;
  };
  readonly autoScalingGroups: readonly AsgSpec[];
  readonly ecsServices: readonly EcsServiceSpec[];
  readonly failover: FailoverSpec;
  readonly drill: DrillSpec;
}

/** A validated DrEnvironment document with defaults applied. */
export interface DrEnvironment {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: EnvironmentSpec;
}
