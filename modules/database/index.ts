/**
 * database: the DR side of the database — an encrypted cross-region read replica of the primary (given by
 * ARN: one this stack's primary stack created, see primary.ts, or an existing one), and the DR-region replica
 * of the master credentials secret the DR application uses after a promotion.
 *
 * The replica is what the reconciler promotes in a real failover (rule S1). Terraform must never undo that,
 * so the replica ignores changes to `replicate_source_db`: after a promotion AWS reports no source, and a
 * `cdktf deploy` must not try to turn the standalone database back into a replica (rule S2: no demotion).
 * Nothing here calls the primary region: the DR stack plans while it is down.
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
import { DataAwsSecretsmanagerSecrets } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secrets';
import { managedTags } from '../tags';
import { checkIntegerRange, checkMatches, checkMinItems, checkNotEmpty, checkOneOf, isEmptyString } from '../validate';

export { PrimaryDatabase, PrimaryDatabaseProps } from './primary';

/** Props of {@link Database}. */
export interface DatabaseProps {
  /** Environment prefix used in names. @default "dr" */
  readonly environment?: string;
  /** ARN of the primary DB instance to replicate (another region: a cross-region replica names its source by ARN). */
  readonly primaryArn: string;
  /**
   * Name of the self-managed master credentials secret, replicated to the DR region (its DR-region replica is
   * looked up here, so a missing one fails the plan, not the failover). RDS-managed `rds!…` secrets are refused.
   */
  readonly credentialsSecretName: string;
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
  /** Provider in the DR region. */
  readonly drProvider: AwsProvider;
}

/** Encrypted cross-region read replica and the DR copy of the master credentials. */
export class Database extends Construct {
  /** ARN of the primary the replica follows. */
  readonly primaryArn: string;
  /** ARN of the master credentials secret's replica in the DR region (what the DR application reads). */
  readonly credentialsSecretArn: string;
  /** The replica. */
  readonly replica: DbInstance;
  /** Identifier of the replica (what the reconciler promotes). */
  readonly replicaIdentifier: string;
  /** KMS key (DR region) encrypting the replica's storage. */
  readonly replicaKey: KmsKey;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const env = props.environment ?? 'dr';
    const retention = props.backupRetentionDays ?? 7;
    const identifierPattern = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;
    const identifierForm = 'an RDS identifier (letter first, then letters, digits, hyphens; at most 63)';

    checkMatches('primaryArn', props.primaryArn, /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:/, 'an RDS DB instance ARN');
    checkMatches('replicaIdentifier', props.replicaIdentifier, identifierPattern, identifierForm);
    checkNotEmpty('replicaInstanceClass', props.replicaInstanceClass);
    checkNotEmpty('credentialsSecretName', props.credentialsSecretName);
    checkMatches('credentialsSecretName', props.credentialsSecretName, /^(?!rds!)/, 'a self-managed secret name (not an RDS-managed rds!… secret: RDS cannot replicate a source whose master password it manages)');
    // A source with backups off cannot have read replicas; 35 days is the RDS maximum.
    checkIntegerRange('backupRetentionDays', retention, 1, 35);
    checkNotEmpty('drVpcId', props.drVpcId);
    checkMinItems('drSubnetIds', props.drSubnetIds, 2);
    this.primaryArn = props.primaryArn;

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
    // Read in the DR region: the secret's replica (Secrets Manager replicates it from the primary region). Listed,
    // not described: DescribeSecret works on a replica, but the singular data source also reads the resource
    // policy, which the emulator refuses on a replica ("Operation not permitted on a replica secret").
    const credentials = new DataAwsSecretsmanagerSecrets(this, 'credentials', {
      provider: props.drProvider,
      filter: [{ name: 'name', values: [props.credentialsSecretName] }],
      lifecycle: {
        postcondition: [
          {
            condition: '${length(self.arns) == 1}',
            errorMessage: `the master credentials secret ${props.credentialsSecretName} must have exactly one replica in the DR region (replicate it there from the primary region; the DR application reads it after a promotion), got: \${length(self.arns)}`,
          },
        ],
      },
    });
    this.credentialsSecretArn = Token.asString(Fn.one(credentials.arns));

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
      replicateSourceDb: props.primaryArn,
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
      // The reconciler manages the replica: it refuses spec resources without the environment tag.
      tags: managedTags(env),
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
