import { expect } from 'chai';
import { Construct } from 'constructs';
import { TerraformVariable } from 'cdktf';
import { Ecs, EcsProps, EcsServiceConfig, AsgConfig, SERVICE_RECONCILER_OWNED_FIELDS, DEFAULT_ROUTE_PRIORITY, CERTIFICATE_REQUIRED, SSL_POLICY } from '../../../modules/ecs';
import { ASG_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs/asg';
import { ENVIRONMENT_TAG_KEY } from '../../../modules/tags';
import { dataSources, resourceAt, resources, synthModule, Synthesized, TestProviders } from './synth';

type BaseProps = Omit<EcsProps, 'provider'>;

const CERTIFICATE = 'arn:aws:acm:eu-central-1:123456789012:certificate/0123abcd-0000-0000-0000-000000000000';

const frontend: EcsServiceConfig = { image: 'nginx', container_port: 80, route: { default: true }, pilot_light: { desired_count: 0, capacity_provider: 'FARGATE_SPOT' }, active: { desired_count: 2, capacity_provider: 'FARGATE' } };
const kafka: EcsServiceConfig = { image: 'kafka', container_port: 9092, pilot_light: { desired_count: 1, capacity_provider: 'FARGATE_SPOT' }, active: { desired_count: 3, capacity_provider: 'FARGATE' } };
const jenkins: AsgConfig = {
  instance_types: ['t3.medium', 'm5.large'],
  targets: { jenkins: { port: 8080, health_check_path: '/jenkins/login', route: { priority: 40, path_patterns: ['/jenkins/*'], load_balancer: 'internal' } } },
  pilot_light: { min_size: 0, max_size: 1, desired_capacity: 0, on_demand_percentage: 0 },
  active: { min_size: 1, max_size: 3, desired_capacity: 1, on_demand_percentage: 100 },
};

const base: BaseProps = {
  vpcId: 'vpc-0123',
  privateSubnetIds: ['subnet-a', 'subnet-b'],
  publicSubnetIds: ['subnet-c', 'subnet-d'],
  services: { frontend, kafka },
  asgs: { jenkins },
  imageId: 'ami-0123',
  internalToolsIngressCidrs: ['10.8.0.0/16'],
  certificateArn: CERTIFICATE,
};

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope: Construct, p: TestProviders) => {
    new Ecs(scope, 'ecs', { ...base, ...props, provider: p.dr });
  });
}

/** The value of the local whose logical id starts with `ecs_<name>_`. */
function local(s: Synthesized, name: string): unknown {
  const locals = (s as unknown as { locals: Record<string, unknown> }).locals;
  const key = Object.keys(locals).find((k) => k.startsWith(`ecs_${name}_`));
  if (!key) throw new Error(`no local ${name} among ${Object.keys(locals).join(', ')}`);
  return locals[key];
}

