/**
 * database: the primary RDS instance (created here, or an existing one given by ARN) and its encrypted
 * cross-region read replica in the DR region.
 *
 * The replica is what the reconciler promotes in a real failover (rule S1). Terraform must never undo that,
 * so the replica ignores changes to `replicate_source_db`: after a promotion AWS reports no source, and a
 * `cdktf deploy` must not try to turn the standalone database back into a replica (rule S2: no demotion).
 */
import { Construct } from 'constructs';
import { Fn, IResolvable, Op, ref, TerraformStack, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { checkIntegerRange, checkMatches, checkMinItems, checkNotEmpty, checkOneOf, isEmptyString } from '../validate';

/** How to create the primary when no existing primary is given. */
export interface PrimaryDatabaseProps {
  /** DB instance identifier of the primary. */
  readonly identifier: string;
  /** Engine, e.g. `postgres` or `mysql`. @default "postgres" */
  readonly engine?: string;
  /** Engine version; empty lets RDS pick its default. @default "" */
  readonly engineVersion?: string;
  /** Instance class of the primary. */
  readonly instanceClass: string;
  /** Allocated storage in GiB. @default 20 */
  readonly allocatedStorageGb?: number;
  /** Master user name; the password is generated and kept in Secrets Manager by RDS (never in state). @default "dbadmin" */
  readonly masterUsername?: string;
  /** DB subnet group in the primary region; empty means the default VPC. @default "" */
  readonly subnetGroupName?: string;
}

/** Props of {@link Database}. */
export interface DatabaseProps {
  /** Environment prefix used in names. @default "dr" */
  readonly environment?: string;
  /**
   * ARN of an existing primary DB instance to replicate. When empty, the module creates the primary from
   * `primary` (a Terraform `count` decides, so this may be a variable). @default ""
   */
  readonly existingPrimaryArn?: string;
  /** How to create the primary when `existingPrimaryArn` is empty. */
  readonly primary: PrimaryDatabaseProps;
  /** DB instance identifier of the read replica in the DR region. */
  readonly replicaIdentifier: string;
  /** Instance class of the replica. */
  readonly replicaInstanceClass: string;
  /** Automated backup retention in days, for the primary (replicas need it > 0) and the promoted replica. @default 7 */
  readonly backupRetentionDays?: number;
  /** DR VPC. */
  readonly drVpcId: string;
  /** DR private subnets for the replica's subnet group (two or more AZs). */
  readonly drSubnetIds: string[];
  /** Security groups allowed to reach the replica on its port (the DR services). @default [] */
  readonly clientSecurityGroupIds?: string[];
  /**
   * Whether the replica is Multi-AZ (a standby in a second AZ, FSBP RDS.5): after a promotion production then runs
   * Multi-AZ from the first minute; it doubles the replica's instance and storage cost in pilot light. @default false
   */
  readonly replicaMultiAz?: boolean | IResolvable;
  /** Log types exported to CloudWatch Logs (FSBP RDS.9), engine-specific, e.g. `["postgresql", "upgrade"]`. @default [] */
  readonly cloudwatchLogsExports?: string[];
  /** Enhanced monitoring interval, seconds (0, 1, 5, 10, 15, 30 or 60; FSBP RDS.6); 0 turns it off. @default 60 */
  readonly monitoringIntervalSeconds?: number;
  /**
   * Whether the replica gets its DB subnet group in the DR subnets. Only an emulator test turns this off:
   * moto 5.2.1 looks a cross-region replica's subnet group up in the source's region and fails. @default true
   */
  readonly replicaSubnetGroup?: boolean;
  /** Provider in the primary region. */
  readonly primaryProvider: AwsProvider;
  /** Provider in the DR region. */
  readonly drProvider: AwsProvider;
}

/** Primary (optional) and encrypted cross-region read replica. */
export class Database extends Construct {
  /** ARN of the primary the replica follows (the given one, or the one created here). */
  readonly primaryArn: string;
  /** The replica. */
  readonly replica: DbInstance;
  /** Identifier of the replica (what the reconciler promotes). */
  readonly replicaIdentifier: string;
  /** KMS key (DR region) encrypting the replica's storage. */
  readonly replicaKey: KmsKey;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const env = props.environment ?? 'dr';
    const existingArn = props.existingPrimaryArn ?? '';
    const retention = props.backupRetentionDays ?? 7;
    const p = props.primary;
    const identifierPattern = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;
    const identifierForm = 'an RDS identifier (letter first, then letters, digits, hyphens; at most 63)';

    if (!Token.isUnresolved(existingArn) && existingArn !== '') {
      checkMatches('existingPrimaryArn', existingArn, /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:/, 'an RDS DB instance ARN');
    }
    checkMatches('primary.identifier', p.identifier, identifierPattern, identifierForm);
    checkMatches('replicaIdentifier', props.replicaIdentifier, identifierPattern, identifierForm);
    checkNotEmpty('primary.instanceClass', p.instanceClass);
    checkNotEmpty('replicaInstanceClass', props.replicaInstanceClass);
    // A source with backups off cannot have read replicas; 35 days is the RDS maximum.
    checkIntegerRange('backupRetentionDays', retention, 1, 35);
    checkIntegerRange('primary.allocatedStorageGb', p.allocatedStorageGb ?? 20, 20, 65536);
    checkNotEmpty('drVpcId', props.drVpcId);
    checkMinItems('drSubnetIds', props.drSubnetIds, 2);

    const monitoringInterval = props.monitoringIntervalSeconds ?? 60;
    checkOneOf('monitoringIntervalSeconds', monitoringInterval, [0, 1, 5, 10, 15, 30, 60]);
    const logExports = props.cloudwatchLogsExports ?? [];
    // Enhanced monitoring needs a role RDS assumes; one per region (IAM is global, the name says which).
    const monitoring = (provider: AwsProvider, region: string): { monitoringInterval: number; monitoringRoleArn?: string } => {
      if (!Token.isUnresolved(monitoringInterval) && monitoringInterval === 0) return { monitoringInterval };
      const role = this.monitoringRole(provider, `${env}-rds-monitoring-${region}`, region);
      const arn = Token.isUnresolved(monitoringInterval) ? Token.asString(Fn.conditional(Op.lt(monitoringInterval, 1), Token.nullValue(), role.arn)) : role.arn;
      return { monitoringInterval, monitoringRoleArn: arn };
    };
    const subnetGroupName = p.subnetGroupName ?? '';
    const engineVersion = p.engineVersion ?? '';
    const primary = new DbInstance(this, 'primary', {
      provider: props.primaryProvider,
      count: Token.asNumber(Fn.conditional(isEmptyString(existingArn), 1, 0)),
      identifier: p.identifier,
      engine: p.engine ?? 'postgres',
      engineVersion: Token.asString(Fn.conditional(isEmptyString(engineVersion), Token.nullValue(), engineVersion)),
      instanceClass: p.instanceClass,
      allocatedStorage: p.allocatedStorageGb ?? 20,
      username: p.masterUsername ?? 'dbadmin',
      manageMasterUserPassword: true,
      dbSubnetGroupName: Token.asString(Fn.conditional(isEmptyString(subnetGroupName), Token.nullValue(), subnetGroupName)),
      storageEncrypted: true,
      backupRetentionPeriod: retention,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${p.identifier}-final`,
      copyTagsToSnapshot: true,
      iamDatabaseAuthenticationEnabled: true,
      enabledCloudwatchLogsExports: logExports,
      ...monitoring(props.primaryProvider, 'primary'),
    });
    // With count set, attributes must be read through a splat; one() gives null when the primary is not created.
    const createdArn = ref(`${primary.terraformResourceType}.${primary.friendlyUniqueId}[*].arn`, TerraformStack.of(this));
    this.primaryArn = Token.asString(Fn.conditional(isEmptyString(existingArn), Fn.one(createdArn), existingArn));

    this.replicaKey = new KmsKey(this, 'replica-key', {
      provider: props.drProvider,
      description: `Encrypts the ${env} DR read replica ${props.replicaIdentifier}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, 'replica-key-alias', {
      provider: props.drProvider,
      name: `alias/${env}-rds-replica`,
      targetKeyId: this.replicaKey.keyId,
    });
    const subnets =
      props.replicaSubnetGroup ?? true
        ? new DbSubnetGroup(this, 'replica-subnets', {
            provider: props.drProvider,
            name: `${env}-replica`,
            subnetIds: props.drSubnetIds,
            description: `Subnets of the ${env} DR read replica`,
          })
        : undefined;
    const sg = new SecurityGroup(this, 'replica-sg', {
      provider: props.drProvider,
      name: `${env}-replica`,
      description: `Clients of the ${env} DR read replica`,
      vpcId: props.drVpcId,
      tags: { Name: `${env}-replica` },
    });

    this.replica = new DbInstance(this, 'replica', {
      provider: props.drProvider,
      identifier: props.replicaIdentifier,
      replicateSourceDb: this.primaryArn,
      instanceClass: props.replicaInstanceClass,
      storageEncrypted: true,
      // A cross-region replica of an encrypted source must name a key in its own region.
      kmsKeyId: this.replicaKey.arn,
      dbSubnetGroupName: subnets?.name,
      vpcSecurityGroupIds: [sg.id],
      publiclyAccessible: false,
      // Backups start counting once the replica is promoted; a promoted database needs them at once.
      backupRetentionPeriod: retention,
      deletionProtection: true,
      // RDS takes no final snapshot of a read replica; deletion protection is what guards it (and the failback
      // runbook snapshots the promoted instance before letting it go). Automated backups outlive a deletion.
      skipFinalSnapshot: true,
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      multiAz: props.replicaMultiAz ?? false,
      // IAM database authentication (FSBP RDS.10): the application can drop static passwords after a failover.
      iamDatabaseAuthenticationEnabled: true,
      enabledCloudwatchLogsExports: logExports,
      ...monitoring(props.drProvider, 'dr'),
      lifecycle: { ignoreChanges: ['replicate_source_db'] },
    });
    this.replicaIdentifier = this.replica.identifier;

    for (const [i, clientSg] of (props.clientSecurityGroupIds ?? []).entries()) {
      // One rule resource per client: adding a client never replaces the group.
      new VpcSecurityGroupIngressRule(this, `replica-client-${i}`, {
        provider: props.drProvider,
        securityGroupId: sg.id,
        referencedSecurityGroupId: clientSg,
        ipProtocol: 'tcp',
        fromPort: this.replica.port,
        toPort: this.replica.port,
        description: 'DR services to the replica (after promotion, the database)',
      });
    }
  }

  /** The role enhanced monitoring uses to write OS metrics to the RDSOSMetrics log group (AWS's managed policy, inlined). */
  private monitoringRole(provider: AwsProvider, name: string, id: string): IamRole {
    const account = new DataAwsCallerIdentity(this, `monitoring-account-${id}`, { provider });
    const partition = new DataAwsPartition(this, `monitoring-partition-${id}`, { provider });
    const trust = new DataAwsIamPolicyDocument(this, `monitoring-trust-${id}`, {
      provider,
      statement: [
        {
          effect: 'Allow',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: ['monitoring.rds.amazonaws.com'] }],
          condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account.accountId] }],
        },
      ],
    });
    const role = new IamRole(this, `monitoring-role-${id}`, { provider, name, assumeRolePolicy: trust.json });
    const logs = `arn:${partition.partition}:logs:*:${account.accountId}:log-group:RDS*`;
    const policy = new DataAwsIamPolicyDocument(this, `monitoring-policy-${id}`, {
      provider,
      statement: [
        { sid: 'OsMetricsGroup', effect: 'Allow', actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'], resources: [logs] },
        {
          sid: 'OsMetricsStreams',
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
          resources: [`arn:${partition.partition}:logs:*:${account.accountId}:log-group:RDS*:log-stream:*`],
        },
      ],
    });
    new IamRolePolicy(this, `monitoring-role-policy-${id}`, { provider, name: 'enhanced-monitoring', role: role.id, policy: policy.json });
    return role;
  }
}
