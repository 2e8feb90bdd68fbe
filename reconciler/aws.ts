/**
 * AwsPort implemented with the AWS SDK v3 clients, one part per service in reconciler/aws/ (the only folder of
 * the project that imports `@aws-sdk/*`). Endpoints come from the standard SDK environment (AWS_ENDPOINT_URL and
 * friends), so the same code talks to AWS and to the emulator. Every SDK error leaves as a PortError whose
 * `retryable` is decided by `isRetryable` in errors.ts; SDK types never leave.
 */
import { awsContext, type AwsPortOptions } from './aws/clients';
import { autoscalingPart } from './aws/autoscaling';
import { dynamodbPart } from './aws/dynamodb';
import { ecsPart } from './aws/ecs';
import { elbv2Part } from './aws/elbv2';
import { notifyPart } from './aws/notify';
import { rdsPart } from './aws/rds';
import { signalsPart } from './aws/signals';
import { ssmPart } from './aws/ssm';
import type { AwsPort } from './port';

export { retryDelayMs, toPortError, type AwsPortOptions } from './aws/clients';

/** Creates the AwsPort for one DR region. Clients are created lazily, once per region, and reused. */
export function createAwsPort(opts: AwsPortOptions): AwsPort {
  const ctx = awsContext(opts);
  return { ...ssmPart(ctx), ...dynamodbPart(ctx), ...rdsPart(ctx), ...autoscalingPart(ctx), ...ecsPart(ctx), ...elbv2Part(ctx), ...signalsPart(ctx), ...notifyPart(ctx) };
}