describe('terraform: ecs module', () => {
  describe('props → resource properties (one resource per kind, for_each over the workload)', () => {
    const cases: Record<string, { props: Partial<BaseProps>; type: string; at: string; want: Record<string, unknown> }> = {
      'cluster dr, tagged for the reconciler': { props: {}, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { name: 'dr', provider: 'aws.dr', tags: { [ENVIRONMENT_TAG_KEY]: 'dr' } } },
      'cluster name override': { props: { clusterName: 'dr-blue' }, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { name: 'dr-blue' } },
      'FARGATE and FARGATE_SPOT, spot by default': {
        props: {},
        type: 'aws_ecs_cluster_capacity_providers',
        at: 'capacity-providers',
        want: { capacity_providers: ['FARGATE', 'FARGATE_SPOT'], default_capacity_provider_strategy: [{ capacity_provider: 'FARGATE_SPOT', weight: 1, base: 0 }] },
      },
      'services at pilot-light values, awsvpc, tagged, reconciler-owned fields ignored': {
        props: {},
        type: 'aws_ecs_service',
        at: 'ecs_service',
        want: {
          name: '${each.key}',
          desired_count: '${each.value.pilot_light.desired_count}',
          capacity_provider_strategy: [{ capacity_provider: '${each.value.pilot_light.capacity_provider}', weight: 1, base: 0 }],
          network_configuration: { subnets: ['subnet-a', 'subnet-b'], security_groups: ['${aws_security_group.ecs_service-sg_A905D7AF.id}'], assign_public_ip: false },
          tags: { [ENVIRONMENT_TAG_KEY]: 'dr' },
          propagate_tags: 'SERVICE',
          lifecycle: { ignore_changes: [...SERVICE_RECONCILER_OWNED_FIELDS] },
        },
      },
      'service target groups: ip targets for routed services, tagged': {
        props: {},
        type: 'aws_lb_target_group',
        at: 'tg-service',
        want: { name: 'dr-${each.key}', target_type: 'ip', port: '${each.value.container_port}', protocol: 'HTTP', tags: { [ENVIRONMENT_TAG_KEY]: 'dr' } },
      },
      'ASG target groups: instance targets, health path, tagged': {
        props: {},
        type: 'aws_lb_target_group',
        at: 'tg-asg',
        want: { name: 'dr-${each.key}', target_type: 'instance', port: '${each.value.port}', health_check: { path: '${each.value.health_check_path}', matcher: '200-399', interval: 30, healthy_threshold: 2, unhealthy_threshold: 3 } },
      },
      'ASGs dr-<key>: pilot-light capacity, environment tag on the group and its instances, reconciler-owned fields ignored': {
        props: {},
        type: 'aws_autoscaling_group',
        at: 'asg_group',
        want: {
          name: 'dr-${each.key}',
          min_size: '${each.value.pilot_light.min_size}',
          max_size: '${each.value.pilot_light.max_size}',
          desired_capacity: '${each.value.pilot_light.desired_capacity}',
          vpc_zone_identifier: ['subnet-a', 'subnet-b'],
          tag: [
            { key: 'Name', value: 'dr-${each.key}', propagate_at_launch: true },
            { key: ENVIRONMENT_TAG_KEY, value: 'dr', propagate_at_launch: true },
          ],
          lifecycle: { ignore_changes: [...ASG_RECONCILER_OWNED_FIELDS] },
        },
      },
      'launch templates: IMDSv2, per ASG key': {
        props: {},
        type: 'aws_launch_template',
        at: 'asg_launch-template',
        want: { name: 'dr-${each.key}', image_id: 'ami-0123', metadata_options: { http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 } },
      },
      'ECS.12: Container Insights on the cluster by default': {
        props: {},
        type: 'aws_ecs_cluster',
        at: 'ecs_cluster',
        want: { setting: [{ name: 'containerInsights', value: 'enabled' }] },
      },
      'Container Insights as configured': { props: { containerInsights: 'disabled' }, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { setting: [{ name: 'containerInsights', value: 'disabled' }] } },
      'ELB.1: HTTPS on 443 with the certificate and TLS 1.2+, 404 for unrouted requests': {
        props: {},
        type: 'aws_lb_listener',
        at: 'ecs_listener',
        want: {
          port: `\${!(length("${CERTIFICATE}") < 1) ? 443 : 80}`,
          protocol: `\${!(length("${CERTIFICATE}") < 1) ? "HTTPS" : "HTTP"}`,
          certificate_arn: `\${!(length("${CERTIFICATE}") < 1) ? "${CERTIFICATE}" : null}`,
          ssl_policy: `\${!(length("${CERTIFICATE}") < 1) ? "${SSL_POLICY}" : null}`,
          default_action: [{ type: 'fixed-response', fixed_response: { content_type: 'text/plain', status_code: '404', message_body: 'not found' } }],
        },
      },
      'ELB.1: port 80 only redirects to 443 (HTTP_301)': {
        props: {},
        type: 'aws_lb_listener',
        at: 'ecs_listener-redirect',
        want: {
          count: `\${!(length("${CERTIFICATE}") < 1) ? 1 : 0}`,
          port: 80,
          protocol: 'HTTP',
          default_action: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }],
        },
      },
      'ELB.6: deletion protection on by default': { props: {}, type: 'aws_lb', at: 'ecs_alb', want: { enable_deletion_protection: true, internal: false, subnets: ['subnet-c', 'subnet-d'] } },
      'deletion protection off when asked (a separate apply before removing a load balancer)': { props: { deletionProtection: false }, type: 'aws_lb', at: 'ecs_internal-alb', want: { enable_deletion_protection: false } },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), c.type, c.at)).to.deep.include(c.want);
      });
    }
  });

  it('fills a literal workload with the variables\' defaults (the same shape for_each reads from tfvars)', () => {
    const s = synth();
    expect(local(s, 'services')).to.deep.equal({
      frontend: { cpu: 256, memory_mb: 512, health_check_path: '/', ...frontend, route: { default: true, priority: null, path_patterns: [], host_headers: [], load_balancer: 'public' } },
      kafka: { cpu: 256, memory_mb: 512, health_check_path: '/', ...kafka, route: null },
    });
    expect((local(s, 'asgs') as Record<string, { root_volume_gb: number; targets: Record<string, unknown> }>).jenkins).to.deep.include({
      root_volume_gb: 30,
      targets: { jenkins: { port: 8080, health_check_path: '/jenkins/login', route: { default: false, priority: 40, path_patterns: ['/jenkins/*'], host_headers: [], load_balancer: 'internal' } } },
    });
  });

  it('passes a variable through untouched (its own validation and optional() defaults apply)', () => {
    const s = synthModule((scope, p) => {
      const services = new TerraformVariable(scope, 'ecs_services', { type: 'any' });
      new Ecs(scope, 'ecs', { ...base, services: services.value, provider: p.dr });
    });
    expect(local(s, 'services')).to.equal('${var.ecs_services}');
  });

  it('routes: one rule per routed entry, the default route as /* at the last priority, path and host conditions as dynamic blocks', () => {
    const rule = resourceAt(synth(), 'aws_lb_listener_rule', 'rule-service');
    expect(rule.priority).to.equal(`\${each.value.route.default ? ${DEFAULT_ROUTE_PRIORITY} : each.value.route.priority}`);
    const dynamic = (rule.dynamic as { condition: { for_each: string; content: { dynamic: Record<string, unknown> } } }).condition;
    expect(dynamic.for_each).to.contain('path = each.value.route.default ? ["/*"] : each.value.route.path_patterns').and.contain('host = each.value.route.default ? [] : each.value.route.host_headers');
    expect(Object.keys(dynamic.content.dynamic).sort()).to.deep.equal(['host_header', 'path_pattern']);
  });

  it('services get a load_balancer block only when routed; ASGs attach to their own targets\' groups', () => {
    const s = synth();
    const service = resourceAt(s, 'aws_ecs_service', 'ecs_service');
    expect((service.dynamic as { load_balancer: { for_each: string } }).load_balancer.for_each).to.equal('${each.value.route == null ? [] : [each.key]}');
    const asg = resourceAt(s, 'aws_autoscaling_group', 'asg_group');
    expect(asg.target_group_arns).to.match(/^\$\{\[for t, g in local\.ecs_asg-targets_\w+ : aws_lb_target_group\.ecs_tg-asg_\w+\[t\]\.arn if g\.asg == each\.key\]\}$/);
    const override = ((asg.mixed_instances_policy as { launch_template: { dynamic: { override: unknown } } }).launch_template.dynamic.override);
    expect(override).to.deep.equal({ for_each: '${each.value.instance_types}', content: { instance_type: '${override.value}' } });
  });

  describe('internal tools: routes with load_balancer "internal" are served by an internal ALB only', () => {
    let s: Synthesized;
    before(() => {
      s = synth();
    });
    const id = (type: string, at: string) => {
      const all = s.resource[type];
      return Object.keys(all).find((k) => all[k] === resourceAt(s, type, at))!;
    };

    it('an internal ALB in the private subnets with its own security group, only while a route names it', () => {
      const lb = resourceAt(s, 'aws_lb', 'ecs_internal-alb');
      expect(lb).to.deep.include({ name: 'dr-internal-alb', internal: true, load_balancer_type: 'application', subnets: ['subnet-a', 'subnet-b'], drop_invalid_header_fields: true });
      expect(lb.security_groups).to.deep.equal([`\${aws_security_group.${id('aws_security_group', 'ecs_internal-alb-sg')}.id}`]);
      expect(lb.count).to.match(/^\$\{local\.ecs_has-internal-routes_\w+ \? 1 : 0\}$/);
      const has = Object.entries(s.locals!).find(([k]) => k.startsWith('ecs_has-internal-routes_'))![1];
      expect(has).to.contain('s.route.load_balancer == "internal"').and.contain('g.route.load_balancer == "internal"');
    });

    it('its security group admits internal_tools_ingress_cidrs only, on 443 and on 80 for the redirect', () => {
      const sg = `\${aws_security_group.${id('aws_security_group', 'ecs_internal-alb-sg')}.id}`;
      const fromCidrs = resources(s, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === sg);
      expect(fromCidrs.map((r) => [r.for_each, r.from_port, r.cidr_ipv4, r.referenced_security_group_id])).to.deep.equal([
        ['${toset(["10.8.0.0/16"])}', `\${!(length("${CERTIFICATE}") < 1) ? 443 : 80}`, '${each.value}', undefined],
        [`\${toset(!(length("${CERTIFICATE}") < 1) ? ["10.8.0.0/16"] : [])}`, 80, '${each.value}', undefined],
      ]);
      const publicSg = `\${aws_security_group.${id('aws_security_group', 'ecs_alb-sg')}.id}`;
      expect(resources(s, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === publicSg).map((r) => r.for_each)).to.deep.equal([
        '${toset(["0.0.0.0/0"])}',
        `\${toset(!(length("${CERTIFICATE}") < 1) ? ["0.0.0.0/0"] : [])}`,
      ]);
    });

    it('each ALB reaches only the targets of its own routes', () => {
      const rule = (at: string) => resourceAt(s, 'aws_vpc_security_group_ingress_rule', at);
      expect(rule('instance-ingress-internal').referenced_security_group_id).to.equal(`\${aws_security_group.${id('aws_security_group', 'ecs_internal-alb-sg')}.id}`);
      expect(rule('instance-ingress-internal').for_each).to.contain('if try(v.route.load_balancer, "public") == "internal"');
      expect(rule('instance-ingress').referenced_security_group_id).to.equal(`\${aws_security_group.${id('aws_security_group', 'ecs_alb-sg')}.id}`);
      expect(rule('instance-ingress').for_each).to.contain('if try(v.route.load_balancer, "public") != "internal"');
      expect(rule('service-ingress-internal').for_each).to.contain('== "internal"');
      expect(rule('service-ingress').for_each).to.contain('!= "internal"');
    });

    it('the internal listeners: HTTPS on 443 and a redirect on 80, on the internal ALB, while it exists', () => {
      const listener = resourceAt(s, 'aws_lb_listener', 'ecs_internal-listener');
      expect(listener.load_balancer_arn).to.equal(`\${aws_lb.${id('aws_lb', 'ecs_internal-alb')}[0].arn}`);
      expect(listener.count).to.equal(resourceAt(s, 'aws_lb', 'ecs_internal-alb').count);
      expect(listener.protocol).to.equal(`\${!(length("${CERTIFICATE}") < 1) ? "HTTPS" : "HTTP"}`);
      const redirect = resourceAt(s, 'aws_lb_listener', 'ecs_internal-listener-redirect');
      expect(redirect).to.deep.include({ port: 80, default_action: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }] });
      expect(redirect.count).to.match(/^\$\{\(!\(length\(".+"\) < 1\) && local\.ecs_has-internal-routes_\w+\) \? 1 : 0\}$/);
    });

    it('a route\'s rule goes to its own load balancer\'s listener: internal routes are not on the public listener', () => {
      const want = `\${each.value.route.load_balancer == "internal" ? one(aws_lb_listener.${id('aws_lb_listener', 'ecs_internal-listener')}[*].arn) : aws_lb_listener.${id('aws_lb_listener', 'ecs_listener')}.arn}`;
      expect(resourceAt(s, 'aws_lb_listener_rule', 'rule-service').listener_arn).to.equal(want);
      expect(resourceAt(s, 'aws_lb_listener_rule', 'rule-asg').listener_arn).to.equal(want);
    });
  });

  describe('plan-time refusal without a certificate (ELB.1), and the emulator\'s HTTP', () => {
    it('both serving listeners carry a precondition naming dr_certificate_arn', () => {
      const s = synth();
      for (const at of ['ecs_listener', 'ecs_internal-listener']) {
        expect(resourceAt(s, 'aws_lb_listener', at).lifecycle, at).to.deep.equal({
          precondition: [{ condition: `\${!(length("${CERTIFICATE}") < 1)}`, error_message: CERTIFICATE_REQUIRED }],
        });
      }
      expect(CERTIFICATE_REQUIRED).to.match(/^dr_certificate_arn must be an ACM certificate ARN/);
    });

    it('allowHttp (the emulator run) without a certificate: HTTP on 80, no redirect, no precondition', () => {
      const s = synth({ certificateArn: '', allowHttp: true });
      const listener = resourceAt(s, 'aws_lb_listener', 'ecs_listener');
      expect(listener).to.deep.include({ port: '${!(length("") < 1) ? 443 : 80}', protocol: '${!(length("") < 1) ? "HTTPS" : "HTTP"}' });
      expect(listener).not.to.have.property('lifecycle');
      expect(resourceAt(s, 'aws_lb_listener', 'ecs_listener-redirect').count).to.equal('${!(length("") < 1) ? 1 : 0}');
    });
  });

  describe('ELB.5: access logs to the organization\'s bucket, one prefix per ALB', () => {
    it('off without a bucket: no access_logs block at all', () => {
      for (const at of ['ecs_alb', 'ecs_internal-alb']) {
        const lb = resourceAt(synth(), 'aws_lb', at);
        expect((lb.dynamic as { access_logs: { for_each: string } }).access_logs.for_each, at).to.equal('${(length("") < 1) ? [] : [""]}');
      }
    });

    it('on with a bucket: enabled, prefix = the ALB\'s name', () => {
      const s = synth({ accessLogsBucket: 'org-elb-logs' });
      for (const [at, prefix] of [['ecs_alb', 'dr-alb'], ['ecs_internal-alb', 'dr-internal-alb']]) {
        expect(resourceAt(s, 'aws_lb', at).dynamic, at).to.deep.equal({
          access_logs: { for_each: '${(length("org-elb-logs") < 1) ? [] : ["org-elb-logs"]}', content: { bucket: '${access_logs.value}', prefix, enabled: true } },
        });
      }
    });
  });

  it('the ecs-tasks trust: only for tasks of this account in this region (aws:SourceAccount, aws:SourceArn)', () => {
    const s = synth();
    const trusts = dataSources(s, 'aws_iam_policy_document').filter((d) => JSON.stringify(d).includes('ecs-tasks.amazonaws.com'));
    expect(trusts).to.have.length(1);
    const [statement] = trusts[0].statement as Array<{ condition: Array<{ test: string; variable: string; values: string[] }> }>;
    const account = statement.condition[0].values[0];
    expect(account).to.match(/^\$\{data\.aws_caller_identity\.ecs_account_\w+\.account_id\}$/);
    expect(statement.condition).to.deep.equal([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:\${data.aws_partition.${Object.keys(s.data!.aws_partition)[0]}.partition}:ecs:\${data.aws_region.${Object.keys(s.data!.aws_region)[0]}.name}:${account}:*`] },
    ]);
  });

  it('opens each service port once (AWS refuses duplicate security group rules)', () => {
    const rule = resourceAt(synth(), 'aws_vpc_security_group_ingress_rule', 'service-peer-ingress');
    expect(rule.for_each).to.match(/^\$\{toset\(\[for s in values\(local\.ecs_services_\w+\) : tostring\(s\.container_port\)\]\)\}$/);
  });

  describe('rejects a bad literal workload, naming the value', () => {
    const cases: Record<string, { props: Partial<BaseProps>; error: string }> = {
      'capacity provider': { props: { services: { kafka: { ...kafka, active: { desired_count: 1, capacity_provider: 'EC2' } } } }, error: 'services.kafka.active.capacity_provider must be "FARGATE" or "FARGATE_SPOT", got: "EC2"' },
      'negative desired count': { props: { services: { kafka: { ...kafka, pilot_light: { desired_count: -1, capacity_provider: 'FARGATE_SPOT' } } } }, error: 'services.kafka.pilot_light.desired_count must be an integer between 0 and 10000, got: -1' },
      'port 0': { props: { services: { kafka: { ...kafka, container_port: 0 } } }, error: 'services.kafka.container_port must be an integer between 1 and 65535, got: 0' },
      'name too long for a target group': { props: { services: { 'a-very-long-service-name-for-a-tg': kafka } }, error: 'services key must be lower-case letters, digits and hyphens, at most 29 characters, got: "a-very-long-service-name-for-a-tg"' },
      'a rule without a priority': { props: { services: { kafka: { ...kafka, route: { path_patterns: ['/k/*'] } } } }, error: 'services.kafka.route.priority is required unless the route is the default' },
      'desired above max': { props: { asgs: { jenkins: { ...jenkins, pilot_light: { min_size: 0, max_size: 1, desired_capacity: 2, on_demand_percentage: 0 } } } }, error: 'asgs.jenkins.pilot_light.desiredCapacity must be <= maxSize (1), got: 2' },
      'on-demand 101 %': { props: { asgs: { jenkins: { ...jenkins, active: { min_size: 1, max_size: 3, desired_capacity: 1, on_demand_percentage: 101 } } } }, error: 'asgs.jenkins.active.onDemandPercentage must be an integer between 0 and 100, got: 101' },
      'no instance types': { props: { asgs: { jenkins: { ...jenkins, instance_types: [] } } }, error: 'asgs.jenkins.instance_types must have at least 1 item(s), got: []' },
      'one public subnet': { props: { publicSubnetIds: ['subnet-c'] }, error: 'publicSubnetIds must have at least 2 item(s), got: ["subnet-c"]' },
      'a load balancer that does not exist': {
        props: { services: { frontend: { ...frontend, route: { default: true, load_balancer: 'dmz' } } } },
        error: 'services.frontend.route.load_balancer must be "public" or "internal", got: "dmz"',
      },
      'no internal tools CIDR': { props: { internalToolsIngressCidrs: [] }, error: 'internalToolsIngressCidrs must have at least 1 item(s), got: []' },
      'no certificate outside the emulator': { props: { certificateArn: '' }, error: `certificateArn is required unless allowHttp (${CERTIFICATE_REQUIRED}), got: ""` },
      'a Container Insights value ECS does not know': { props: { containerInsights: 'on' }, error: 'containerInsights must be one of "enabled", "enhanced", "disabled", got: "on"' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props)).to.throw(c.error);
      });
    }
  });
});
