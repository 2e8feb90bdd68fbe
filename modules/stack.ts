/**
 * The dr-pilot-light stack: variables, three AWS providers, an explicit local backend, and the four
 * modules wired together. Constructible from tests with options (emulator endpoints, leaving out what the
 * emulator cannot emulate); the default is the real AWS stack that `npm run synth` writes.
 */
import { Construct } from 'constructs';
import { Fn, LocalBackend, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { AwsProvider, AwsProviderConfig, AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { ASG_NAMES, declareVariables, SERVICE_NAMES, StackVariables } from './variables';
import { AlbRoute, AsgTargetProps, DrServiceProps, Ecs } from './ecs';
import { Database } from './database';
import { Route53Failover } from './route53-failover';
import { DrLambda } from './dr-lambda';
import type { AsgCapacity, AsgSpec, CapacityProvider, EcsServiceSpec, ServiceCapacity } from '../reconciler/spec';

/** The stack's name: the folder under cdktf.out/stacks/. */
export const STACK_NAME = 'dr-pilot-light';

/** Region of Route 53 health-check metrics, hence of the alarm and its topic. */
export const ALARM_REGION = 'us-east-1';

/** ALB routes of the services; a service without a route (kafka: TCP) is not behind the ALB. */
export const SERVICE_ROUTES: Readonly<Record<(typeof SERVICE_NAMES)[number], Omit<AlbRoute, 'healthCheckPath'> | undefined>> = {
  frontend: { pathPattern: '/' },
  'notification-service': { pathPattern: '/notifications/*' },
  'user-service': { pathPattern: '/users/*' },
  'task-api': { pathPattern: '/tasks/*' },
  kafka: undefined,
};

/** What the ALB routes to each ASG's instances. Apps are served under these path prefixes. */
export const ASG_TARGETS: Readonly<Record<(typeof ASG_NAMES)[number], readonly AsgTargetProps[]>> = {
  jenkins: [{ name: 'jenkins', port: 8080, pathPattern: '/jenkins/*', healthCheckPath: '/jenkins/login' }],
  monitoring: [
    { name: 'prometheus', port: 9090, pathPattern: '/prometheus/*', healthCheckPath: '/prometheus/-/healthy' },
    { name: 'grafana', port: 3000, pathPattern: '/grafana/*', healthCheckPath: '/grafana/api/health' },
    { name: 'jaeger', port: 16686, pathPattern: '/jaeger/*', healthCheckPath: '/jaeger/' },
  ],
};

/** CloudWatch Logs exports by engine (the RDS log types each engine publishes without an option group). */
export const DB_LOG_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  postgres: ['postgresql', 'upgrade'],
  mysql: ['error', 'general', 'slowquery'],
  mariadb: ['error', 'general', 'slowquery'],
};

/** AWS services the stack calls: the emulator override points each of them at the emulator. */
export const AWS_SERVICES_USED: ReadonlyArray<keyof AwsProviderEndpoints> = [
  'autoscaling', 'cloudwatch', 'dynamodb', 'ec2', 'ecs', 'elbv2', 'events', 'iam', 'kms', 'lambda', 'logs',
  'rds', 'route53', 'sns', 'sqs', 'ssm', 'sts',
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
  /** Local state file, relative to the stack's folder (no absolute path lands in the JSON). @default "terraform.dr-pilot-light.tfstate" */
  readonly statePath?: string;
  /**
   * Test only: point every provider at an AWS emulator (moto) with fake credentials and no account
   * lookups. @default undefined (real AWS)
   */
  readonly emulator?: { readonly endpoint: string };
  /** Test only: leave these out (what the emulator cannot emulate). @default [] */
  readonly omit?: readonly OmittableResource[];
}

/** One environment: variables, providers, backend, route53-failover + database + ecs + dr-lambda. */
export class DrPilotLightStack extends TerraformStack {
  /** The declared variables. */
  readonly vars: StackVariables;
  /** Default provider: the primary region. */
  readonly primaryProvider: AwsProvider;
  /** Alias `dr`: the DR region. */
  readonly drProvider: AwsProvider;
  /** Alias `us_east_1`: the alarm region. */
  readonly alarmProvider: AwsProvider;
  /** Cluster, services, ALB, target groups, ASGs (DR region). */
  readonly ecs: Ecs;
  /** Primary (optional) and cross-region replica. */
  readonly database: Database;
  /** Health check, failover records, alarm, topics. */
  readonly failover: Route53Failover;
  /** The reconciler Lambda and its state, parameters and triggers. */
  readonly reconciler: DrLambda;

  constructor(scope: Construct, id: string = STACK_NAME, options: DrPilotLightStackOptions = {}) {
    super(scope, id);
    // Variable validations that refer to other variables need Terraform 1.9.
    this.addOverride('terraform.required_version', '>= 1.9');
    const env = options.environment ?? 'dr';
    new LocalBackend(this, { path: options.statePath ?? `terraform.${id}.tfstate` });
    const v = (this.vars = declareVariables(this));

    const providerConfig = (region: string, alias?: string): AwsProviderConfig => ({
      region,
      alias,
      // Not against the emulator: moto 5.2.1 stores a launch template's own tags (which default_tags add)
      // in its launch data, so every later plan wants to change both templates.
      defaultTags: options.emulator ? undefined : [{ tags: { 'pilot-light:stack': id, 'pilot-light:environment': env } }],
      ...(options.emulator ? emulatorProviderConfig(options.emulator.endpoint) : {}),
    });
    this.primaryProvider = new AwsProvider(this, 'aws', providerConfig(v.primary_region.stringValue));
    this.drProvider = new AwsProvider(this, 'aws-dr', providerConfig(v.dr_region.stringValue, 'dr'));
    this.alarmProvider = new AwsProvider(this, 'aws-us-east-1', providerConfig(ALARM_REGION, 'us_east_1'));

    const services = v.ecs_services.value;
    const asgs = v.asgs.value;
    const svc = (name: string, ...path: string[]) => Fn.lookupNested(services, [name, ...path]);
    const asg = (name: string, ...path: string[]) => Fn.lookupNested(asgs, [name, ...path]);
    const serviceMode = (name: string, mode: 'pilot_light' | 'active'): ServiceCapacity => ({
      desiredCount: Token.asNumber(svc(name, mode, 'desired_count')),
      capacityProvider: Token.asString(svc(name, mode, 'capacity_provider')) as CapacityProvider,
    });
    const asgMode = (name: string, mode: 'pilot_light' | 'active'): AsgCapacity => ({
      minSize: Token.asNumber(asg(name, mode, 'min_size')),
      maxSize: Token.asNumber(asg(name, mode, 'max_size')),
      desiredCapacity: Token.asNumber(asg(name, mode, 'desired_capacity')),
      onDemandPercentage: Token.asNumber(asg(name, mode, 'on_demand_percentage')),
    });

    const ami = new DataAwsSsmParameter(this, 'asg-ami', { provider: this.drProvider, name: v.asg_ami_ssm_parameter.stringValue });
    const serviceProps: DrServiceProps[] = SERVICE_NAMES.map((name) => {
      const route = SERVICE_ROUTES[name];
      return {
        name,
        image: Token.asString(svc(name, 'image')),
        containerPort: Token.asNumber(svc(name, 'container_port')),
        cpu: Token.asNumber(svc(name, 'cpu')),
        memoryMb: Token.asNumber(svc(name, 'memory_mb')),
        ...serviceMode(name, 'pilot_light'),
        route: route ? { ...route, healthCheckPath: Token.asString(svc(name, 'health_check_path')) } : undefined,
      };
    });
    this.ecs = new Ecs(this, 'ecs', {
      environment: env,
      vpcId: v.dr_vpc_id.stringValue,
      privateSubnetIds: v.dr_private_subnet_ids.listValue,
      publicSubnetIds: v.dr_public_subnet_ids.listValue,
      albIngressCidrs: v.alb_ingress_cidrs.listValue,
      certificateArn: v.dr_certificate_arn.stringValue,
      // The emulator has no ACM: only there may a listener serve plain HTTP.
      allowPlainHttp: options.emulator !== undefined,
      internalToolsIngressCidrs: v.internal_tools_ingress_cidrs.listValue,
      accessLogsBucket: v.alb_access_logs_bucket.stringValue,
      services: serviceProps,
      asgs: ASG_NAMES.map((name) => ({
        name,
        instanceTypes: Token.asList(asg(name, 'instance_types')),
        capacity: asgMode(name, 'pilot_light'),
        rootVolumeGb: Token.asNumber(asg(name, 'root_volume_gb')),
        targets: ASG_TARGETS[name],
      })),
      imageId: ami.insecureValue,
      logRetentionDays: v.log_retention_days.numberValue,
      provider: this.drProvider,
    });

    this.database = new Database(this, 'database', {
      environment: env,
      existingPrimaryArn: v.primary_db_arn.stringValue,
      primary: {
        identifier: v.primary_db_identifier.stringValue,
        engine: v.db_engine.stringValue,
        engineVersion: v.db_engine_version.stringValue,
        instanceClass: v.db_instance_class.stringValue,
        allocatedStorageGb: v.db_allocated_storage_gb.numberValue,
        subnetGroupName: v.primary_db_subnet_group_name.stringValue,
      },
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
      primaryProvider: this.primaryProvider,
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
      provider: this.primaryProvider,
      alarmProvider: this.alarmProvider,
      notificationProvider: this.drProvider,
    });

    const clusterName = this.ecs.cluster.name;
    const asgSpecs: AsgSpec[] = this.ecs.asgs.map((a) => ({
      name: a.asg.group.name,
      pilotLight: asgMode(a.props.name, 'pilot_light'),
      active: asgMode(a.props.name, 'active'),
      targetGroupArns: a.targetGroups.map((tg) => tg.arn),
    }));
    const serviceSpecs: EcsServiceSpec[] = this.ecs.services.map((s) => ({
      cluster: clusterName,
      name: s.service.name,
      pilotLight: serviceMode(s.props.name, 'pilot_light'),
      active: serviceMode(s.props.name, 'active'),
      loadBalancers: s.targetGroup ? [{ targetGroupArn: s.targetGroup.arn, port: s.props.containerPort }] : [],
    }));
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
      heartbeatMissingPeriods: v.heartbeat_missing_periods.numberValue,
      degradedAlarmMinutes: v.degraded_alarm_minutes.numberValue,
      spec: {
        region: v.dr_region.stringValue,
        primaryRegion: v.primary_region.stringValue,
        notificationTopicArn: this.failover.notificationTopic.arn,
        concurrency: v.reconcile_concurrency.numberValue,
        leaseSeconds: v.lease_seconds.numberValue,
        database: { replicaIdentifier: this.database.replicaIdentifier },
        autoScalingGroups: asgSpecs,
        ecsServices: serviceSpecs,
        failover: {
          alarmName: this.failover.alarmName,
          alarmRegion: ALARM_REGION,
          healthCheckId: this.failover.healthCheckId,
          unhealthyReadings: v.unhealthy_readings.numberValue,
          minIntervalMinutes: v.failover_min_interval_minutes.numberValue,
          probeUrl: this.failover.probeUrl,
          probeTimeoutSeconds: v.probe_timeout_seconds.numberValue,
          probeOnlyReadings: v.probe_only_unhealthy_readings.numberValue,
        },
        drill: {
          durationMinutes: v.drill_duration_minutes.numberValue,
          maxReplicaLagSeconds: v.max_replica_lag_seconds.numberValue,
        },
      },
      targets: {
        replicaArn: this.database.replica.arn,
        alarmArn: this.failover.alarmArn,
        healthCheckId: this.failover.healthCheckId,
        // The limits are the largest either mode asks for: the reconciler writes nothing else (rule S12).
        asgs: this.ecs.asgs.map((a) => ({
          arn: a.asg.group.arn,
          maxSizeLimit: Token.asNumber(Fn.max([asg(a.props.name, 'pilot_light', 'max_size'), asg(a.props.name, 'active', 'max_size')])),
          minSizeLimit: Token.asNumber(Fn.max([asg(a.props.name, 'pilot_light', 'min_size'), asg(a.props.name, 'active', 'min_size')])),
          instanceTypes: a.props.instanceTypes,
        })),
        launchTemplateArns: this.ecs.asgs.map((a) => a.asg.launchTemplate.arn),
        imageId: ami.insecureValue,
        instanceSubnetIds: v.dr_private_subnet_ids.listValue,
        instanceSecurityGroupIds: Token.asList(Fn.tolist([this.ecs.instanceSecurityGroup.id])),
        clusterName,
        clusterArn: this.ecs.cluster.arn,
        serviceArns: this.ecs.services.map((s) => s.service.id),
        // The family of each service's task definition (arn:…:task-definition/<family>:<revision>).
        taskDefinitionFamilies: this.ecs.services.map((s) => Token.asString(Fn.element(Fn.split(':', Fn.element(Fn.split('/', s.service.taskDefinition), 1)), 0))),
        targetGroupArns: [
          ...this.ecs.services.flatMap((s) => (s.targetGroup ? [s.targetGroup.arn] : [])),
          ...this.ecs.asgs.flatMap((a) => a.targetGroups.map((tg) => tg.arn)),
        ],
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
  }
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
