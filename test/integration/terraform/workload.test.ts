/**
 * The workload as data, checked by Terraform itself: the `ecs_services` and `asgs` variables' validations
 * (good and bad workloads, each message naming the bad key and value), and the reconciler's spec that
 * reconcilerSpec (modules/reconciler-spec.ts) builds from the same values — evaluated by `terraform apply` of
 * a configuration holding only the stack's variables and that expression (no provider, so it runs offline
 * anywhere), then read by the reconciler's own parseSpec.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { App, DataResource, Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { declareVariables } from '../../../modules/variables';
import { configureBackend, LOCAL_STATE_REFUSAL } from '../../../modules/backend';
import { reconcilerSpec } from '../../../modules/reconciler-spec';
import type { WorkloadExpressions } from '../../../modules/ecs';
import { parseSpec, type DrEnvironment } from '../../../reconciler/spec';
import { requireTerraform, TerraformWorkdir, writeTestCliConfig } from './terraform-cli';
import { resourceAt, ROOT, scratchDir, synthStack } from '../../unit/terraform/synth';
import { ONE_SERVICE_NO_ASG, TWELVE_SERVICES_THREE_ASGS, type Workload } from './workloads';

const TFVARS = path.join(ROOT, 'environments', 'dr-pilot-light', 'terraform.tfvars');
const TG = (name: string) => `arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/dr-${name}/0123456789abcdef`;

/** Stand-ins for the created resources' names and ARNs, derived from the same maps as the real ones. */
const FAKE_WORKLOAD: WorkloadExpressions = {
  services: 'var.ecs_services',
  asgs: 'var.asgs',
  clusterName: '"dr"',
  serviceNames: '{ for k, s in var.ecs_services : k => k }',
  serviceTargetGroupArns: `{ for k, s in var.ecs_services : k => "${TG('${k}')}" if s.route != null }`,
  asgNames: '{ for k, a in var.asgs : k => "dr-${k}" }',
  asgTargetGroupArns: `{ for t in flatten([for a in values(var.asgs) : keys(a.targets)]) : t => "${TG('${t}')}" }`,
};

/** Synthesizes the variables-only configuration whose one output is the spec body. */
function synthSpecConfig(outdir: string): string {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'spec');
  const v = declareVariables(stack);
  const spec = reconcilerSpec(v, {
    workload: FAKE_WORKLOAD,
    notificationTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dr-notifications',
    replicaIdentifier: 'app-replica',
    alarmName: 'dr-primary-health',
    healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  });
  new TerraformOutput(stack, 'spec', { value: Fn.jsonencode(spec) });
  app.synth();
  return path.join(outdir, 'stacks', 'spec');
}

