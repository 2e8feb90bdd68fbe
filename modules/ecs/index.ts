/**
 * ecs: the DR compute at pilot-light size.
 *
 * - ECS cluster `dr` with FARGATE and FARGATE_SPOT capacity providers.
 * - The services (frontend, notification-service, …) at pilot-light desired count on FARGATE_SPOT, awsvpc,
 *   in the given private subnets with their own security group.
 * - An internet-facing ALB with a target group per load-balanced service, and an internal ALB for the ASG targets
 *   (Jenkins, Prometheus, Grafana, Jaeger: tools stay off the internet); listeners route by path. HTTPS on 443 with
 *   port 80 redirecting; plain HTTP only where the stack allows it (the emulator).
 * - ASGs `dr-jenkins` and `dr-monitoring` (see asg.ts).
 *
 * The VPC and subnets are inputs, not created here: a pilot-light region normally reuses the network that
 * already exists there (shared with other workloads, peered, with endpoints), and recreating it per stack
 * would make DR depend on more moving parts. Rule S7: desired count and capacity strategy of the services
 * belong to the reconciler once created.
 */
import { Construct } from 'constructs';
import { Fn, IResolvable, Op, TerraformIterator, Token } from 'cdktf';
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
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { PilotLightAsg } from './asg';
import { checkIntegerRange, checkMatches, checkMinItems, checkNotEmpty, checkOneOf, isEmptyString, ModeCapacity } from '../validate';

/** Fields of an ECS service that the reconciler owns and Terraform must not reset (rule S7). */
export const SERVICE_RECONCILER_OWNED_FIELDS = ['desired_count', 'capacity_provider_strategy'] as const;

/** The ECS capacity providers a service may use. */
export const CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

/** An ALB route: requests matching `pathPattern` go to the target group. `/` makes it the default action. */
export interface AlbRoute {
  /** Listener path pattern, e.g. `/jenkins/*`; `/` for the listener's default action. */
  readonly pathPattern: string;
  /** Health check path of the target group. @default "/" */
  readonly healthCheckPath?: string;
}

/** One ECS service at its pilot-light values. */
export interface DrServiceProps {
  /** Service (and container) name, e.g. `frontend`. */
  readonly name: string;
  /** Container image. */
  readonly image: string;
  /** Port the container listens on. */
  readonly containerPort: number;
  /** Task CPU units. @default 256 */
  readonly cpu?: number;
  /** Task memory in MiB. @default 512 */
  readonly memoryMb?: number;
  /** Desired count at creation (pilot light). */
  readonly desiredCount: number;
  /** Capacity provider at creation (pilot light): FARGATE or FARGATE_SPOT. */
  readonly capacityProvider: string;
  /** How the ALB reaches it; omit for services not behind the ALB (e.g. kafka, which speaks TCP). @default not load balanced */
  readonly route?: AlbRoute;
}

/** An ALB target fed by an ASG, e.g. Grafana on the monitoring group. */
export interface AsgTargetProps extends AlbRoute {
  /** Target group suffix, e.g. `grafana` → `dr-grafana`. */
  readonly name: string;
  /** Instance port. */
  readonly port: number;
}

/** One ASG at its pilot-light values. */
export interface DrAsgProps {
  /** Suffix: `jenkins` → ASG `dr-jenkins`. */
  readonly name: string;
  /** Instance types (spot diversification). */
  readonly instanceTypes: string[];
  /** Capacity at creation (pilot light). */
  readonly capacity: ModeCapacity;
  /** Root volume size, GiB. @default 30 */
  readonly rootVolumeGb?: number;
  /** What the ALB routes to its instances. */
  readonly targets: readonly AsgTargetProps[];
}

