/**
 * Every tunable of the dr-pilot-light stack as a Terraform variable: type, description, default where one
 * is sane, validation where a bad value means something. Values live in
 * environments/dr-pilot-light/terraform.tfvars (a test checks that both have exactly the same names).
 *
 * Validation here runs at plan time on the real values; the constructs validate again at synth time
 * whatever is not a token (tests, literal props).
 */
import { Construct } from 'constructs';
import { TerraformVariable, TerraformVariableConfig } from 'cdktf';
import { RATE_EXPRESSION } from './dr-lambda/alarms';

const REGION = '^[a-z]{2}(-[a-z]+)+-[0-9]$';
// Character classes instead of backslash escapes: the pattern passes through JSON and an HCL string.
const SCHEDULE = '^(rate[(][0-9]+ (minute|minutes|hour|hours|day|days)[)]|cron[(][^ ]+( [^ ]+){5}[)])$';

// --- the workload's types and checks (ecs_services, asgs) ---
/** A key that names a target group `<environment>-<key>`: AWS allows 32 characters, the prefix takes 3. */
const TARGET_KEY = '^[a-z0-9]([a-z0-9-]{0,27}[a-z0-9])?$';
/** An ASG key: the group is `<environment>-<key>`. */
const ASG_KEY = '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$';
/** HCL type of a route: the default route (all other requests), or a listener rule by path and/or host. */
const routeType =
  'object({ default = optional(bool, false), priority = optional(number), path_patterns = optional(list(string), []), host_headers = optional(list(string), []), load_balancer = optional(string, "public") })';
const capacityType = 'object({ min_size = number, max_size = number, desired_capacity = number, on_demand_percentage = number })';
const serviceModeType = 'object({ desired_count = number, capacity_provider = string })';
/** HCL type of `ecs_services`: service name → its values. */
export const ECS_SERVICES_TYPE = `map(object({ image = string, container_port = number, cpu = optional(number, 256), memory_mb = optional(number, 512), health_check_path = optional(string, "/"), route = optional(${routeType}), pilot_light = ${serviceModeType}, active = ${serviceModeType} }))`;
/** HCL type of `asgs`: ASG key → its values and the target groups (by name) its instances serve. */
export const ASGS_TYPE = `map(object({ instance_types = list(string), root_volume_gb = optional(number, 30), targets = optional(map(object({ port = number, health_check_path = optional(string, "/"), route = optional(${routeType}) })), {}), pilot_light = ${capacityType}, active = ${capacityType} }))`;
const capacityOk = (c: string) =>
  `${c}.min_size >= 0 && ${c}.min_size <= ${c}.desired_capacity && ${c}.desired_capacity <= ${c}.max_size && ${c}.on_demand_percentage >= 0 && ${c}.on_demand_percentage <= 100 && floor(${c}.min_size) == ${c}.min_size && floor(${c}.max_size) == ${c}.max_size && floor(${c}.desired_capacity) == ${c}.desired_capacity`;
/**
 * A route is either the default (nothing else set) or a rule with a priority and a path or host condition, on the
 * public or the internal load balancer.
 */
const routeOk = (r: string) =>
  `(${r} == null ? true : contains(["public", "internal"], ${r}.load_balancer) && (${r}.default ? (${r}.priority == null && length(${r}.path_patterns) == 0 && length(${r}.host_headers) == 0) : (${r}.priority != null && length(${r}.path_patterns) + length(${r}.host_headers) > 0 && alltrue([for p in ${r}.path_patterns : startswith(p, "/")]))))`;
const priorityOk = (r: string) => `(${r} == null ? true : (${r}.priority == null ? true : (${r}.priority >= 1 && ${r}.priority <= 49999 && floor(${r}.priority) == ${r}.priority)))`;
/** Every route of the workload (services and ASG targets) with the name of its target group. */
const ALL_ROUTES =
  'concat([for k, s in var.ecs_services : merge(s.route, { name = k }) if s.route != null], flatten([for a in values(var.asgs) : [for t, g in a.targets : merge(g.route, { name = t }) if g.route != null]]))';
