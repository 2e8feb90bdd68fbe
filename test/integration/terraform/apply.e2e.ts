/**
 * End to end: `terraform apply` of the two synthesized stacks into the AWS emulator (moto) — the primary stack,
 * then the DR stack with the primary region unreachable (a proxy refuses every request signed for it) — then
 * checks that what Terraform created is what the reconciler expects, that a second plan changes nothing but
 * known emulator read-back drift, that Terraform does not fight the reconciler (rule S7) after the
 * reconciler-owned fields change, and that other workloads (1 service / 0 ASGs, 12 services / 3 ASGs) apply
 * and reconcile without a code change.
 *
 * Slow (minutes: RDS and ALB waiters, ~90 resources): run with `npm run test:e2e`, not in the normal test run.
 * Provider endpoints come from the stack's test-only `emulator` option; the shipped terraform.tfvars is
 * used as is, with a small override file for what only exists in the emulator (VPC, subnets, zone).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider, AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { SSMClient, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { emulatorEnv, startEmulator, type Emulator } from '../../support/emulator';
import { createAwsPort } from '../../../reconciler/aws';
import { reconcileOnce } from '../../../reconciler/reconcile';
import { emulatorProviderConfig, OmittableResource } from '../../../modules/stack';
import { parseSpec } from '../../../reconciler/spec';
import { requireTerraform, synthStacksTo, TerraformWorkdir, writeTestCliConfig } from './terraform-cli';
import { startRegionProxy, type RegionProxy } from './region-proxy';
import { ONE_SERVICE_NO_ASG, TWELVE_SERVICES_THREE_ASGS, type Workload } from './workloads';
import { ENVIRONMENT_TAG_KEY } from '../../../modules/tags';
import { ROOT, scratchDir } from '../../unit/terraform/synth';
import { isMutating, isNarrowedException, WILDCARD_ONLY_TELEMETRY_WRITES } from '../../unit/terraform/policy-check';
import { asgStatementId } from '../../../modules/dr-lambda/policy';

const PRIMARY_REGION = 'eu-west-1';
const DR_REGION = 'eu-central-1';
const TFVARS = path.join(ROOT, 'environments', 'dr-pilot-light', 'terraform.tfvars');
/**
 * Left out of the apply because moto cannot emulate them (see OmittableResource in modules/stack.ts). Empty
 * now: the replica's subnet group, once left out, is fixed in the emulator launcher. The switch stays for
 * the next emulator gap.
 */
const OMITTED: OmittableResource[] = [];

/**
 * Creates what the stack takes as inputs (VPC, subnets, hosted zone, an ACM certificate: a self-signed one imported, so
 * the DR stack is applied with HTTPS listeners as a real deploy is) in the emulator; returns the ids.
 */
function bootstrap(work: string, endpoint: string, cliConfig: string): Record<string, unknown> {
  const outdir = path.join(work, 'bootstrap-out');
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'bootstrap');
  const config = emulatorProviderConfig(endpoint);
  // ACM only here: the DR stack names the certificate, it never calls ACM.
  const endpoints = [{ ...(config.endpoints as AwsProviderEndpoints[])[0], acm: endpoint }];
  const provider = new AwsProvider(stack, 'aws', { region: DR_REGION, ...config, endpoints });
  const key = path.join(work, 'certificate-key.pem');
  const cert = path.join(work, 'certificate.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=app.example.com'], { stdio: 'ignore' });
  const certificate = new AcmCertificate(stack, 'certificate', { provider, privateKey: fs.readFileSync(key, 'utf8'), certificateBody: fs.readFileSync(cert, 'utf8') });
  const vpc = new Vpc(stack, 'vpc', { provider, cidrBlock: '10.20.0.0/16' });
  const subnet = (id: string, cidr: string, az: string) => new Subnet(stack, id, { provider, vpcId: vpc.id, cidrBlock: cidr, availabilityZone: `${DR_REGION}${az}` }).id;
  const zone = new Route53Zone(stack, 'zone', { provider, name: 'example.com' });
  new TerraformOutput(stack, 'values', {
    value: {
      dr_vpc_id: vpc.id,
      dr_private_subnet_ids: [subnet('private-a', '10.20.1.0/24', 'a'), subnet('private-b', '10.20.2.0/24', 'b')],
      dr_public_subnet_ids: [subnet('public-a', '10.20.101.0/24', 'a'), subnet('public-b', '10.20.102.0/24', 'b')],
      hosted_zone_id: zone.zoneId,
      dr_certificate_arn: certificate.arn,
    },
  });
  app.synth();
  const tf = new TerraformWorkdir(path.join(outdir, 'stacks', 'bootstrap'), cliConfig);
  tf.init();
  tf.ok(['apply', '-auto-approve', '-input=false', '-no-color']);
  return JSON.parse(tf.ok(['output', '-json', 'values']).stdout) as Record<string, unknown>;
}

