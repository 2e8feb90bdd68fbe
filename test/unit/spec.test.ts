import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidSpecError } from '../../reconciler/errors';
import { parseMode, parseSpec, validateSpec } from '../../reconciler/spec';
import { sampleEnvironment } from '../support/fixtures';

const root = join(__dirname, '..', '..', '..');

/** The JSON example in docs/spec.md. */
function docsExample(): string {
  const md = readFileSync(join(root, 'docs', 'spec.md'), 'utf8');
  const m = /## A complete example[\s\S]*?```json\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error('docs/spec.md has no json example under "A complete example"');
  return m[1];
}

function problems(doc: unknown): string[] {
  try {
    validateSpec(doc);
  } catch (err) {
    if (err instanceof InvalidSpecError) return [...err.problems];
    throw err;
  }
  return [];
}

const good = () => JSON.parse(docsExample()) as { spec: Record<string, unknown> & { autoScalingGroups: any[]; ecsServices: any[] } };

describe('spec', () => {
  it('the example in docs/spec.md is valid and gets defaults', () => {
    const env = parseSpec(docsExample(), 'docs/spec.md');
    expect(env.spec.ecsServices).to.have.length(5);
    expect(env.spec.ecsServices[1].loadBalancers).to.deep.equal([]);
    expect(env.spec.failover.alarmRegion).to.equal('us-east-1');
  });

  it('fills defaults when optional blocks are absent', () => {
    const doc = good();
    delete doc.spec.failover;
    delete doc.spec.drill;
    delete doc.spec.concurrency;
    const env = validateSpec(doc);
    expect(env.spec.concurrency).to.equal(4);
    expect(env.spec.leaseSeconds).to.equal(300);
    expect(env.spec.failover).to.deep.equal({ alarmRegion: 'us-east-1', unhealthyReadings: 3, minIntervalMinutes: 60 });
    expect(env.spec.drill).to.deep.equal({ durationMinutes: 60, maxReplicaLagSeconds: 300 });
  });

  const cases: Record<string, { edit: (d: ReturnType<typeof good>) => void; want: string[] }> = {
    'unknown capacity provider names the field and value': {
      edit: (d) => (d.spec.ecsServices[1].active.capacityProvider = 'SPOT'),
      want: ['spec.ecsServices[1].active.capacityProvider: must be one of "FARGATE", "FARGATE_SPOT", got: "SPOT"'],
    },
    'min above max': {
      edit: (d) => (d.spec.autoScalingGroups[0].active.minSize = 5),
      want: [
        'spec.autoScalingGroups[0].active.minSize: must be <= maxSize (3), got: 5',
        'spec.autoScalingGroups[0].active.desiredCapacity: must be between minSize (5) and maxSize (3), got: 1',
      ],
    },
    'on-demand percentage over 100': {
      edit: (d) => (d.spec.autoScalingGroups[1].pilotLight.onDemandPercentage = 150),
      want: ['spec.autoScalingGroups[1].pilotLight.onDemandPercentage: must be <= 100, got: 150'],
    },
    'a typo in a field name': {
      edit: (d) => ((d.spec as any).modeParamter = '/x'),
      want: ['spec.modeParamter: unknown field'],
    },
    'a missing required field': {
      edit: (d) => delete (d.spec as any).stateTable,
      want: ['spec.stateTable: required field is missing'],
    },
    'a duplicate service': {
      edit: (d) => d.spec.ecsServices.push({ ...d.spec.ecsServices[0], loadBalancers: [] }),
      want: ['spec.ecsServices[5]: duplicate service, got: "dr/frontend"'],
    },
    'a target group with two owners': {
      edit: (d) => (d.spec.autoScalingGroups[1].targetGroupArns = [...d.spec.autoScalingGroups[0].targetGroupArns]),
      want: [
        'spec.autoScalingGroups[1].targetGroupArns[0]: target group already fed by asg dr-jenkins, got: "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/dr-jenkins/0123456789abcdef"',
      ],
    },
    'a probe URL that is not https (S10)': {
      edit: (d) => ((d.spec as any).failover = { ...(d.spec as any).failover, probeUrl: 'http://primary.example.com/health' }),
      want: ['spec.failover.probeUrl: must match pattern "^https://[^/\\s]+(/\\S*)?$", got: "http://primary.example.com/health"'],
    },
    'a probe timeout of 0 and a single probe-only reading': {
      edit: (d) => ((d.spec as any).failover = { ...(d.spec as any).failover, probeTimeoutSeconds: 0, probeOnlyReadings: 1 }),
      want: ['spec.failover.probeTimeoutSeconds: must be >= 1, got: 0', 'spec.failover.probeOnlyReadings: must be >= 2, got: 1'],
    },
    'a bad region': {
      edit: (d) => (d.spec.region = 'uswest2'),
      want: ['spec.region: must match pattern "^[a-z]{2}(-[a-z]+)+-\\d$", got: "uswest2"'],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`rejects ${name}`, () => {
      const d = good();
      c.edit(d);
      expect(problems(d)).to.deep.equal(c.want);
    });
  }

  it('accepts the probe settings Terraform writes (S10)', () => {
    const d = good();
    (d.spec as any).failover = { ...(d.spec as any).failover, probeUrl: 'https://primary.app.example.com/health', probeTimeoutSeconds: 3, probeOnlyReadings: 10 };
    expect(problems(d)).to.deep.equal([]);
    expect(validateSpec(d).spec.failover).to.deep.include({ probeUrl: 'https://primary.app.example.com/health', probeTimeoutSeconds: 3, probeOnlyReadings: 10 });
  });

  it('accepts a $schema pointer for editors', () => {
    const d = { $schema: '../reconciler/spec.schema.json', ...good() };
    expect(problems(d)).to.deep.equal([]);
  });

  it('reports JSON syntax errors with the source', () => {
    expect(() => parseSpec('{', 'dr.json')).to.throw(InvalidSpecError, /^invalid spec: dr.json: not valid JSON/);
  });

  describe('parseMode (S6)', () => {
    for (const ok of ['pilot-light', 'active']) it(`accepts ${ok}`, () => expect(parseMode(ok, 'm')).to.equal(ok));
    for (const bad of ['actve', 'Active ', 'ACTIVE', ' active', '', '{"mode":"active"}', 'pilot_light', 'drill']) {
      it(`refuses ${JSON.stringify(bad)} naming the value`, () => {
        expect(() => parseMode(bad, 'mode parameter /dr/mode')).to.throw(`mode parameter /dr/mode: must be "pilot-light" or "active", got: ${JSON.stringify(bad)}`);
      });
    }
    it('refuses a missing parameter', () => expect(() => parseMode(undefined, 'm')).to.throw('m: must be "pilot-light" or "active", got: nothing (parameter missing)'));
  });

  it('the fixtures environment is valid', () => expect(sampleEnvironment().metadata.name).to.equal('dr'));
});
