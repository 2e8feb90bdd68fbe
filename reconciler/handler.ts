/**
 * Lambda entry (`dr-dr-failover`): event → one reconcile pass. Thin: parse the trigger, load the spec,
 * run the pass, flush metrics. Logger and metrics live at module scope, as Powertools advises.
 *
 * Accepts: `{}` (the runbook's manual invoke), EventBridge "Parameter Store Change", EventBridge
 * "Scheduled Event" (periodic resync), the monthly drill rule's input
 * `{"source":"pilot-light.drill","action":"start-drill","durationMinutes":N}`, and SNS messages from the
 * health-check alarm topic. Any other event runs a plain pass, with a note saying it was not understood.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createAwsPort } from './aws';
import { InvalidSpecError } from './errors';
import type { AwsPort } from './port';
import { carriesIntent, followUpNeeded, type PendingFollowUp } from './policy';
import { reconcileOnce, type PassResult, type Trigger } from './reconcile';
import { MAX_DRILL_MINUTES, parseSpec } from './spec';
import { quote } from './text';

/** Structured JSON logger, one per container. */
export const logger = new Logger({ serviceName: 'dr-dr-failover' });
/** CloudWatch embedded-metric-format metrics, namespace PilotLight. */
export const metrics = new Metrics({ namespace: 'PilotLight', serviceName: 'dr-dr-failover' });

/** Ports by region, kept across invocations of a warm container: clients and their retry quota are reused. */
const ports = new Map<string, AwsPort>();
function portFor(region: string): AwsPort {
  let port = ports.get(region);
  if (!port) ports.set(region, (port = createAwsPort({ region })));
  return port;
}

/** The pass's Log on top of the Powertools logger. */
const passLog = {
  info: (m: string, e?: Record<string, unknown>) => (e ? logger.info(m, e) : logger.info(m)),
  warn: (m: string, e?: Record<string, unknown>) => (e ? logger.warn(m, e) : logger.warn(m)),
  error: (m: string, e?: Record<string, unknown>) => (e ? logger.error(m, e) : logger.error(m)),
};

/** The events this handler understands, as a note about any other event lists them. */
const KNOWN_EVENTS =
  '{} (a manual pass), an EventBridge "Parameter Store Change" or "Scheduled Event", the drill rule\'s {"source":"pilot-light.drill","action":"start-drill"}, an SNS alarm notification, or a batch from the requeue queue';

