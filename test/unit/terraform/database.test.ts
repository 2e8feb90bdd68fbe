import { expect } from 'chai';
import { Construct } from 'constructs';
import { Database, DatabaseProps } from '../../../modules/database';
import { resourceAt, resources, synthModule, Synthesized, TestProviders } from './synth';

type BaseProps = Omit<DatabaseProps, 'primaryProvider' | 'drProvider'>;

const base: BaseProps = {
  primary: { identifier: 'app-primary', instanceClass: 'db.t4g.medium' },
  replicaIdentifier: 'app-replica',
  replicaInstanceClass: 'db.t4g.medium',
  drVpcId: 'vpc-0123',
  drSubnetIds: ['subnet-a', 'subnet-b'],
};

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope: Construct, p: TestProviders) => {
    new Database(scope, 'database', { ...base, ...props, primaryProvider: p.primary, drProvider: p.dr });
  });
}

describe('terraform: database module', () => {
  describe('props → resource properties', () => {
    const cases: Record<string, { props: Partial<BaseProps>; at: string; want: Record<string, unknown> }> = {
      'primary: created in the primary region when no ARN is given, backups on, protected': {
        props: {},
        at: 'database_primary',
        want: {
          provider: 'aws',
          identifier: 'app-primary',
          engine: 'postgres',
          instance_class: 'db.t4g.medium',
          backup_retention_period: 7,
          storage_encrypted: true,
          deletion_protection: true,
          skip_final_snapshot: false,
          final_snapshot_identifier: 'app-primary-final',
          manage_master_user_password: true,
          count: '${(length("") < 1) ? 1 : 0}',
        },
      },
      'primary: an existing ARN turns creation off (count 0)': {
        props: { existingPrimaryArn: 'arn:aws:rds:eu-west-1:123456789012:db:prod' },
        at: 'database_primary',
        want: { count: '${(length("arn:aws:rds:eu-west-1:123456789012:db:prod") < 1) ? 1 : 0}' },
      },
      'replica: DR region, encrypted with a DR-region key, protected, source ignored after creation': {
        props: { backupRetentionDays: 14 },
        at: 'database_replica',
        want: {
          provider: 'aws.dr',
          identifier: 'app-replica',
          storage_encrypted: true,
          deletion_protection: true,
          skip_final_snapshot: true,
          backup_retention_period: 14,
          publicly_accessible: false,
          lifecycle: { ignore_changes: ['replicate_source_db'] },
        },
      },
      'replica: replicates the given primary ARN': {
        props: { existingPrimaryArn: 'arn:aws:rds:eu-west-1:123456789012:db:prod' },
        at: 'database_replica',
        want: {
          replicate_source_db:
            '${(length("arn:aws:rds:eu-west-1:123456789012:db:prod") < 1) ? one(aws_db_instance.database_primary_D3810515[*].arn) : "arn:aws:rds:eu-west-1:123456789012:db:prod"}',
        },
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), 'aws_db_instance', c.at)).to.deep.include(c.want);
      });
    }
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
    expect(roles).to.deep.equal(['dr-rds-monitoring-dr', 'dr-rds-monitoring-primary']);
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
      'primary ARN': { props: { existingPrimaryArn: 'prod-db' }, error: 'existingPrimaryArn must be an RDS DB instance ARN, got: "prod-db"' },
      'one subnet': { props: { drSubnetIds: ['subnet-a'] }, error: 'drSubnetIds must have at least 2 item(s), got: ["subnet-a"]' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props)).to.throw(c.error);
      });
    }
  });
});
