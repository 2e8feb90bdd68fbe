/**
 * A pilot-light Auto Scaling Group: launch template + ASG with a MixedInstancesPolicy, attached to its
 * target groups. Created at pilot-light capacity (spot); the reconciler owns capacity and the instances
 * distribution afterwards (rule S7), so Terraform ignores those fields.
 *
 * With `forEach` both resources are one instance per key (the props are then expressions of `each`), and the
 * group uses its own key's launch template.
 */
import { Construct } from 'constructs';
import { ITerraformIterator, ref, TerraformStack, Token } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { checkIntegerRange, checkMatches, checkMinItems, checkModeCapacity, ModeCapacity } from '../validate';

/** Fields of an ASG that the reconciler owns and Terraform must not reset (rule S7). */
export const ASG_RECONCILER_OWNED_FIELDS = [
  'min_size',
  'max_size',
  'desired_capacity',
  'mixed_instances_policy[0].instances_distribution',
] as const;

/** Props of {@link PilotLightAsg}. */
export interface PilotLightAsgProps {
  /** Full ASG name, e.g. `dr-jenkins`. */
  readonly name: string;
  /** Instance types the group may launch (spot diversification; on-demand takes the cheapest). */
  readonly instanceTypes: string[];
  /** Capacity and on-demand percentage at creation (pilot light). */
  readonly capacity: ModeCapacity;
  /** AMI id for the launch template. */
  readonly imageId: string;
  /** Subnets instances launch into. */
  readonly subnetIds: string[];
  /** Security groups of the instances. */
  readonly securityGroupIds: string[];
  /** Target groups the group registers its instances with. @default [] */
  readonly targetGroupArns?: string[];
  /** Root volume size, GiB (gp3, encrypted). @default 30 */
  readonly rootVolumeGb?: number;
  /** Base64 user data that bootstraps the workload. @default no user data */
  readonly userDataBase64?: string;
  /** One launch template and group per key of this iterator. @default one of each */
  readonly forEach?: ITerraformIterator;
  /** Tags of the group (propagated to instances) and the launch template. @default only Name */
  readonly tags?: Readonly<Record<string, string>>;
  /** Provider in the DR region. */
  readonly provider: AwsProvider;
}

/** Launch template + ASG (MixedInstancesPolicy, spot at pilot light). */
export class PilotLightAsg extends Construct {
  /** The launch template. */
  readonly launchTemplate: LaunchTemplate;
  /** The group. */
  readonly group: AutoscalingGroup;

  constructor(scope: Construct, id: string, props: PilotLightAsgProps) {
    super(scope, id);
    // Under for_each the props are expressions of `each`: the variable's validation checks the values.
    if (!props.forEach) {
      checkMatches('name', props.name, /^[A-Za-z0-9._-]{1,255}$/, 'an ASG name');
      checkMinItems(`${props.name}.instanceTypes`, props.instanceTypes, 1);
      checkModeCapacity(`${props.name}.capacity`, props.capacity);
      checkIntegerRange(`${props.name}.rootVolumeGb`, props.rootVolumeGb ?? 30, 8, 16384);
    }

    this.launchTemplate = new LaunchTemplate(this, 'launch-template', {
      provider: props.provider,
      forEach: props.forEach,
      name: props.name,
      description: `Instances of ${props.name}`,
      imageId: props.imageId,
      vpcSecurityGroupIds: props.securityGroupIds,
      userData: props.userDataBase64,
      // IMDSv2 only.
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { encrypted: 'true', volumeType: 'gp3', volumeSize: props.rootVolumeGb ?? 30, deleteOnTermination: 'true' } },
      ],
      tagSpecifications: [
        { resourceType: 'instance', tags: { ...props.tags, Name: props.name } },
        { resourceType: 'volume', tags: { ...props.tags, Name: props.name } },
      ],
      updateDefaultVersion: true,
    });

    const launchTemplateId = props.forEach
      ? ref(`${this.launchTemplate.terraformResourceType}.${this.launchTemplate.friendlyUniqueId}[each.key].id`, TerraformStack.of(this)).toString()
      : this.launchTemplate.id;
    this.group = new AutoscalingGroup(this, 'group', {
      provider: props.provider,
      forEach: props.forEach,
      name: props.name,
      vpcZoneIdentifier: props.subnetIds,
      minSize: props.capacity.minSize,
      maxSize: props.capacity.maxSize,
      desiredCapacity: props.capacity.desiredCapacity,
      targetGroupArns: props.targetGroupArns ?? [],
      // ELB health checks (FSBP AutoScaling.1): an instance its target group calls unhealthy is replaced. The grace
      // period keeps a slow-starting Jenkins from being cycled before it answers.
      healthCheckType: 'ELB',
      healthCheckGracePeriod: 600,
      // Replace spot instances proactively when AWS signals an interruption risk.
      capacityRebalance: true,
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: props.capacity.onDemandPercentage,
          // lowest-price: the order of instance types carries no meaning (the list may come from a variable).
          onDemandAllocationStrategy: 'lowest-price',
          spotAllocationStrategy: 'price-capacity-optimized',
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId, version: '$Latest' },
        },
      },
      tag: [
        { key: 'Name', value: props.name, propagateAtLaunch: true },
        ...Object.entries(props.tags ?? {}).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      ],
      lifecycle: { ignoreChanges: [...ASG_RECONCILER_OWNED_FIELDS] },
    });
    // One override per instance type: a dynamic block with its own iterator name (cdktf's dynamic() calls it
    // `each`, which under for_each is the group's key).
    this.group.addOverride('mixed_instances_policy.launch_template.dynamic.override', {
      for_each: Token.asString(props.instanceTypes),
      content: { instance_type: '${override.value}' },
    });
  }
}