/** Props of {@link Ecs}. */
export interface EcsProps {
  /** Environment prefix used in names. @default "dr" */
  readonly environment?: string;
  /** ECS cluster name. @default the environment prefix ("dr") */
  readonly clusterName?: string;
  /** Existing DR VPC. */
  readonly vpcId: string;
  /** Private subnets (two or more AZs): tasks and instances. */
  readonly privateSubnetIds: string[];
  /** Public subnets (two or more AZs): the ALB. */
  readonly publicSubnetIds: string[];
  /** CIDRs allowed to reach the ALB. @default ["0.0.0.0/0"] */
  readonly albIngressCidrs?: string[];
  /** ACM certificate for the HTTPS listeners (443; port 80 redirects). Empty: HTTP on 80, emulator only. @default "" */
  readonly certificateArn?: string;
  /**
   * Whether a listener may serve plain HTTP when no certificate is given. Only the emulator run sets it; otherwise
   * a plan without a certificate fails (a precondition), because HTTPS clients break after a failover. @default false
   */
  readonly allowPlainHttp?: boolean;
  /** CIDRs allowed to reach the internal ALB of the tools (Jenkins, Prometheus, Grafana, Jaeger); empty means the VPC's CIDR. @default the VPC's CIDR */
  readonly internalToolsIngressCidrs?: string[];
  /** S3 bucket (with the ELB log-delivery policy) for both ALBs' access logs; empty turns them off. @default "" */
  readonly accessLogsBucket?: string;
  /** The services. */
  readonly services: readonly DrServiceProps[];
  /** The ASGs. */
  readonly asgs: readonly DrAsgProps[];
  /** AMI id for the ASGs' launch templates. */
  readonly imageId: string;
  /** Retention of the tasks' log group, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
}

/** What both load balancers share: TLS (or not), and where access logs go. */
interface AlbEdge {
  readonly https: IResolvable;
  readonly certificateArn: string;
  readonly allowPlainHttp: boolean;
  readonly accessLogsBucket: string;
}

/** A created service with what the reconciler needs to know about it. */
export interface CreatedService {
  /** What it was created from. */
  readonly props: DrServiceProps;
  /** The ECS service (its `id` is the service ARN). */
  readonly service: EcsService;
  /** Its ip target group, when it is behind the ALB. */
  readonly targetGroup?: LbTargetGroup;
}

/** A created ASG and the target groups it feeds. */
export interface CreatedAsg {
  /** What it was created from. */
  readonly props: DrAsgProps;
  /** Launch template and group. */
  readonly asg: PilotLightAsg;
  /** The instance target groups it registers with. */
  readonly targetGroups: LbTargetGroup[];
}

/** DR cluster, services, ALB, target groups and ASGs. */
export class Ecs extends Construct {
  /** The cluster. */
  readonly cluster: EcsCluster;
  /** The DR ALB (internet-facing): the application's services. */
  readonly alb: Lb;
  /** The internal ALB of the ASGs' tools (Jenkins, Prometheus, Grafana, Jaeger): never on the internet. */
  readonly internalAlb: Lb;
  /** Services in the order given. */
  readonly services: CreatedService[] = [];
  /** ASGs in the order given. */
  readonly asgs: CreatedAsg[] = [];
  /** Security group of the service tasks (clients of the database). */
  readonly serviceSecurityGroup: SecurityGroup;
  /** Security group of the ASG instances. */
  readonly instanceSecurityGroup: SecurityGroup;

  private readonly env: string;
  private readonly provider: AwsProvider;
  private nextPriority = 10;

