# Values for every variable of the dr-pilot-light stack (docs/terraform.md describes each one).
# Deploy: cdktf deploy dr-pilot-light --var-file=environments/dr-pilot-light/terraform.tfvars
# Replace the example ids (zone, VPC, subnets, ALB, emails, images) with your own before deploying.

# --- regions ---
primary_region = "eu-west-1"
dr_region      = "eu-central-1"

# --- DNS and health check ---
hosted_zone_id                 = "Z0123456789ABCDEFGHIJ"
record_name                    = "app.example.com"
primary_endpoint_fqdn          = "primary.app.example.com"
health_check_path              = "/health"
health_check_interval_seconds  = 30
health_check_failure_threshold = 3
alarm_evaluation_periods       = 3 # M
alarm_datapoints_to_alarm      = 2 # N: 2 of the last 3 minutes unhealthy
primary_alb_dns_name           = "primary-alb-1234567890.eu-west-1.elb.amazonaws.com"
primary_alb_zone_id            = "Z32O12XQLNTSW2" # canonical zone of ALBs in eu-west-1
notification_emails            = ["oncall@example.com"]

# --- DR network ---
dr_vpc_id                    = "vpc-0123456789abcdef0"
dr_private_subnet_ids        = ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
dr_public_subnet_ids         = ["subnet-0123456789abcdef3", "subnet-0123456789abcdef4"]
alb_ingress_cidrs            = ["0.0.0.0/0"]  # the internet-facing ALB: the application
internal_tools_ingress_cidrs = ["10.0.0.0/8"] # the internal ALB (private subnets) of the routes with
                                              # load_balancer = "internal": your VPN/office/VPC ranges
dr_certificate_arn           = "" # REQUIRED for a real deploy: an ACM certificate ARN in the DR region. A plan with it
                                  # empty fails on purpose (HTTPS-only listeners, port 80 redirects); only the emulator
                                  # run serves HTTP.
alb_deletion_protection      = true # FSBP ELB.6: turn it off in an apply of its own before removing a load balancer
alb_access_logs_bucket       = ""   # FSBP ELB.5: the organization's log bucket (DR region); empty = off

# --- workload: ECS services and ASGs ---
# Any services and groups, by name. A route is { default = true } (all requests no rule
# matches), or a listener rule { priority = N, path_patterns = [...], host_headers = [...] }; no route = not
# behind an ALB. load_balancer = "internal" puts a route on the internal ALB (private subnets, reachable from
# internal_tools_ingress_cidrs only): the internal tools below. Priorities are unique on each load balancer.
ecs_services = {
  frontend = {
    image             = "public.ecr.aws/nginx/nginx:stable"
    container_port    = 80
    cpu               = 256
    memory_mb         = 512
    health_check_path = "/"
    route             = { default = true }
    pilot_light       = { desired_count = 0, capacity_provider = "FARGATE_SPOT" }
    active            = { desired_count = 2, capacity_provider = "FARGATE" }
  }
  "notification-service" = {
    image             = "public.ecr.aws/nginx/nginx:stable"
    container_port    = 80  # the placeholder image (nginx) listens on 80: use your service's port
    cpu               = 256
    memory_mb         = 512
    health_check_path = "/"  # e.g. "/notifications/health" with your image
    route             = { priority = 10, path_patterns = ["/notifications/*"] }
    pilot_light       = { desired_count = 0, capacity_provider = "FARGATE_SPOT" }
    active            = { desired_count = 1, capacity_provider = "FARGATE" }
  }
  "user-service" = {
    image             = "public.ecr.aws/nginx/nginx:stable"
    container_port    = 80  # the placeholder image (nginx) listens on 80: use your service's port
    cpu               = 256
    memory_mb         = 512
    health_check_path = "/"  # e.g. "/users/health" with your image
    route             = { priority = 20, path_patterns = ["/users/*"] }
    pilot_light       = { desired_count = 0, capacity_provider = "FARGATE_SPOT" }
    active            = { desired_count = 2, capacity_provider = "FARGATE" }
  }
  "task-api" = {
    image             = "public.ecr.aws/nginx/nginx:stable"
    container_port    = 80  # the placeholder image (nginx) listens on 80: use your service's port
    cpu               = 256
    memory_mb         = 512
    health_check_path = "/"  # e.g. "/tasks/health" with your image
    route             = { priority = 30, path_patterns = ["/tasks/*"] }
    pilot_light       = { desired_count = 0, capacity_provider = "FARGATE_SPOT" }
    active            = { desired_count = 2, capacity_provider = "FARGATE" }
  }
  kafka = {
    image             = "public.ecr.aws/bitnami/kafka:3.7"
    container_port    = 9092
    cpu               = 1024
    memory_mb         = 2048
    health_check_path = "/"
    # No route: Kafka speaks TCP to the other services, not HTTP through the ALB.
    # Kafka keeps one broker warm: replaying from zero on failover takes longer than the RTO allows.
    pilot_light = { desired_count = 1, capacity_provider = "FARGATE_SPOT" }
    active      = { desired_count = 3, capacity_provider = "FARGATE" }
  }
}

