/** The read replica (RDS). Part of the AWS port (reconciler/aws.ts composes the parts). */
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import type {
  DrRegion,
  PrimaryRegion,
  ReplicaObservation,
} from '../port';
import { AwsContext, hasCode, toPortError } from './clients';

/** The read replica (RDS). */
export function rdsPart(ctx: AwsContext): Pick<DrRegion, 'describeReplica' | 'promoteReplica'> & PrimaryRegion {
  const { dr, call, clientsFor, replicaLagSeconds } = ctx;
  return {
    async describeReplica(identifier: string, withLag = true): Promise<ReplicaObservation> {
      // The lag read does not need the instance first: both go out at once (one round trip, not two).
      const lagRead = withLag ? replicaLagSeconds(identifier) : Promise.resolve(undefined);
      let instance;
      try {
        const out = await dr().rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
        instance = out.DBInstances?.[0];
      } catch (err) {
        if (!hasCode(err, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) throw toPortError(err, 'rds DescribeDBInstances', identifier);
      }
      if (!instance) return { identifier, exists: false, isReplica: false };
      const source = instance.ReadReplicaSourceDBInstanceIdentifier || undefined;
      // Lag only means something while the instance still replicates (replicaLagSeconds never rejects).
      const lag = source ? await lagRead : undefined;
      return {
        identifier,
        exists: true,
        status: instance.DBInstanceStatus,
        isReplica: source !== undefined,
        sourceIdentifier: source,
        replicaLagSeconds: lag,
        tags: Object.fromEntries((instance.TagList ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
      };
    },
    async stopDbInstance(arn: string): Promise<void> {
      // arn:aws:rds:<region>:<account>:db:<identifier>: the old primary lives in its own region.
      const [, , , region, , , identifier] = arn.split(':');
      await call('rds StopDBInstance', identifier, () => clientsFor(region).rds().send(new StopDBInstanceCommand({ DBInstanceIdentifier: identifier })), region);
    },
    async promoteReplica(identifier: string): Promise<void> {
      await call('rds PromoteReadReplica', identifier, () => dr().rdsOnce().send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: identifier })));
    },
  };
}