  constructor(scope: Construct, id: string, props: EcsProps) {
    super(scope, id);
    this.env = props.environment ?? 'dr';
    this.provider = props.provider;
    const provider = props.provider;
    const clusterName = props.clusterName ?? this.env;
    const certificateArn = props.certificateArn ?? '';
    const logRetentionDays = props.logRetentionDays ?? 30;

    checkNotEmpty('vpcId', props.vpcId);
    checkMinItems('privateSubnetIds', props.privateSubnetIds, 2);
    checkMinItems('publicSubnetIds', props.publicSubnetIds, 2);
    checkNotEmpty('imageId', props.imageId);
    this.validateNames(props);

    // Container Insights (FSBP ECS.12): task and service metrics, the view a failover is watched through.
    this.cluster = new EcsCluster(this, 'cluster', { provider, name: clusterName, setting: [{ name: 'containerInsights', value: 'enabled' }] });
    const capacityProviders = new EcsClusterCapacityProviders(this, 'capacity-providers', {
      provider,
      clusterName: this.cluster.name,
      capacityProviders: [...CAPACITY_PROVIDERS],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
    });

    // --- network: one group per tier, rules as separate resources so adding one never replaces a group ---
    const albSg = this.securityGroup('alb-sg', `${this.env}-alb`, 'DR ALB', props.vpcId);
    const internalAlbSg = this.securityGroup('internal-alb-sg', `${this.env}-internal-alb`, 'DR internal ALB (tools)', props.vpcId);
    this.serviceSecurityGroup = this.securityGroup('service-sg', `${this.env}-services`, 'DR ECS service tasks', props.vpcId);
    this.instanceSecurityGroup = this.securityGroup('instance-sg', `${this.env}-instances`, 'DR ASG instances', props.vpcId);

    const edge: AlbEdge = { https: Op.not(isEmptyString(certificateArn)), certificateArn, allowPlainHttp: props.allowPlainHttp ?? false, accessLogsBucket: props.accessLogsBucket ?? '' };
    this.alb = this.loadBalancer('alb', `${this.env}-alb`, false, albSg, props.publicSubnetIds, edge);
    const listener = this.listeners('listener', 'alb-ingress', this.alb, albSg, props.albIngressCidrs ?? ['0.0.0.0/0'], edge);
    // The tools are internal: reachable from the VPC (or the CIDRs given, e.g. a VPN), never from the internet;
    // Prometheus and Jaeger have no authentication of their own.
    const vpc = new DataAwsVpc(this, 'vpc', { provider, id: props.vpcId });
    this.internalAlb = this.loadBalancer('internal-alb', `${this.env}-internal-alb`, true, internalAlbSg, props.privateSubnetIds, edge);
    const toolCidrs = props.internalToolsIngressCidrs ?? [];
    const internalCidrs = Token.isUnresolved(toolCidrs)
      ? Token.asList(Fn.conditional(Op.lt(Fn.lengthOf(toolCidrs), 1), [vpc.cidrBlock], toolCidrs))
      : toolCidrs.length > 0
        ? toolCidrs
        : [vpc.cidrBlock];
    const internalListener = this.listeners('internal-listener', 'internal-alb-ingress', this.internalAlb, internalAlbSg, internalCidrs, edge);

    // --- services ---
    const logGroup = new CloudwatchLogGroup(this, 'task-logs', {
      provider,
      name: `/ecs/${clusterName}`,
      retentionInDays: logRetentionDays,
    });
    const region = new DataAwsRegion(this, 'region', { provider });
    const executionRole = this.taskExecutionRole(logGroup, region);
    for (const s of props.services) {
      const tg = s.route ? this.targetGroup(`tg-${s.name}`, s.name, s.containerPort, 'ip', props.vpcId, s.route) : undefined;
      const rule = tg && s.route && s.route.pathPattern !== '/' ? this.listenerRule(listener, s.name, tg, s.route.pathPattern) : undefined;
      const task = new EcsTaskDefinition(this, `task-${s.name}`, {
        provider,
        family: `${this.env}-${s.name}`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(s.cpu ?? 256),
        memory: String(s.memoryMb ?? 512),
        executionRoleArn: executionRole.arn,
        containerDefinitions: Fn.jsonencode([
          {
            name: s.name,
            image: s.image,
            essential: true,
            portMappings: [{ containerPort: s.containerPort, protocol: 'tcp' }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': logGroup.name, 'awslogs-region': region.name, 'awslogs-stream-prefix': s.name },
            },
          },
        ]),
      });
      // Services call each other (kafka has no load balancer at all): sharing a security group allows nothing
      // by itself in AWS, so each service's port is opened to the group.
      new VpcSecurityGroupIngressRule(this, `service-peer-ingress-${s.name}`, {
        provider,
        securityGroupId: this.serviceSecurityGroup.id,
        referencedSecurityGroupId: this.serviceSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: s.containerPort,
        toPort: s.containerPort,
        description: `services to ${s.name}`,
      });
      if (tg) {
        new VpcSecurityGroupIngressRule(this, `service-ingress-${s.name}`, {
          provider,
          securityGroupId: this.serviceSecurityGroup.id,
          referencedSecurityGroupId: albSg.id,
          ipProtocol: 'tcp',
          fromPort: s.containerPort,
          toPort: s.containerPort,
          description: `ALB to ${s.name}`,
        });
      }
      const service = new EcsService(this, `service-${s.name}`, {
        provider,
        name: s.name,
        cluster: this.cluster.arn,
        taskDefinition: task.arn,
        desiredCount: s.desiredCount,
        capacityProviderStrategy: [{ capacityProvider: s.capacityProvider, weight: 1, base: 0 }],
        networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [this.serviceSecurityGroup.id], assignPublicIp: false },
        loadBalancer: tg ? [{ targetGroupArn: tg.arn, containerName: s.name, containerPort: s.containerPort }] : undefined,
        healthCheckGracePeriodSeconds: tg ? 60 : undefined,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        enableEcsManagedTags: true,
        propagateTags: 'SERVICE',
        // ECS refuses a target group that is not attached to a load balancer yet, and a capacity provider
        // the cluster does not have yet.
        dependsOn: [capacityProviders, listener, ...(rule ? [rule] : [])],
        lifecycle: { ignoreChanges: [...SERVICE_RECONCILER_OWNED_FIELDS] },
      });
      this.services.push({ props: s, service, targetGroup: tg });
      if (s.route?.pathPattern === '/' && tg) {
        listener.putDefaultAction([{ type: 'forward', targetGroupArn: tg.arn }]);
      }
    }

