/**
 * The desired-state document (DrEnvironment): types, validation, defaults, and the mode value.
 *
 * The JSON Schema in spec.schema.json is the contract (ranges, AWS's name rules, the known regions); this
 * module checks the text's size and nesting before parsing it, validates against the schema, and then checks
 * what a schema cannot say (min <= desired <= max, unique names, ARNs in the DR region). Every problem names
 * the field and the bad value, shown by `quote` (invisible characters escaped, long values cut). Documented
 * in docs/spec.md. The types and constants live in spec-types.ts, which loads none of this.
 */
import { partition } from '@aws-sdk/util-endpoints';
import Ajv, { type ErrorObject } from 'ajv';
import ajvErrors from 'ajv-errors';
import { closest, distance } from 'fastest-levenshtein';
import schema from './spec.schema.json';
import { InvalidSpecError } from './errors';
import { MAX_VALUE_CHARS, quote } from './text';
import {
  API_VERSION,
  DEFAULT_CONCURRENCY,
  KIND,
  type AsgSpec,
  type DrEnvironment,
  type DrillSpec,
  type EcsServiceSpec,
  type EnvironmentSpec,
  type FailoverSpec,
  type Mode,
  type ServiceLoadBalancer,
  type TargetRegistration,
} from './spec-types';

export * from './spec-types';

/** Largest document text accepted, in bytes: SSM holds at most 8 KB; a file may be pretty-printed. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Deepest nesting of objects and arrays accepted; a DrEnvironment needs 6. */
export const MAX_DOCUMENT_DEPTH = 32;
/** A region suggestion is offered when the nearest known name is at most this many edits away. */
const MAX_SUGGESTION_EDITS = 3;

// allErrors: every problem at once; ajv-errors: the schema's own `errorMessage` says the rule in words.
const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
ajvErrors(ajv);
const validateSchema = ajv.compile(schema);

/** The known AWS regions: the schema's list, so the schema alone tells an editor what is valid. */
export const KNOWN_REGIONS: readonly string[] = schema.definitions.region.enum;

/** ` (did you mean "us-east-1"?)` for a near miss of a known region, else nothing. */
function regionSuggestion(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_VALUE_CHARS) return '';
  const near = closest(value.toLowerCase(), KNOWN_REGIONS as string[]);
  return distance(value.toLowerCase(), near) <= MAX_SUGGESTION_EDITS ? ` (did you mean ${JSON.stringify(near)}?)` : '';
}

/** JSON Schema types as a message says them. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
};

/** Ajv's wording for the keywords whose limit is a number (and for types), in this project's words. */
function limitProblem(e: ErrorObject): string | undefined {
  const limit = (e.params as { limit?: number }).limit;
  switch (e.keyword) {
    case 'maximum':
      return `must be at most ${limit}`;
    case 'minimum':
      return `must be at least ${limit}`;
    case 'maxLength':
      return `must be at most ${limit} characters`;
    case 'minLength':
      return `must be at least ${limit} characters`;
    case 'maxItems':
      return `must have at most ${limit} items`;
    case 'maxProperties':
      return `must have at most ${limit} entries`;
    case 'type': {
      const type = String((e.params as { type?: string }).type);
      return `must be ${TYPE_NAMES[type] ?? type}`;
    }
    default:
      return undefined;
  }
}

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
  // A label key is a property name, not a value: show the key, not the whole map.
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) return `${path || '(document)'}: ${e.message ?? 'bad key'}, got: key ${quote(propertyName)}`;
  const value = valueAt(doc, e.instancePath);
  let problem = limitProblem(e) ?? e.message ?? e.keyword;
  if (e.keyword === 'enum' && e.schemaPath === '#/definitions/region/enum') problem = `must be a known AWS region${regionSuggestion(value)}`;
  else if (e.keyword === 'enum') problem = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') problem = `must be ${JSON.stringify(params.allowedValue)}`;
  // A list or map that is too long is shown by its size, not its first 200 characters.
  if (e.keyword === 'maxItems' && Array.isArray(value)) return `${path}: ${problem}, got: ${value.length} items`;
  if (e.keyword === 'maxProperties' && value !== null && typeof value === 'object') return `${path}: ${problem}, got: ${Object.keys(value).length} entries`;
  return `${path || '(document)'}: ${problem}, got: ${quote(value)}`;
}

