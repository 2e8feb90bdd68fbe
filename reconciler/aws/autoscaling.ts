/** Auto Scaling Groups. Part of the AWS port (reconciler/aws.ts composes the parts). */
import {
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import type {
  DrRegion,
  AsgObservation,
} from '../port';
import { AwsContext, fromSdkPolicy, toSdkPolicy } from './clients';

/** Auto Scaling Groups. */
export function autoscalingPart(ctx: AwsContext): Pick<DrRegion, 'describeAsgs' | 'updateAsg'> {
  const { dr, call } = ctx;
  return {
    async describeAsgs(names: ReadonlyArray<string>): Promise<AsgObservation[]> {
      // An empty name list would describe every group in the region.
      if (names.length === 0) return [];
      const found = new Map<string, AutoScalingGroup>();
      let nextToken: string | undefined;
      do {
        const out = await call('autoscaling DescribeAutoScalingGroups', names.join(','), () =>
          dr()
            .autoscaling()
            .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names], MaxRecords: 100, NextToken: nextToken })),
        );
        for (const g of out.AutoScalingGroups ?? []) if (g.AutoScalingGroupName) found.set(g.AutoScalingGroupName, g);
        nextToken = out.NextToken;
      } while (nextToken);
      return names.map((name): AsgObservation => {
        const g = found.get(name);
        if (!g) return { name, exists: false, instances: [] };
        return {
          name,
          exists: true,
          minSize: g.MinSize,
          maxSize: g.MaxSize,
          desiredCapacity: g.DesiredCapacity,
          mixedInstancesPolicy: fromSdkPolicy(g.MixedInstancesPolicy),
          tags: Object.fromEntries((g.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
          instances: (g.Instances ?? []).map((i) => ({
            instanceId: i.InstanceId ?? '',
            lifecycleState: i.LifecycleState ?? 'Unknown',
            healthStatus: i.HealthStatus ?? 'Unknown',
          })),
        };
      });
    },
    async updateAsg(input): Promise<void> {
      await call('autoscaling UpdateAutoScalingGroup', input.name, () =>
        dr()
          .autoscaling()
          .send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: input.name,
              MinSize: input.minSize,
              MaxSize: input.maxSize,
              DesiredCapacity: input.desiredCapacity,
              // Always the whole policy: a partial one is mishandled (moto drops or half-applies it).
              MixedInstancesPolicy: input.mixedInstancesPolicy ? toSdkPolicy(input.mixedInstancesPolicy) : undefined,
            }),
          ),
      );
    },
  };
}