    // --- ASGs ---
    for (const a of props.asgs) {
      const targetGroups = a.targets.map((t) => {
        const tg = this.targetGroup(`tg-${t.name}`, t.name, t.port, 'instance', props.vpcId, t);
        if (t.pathPattern !== '/') this.listenerRule(internalListener, t.name, tg, t.pathPattern);
        else internalListener.putDefaultAction([{ type: 'forward', targetGroupArn: tg.arn }]);
        new VpcSecurityGroupIngressRule(this, `instance-ingress-${t.name}`, {
          provider,
          securityGroupId: this.instanceSecurityGroup.id,
          referencedSecurityGroupId: internalAlbSg.id,
          ipProtocol: 'tcp',
          fromPort: t.port,
          toPort: t.port,
          description: `ALB to ${t.name}`,
        });
        return tg;
      });
      const asg = new PilotLightAsg(this, `asg-${a.name}`, {
        provider,
        name: `${this.env}-${a.name}`,
        instanceTypes: a.instanceTypes,
        capacity: a.capacity,
        rootVolumeGb: a.rootVolumeGb,
        imageId: props.imageId,
        subnetIds: props.privateSubnetIds,
        securityGroupIds: [this.instanceSecurityGroup.id],
        targetGroupArns: targetGroups.map((tg) => tg.arn),
      });
      this.asgs.push({ props: a, asg, targetGroups });
    }
  }