/** A property name as a path segment: cut if long (the whole message is escaped by InvalidSpecError). */
function segment(name: string): string {
  const chars = Array.from(name);
  return chars.length <= MAX_VALUE_CHARS ? name : `${chars.slice(0, MAX_VALUE_CHARS).join('')}…`;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => segment(seg.replace(/~1/g, '/').replace(/~0/g, '~')))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function joinPath(path: string, field: string): string {
  return path ? `${path}.${segment(field)}` : segment(field);
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** The parts of an ARN the schema has already checked the shape of. */
function arnParts(arn: string): { partition: string; service: string; region: string } {
  const [, partitionName, service, region] = arn.split(':');
  return { partition: partitionName, service, region };
}

/** Problems with an ARN that must name a resource in the DR region and its partition (`aws-cn`, …). */
function arnRegionProblems(arn: string, field: string, dr: { readonly region: string; readonly partition: string }): string[] {
  const a = arnParts(arn);
  if (a.region !== dr.region) return [`${field}: must be in the DR region ${JSON.stringify(dr.region)} (spec.region), got: ${quote(arn)}`];
  if (a.partition !== dr.partition) return [`${field}: must be in partition ${JSON.stringify(dr.partition)} (that of ${dr.region}), got: ${quote(arn)}`];
  return [];
}

/**
 * Where `text` first nests deeper than `max` objects and arrays (a character offset), or undefined. Brackets
 * inside strings do not count. Runs before JSON.parse: a 10 000-deep document must be refused, not parsed
 * and then overflow the stack of whatever walks it.
 */
export function excessiveNesting(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/** Checks a schema cannot express. Input has passed the schema. */
function semanticProblems(doc: RawDocument): string[] {
  const problems: string[] = [];
  const seenAsg = new Set<string>();
  doc.spec.autoScalingGroups.forEach((asg, i) => {
    if (seenAsg.has(asg.name)) problems.push(`spec.autoScalingGroups[${i}].name: duplicate name, got: ${quote(asg.name)}`);
    seenAsg.add(asg.name);
    for (const mode of ['pilotLight', 'active'] as const) {
      const c = asg[mode];
      const at = `spec.autoScalingGroups[${i}].${mode}`;
      if (c.minSize > c.maxSize) problems.push(`${at}.minSize: must be at most maxSize (${c.maxSize}), got: ${c.minSize}`);
      if (c.desiredCapacity < c.minSize || c.desiredCapacity > c.maxSize) {
        problems.push(`${at}.desiredCapacity: must be between minSize (${c.minSize}) and maxSize (${c.maxSize}), got: ${c.desiredCapacity}`);
      }
    }
  });
  const seenSvc = new Set<string>();
  doc.spec.ecsServices.forEach((svc, i) => {
    const key = `${svc.cluster}/${svc.name}`;
    if (seenSvc.has(key)) problems.push(`spec.ecsServices[${i}]: duplicate service, got: ${quote(key)}`);
    seenSvc.add(key);
  });
  // A target group fed by two owners would have each deregister the other's targets.
  const owners = new Map<string, string>();
  const claim = (arn: string, owner: string, field: string) => {
    const prev = owners.get(arn);
    if (prev && prev !== owner) problems.push(`${field}: target group already fed by ${prev}, got: ${quote(arn)}`);
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
  // The reconciler's clients live in the DR region: a target group or topic elsewhere cannot be reached
  // through them, and a pass would report it missing (Degraded) instead of refusing the document.
  const dr = { region: doc.spec.region, partition: partition(doc.spec.region).name };
  doc.spec.autoScalingGroups.forEach((asg, i) =>
    (asg.targetGroupArns ?? []).forEach((arn, j) => problems.push(...arnRegionProblems(arn, `spec.autoScalingGroups[${i}].targetGroupArns[${j}]`, dr))),
  );
  doc.spec.ecsServices.forEach((svc, i) =>
    (svc.loadBalancers ?? []).forEach((lb, j) => problems.push(...arnRegionProblems(lb.targetGroupArn, `spec.ecsServices[${i}].loadBalancers[${j}].targetGroupArn`, dr))),
  );
  if (doc.spec.notificationTopicArn !== undefined) problems.push(...arnRegionProblems(doc.spec.notificationTopicArn, 'spec.notificationTopicArn', dr));
  if (doc.spec.primaryRegion === dr.region) problems.push(`spec.primaryRegion: must differ from spec.region, got: ${quote(doc.spec.primaryRegion)}`);
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
    autoScalingGroups: Array<Omit<AsgSpec, 'targetGroupArns' | 'targetRegistration'> & { targetGroupArns?: string[]; targetRegistration?: TargetRegistration }>;
    ecsServices: Array<Omit<EcsServiceSpec, 'loadBalancers' | 'targetRegistration'> & { loadBalancers?: ServiceLoadBalancer[]; targetRegistration?: TargetRegistration }>;
  };
};

/**
 * Validates a parsed document and fills in defaults.
 * @throws InvalidSpecError listing every problem, each naming the field and the bad value.
 */
export function validateSpec(doc: unknown): DrEnvironment {
  if (!validateSchema(doc)) {
    // `propertyNames` only repeats, without the rule, what the key's own error says.
    const errors = (validateSchema.errors ?? []).filter((e) => e.keyword !== 'propertyNames');
    throw new InvalidSpecError(errors.map((e) => describeSchemaError(doc, e)));
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
      concurrency: s.concurrency ?? DEFAULT_CONCURRENCY,
      leaseSeconds: s.leaseSeconds ?? 300,
      autoScalingGroups: s.autoScalingGroups.map((a) => ({ ...a, targetGroupArns: a.targetGroupArns ?? [], targetRegistration: a.targetRegistration ?? 'reconciler' })),
      ecsServices: s.ecsServices.map((v) => ({ ...v, loadBalancers: v.loadBalancers ?? [], targetRegistration: v.targetRegistration ?? 'reconciler' })),
      failover: {
        ...s.failover,
        alarmRegion: s.failover?.alarmRegion ?? 'us-east-1',
        unhealthyReadings: s.failover?.unhealthyReadings ?? 3,
        minIntervalMinutes: s.failover?.minIntervalMinutes ?? 60,
        probeTimeoutSeconds: s.failover?.probeTimeoutSeconds ?? 3,
        probeOnlyReadings: s.failover?.probeOnlyReadings ?? 10,
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
  // Size and depth first: neither JSON.parse nor anything after it should have to cope with a huge or
  // pathologically nested document.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) throw new InvalidSpecError([`${source}: must be at most ${MAX_DOCUMENT_BYTES} bytes, got: ${bytes} bytes`]);
  const deep = excessiveNesting(text, MAX_DOCUMENT_DEPTH);
  if (deep !== undefined) throw new InvalidSpecError([`${source}: must nest at most ${MAX_DOCUMENT_DEPTH} objects and arrays deep, got: deeper at character ${deep}`]);
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
  const got = value === undefined ? 'nothing (parameter missing)' : quote(value);
  throw new InvalidSpecError([`${field}: must be "pilot-light" or "active", got: ${got}`]);
}