/**
 * What moto 5.2.1 reads back differently from what it was given, so that a plan right after apply shows an
 * update that real AWS would not: resource type → attributes. Anything else in a plan is a failure.
 * - aws_vpc_security_group_ingress_rule: moto returns the referenced group as `account/sg-…` and drops the
 *   description.
 * - aws_ecs_service: moto does not store availabilityZoneRebalancing, enableECSManagedTags nor
 *   healthCheckGracePeriodSeconds.
 * - aws_lambda_function: moto does not return DeadLetterConfig.
 */
const EMULATOR_READBACK_DRIFT: Readonly<Record<string, readonly string[]>> = {
  aws_vpc_security_group_ingress_rule: ['referenced_security_group_id', 'description'],
  aws_ecs_service: ['availability_zone_rebalancing', 'enable_ecs_managed_tags', 'health_check_grace_period_seconds'],
  aws_lambda_function: ['dead_letter_config'],
};

/**
 * Attributes that become unknown (not different) in a plan only because something they read has drift above:
 * Terraform defers reading a policy document whose inputs (here the ECS services) have pending changes.
 */
const DERIVED_UNKNOWN: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role_policy: ['policy'],
};

/** Fields the reconciler owns (rule S7), by resource type: a plan must never change them. */
const RECONCILER_OWNED: Readonly<Record<string, readonly string[]>> = {
  aws_autoscaling_group: ['min_size', 'max_size', 'desired_capacity', 'mixed_instances_policy'],
  aws_ecs_service: ['desired_count', 'capacity_provider_strategy'],
  aws_ssm_parameter: ['value'],
  aws_db_instance: ['replicate_source_db'],
};

/** Planned changes that touch a reconciler-owned field. */
function touchingReconcilerFields(changes: PlannedChange[]): PlannedChange[] {
  return changes.filter((c) => c.actions.some((a) => a !== 'update') ? c.type in RECONCILER_OWNED : c.attributes.some((a) => (RECONCILER_OWNED[c.type] ?? []).includes(a)));
}

/** One planned change: which top-level attributes differ. */
interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: string[];
  readonly attributes: string[];
  /** The attributes whose new value is unknown until apply. */
  readonly unknown: string[];
  /** Before → after of the attributes that are not known drift, for the failure message. */
  readonly detail: Record<string, string>;
}

/** Runs a plan and lists every resource it would change, with the attributes that differ. */
function plannedChanges(tf: TerraformWorkdir, varArgs: string[]): PlannedChange[] {
  tf.ok(['plan', '-input=false', '-no-color', '-out=e2e.plan', ...varArgs]);
  const plan = JSON.parse(tf.ok(['show', '-json', '-no-color', 'e2e.plan']).stdout) as {
    resource_changes?: Array<{ address: string; type: string; change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null; after_unknown?: Record<string, unknown> } }>;
  };
  return (plan.resource_changes ?? [])
    .filter((rc) => !(rc.change.actions.length === 1 && ['no-op', 'read'].includes(rc.change.actions[0])))
    .map((rc) => {
      const before = rc.change.before ?? {};
      const after = rc.change.after ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(rc.change.after_unknown ?? {})]);
      const attributes = [...keys].filter((k) => rc.change.after_unknown?.[k] === true || JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
      const detail = Object.fromEntries(
        attributes
          .filter((a) => !(EMULATOR_READBACK_DRIFT[rc.type] ?? []).includes(a) && !(DERIVED_UNKNOWN[rc.type] ?? []).includes(a))
          .map((a) => [a, describeDifference(before[a], after[a])]),
      );
      const unknown = attributes.filter((a) => rc.change.after_unknown?.[a] === true);
      return { address: rc.address, type: rc.type, actions: rc.change.actions, attributes, unknown, detail };
    });
}

/** A short before → after; for JSON documents (policies) only the statements that differ. */
function describeDifference(before: unknown, after: unknown): string {
  const statements = (v: unknown): string[] | undefined => {
    try {
      const doc = typeof v === 'string' ? (JSON.parse(v) as { Statement?: unknown[] }) : undefined;
      return doc?.Statement?.map((st) => JSON.stringify(st));
    } catch {
      return undefined;
    }
  };
  const b = statements(before);
  const a = statements(after);
  if (b && a) return `removed: ${b.filter((x) => !a.includes(x)).join(' ')} added: ${a.filter((x) => !b.includes(x)).join(' ')}`;
  return `${JSON.stringify(before)?.slice(0, 1500)} -> ${JSON.stringify(after)?.slice(0, 1500)}`;
}

/** The changes that are not known emulator read-back drift. */
function unexplained(changes: PlannedChange[]): PlannedChange[] {
  return changes.filter(
    (c) =>
      !(
        c.actions.length === 1 &&
        c.actions[0] === 'update' &&
        c.attributes.every((a) => (EMULATOR_READBACK_DRIFT[c.type] ?? []).includes(a) || ((DERIVED_UNKNOWN[c.type] ?? []).includes(a) && c.unknown.includes(a)))
      ),
  );
}

