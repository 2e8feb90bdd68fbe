/**
 * ecs: the DR compute at pilot-light size, for a workload given as data.
 *
 * - ECS cluster `dr` with FARGATE and FARGATE_SPOT capacity providers.
 * - One ECS service per entry of `services` (Terraform `for_each`, so any number and any names, straight from
 *   the `ecs_services` variable), at its pilot-light desired count and capacity provider, awsvpc, in the given
 *   private subnets with their own security group.
 * - Two ALBs: the internet-facing one in the public subnets, and an internal one in the private subnets for the
 *   routes whose `load_balancer` is "internal" (the internal tools), reachable only from the internal tools'
 *   CIDRs and created only when such a route exists. A target group per routed service (ip) and per ASG target
 *   (instance); a listener rule per route on its load balancer's listener (path patterns and/or host headers at
 *   the route's priority; the default route is a `/*` rule at the last priority). Unrouted requests get 404.
 * - HTTPS on 443 with the certificate, port 80 only redirects (FSBP ELB.1); without a certificate the plan fails
 *   (a precondition naming dr_certificate_arn), except where `allowHttp` (the emulator run) serves HTTP on 80.
 *   Deletion protection (ELB.6) and access logs (ELB.5) on both; Container Insights on the cluster (ECS.12).
 * - One ASG per entry of `asgs` (see asg.ts), attached to its targets' groups.
 *
 * The workload props have the shape of the Terraform variables (snake_case attributes), because `for_each`
 * reads them as `each.value.<attribute>`: a literal map given in TypeScript is the same document a tfvars
 * file holds, and a variable's value is passed through untouched.
 *
 * The VPC and subnets are inputs, not created here: a pilot-light region normally reuses the network that
 * already exists there (shared with other workloads, peered, with endpoints), and recreating it per stack
 * would make DR depend on more moving parts. Rule S7: desired count and capacity strategy of the services
 * belong to the reconciler once created. Every resource the reconciler manages carries the environment tag
 * (modules/tags.ts).
 */
