import { expect } from 'chai';
import { describeAction, plan, type Desired, type Observed, type Plan } from '../../reconciler/plan';
import {
  asg,
  missing,
  promoted,
  replica,
  sampleEnvironment,
  service,
  targetGroup,
  withCapacity,
  withCount,
  withOnDemand,
  withPendingInstances,
  withProvider,
  withStatus,
} from '../support/fixtures';

const env = sampleEnvironment();
const pilotLight: Desired = { mode: 'pilot-light', promotionLatched: false };
const active: Desired = { mode: 'active', promotionLatched: false };
const drill: Desired = { mode: 'active', promotionLatched: false, drill: { id: 'drill-1', maxReplicaLagSeconds: 300 } };

/** The world at pilot-light values. */
function pilotLightWorld(over: Partial<Observed> = {}): Observed {
  return {
    replica: replica(),
    asgs: [asg('dr-jenkins'), asg('dr-monitoring')],
    services: [service('frontend'), service('user-service')],
    targetGroups: [targetGroup('jenkins'), targetGroup('prometheus'), targetGroup('grafana'), targetGroup('frontend', [], 'ip')],
    serviceTasks: { 'ecs/dr/frontend': [] },
    ...over,
  };
}

/** The world fully converged to active (replica promoted). */
function activeWorld(over: Partial<Observed> = {}): Observed {
  return {
    replica: replica(promoted()),
    asgs: [asg('dr-jenkins', withCapacity(1, 3, 1), withOnDemand(100)), asg('dr-monitoring', withCapacity(1, 3, 1), withOnDemand(100))],
    services: [service('frontend', withCount(2), withProvider('FARGATE')), service('user-service', withCount(1), withProvider('FARGATE'))],
    targetGroups: [
      targetGroup('jenkins', ['i-dr-jenkins-0']),
      targetGroup('prometheus', ['i-dr-monitoring-0']),
      targetGroup('grafana', ['i-dr-monitoring-0']),
      targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip'),
    ],
    serviceTasks: { 'ecs/dr/frontend': [{ taskArn: 't1', ip: '10.0.0.1' }, { taskArn: 't2', ip: '10.0.0.2' }] },
    ...over,
  };
}

const kinds = (p: Plan) => p.actions.map((a) => `${a.kind} ${a.resource}`);

interface Case {
  /** A different environment than the sample one. */
  spec?: typeof env.spec;
  desired: Desired;
  observed: Observed;
  want: string[];
  check?: (p: Plan) => void;
}

/** The sample environment with every group filled by AWS (attached to its ASG or service), as the shipped stack has it. */
const awsRegistered = (() => {
  const s = env.spec;
  return {
    ...s,
    autoScalingGroups: s.autoScalingGroups.map((a) => ({ ...a, targetRegistration: 'aws' as const })),
    ecsServices: s.ecsServices.map((v) => ({ ...v, targetRegistration: 'aws' as const })),
  };
})();
const tgAssessment = (p: Plan, name: string) => p.resources.find((r) => r.resource === `tg/${name}`)!;

