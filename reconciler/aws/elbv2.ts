/** Target groups (ELBv2). Part of the AWS port (reconciler/aws.ts composes the parts). */
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  DrRegion,
  Target,
  TargetGroupObservation,
} from '../port';
import { AwsContext, hasCode, toSdkTarget } from './clients';

/** Target groups (ELBv2). */
export function elbv2Part(ctx: AwsContext): Pick<DrRegion, 'describeTargetGroups' | 'registerTargets' | 'deregisterTargets'> {
  const { dr, call } = ctx;
  return {
    async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupObservation[]> {
      // One DescribeTargetHealth per group, all at once: it answers TargetGroupNotFound for a missing group and
      // reports every target's port (the group's when registered without one), so no DescribeTargetGroups
      // round trip comes first. Target health is per group in the API.
      return Promise.all(
        arns.map(async (arn): Promise<TargetGroupObservation> => {
          let health;
          try {
            health = await call('elbv2 DescribeTargetHealth', arn, () => dr().elbv2().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
          } catch (err) {
            // call() maps the SDK error to a PortError that keeps the AWS code.
            if (hasCode(err, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) {
              return { arn, exists: false, targets: [] };
            }
            throw err;
          }
          return {
            arn,
            exists: true,
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
