/**
 * The two stacks of an environment, so that the DR side plans and applies while the primary region is down:
 *
 * - `dr-pilot-light-primary` (primary region only): the primary database when the stack creates it, and its
 *   master credentials secret (replicated to the DR region). Deployed first; empty when `primary_db_arn` names
 *   an existing primary.
 * - `dr-pilot-light` (DR region and us-east-1, no provider in the primary region at all): replica, compute,
 *   ALB, Route 53 failover (a global service whose API is in us-east-1), the alarm (us-east-1, where Route 53
 *   health-check metrics are), the reconciler. It derives the primary's ARN from variables instead of reading
 *   the primary stack's state or the primary region's API.
 *
 * Both declare every variable (one tfvars file for both) and choose their backend from the environment
 * (backend.ts). Constructible from tests with options (emulator endpoints, leaving out what the emulator cannot
 * emulate); the default is the real AWS stack that `npm run synth` writes.
 */
import { Construct } from 'constructs';
import { Fn, Op, ref, TerraformIterator, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { AwsProvider, AwsProviderConfig, AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { declareVariables, StackVariables } from './variables';
import { addressOf, Ecs } from './ecs';
import { Database, PrimaryDatabase } from './database';
import { BackendSettings, backendSettingsFromEnv, configureBackend } from './backend';
import { isEmptyString } from './validate';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { Route53Failover } from './route53-failover';
import { DrLambda } from './dr-lambda';
import { ALARM_REGION, reconcilerSpec } from './reconciler-spec';

/** The DR stack's name: the folder under cdktf.out/stacks/. */
export const STACK_NAME = 'dr-pilot-light';
/** The primary-region stack's name. */
export const PRIMARY_STACK_NAME = 'dr-pilot-light-primary';

/** Region of Route 53 health-check metrics, hence of the alarm and its topic. */
export { ALARM_REGION };

/** CloudWatch Logs exports by engine (the RDS log types each engine publishes without an option group). */
export const DB_LOG_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  postgres: ['postgresql', 'upgrade'],
  mysql: ['error', 'general', 'slowquery'],
  mariadb: ['error', 'general', 'slowquery'],
};

/** AWS services the stack calls: the emulator override points each of them at the emulator. */
export const AWS_SERVICES_USED: ReadonlyArray<keyof AwsProviderEndpoints> = [
  'autoscaling', 'cloudwatch', 'dynamodb', 'ec2', 'ecs', 'elbv2', 'events', 'iam', 'kms', 'lambda', 'logs',
  'rds', 'route53', 'secretsmanager', 'sns', 'sqs', 'ssm', 'sts',
];

/**
 * Resources the end-to-end test may leave out because the emulator cannot emulate them (docs/terraform.md):
 * - `replica-subnet-group`: moto 5.2.1 resolves a cross-region replica's DB subnet group in the source's
 *   region and fails (DBSubnetGroupNotFound); without it the replica is created in the default subnets.
 */
export type OmittableResource = 'replica-subnet-group';

/** Options of {@link DrPilotLightStack}. All default to the real AWS stack. */
export interface DrPilotLightStackOptions {
  /** Environment prefix. @default "dr" */
  readonly environment?: string;
  /** Reconciler Lambda entry. @default "<project>/reconciler/handler.ts" */
  readonly handlerEntry?: string;
  /** Folder for the Lambda bundle. @default "<project>/.tmp/lambda/<function name>" */
  readonly bundleDir?: string;
  /** Local state file, relative to the stack's folder (no absolute path lands in the JSON). @default "terraform.<stack>.tfstate" */
  readonly statePath?: string;
  /** Where state goes. @default from the environment (backendSettingsFromEnv); local for the emulator */
  readonly backend?: BackendSettings;
  /**
   * Test only: point every provider at an AWS emulator (moto) with fake credentials and no account
   * lookups. @default undefined (real AWS)
   */
  readonly emulator?: { readonly endpoint: string };
  /** Test only: leave these out (what the emulator cannot emulate). @default [] */
  readonly omit?: readonly OmittableResource[];
}

/** Variables, required Terraform version and backend: what both stacks start with. */
function stackBasics(stack: TerraformStack, options: DrPilotLightStackOptions): StackVariables {
  // Variable validations that refer to other variables need Terraform 1.9; ephemeral resources and
  // write-only arguments (the database password) 1.11.
  stack.addOverride('terraform.required_version', '>= 1.11');
  const backend = options.emulator ? { kind: 'local' as const, allowed: true } : (options.backend ?? backendSettingsFromEnv());
  configureBackend(stack, backend, options.statePath ?? `terraform.${stack.node.id}.tfstate`);
  return declareVariables(stack);
}

/** An AWS provider of `stack`, with default tags (real AWS) or emulator settings. */
function awsProvider(stack: TerraformStack, id: string, region: string, alias: string | undefined, options: DrPilotLightStackOptions): AwsProvider {
  const env = options.environment ?? 'dr';
  const config: AwsProviderConfig = {
    region,
    alias,
    // Not against the emulator: moto 5.2.1 stores a launch template's own tags (which default_tags add)
    // in its launch data, so every later plan wants to change both templates.
    defaultTags: options.emulator ? undefined : [{ tags: { 'pilot-light:stack': stack.node.id, 'pilot-light:environment': env } }],
    ...(options.emulator ? emulatorProviderConfig(options.emulator.endpoint) : {}),
  };
  return new AwsProvider(stack, id, config);
}

/** Name of the master credentials secret: the variable, or `<primary_db_identifier>/master-credentials`. */
function credentialsSecretName(v: StackVariables): string {
  return Token.asString(
    Fn.conditional(isEmptyString(v.db_credentials_secret_name.stringValue), `${v.primary_db_identifier.stringValue}/master-credentials`, v.db_credentials_secret_name.stringValue),
  );
}

/** The primary region's part: the created primary database and its replicated credentials secret. */
export class DrPrimaryStack extends TerraformStack {
  /** The declared variables. */
  readonly vars: StackVariables;
  /** The only provider: the primary region. */
  readonly primaryProvider: AwsProvider;
  /** The primary instance and secret (created when primary_db_arn is empty). */
  readonly database: PrimaryDatabase;

  constructor(scope: Construct, id: string = PRIMARY_STACK_NAME, options: DrPilotLightStackOptions = {}) {
    super(scope, id);
    const v = (this.vars = stackBasics(this, options));
    this.primaryProvider = awsProvider(this, 'aws', v.primary_region.stringValue, undefined, options);
    this.database = new PrimaryDatabase(this, 'database', {
      enabled: isEmptyString(v.primary_db_arn.stringValue),
      identifier: v.primary_db_identifier.stringValue,
      engine: v.db_engine.stringValue,
      engineVersion: v.db_engine_version.stringValue,
      instanceClass: v.db_instance_class.stringValue,
      allocatedStorageGb: v.db_allocated_storage_gb.numberValue,
      subnetGroupName: v.primary_db_subnet_group_name.stringValue,
      backupRetentionDays: v.db_backup_retention_days.numberValue,
      credentialsSecretName: credentialsSecretName(v),
      drRegion: v.dr_region.stringValue,
      provider: this.primaryProvider,
    });
    new TerraformOutput(this, 'created_primary_db_arn', { value: this.database.arn, description: 'The created primary DB instance (null when primary_db_arn names an existing one).' });
    new TerraformOutput(this, 'credentials_secret_arn', {
      value: Token.asString(Fn.one(ref(`${this.database.secret.terraformResourceType}.${this.database.secret.friendlyUniqueId}[*].arn`, this))),
      description: 'The master credentials secret in the primary region (replicated to the DR region).',
    });
  }
}

/** The DR side of one environment: route53-failover + database replica + ecs + dr-lambda; no primary-region provider. */
export class DrPilotLightStack extends TerraformStack {
  /** The declared variables. */
  readonly vars: StackVariables;
  /** Alias `dr`: the DR region. */
  readonly drProvider: AwsProvider;
  /** Alias `us_east_1`: the alarm region, and Route 53 (a global service whose API lives there). */
  readonly alarmProvider: AwsProvider;
  /** Cluster, services, ALB, target groups, ASGs (DR region). */
  readonly ecs: Ecs;
  /** Cross-region replica and the DR copy of the credentials. */
  readonly database: Database;
  /** Health check, failover records, alarm, topics. */
  readonly failover: Route53Failover;
  /** The reconciler Lambda and its state, parameters and triggers. */
  readonly reconciler: DrLambda;

  constructor(scope: Construct, id: string = STACK_NAME, options: DrPilotLightStackOptions = {}) {
    super(scope, id);
    const env = options.environment ?? 'dr';
    const v = (this.vars = stackBasics(this, options));
    this.drProvider = awsProvider(this, 'aws-dr', v.dr_region.stringValue, 'dr', options);
    this.alarmProvider = awsProvider(this, 'aws-us-east-1', ALARM_REGION, 'us_east_1', options);

    const ami = new DataAwsSsmParameter(this, 'asg-ami', { provider: this.drProvider, name: v.asg_ami_ssm_parameter.stringValue });
    // The workload is data: the services and ASGs maps go to for_each as they are (any number, any names).
    this.ecs = new Ecs(this, 'ecs', {
      environment: env,
      vpcId: v.dr_vpc_id.stringValue,
      privateSubnetIds: v.dr_private_subnet_ids.listValue,
      publicSubnetIds: v.dr_public_subnet_ids.listValue,
      albIngressCidrs: v.alb_ingress_cidrs.listValue,
      internalToolsIngressCidrs: v.internal_tools_ingress_cidrs.listValue,
      certificateArn: v.dr_certificate_arn.stringValue,
      // Only the emulator run may serve HTTP (moto has no certificate unless the test creates one); a real plan
      // without dr_certificate_arn fails.
      allowHttp: options.emulator !== undefined,
      deletionProtection: v.alb_deletion_protection.booleanValue,
      accessLogsBucket: v.alb_access_logs_bucket.stringValue,
      containerInsights: v.ecs_container_insights.stringValue,
      services: v.ecs_services.value,
      asgs: v.asgs.value,
      imageId: ami.insecureValue,
      logRetentionDays: v.log_retention_days.numberValue,
      provider: this.drProvider,
    });

    // The primary's ARN from variables, account and partition from the DR region: the DR plan reads neither the
    // primary region's API nor the primary stack's state.
    const account = new DataAwsCallerIdentity(this, 'account', { provider: this.drProvider });
    const partition = new DataAwsPartition(this, 'partition', { provider: this.drProvider });
    // A join, not a template string: cdktf cannot put a `${...}` string inside a built-in function (Fn.conditional)
    // and warns that the output may be wrong.
    const createdPrimaryArn = Fn.join(':', ['arn', partition.partition, 'rds', v.primary_region.stringValue, account.accountId, 'db', v.primary_db_identifier.stringValue]);
    this.database = new Database(this, 'database', {
      environment: env,
      primaryArn: Token.asString(Fn.conditional(isEmptyString(v.primary_db_arn.stringValue), createdPrimaryArn, v.primary_db_arn.stringValue)),
      credentialsSecretName: credentialsSecretName(v),
      replicaIdentifier: v.db_replica_identifier.stringValue,
      replicaInstanceClass: v.db_instance_class.stringValue,
      backupRetentionDays: v.db_backup_retention_days.numberValue,
      drVpcId: v.dr_vpc_id.stringValue,
      drSubnetIds: v.dr_private_subnet_ids.listValue,
      clientSecurityGroupIds: [this.ecs.serviceSecurityGroup.id],
      replicaSubnetGroup: !(options.omit ?? []).includes('replica-subnet-group'),
      replicaMultiAz: v.db_replica_multi_az.booleanValue,
      monitoringIntervalSeconds: v.db_monitoring_interval_seconds.numberValue,
      // The log types each engine can export (FSBP RDS.9); db_engine names the replicated primary's engine.
      cloudwatchLogsExports: Token.asList(Fn.lookup(DB_LOG_EXPORTS, v.db_engine.stringValue)),
      drProvider: this.drProvider,
    });

    this.failover = new Route53Failover(this, 'route53-failover', {
      environment: env,
      hostedZoneId: v.hosted_zone_id.stringValue,
      recordName: v.record_name.stringValue,
      primaryEndpointFqdn: v.primary_endpoint_fqdn.stringValue,
      healthCheckPath: v.health_check_path.stringValue,
      healthCheckIntervalSeconds: v.health_check_interval_seconds.numberValue,
      healthCheckFailureThreshold: v.health_check_failure_threshold.numberValue,
      alarmEvaluationPeriods: v.alarm_evaluation_periods.numberValue,
      alarmDatapointsToAlarm: v.alarm_datapoints_to_alarm.numberValue,
      primaryAlb: { dnsName: v.primary_alb_dns_name.stringValue, zoneId: v.primary_alb_zone_id.stringValue },
      drAlb: { dnsName: this.ecs.alb.dnsName, zoneId: this.ecs.alb.zoneId },
      notificationEmails: v.notification_emails.listValue,
      // Route 53 is global and its API is in us-east-1: never a provider in the primary region (see the header).
      provider: this.alarmProvider,
      alarmProvider: this.alarmProvider,
      notificationProvider: this.drProvider,
    });

    const asgIt = TerraformIterator.fromMap(ref(this.ecs.expressions.asgs));
    this.reconciler = new DrLambda(this, 'dr-lambda', {
      environment: env,
      handlerEntry: options.handlerEntry,
      bundleDir: options.bundleDir,
      timeoutSeconds: v.lambda_timeout_seconds.numberValue,
      memoryMb: v.lambda_memory_mb.numberValue,
      logRetentionDays: v.log_retention_days.numberValue,
      resyncScheduleExpression: v.resync_schedule_expression.stringValue,
      drillScheduleExpression: v.drill_schedule_expression.stringValue,
      drillEnabled: v.drill_enabled.booleanValue,
      asgNames: Token.asList(ref(`values(${this.ecs.expressions.asgNames})`)),
      heartbeatMissingPeriods: v.heartbeat_missing_periods.numberValue,
      degradedAlarmMinutes: v.degraded_alarm_minutes.numberValue,
      spec: reconcilerSpec(v, {
        workload: this.ecs.expressions,
        notificationTopicArn: this.failover.notificationTopic.arn,
        replicaIdentifier: this.database.replicaIdentifier,
        primaryArn: this.database.primaryArn,
        alarmName: this.failover.alarmName,
        healthCheckId: this.failover.healthCheckId,
        probeUrl: this.failover.probeUrl,
      }),
      targets: {
        replicaArn: this.database.replica.arn,
        // The statement grants nothing with the fence off: it names an instance that cannot exist.
        fencePrimaryArn: Token.asString(Fn.conditional(v.fence_old_primary.booleanValue, this.database.primaryArn, 'arn:aws:rds:us-east-1:000000000000:db:fence-disabled')),
        alarmArn: this.failover.alarmArn,
        healthCheckId: this.failover.healthCheckId,
        // One UpdateAutoScalingGroup statement per group (for_each over the same map as the groups, so the count is the
        // tfvars'): each on its own ARN, limited to the larger max and min size of its two modes and to its own
        // instance types: the reconciler writes nothing else (rule S12). No group, no statement.
        asgs: {
          forEach: asgIt,
          group: {
            key: asgIt.key,
            arn: Token.asString(ref(`${addressOf(this.ecs.asgs.group)}[each.key].arn`)),
            maxSizeLimit: Token.asNumber(ref('max(each.value.pilot_light.max_size, each.value.active.max_size)')),
            minSizeLimit: Token.asNumber(ref('max(each.value.pilot_light.min_size, each.value.active.min_size)')),
            instanceTypes: Token.asList(ref('each.value.instance_types')),
          },
          instanceTypes: Token.asList(ref(`distinct(flatten([for k, a in ${this.ecs.expressions.asgs} : a.instance_types]))`)),
        },
        launchTemplateArns: orPlaceholder(this.ecs.arns.launchTemplates, `arn:aws:ec2:${v.dr_region.stringValue}:*:launch-template/lt-00000000000000000`),
        imageId: ami.insecureValue,
        instanceSubnetIds: v.dr_private_subnet_ids.listValue,
        instanceSecurityGroupIds: Token.asList(Fn.tolist([this.ecs.instanceSecurityGroup.id])),
        clusterName: this.ecs.cluster.name,
        clusterArn: this.ecs.cluster.arn,
        serviceArns: orPlaceholder(this.ecs.arns.services, `arn:aws:ecs:${v.dr_region.stringValue}:*:service/${env}/00000000-none`),
        // The task definition families the stack registers are `<env>-<service key>` (for_each: known to Terraform only).
        taskDefinitionFamilies: Token.asList(ref(`[for k, s in var.ecs_services : "${env}-\${k}"]`)),
        // Every group of the stack is attached to its ASG or ECS service, so AWS registers the targets and the
        // spec says targetRegistration "aws": the reconciler gets no target-write permission at all (issue 13).
        targetGroupArns: [],
        notificationTopicArn: this.failover.notificationTopic.arn,
        notificationKeyArn: this.failover.notificationKey.arn,
      },
      alarmTopicArn: this.failover.alarmTopic.arn,
      operatorPrincipalArns: v.dr_operator_principal_arns.listValue,
      deployerPrincipalArns: v.dr_deployer_principal_arns.listValue,
      provider: this.drProvider,
      alarmProvider: this.alarmProvider,
    });
    // The reconciler and the operators' drctl passes notify; nobody else may publish to the topic.
    this.failover.allowNotificationPublishers([this.reconciler.role.arn]);
    this.failover.allowNotificationPublishers(v.dr_operator_principal_arns.listValue);

    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output('dr_alb_dns_name', this.ecs.alb.dnsName, 'DNS name of the DR ALB (SECONDARY record target).');
    output(
      'dr_internal_alb_dns_name',
      Token.asString(Fn.one(ref(`${this.ecs.internalAlb.terraformResourceType}.${this.ecs.internalAlb.friendlyUniqueId}[*].dns_name`, this))),
      'DNS name of the internal DR ALB of the internal tools (null when no route names it): point the tools\' private DNS names at it.',
    );
    output('health_check_id', this.failover.healthCheckId, 'Route 53 health check of the primary endpoint.');
    output('traffic_gate_health_check_id', this.failover.trafficGate.healthCheckId, 'Route 53 health check of the PRIMARY record: the traffic gate (rule S9).');
    output('traffic_gate_alarm_name', this.failover.trafficGate.alarmName, 'TrafficToDr alarm (DR region) the traffic gate follows.');
    output('requeue_queue_url', this.reconciler.requeue.queue.url, 'SQS queue of requeue messages and DR-region events that wake the reconciler.');
    output('alarm_name', this.failover.alarmName, 'HealthCheckStatus alarm (us-east-1).');
    output('notification_topic_arn', this.failover.notificationTopic.arn, 'SNS topic of DR notifications (DR region).');
    output('reconciler_function_name', this.reconciler.function.functionName, 'The reconciler Lambda.');
    output('mode_parameter_name', this.reconciler.modeParameter.name, 'SSM parameter holding the desired mode.');
    output('spec_parameter_name', this.reconciler.specParameter.name, 'SSM parameter holding the DrEnvironment document (drctl --env reads it).');
    output('reconciler_region', this.vars.dr_region.stringValue, 'The DR region, where the spec parameter and the reconciler live (drctl --env reads it).');
    output('state_table_name', this.reconciler.stateTable.name, 'DynamoDB table of the reconciler lease, status and drill record.');
    output('replica_identifier', this.database.replicaIdentifier, 'The DR read replica.');
    output('replicated_primary_db_arn', this.database.primaryArn, 'The primary DB instance the replica follows.');
    output('guardrail_policy_json', this.reconciler.guardrailDocument.json, 'Deny-unless-named guardrail for the mode and spec parameters, state table, function and role: attach as an SCP to the DR account (docs/terraform.md).');
    output('db_credentials_secret_arn', this.database.credentialsSecretArn, 'The master credentials secret in the DR region (replica of the primary\'s): what the DR application reads after a failover.');
  }
}

/** `list`, or `[placeholder]` when it is empty (Terraform decides: the list may come from for_each). */
function orPlaceholder(list: string[], placeholder: string): string[] {
  return Token.asList(Fn.conditional(Op.lt(Fn.lengthOf(list), 1), [placeholder], list));
}

/**
 * Provider settings for an AWS emulator: every service used points at `endpoint`, fake keys, and no calls
 * that only real AWS answers (credential validation, account lookup, instance metadata).
 */
export function emulatorProviderConfig(endpoint: string): Partial<AwsProviderConfig> {
  const endpoints: Record<string, string> = {};
  for (const service of AWS_SERVICES_USED) endpoints[service] = endpoint;
  return {
    accessKey: 'testing',
    secretKey: 'testing',
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
    s3UsePathStyle: true,
    endpoints: [endpoints as AwsProviderEndpoints],
  };
}