/** An event read: the trigger, and what was wrong with the event (each also logged as a warning). */
export interface ReadEvent {
  readonly trigger: Trigger;
  /** Why part of the event was ignored or replaced with a default; empty for a well-formed event. */
  readonly notes: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Maps a Lambda event to a trigger. Pure, and total: no event makes it throw. An event of no known shape
 * runs a plain pass (level-triggered: the pass converges to the mode parameter, whatever woke it) and says
 * so in a note; so does a drill event whose duration is out of range, which then gets the spec's default.
 */
export function readEvent(event: unknown): ReadEvent {
  if (event === undefined || event === null) return { trigger: { kind: 'manual' }, notes: [] };
  const unknownShape = (): ReadEvent => ({
    trigger: { kind: 'manual' },
    notes: [`event: not a shape this handler knows, a plain pass runs instead (expected ${KNOWN_EVENTS}), got: ${quote(event)}`],
  });
  if (!isObject(event)) return unknownShape();
  if (event.source === 'pilot-light.drill' && event.action === 'start-drill') {
    const d = event.durationMinutes;
    if (d === undefined) return { trigger: { kind: 'start-drill', startedBy: 'schedule' }, notes: [] };
    if (typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_DRILL_MINUTES) {
      return { trigger: { kind: 'start-drill', durationMinutes: d, startedBy: 'schedule' }, notes: [] };
    }
    // As drctl refuses --duration outside 1..1440; here the drill still starts (the schedule wants one),
    // for the spec's duration rather than one that would end in the year 3928.
    return {
      trigger: { kind: 'start-drill', durationMinutes: undefined, startedBy: 'schedule' },
      notes: [`drill event durationMinutes: must be a whole number from 1 to ${MAX_DRILL_MINUTES}, got: ${quote(d)}; the drill runs for the spec's drill.durationMinutes instead`],
    };
  }
  if (event['detail-type'] === 'Parameter Store Change') return { trigger: { kind: 'parameter-change' }, notes: [] };
  if (event['detail-type'] === 'Scheduled Event') return { trigger: { kind: 'resync' }, notes: [] };
  // Any other EventBridge event (a DR-region ECS, EC2 or RDS event a rule forwards) wakes a plain pass.
  if (typeof event['detail-type'] === 'string' && typeof event.source === 'string') return { trigger: { kind: 'manual' }, notes: [] };
  if ('Records' in event) {
    const records = event.Records;
    // The requeue queue: the previous pass's follow-up, or DR-region events a rule forwarded. A batch is one pass.
    if (Array.isArray(records) && records.length > 0 && records.every((r) => isObject(r) && r.eventSource === 'aws:sqs')) return { trigger: { kind: 'requeue' }, notes: [] };
    const sns = Array.isArray(records) ? records.find((r) => isObject(r) && r.EventSource === 'aws:sns') : undefined;
    if (!isObject(sns)) return unknownShape();
    const message = isObject(sns.Sns) ? sns.Sns.Message : undefined;
    let alarmName: string | undefined;
    try {
      const parsed: unknown = typeof message === 'string' ? JSON.parse(message) : undefined;
      if (isObject(parsed) && typeof parsed.AlarmName === 'string') alarmName = parsed.AlarmName;
    } catch {
      // Not a CloudWatch alarm message: the pass re-reads the configured alarm anyway.
    }
    return { trigger: { kind: 'alarm', alarmName }, notes: [] };
  }
  return Object.keys(event).length === 0 ? { trigger: { kind: 'manual' }, notes: [] } : unknownShape();
}

/** The trigger alone of `readEvent`. */
export function triggerOf(event: unknown): Trigger {
  return readEvent(event).trigger;
}

/** The Lambda handler. Returns the pass outcome; throws only when the environment cannot be loaded. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: PassResult['outcome']; trigger?: PassResult['trigger']; notes: readonly string[]; requeueAfterSeconds?: number }> {
  const { trigger, notes: eventNotes } = readEvent(event);
  logger.info('Reconcile pass triggered', { trigger });
  for (const note of eventNotes) logger.warn(note);
  const specParameter = process.env.DR_SPEC_PARAMETER;
  if (!specParameter) throw new InvalidSpecError(['environment variable DR_SPEC_PARAMETER: required, got: nothing']);
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const text = await portFor(region).getParameterValue(specParameter);
  if (text === undefined) throw new InvalidSpecError([`spec parameter ${specParameter}: not found`]);
  let env;
  try {
    env = parseSpec(text, `spec parameter ${specParameter}`);
  } catch (err) {
    // Terminal: retrying the invocation cannot fix the document, so report and return (rule S6).
    const problems = err instanceof InvalidSpecError ? err.problems : [String(err)];
    logger.error('Invalid spec document: no changes made', { problems });
    metrics.addMetric('InvalidSpec', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    await notifyInvalidSpec(text, specParameter, problems, region);
    return { outcome: 'InvalidSpec', notes: [...eventNotes, ...problems] };
  }
  metrics.addDimension('Environment', env.metadata.name);
  const port = portFor(env.spec.region);
  try {
    const result = await reconcileOnce(port, env, {
      trigger,
      // The environment Terraform deployed this function for, not the spec's own claim: a spec cannot widen it (S12).
      scope: process.env.DR_ENVIRONMENT ?? env.metadata.name,
      log: passLog,
      // Start no new round in the last 15 s: the pass must end, release its lease and record status.
      deadline: context?.getRemainingTimeInMillis ? Date.now() + context.getRemainingTimeInMillis() - 15_000 : undefined,
      metrics: { add: (name, value, unit) => metrics.addMetric(name, unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, value) },
    });
    if (result.outcome === 'Locked' && carriesIntent(trigger)) {
      // Dropping this event would lose its intent (a failover, a drill): fail the invocation so Lambda's
      // asynchronous retry delivers it again (then the dead-letter queue).
      throw new Error(`another reconcile pass held the lease for too long; ${trigger.kind} event to be retried`);
    }
    const queueUrl = process.env.DR_REQUEUE_QUEUE_URL;
    if (queueUrl && result.requeueAfterSeconds !== undefined) await followUp(port, env.spec.stateTable, queueUrl, result.requeueAfterSeconds);
    return { outcome: result.outcome, trigger: result.trigger, notes: [...eventNotes, ...result.notes], ...(result.requeueAfterSeconds !== undefined ? { requeueAfterSeconds: result.requeueAfterSeconds } : {}) };
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** State-table key of the one pending follow-up. */
export const REQUEUE_KEY = 'requeue';

/**
 * Asks for the next pass in `seconds` through the requeue queue (SQS DelaySeconds), unless one is already due as soon.
 * Best effort: the periodic resync is the floor if this fails.
 */
export async function followUp(port: AwsPort, table: string, queueUrl: string, seconds: number, now = new Date()): Promise<boolean> {
  try {
    const pending = await port.readState<PendingFollowUp>(table, REQUEUE_KEY);
    if (!followUpNeeded(pending, now, seconds)) return false;
    const dueAt = new Date(now.getTime() + seconds * 1000).toISOString();
    await port.sendFollowUp(queueUrl, seconds, JSON.stringify({ source: 'pilot-light.requeue', dueAt }));
    await port.writeState<PendingFollowUp>(table, REQUEUE_KEY, { dueAt });
    logger.info(`Next pass requested in ${seconds}s`, { dueAt });
    return true;
  } catch (err) {
    logger.warn('Could not request a follow-up pass; the periodic resync continues', { error: String(err) });
    return false;
  }
}

/** Best effort: tell the topic named in the (invalid) document, if one can be read from it. */
async function notifyInvalidSpec(text: string, parameter: string, problems: readonly string[], region: string): Promise<void> {
  let topic: unknown;
  try {
    topic = (JSON.parse(text) as { spec?: { notificationTopicArn?: unknown } }).spec?.notificationTopicArn;
  } catch {
    return;
  }
  if (typeof topic !== 'string' || !topic.startsWith('arn:')) return;
  const body = `The DR spec document in ${parameter} is invalid; the reconciler made no changes:\n${problems.map((p) => `- ${p}`).join('\n')}\n\n${JSON.stringify({ event: 'InvalidSpec', parameter, problems }, null, 2)}`;
  await portFor(region)
    .publish(topic, '[pilot-light] Invalid DR spec document', body)
    .catch((err) => logger.warn('Could not publish notification', { error: String(err) }));
}
