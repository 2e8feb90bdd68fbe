/**
 * Lambda entry (`dr-dr-failover`): event → one reconcile pass. Thin: parse the trigger, load the spec,
 * run the pass, flush metrics. Logger and metrics live at module scope, as Powertools advises.
 *
 * Accepts: `{}` (the runbook's manual invoke), EventBridge "Parameter Store Change", EventBridge
 * "Scheduled Event" (periodic resync), the monthly drill rule's input
 * `{"source":"pilot-light.drill","action":"start-drill","durationMinutes":N}`, and SNS messages from the
 * health-check alarm topic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createAwsPort } from './aws';
import { InvalidSpecError } from './errors';
import type { AwsPort } from './port';
import { carriesIntent } from './policy';
import { reconcileOnce, type PassResult, type Trigger } from './reconcile';
import { parseSpec } from './spec';

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

/** The shape of the events this handler understands (everything else is treated as a manual pass). */
type IncomingEvent = {
  readonly source?: string;
  readonly action?: string;
  readonly durationMinutes?: number;
  readonly 'detail-type'?: string;
  readonly Records?: ReadonlyArray<{ readonly EventSource?: string; readonly Sns?: { readonly Message?: string } }>;
} | null | undefined;

/** Maps a Lambda event to a trigger. Pure. */
export function triggerOf(event: IncomingEvent): Trigger {
  if (!event || typeof event !== 'object') return { kind: 'manual' };
  if (event.source === 'pilot-light.drill' && event.action === 'start-drill') {
    const d = event.durationMinutes;
    return { kind: 'start-drill', durationMinutes: typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : undefined, startedBy: 'schedule' };
  }
  if (event['detail-type'] === 'Parameter Store Change') return { kind: 'parameter-change' };
  if (event['detail-type'] === 'Scheduled Event') return { kind: 'resync' };
  const sns = event.Records?.find((r) => r.EventSource === 'aws:sns');
  if (sns) {
    let alarmName: string | undefined;
    try {
      alarmName = (JSON.parse(sns.Sns?.Message ?? '{}') as { AlarmName?: string }).AlarmName;
    } catch {
      // Not a CloudWatch alarm message: the pass re-reads the configured alarm anyway.
    }
    return { kind: 'alarm', alarmName };
  }
  return { kind: 'manual' };
}

/** The Lambda handler. Returns the pass outcome; throws only when the environment cannot be loaded. */
export async function handler(event: IncomingEvent, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ outcome: PassResult['outcome']; trigger?: PassResult['trigger']; notes: readonly string[] }> {
  const trigger = triggerOf(event);
  logger.info('Reconcile pass triggered', { trigger });
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
    return { outcome: 'InvalidSpec', notes: problems };
  }
  metrics.addDimension('Environment', env.metadata.name);
  const port = portFor(env.spec.region);
  try {
    const result = await reconcileOnce(port, env, {
      trigger,
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
    return { outcome: result.outcome, trigger: result.trigger, notes: result.notes };
  } finally {
    metrics.publishStoredMetrics();
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