import { Construct } from 'constructs';
import { Fn, IResolvable, Op, ref, TerraformIterator, TerraformLocal, TerraformResource, TerraformStack, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { PilotLightAsg } from './asg';
import { managedTags } from '../tags';
import { checkIntegerRange, checkMatches, checkMinItems, checkModeCapacity, checkNotEmpty, checkOneOf, isEmptyString, ModeCapacity } from '../validate';

/** Fields of an ECS service that the reconciler owns and Terraform must not reset (rule S7). */
export const SERVICE_RECONCILER_OWNED_FIELDS = ['desired_count', 'capacity_provider_strategy'] as const;

/** The ECS capacity providers a service may use. */
export const CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

/** Listener rule priority of the default route: after every other rule (ALB allows 1–50000). */
export const DEFAULT_ROUTE_PRIORITY = 50000;

/** The load balancers a route may name: the internet-facing one, and the internal one of the internal tools. */
export const LOAD_BALANCERS = ['public', 'internal'] as const;

/** Container Insights settings of the cluster. */
export const CONTAINER_INSIGHTS = ['enabled', 'enhanced', 'disabled'] as const;

/** The ALB security policy of the HTTPS listeners: TLS 1.3 and 1.2 only. */
export const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** The message of the plan-time refusal without a certificate (the stack's variable is dr_certificate_arn). */
export const CERTIFICATE_REQUIRED =
  'dr_certificate_arn must be an ACM certificate ARN in the DR region: the DR load balancers serve HTTPS only (port 80 redirects to 443, FSBP ELB.1); only the emulator run serves HTTP.';

/** How the ALB reaches a target group (the variables' `route`). */
export interface RouteConfig {
  /** The catch-all for requests no other rule matches; nothing else may be set. @default false */
  readonly default?: boolean;
  /** Listener rule priority, a whole number from 1 to 49999, unique on the ALB; required unless `default`. */
  readonly priority?: number;
  /** Path patterns, each starting with "/". @default [] */
  readonly path_patterns?: readonly string[];
  /** Host headers, e.g. `api.example.com`. @default [] */
  readonly host_headers?: readonly string[];
  /** Which ALB serves it: "public" (internet-facing) or "internal" (the internal tools' ALB). @default "public" */
  readonly load_balancer?: string;
}

/** Desired count and capacity provider of a service in one mode. */
export interface ServiceModeConfig {
  /** Desired task count. */
  readonly desired_count: number;
  /** FARGATE or FARGATE_SPOT. */
  readonly capacity_provider: string;
}

/** One ECS service (an entry of the `ecs_services` variable; its key is the service name). */
export interface EcsServiceConfig {
  /** Container image. */
  readonly image: string;
  /** Port the container listens on. */
  readonly container_port: number;
  /** Task CPU units. @default 256 */
  readonly cpu?: number;
  /** Task memory, MiB. @default 512 */
  readonly memory_mb?: number;
  /** Health check path of its target group. @default "/" */
  readonly health_check_path?: string;
  /** Its ALB route. @default not behind the ALB (e.g. kafka, which speaks TCP) */
  readonly route?: RouteConfig;
  /** Size in pilot light (what Terraform creates). */
  readonly pilot_light: ServiceModeConfig;
  /** Size when active (the reconciler applies it). */
  readonly active: ServiceModeConfig;
}

/** An ALB target group fed by an ASG's instances (an entry of an ASG's `targets`; its key names the group). */
export interface AsgTargetConfig {
  /** Instance port. */
  readonly port: number;
  /** Health check path. @default "/" */
  readonly health_check_path?: string;
  /** Its ALB route. @default no route (the group exists, the ALB sends it nothing) */
  readonly route?: RouteConfig;
}

/** ASG capacity in one mode. */
export interface AsgModeConfig {
  /** MinSize. */
  readonly min_size: number;
  /** MaxSize. */
  readonly max_size: number;
  /** DesiredCapacity. */
  readonly desired_capacity: number;
  /** OnDemandPercentageAboveBaseCapacity: 0 all spot, 100 all on-demand. */
  readonly on_demand_percentage: number;
}

/** One ASG (an entry of the `asgs` variable; its key `k` names the group `<environment>-k`). */
export interface AsgConfig {
  /** Instance types (spot diversification). */
  readonly instance_types: readonly string[];
  /** Root volume size, GiB. @default 30 */
  readonly root_volume_gb?: number;
  /** Target groups its instances serve, by name. @default {} */
  readonly targets?: Readonly<Record<string, AsgTargetConfig>>;
  /** Capacity in pilot light (what Terraform creates). */
  readonly pilot_light: AsgModeConfig;
  /** Capacity when active (the reconciler applies it). */
  readonly active: AsgModeConfig;
}

/** Props of {@link Ecs}. */
export interface EcsProps {
  /** Environment prefix used in names and the environment tag. @default "dr" */
  readonly environment?: string;
  /** ECS cluster name. @default the environment prefix ("dr") */
  readonly clusterName?: string;
  /** Existing DR VPC. */
  readonly vpcId: string;
  /** Private subnets (two or more AZs): tasks and instances. */
  readonly privateSubnetIds: string[];
  /** Public subnets (two or more AZs): the ALB. */
  readonly publicSubnetIds: string[];
  /** CIDRs allowed to reach the internet-facing ALB. @default ["0.0.0.0/0"] */
  readonly albIngressCidrs?: string[];
  /** CIDRs allowed to reach the internal ALB (routes with load_balancer "internal"); no default can know the network. */
  readonly internalToolsIngressCidrs: string[];
  /** ACM certificate of the HTTPS listeners; required unless `allowHttp`. @default "" */
  readonly certificateArn?: string;
  /**
   * Emulator runs only: without a certificate, serve HTTP on port 80 instead of failing the plan.
   * @default false (a plan without a certificate fails with CERTIFICATE_REQUIRED)
   */
  readonly allowHttp?: boolean;
  /** Deletion protection of the load balancers (FSBP ELB.6). @default true */
  readonly deletionProtection?: boolean | IResolvable;
  /** S3 bucket of the load balancers' access logs (FSBP ELB.5), prefix = the ALB's name; empty: off. @default "" */
  readonly accessLogsBucket?: string;
  /** Container Insights of the cluster (FSBP ECS.12): enabled, enhanced or disabled. @default "enabled" */
  readonly containerInsights?: string;
  /** The services by name: a literal map (validated here) or the `ecs_services` variable (validated by it). */
  readonly services: Readonly<Record<string, EcsServiceConfig>> | IResolvable;
  /** The ASGs by key: a literal map (validated here) or the `asgs` variable (validated by it). */
  readonly asgs: Readonly<Record<string, AsgConfig>> | IResolvable;
  /** AMI id for the ASGs' launch templates. */
  readonly imageId: string;
  /** Retention of the tasks' log group, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
}

/**
 * HCL expressions (without `${}`) for what the reconciler's spec and policy need, usable inside other
 * expressions (reconcilerSpec builds `for` expressions over them).
 */
export interface WorkloadExpressions {
  /** The services map, defaults filled (`ecs_services`). */
  readonly services: string;
  /** The ASGs map, defaults filled (`asgs`). */
  readonly asgs: string;
  /** The cluster name. */
  readonly clusterName: string;
  /** Map: service key → ECS service name. */
  readonly serviceNames: string;
  /** Map: routed service key → its target group ARN. */
  readonly serviceTargetGroupArns: string;
  /** Map: ASG key → ASG name. */
  readonly asgNames: string;
  /** Map: ASG target name → its target group ARN. */
  readonly asgTargetGroupArns: string;
}

/** The HCL address of a resource (`type.logical_id`), for expressions that index a for_each resource. */
export function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** DR cluster, services, ALB, target groups and ASGs. */
export class Ecs extends Construct {
  /** The cluster. */
  readonly cluster: EcsCluster;
  /** The internet-facing DR ALB. */
  readonly alb: Lb;
  /** The internal ALB of the internal tools (count: one when a route names it, else none). */
  readonly internalAlb: Lb;
  /** Security group of the internal ALB (only internal_tools_ingress_cidrs may connect). */
  readonly internalAlbSecurityGroup: SecurityGroup;
  /** The services (one resource, for_each over the services map). */
  readonly services: EcsService;
  /** Target groups of the routed services (for_each, keyed by service). */
  readonly serviceTargetGroups: LbTargetGroup;
  /** Target groups of the ASG targets (for_each, keyed by target name). */
  readonly asgTargetGroups: LbTargetGroup;
  /** Launch templates and groups (for_each, keyed by ASG key). */
  readonly asgs: PilotLightAsg;
  /** Security group of the service tasks (clients of the database). */
  readonly serviceSecurityGroup: SecurityGroup;
  /** Security group of the ASG instances. */
  readonly instanceSecurityGroup: SecurityGroup;
  /** Expressions for the reconciler's spec (reconcilerSpec) and policy. */
  readonly expressions: WorkloadExpressions;
  /** ARNs of the services, ASGs, launch templates and every target group, as lists (for the IAM policy). */
  readonly arns: { readonly services: string[]; readonly asgs: string[]; readonly launchTemplates: string[]; readonly targetGroups: string[] };

  private readonly env: string;
  private readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, props: EcsProps) {
    super(scope, id);
    this.env = props.environment ?? 'dr';
    this.provider = props.provider;
    const provider = props.provider;
    const stack = TerraformStack.of(this);
    const hcl = (expression: string) => ref(expression, stack);
    const clusterName = props.clusterName ?? this.env;
    const certificateArn = props.certificateArn ?? '';
    const allowHttp = props.allowHttp ?? false;
    const containerInsights = props.containerInsights ?? 'enabled';
    const logRetentionDays = props.logRetentionDays ?? 30;
    const tags = managedTags(this.env);

    checkNotEmpty('vpcId', props.vpcId);
    checkMinItems('privateSubnetIds', props.privateSubnetIds, 2);
    checkMinItems('publicSubnetIds', props.publicSubnetIds, 2);
    checkNotEmpty('imageId', props.imageId);
    checkMinItems('internalToolsIngressCidrs', props.internalToolsIngressCidrs, 1);
    checkOneOf('containerInsights', containerInsights, CONTAINER_INSIGHTS);
    if (!allowHttp && !Token.isUnresolved(certificateArn) && certificateArn === '') {
      throw new Error(`certificateArn is required unless allowHttp (${CERTIFICATE_REQUIRED}), got: ""`);
    }

    // The workload as locals: a literal map gets its defaults here (a variable's optional() does it there).
    const servicesLocal = new TerraformLocal(this, 'services', Token.isUnresolved(props.services) ? props.services : this.literalServices(props.services as Record<string, EcsServiceConfig>));
    const asgsLocal = new TerraformLocal(this, 'asgs', Token.isUnresolved(props.asgs) ? props.asgs : this.literalAsgs(props.asgs as Record<string, AsgConfig>));
    const S = `local.${servicesLocal.friendlyUniqueId}`;
    const A = `local.${asgsLocal.friendlyUniqueId}`;
    const routed = new TerraformLocal(this, 'routed-services', `\${{ for k, s in ${S} : k => s if s.route != null }}`);
    const R = `local.${routed.friendlyUniqueId}`;
    // concat([{}], …): merge() of nothing is an error when there are no ASGs.
    const targetsLocal = new TerraformLocal(this, 'asg-targets', `\${merge(concat([{}], [for a, g in ${A} : { for t, tg in g.targets : t => merge(tg, { asg = a }) }])...)}`);
    const T = `local.${targetsLocal.friendlyUniqueId}`;
    const routedTargets = new TerraformLocal(this, 'routed-asg-targets', `\${{ for t, g in ${T} : t => g if g.route != null }}`);
    const RT = `local.${routedTargets.friendlyUniqueId}`;

    this.cluster = new EcsCluster(this, 'cluster', { provider, name: clusterName, setting: [{ name: 'containerInsights', value: containerInsights }], tags });
    const capacityProviders = new EcsClusterCapacityProviders(this, 'capacity-providers', {
      provider,
      clusterName: this.cluster.name,
      capacityProviders: [...CAPACITY_PROVIDERS],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
    });

    // --- network: one group per tier, rules as separate resources so adding one never replaces a group ---
    const albSg = this.securityGroup('alb-sg', `${this.env}-alb`, 'DR ALB', props.vpcId);
    this.internalAlbSecurityGroup = this.securityGroup('internal-alb-sg', `${this.env}-internal-alb`, 'DR internal ALB (internal tools)', props.vpcId);
    const internalSg = this.internalAlbSecurityGroup;
    this.serviceSecurityGroup = this.securityGroup('service-sg', `${this.env}-services`, 'DR ECS service tasks', props.vpcId);
    this.instanceSecurityGroup = this.securityGroup('instance-sg', `${this.env}-instances`, 'DR ASG instances', props.vpcId);

    const https = Op.not(isEmptyString(certificateArn));
    const listenerPort = Token.asNumber(Fn.conditional(https, 443, 80));
    this.listenerIngress('alb', albSg, props.albIngressCidrs ?? ['0.0.0.0/0'], https, listenerPort, 'Clients to the DR ALB');
    this.listenerIngress('internal-alb', internalSg, props.internalToolsIngressCidrs, https, listenerPort, 'Internal tools clients to the DR internal ALB');

    // The internal ALB exists only when a route names it: an idle load balancer costs money every pilot-light hour.
    const hasInternalRoutes = new TerraformLocal(
      this,
      'has-internal-routes',
      `\${length(concat([for k, s in ${R} : k if s.route.load_balancer == "internal"], [for t, g in ${RT} : t if g.route.load_balancer == "internal"])) > 0}`,
    ).asBoolean;
    const internalCount = Token.asNumber(Fn.conditional(hasInternalRoutes, 1, 0));
    const albs = { deletionProtection: props.deletionProtection ?? true, accessLogsBucket: props.accessLogsBucket ?? '' };
    this.alb = this.loadBalancer('alb', `${this.env}-alb`, false, albSg, props.publicSubnetIds, undefined, albs);
    this.internalAlb = this.loadBalancer('internal-alb', `${this.env}-internal-alb`, true, internalSg, props.privateSubnetIds, internalCount, albs);

    const tls = { https, listenerPort, certificateArn, allowHttp };
    const listener = this.listeners('listener', this.alb.arn, undefined, tls);
    const internalListener = this.listeners('internal-listener', Token.asString(hcl(`${addressOf(this.internalAlb)}[0].arn`)), hasInternalRoutes, tls);
    // A route's rule goes to its load balancer's listener; one() because the internal one may not exist.
    const listenerArn = `each.value.route.load_balancer == "internal" ? one(${addressOf(internalListener)}[*].arn) : ${addressOf(listener)}.arn`;

    // --- target groups and routes ---
    const routedIt = TerraformIterator.fromMap(hcl(R));
    this.serviceTargetGroups = this.targetGroups('tg-service', routedIt, 'ip', props.vpcId, 'container_port');
    const targetIt = TerraformIterator.fromMap(hcl(T));
    this.asgTargetGroups = this.targetGroups('tg-asg', targetIt, 'instance', props.vpcId, 'port');
    const serviceRules = this.listenerRules('rule-service', listenerArn, R, this.serviceTargetGroups);
    const asgRules = this.listenerRules('rule-asg', listenerArn, RT, this.asgTargetGroups);

    // --- services ---
    const logGroup = new CloudwatchLogGroup(this, 'task-logs', {
      provider,
      name: `/ecs/${clusterName}`,
      retentionInDays: logRetentionDays,
    });
    const region = new DataAwsRegion(this, 'region', { provider });
    const executionRole = this.taskExecutionRole(logGroup, region);
    const serviceIt = TerraformIterator.fromMap(hcl(S));
    const task = new EcsTaskDefinition(this, 'task', {
      provider,
      forEach: serviceIt,
      family: `${this.env}-\${each.key}`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: Token.asString(hcl('tostring(each.value.cpu)')),
      memory: Token.asString(hcl('tostring(each.value.memory_mb)')),
      executionRoleArn: executionRole.arn,
      containerDefinitions: Token.asString(
        hcl(
          `jsonencode([{ name = each.key, image = each.value.image, essential = true, portMappings = [{ containerPort = each.value.container_port, protocol = "tcp" }], logConfiguration = { logDriver = "awslogs", options = { "awslogs-group" = ${addressOf(logGroup)}.name, "awslogs-region" = data.${region.terraformResourceType}.${region.friendlyUniqueId}.name, "awslogs-stream-prefix" = each.key } } }])`,
        ),
      ),
      tags,
    });
    // Services call each other (kafka has no load balancer at all): sharing a security group allows nothing by
    // itself in AWS, so each port is opened to the group — once per port: AWS refuses a duplicate rule.
    // Source → destination group, one rule per distinct port of the map's entries.
    const portRules = (id: string, map: string, portAttribute: string, to: SecurityGroup, from: SecurityGroup, description: string) => {
      const ports = TerraformIterator.fromList(hcl(`[for s in values(${map}) : tostring(s.${portAttribute})]`));
      new VpcSecurityGroupIngressRule(this, id, {
        provider,
        forEach: ports,
        securityGroupId: to.id,
        referencedSecurityGroupId: from.id,
        ipProtocol: 'tcp',
        fromPort: Token.asNumber(ports.value),
        toPort: Token.asNumber(ports.value),
        description,
      });
    };
    portRules('service-peer-ingress', S, 'container_port', this.serviceSecurityGroup, this.serviceSecurityGroup, 'services to services');
    // Each ALB reaches only the targets of its own routes (an unrouted ASG target stays with the public one, as before).
    const on = (map: string, lb: 'public' | 'internal') =>
      lb === 'internal' ? `{ for k, v in ${map} : k => v if try(v.route.load_balancer, "public") == "internal" }` : `{ for k, v in ${map} : k => v if try(v.route.load_balancer, "public") != "internal" }`;
    portRules('service-ingress', on(R, 'public'), 'container_port', this.serviceSecurityGroup, albSg, 'ALB to services');
    portRules('instance-ingress', on(T, 'public'), 'port', this.instanceSecurityGroup, albSg, 'ALB to instances');
    portRules('service-ingress-internal', on(R, 'internal'), 'container_port', this.serviceSecurityGroup, internalSg, 'internal ALB to services');
    portRules('instance-ingress-internal', on(T, 'internal'), 'port', this.instanceSecurityGroup, internalSg, 'internal ALB to instances');

    this.services = new EcsService(this, 'service', {
      provider,
      forEach: serviceIt,
      name: Token.asString(hcl('each.key')),
      cluster: this.cluster.arn,
      taskDefinition: Token.asString(hcl(`${addressOf(task)}[each.key].arn`)),
      desiredCount: Token.asNumber(hcl('each.value.pilot_light.desired_count')),
      capacityProviderStrategy: [{ capacityProvider: Token.asString(hcl('each.value.pilot_light.capacity_provider')), weight: 1, base: 0 }],
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [this.serviceSecurityGroup.id], assignPublicIp: false },
      healthCheckGracePeriodSeconds: Token.asNumber(hcl('each.value.route == null ? null : 60')),
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableEcsManagedTags: true,
      // Tasks carry the service's tags (the environment tag among them).
      propagateTags: 'SERVICE',
      tags,
      // ECS refuses a target group that is not attached to a load balancer yet, and a capacity provider
      // the cluster does not have yet.
      dependsOn: [capacityProviders, listener, internalListener, serviceRules, asgRules],
      lifecycle: { ignoreChanges: [...SERVICE_RECONCILER_OWNED_FIELDS] },
    });
    // A load_balancer block only for routed services: a dynamic block whose iterator is not `each`, which is
    // the service's own for_each (cdktf's dynamic() names its iterator `each`).
    this.services.addOverride('dynamic.load_balancer', {
      for_each: `\${each.value.route == null ? [] : [each.key]}`,
      content: {
        target_group_arn: `\${${addressOf(this.serviceTargetGroups)}[load_balancer.value].arn}`,
        container_name: '${load_balancer.value}',
        container_port: '${each.value.container_port}',
      },
    });

    // --- ASGs ---
    this.asgs = new PilotLightAsg(this, 'asg', {
      provider,
      forEach: TerraformIterator.fromMap(hcl(A)),
      name: `${this.env}-\${each.key}`,
      instanceTypes: Token.asList(hcl('each.value.instance_types')),
      capacity: {
        minSize: Token.asNumber(hcl('each.value.pilot_light.min_size')),
        maxSize: Token.asNumber(hcl('each.value.pilot_light.max_size')),
        desiredCapacity: Token.asNumber(hcl('each.value.pilot_light.desired_capacity')),
        onDemandPercentage: Token.asNumber(hcl('each.value.pilot_light.on_demand_percentage')),
      },
      rootVolumeGb: Token.asNumber(hcl('each.value.root_volume_gb')),
      imageId: props.imageId,
      subnetIds: props.privateSubnetIds,
      securityGroupIds: [this.instanceSecurityGroup.id],
      targetGroupArns: Token.asList(hcl(`[for t, g in ${T} : ${addressOf(this.asgTargetGroups)}[t].arn if g.asg == each.key]`)),
      tags,
    });

    const list = (expression: string) => Token.asList(hcl(expression));
    this.arns = {
      services: list(`[for s in ${addressOf(this.services)} : s.id]`),
      asgs: list(`[for g in ${addressOf(this.asgs.group)} : g.arn]`),
      launchTemplates: list(`[for t in ${addressOf(this.asgs.launchTemplate)} : t.arn]`),
      targetGroups: list(`concat([for g in ${addressOf(this.serviceTargetGroups)} : g.arn], [for g in ${addressOf(this.asgTargetGroups)} : g.arn])`),
    };
    this.expressions = {
      services: S,
      asgs: A,
      clusterName: `${addressOf(this.cluster)}.name`,
      serviceNames: `{ for k, s in ${addressOf(this.services)} : k => s.name }`,
      serviceTargetGroupArns: `{ for k, g in ${addressOf(this.serviceTargetGroups)} : k => g.arn }`,
      asgNames: `{ for k, g in ${addressOf(this.asgs.group)} : k => g.name }`,
      asgTargetGroupArns: `{ for k, g in ${addressOf(this.asgTargetGroups)} : k => g.arn }`,
    };
  }

  /** A literal services map, validated and with the variable's defaults filled in. */
  private literalServices(services: Readonly<Record<string, EcsServiceConfig>>): Record<string, unknown> {
    const maxName = 32 - this.env.length - 1;
    const namePattern = new RegExp(`^[a-z0-9][a-z0-9-]{0,${maxName - 1}}$`);
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(services)) {
      checkMatches('services key', name, namePattern, `lower-case letters, digits and hyphens, at most ${maxName} characters`);
      checkNotEmpty(`services.${name}.image`, s.image);
      checkIntegerRange(`services.${name}.container_port`, s.container_port, 1, 65535);
      for (const mode of ['pilot_light', 'active'] as const) {
        checkIntegerRange(`services.${name}.${mode}.desired_count`, s[mode].desired_count, 0, 10000);
        checkOneOf(`services.${name}.${mode}.capacity_provider`, s[mode].capacity_provider, CAPACITY_PROVIDERS);
      }
      out[name] = { cpu: 256, memory_mb: 512, health_check_path: '/', ...s, route: s.route ? literalRoute(`services.${name}.route`, s.route) : null };
    }
    return out;
  }

  /** A literal ASGs map, validated and with the variable's defaults filled in. */
  private literalAsgs(asgs: Readonly<Record<string, AsgConfig>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, a] of Object.entries(asgs)) {
      checkMatches('asgs key', key, /^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/, 'lower-case letters, digits and hyphens, at most 60 characters');
      checkMinItems(`asgs.${key}.instance_types`, [...a.instance_types], 1);
      checkIntegerRange(`asgs.${key}.root_volume_gb`, a.root_volume_gb ?? 30, 8, 16384);
      for (const mode of ['pilot_light', 'active'] as const) {
        const c = a[mode];
        checkModeCapacity(`asgs.${key}.${mode}`, { minSize: c.min_size, maxSize: c.max_size, desiredCapacity: c.desired_capacity, onDemandPercentage: c.on_demand_percentage } satisfies ModeCapacity);
      }
      const targets: Record<string, unknown> = {};
      for (const [t, g] of Object.entries(a.targets ?? {})) {
        checkIntegerRange(`asgs.${key}.targets.${t}.port`, g.port, 1, 65535);
        targets[t] = { health_check_path: '/', ...g, route: g.route ? literalRoute(`asgs.${key}.targets.${t}.route`, g.route) : null };
      }
      out[key] = { root_volume_gb: 30, ...a, targets };
    }
    return out;
  }

  /** Target groups for every entry of `it` (`<environment>-<key>`), tagged for the reconciler. */
  private targetGroups(id: string, it: TerraformIterator, targetType: 'ip' | 'instance', vpcId: string, portAttribute: string): LbTargetGroup {
    return new LbTargetGroup(this, id, {
      provider: this.provider,
      forEach: it,
      name: `${this.env}-\${each.key}`,
      port: it.getNumber(portAttribute),
      protocol: 'HTTP',
      targetType,
      vpcId,
      // Short deregistration delay: failback drains a pilot-light region, there is no traffic to protect.
      deregistrationDelay: '30',
      healthCheck: { path: it.getString('health_check_path'), matcher: '200-399', interval: 30, healthyThreshold: 2, unhealthyThreshold: 3 },
      tags: managedTags(this.env),
    });
  }

  /**
   * One listener rule per routed entry of the map `routes` (an HCL expression), on the listener `listenerArn` (an
   * HCL expression of `each`) and forwarding to its group in `groups`. Conditions are dynamic blocks: a path-pattern condition, a host-header condition, or both
   * (AWS wants one kind per condition block); the default route is `/*` at DEFAULT_ROUTE_PRIORITY.
   */
  private listenerRules(id: string, listenerArn: string, routes: string, groups: LbTargetGroup): LbListenerRule {
    const stack = TerraformStack.of(this);
    const it = TerraformIterator.fromMap(ref(routes, stack));
    const rule = new LbListenerRule(this, id, {
      provider: this.provider,
      forEach: it,
      listenerArn: Token.asString(ref(listenerArn, stack)),
      priority: Token.asNumber(ref(`each.value.route.default ? ${DEFAULT_ROUTE_PRIORITY} : each.value.route.priority`, stack)),
      action: [{ type: 'forward', targetGroupArn: Token.asString(ref(`${addressOf(groups)}[each.key].arn`, stack)) }],
      condition: [],
      tags: managedTags(this.env),
    });
    rule.addOverride('dynamic.condition', {
      for_each:
        '${{ for kind, values in { path = each.value.route.default ? ["/*"] : each.value.route.path_patterns, host = each.value.route.default ? [] : each.value.route.host_headers } : kind => values if length(values) > 0 }}',
      content: {
        dynamic: {
          path_pattern: { for_each: '${condition.key == "path" ? [condition.value] : []}', content: { values: '${path_pattern.value}' } },
          host_header: { for_each: '${condition.key == "host" ? [condition.value] : []}', content: { values: '${host_header.value}' } },
        },
      },
    });
    return rule;
  }

  /**
   * An application load balancer: invalid headers dropped, deletion protection (ELB.6), access logs to the bucket
   * under the ALB's name when one is given (ELB.5; a dynamic block: no block at all when off).
   */
  private loadBalancer(
    id: string,
    name: string,
    internal: boolean,
    sg: SecurityGroup,
    subnets: string[],
    count: number | undefined,
    p: { readonly deletionProtection: boolean | IResolvable; readonly accessLogsBucket: string },
  ): Lb {
    const lb = new Lb(this, id, {
      provider: this.provider,
      count,
      name,
      loadBalancerType: 'application',
      internal,
      securityGroups: [sg.id],
      subnets,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: p.deletionProtection,
    });
    lb.addOverride('dynamic.access_logs', {
      for_each: Fn.conditional(isEmptyString(p.accessLogsBucket), [], [p.accessLogsBucket]),
      content: { bucket: '${access_logs.value}', prefix: name, enabled: true },
    });
    return lb;
  }

  /**
   * The listeners of one ALB: HTTPS on 443 with the certificate, and on 80 a redirect to it (HTTP_301, ELB.1); with
   * `allowHttp` and no certificate, HTTP on 80 alone. Without `allowHttp` the serving listener refuses, at plan
   * time, to be planned without a certificate. With `exists`, they exist only while it is true (the ALB's own
   * condition). Returns the listener the routes' rules attach to.
   */
  private listeners(
    id: string,
    loadBalancerArn: string,
    exists: IResolvable | undefined,
    tls: { readonly https: IResolvable; readonly listenerPort: number; readonly certificateArn: string; readonly allowHttp: boolean },
  ): LbListener {
    const listener = new LbListener(this, id, {
      provider: this.provider,
      count: exists === undefined ? undefined : Token.asNumber(Fn.conditional(exists, 1, 0)),
      loadBalancerArn,
      port: tls.listenerPort,
      protocol: Token.asString(Fn.conditional(tls.https, 'HTTPS', 'HTTP')),
      certificateArn: Token.asString(Fn.conditional(tls.https, tls.certificateArn, Token.nullValue())),
      sslPolicy: Token.asString(Fn.conditional(tls.https, SSL_POLICY, Token.nullValue())),
      // Requests no route matches; the default route, if any, is a rule at the last priority.
      defaultAction: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'not found' } }],
      lifecycle: tls.allowHttp ? undefined : { precondition: [{ condition: tls.https, errorMessage: CERTIFICATE_REQUIRED }] },
    });
    const redirectCount = Fn.conditional(exists === undefined ? tls.https : Op.and(tls.https, exists), 1, 0);
    new LbListener(this, `${id}-redirect`, {
      provider: this.provider,
      count: Token.asNumber(redirectCount),
      loadBalancerArn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
    });
    return listener;
  }

  /** Ingress of an ALB's group from `cidrs`: its listener port, and 80 for the redirect when it serves HTTPS. */
  private listenerIngress(id: string, sg: SecurityGroup, cidrs: string[], https: IResolvable, listenerPort: number, description: string): void {
    const listenerCidrs = TerraformIterator.fromList(cidrs);
    new VpcSecurityGroupIngressRule(this, `${id}-ingress`, {
      provider: this.provider,
      forEach: listenerCidrs,
      securityGroupId: sg.id,
      cidrIpv4: listenerCidrs.value,
      ipProtocol: 'tcp',
      fromPort: listenerPort,
      toPort: listenerPort,
      description: `${description} listener`,
    });
    const redirectCidrs = TerraformIterator.fromList(Token.asList(Fn.conditional(https, cidrs, [])));
    new VpcSecurityGroupIngressRule(this, `${id}-redirect-ingress`, {
      provider: this.provider,
      forEach: redirectCidrs,
      securityGroupId: sg.id,
      cidrIpv4: redirectCidrs.value,
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      description: `${description} port 80 (redirect to 443)`,
    });
  }

  /** A security group with allow-all egress (Terraform removes AWS's default egress rule). */
  private securityGroup(id: string, name: string, description: string, vpcId: string): SecurityGroup {
    const sg = new SecurityGroup(this, id, { provider: this.provider, name, description, vpcId, tags: { Name: name } });
    new VpcSecurityGroupEgressRule(this, `${id}-egress`, {
      provider: this.provider,
      securityGroupId: sg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'All outbound',
    });
    return sg;
  }

  /** Role ECS uses to pull images and write task logs; scoped to this account's repositories and the log group. */
  private taskExecutionRole(logGroup: CloudwatchLogGroup, region: DataAwsRegion): IamRole {
    const provider = this.provider;
    const account = new DataAwsCallerIdentity(this, 'account', { provider });
    const partition = new DataAwsPartition(this, 'partition', { provider });
    const trust = new DataAwsIamPolicyDocument(this, 'task-execution-trust', {
      provider,
      statement: [
        {
          effect: 'Allow',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: ['ecs-tasks.amazonaws.com'] }],
          // Confused-deputy prevention: ECS may assume the role only for tasks of this account in the DR region.
          condition: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [account.accountId] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:${partition.partition}:ecs:${region.name}:${account.accountId}:*`] },
          ],
        },
      ],
    });
    const role = new IamRole(this, 'task-execution-role', {
      provider,
      name: `${this.env}-ecs-task-execution`,
      assumeRolePolicy: trust.json,
    });
    const policy = new DataAwsIamPolicyDocument(this, 'task-execution-policy', {
      provider,
      statement: [
        // GetAuthorizationToken has no resource-level permissions.
        { sid: 'EcrToken', effect: 'Allow', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
        {
          sid: 'EcrPull',
          effect: 'Allow',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [`arn:${partition.partition}:ecr:${region.name}:${account.accountId}:repository/*`],
        },
        { sid: 'TaskLogs', effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.arn}:*`] },
      ],
    });
    new IamRolePolicy(this, 'task-execution-role-policy', { provider, name: 'pull-and-log', role: role.id, policy: policy.json });
    return role;
  }
}

/** A literal route, validated as the variables' validation does, with defaults filled in. */
function literalRoute(field: string, r: RouteConfig): Required<Omit<RouteConfig, 'priority'>> & { priority: number | null } {
  const paths = [...(r.path_patterns ?? [])];
  const hosts = [...(r.host_headers ?? [])];
  const loadBalancer = r.load_balancer ?? 'public';
  checkOneOf(`${field}.load_balancer`, loadBalancer, LOAD_BALANCERS);
  if (r.default) {
    if (r.priority !== undefined || paths.length > 0 || hosts.length > 0) {
      throw new Error(`${field}: a default route takes no priority, path_patterns or host_headers, got: ${JSON.stringify(r)}`);
    }
  } else {
    if (r.priority === undefined) throw new Error(`${field}.priority is required unless the route is the default, got: ${JSON.stringify(r)}`);
    checkIntegerRange(`${field}.priority`, r.priority, 1, DEFAULT_ROUTE_PRIORITY - 1);
    if (paths.length + hosts.length === 0) throw new Error(`${field} needs path_patterns or host_headers, got: ${JSON.stringify(r)}`);
    for (const p of paths) checkMatches(`${field}.path_patterns[]`, p, /^\//, 'a path starting with "/"');
  }
  return { default: r.default ?? false, priority: r.priority ?? null, path_patterns: paths, host_headers: hosts, load_balancer: loadBalancer };
}
