/** Notifications (SNS), metrics (CloudWatch), follow-ups (SQS). Part of the AWS port (reconciler/aws.ts composes the parts). */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type {
  Notifier,
} from '../port';
import { AwsContext, SNS_SUBJECT_MAX } from './clients';

/** Notifications (SNS), metrics (CloudWatch), follow-ups (SQS). */
export function notifyPart(ctx: AwsContext): Notifier {
  const { dr, call } = ctx;
  return {
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
}