/** The load balancers a route may name: the internet-facing one and the internal one of the internal tools. */
const LOAD_BALANCERS = '["public", "internal"]';
/** The rule priorities of the routes on the load balancer `lb` (an HCL expression). */
const prioritiesOn = (lb: string) => `[for r in ${ALL_ROUTES} : r.priority if !r.default && r.priority != null && r.load_balancer == ${lb}]`;
const ASG_TARGET_NAMES = 'flatten([for a in values(var.asgs) : keys(a.targets)])';
/** `, got: <json>` of the items of `list` that fail: messages name the bad key and value. */
const got = (list: string) => `, got: \${jsonencode(${list})}`;

/** Declarations, keyed by variable name. */
export const VARIABLE_DEFINITIONS = {
  // --- regions ---
  primary_region: {
    type: 'string',
    description: 'Region of the primary (production) workload and of the primary database.',
    validation: [{ condition: `can(regex("${REGION}", var.primary_region))`, errorMessage: 'primary_region must be a region name such as eu-west-1.' }],
  },
  dr_region: {
    type: 'string',
    description: 'Region of the pilot-light copy: replica, ECS services, ASGs, ALB, reconciler.',
    validation: [
      { condition: `can(regex("${REGION}", var.dr_region))`, errorMessage: 'dr_region must be a region name such as eu-central-1.' },
      { condition: 'var.dr_region != var.primary_region', errorMessage: 'dr_region must differ from primary_region.' },
    ],
  },

  // --- DNS and health check ---
  hosted_zone_id: {
    type: 'string',
    description: 'Route 53 hosted zone id holding the application record.',
    validation: [{ condition: 'can(regex("^[A-Z0-9]{1,32}$", var.hosted_zone_id))', errorMessage: 'hosted_zone_id must be a Route 53 hosted zone id (upper-case letters and digits).' }],
  },
  record_name: {
    type: 'string',
    description: 'Application DNS name with PRIMARY/SECONDARY failover records, e.g. app.example.com.',
    validation: [{ condition: 'length(var.record_name) > 0', errorMessage: 'record_name must not be empty.' }],
  },
  primary_endpoint_fqdn: {
    type: 'string',
    description: 'FQDN the HTTPS health check probes: the primary ALB or a name that only resolves to it.',
    validation: [{ condition: 'can(regex("^[A-Za-z0-9.-]+$", var.primary_endpoint_fqdn))', errorMessage: 'primary_endpoint_fqdn must be a host name.' }],
  },
  health_check_path: {
    type: 'string',
    default: '/',
    description: 'Path the health check requests on the primary endpoint.',
    validation: [{ condition: 'startswith(var.health_check_path, "/")', errorMessage: 'health_check_path must start with "/".' }],
  },
  health_check_interval_seconds: {
    type: 'number',
    default: 30,
    description: 'Route 53 health-check request interval: 10 (fast, costs more) or 30 seconds.',
    validation: [{ condition: 'contains([10, 30], var.health_check_interval_seconds)', errorMessage: 'health_check_interval_seconds must be 10 or 30.' }],
  },
  health_check_failure_threshold: {
    type: 'number',
    default: 3,
    description: 'Consecutive failed checks before a Route 53 checker marks the primary unhealthy (1-10).',
    validation: [
      {
        condition: 'var.health_check_failure_threshold >= 1 && var.health_check_failure_threshold <= 10 && floor(var.health_check_failure_threshold) == var.health_check_failure_threshold',
        errorMessage: 'health_check_failure_threshold must be an integer from 1 to 10.',
      },
    ],
  },
  alarm_evaluation_periods: {
    type: 'number',
    default: 3,
    description: 'M of the N-of-M alarm: how many 1-minute periods the HealthCheckStatus alarm looks at.',
    validation: [{ condition: 'var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 100 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods', errorMessage: 'alarm_evaluation_periods must be an integer from 1 to 100.' }],
  },
  alarm_datapoints_to_alarm: {
    type: 'number',
    default: 2,
    description: 'N of the N-of-M alarm: how many of the M periods must be unhealthy before ALARM (rule S5).',
    validation: [
      {
        condition: 'var.alarm_datapoints_to_alarm >= 1 && var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods && floor(var.alarm_datapoints_to_alarm) == var.alarm_datapoints_to_alarm',
        errorMessage: 'alarm_datapoints_to_alarm must be an integer from 1 to alarm_evaluation_periods.',
      },
    ],
  },
  primary_alb_dns_name: {
    type: 'string',
    description: 'DNS name of the primary region ALB (target of the PRIMARY alias record).',
    validation: [{ condition: 'length(var.primary_alb_dns_name) > 0', errorMessage: 'primary_alb_dns_name must not be empty.' }],
  },
  primary_alb_zone_id: {
    type: 'string',
    description: 'Canonical hosted zone id of the primary ALB (its zone_id attribute).',
    validation: [{ condition: 'can(regex("^[A-Z0-9]{1,32}$", var.primary_alb_zone_id))', errorMessage: 'primary_alb_zone_id must be a hosted zone id (upper-case letters and digits).' }],
  },
  notification_emails: {
    type: 'list(string)',
    default: [],
    description: 'Email addresses subscribed to the alarm topic and the DR notification topic (each must confirm).',
    validation: [{ condition: 'alltrue([for e in var.notification_emails : can(regex("^[^@ ]+@[^@ ]+[.][^@ ]+$", e))])', errorMessage: 'notification_emails must all be email addresses.' }],
  },

  // --- DR network ---
  dr_vpc_id: {
    type: 'string',
    description: 'Existing VPC in the DR region (not created by this stack).',
    validation: [{ condition: 'can(regex("^vpc-[0-9a-f]+$", var.dr_vpc_id))', errorMessage: 'dr_vpc_id must be a VPC id (vpc-...).' }],
  },
  dr_private_subnet_ids: {
    type: 'list(string)',
    description: 'Private subnets in the DR VPC (two or more AZs): ECS tasks, ASG instances, the replica.',
    validation: [{ condition: 'length(var.dr_private_subnet_ids) >= 2 && alltrue([for s in var.dr_private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])', errorMessage: 'dr_private_subnet_ids must be two or more subnet ids.' }],
  },
  dr_public_subnet_ids: {
    type: 'list(string)',
    description: 'Public subnets in the DR VPC (two or more AZs): the DR ALB.',
    validation: [{ condition: 'length(var.dr_public_subnet_ids) >= 2 && alltrue([for s in var.dr_public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])', errorMessage: 'dr_public_subnet_ids must be two or more subnet ids.' }],
  },
  alb_ingress_cidrs: {
    type: 'list(string)',
    default: ['0.0.0.0/0'],
    description: 'IPv4 CIDRs allowed to reach the internet-facing DR ALB (the application; the tools are on the internal ALB).',
    validation: [{ condition: 'alltrue([for c in var.alb_ingress_cidrs : can(cidrhost(c, 0))])', errorMessage: 'alb_ingress_cidrs must all be IPv4 CIDRs.' }],
  },
  dr_certificate_arn: {
    type: 'string',
    default: '',
    description: 'ACM certificate (DR region) for the HTTPS listeners on 443 (port 80 redirects); required: a plan without one fails (only the emulator run serves HTTP).',
    validation: [{ condition: 'var.dr_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:", var.dr_certificate_arn))', errorMessage: 'dr_certificate_arn must be empty or an ACM certificate ARN.' }],
  },
  internal_tools_ingress_cidrs: {
    type: 'list(string)',
    description:
      'IPv4 CIDRs allowed to reach the internal ALB in the private subnets, which serves the routes with load_balancer = "internal" (the internal tools): your VPN, office or VPC ranges. Required: no default can know your network.',
    validation: [
      {
        condition: 'length(var.internal_tools_ingress_cidrs) >= 1 && alltrue([for c in var.internal_tools_ingress_cidrs : can(cidrhost(c, 0)) && !endswith(c, "/0")])',
        errorMessage: `internal_tools_ingress_cidrs must be one or more IPv4 CIDRs, none of them /0 (the internal tools are not for every network)${got('var.internal_tools_ingress_cidrs')}`,
      },
    ],
  },
  alb_deletion_protection: {
    type: 'bool',
    default: true,
    description: 'Deletion protection of the DR load balancers (FSBP ELB.6): Terraform cannot delete them while it is on; turn it off in a separate apply first.',
  },
  alb_access_logs_bucket: {
    type: 'string',
    default: '',
    description:
      "S3 bucket (DR region) for the load balancers' access logs (FSBP ELB.5), prefix <environment>-alb and <environment>-internal-alb. Empty: off, because the bucket belongs to the organization's log account (its policy must let the region's ELB log delivery write), which this stack does not own.",
    validation: [
      {
        condition: 'var.alb_access_logs_bucket == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.alb_access_logs_bucket))',
        errorMessage: 'alb_access_logs_bucket must be empty or an S3 bucket name, got: ${var.alb_access_logs_bucket}',
      },
    ],
  },

  // --- workload: ECS services and ASGs (any number, any names) ---
  ecs_services: {
    type: ECS_SERVICES_TYPE,
    description:
      'ECS services by name: image, port, task size, health path, ALB route (default, or a rule by path_patterns/host_headers with a priority; load_balancer "public" or "internal"; none = not behind an ALB), and desired count and capacity provider (FARGATE or FARGATE_SPOT) in each mode.',
    validation: [
      {
        condition: `alltrue([for k in keys(var.ecs_services) : can(regex("${TARGET_KEY}", k))])`,
        errorMessage: `ecs_services keys must be lower-case letters, digits and hyphens, at most 29 characters (the target group is dr-<key>)${got(`[for k in keys(var.ecs_services) : k if !can(regex("${TARGET_KEY}", k))]`)}`,
      },
      {
        condition: 'alltrue(flatten([for s in values(var.ecs_services) : [for m in [s.pilot_light, s.active] : contains(["FARGATE", "FARGATE_SPOT"], m.capacity_provider) && m.desired_count >= 0 && floor(m.desired_count) == m.desired_count]]))',
        errorMessage: `ecs_services: capacity_provider must be FARGATE or FARGATE_SPOT and desired_count a whole number >= 0${got('{ for k, s in var.ecs_services : k => { pilot_light = s.pilot_light, active = s.active } if !alltrue([for m in [s.pilot_light, s.active] : contains(["FARGATE", "FARGATE_SPOT"], m.capacity_provider) && m.desired_count >= 0 && floor(m.desired_count) == m.desired_count]) }')}`,
      },
      {
        condition: 'alltrue([for s in values(var.ecs_services) : s.container_port >= 1 && s.container_port <= 65535 && floor(s.container_port) == s.container_port])',
        errorMessage: `ecs_services: container_port must be a whole number from 1 to 65535${got('{ for k, s in var.ecs_services : k => s.container_port if !(s.container_port >= 1 && s.container_port <= 65535 && floor(s.container_port) == s.container_port) }')}`,
      },
      {
        condition: 'alltrue([for s in values(var.ecs_services) : length(s.image) > 0 && startswith(s.health_check_path, "/")])',
        errorMessage: `ecs_services: image must not be empty and health_check_path must start with "/"${got('{ for k, s in var.ecs_services : k => { image = s.image, health_check_path = s.health_check_path } if !(length(s.image) > 0 && startswith(s.health_check_path, "/")) }')}`,
      },
      {
        condition: `alltrue([for s in values(var.ecs_services) : ${routeOk('s.route')} && ${priorityOk('s.route')}])`,
        errorMessage: `ecs_services: a route is either { default = true } alone, or a priority from 1 to 49999 with path_patterns (each starting with "/") and/or host_headers, on load_balancer "public" or "internal"${got(`{ for k, s in var.ecs_services : k => s.route if !(${routeOk('s.route')} && ${priorityOk('s.route')}) }`)}`,
      },
    ],
  },
  asgs: {
    type: ASGS_TYPE,
    description:
      'Auto Scaling Groups by key (named dr-<key>): instance types, root volume (GiB), target groups by name (dr-<name>) with port, health path and ALB route (load_balancer "public" or "internal"), and min/max/desired and on-demand percentage (0 = all spot) in each mode.',
    validation: [
      {
        condition: `alltrue([for k in keys(var.asgs) : can(regex("${ASG_KEY}", k))])`,
        errorMessage: `asgs keys must be lower-case letters, digits and hyphens, at most 60 characters${got(`[for k in keys(var.asgs) : k if !can(regex("${ASG_KEY}", k))]`)}`,
      },
      {
        condition: `alltrue([for a in values(var.asgs) : ${capacityOk('a.pilot_light')} && ${capacityOk('a.active')}])`,
        errorMessage: `asgs: each mode needs whole numbers with 0 <= min_size <= desired_capacity <= max_size and on_demand_percentage from 0 to 100${got(`{ for k, a in var.asgs : k => { pilot_light = a.pilot_light, active = a.active } if !(${capacityOk('a.pilot_light')} && ${capacityOk('a.active')}) }`)}`,
      },
      {
        condition: 'alltrue([for a in values(var.asgs) : length(a.instance_types) >= 1 && a.root_volume_gb >= 8])',
        errorMessage: `asgs: instance_types must not be empty and root_volume_gb must be at least 8${got('{ for k, a in var.asgs : k => { instance_types = a.instance_types, root_volume_gb = a.root_volume_gb } if !(length(a.instance_types) >= 1 && a.root_volume_gb >= 8) }')}`,
      },
      {
        condition: `alltrue([for t in ${ASG_TARGET_NAMES} : can(regex("${TARGET_KEY}", t))]) && alltrue(flatten([for a in values(var.asgs) : [for g in values(a.targets) : g.port >= 1 && g.port <= 65535 && startswith(g.health_check_path, "/")]]))`,
        errorMessage: `asgs: target names must be lower-case letters, digits and hyphens, at most 29 characters (the target group is dr-<name>), ports from 1 to 65535, health_check_path starting with "/"${got(`flatten([for a, v in var.asgs : [for t, g in v.targets : "\${a}.targets.\${t}" if !(can(regex("${TARGET_KEY}", t)) && g.port >= 1 && g.port <= 65535 && startswith(g.health_check_path, "/"))]])`)}`,
      },
      {
        condition: `alltrue(flatten([for a in values(var.asgs) : [for g in values(a.targets) : ${routeOk('g.route')} && ${priorityOk('g.route')}]]))`,
        errorMessage: `asgs: a target's route is either { default = true } alone, or a priority from 1 to 49999 with path_patterns (each starting with "/") and/or host_headers, on load_balancer "public" or "internal"${got(`flatten([for a, v in var.asgs : [for t, g in v.targets : { "\${a}.targets.\${t}" = g.route } if !(${routeOk('g.route')} && ${priorityOk('g.route')})]])`)}`,
      },
      // Across both variables: target group names, the default route and rule priorities are shared by one ALB.
      {
        condition: `length(${ASG_TARGET_NAMES}) == length(distinct(${ASG_TARGET_NAMES})) && length(setintersection(toset(${ASG_TARGET_NAMES}), toset([for k, s in var.ecs_services : k if s.route != null]))) == 0`,
        errorMessage: `asgs: target names must be unique across ASGs and differ from the names of routed ecs_services (each is a target group dr-<name>)${got(`[for t in ${ASG_TARGET_NAMES} : t if length([for u in ${ASG_TARGET_NAMES} : u if u == t]) > 1 || contains([for k, s in var.ecs_services : k if s.route != null], t)]`)}`,
      },
      {
        condition: `alltrue([for lb in ${LOAD_BALANCERS} : length([for r in ${ALL_ROUTES} : r.name if r.default && r.load_balancer == lb]) <= 1])`,
        errorMessage: `ecs_services and asgs: at most one route per load balancer may be the default${got(`{ for lb in ${LOAD_BALANCERS} : lb => [for r in ${ALL_ROUTES} : r.name if r.default && r.load_balancer == lb] if length([for r in ${ALL_ROUTES} : r.name if r.default && r.load_balancer == lb]) > 1 }`)}`,
      },
      {
        condition: `alltrue([for lb in ${LOAD_BALANCERS} : length(${prioritiesOn('lb')}) == length(distinct(${prioritiesOn('lb')}))])`,
        errorMessage: `ecs_services and asgs: route priorities must be unique on each load balancer${got(`{ for r in ${ALL_ROUTES} : r.name => r.priority if !r.default }`)}`,
      },
    ],
  },
  ecs_container_insights: {
    type: 'string',
    default: 'enabled',
    description: 'Container Insights of the ECS cluster (FSBP ECS.12): enabled, enhanced (more metrics, costs more) or disabled (its CloudWatch metrics and logs cost money even in pilot light).',
    validation: [{ condition: 'contains(["enabled", "enhanced", "disabled"], var.ecs_container_insights)', errorMessage: 'ecs_container_insights must be enabled, enhanced or disabled, got: ${var.ecs_container_insights}' }],
  },
  asg_ami_ssm_parameter: {
    type: 'string',
    default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    description: 'SSM parameter (DR region) holding the AMI id of the ASG launch templates.',
    validation: [{ condition: 'startswith(var.asg_ami_ssm_parameter, "/")', errorMessage: 'asg_ami_ssm_parameter must be an SSM parameter name starting with "/".' }],
  },

  // --- database ---
  primary_db_arn: {
    type: 'string',
    default: '',
    description: 'ARN of an existing primary DB instance to replicate. Empty: the stack creates the primary (primary_db_identifier).',
    validation: [{ condition: 'var.primary_db_arn == "" || can(regex("^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:db:", var.primary_db_arn))', errorMessage: 'primary_db_arn must be empty or an RDS DB instance ARN.' }],
  },
  db_credentials_secret_name: {
    type: 'string',
    default: '',
    description:
      'Self-managed Secrets Manager secret with the master credentials, replicated to dr_region (the DR application reads its DR copy after a promotion). Empty: <primary_db_identifier>/master-credentials, which the primary stack creates.',
    validation: [
      {
        condition: '!startswith(var.db_credentials_secret_name, "rds!")',
        errorMessage:
          'db_credentials_secret_name must not be an RDS-managed master secret (rds!...): RDS cannot create a read replica of a source whose master password Secrets Manager manages (ManageMasterUserPassword), and that secret exists only in the primary region; use a self-managed secret replicated to dr_region, got: ${var.db_credentials_secret_name}',
      },
      {
        condition: 'var.primary_db_arn == "" || var.db_credentials_secret_name != ""',
        errorMessage:
          'db_credentials_secret_name must name the existing primary\'s self-managed credentials secret (replicated to dr_region) when primary_db_arn is set: the DR side needs a credential it can read after a promotion, got: ""',
      },
    ],
  },
  primary_db_identifier: {
    type: 'string',
    description: 'Identifier of the primary DB instance created when primary_db_arn is empty.',
    validation: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.primary_db_identifier))', errorMessage: 'primary_db_identifier must be an RDS identifier.' }],
  },
  primary_db_subnet_group_name: {
    type: 'string',
    default: '',
    description: 'DB subnet group (primary region) for a created primary; empty uses the default VPC.',
  },
  db_replica_identifier: {
    type: 'string',
    description: 'Identifier of the cross-region read replica (what a real failover promotes).',
    validation: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,62}$", var.db_replica_identifier))', errorMessage: 'db_replica_identifier must be an RDS identifier.' }],
  },
  db_instance_class: {
    type: 'string',
    description: 'Instance class of the primary (when created) and of the replica.',
    validation: [{ condition: 'startswith(var.db_instance_class, "db.")', errorMessage: 'db_instance_class must be an RDS instance class (db.*).' }],
  },
  db_engine: {
    type: 'string',
    default: 'postgres',
    description: 'Engine of a created primary.',
    validation: [{ condition: 'contains(["postgres", "mysql", "mariadb"], var.db_engine)', errorMessage: 'db_engine must be postgres, mysql or mariadb.' }],
  },
  db_engine_version: {
    type: 'string',
    default: '',
    description: 'Engine version of a created primary; empty lets RDS choose.',
  },
  db_allocated_storage_gb: {
    type: 'number',
    default: 20,
    description: 'Allocated storage of a created primary, GiB.',
    validation: [{ condition: 'var.db_allocated_storage_gb >= 20', errorMessage: 'db_allocated_storage_gb must be at least 20.' }],
  },
  db_backup_retention_days: {
    type: 'number',
    default: 7,
    description: 'Automated backup retention (1-35 days); must be > 0 for a replica source, and the promoted replica keeps it.',
    validation: [{ condition: 'var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35', errorMessage: 'db_backup_retention_days must be from 1 to 35.' }],
  },

  db_replica_multi_az: {
    type: 'bool',
    default: false,
    description: 'Whether the DR replica is Multi-AZ, so that the promoted database is Multi-AZ from the first minute (doubles the replica cost in pilot light; docs/terraform.md).',
  },
  db_monitoring_interval_seconds: {
    type: 'number',
    default: 60,
    description: 'Enhanced monitoring interval of the created primary and the replica, seconds (0 turns it off).',
    validation: [{ condition: 'contains([0, 1, 5, 10, 15, 30, 60], var.db_monitoring_interval_seconds)', errorMessage: 'db_monitoring_interval_seconds must be 0, 1, 5, 10, 15, 30 or 60.' }],
  },

  // --- reconciler ---
  drill_schedule_expression: {
    type: 'string',
    default: 'cron(5 0 ? * MON#1 *)',
    description: 'Schedule of the monthly drill rule dr-dr-failover-test (default: first Monday, 00:05 UTC).',
    validation: [{ condition: `can(regex("${SCHEDULE}", var.drill_schedule_expression))`, errorMessage: 'drill_schedule_expression must be an EventBridge rate(...) or cron(...) expression.' }],
  },
  drill_enabled: {
    type: 'bool',
    default: true,
    description: 'Whether the monthly drill rule is ENABLED.',
  },
  drill_duration_minutes: {
    type: 'number',
    default: 60,
    description: 'How long a drill keeps the DR region active before it reverts itself.',
    validation: [{ condition: 'var.drill_duration_minutes >= 1 && var.drill_duration_minutes <= 1440 && floor(var.drill_duration_minutes) == var.drill_duration_minutes', errorMessage: 'drill_duration_minutes must be a whole number from 1 to 1440.' }],
  },
  resync_schedule_expression: {
    type: 'string',
    default: 'rate(1 minute)',
    description: 'Schedule of the periodic reconcile pass, a rate(...) expression (continues work, corrects drift, ends drills, polls the health check).',
    // A rate, not a cron: the heartbeat alarm counts resync periods, so their length must be known.
    validation: [{ condition: `can(regex("${RATE_EXPRESSION}", var.resync_schedule_expression))`, errorMessage: 'resync_schedule_expression must be an EventBridge rate(...) expression.' }],
  },
  failover_min_interval_minutes: {
    type: 'number',
    default: 60,
    description: 'Minimum time between two automatic failovers (rule S5).',
    validation: [{ condition: 'var.failover_min_interval_minutes >= 0 && var.failover_min_interval_minutes <= 100000 && floor(var.failover_min_interval_minutes) == var.failover_min_interval_minutes', errorMessage: 'failover_min_interval_minutes must be a whole number from 0 to 100000.' }],
  },
  unhealthy_readings: {
    type: 'number',
    default: 3,
    description: 'Consecutive unhealthy health-check readings (periodic backstop) before an automatic failover.',
    validation: [{ condition: 'var.unhealthy_readings >= 1 && var.unhealthy_readings <= 100 && floor(var.unhealthy_readings) == var.unhealthy_readings', errorMessage: 'unhealthy_readings must be a whole number from 1 to 100.' }],
  },
  max_replica_lag_seconds: {
    type: 'number',
    default: 300,
    description: 'A drill fails if the replica lags more than this.',
    validation: [{ condition: 'var.max_replica_lag_seconds >= 0 && var.max_replica_lag_seconds <= 86400 && floor(var.max_replica_lag_seconds) == var.max_replica_lag_seconds', errorMessage: 'max_replica_lag_seconds must be a whole number from 0 to 86400.' }],
  },
  reconcile_concurrency: {
    type: 'number',
    default: 50,
    description: 'At most this many reconciler actions run at once (each kind is also held to its AWS API burst: UpdateService 50, target and ASG writes 20; halved while throttled).',
    validation: [{ condition: 'var.reconcile_concurrency >= 1 && var.reconcile_concurrency <= 100', errorMessage: 'reconcile_concurrency must be from 1 to 100.' }],
  },
  fence_old_primary: {
    type: 'bool',
    default: false,
    description: 'After a failover, when the primary region answers again, stop the old primary DB instance so a stray app there cannot write to the stale database (rule S9). Off by default: stopping a database is a decision some teams keep for a person.',
  },
  lease_seconds: {
    type: 'number',
    default: 300,
    description: 'Single-writer lease length; must be at least lambda_timeout_seconds.',
    validation: [{ condition: 'var.lease_seconds >= 10 && var.lease_seconds <= 3600 && var.lease_seconds >= var.lambda_timeout_seconds', errorMessage: 'lease_seconds must be from 10 to 3600 and >= lambda_timeout_seconds.' }],
  },
  lambda_timeout_seconds: {
    type: 'number',
    default: 120,
    description: 'Timeout of the reconciler Lambda; a pass never waits on AWS, so this bounds one pass.',
    validation: [{ condition: 'var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 900', errorMessage: 'lambda_timeout_seconds must be from 1 to 900.' }],
  },
  lambda_memory_mb: {
    type: 'number',
    default: 512,
    description: 'Memory of the reconciler Lambda, MiB.',
    validation: [{ condition: 'var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240', errorMessage: 'lambda_memory_mb must be from 128 to 10240.' }],
  },
  log_retention_days: {
    type: 'number',
    default: 30,
    description: 'Retention of the reconciler and ECS task log groups, days.',
    validation: [{ condition: 'contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)', errorMessage: 'log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...).' }],
  },
  probe_timeout_seconds: {
    type: 'number',
    default: 3,
    description: "Timeout of the reconciler's own HTTPS probe of the primary (https://<primary_endpoint_fqdn><health_check_path>, from the DR region; rule S10), seconds.",
    validation: [
      {
        condition: 'var.probe_timeout_seconds >= 1 && var.probe_timeout_seconds <= 30 && floor(var.probe_timeout_seconds) == var.probe_timeout_seconds && var.probe_timeout_seconds < var.lambda_timeout_seconds',
        errorMessage: 'probe_timeout_seconds must be a whole number from 1 to 30 and less than lambda_timeout_seconds.',
      },
    ],
  },
  probe_only_unhealthy_readings: {
    type: 'number',
    default: 10,
    description: 'Consecutive failed probes that fail over on their own, only while the Route 53 and CloudWatch APIs are unreachable (rule S10); must exceed unhealthy_readings.',
    validation: [
      {
        condition: 'var.probe_only_unhealthy_readings >= 2 && var.probe_only_unhealthy_readings <= 100 && floor(var.probe_only_unhealthy_readings) == var.probe_only_unhealthy_readings && var.probe_only_unhealthy_readings > var.unhealthy_readings',
        errorMessage: 'probe_only_unhealthy_readings must be a whole number from 2 to 100 and greater than unhealthy_readings.',
      },
    ],
  },
  heartbeat_missing_periods: {
    type: 'number',
    default: 5,
    description: 'Resync periods without a finished reconcile pass before the heartbeat alarm fires (rule S11).',
    validation: [{ condition: 'var.heartbeat_missing_periods >= 1 && var.heartbeat_missing_periods <= 100 && floor(var.heartbeat_missing_periods) == var.heartbeat_missing_periods', errorMessage: 'heartbeat_missing_periods must be a whole number from 1 to 100.' }],
  },
  degraded_alarm_minutes: {
    type: 'number',
    default: 15,
    description: 'Minutes the reconciler may report Degraded without a break before the degraded alarm fires (rule S11).',
    validation: [{ condition: 'var.degraded_alarm_minutes >= 1 && var.degraded_alarm_minutes <= 1440 && floor(var.degraded_alarm_minutes) == var.degraded_alarm_minutes', errorMessage: 'degraded_alarm_minutes must be a whole number from 1 to 1440.' }],
  },
  dr_operator_principal_arns: {
    type: 'list(string)',
    default: [],
    description: 'IAM principal ARNs (ArnLike patterns allowed) of the operators who may set the mode, run drctl passes and publish DR notifications; named in the notification topic policy and the guardrail policy.',
    validation: [{ condition: 'alltrue([for a in var.dr_operator_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::", a))])', errorMessage: 'dr_operator_principal_arns must all be IAM or STS principal ARNs (arn:aws:iam::...).' }],
  },
  dr_deployer_principal_arns: {
    type: 'list(string)',
    default: [],
    description: 'IAM principal ARNs (ArnLike patterns allowed) that deploy this stack: in the guardrail policy, the only ones besides the account root that may change the spec parameter, the reconciler function and its role.',
    validation: [{ condition: 'alltrue([for a in var.dr_deployer_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::", a))])', errorMessage: 'dr_deployer_principal_arns must all be IAM or STS principal ARNs (arn:aws:iam::...).' }],
  },
} satisfies Record<string, TerraformVariableConfig>;

/** Name of a declared variable. */
export type VariableName = keyof typeof VARIABLE_DEFINITIONS;

/** The declared variables, by name. */
export type StackVariables = { readonly [K in VariableName]: TerraformVariable };

/** Declares every variable directly on `stack`, so each Terraform name is exactly its key. */
export function declareVariables(stack: Construct): StackVariables {
  const vars: Partial<Record<VariableName, TerraformVariable>> = {};
  for (const [name, config] of Object.entries(VARIABLE_DEFINITIONS) as [VariableName, TerraformVariableConfig][]) {
    // In Terraform's JSON syntax a condition is a string template: it must be an interpolation to be an expression.
    const validation = config.validation?.map((v) => ({ ...v, condition: `\${${v.condition}}` }));
    vars[name] = new TerraformVariable(stack, name, { ...config, validation });
  }
  return vars as StackVariables;
}
