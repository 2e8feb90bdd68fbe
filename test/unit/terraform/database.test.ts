import { expect } from 'chai';
import { Construct } from 'constructs';
import { Database, DatabaseProps, PrimaryDatabase, PrimaryDatabaseProps } from '../../../modules/database';
import { ENVIRONMENT_TAG_KEY } from '../../../modules/tags';
import { resourceAt, resources, synthModule, Synthesized, TestProviders } from './synth';

type BaseProps = Omit<DatabaseProps, 'drProvider'>;
type PrimaryProps = Omit<PrimaryDatabaseProps, 'provider'>;

const PRIMARY_ARN = 'arn:aws:rds:eu-west-1:123456789012:db:app-primary';
const base: BaseProps = {
  primaryArn: PRIMARY_ARN,
  credentialsSecretName: 'app-primary/master-credentials',
  replicaIdentifier: 'app-replica',
  replicaInstanceClass: 'db.t4g.medium',
  drVpcId: 'vpc-0123',
  drSubnetIds: ['subnet-a', 'subnet-b'],
};
const primaryBase: PrimaryProps = { identifier: 'app-primary', instanceClass: 'db.t4g.medium', credentialsSecretName: 'app-primary/master-credentials', drRegion: 'eu-central-1' };

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope: Construct, p: TestProviders) => {
    new Database(scope, 'database', { ...base, ...props, drProvider: p.dr });
  });
}

function synthPrimary(props: Partial<PrimaryProps> = {}): Synthesized & { ephemeral?: Record<string, Record<string, Record<string, unknown>>> } {
  return synthModule((scope: Construct, p: TestProviders) => {
    new PrimaryDatabase(scope, 'database', { ...primaryBase, ...props, provider: p.primary });
  });
}

