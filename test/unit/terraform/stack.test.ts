import { expect } from 'chai';
import { AWS_SERVICES_USED, PRIMARY_STACK_NAME, STACK_NAME } from '../../../modules/stack';
import { backendSettingsFromEnv, LOCAL_STATE_REFUSAL } from '../../../modules/backend';
import { ASG_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs/asg';
import { CERTIFICATE_REQUIRED, SERVICE_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs';
import { resources, resourceAt, ROOT, synthPrimaryStack, synthStack, Synthesized } from './synth';

describe('terraform: the dr-pilot-light stacks', () => {
  let s: Synthesized;
  before(function () {
    this.timeout(60_000);
    s = synthStack();
  });

  it('has two AWS providers, DR (alias dr) and us-east-1 (alias us_east_1), and none in the primary region', () => {
    const providers = s.provider!.aws.map((p) => ({ alias: p.alias, region: p.region }));
    expect(providers).to.deep.equal([
      { alias: 'dr', region: '${var.dr_region}' },
      { alias: 'us_east_1', region: 'us-east-1' },
    ]);
    for (const p of s.provider!.aws) {
      expect(p).not.to.have.property('endpoints');
      expect(p.default_tags).to.deep.equal([{ tags: { 'pilot-light:stack': 'dr-pilot-light', 'pilot-light:environment': 'dr' } }]);
    }
  });

  it('the primary stack has one provider, in the primary region, and holds only the created primary and its secret', () => {
    const p = synthPrimaryStack();
    expect(p.provider!.aws.map((x) => ({ alias: x.alias, region: x.region }))).to.deep.equal([{ alias: undefined, region: '${var.primary_region}' }]);
    expect(Object.keys(p.resource).sort()).to.deep.equal(['aws_db_instance', 'aws_secretsmanager_secret', 'aws_secretsmanager_secret_version', 'terraform_data']);
    expect(p.terraform).to.deep.include({ backend: { local: { path: `terraform.${PRIMARY_STACK_NAME}.tfstate` } } });
  });

  it("derives the created primary's ARN from variables and the DR region's account (no primary-region call, no remote state)", () => {
    const replica = resourceAt(s, 'aws_db_instance', 'database_replica');
    expect(replica.replicate_source_db).to.equal(
      '${(length(var.primary_db_arn) < 1) ? join(":", ["arn", data.aws_partition.partition.partition, "rds", var.primary_region, data.aws_caller_identity.account.account_id, "db", var.primary_db_identifier]) : var.primary_db_arn}',
    );
    expect(JSON.stringify(s)).not.to.contain('terraform_remote_state');
  });

  describe('state backend (chosen from the environment, no code change)', () => {
    it('by default: a local file with a relative path, and every plan refused with a clear message', () => {
      expect(s.terraform).to.deep.include({ backend: { local: { path: `terraform.${STACK_NAME}.tfstate` } } });
      expect(JSON.stringify(s)).not.to.contain(ROOT);
      const guard = (s.resource as unknown as Record<string, Record<string, { lifecycle: { precondition: Array<{ error_message: string }> } }>>).terraform_data.pilot_light_state_guard;
      expect(guard.lifecycle.precondition[0].error_message).to.equal(LOCAL_STATE_REFUSAL);
    });

    it('PILOT_LIGHT_ALLOW_LOCAL_STATE=1: local, no refusal', () => {
      const local = synthStack({ backend: backendSettingsFromEnv({ PILOT_LIGHT_ALLOW_LOCAL_STATE: '1' }) });
      expect(local.resource).not.to.have.property('terraform_data');
    });

    it('PILOT_LIGHT_STATE_BUCKET: S3, encrypted, locked with a lock file, one key per stack', () => {
      const env = { PILOT_LIGHT_STATE_BUCKET: 'acme-tfstate', PILOT_LIGHT_STATE_REGION: 'eu-north-1' };
      const remote = synthStack({ backend: backendSettingsFromEnv(env) });
      expect(remote.terraform).to.deep.include({
        backend: { s3: { bucket: 'acme-tfstate', region: 'eu-north-1', key: 'pilot-light/dr-pilot-light/terraform.tfstate', encrypt: true, use_lockfile: true } },
      });
      expect(remote.resource).not.to.have.property('terraform_data');
      const primary = synthPrimaryStack({ backend: backendSettingsFromEnv({ ...env, PILOT_LIGHT_STATE_KEY_PREFIX: 'teams/shop/' }) });
      expect((primary.terraform as { backend: { s3: { key: string } } }).backend.s3.key).to.equal('teams/shop/dr-pilot-light-primary/terraform.tfstate');
    });

    it('a bucket without its region is refused, naming the setting', () => {
      expect(() => backendSettingsFromEnv({ PILOT_LIGHT_STATE_BUCKET: 'acme-tfstate' })).to.throw(
        "PILOT_LIGHT_STATE_REGION must be the state bucket's region (e.g. eu-central-1) when PILOT_LIGHT_STATE_BUCKET is set, got: \"\"",
      );
    });

    it('the emulator: local, never refused', () => {
      const e = synthStack({ emulator: { endpoint: 'http://127.0.0.1:5000' } });
      expect(e.terraform).to.deep.include({ backend: { local: { path: `terraform.${STACK_NAME}.tfstate` } } });
      expect(e.resource).not.to.have.property('terraform_data');
    });
  });

  it('pins the provider version the offline mirror carries', () => {
    expect((s.terraform as { required_providers: { aws: { version: string } } }).required_providers.aws.version).to.equal('5.100.0');
  });

  it('names resources as the runbooks do (the workload\'s names come from the tfvars: workload.test.ts)', () => {
    const names = (type: string, attr = 'name') => resources(s, type).map((r) => r[attr]);
    expect(names('aws_lambda_function', 'function_name')).to.deep.equal(['dr-dr-failover']);
    expect(names('aws_cloudwatch_log_group')).to.include('/aws/lambda/dr-dr-failover');
    expect(names('aws_cloudwatch_event_rule')).to.include('dr-dr-failover-test');
    expect(names('aws_ecs_cluster')).to.deep.equal(['dr']);
    // One resource each, for_each over ecs_services / asgs: service = key, ASG and target group = dr-<key>.
    expect(names('aws_ecs_service')).to.deep.equal(['${each.key}']);
    expect(names('aws_autoscaling_group')).to.deep.equal(['dr-${each.key}']);
    expect(names('aws_lb_target_group')).to.deep.equal(['dr-${each.key}', 'dr-${each.key}']);
    expect(resources(s, 'aws_ecs_service')[0].for_each).to.match(/^\$\{local\.ecs_services_\w+\}$/);
    expect(s.locals).to.satisfy((l: Record<string, unknown>) => Object.entries(l).some(([k, v]) => k.startsWith('ecs_services_') && v === '${var.ecs_services}'));
    expect(names('aws_dynamodb_table')).to.deep.equal(['dr-dr-failover-state']);
    expect(names('aws_ssm_parameter')).to.have.members(['/dr/mode', '/dr/spec']);
  });

  it('S7: Terraform ignores every field the reconciler owns', () => {
    for (const svc of resources(s, 'aws_ecs_service')) {
      expect(svc.lifecycle, String(svc.name)).to.deep.equal({ ignore_changes: [...SERVICE_RECONCILER_OWNED_FIELDS] });
    }
    for (const asg of resources(s, 'aws_autoscaling_group')) {
      expect(asg.lifecycle, String(asg.name)).to.deep.equal({ ignore_changes: [...ASG_RECONCILER_OWNED_FIELDS] });
    }
    expect(resourceAt(s, 'aws_ssm_parameter', 'mode-parameter').lifecycle).to.deep.equal({ ignore_changes: ['value'] });
    expect(resourceAt(s, 'aws_db_instance', 'database_replica').lifecycle).to.deep.equal({ ignore_changes: ['replicate_source_db'] });
  });

  it('puts every resource in the region it belongs to, with an explicit provider', () => {
    const expected: Record<string, string> = {
      // Route 53 is global; its API is a us-east-1 control plane.
      aws_route53_health_check: 'aws.us_east_1',
      aws_route53_record: 'aws.us_east_1',
    };
    for (const [type, byId] of Object.entries(s.resource)) {
      if (type === 'terraform_data') continue;
      for (const [id, r] of Object.entries(byId)) {
        expect(r.provider, `${type}.${id}`).to.be.a('string');
        if (expected[type]) expect(r.provider, `${type}.${id}`).to.equal(expected[type]);
      }
    }
    for (const [type, byId] of Object.entries(s.data ?? {})) {
      for (const [id, r] of Object.entries(byId)) expect(r.provider, `data.${type}.${id}`).to.be.a('string');
    }
    expect(resourceAt(s, 'aws_db_instance', 'database_replica').provider).to.equal('aws.dr');
    expect(resourceAt(s, 'aws_sns_topic', 'alarm-topic').provider).to.equal('aws.us_east_1');
    expect(resourceAt(s, 'aws_sns_topic', 'notification-topic').provider).to.equal('aws.dr');
    // Route 53 health-check metrics exist only in us-east-1; the reconciler's metrics (gate, self-watch) in the DR region.
    const alarmRegions = Object.fromEntries(resources(s, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name, a.provider]));
    expect(alarmRegions).to.deep.equal({
      'dr-primary-health': 'aws.us_east_1',
      'dr-traffic-to-dr': 'aws.dr',
      'dr-dr-failover-errors': 'aws.dr',
      'dr-dr-failover-dead-letters': 'aws.dr',
      'dr-dr-failover-heartbeat': 'aws.dr',
      'dr-dr-failover-degraded': 'aws.dr',
      'dr-dr-failover-invalid-spec': 'aws.dr',
    });
  });

  it('S9: the PRIMARY record follows the traffic gate alone; the gate follows TrafficToDr of this environment', () => {
    const primary = resourceAt(s, 'aws_route53_record', 'primary-record');
    expect(primary.health_check_id).to.match(/^\$\{aws_route53_health_check\.route53-failover_traffic-gate_health-check_[0-9A-F]+\.id\}$/);
    expect((primary.alias as { evaluate_target_health: boolean }).evaluate_target_health).to.equal(false);
    const gate = resourceAt(s, 'aws_route53_health_check', 'traffic-gate_health-check');
    expect(gate.cloudwatch_alarm_region).to.match(/^\$\{data\.aws_region\..+\.name\}$/);
    const region = Object.entries(s.data!.aws_region).find(([id]) => String(gate.cloudwatch_alarm_region).includes(id))![1];
    expect(region.provider, 'the alarm region is the DR provider\'s').to.equal('aws.dr');
    expect(resourceAt(s, 'aws_cloudwatch_metric_alarm', 'traffic-gate_alarm').dimensions).to.deep.equal({ Environment: 'dr' });
  });

  it('threads the probe settings into the spec (S10) and the alarm thresholds from the variables (S11)', () => {
    const spec = String(resourceAt(s, 'aws_ssm_parameter', 'spec-parameter').value);
    expect(spec).to.contain('"probeUrl" = "https://${var.primary_endpoint_fqdn}${var.health_check_path}"');
    expect(spec).to.contain('"probeTimeoutSeconds" = var.probe_timeout_seconds');
    expect(spec).to.contain('"probeOnlyReadings" = var.probe_only_unhealthy_readings');
    const alarms = Object.fromEntries(resources(s, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name, a]));
    expect(alarms['dr-dr-failover-heartbeat'].evaluation_periods).to.equal('${var.heartbeat_missing_periods}');
    expect(alarms['dr-dr-failover-degraded'].evaluation_periods).to.equal('${var.degraded_alarm_minutes}');
  });

  it('ELB.1: a real plan without dr_certificate_arn fails (a precondition on both serving listeners); only the emulator run may serve HTTP', () => {
    const real = ['ecs_listener', 'ecs_internal-listener'].map((at) => resourceAt(s, 'aws_lb_listener', at).lifecycle);
    expect(real).to.deep.equal([0, 1].map(() => ({ precondition: [{ condition: '${!(length(var.dr_certificate_arn) < 1)}', error_message: CERTIFICATE_REQUIRED }] })));
    const e = synthStack({ emulator: { endpoint: 'http://127.0.0.1:5000' } });
    for (const at of ['ecs_listener', 'ecs_internal-listener']) expect(resourceAt(e, 'aws_lb_listener', at), at).not.to.have.property('lifecycle');
  });

  it('wires the load balancer and cluster settings to their variables (ELB.5, ELB.6, ECS.12, internal tools)', () => {
    for (const at of ['ecs_alb', 'ecs_internal-alb']) {
      const lb = resourceAt(s, 'aws_lb', at);
      expect(lb.enable_deletion_protection, at).to.equal('${var.alb_deletion_protection}');
      expect((lb.dynamic as { access_logs: { for_each: string } }).access_logs.for_each, at).to.equal('${(length(var.alb_access_logs_bucket) < 1) ? [] : [var.alb_access_logs_bucket]}');
    }
    expect(resourceAt(s, 'aws_lb', 'ecs_internal-alb').subnets).to.equal('${var.dr_private_subnet_ids}');
    expect(resourceAt(s, 'aws_vpc_security_group_ingress_rule', 'ecs_internal-alb-ingress').for_each).to.equal('${toset(var.internal_tools_ingress_cidrs)}');
    expect(resourceAt(s, 'aws_ecs_cluster', 'ecs_cluster').setting).to.deep.equal([{ name: 'containerInsights', value: '${var.ecs_container_insights}' }]);
    expect(s.output!.dr_internal_alb_dns_name.value).to.match(/^\$\{one\(aws_lb\.ecs_internal-alb_\w+\[\*\]\.dns_name\)\}$/);
  });

  it('documents every output', () => {
    for (const [name, o] of Object.entries(s.output ?? {})) expect(o.description, name).to.be.a('string').and.not.be.empty;
  });

  it('with the emulator option, points every service at the emulator with fake credentials', () => {
    const e = synthStack({ emulator: { endpoint: 'http://127.0.0.1:5000' } });
    for (const p of e.provider!.aws) {
      expect(p).to.deep.include({
        access_key: 'testing',
        secret_key: 'testing',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: 'true',
        s3_use_path_style: true,
      });
      const endpoints = (p.endpoints as Array<Record<string, string>>)[0];
      expect(Object.keys(endpoints).sort()).to.deep.equal([...AWS_SERVICES_USED].sort());
      for (const url of Object.values(endpoints)) expect(url).to.equal('http://127.0.0.1:5000');
    }
  });
});
