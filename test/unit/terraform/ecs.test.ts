import { expect } from 'chai';
import { Construct } from 'constructs';
import { Ecs, EcsProps, DrServiceProps, DrAsgProps, SERVICE_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs';
import { ASG_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs/asg';
import { resourceAt, resources, synthModule, Synthesized, TestProviders } from './synth';

type BaseProps = Omit<EcsProps, 'provider'>;

const frontend: DrServiceProps = { name: 'frontend', image: 'nginx', containerPort: 80, desiredCount: 0, capacityProvider: 'FARGATE_SPOT', route: { pathPattern: '/' } };
const kafka: DrServiceProps = { name: 'kafka', image: 'kafka', containerPort: 9092, desiredCount: 1, capacityProvider: 'FARGATE_SPOT' };
const jenkins: DrAsgProps = {
  name: 'jenkins',
  instanceTypes: ['t3.medium', 'm5.large'],
  capacity: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 0 },
  targets: [{ name: 'jenkins', port: 8080, pathPattern: '/jenkins/*', healthCheckPath: '/jenkins/login' }],
};

const base: BaseProps = {
  vpcId: 'vpc-0123',
  privateSubnetIds: ['subnet-a', 'subnet-b'],
  publicSubnetIds: ['subnet-c', 'subnet-d'],
  services: [frontend, kafka],
  asgs: [jenkins],
  imageId: 'ami-0123',
};

function synth(props: Partial<BaseProps> = {}): Synthesized {
  return synthModule((scope: Construct, p: TestProviders) => {
    new Ecs(scope, 'ecs', { ...base, ...props, provider: p.dr });
  });
}

describe('terraform: ecs module', () => {
  describe('props → resource properties', () => {
    const cases: Record<string, { props: Partial<BaseProps>; type: string; at: string; want: Record<string, unknown> }> = {
      'cluster dr': { props: {}, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { name: 'dr', provider: 'aws.dr' } },
      'cluster name override': { props: { clusterName: 'dr-blue' }, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { name: 'dr-blue' } },
      'FARGATE and FARGATE_SPOT, spot by default': {
        props: {},
        type: 'aws_ecs_cluster_capacity_providers',
        at: 'capacity-providers',
        want: { capacity_providers: ['FARGATE', 'FARGATE_SPOT'], default_capacity_provider_strategy: [{ capacity_provider: 'FARGATE_SPOT', weight: 1, base: 0 }] },
      },
      'service at pilot-light values, awsvpc, reconciler-owned fields ignored': {
        props: {},
        type: 'aws_ecs_service',
        at: 'service-frontend',
        want: {
          name: 'frontend',
          desired_count: 0,
          capacity_provider_strategy: [{ capacity_provider: 'FARGATE_SPOT', weight: 1, base: 0 }],
          network_configuration: { subnets: ['subnet-a', 'subnet-b'], security_groups: ['${aws_security_group.ecs_service-sg_A905D7AF.id}'], assign_public_ip: false },
          lifecycle: { ignore_changes: [...SERVICE_RECONCILER_OWNED_FIELDS] },
        },
      },
      'a service without a route has no load balancer': {
        props: {},
        type: 'aws_ecs_service',
        at: 'service-kafka',
        want: { name: 'kafka', desired_count: 1 },
      },
      'service target group: ip targets': {
        props: {},
        type: 'aws_lb_target_group',
        at: 'tg-frontend',
        want: { name: 'dr-frontend', target_type: 'ip', port: 80, protocol: 'HTTP' },
      },
      'ASG target group: instance targets, health path': {
        props: {},
        type: 'aws_lb_target_group',
        at: 'tg-jenkins',
        want: { name: 'dr-jenkins', target_type: 'instance', port: 8080, health_check: { path: '/jenkins/login', matcher: '200-399', interval: 30, healthy_threshold: 2, unhealthy_threshold: 3 } },
      },
      'ASG dr-jenkins: spot, pilot-light capacity, reconciler-owned fields ignored': {
        props: {},
        type: 'aws_autoscaling_group',
        at: 'asg-jenkins_group',
        want: {
          name: 'dr-jenkins',
          min_size: 0,
          max_size: 1,
          desired_capacity: 0,
          vpc_zone_identifier: ['subnet-a', 'subnet-b'],
          lifecycle: { ignore_changes: [...ASG_RECONCILER_OWNED_FIELDS] },
        },
      },
      'launch template: IMDSv2, encrypted root volume': {
        props: {},
        type: 'aws_launch_template',
        at: 'asg-jenkins_launch-template',
        want: { name: 'dr-jenkins', image_id: 'ami-0123', metadata_options: { http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 } },
      },
      'cluster: Container Insights on (FSBP ECS.12)': { props: {}, type: 'aws_ecs_cluster', at: 'ecs_cluster', want: { setting: [{ name: 'containerInsights', value: 'enabled' }] } },
      'public ALB: internet-facing, deletion protection (ELB.6), access logs off without a bucket (ELB.5)': {
        props: {},
        type: 'aws_lb',
        at: 'ecs_alb',
        want: { name: 'dr-alb', internal: false, subnets: ['subnet-c', 'subnet-d'], enable_deletion_protection: true, access_logs: { bucket: '', prefix: 'dr-alb', enabled: '${!(length("") < 1)}' } },
      },
      'internal ALB of the tools: private subnets, never internet-facing': {
        props: { accessLogsBucket: 'dr-logs' },
        type: 'aws_lb',
        at: 'internal-alb',
        want: { name: 'dr-internal-alb', internal: true, subnets: ['subnet-a', 'subnet-b'], enable_deletion_protection: true, access_logs: { bucket: 'dr-logs', prefix: 'dr-internal-alb', enabled: '${!(length("dr-logs") < 1)}' } },
      },
      'port 80 redirects to 443 when HTTPS': {
        props: { certificateArn: 'arn:aws:acm:eu-central-1:123456789012:certificate/abc' },
        type: 'aws_lb_listener',
        at: 'ecs_listener-redirect',
        want: { port: 80, protocol: 'HTTP', default_action: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }] },
      },
      'ASG: ELB health checks with a grace period (FSBP AutoScaling.1)': {
        props: {},
        type: 'aws_autoscaling_group',
        at: 'asg-jenkins_group',
        want: { health_check_type: 'ELB', health_check_grace_period: 600 },
      },
      'HTTP listener on 80 without a certificate': {
        props: {},
        type: 'aws_lb_listener',
        at: 'listener',
        want: { port: '${!(length("") < 1) ? 443 : 80}', protocol: '${!(length("") < 1) ? "HTTPS" : "HTTP"}', certificate_arn: '${!(length("") < 1) ? "" : null}' },
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(resourceAt(synth(c.props), c.type, c.at)).to.deep.include(c.want);
      });
    }
  });

  it('ASG: mixed instances policy with 0 % on-demand at pilot light, attached to its target groups', () => {
    const asg = resourceAt(synth(), 'aws_autoscaling_group', 'asg-jenkins_group');
    const policy = asg.mixed_instances_policy as { instances_distribution: Record<string, unknown>; launch_template: Record<string, unknown> };
    expect(policy.instances_distribution).to.deep.include({ on_demand_base_capacity: 0, on_demand_percentage_above_base_capacity: 0, spot_allocation_strategy: 'price-capacity-optimized' });
    expect(JSON.stringify(policy.launch_template)).to.contain('t3.medium').and.contain('m5.large');
    expect(asg.target_group_arns).to.have.length(1);
    expect((asg.target_group_arns as string[])[0]).to.match(/aws_lb_target_group\.ecs_tg-jenkins_/);
  });

  it('routes by path: the / service is the default action, others get rules', () => {
    const s = synth();
    const listener = resourceAt(s, 'aws_lb_listener', 'listener');
    expect(listener.default_action).to.deep.equal([{ type: 'forward', target_group_arn: '${aws_lb_target_group.ecs_tg-frontend_' + idHash(s, 'aws_lb_target_group', 'ecs_tg-frontend') + '.arn}' }]);
    const rules = resources(s, 'aws_lb_listener_rule');
    expect(rules.map((r) => (r.condition as Array<{ path_pattern: { values: string[] } }>)[0].path_pattern.values)).to.deep.equal([['/jenkins/*']]);
  });

  it('routes the tools on the internal ALB only, reachable from the VPC by default', () => {
    const s = synth();
    const [rule] = resources(s, 'aws_lb_listener_rule');
    expect(rule.listener_arn).to.match(/^\$\{aws_lb_listener\.ecs_internal-listener_[0-9A-F]+\.arn\}$/);
    const toolIngress = resourceAt(s, 'aws_vpc_security_group_ingress_rule', 'instance-ingress-jenkins');
    expect(toolIngress.referenced_security_group_id).to.match(/aws_security_group\.ecs_internal-alb-sg_/);
    expect(resourceAt(s, 'aws_vpc_security_group_ingress_rule', 'internal-alb-ingress').for_each).to.match(/data\.aws_vpc\.ecs_vpc_[0-9A-F]+\.cidr_block/);
    expect(resourceAt(synth({ internalToolsIngressCidrs: ['10.8.0.0/16'] }), 'aws_vpc_security_group_ingress_rule', 'internal-alb-ingress').for_each).to.contain('10.8.0.0/16');
  });

  it('a real deploy needs a certificate (precondition); only the emulator run may serve plain HTTP', () => {
    const real = resourceAt(synth(), 'aws_lb_listener', 'ecs_listener') as { lifecycle: { precondition: Array<{ condition: string; error_message: string }> } };
    expect(real.lifecycle.precondition).to.have.length(1);
    expect(real.lifecycle.precondition[0].condition).to.equal('${!(length("") < 1)}');
    expect(real.lifecycle.precondition[0].error_message).to.contain('dr_certificate_arn must be an ACM certificate ARN');
    expect(resourceAt(synth({ allowPlainHttp: true }), 'aws_lb_listener', 'ecs_listener')).not.to.have.property('lifecycle');
    const redirect = resourceAt(synth(), 'aws_lb_listener', 'ecs_listener-redirect');
    expect(redirect.count).to.equal('${!(length("") < 1) ? 1 : 0}');
  });

  it('the task execution trust names this account (aws:SourceAccount, aws:SourceArn)', () => {
    const s = synth();
    const trust = Object.entries(s.data!.aws_iam_policy_document).find(([id]) => id.startsWith('ecs_task-execution-trust_'))![1] as {
      statement: Array<{ condition: Array<{ test: string; variable: string; values: string[] }> }>;
    };
    expect(trust.statement[0].condition.map((c) => `${c.test} ${c.variable}`)).to.deep.equal(['StringEquals aws:SourceAccount', 'ArnLike aws:SourceArn']);
    expect(trust.statement[0].condition[1].values[0]).to.match(/^arn:\$\{[^}]+\}:ecs:\$\{[^}]+\}:\$\{[^}]+\}:\*$/);
  });

  it('uses an HTTPS listener on 443 when a certificate is given', () => {
    const arn = 'arn:aws:acm:eu-central-1:123456789012:certificate/abc';
    const listener = resourceAt(synth({ certificateArn: arn }), 'aws_lb_listener', 'listener');
    expect(listener.certificate_arn).to.equal(`\${!(length("${arn}") < 1) ? "${arn}" : null}`);
  });

  describe('rejects bad props, naming the value', () => {
    const cases: Record<string, { props: Partial<BaseProps>; error: string }> = {
      'capacity provider': { props: { services: [{ ...kafka, capacityProvider: 'EC2' }] }, error: 'services.kafka.capacityProvider must be "FARGATE" or "FARGATE_SPOT", got: "EC2"' },
      'negative desired count': { props: { services: [{ ...kafka, desiredCount: -1 }] }, error: 'services.kafka.desiredCount must be an integer between 0 and 10000, got: -1' },
      'port 0': { props: { services: [{ ...kafka, containerPort: 0 }] }, error: 'services.kafka.containerPort must be an integer between 1 and 65535, got: 0' },
      'duplicate service': { props: { services: [kafka, kafka] }, error: 'services[].name must be unique, got: "kafka"' },
      'name too long for a target group': { props: { services: [{ ...kafka, name: 'a-very-long-service-name-for-a-tg' }] }, error: 'services[].name must be lower-case letters, digits and hyphens, at most 29 characters' },
      'two default routes': { props: { services: [frontend, { ...kafka, route: { pathPattern: '/' } }] }, error: 'only one route may be the default ("/"), got: ["frontend","kafka"]' },
      'desired above max': { props: { asgs: [{ ...jenkins, capacity: { minSize: 0, maxSize: 1, desiredCapacity: 2, onDemandPercentage: 0 } }] }, error: 'dr-jenkins.capacity.desiredCapacity must be <= maxSize (1), got: 2' },
      'on-demand 101 %': { props: { asgs: [{ ...jenkins, capacity: { minSize: 0, maxSize: 1, desiredCapacity: 0, onDemandPercentage: 101 } }] }, error: 'dr-jenkins.capacity.onDemandPercentage must be an integer between 0 and 100, got: 101' },
      'no instance types': { props: { asgs: [{ ...jenkins, instanceTypes: [] }] }, error: 'dr-jenkins.instanceTypes must have at least 1 item(s), got: []' },
      'one public subnet': { props: { publicSubnetIds: ['subnet-c'] }, error: 'publicSubnetIds must have at least 2 item(s), got: ["subnet-c"]' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        expect(() => synth(c.props)).to.throw(c.error);
      });
    }
  });
});

/** The hash suffix of a resource's logical id. */
function idHash(s: Synthesized, type: string, prefix: string): string {
  const id = Object.keys(s.resource[type]).find((k) => k.startsWith(`${prefix}_`));
  return (id ?? '').slice(prefix.length + 1);
}