/** Seconds since `start`, one decimal. */
const since = (start: number) => Math.round((Date.now() - start) / 100) / 10;

describe('terraform e2e: apply the primary and DR stacks into the emulator', function () {
  this.timeout(900_000);
  let emulator: Emulator;
  /** In front of the emulator for the DR stack: the primary region is unreachable through it. */
  let proxy: RegionProxy;
  let tf: TerraformWorkdir;
  let work: string;
  let cliConfig: string;
  let state: { values: { root_module: { resources: Array<{ type: string; name: string; values: Record<string, unknown> }> } } };
  let outputs: Record<string, { value: unknown }>;
  const timings: Record<string, number> = {};
  /** The shipped tfvars plus the emulator's ids, for every plan after the apply. */
  let varArgs: string[] = [];
  /** What the bootstrap created (VPC, subnets, zone, certificate). */
  let inputs: Record<string, unknown> = {};
  /** Deletion protection off: the apply of its own that comes before a workload change removes an ALB (ELB.6). */
  let protectionOff = '';
  const clientConfig = () => ({ endpoint: emulator.endpoint, region: DR_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

  before(async () => {
    requireTerraform();
    emulator = await startEmulator();
    proxy = await startRegionProxy(emulator.endpoint, PRIMARY_REGION);
    work = scratchDir('e2e');
    cliConfig = writeTestCliConfig(work);

    let t = Date.now();
    inputs = bootstrap(work, emulator.endpoint, cliConfig);
    timings.bootstrapSeconds = since(t);

    t = Date.now();
    // The DR stack talks to AWS only through the proxy; the primary stack straight to the emulator.
    const dirs = synthStacksTo(
      path.join(work, 'cdktf.out'),
      { emulator: { endpoint: proxy.endpoint }, omit: OMITTED, bundleDir: path.join(work, 'bundle') },
      { emulator: { endpoint: emulator.endpoint } },
    );
    timings.synthSeconds = since(t);
    const overrides = path.join(work, 'e2e.tfvars.json');
    fs.writeFileSync(overrides, JSON.stringify({ ...inputs, primary_region: PRIMARY_REGION, dr_region: DR_REGION }, null, 2));
    varArgs = [`-var-file=${TFVARS}`, `-var-file=${overrides}`];

    const primary = new TerraformWorkdir(dirs.primary, cliConfig);
    t = Date.now();
    primary.init();
    primary.ok(['apply', '-auto-approve', '-input=false', '-no-color', ...varArgs]);
    timings.primaryApplySeconds = since(t);

    tf = new TerraformWorkdir(dirs.dr, cliConfig);
    t = Date.now();
    tf.init();
    timings.initSeconds = since(t);
    t = Date.now();
    tf.ok(['apply', '-auto-approve', '-input=false', '-no-color', ...varArgs]);
    timings.applySeconds = since(t);
    state = JSON.parse(tf.ok(['show', '-json', '-no-color']).stdout);
    outputs = JSON.parse(tf.ok(['output', '-json', '-no-color']).stdout);
  });

  after(async () => {
    console.log(`      timings: ${JSON.stringify(timings)}`);
    if (proxy) console.log(`      requests through the region proxy: ${JSON.stringify(await proxy.stats())}`);
    await proxy?.close();
    await emulator?.stop();
  });

  const resourcesOf = (type: string) => state.values.root_module.resources.filter((r) => r.type === type);

  /** The applied reconciler policy's UpdateAutoScalingGroup statements (state as `terraform show` reads it now). */
  const appliedAsgStatements = () => {
    const now = JSON.parse(tf.ok(['show', '-json', '-no-color']).stdout) as typeof state;
    const rp = now.values.root_module.resources.find((r) => r.type === 'aws_iam_role_policy' && r.values.name === 'reconciler')!;
    const policy = JSON.parse(rp.values.policy as string) as { Statement: Array<{ Sid?: string; Action: string | string[]; Resource: string | string[]; Condition: Record<string, Record<string, string | string[]>> }> };
    const groups = Object.fromEntries(now.values.root_module.resources.filter((r) => r.type === 'aws_autoscaling_group').map((r) => [r.values.arn as string, r.values.name as string]));
    const list = (v: string | string[] | undefined) => ([] as string[]).concat(v ?? []);
    return policy.Statement.filter((st) => list(st.Action).includes('autoscaling:UpdateAutoScalingGroup'))
      .map((st) => ({
        sid: st.Sid,
        groups: list(st.Resource).map((r) => groups[r] ?? r),
        maxSize: list(st.Condition.NumericLessThanEqualsIfExists['autoscaling:MaxSize']),
        minSize: list(st.Condition.NumericLessThanEqualsIfExists['autoscaling:MinSize']),
        instanceTypes: list(st.Condition['ForAllValues:StringEquals']['autoscaling:InstanceTypes']).sort(),
      }))
      .sort((a, b) => String(a.sid).localeCompare(String(b.sid)));
  };

  it('writes a spec document the reconciler accepts, with real ARNs', async () => {
    const ssm = new SSMClient(clientConfig());
    const name = outputs.spec_parameter_name.value as string;
    const text = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value!;
    const doc = parseSpec(text, name);
    expect(doc.spec.modeParameter).to.equal('/dr/mode');
    expect(doc.spec.stateTable).to.equal('dr-dr-failover-state');
    expect(doc.spec.region).to.equal(DR_REGION);
    expect(doc.spec.ecsServices.map((s) => s.name)).to.deep.equal(['frontend', 'kafka', 'notification-service', 'task-api', 'user-service']);
    expect(doc.spec.autoScalingGroups.map((a) => a.name)).to.deep.equal(['dr-jenkins', 'dr-monitoring']);
    expect(doc.spec.autoScalingGroups[1].targetGroupArns).to.have.length(3);
    expect(doc.spec.failover.healthCheckId).to.equal(outputs.health_check_id.value);
    expect(doc.spec.failover).to.deep.include({ probeUrl: 'https://primary.app.example.com/health', probeTimeoutSeconds: 3, probeOnlyReadings: 10 });
    expect(text).not.to.contain('${');
  });

  it('the DR stack applied and planned with the primary region unreachable: it never asked for it', async () => {
    const stats = await proxy.stats();
    expect(stats.blocked, 'requests the DR stack signed for the primary region').to.equal(0);
    expect(Object.keys(stats.passed)).to.include.members([DR_REGION, 'us-east-1']);
    expect(stats.passed).not.to.have.property(PRIMARY_REGION);
  });

  it('the proxy does make the primary region unreachable: the primary stack cannot plan through it', async () => {
    const dirs = synthStacksTo(path.join(work, 'cdktf.out-blocked'), { emulator: { endpoint: proxy.endpoint }, bundleDir: path.join(work, 'bundle') });
    // One attempt: the provider retries a 503 up to 25 times with backoff (minutes), and the point is only that it fails.
    const json = path.join(dirs.primary, 'cdk.tf.json');
    const config = JSON.parse(fs.readFileSync(json, 'utf8')) as { provider: { aws: Array<Record<string, unknown>> } };
    for (const p of config.provider.aws) p.max_retries = 1;
    fs.writeFileSync(json, JSON.stringify(config, null, 2));
    const primary = new TerraformWorkdir(dirs.primary, cliConfig);
    primary.init();
    const before = (await proxy.stats()).blocked;
    const r = primary.run(['plan', '-input=false', '-no-color', ...varArgs]);
    expect(r.status, r.stdout).to.equal(1);
    expect((await proxy.stats()).blocked).to.be.greaterThan(before);
  });

  it('tags what the reconciler manages with pilot-light:environment, and moto returns the tags', async () => {
    const want = { Key: ENVIRONMENT_TAG_KEY, Value: 'dr' };
    const asg = (await new AutoScalingClient(clientConfig()).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['dr-jenkins'] }))).AutoScalingGroups![0];
    expect(asg.Tags!.map((t) => ({ Key: t.Key, Value: t.Value }))).to.deep.include(want);
    const ecs = new ECSClient(clientConfig());
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'dr', services: ['frontend'], include: ['TAGS'] }))).services![0];
    expect(svc.tags).to.deep.include({ key: ENVIRONMENT_TAG_KEY, value: 'dr' });
    const cluster = (await ecs.send(new DescribeClustersCommand({ clusters: ['dr'], include: ['TAGS'] }))).clusters![0];
    expect(cluster.tags).to.deep.include({ key: ENVIRONMENT_TAG_KEY, value: 'dr' });
    const db = (await new RDSClient(clientConfig()).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-replica' }))).DBInstances![0];
    expect(db.TagList).to.deep.include(want);
    const tgArns = resourcesOf('aws_lb_target_group').map((r) => r.values.arn as string);
    expect(tgArns).to.have.length(8);
    const described = (await new ElasticLoadBalancingV2Client(clientConfig()).send(new DescribeTagsCommand({ ResourceArns: tgArns }))).TagDescriptions!;
    for (const d of described) expect(d.Tags, d.ResourceArn).to.deep.include(want);
  });

  it('gives the DR side a credential it can read after a promotion: the secret replicated to the DR region', () => {
    expect(outputs.db_credentials_secret_arn.value).to.match(new RegExp(`^arn:aws:secretsmanager:${DR_REGION}:\\d{12}:secret:app-primary/master-credentials-`));
  });

  it('creates the mode parameter at pilot-light', async () => {
    const ssm = new SSMClient(clientConfig());
    expect((await ssm.send(new GetParameterCommand({ Name: '/dr/mode' }))).Parameter!.Value).to.equal('pilot-light');
  });

  it('gives the Lambda its spec parameter and nothing secret', () => {
    const fn = resourcesOf('aws_lambda_function')[0].values;
    expect(fn.function_name).to.equal('dr-dr-failover');
    expect(fn.reserved_concurrent_executions).to.equal(1);
    const env = (fn.environment as Array<{ variables: Record<string, string> }>)[0].variables;
    expect(env).to.deep.equal({
      DR_SPEC_PARAMETER: '/dr/spec',
      POWERTOOLS_SERVICE_NAME: 'dr-dr-failover',
      POWERTOOLS_METRICS_NAMESPACE: 'PilotLight',
      DR_ENVIRONMENT: 'dr',
      DR_REQUEUE_QUEUE_URL: outputs.requeue_queue_url.value,
    });
  });

  it('ELB.1, ELB.6, internal tools: HTTPS with a redirect on both ALBs, the tools on the internal one only, deletion protection', async () => {
    const elb = new ElasticLoadBalancingV2Client(clientConfig());
    const lbs = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['dr-alb', 'dr-internal-alb'] }))).LoadBalancers!;
    const [pub, internal] = ['dr-alb', 'dr-internal-alb'].map((n) => lbs.find((l) => l.LoadBalancerName === n)!);
    // The provider sends Scheme only for an internal ALB; AWS defaults to internet-facing (the emulator launcher
    // teaches moto 5.2.1 this default).
    expect(pub.Scheme).to.equal('internet-facing');
    expect(resourcesOf('aws_lb').find((r) => r.values.name === 'dr-alb')!.values.internal).to.equal(false);
    expect(pub.AvailabilityZones!.map((z) => z.SubnetId).sort()).to.deep.equal([...(inputs.dr_public_subnet_ids as string[])].sort());
    expect(internal.Scheme).to.equal('internal');
    expect(internal.AvailabilityZones!.map((z) => z.SubnetId).sort()).to.deep.equal([...(inputs.dr_private_subnet_ids as string[])].sort());
    const internalSg = resourcesOf('aws_security_group').find((g) => g.values.name === 'dr-internal-alb')!.values.id as string;
    expect(internal.SecurityGroups).to.deep.equal([internalSg]);
    const ingress = resourcesOf('aws_vpc_security_group_ingress_rule').filter((r) => r.values.security_group_id === internalSg);
    expect(ingress.map((r) => [r.values.cidr_ipv4, r.values.from_port]).sort()).to.deep.equal([['10.0.0.0/8', 443], ['10.0.0.0/8', 80]]);

    const rulesOf = async (listenerArn: string) =>
      (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.flatMap((r) => r.Conditions ?? []).flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? []);
    const paths: Record<string, string[]> = {};
    for (const lb of [pub, internal]) {
      const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes!;
      expect(attributes, lb.LoadBalancerName).to.deep.include({ Key: 'deletion_protection.enabled', Value: 'true' });
      const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners!;
      const https = listeners.find((l) => l.Port === 443)!;
      expect(https, lb.LoadBalancerName).to.deep.include({ Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
      expect(https.Certificates!.map((c) => c.CertificateArn)).to.deep.equal([inputs.dr_certificate_arn]);
      const http = listeners.find((l) => l.Port === 80)!;
      expect(http.Protocol).to.equal('HTTP');
      expect(http.DefaultActions!.map((a) => [a.Type, a.RedirectConfig?.Port, a.RedirectConfig?.Protocol, a.RedirectConfig?.StatusCode])).to.deep.equal([['redirect', '443', 'HTTPS', 'HTTP_301']]);
      expect(await rulesOf(http.ListenerArn!), 'port 80 only redirects').to.deep.equal([]);
      paths[lb.LoadBalancerName!] = await rulesOf(https.ListenerArn!);
    }
    expect(paths['dr-internal-alb'].sort()).to.deep.equal(['/grafana/*', '/jaeger/*', '/jenkins/*', '/prometheus/*']);
    expect(paths['dr-alb'].sort()).to.deep.equal(['/*', '/notifications/*', '/tasks/*', '/users/*']);
  });

  it('ECS.12 and the ecs-tasks trust: Container Insights on, the role only for this account\'s tasks in the DR region', async () => {
    const cluster = (await new ECSClient(clientConfig()).send(new DescribeClustersCommand({ clusters: ['dr'], include: ['SETTINGS'] }))).clusters![0];
    expect(cluster.settings).to.deep.equal([{ name: 'containerInsights', value: 'enabled' }]);
    const role = resourcesOf('aws_iam_role').find((r) => r.values.name === 'dr-ecs-task-execution')!.values;
    const trust = JSON.parse(role.assume_role_policy as string) as { Statement: Array<{ Condition: Record<string, Record<string, string>> }> };
    const account = String(outputs.db_credentials_secret_arn.value).split(':')[4];
    expect(trust.Statement[0].Condition).to.deep.equal({
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${DR_REGION}:${account}:*` },
    });
  });

  it('S9: the PRIMARY record follows the traffic gate, a CLOUDWATCH_METRIC check on the TrafficToDr alarm in the DR region', async () => {
    // moto never evaluates alarms nor health checks: this shows the wiring; the policy tests show when the metric is 1.
    const route53 = new Route53Client(clientConfig());
    const zone = resourcesOf('aws_route53_record')[0].values.zone_id as string;
    const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }))).ResourceRecordSets!.filter((r) => r.Name === 'app.example.com.');
    const primary = records.find((r) => r.Failover === 'PRIMARY')!;
    expect(primary.HealthCheckId).to.equal(outputs.traffic_gate_health_check_id.value);
    expect(primary.AliasTarget!.EvaluateTargetHealth).to.equal(false);
    const gate = (await route53.send(new GetHealthCheckCommand({ HealthCheckId: primary.HealthCheckId }))).HealthCheck!.HealthCheckConfig!;
    expect(gate).to.deep.include({ Type: 'CLOUDWATCH_METRIC', Inverted: false, InsufficientDataHealthStatus: 'LastKnownStatus' });
    expect(gate.AlarmIdentifier).to.deep.equal({ Name: outputs.traffic_gate_alarm_name.value, Region: DR_REGION });
    const alarm = (await new CloudWatchClient(clientConfig()).send(new DescribeAlarmsCommand({ AlarmNames: [gate.AlarmIdentifier!.Name!] }))).MetricAlarms![0];
    expect(alarm).to.deep.include({ Namespace: 'PilotLight', MetricName: 'TrafficToDr', Statistic: 'Maximum', Threshold: 1, TreatMissingData: 'ignore' });
    expect(alarm.Dimensions).to.deep.equal([{ Name: 'Environment', Value: 'dr' }]);
  });

  it('S11: DR watches itself with alarms in the DR region on the notification topic', async () => {
    const cloudwatch = new CloudWatchClient(clientConfig());
    const alarms = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'dr-dr-failover-' }))).MetricAlarms!;
    expect(alarms.map((a) => a.AlarmName).sort()).to.deep.equal([
      'dr-dr-failover-dead-letters', 'dr-dr-failover-degraded', 'dr-dr-failover-errors', 'dr-dr-failover-heartbeat', 'dr-dr-failover-invalid-spec',
    ]);
    for (const a of alarms) expect(a.AlarmActions, a.AlarmName).to.deep.equal([outputs.notification_topic_arn.value]);
    const heartbeat = alarms.find((a) => a.AlarmName === 'dr-dr-failover-heartbeat')!;
    expect(heartbeat).to.deep.include({ Namespace: 'PilotLight', MetricName: 'Heartbeat', Period: 60, EvaluationPeriods: 5, TreatMissingData: 'breaching' });
  });

  it('requeue: the dr-dr-requeue queue feeds the Lambda, and the DR-region event rules feed the queue', () => {
    const queue = resourcesOf('aws_sqs_queue').find((q) => q.values.name === 'dr-dr-requeue')!.values;
    expect(queue.url).to.equal(outputs.requeue_queue_url.value);
    expect(queue.visibility_timeout_seconds).to.equal(6 * 120);
    const mapping = resourcesOf('aws_lambda_event_source_mapping')[0].values;
    expect(mapping).to.deep.include({ event_source_arn: queue.arn, batch_size: 10, maximum_batching_window_in_seconds: 2 });
    expect(String(mapping.function_name)).to.match(/dr-dr-failover$/);
    const rules = resourcesOf('aws_cloudwatch_event_rule').filter((r) => /-(ecs-tasks|asg-instances|replica-events)$/.test(String(r.values.name)));
    expect(rules.map((r) => r.values.name).sort()).to.deep.equal(['dr-dr-failover-asg-instances', 'dr-dr-failover-ecs-tasks', 'dr-dr-failover-replica-events']);
    const targets = resourcesOf('aws_cloudwatch_event_target').filter((t) => rules.some((r) => r.values.name === t.values.rule));
    expect(targets.map((t) => t.values.arn)).to.deep.equal([queue.arn, queue.arn, queue.arn]);
  });

  it('the applied reconciler policy has no "*" resource for a mutating action, and every ARN is resolved', () => {
    const rp = resourcesOf('aws_iam_role_policy').find((r) => r.values.name === 'reconciler')!;
    const policy = JSON.parse(rp.values.policy as string) as {
      Statement: Array<{ Action: string | string[]; Resource: string | string[]; Effect: string; Condition?: Record<string, Record<string, string | string[]>> }>;
    };
    for (const st of policy.Statement) {
      const actions = ([] as string[]).concat(st.Action);
      const res = ([] as string[]).concat(st.Resource);
      const conditions = Object.entries(st.Condition ?? {}).flatMap(([test, byKey]) =>
        Object.entries(byKey).map(([variable, values]) => ({ test, variable, values: ([] as string[]).concat(values) })),
      );
      if (res.includes('*')) expect(actions.filter((a) => isMutating(a) && !isNarrowedException(a, conditions) && !WILDCARD_ONLY_TELEMETRY_WRITES.includes(a)), JSON.stringify(st)).to.deep.equal([]);
      for (const r of res) expect(r).not.to.contain('${');
    }
  });

  it('the applied reconciler policy has one UpdateAutoScalingGroup statement per group, with that group\'s own limits', () => {
    const types = ['m5.large', 't3.medium', 't3a.medium'];
    expect(appliedAsgStatements()).to.deep.equal([
      { sid: asgStatementId('jenkins'), groups: ['dr-jenkins'], maxSize: ['3'], minSize: ['1'], instanceTypes: types },
      { sid: asgStatementId('monitoring'), groups: ['dr-monitoring'], maxSize: ['3'], minSize: ['1'], instanceTypes: types },
    ]);
  });

  it('a second plan changes nothing but known emulator read-back drift', () => {
    const changes = plannedChanges(tf, varArgs);
    expect(unexplained(changes), JSON.stringify(changes, null, 1)).to.deep.equal([]);
    expect(touchingReconcilerFields(changes)).to.deep.equal([]);
  });

  it('the reconciler converges what Terraform created: pilot light, then a real failover', async function () {
    this.timeout(120_000);
    Object.assign(process.env, emulatorEnv(emulator.endpoint));
    const name = outputs.spec_parameter_name.value as string;
    const text = (await new SSMClient(clientConfig()).send(new GetParameterCommand({ Name: name }))).Parameter!.Value!;
    const env = parseSpec(text, name);
    const port = createAwsPort({ region: env.spec.region, maxAttempts: 2, retryBaseDelayMs: 5 });
    const notReady = (r: Awaited<ReturnType<typeof reconcileOnce>>) => JSON.stringify(r.status?.resources.filter((x) => !x.ready), null, 1);

    const first = await reconcileOnce(port, env, { trigger: { kind: 'manual' }, minBackoffMs: 5 });
    expect(first.outcome, notReady(first)).to.equal('Converged');
    expect(first.results, 'Terraform left everything at pilot-light values').to.deep.equal([]);

    await port.putModeParameter(env.spec.modeParameter, 'active');
    const up = await reconcileOnce(port, env, { trigger: { kind: 'parameter-change' }, minBackoffMs: 5 });
    expect(up.outcome, notReady(up)).to.equal('Converged');
    expect(up.results.filter((r) => r.action.kind === 'PromoteReplica').map((r) => r.ok)).to.deep.equal([true]);
    expect((await port.describeReplica(env.spec.database!.replicaIdentifier)).isReplica).to.equal(false);
    for (const a of await port.describeAsgs(env.spec.autoScalingGroups.map((g) => g.name))) {
      expect(a.mixedInstancesPolicy?.instancesDistribution.onDemandPercentageAboveBaseCapacity, a.name).to.equal(100);
    }
    const again = await reconcileOnce(port, env, { trigger: { kind: 'resync' }, minBackoffMs: 5 });
    expect(again.results).to.deep.equal([]);
  });

  it('S7: after the reconciler changes what it owns, a plan changes nothing', async () => {
    const ssm = new SSMClient(clientConfig());
    await ssm.send(new PutParameterCommand({ Name: '/dr/mode', Value: 'active', Type: 'String', Overwrite: true }));
    const asg = new AutoScalingClient(clientConfig());
    const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['dr-jenkins'] }))).AutoScalingGroups![0];
    const policy = group.MixedInstancesPolicy!;
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'dr-jenkins',
        MinSize: 1,
        MaxSize: 3,
        DesiredCapacity: 1,
        // Always the whole policy (FACTS.md: moto mishandles a partial one).
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: policy.LaunchTemplate!.LaunchTemplateSpecification!.LaunchTemplateId, Version: '$Latest' },
            Overrides: policy.LaunchTemplate!.Overrides,
          },
          InstancesDistribution: { ...policy.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 100 },
        },
      }),
    );
    const ecs = new ECSClient(clientConfig());
    await ecs.send(new UpdateServiceCommand({ cluster: 'dr', service: 'frontend', desiredCount: 2, capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] }));

    const changes = plannedChanges(tf, varArgs);
    expect(touchingReconcilerFields(changes), JSON.stringify(changes, null, 1)).to.deep.equal([]);
    expect(unexplained(changes), JSON.stringify(changes, null, 1)).to.deep.equal([]);
    expect((await ssm.send(new GetParameterCommand({ Name: '/dr/mode' }))).Parameter!.Value).to.equal('active');
  });

  it('ELB.6: deletion protection goes off in an in-place update of its own, before a workload change removes an ALB', () => {
    // AWS refuses to delete a protected load balancer (OperationNotPermitted; the emulator launcher teaches moto
    // 5.2.1 the rule). The next workloads have no internal route, so their apply removes dr-internal-alb: first this
    // step, as on AWS.
    protectionOff = path.join(work, 'protection-off.tfvars.json');
    fs.writeFileSync(protectionOff, JSON.stringify({ alb_deletion_protection: false }));
    const changes = unexplained(plannedChanges(tf, [...varArgs, `-var-file=${protectionOff}`]));
    expect(changes.map((c) => [c.type, c.actions, c.attributes]), JSON.stringify(changes, null, 1)).to.deep.equal([
      ['aws_lb', ['update'], ['enable_deletion_protection']],
      ['aws_lb', ['update'], ['enable_deletion_protection']],
    ]);
    tf.ok(['apply', '-auto-approve', '-input=false', '-no-color', ...varArgs, `-var-file=${protectionOff}`]);
  });

  /**
   * Applies the DR stack with `workload`, runs `afterApply` (checks of what Terraform applied, before the reconciler
   * acts), then reconciles it (mode is active by now) until it converges.
   */
  const applyAndReconcile = async (name: string, workload: Workload, afterApply: () => void = () => undefined) => {
    const file = path.join(work, `${name}.tfvars.json`);
    fs.writeFileSync(file, JSON.stringify(workload, null, 1));
    const t = Date.now();
    tf.ok(['apply', '-auto-approve', '-input=false', '-no-color', ...varArgs, `-var-file=${protectionOff}`, `-var-file=${file}`]);
    timings[`${name}ApplySeconds`] = since(t);
    afterApply();
    Object.assign(process.env, emulatorEnv(emulator.endpoint));
    const specName = outputs.spec_parameter_name.value as string;
    const env = parseSpec((await new SSMClient(clientConfig()).send(new GetParameterCommand({ Name: specName }))).Parameter!.Value!, specName);
    const port = createAwsPort({ region: env.spec.region, maxAttempts: 2, retryBaseDelayMs: 5 });
    let result = await reconcileOnce(port, env, { trigger: { kind: 'resync' }, minBackoffMs: 5 });
    // Instances and tasks start between passes (the reconciler requeues instead of waiting): a few passes at most.
    for (let i = 0; i < 3 && result.outcome !== 'Converged'; i++) result = await reconcileOnce(port, env, { trigger: { kind: 'resync' }, minBackoffMs: 5 });
    expect(result.outcome, JSON.stringify(result.status?.resources.filter((x) => !x.ready), null, 1)).to.equal('Converged');
    return { env, port };
  };

  it('applies and reconciles a 12-service, 3-ASG workload (no code change)', async function () {
    this.timeout(600_000);
    // Each group its own limits: dr-batch's max 4 and m5.large are dr-batch's alone.
    const { env, port } = await applyAndReconcile('twelve', TWELVE_SERVICES_THREE_ASGS, () =>
      expect(appliedAsgStatements()).to.deep.equal([
        { sid: 'UpdateAsgBatch', groups: ['dr-batch'], maxSize: ['4'], minSize: ['1'], instanceTypes: ['m5.large'] },
        { sid: 'UpdateAsgCi', groups: ['dr-ci'], maxSize: ['2'], minSize: ['1'], instanceTypes: ['t3.medium'] },
        { sid: 'UpdateAsgMetrics', groups: ['dr-metrics'], maxSize: ['2'], minSize: ['1'], instanceTypes: ['t3.medium', 't3a.medium'] },
      ]),
    );
    expect(env.spec.ecsServices.map((x) => x.name)).to.deep.equal(Object.keys(TWELVE_SERVICES_THREE_ASGS.ecs_services).sort());
    expect(env.spec.autoScalingGroups.map((a) => a.name)).to.deep.equal(['dr-batch', 'dr-ci', 'dr-metrics']);
    const services = await port.describeServices('dr', env.spec.ecsServices.map((x) => x.name));
    expect(services.map((x) => x.desiredCount)).to.deep.equal(env.spec.ecsServices.map((x) => x.active.desiredCount));
    // No route names the internal ALB any more: Terraform removed it.
    const lbs = (await new ElasticLoadBalancingV2Client(clientConfig()).send(new DescribeLoadBalancersCommand({}))).LoadBalancers!;
    expect(lbs.map((l) => l.LoadBalancerName)).to.deep.equal(['dr-alb']);
  });

  it('applies and reconciles a 1-service, 0-ASG workload (services and groups removed by Terraform)', async function () {
    this.timeout(600_000);
    // No group, no statement: nothing to resize, and no placeholder ARN.
    const { env } = await applyAndReconcile('one', ONE_SERVICE_NO_ASG, () => expect(appliedAsgStatements()).to.deep.equal([]));
    expect(env.spec.ecsServices.map((x) => x.name)).to.deep.equal(['shop']);
    expect(env.spec.autoScalingGroups).to.deep.equal([]);
    const groups = (await new AutoScalingClient(clientConfig()).send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(groups.map((g) => g.AutoScalingGroupName)).to.deep.equal([]);
  });
});
