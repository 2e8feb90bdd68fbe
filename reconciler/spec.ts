/**
 * The desired-state document (DrEnvironment): types, validation, defaults, and the mode value.
 *
 * The JSON Schema in spec.schema.json is the contract; this module validates against it and then checks
 * what a schema cannot say (min <= desired <= max, unique names). Every problem names the field and the
 * bad value. Documented in docs/spec.md.
 */
import Ajv, { type ErrorObject } from 'ajv';
import schema from './spec.schema.json';
import { InvalidSpecError } from './errors';

/** The API version this reconciler understands. */
export const API_VERSION = 'pilot-light.dev/v1alpha1';
/** The document kind. */
export const KIND = 'DrEnvironment';

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

/** An Auto Scaling Group the reconciler owns. */
export interface AsgSpec {
  readonly name: string;
  readonly pilotLight: AsgCapacity;
  readonly active: AsgCapacity;
  /** Target groups that should hold exactly this group's InService instances. */
  readonly targetGroupArns: readonly string[];
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
  /** HTTPS URL of the primary's health path, probed from the DR region (rule S10). */
  readonly probeUrl?: string;
  /** Timeout of one probe, seconds (1–30). */
  readonly probeTimeoutSeconds?: number;
  /** Consecutive failed probes that fail over alone, only while Route 53 and CloudWatch are unreachable (2–100). */
  readonly probeOnlyReadings?: number;
}

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
  /** @default 4 */
  readonly concurrency: number;
  /** @default 300 */
  readonly leaseSeconds: number;
  readonly database?: { readonly replicaIdentifier: string };
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

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
const validateSchema = ajv.compile(schema);

/** Turns an ajv error into `field: problem, got: value`. */
function describeSchemaError(doc: unknown, e: ErrorObject): string {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const field = joinPath(path, String(params.additionalProperty));
    return `${field}: unknown field`;
  }
  if (e.keyword === 'required') {
    return `${joinPath(path, String(params.missingProperty))}: required field is missing`;
  }
  const value = valueAt(doc, e.instancePath);
  let problem = e.message ?? e.keyword;
  if (e.keyword === 'enum') problem = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') problem = `must be ${JSON.stringify(params.allowedValue)}`;
  return `${path || '(document)'}: ${problem}, got: ${JSON.stringify(value)}`;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function joinPath(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** Checks a schema cannot express. Input has passed the schema. */
function semanticProblems(doc: RawDocument): string[] {
  const problems: string[] = [];
  const seenAsg = new Set<string>();
  doc.spec.autoScalingGroups.forEach((asg, i) => {
    if (seenAsg.has(asg.name)) problems.push(`spec.autoScalingGroups[${i}].name: duplicate name, got: ${JSON.stringify(asg.name)}`);
    seenAsg.add(asg.name);
    for (const mode of ['pilotLight', 'active'] as const) {
      const c = asg[mode];
      const at = `spec.autoScalingGroups[${i}].${mode}`;
      if (c.minSize > c.maxSize) problems.push(`${at}.minSize: must be <= maxSize (${c.maxSize}), got: ${c.minSize}`);
      if (c.desiredCapacity < c.minSize || c.desiredCapacity > c.maxSize) {
        problems.push(`${at}.desiredCapacity: must be between minSize (${c.minSize}) and maxSize (${c.maxSize}), got: ${c.desiredCapacity}`);
      }
    }
  });
  const seenSvc = new Set<string>();
  doc.spec.ecsServices.forEach((svc, i) => {
    const key = `${svc.cluster}/${svc.name}`;
    if (seenSvc.has(key)) problems.push(`spec.ecsServices[${i}]: duplicate service, got: ${JSON.stringify(key)}`);
    seenSvc.add(key);
  });
  // A target group fed by two owners would have each deregister the other's targets.
  const owners = new Map<string, string>();
  const claim = (arn: string, owner: string, field: string) => {
    const prev = owners.get(arn);
    if (prev && prev !== owner) problems.push(`${field}: target group already fed by ${prev}, got: ${JSON.stringify(arn)}`);
    owners.set(arn, owner);
  };
  doc.spec.autoScalingGroups.forEach((asg, i) =>
    (asg.targetGroupArns ?? []).forEach((arn, j) => claim(arn, `asg ${asg.name}`, `spec.autoScalingGroups[${i}].targetGroupArns[${j}]`)),
  );
  doc.spec.ecsServices.forEach((svc, i) =>
    (svc.loadBalancers ?? []).forEach((lb, j) =>
      claim(lb.targetGroupArn, `service ${svc.cluster}/${svc.name}`, `spec.ecsServices[${i}].loadBalancers[${j}].targetGroupArn`),
    ),
  );
  return problems;
}

/** The document as written: optional fields may be absent. */
type RawDocument = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Omit<EnvironmentSpec, 'concurrency' | 'leaseSeconds' | 'failover' | 'drill' | 'autoScalingGroups' | 'ecsServices'> & {
    concurrency?: number;
    leaseSeconds?: number;
    failover?: Partial<FailoverSpec>;
    drill?: Partial<DrillSpec>;
    autoScalingGroups: Array<Omit<AsgSpec, 'targetGroupArns'> & { targetGroupArns?: string[] }>;
    ecsServices: Array<Omit<EcsServiceSpec, 'loadBalancers'> & { loadBalancers?: ServiceLoadBalancer[] }>;
  };
};

/**
 * Validates a parsed document and fills in defaults.
 * @throws InvalidSpecError listing every problem, each naming the field and the bad value.
 */
export function validateSpec(doc: unknown): DrEnvironment {
  if (!validateSchema(doc)) {
    throw new InvalidSpecError((validateSchema.errors ?? []).map((e) => describeSchemaError(doc, e)));
  }
  const raw = doc as RawDocument;
  const problems = semanticProblems(raw);
  if (problems.length > 0) throw new InvalidSpecError(problems);
  const s = raw.spec;
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { ...raw.metadata },
    spec: {
      ...s,
      concurrency: s.concurrency ?? 4,
      leaseSeconds: s.leaseSeconds ?? 300,
      autoScalingGroups: s.autoScalingGroups.map((a) => ({ ...a, targetGroupArns: a.targetGroupArns ?? [] })),
      ecsServices: s.ecsServices.map((v) => ({ ...v, loadBalancers: v.loadBalancers ?? [] })),
      failover: {
        ...s.failover,
        alarmRegion: s.failover?.alarmRegion ?? 'us-east-1',
        unhealthyReadings: s.failover?.unhealthyReadings ?? 3,
        minIntervalMinutes: s.failover?.minIntervalMinutes ?? 60,
      },
      drill: {
        durationMinutes: s.drill?.durationMinutes ?? 60,
        maxReplicaLagSeconds: s.drill?.maxReplicaLagSeconds ?? 300,
      },
    },
  };
}

/**
 * Parses JSON text and validates it. `source` names where the text came from, for messages.
 * @throws InvalidSpecError
 */
export function parseSpec(text: string, source = 'spec'): DrEnvironment {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidSpecError([`${source}: not valid JSON (${(err as Error).message})`]);
  }
  return validateSpec(doc);
}

/**
 * Parses a mode value exactly: no trimming, no case folding (rule S6: `Active ` is not `active`).
 * @throws InvalidSpecError naming the parameter and the bad value.
 */
export function parseMode(value: string | undefined, field: string): Mode {
  if (value === 'pilot-light' || value === 'active') return value;
  const got = value === undefined ? 'nothing (parameter missing)' : JSON.stringify(value);
  throw new InvalidSpecError([`${field}: must be "pilot-light" or "active", got: ${got}`]);
}