describe('terraform: database module', () => {
  describe('primary (primary stack): a self-managed password AWS can replicate', () => {
    it('creates the instance without manage_master_user_password, the password write-only from an ephemeral value', () => {
      const s = synthPrimary();
      const db = resourceAt(s, 'aws_db_instance', 'database_instance');
      expect(db).to.deep.include({
        provider: 'aws',
        identifier: 'app-primary',
        engine: 'postgres',
        backup_retention_period: 7,
        storage_encrypted: true,
        deletion_protection: true,
        final_snapshot_identifier: 'app-primary-final',
        password_wo: '${ephemeral.aws_secretsmanager_random_password.database_master_password.random_password}',
        password_wo_version: 1,
        count: '${true ? 1 : 0}',
      });
      expect(db).not.to.have.property('manage_master_user_password');
      expect(db).not.to.have.property('password');
      expect(s.ephemeral!.aws_secretsmanager_random_password.database_master_password).to.deep.include({ provider: 'aws', password_length: 32 });
    });

    it('keeps the credentials in a secret replicated to the DR region, written once (write-only)', () => {
      const s = synthPrimary();
      expect(resourceAt(s, 'aws_secretsmanager_secret', 'database_credentials')).to.deep.include({ name: 'app-primary/master-credentials', replica: [{ region: 'eu-central-1' }] });
      const version = resourceAt(s, 'aws_secretsmanager_secret_version', 'credentials-value');
      expect(version.secret_string_wo).to.equal('${jsonencode({ username = "dbadmin", password = ephemeral.aws_secretsmanager_random_password.database_master_password.random_password })}');
      expect(version).to.deep.include({ secret_string_wo_version: 1 });
      expect(version).not.to.have.property('secret_string');
    });

    it('creates nothing when an existing primary is replicated (count 0)', () => {
      const s = synthPrimary({ enabled: false });
      expect(resourceAt(s, 'aws_db_instance', 'database_instance').count).to.equal('${false ? 1 : 0}');
      expect(resourceAt(s, 'aws_secretsmanager_secret', 'database_credentials').count).to.equal('${false ? 1 : 0}');
    });

    it('refuses an RDS-managed secret (rds!…), naming it', () => {
      expect(() => synthPrimary({ credentialsSecretName: 'rds!db-0123' })).to.throw('credentialsSecretName must be a self-managed secret name (not an RDS-managed rds!… secret: RDS cannot replicate a source whose master password it manages), got: "rds!db-0123"');
    });
  });

  describe('replica (DR stack) → resource properties', () => {
    const cases: Record<string, { props: Partial<BaseProps>; at: string; want: Record<string, unknown> }> = {
      'replica: DR region, encrypted with a DR-region key, protected, tagged, source ignored after creation': {
        props: { backupRetentionDays: 14 },
        at: 'database_replica',
        want: {
          provider: 'aws.dr',
          identifier: 'app-replica',
          replicate_source_db: PRIMARY_ARN,
          storage_encrypted: true,
          deletion_protection: true,
          skip_final_snapshot: true,
          backup_retention_period: 14,
          publicly_accessible: false,
          tags: { [ENVIRONMENT_TAG_KEY]: 'dr' },
          lifecycle: { ignore_changes: ['replicate_source_db'] },
        },
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), 'aws_db_instance', c.at)).to.deep.include(c.want);
      });
    }
  });

  it('reads the credentials secret\'s replica in the DR region (a missing one fails the plan, not the failover)', () => {
    const s = synth();
    const data = Object.values(s.data!.aws_secretsmanager_secrets);
    expect(data).to.have.length(1);
    expect(data[0]).to.deep.include({ provider: 'aws.dr', filter: [{ name: 'name', values: ['app-primary/master-credentials'] }] });
    expect(JSON.stringify(data[0])).to.contain('length(self.arns) == 1');
  });

  it('encrypts the replica with the DR key and opens its port to client groups only', () => {
    const s = synth({ clientSecurityGroupIds: ['sg-client'] });
    const replica = resourceAt(s, 'aws_db_instance', 'database_replica');
    expect(replica.kms_key_id).to.match(/^\$\{aws_kms_key\.database_replica-key_[0-9A-F]+\.arn\}$/);
    expect(resourceAt(s, 'aws_kms_key', 'replica-key')).to.deep.include({ provider: 'aws.dr', enable_key_rotation: true });
    const rules = resources(s, 'aws_vpc_security_group_ingress_rule');
    expect(rules).to.have.length(1);
    expect(rules[0]).to.deep.include({ referenced_security_group_id: 'sg-client', ip_protocol: 'tcp' });
    expect(resourceAt(s, 'aws_db_subnet_group', 'replica-subnets').subnet_ids).to.deep.equal(['subnet-a', 'subnet-b']);
  });

  it('security baseline on the replica: IAM auth, log exports, enhanced monitoring, backups kept, Multi-AZ by choice', () => {
    const replica = resourceAt(synth({ cloudwatchLogsExports: ['postgresql', 'upgrade'] }), 'aws_db_instance', 'database_replica');
    expect(replica).to.deep.include({
      iam_database_authentication_enabled: true,
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      monitoring_interval: 60,
      delete_automated_backups: false,
      multi_az: false,
    });
    expect(replica.monitoring_role_arn).to.match(/^\$\{aws_iam_role\.database_monitoring-role-dr_[0-9A-F]+\.arn\}$/);
    expect(resourceAt(synth({ replicaMultiAz: true }), 'aws_db_instance', 'database_replica').multi_az).to.equal(true);
  });

  it('enhanced monitoring: a role RDS assumes for this account only; none when the interval is 0', () => {
    const s = synth();
    const roles = resources(s, 'aws_iam_role').map((r) => r.name).sort();
    // The DR stack has no primary-region provider: the created primary lives in its own stack (primary.ts).
    expect(roles).to.deep.equal(['dr-rds-monitoring-dr']);
    const trust = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('database_monitoring-trust-dr_'))![1] as { statement: Array<{ principals: unknown; condition: unknown }> };
    expect(trust.statement[0].principals).to.deep.equal([{ type: 'Service', identifiers: ['monitoring.rds.amazonaws.com'] }]);
    expect(JSON.stringify(trust.statement[0].condition)).to.contain('aws:SourceAccount');
    const off = synth({ monitoringIntervalSeconds: 0 });
    expect(resources(off, 'aws_iam_role')).to.deep.equal([]);
    expect(resourceAt(off, 'aws_db_instance', 'database_replica')).not.to.have.property('monitoring_role_arn');
  });

  describe('rejects bad props, naming the value', () => {
    const cases: Record<string, { props: Partial<BaseProps>; error: string }> = {
      'monitoring interval 20': { props: { monitoringIntervalSeconds: 20 }, error: 'monitoringIntervalSeconds must be one of 0, 1, 5, 10, 15, 30, 60, got: 20' },
      'backups off': { props: { backupRetentionDays: 0 }, error: 'backupRetentionDays must be an integer between 1 and 35, got: 0' },
      'replica identifier': { props: { replicaIdentifier: '1replica' }, error: 'replicaIdentifier must be an RDS identifier' },
      'primary ARN': { props: { primaryArn: 'prod-db' }, error: 'primaryArn must be an RDS DB instance ARN, got: "prod-db"' },
      'an RDS-managed secret': { props: { credentialsSecretName: 'rds!db-1234' }, error: 'credentialsSecretName must be a self-managed secret name' },
      'one subnet': { props: { drSubnetIds: ['subnet-a'] }, error: 'drSubnetIds must have at least 2 item(s), got: ["subnet-a"]' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props)).to.throw(c.error);
      });
    }
  });
});
