/**
 * The AWS rule the database setup is built around, enforced by the emulator launcher as AWS enforces it:
 * RDS refuses a read replica of a source whose master password Secrets Manager manages
 * (ManageMasterUserPassword), and accepts one of a source with a self-managed password.
 */
import { expect } from 'chai';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { getEmulator } from '../../support/emulator';

describe('emulator: RDS read replicas of a managed-master-password source are refused, as in AWS', function () {
  this.timeout(60_000);
  const client = async (region: string) => {
    const e = await getEmulator();
    return new RDSClient({ region, endpoint: e.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
  };
  const primary = async (id: string, managed: boolean) =>
    (await client('eu-west-1')).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.medium',
        AllocatedStorage: 20,
        MasterUsername: 'dbadmin',
        ...(managed ? { ManageMasterUserPassword: true } : { MasterUserPassword: 'self-managed-1' }),
        BackupRetentionPeriod: 7,
      }),
    );
  const replicaOf = async (arn: string, id: string) =>
    (await client('eu-central-1')).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: id, SourceDBInstanceIdentifier: arn, DBInstanceClass: 'db.t3.medium' }));

  it('refuses a cross-region replica of a ManageMasterUserPassword source with InvalidParameterValue', async () => {
    const source = await primary('rules-managed', true);
    const err = await replicaOf(source.DBInstance!.DBInstanceArn!, 'rules-managed-replica').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('InvalidParameterValue');
    expect(err?.message).to.equal('Creating read replicas for source instance rules-managed where ManageMasterUserPassword is enabled is not supported.');
  });

  it('accepts a replica of a source with a self-managed password (what the stack creates)', async () => {
    const source = await primary('rules-self-managed', false);
    const r = await replicaOf(source.DBInstance!.DBInstanceArn!, 'rules-self-managed-replica');
    expect(r.DBInstance!.ReadReplicaSourceDBInstanceIdentifier).to.equal(source.DBInstance!.DBInstanceArn);
  });
});