describe('terraform: the workload is data (variables → resources and the reconciler spec)', function () {
  this.timeout(120_000);
  let tf: TerraformWorkdir;
  let work: string;

  before(() => {
    requireTerraform();
    work = scratchDir('workload');
    tf = new TerraformWorkdir(synthSpecConfig(path.join(work, 'out')), writeTestCliConfig(work));
    tf.init();
  });

  /** A var file holding `values`, applied after the shipped tfvars. */
  const varFile = (name: string, values: object) => {
    const file = path.join(work, `${name}.tfvars.json`);
    fs.writeFileSync(file, JSON.stringify(values, null, 1));
    return file;
  };

  /** The spec document Terraform writes for `workload` (the shipped one when undefined), parsed by the reconciler. */
  const specFor = (name: string, workload?: Workload): DrEnvironment => {
    const files = [`-var-file=${TFVARS}`, ...(workload ? [`-var-file=${varFile(name, workload)}`] : [])];
    tf.ok(['apply', '-auto-approve', '-input=false', '-no-color', `-state=${name}.tfstate`, ...files]);
    const body = JSON.parse(tf.ok(['output', '-raw', `-state=${name}.tfstate`, 'spec']).stdout) as Record<string, unknown>;
    const doc = { apiVersion: 'pilot-light.dev/v1alpha1', kind: 'DrEnvironment', metadata: { name: 'dr' }, spec: { ...body, modeParameter: '/dr/mode', stateTable: 'dr-dr-failover-state' } };
    return parseSpec(JSON.stringify(doc), name);
  };

  describe('reconcilerSpec through Terraform and parseSpec', () => {
    it('the shipped tfvars: the runbook services and ASGs, with their target groups', () => {
      const s = specFor('shipped').spec;
      expect(s.ecsServices.map((x) => x.name)).to.deep.equal(['frontend', 'kafka', 'notification-service', 'task-api', 'user-service']);
      const frontend = s.ecsServices.find((x) => x.name === 'frontend')!;
      expect(frontend).to.deep.equal({
        cluster: 'dr',
        name: 'frontend',
        pilotLight: { desiredCount: 0, capacityProvider: 'FARGATE_SPOT' },
        active: { desiredCount: 2, capacityProvider: 'FARGATE' },
        loadBalancers: [{ targetGroupArn: TG('frontend'), port: 80 }],
        targetRegistration: 'aws',
      });
      expect(s.ecsServices.find((x) => x.name === 'kafka')!.loadBalancers, 'kafka has no route').to.deep.equal([]);
      expect(s.autoScalingGroups.map((a) => a.name)).to.deep.equal(['dr-jenkins', 'dr-monitoring']);
      expect(s.autoScalingGroups[0]).to.deep.equal({
        name: 'dr-jenkins',
        pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
        active: { minSize: 1, maxSize: 3, desiredCapacity: 1, onDemandPercentage: 100 },
        targetGroupArns: [TG('jenkins')],
        targetRegistration: 'aws',
      });
      expect(s.autoScalingGroups[1].targetGroupArns).to.deep.equal([TG('grafana'), TG('jaeger'), TG('prometheus')]);
      expect(s.database).to.deep.equal({ replicaIdentifier: 'app-replica', fenceOldPrimary: false });
      expect(s.failover).to.deep.include({ alarmRegion: 'us-east-1', unhealthyReadings: 3, minIntervalMinutes: 60 });
    });

    it('one service and no ASG', () => {
      const s = specFor('one', ONE_SERVICE_NO_ASG).spec;
      expect(s.ecsServices.map((x) => [x.name, x.loadBalancers.length])).to.deep.equal([['shop', 1]]);
      expect(s.autoScalingGroups).to.deep.equal([]);
    });

    it('12 services and 3 ASGs', () => {
      const s = specFor('twelve', TWELVE_SERVICES_THREE_ASGS).spec;
      expect(s.ecsServices).to.have.length(12);
      expect(s.ecsServices.filter((x) => x.loadBalancers.length === 1)).to.have.length(10);
      expect(s.ecsServices.find((x) => x.name === 'svc-03')!.active).to.deep.equal({ desiredCount: 3, capacityProvider: 'FARGATE' });
      expect(s.autoScalingGroups.map((a) => [a.name, a.targetGroupArns.length])).to.deep.equal([['dr-batch', 1], ['dr-ci', 1], ['dr-metrics', 2]]);
      expect(s.autoScalingGroups[0].active).to.deep.equal({ minSize: 1, maxSize: 4, desiredCapacity: 2, onDemandPercentage: 100 });
    });
  });

  describe('variable validation: good and bad workloads', () => {
    const svc = (extra: object = {}) => ({ image: 'nginx', container_port: 80, pilot_light: { desired_count: 0, capacity_provider: 'FARGATE_SPOT' }, active: { desired_count: 1, capacity_provider: 'FARGATE' }, ...extra });
    const cap = { min_size: 0, max_size: 1, desired_capacity: 0, on_demand_percentage: 0 };
    const asg = (extra: object = {}) => ({ instance_types: ['t3.medium'], pilot_light: cap, active: cap, ...extra });
    const cases: Record<string, { values: object; error?: string }> = {
      'no services, no ASGs': { values: { ecs_services: {}, asgs: {} } },
      'one service, no route': { values: { ecs_services: { worker: svc() }, asgs: {} } },
      'a route by host header only': { values: { ecs_services: { api: svc({ route: { priority: 5, host_headers: ['api.example.com'] } }) }, asgs: {} } },
      'an upper-case service key': { values: { ecs_services: { Web: svc() } }, error: 'ecs_services keys must be lower-case letters, digits and hyphens, at most 29 characters (the target group is dr-<key>), got: ["Web"]' },
      'a service key too long for a target group': { values: { ecs_services: { 'a-very-long-service-name-for-tg': svc() } }, error: 'got: ["a-very-long-service-name-for-tg"]' },
      'capacity provider EC2': { values: { ecs_services: { web: svc({ active: { desired_count: 1, capacity_provider: 'EC2' } }) } }, error: 'ecs_services: capacity_provider must be FARGATE or FARGATE_SPOT and desired_count a whole number >= 0, got: {"web":' },
      'port 0': { values: { ecs_services: { web: svc({ container_port: 0 }) } }, error: 'ecs_services: container_port must be a whole number from 1 to 65535, got: {"web":0}' },
      'a rule without a priority': { values: { ecs_services: { web: svc({ route: { path_patterns: ['/web/*'] } }) } }, error: 'ecs_services: a route is either { default = true } alone, or a priority from 1 to 49999' },
      'a rule without a condition': { values: { ecs_services: { web: svc({ route: { priority: 3 } }) } }, error: 'got: {"web":{"default":false,"host_headers":[],"load_balancer":"public","path_patterns":[],"priority":3}}' },
      'a route on a load balancer that does not exist': {
        values: { ecs_services: { web: svc({ route: { priority: 3, path_patterns: ['/web/*'], load_balancer: 'dmz' } }) } },
        error: 'and/or host_headers, on load_balancer "public" or "internal", got: {"web":{"default":false,"host_headers":[],"load_balancer":"dmz"',
      },
      'an ASG target on a load balancer that does not exist': {
        values: { asgs: { ci: asg({ targets: { ci: { port: 8080, route: { priority: 3, path_patterns: ['/ci/*'], load_balancer: 'private' } } } }) } },
        error: 'asgs: a target\'s route is either { default = true } alone, or a priority from 1 to 49999 with path_patterns (each starting with "/") and/or host_headers, on load_balancer "public" or "internal", got: [{"ci.targets.ci":',
      },
      'a path not starting with /': { values: { ecs_services: { web: svc({ route: { priority: 3, path_patterns: ['web/*'] } }) } }, error: '"path_patterns":["web/*"]' },
      'two default routes': {
        values: { ecs_services: { a: svc({ route: { default: true } }), b: svc({ route: { default: true } }) }, asgs: {} },
        error: 'ecs_services and asgs: at most one route per load balancer may be the default, got: {"public":["a","b"]}',
      },
      'one default route on each load balancer': {
        values: { ecs_services: { a: svc({ route: { default: true } }), b: svc({ route: { default: true, load_balancer: 'internal' } }) }, asgs: {} },
      },
      'a priority used twice (service and ASG target)': {
        values: { ecs_services: { a: svc({ route: { priority: 7, path_patterns: ['/a/*'] } }) }, asgs: { ci: asg({ targets: { ci: { port: 8080, route: { priority: 7, path_patterns: ['/ci/*'] } } } }) } },
        error: 'ecs_services and asgs: route priorities must be unique on each load balancer, got: {"a":7,"ci":7}',
      },
      'the same priority on the public and the internal load balancer': {
        values: { ecs_services: { a: svc({ route: { priority: 7, path_patterns: ['/a/*'] } }) }, asgs: { ci: asg({ targets: { ci: { port: 8080, route: { priority: 7, path_patterns: ['/ci/*'], load_balancer: 'internal' } } } }) } },
      },
      // The internal tools' ALB, access logs and Container Insights.
      'internal tools open to every network': {
        values: { internal_tools_ingress_cidrs: ['10.0.0.0/8', '0.0.0.0/0'] },
        error: 'internal_tools_ingress_cidrs must be one or more IPv4 CIDRs, none of them /0 (the internal tools are not for every network), got: ["10.0.0.0/8","0.0.0.0/0"]',
      },
      'no internal tools CIDR': { values: { internal_tools_ingress_cidrs: [] }, error: 'internal_tools_ingress_cidrs must be one or more IPv4 CIDRs' },
      'an access logs bucket': { values: { alb_access_logs_bucket: 'org-elb-logs-eu-central-1' } },
      'an access logs bucket that is an ARN': { values: { alb_access_logs_bucket: 'arn:aws:s3:::logs' }, error: 'alb_access_logs_bucket must be empty or an S3 bucket name, got: arn:aws:s3:::logs' },
      'Container Insights "on"': { values: { ecs_container_insights: 'on' }, error: 'ecs_container_insights must be enabled, enhanced or disabled, got: on' },
      'an ASG target named like a routed service': {
        values: { ecs_services: { web: svc({ route: { default: true } }) }, asgs: { ci: asg({ targets: { web: { port: 8080 } } }) } },
        error: 'asgs: target names must be unique across ASGs and differ from the names of routed ecs_services (each is a target group dr-<name>), got: ["web"]',
      },
      'desired above max': {
        values: { asgs: { ci: asg({ active: { min_size: 0, max_size: 1, desired_capacity: 2, on_demand_percentage: 100 } }) } },
        error: 'asgs: each mode needs whole numbers with 0 <= min_size <= desired_capacity <= max_size and on_demand_percentage from 0 to 100, got: {"ci":',
      },
      'no instance types': { values: { asgs: { ci: asg({ instance_types: [] }) } }, error: 'asgs: instance_types must not be empty and root_volume_gb must be at least 8, got: {"ci":{"instance_types":[],"root_volume_gb":30}}' },
      'a target port out of range': { values: { asgs: { ci: asg({ targets: { ci: { port: 70000 } } }) } }, error: 'got: ["ci.targets.ci"]' },
      // The DR secret rule: a credential the DR side can read after a promotion, never an RDS-managed one.
      'an existing primary with its self-managed, replicated secret': {
        values: { primary_db_arn: 'arn:aws:rds:eu-west-1:123456789012:db:prod', db_credentials_secret_name: 'prod/master' },
      },
      'an RDS-managed master secret': {
        values: { db_credentials_secret_name: 'rds!db-0123abcd' },
        error: 'db_credentials_secret_name must not be an RDS-managed master secret (rds!...): RDS cannot create a read replica of a source whose master password Secrets Manager manages (ManageMasterUserPassword), and that secret exists only in the primary region; use a self-managed secret replicated to dr_region, got: rds!db-0123abcd',
      },
      'an existing primary without a credentials secret': {
        values: { primary_db_arn: 'arn:aws:rds:eu-west-1:123456789012:db:prod' },
        error: "db_credentials_secret_name must name the existing primary's self-managed credentials secret (replicated to dr_region) when primary_db_arn is set",
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(c.error ? `refuses ${name}` : `accepts ${name}`, () => {
        const file = varFile(name.replace(/[^a-z0-9]+/gi, '-'), c.values);
        const r = tf.run(['plan', '-input=false', '-no-color', `-var-file=${TFVARS}`, `-var-file=${file}`]);
        const out = (r.stderr + r.stdout).replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');
        if (c.error) {
          expect(r.status, out).to.equal(1);
          expect(out).to.contain('Invalid value for variable').and.contain(c.error);
        } else {
          expect(r.status, out).to.equal(0);
        }
      });
    }
  });

  describe('dr_certificate_arn: a plan without one fails (the serving listeners\' precondition, ELB.1)', () => {
    // A plan of the DR stack needs AWS; the condition and message here are the synthesized listener's own, carried
    // by a terraform_data resource in a configuration of the stack's variables, and evaluated by terraform plan.
    let https: TerraformWorkdir;
    before(function () {
      this.timeout(60_000);
      const listener = resourceAt(synthStack(), 'aws_lb_listener', 'ecs_listener');
      const [precondition] = (listener.lifecycle as { precondition: Array<{ condition: string; error_message: string }> }).precondition;
      const out = path.join(work, 'https-out');
      fs.rmSync(out, { recursive: true, force: true });
      const app = new App({ outdir: out });
      const stack = new TerraformStack(app, 'https');
      declareVariables(stack);
      new DataResource(stack, 'listener', { lifecycle: { precondition: [{ condition: precondition.condition, errorMessage: precondition.error_message }] } });
      app.synth();
      https = new TerraformWorkdir(path.join(out, 'stacks', 'https'), writeTestCliConfig(work));
      https.init();
    });

    it('the shipped tfvars (dr_certificate_arn = "") fail the plan with a message naming the variable', () => {
      const r = https.run(['plan', '-input=false', '-no-color', `-var-file=${TFVARS}`]);
      const out = (r.stderr + r.stdout).replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ');
      expect(r.status, out).to.equal(1);
      expect(out).to.contain('Resource precondition failed').and.contain('dr_certificate_arn must be an ACM certificate ARN in the DR region: the DR load balancers serve HTTPS only');
    });

    it('with a certificate the plan passes', () => {
      const file = varFile('certificate', { dr_certificate_arn: 'arn:aws:acm:eu-central-1:123456789012:certificate/0123abcd-0000-0000-0000-000000000000' });
      const r = https.run(['plan', '-input=false', '-no-color', `-var-file=${TFVARS}`, `-var-file=${file}`]);
      expect(r.status, r.stderr + r.stdout).to.equal(0);
    });
  });

  it('a plan with local state and no explicit permission is refused with a clear message', () => {
    const out = path.join(work, 'guard-out');
    fs.rmSync(out, { recursive: true, force: true });
    const app = new App({ outdir: out });
    const stack = new TerraformStack(app, 'guard');
    declareVariables(stack);
    configureBackend(stack, { kind: 'local', allowed: false }, 'terraform.guard.tfstate');
    app.synth();
    const guard = new TerraformWorkdir(path.join(out, 'stacks', 'guard'), writeTestCliConfig(work));
    guard.init();
    const r = guard.run(['plan', '-input=false', '-no-color', `-var-file=${TFVARS}`]);
    expect(r.status).to.equal(1);
    expect((r.stderr + r.stdout).replace(/\s*│\s*/g, ' ').replace(/\s+/g, ' ')).to.contain(LOCAL_STATE_REFUSAL);
  });
});
