/** Target groups (ELBv2). Part of the AWS port (reconciler/aws.ts composes the parts). */
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  DrRegion,
  Target,
  TargetGroupObservation,
} from '../port';
import { AwsContext, DESCRIBE_TARGET_GROUPS_BATCH, chunks, hasCode, toPortError, toSdkTarget } from './clients';

/** Target groups (ELBv2). */
export function elbv2Part(ctx: AwsContext): Pick<DrRegion, 'describeTargetGroups' | 'registerTargets' | 'deregisterTargets'> {
  const { dr, call } = ctx;
  return {
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
  };
}