  /** Names become AWS names with length limits; ports and capacity strings must be valid. */
  private validateNames(props: EcsProps): void {
    const seen = new Set<string>();
    const claim = (field: string, name: string) => {
      if (seen.has(name)) throw new Error(`${field} must be unique, got: ${JSON.stringify(name)}`);
      seen.add(name);
    };
    // Target group names are `${env}-${name}` and AWS allows 32 characters.
    const maxName = 32 - this.env.length - 1;
    const namePattern = new RegExp(`^[a-z0-9][a-z0-9-]{0,${maxName - 1}}$`);
    const nameForm = `lower-case letters, digits and hyphens, at most ${maxName} characters`;
    for (const s of props.services) {
      checkMatches('services[].name', s.name, namePattern, nameForm);
      claim('services[].name', s.name);
      checkIntegerRange(`services.${s.name}.containerPort`, s.containerPort, 1, 65535);
      checkIntegerRange(`services.${s.name}.desiredCount`, s.desiredCount, 0, 10000);
      checkOneOf(`services.${s.name}.capacityProvider`, s.capacityProvider, CAPACITY_PROVIDERS);
      checkNotEmpty(`services.${s.name}.image`, s.image);
      if (s.route) checkMatches(`services.${s.name}.route.pathPattern`, s.route.pathPattern, /^\//, 'a path starting with "/"');
    }
    const defaults = [
      ...props.services.filter((s) => s.route?.pathPattern === '/').map((s) => s.name),
      ...props.asgs.flatMap((a) => a.targets.filter((t) => t.pathPattern === '/').map((t) => t.name)),
    ];
    if (defaults.length > 1) throw new Error(`only one route may be the default ("/"), got: ${JSON.stringify(defaults)}`);
    for (const a of props.asgs) {
      checkMatches('asgs[].name', a.name, namePattern, nameForm);
      for (const t of a.targets) {
        checkMatches(`asgs.${a.name}.targets[].name`, t.name, namePattern, nameForm);
        claim(`asgs.${a.name}.targets[].name`, t.name);
        checkIntegerRange(`asgs.${a.name}.targets.${t.name}.port`, t.port, 1, 65535);
        checkMatches(`asgs.${a.name}.targets.${t.name}.pathPattern`, t.pathPattern, /^\//, 'a path starting with "/"');
      }
    }
  }

  /** An application load balancer: deletion protection on (FSBP ELB.6), access logs when a bucket is given (ELB.5). */
  private loadBalancer(id: string, name: string, internal: boolean, sg: SecurityGroup, subnets: string[], edge: AlbEdge): Lb {
    return new Lb(this, id, {
      provider: this.provider,
      name,
      loadBalancerType: 'application',
      internal,
      securityGroups: [sg.id],
      subnets,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: edge.accessLogsBucket, prefix: name, enabled: Op.not(isEmptyString(edge.accessLogsBucket)) },
    });
  }

  /**
   * The listeners of a load balancer and their ingress: HTTPS on 443 with a certificate, and port 80 redirecting
   * to it; without one (emulator only, see allowPlainHttp) a single HTTP listener on 80. Returns the one that routes.
   */
  private listeners(id: string, ingressId: string, lb: Lb, sg: SecurityGroup, ingressCidrs: string[], edge: AlbEdge): LbListener {
    const provider = this.provider;
    const port = Token.asNumber(Fn.conditional(edge.https, 443, 80));
    const cidrs = TerraformIterator.fromList(ingressCidrs);
    new VpcSecurityGroupIngressRule(this, ingressId, {
      provider,
      forEach: cidrs,
      securityGroupId: sg.id,
      cidrIpv4: cidrs.value,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: `Clients to the ${lb.name} listener`,
    });
    const listener = new LbListener(this, id, {
      provider,
      loadBalancerArn: lb.arn,
      port,
      protocol: Token.asString(Fn.conditional(edge.https, 'HTTPS', 'HTTP')),
      certificateArn: Token.asString(Fn.conditional(edge.https, edge.certificateArn, Token.nullValue())),
      sslPolicy: Token.asString(Fn.conditional(edge.https, 'ELBSecurityPolicy-TLS13-1-2-2021-06', Token.nullValue())),
      // Until a default service is created (below) the listener answers 404; replaced by the forward.
      defaultAction: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'not found' } }],
      lifecycle: edge.allowPlainHttp
        ? undefined
        : { precondition: [{ condition: Op.not(isEmptyString(edge.certificateArn)), errorMessage: 'dr_certificate_arn must be an ACM certificate ARN in the DR region: the DR ALBs serve HTTPS only (port 80 redirects), got: ""' }] },
    });
    // Port 80 only redirects: nothing is served in clear text.
    const redirectCidrs = TerraformIterator.fromList(Token.asList(Fn.conditional(edge.https, ingressCidrs, [])));
    new VpcSecurityGroupIngressRule(this, `${id}-redirect-ingress`, {
      provider,
      forEach: redirectCidrs,
      securityGroupId: sg.id,
      cidrIpv4: redirectCidrs.value,
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      description: `Clients to the ${lb.name} HTTP redirect`,
    });
    new LbListener(this, `${id}-redirect`, {
      provider,
      count: Token.asNumber(Fn.conditional(edge.https, 1, 0)),
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
    });
    return listener;
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

  private targetGroup(id: string, name: string, port: number, targetType: 'ip' | 'instance', vpcId: string, route: AlbRoute): LbTargetGroup {
    return new LbTargetGroup(this, id, {
      provider: this.provider,
      name: `${this.env}-${name}`,
      port,
      protocol: 'HTTP',
      targetType,
      vpcId,
      // Short deregistration delay: failback drains a pilot-light region, there is no traffic to protect.
      deregistrationDelay: '30',
      healthCheck: { path: route.healthCheckPath ?? '/', matcher: '200-399', interval: 30, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
  }

  private listenerRule(listener: LbListener, id: string, tg: LbTargetGroup, pathPattern: string): LbListenerRule {
    const priority = this.nextPriority;
    this.nextPriority += 10;
    return new LbListenerRule(this, `rule-${id}`, {
      provider: this.provider,
      listenerArn: listener.arn,
      priority,
      action: [{ type: 'forward', targetGroupArn: tg.arn }],
      condition: [{ pathPattern: { values: [pathPattern] } }],
    });
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
          // Confused-deputy protection: only ECS acting for this account's tasks in this region.
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
