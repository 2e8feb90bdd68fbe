/** ECS services and their tasks. Part of the AWS port (reconciler/aws.ts composes the parts). */
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PortError } from '../errors';
import type {
  DrRegion,
  ServiceObservation,
  TaskAddress,
} from '../port';
import { AwsContext, DESCRIBE_SERVICES_BATCH, DESCRIBE_TASKS_BATCH, chunks, dropUndefined, hasCode, toPortError, toSdkStrategyItem } from './clients';

/** ECS services and their tasks. */
export function ecsPart(ctx: AwsContext): Pick<DrRegion, 'describeServices' | 'listServiceTasks' | 'updateService'> {
  const { dr, call } = ctx;
  return {
    async describeServices(cluster: string, names: ReadonlyArray<string>): Promise<ServiceObservation[]> {
      const batches = await Promise.all(
        chunks(names, DESCRIBE_SERVICES_BATCH).map((batch) =>
          call('ecs DescribeServices', `${cluster}/${batch.join(',')}`, () =>
            dr().ecs().send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] })),
          ),
        ),
      );
      const byName = new Map<string, ServiceObservation>();
      for (const out of batches) {
        for (const s of out.services ?? []) {
          if (!s.serviceName) continue;
          // An INACTIVE service is a deleted one that ECS still remembers for a while.
          if (s.status === 'INACTIVE') continue;
          byName.set(s.serviceName, {
            cluster,
            name: s.serviceName,
            exists: true,
            status: s.status,
            desiredCount: s.desiredCount,
            runningCount: s.runningCount,
            pendingCount: s.pendingCount,
            capacityProviderStrategy: (s.capacityProviderStrategy ?? []).map((c) =>
              dropUndefined({ capacityProvider: c.capacityProvider ?? '', weight: c.weight, base: c.base }),
            ),
            launchType: s.launchType,
            deployments: (s.deployments ?? []).length,
            primaryRolloutState: s.deployments?.find((d) => d.status === 'PRIMARY')?.rolloutState,
            tags: Object.fromEntries((s.tags ?? []).filter((t) => t.key !== undefined).map((t) => [t.key!, t.value ?? ''])),
          });
        }
        const unexpected = (out.failures ?? []).find((f) => f.reason !== 'MISSING');
        if (unexpected) {
          throw new PortError(`ecs DescribeServices ${cluster} failed for ${unexpected.arn ?? '?'}: ${unexpected.reason ?? 'unknown reason'}${unexpected.detail ? ` (${unexpected.detail})` : ''}`, {
            code: unexpected.reason ?? 'DescribeServicesFailure',
            retryable: false,
          });
        }
      }
      return names.map((name) => byName.get(name) ?? { cluster, name, exists: false, capacityProviderStrategy: [] });
    },
    async listServiceTasks(cluster: string, service: string): Promise<TaskAddress[]> {
      const arns: string[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const out = await dr()
            .ecs()
            .send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', maxResults: 100, nextToken }));
          arns.push(...(out.taskArns ?? []));
          nextToken = out.nextToken;
        } while (nextToken);
      } catch (err) {
        // No service (or no cluster) means no tasks: an observation, not an error.
        if (hasCode(err, 'ServiceNotFoundException', 'ClusterNotFoundException')) return [];
        throw toPortError(err, 'ecs ListTasks', `${cluster}/${service}`);
      }
      const described = await Promise.all(
        chunks(arns, DESCRIBE_TASKS_BATCH).map((batch) =>
          call('ecs DescribeTasks', `${cluster}/${service}`, () => dr().ecs().send(new DescribeTasksCommand({ cluster, tasks: batch }))),
        ),
      );
      const addresses: TaskAddress[] = [];
      for (const t of described.flatMap((d) => d.tasks ?? [])) {
        if (t.lastStatus !== 'RUNNING' || !t.taskArn) continue;
        const ip = (t.attachments ?? [])
          .filter((a) => a.type === 'ElasticNetworkInterface')
          .flatMap((a) => a.details ?? [])
          .find((d) => d.name === 'privateIPv4Address')?.value;
        // Without an awsvpc address a task cannot be an ip target.
        if (ip) addresses.push({ taskArn: t.taskArn, ip });
      }
      return addresses;
    },
    async updateService(input): Promise<void> {
      await call('ecs UpdateService', `${input.cluster}/${input.service}`, () =>
        dr()
          .ecs()
          .send(
            new UpdateServiceCommand({
              cluster: input.cluster,
              service: input.service,
              desiredCount: input.desiredCount,
              // An empty list would mean "the cluster default", which is not what an empty spec says.
              capacityProviderStrategy: input.capacityProviderStrategy.length > 0 ? input.capacityProviderStrategy.map(toSdkStrategyItem) : undefined,
              forceNewDeployment: input.forceNewDeployment,
            }),
          ),
      );
    },
  };
}