# ASGs dr-<key>; each target is a target group dr-<name> of the group's instances, served under its route.
asgs = {
  jenkins = {
    instance_types = ["t3.medium", "t3a.medium", "m5.large"]
    root_volume_gb = 30
    targets = {
      jenkins = { port = 8080, health_check_path = "/jenkins/login", route = { priority = 40, path_patterns = ["/jenkins/*"], load_balancer = "internal" } }
    }
    pilot_light = { min_size = 0, max_size = 1, desired_capacity = 0, on_demand_percentage = 0 }
    active      = { min_size = 1, max_size = 3, desired_capacity = 1, on_demand_percentage = 100 }
  }
  monitoring = {
    instance_types = ["t3.medium", "t3a.medium", "m5.large"]
    root_volume_gb = 30
    targets = {
      prometheus = { port = 9090, health_check_path = "/prometheus/-/healthy", route = { priority = 50, path_patterns = ["/prometheus/*"], load_balancer = "internal" } }
      grafana    = { port = 3000, health_check_path = "/grafana/api/health", route = { priority = 60, path_patterns = ["/grafana/*"], load_balancer = "internal" } }
      jaeger     = { port = 16686, health_check_path = "/jaeger/", route = { priority = 70, path_patterns = ["/jaeger/*"], load_balancer = "internal" } }
    }
    pilot_light = { min_size = 0, max_size = 1, desired_capacity = 0, on_demand_percentage = 0 }
    active      = { min_size = 1, max_size = 3, desired_capacity = 1, on_demand_percentage = 100 }
  }
}
ecs_container_insights = "enabled" # FSBP ECS.12; "disabled" saves its CloudWatch cost
asg_ami_ssm_parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

# --- database ---
primary_db_arn               = "" # set to replicate an existing primary instead of creating one (then also db_credentials_secret_name)
db_credentials_secret_name   = "" # empty: <primary_db_identifier>/master-credentials, created by the primary stack; never an RDS-managed rds!… secret
primary_db_identifier        = "app-primary"
primary_db_subnet_group_name = ""
db_replica_identifier        = "app-replica"
db_instance_class            = "db.t4g.medium"
db_engine                    = "postgres"
db_engine_version            = ""
db_allocated_storage_gb      = 20
db_backup_retention_days     = 7
db_replica_multi_az            = false # true: the promoted database is Multi-AZ at once, at twice the replica's cost
db_monitoring_interval_seconds = 60

# --- reconciler ---
drill_schedule_expression     = "cron(5 0 ? * MON#1 *)" # first Monday, 00:05 UTC
drill_enabled                 = true
drill_duration_minutes        = 60
resync_schedule_expression    = "rate(1 minute)" # a rate: the heartbeat alarm counts these periods
failover_min_interval_minutes = 60
unhealthy_readings            = 3
max_replica_lag_seconds       = 300
reconcile_concurrency         = 50
fence_old_primary             = false # after a failover, stop the old primary once its region answers again (S9)
lease_seconds                 = 300
lambda_timeout_seconds        = 120
lambda_memory_mb              = 512
log_retention_days            = 30

# --- detection from the DR region (rule S10) and DR watching itself (rule S11) ---
probe_timeout_seconds         = 3  # the reconciler's own HTTPS GET of https://<primary_endpoint_fqdn><health_check_path>
probe_only_unhealthy_readings = 10 # failed probes in a row that fail over alone, only while Route 53 and CloudWatch
                                   # are unreachable (more than unhealthy_readings: one source needs a longer run)
heartbeat_missing_periods     = 5  # resync periods with no finished pass before the heartbeat alarm (5 min at rate(1 minute))
degraded_alarm_minutes        = 15 # minutes of Degraded without a break before the degraded alarm
dr_operator_principal_arns    = [] # e.g. ["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DrOperator_*"]
dr_deployer_principal_arns    = [] # e.g. ["arn:aws:iam::123456789012:role/terraform-deployer"]