const cases: Record<string, Case> = {
  'pilot-light, up to date: no actions, all ready': {
    desired: pilotLight,
    observed: pilotLightWorld(),
    want: [],
    check: (p) => {
      expect(p.resources.every((r) => r.ready), JSON.stringify(p.resources.filter((r) => !r.ready))).to.equal(true);
      expect(p.failbackRequired).to.equal(false);
    },
  },
  'active (real failover), up to date: no actions': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld(),
    want: [],
    check: (p) => expect(p.resources.every((r) => r.ready)).to.equal(true),
  },
  'pilot-light → active: promote, scale ASGs on-demand, services to FARGATE': {
    desired: active,
    observed: pilotLightWorld(),
    want: [
      'PromoteReplica rds/app-replica',
      'UpdateAsg asg/dr-jenkins',
      'UpdateAsg asg/dr-monitoring',
      'UpdateService ecs/dr/frontend',
      'UpdateService ecs/dr/user-service',
    ],
    check: (p) => {
      const up = p.actions.find((a) => a.kind === 'UpdateAsg');
      expect(up).to.deep.include({ minSize: 1, maxSize: 3, desiredCapacity: 1 });
      // The whole policy is sent: launch template and overrides kept, only the percentage changed.
      expect(up && up.kind === 'UpdateAsg' && up.mixedInstancesPolicy).to.deep.equal({
        launchTemplate: asg('x').mixedInstancesPolicy!.launchTemplate,
        instancesDistribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 100, spotAllocationStrategy: 'price-capacity-optimized' },
      });
      const svc = p.actions.find((a) => a.kind === 'UpdateService' && a.service === 'frontend');
      expect(svc).to.deep.include({ desiredCount: 2, forceNewDeployment: true, capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }] });
    },
  },
  'drill: everything a failover does except promotion (S3)': {
    desired: drill,
    observed: pilotLightWorld(),
    want: ['UpdateAsg asg/dr-jenkins', 'UpdateAsg asg/dr-monitoring', 'UpdateService ecs/dr/frontend', 'UpdateService ecs/dr/user-service'],
    check: (p) => expect(p.resources.find((r) => r.kind === 'database')).to.include({ desired: 'read replica', inSync: true, ready: true }),
  },
  'drill: replica lag over the bound is a problem, still no promotion': {
    desired: drill,
    observed: activeWorld({ replica: replica((r) => ({ ...r, replicaLagSeconds: 900 })) }),
    want: [],
    check: (p) => expect(p.resources.find((r) => r.kind === 'database')?.problem).to.equal('replica lag 900s exceeds 300s'),
  },
  'active with promotion already requested: never promote twice (S1)': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ replica: replica(withStatus('modifying')) }),
    want: [],
    check: (p) => expect(p.resources[0]).to.include({ waitingFor: 'promotion in progress', ready: false }),
  },
  'active, replica not available: promotion waits (S1)': {
    desired: active,
    observed: activeWorld({ replica: replica(withStatus('backing-up')) }),
    want: [],
    check: (p) => expect(p.resources[0].waitingFor).to.equal('promotion waits for status available, got: backing-up'),
  },
  'active → pilot-light after a real promotion: compute down, database untouched (S2)': {
    desired: { ...pilotLight, promotionLatched: true },
    observed: activeWorld(),
    want: [
      'UpdateAsg asg/dr-jenkins',
      'UpdateAsg asg/dr-monitoring',
      'UpdateService ecs/dr/frontend',
      'UpdateService ecs/dr/user-service',
    ],
    check: (p) => {
      expect(p.failbackRequired).to.equal(true);
      const up = p.actions.find((a) => a.kind === 'UpdateAsg');
      expect(up).to.deep.include({ minSize: 0, maxSize: 1, desiredCapacity: 0 });
      expect(up && up.kind === 'UpdateAsg' && up.mixedInstancesPolicy?.instancesDistribution.onDemandPercentageAboveBaseCapacity).to.equal(0);
    },
  },
  'instances in service but not registered: register; stale targets: deregister': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({
      targetGroups: [
        targetGroup('jenkins', ['i-old']),
        targetGroup('prometheus', ['i-dr-monitoring-0']),
        targetGroup('grafana', []),
        targetGroup('frontend', ['10.0.0.1', { id: '10.0.0.9', state: 'draining' }], 'ip'),
      ],
    }),
    want: [
      'DeregisterTargets tg/jenkins',
      'RegisterTargets tg/frontend',
      'RegisterTargets tg/grafana',
      'RegisterTargets tg/jenkins',
    ],
    check: (p) => {
      expect(p.actions.find((a) => a.kind === 'DeregisterTargets')).to.deep.include({ targets: [{ id: 'i-old', port: 8080 }] });
      expect(p.actions.find((a) => a.kind === 'RegisterTargets' && a.resource === 'tg/frontend')).to.deep.include({ targets: [{ id: '10.0.0.2', port: 8080 }] });
    },
  },
  'pending instances are not registered yet: waiting, not acting': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({
      asgs: [asg('dr-jenkins', withCapacity(1, 3, 1), withOnDemand(100), withPendingInstances()), asg('dr-monitoring', withCapacity(1, 3, 1), withOnDemand(100))],
      targetGroups: [targetGroup('jenkins'), targetGroup('prometheus', ['i-dr-monitoring-0']), targetGroup('grafana', ['i-dr-monitoring-0']), targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip')],
    }),
    want: [],
    check: (p) => expect(p.resources.find((r) => r.resource === 'asg/dr-jenkins')).to.include({ inSync: true, ready: false, waitingFor: '0/1 instances in service' }),
  },
  'drift in pilot light (someone scaled an ASG up): scaled back': {
    desired: pilotLight,
    observed: pilotLightWorld({ asgs: [asg('dr-jenkins', withCapacity(2, 5, 2)), asg('dr-monitoring')] }),
    want: ['UpdateAsg asg/dr-jenkins', 'RegisterTargets tg/jenkins'],
  },
  'missing resources are problems, not actions': {
    desired: active,
    observed: pilotLightWorld({ replica: replica(missing()), asgs: [asg('dr-jenkins', missing()), asg('dr-monitoring')], services: [service('frontend')] }),
    want: ['UpdateAsg asg/dr-monitoring', 'UpdateService ecs/dr/frontend'],
    check: (p) => {
      const problems = p.resources.filter((r) => r.problem).map((r) => r.problem);
      expect(problems).to.include.members([
        'db instance app-replica not found',
        'auto scaling group dr-jenkins not found',
        'ecs service user-service not found in cluster dr',
        'asg/dr-jenkins not found: targets left as they are',
      ]);
    },
  },
  'a group without a mixed instances policy cannot go spot: problem, capacity still set': {
    // A pilot light that keeps one instance warm, on spot: the group must be able to run spot.
    spec: {
      ...env.spec,
      autoScalingGroups: env.spec.autoScalingGroups.map((g) => (g.name === 'dr-jenkins' ? { ...g, pilotLight: { minSize: 0, maxSize: 1, desiredCapacity: 1, onDemandPercentage: 0 } } : g)),
    },
    desired: pilotLight,
    observed: pilotLightWorld({ asgs: [{ ...asg('dr-jenkins', withCapacity(1, 3, 1)), mixedInstancesPolicy: undefined }, asg('dr-monitoring')] }),
    want: ['UpdateAsg asg/dr-jenkins', 'RegisterTargets tg/jenkins'],
    check: (p) => {
      expect(p.actions[0]).to.deep.include({ desiredCapacity: 1, mixedInstancesPolicy: undefined });
      expect(p.resources.find((r) => r.resource === 'asg/dr-jenkins')?.problem).to.match(/has no mixed instances policy: cannot set on-demand percentage to 0/);
    },
  },
  'active sizes are a floor: an autoscaler running more is left alone': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({
      asgs: [asg('dr-jenkins', withCapacity(1, 3, 3), withOnDemand(100)), asg('dr-monitoring', withCapacity(1, 3, 1), withOnDemand(100))],
      services: [service('frontend', withCount(5), withProvider('FARGATE')), service('user-service', withCount(1), withProvider('FARGATE'))],
      targetGroups: [
        targetGroup('jenkins', ['i-dr-jenkins-0', 'i-dr-jenkins-1', 'i-dr-jenkins-2']),
        targetGroup('prometheus', ['i-dr-monitoring-0']),
        targetGroup('grafana', ['i-dr-monitoring-0']),
        targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip'),
      ],
    }),
    want: [],
  },
  'pilot-light sizes are exact: extra capacity is scaled away': {
    desired: pilotLight,
    observed: pilotLightWorld({ services: [service('frontend', withCount(1)), service('user-service')] }),
    want: ['UpdateService ecs/dr/frontend'],
    check: (p) => expect(p.actions[0]).to.deep.include({ desiredCount: 0, forceNewDeployment: false }),
  },
  'a provider change in active keeps an autoscaled count': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ services: [service('frontend', withCount(4), withProvider('FARGATE_SPOT')), service('user-service', withCount(1), withProvider('FARGATE'))] }),
    want: ['UpdateService ecs/dr/frontend'],
    check: (p) => expect(p.actions[0]).to.deep.include({ desiredCount: 4, forceNewDeployment: true }),
  },
  'old tasks still being replaced: not ready yet; a failed rollout is a problem': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({
      services: [
        { ...service('frontend', withCount(2), withProvider('FARGATE')), deployments: 2, primaryRolloutState: 'IN_PROGRESS' },
        { ...service('user-service', withCount(1), withProvider('FARGATE')), deployments: 1, primaryRolloutState: 'FAILED' },
      ],
    }),
    want: [],
    check: (p) => {
      expect(p.resources.find((r) => r.resource === 'ecs/dr/frontend')).to.include({ inSync: true, ready: false, waitingFor: 'deployment in progress, 2/2 tasks running' });
      expect(p.resources.find((r) => r.resource === 'ecs/dr/user-service')?.problem).to.equal('ecs service user-service: deployment failed (rolloutState FAILED)');
    },
  },
  'a promotion requested long ago with no effect is a problem, still never re-requested (S1)': {
    desired: { ...active, promotionLatched: true, promotionStuck: 'promotion of app-replica was requested at T but the instance is still a replica' },
    observed: activeWorld({ replica: replica() }),
    want: [],
    check: (p) => expect(p.resources[0].problem).to.match(/still a replica/),
  },
  'a promotion requested but not yet shown by RDS (throttled, crashed): the call is issued again (S1)': {
    desired: { ...active, promotionLatched: false },
    observed: activeWorld({ replica: replica() }),
    want: ['PromoteReplica rds/app-replica'],
  },
  'a promotion under way (status modifying, still a replica): wait, do not ask again': {
    desired: { ...active, promotionLatched: false },
    observed: activeWorld({ replica: { ...replica(), status: 'modifying' } }),
    want: [],
  },
  'a group without a mixed instances policy at size 0 in pilot light is fine: nothing runs to be spot': {
    desired: pilotLight,
    observed: pilotLightWorld({ asgs: [{ ...asg('dr-jenkins'), mixedInstancesPolicy: undefined }, asg('dr-monitoring')] }),
    want: [],
    check: (p) => expect(p.resources.find((r) => r.resource === 'asg/dr-jenkins')).to.include({ inSync: true, ready: true, problem: undefined }),
  },
  'a failed read: that resource is reported and left alone, the others converge': {
    desired: active,
    observed: pilotLightWorld({ services: [service('frontend')], readErrors: { 'ecs/dr/user-service': 'Throttling: rate exceeded' } }),
    want: ['PromoteReplica rds/app-replica', 'UpdateAsg asg/dr-jenkins', 'UpdateAsg asg/dr-monitoring', 'UpdateService ecs/dr/frontend'],
    check: (p) => expect(p.resources.find((r) => r.resource === 'ecs/dr/user-service')?.problem).to.equal('could not observe: Throttling: rate exceeded'),
  },
  'AWS-registered groups: converged active world, nothing to write, everything ready': {
    spec: awsRegistered,
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ serviceTasks: {} }),
    want: [],
    check: (p) => {
      expect(p.resources.filter((r) => r.kind === 'targetGroup').every((r) => r.ready && r.inSync)).to.equal(true);
      expect(tgAssessment(p, 'frontend').desired).to.equal('2 tasks of ecs/dr/frontend (registered by AWS)');
    },
  },
  'AWS-registered groups: missing targets are waited for, never registered': {
    spec: awsRegistered,
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ serviceTasks: {}, targetGroups: [targetGroup('jenkins'), targetGroup('prometheus', ['i-dr-monitoring-0']), targetGroup('grafana', ['i-dr-monitoring-0']), targetGroup('frontend', ['10.0.0.1'], 'ip')] }),
    want: [],
    check: (p) => {
      expect(tgAssessment(p, 'jenkins')).to.deep.include({ ready: false, inSync: true, waitingFor: 'AWS to register 1 of 1 targets' });
      expect(tgAssessment(p, 'frontend')).to.deep.include({ ready: false, inSync: true, waitingFor: 'ECS to register 1 of 2 tasks' });
    },
  },
  'AWS-registered groups: a target that is not the owner\'s is a problem, reported and left alone (the confused deputy)': {
    spec: awsRegistered,
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ serviceTasks: {}, targetGroups: [targetGroup('jenkins', ['i-dr-jenkins-0']), targetGroup('prometheus', ['i-dr-monitoring-0']), targetGroup('grafana', ['i-dr-monitoring-0', 'i-prod-internal-admin']), targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip')] }),
    want: [],
    check: (p) => {
      const g = tgAssessment(p, 'grafana');
      expect(g.ready).to.equal(false);
      expect(g.problem).to.match(/holds 1 target\(s\) that are not instances of asg\/dr-monitoring: i-prod-internal-admin:8080; .*deregister them by hand/);
    },
  },
  'AWS-registered groups: a launching instance already registered is waited for, not a problem': {
    spec: awsRegistered,
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({
      serviceTasks: {},
      asgs: [asg('dr-jenkins', withCapacity(1, 3, 1), withOnDemand(100)), asg('dr-monitoring', withCapacity(1, 3, 2), withOnDemand(100), (a) => ({ ...a, instances: [a.instances[0], { ...a.instances[1], lifecycleState: 'Pending' }] }))],
      targetGroups: [targetGroup('jenkins', ['i-dr-jenkins-0']), targetGroup('prometheus', ['i-dr-monitoring-0', 'i-dr-monitoring-1']), targetGroup('grafana', ['i-dr-monitoring-0']), targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip')],
    }),
    want: [],
    check: (p) => {
      expect(tgAssessment(p, 'prometheus')).to.deep.include({ ready: false, waitingFor: '1 registered instance(s) of asg/dr-monitoring to finish launching or leaving' });
      expect(tgAssessment(p, 'prometheus').problem).to.equal(undefined);
    },
  },
  'reconciler-registered: an ASG instance target matches on its id whatever port DescribeTargetHealth reports': {
    desired: { ...active, promotionLatched: true },
    observed: activeWorld({ targetGroups: [targetGroup('jenkins', [{ id: 'i-dr-jenkins-0', port: 9090 }]), targetGroup('prometheus', ['i-dr-monitoring-0']), targetGroup('grafana', ['i-dr-monitoring-0']), targetGroup('frontend', ['10.0.0.1', '10.0.0.2'], 'ip')] }),
    want: [],
  },
};

describe('plan', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const p = plan(c.spec ?? env.spec, c.desired, c.observed);
      expect(kinds(p)).to.deep.equal(c.want);
      c.check?.(p);
    });
  }

  it('is independent of input order', () => {
    const reversed = (o: Observed): Observed => ({ ...o, asgs: [...o.asgs].reverse(), services: [...o.services].reverse(), targetGroups: [...o.targetGroups].reverse() });
    for (const c of Object.values(cases)) {
      const spec = c.spec ?? env.spec;
      const a = plan(spec, c.desired, c.observed);
      const b = plan(
        { ...spec, autoScalingGroups: [...spec.autoScalingGroups].reverse(), ecsServices: [...spec.ecsServices].reverse() },
        c.desired,
        reversed(c.observed),
      );
      expect(b).to.deep.equal(a);
    }
  });

  it('describes actions in the runbook wording', () => {
    const p = plan(env.spec, active, pilotLightWorld());
    expect(p.actions.map(describeAction)).to.include.members([
      'Promoting RDS read replica app-replica to standalone instance',
      'Scaling ASG dr-jenkins to min=1, max=3, desired=1, on-demand=100%',
    ]);
  });
});
