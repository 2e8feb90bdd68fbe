import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../reconciler/cli';
import { InvalidSpecError, MAX_PROBLEMS } from '../../reconciler/errors';
import { KNOWN_REGIONS, MAX_DOCUMENT_BYTES, MAX_DRILL_MINUTES, MAX_DOCUMENT_DEPTH, excessiveNesting, parseMode, parseSpec, validateSpec } from '../../reconciler/spec';
import { BAD_INPUTS, docsExampleText, goodDocument, type EditableDocument } from '../support/bad-inputs';
import { sampleEnvironment } from '../support/fixtures';

/** The InvalidSpecError `run` throws (fails the test if it throws anything else or nothing). */
function catchInvalid(run: () => unknown): InvalidSpecError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidSpecError);
    return err as InvalidSpecError;
  }
  throw new Error('expected an InvalidSpecError, got: success');
}

/** A table of edits to the docs example, each with the exact problems it must give. */
type Refusals = Record<string, { edit: (d: EditableDocument) => void; want: string[] }>;

/** One test a row: the edited example is refused with exactly `want`. */
function refusals(table: Refusals): void {
  for (const [name, c] of Object.entries(table)) {
    it(`refuses ${name}`, () => {
      const d = goodDocument();
      c.edit(d);
      expect(problems(d)).to.deep.equal(c.want);
    });
  }
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

const good = goodDocument;

describe('spec', () => {
  it('the example in docs/spec.md is valid and gets defaults', () => {
    const env = parseSpec(docsExampleText(), 'docs/spec.md');
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
    expect(env.spec.concurrency).to.equal(50);
    expect(env.spec.leaseSeconds).to.equal(300);
    // Without a word on it, the reconciler registers the targets itself (the document's meaning before the field).
    expect(env.spec.autoScalingGroups.map((a) => a.targetRegistration)).to.deep.equal(env.spec.autoScalingGroups.map(() => 'reconciler'));
    expect(env.spec.ecsServices.map((a) => a.targetRegistration)).to.deep.equal(env.spec.ecsServices.map(() => 'reconciler'));
    expect(env.spec.failover).to.deep.equal({ alarmRegion: 'us-east-1', unhealthyReadings: 3, minIntervalMinutes: 60, probeTimeoutSeconds: 3, probeOnlyReadings: 10 });
    expect(env.spec.drill).to.deep.equal({ durationMinutes: 60, maxReplicaLagSeconds: 300 });
  });

  const cases: Refusals = {
    'unknown targetRegistration names the field and value': {
      edit: (d) => (d.spec.ecsServices[0].targetRegistration = 'ecs'),
      want: ['spec.ecsServices[0].targetRegistration: must be "aws" (AWS registers the targets; the reconciler verifies) or "reconciler" (the reconciler registers them), got: "ecs"'],
    },
    'unknown capacity provider names the field and value': {
      edit: (d) => (d.spec.ecsServices[1].active.capacityProvider = 'SPOT'),
      want: ['spec.ecsServices[1].active.capacityProvider: must be one of "FARGATE", "FARGATE_SPOT", got: "SPOT"'],
    },
    'min above max': {
      edit: (d) => (d.spec.autoScalingGroups[0].active.minSize = 5),
      want: [
        'spec.autoScalingGroups[0].active.minSize: must be at most maxSize (3), got: 5',
        'spec.autoScalingGroups[0].active.desiredCapacity: must be between minSize (5) and maxSize (3), got: 1',
      ],
    },
    'on-demand percentage over 100': {
      edit: (d) => (d.spec.autoScalingGroups[1].pilotLight.onDemandPercentage = 150),
      want: ['spec.autoScalingGroups[1].pilotLight.onDemandPercentage: must be at most 100, got: 150'],
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
    'a probe URL that is not a URL (S10)': {
      edit: (d) => ((d.spec as any).failover = { ...(d.spec as any).failover, probeUrl: 'primary.example.com/health' }),
      want: ["spec.failover.probeUrl: must be an http(s) URL of the primary's health endpoint, e.g. https://app.example.com/health, got: \"primary.example.com/health\""],
    },
    'a probe timeout of 0 and a single probe-only reading': {
      edit: (d) => ((d.spec as any).failover = { ...(d.spec as any).failover, probeTimeoutSeconds: 0, probeOnlyReadings: 1 }),
      want: ['spec.failover.probeTimeoutSeconds: must be at least 1, got: 0', 'spec.failover.probeOnlyReadings: must be at least 2, got: 1'],
    },
    'a bad region': {
      edit: (d) => (d.spec.region = 'uswest2'),
      want: ['spec.region: must be a known AWS region (did you mean "us-west-2"?), got: "uswest2"'],
    },
  };
  refusals(cases);

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
    const invisible: Record<string, { value: string; shown: string }> = {
      'a zero-width space': { value: 'act\u200bive', shown: '"act\\u200bive"' },
      'a no-break space': { value: 'active\u00a0', shown: '"active\\u00a0"' },
      'a byte-order mark': { value: '\ufeffactive', shown: '"\\ufeffactive"' },
      'a right-to-left override': { value: 'active\u202e', shown: '"active\\u202e"' },
      'a newline and a tab': { value: 'active\n\t', shown: '"active\\n\\t"' },
      'a tag character beyond the BMP': { value: 'active\u{e0041}', shown: '"active\\u{e0041}"' },
    };
    for (const [name, c] of Object.entries(invisible)) {
      it(`shows ${name} in the value escaped, so it does not look like a valid mode`, () => {
        expect(() => parseMode(c.value, 'mode parameter /dr/mode')).to.throw(InvalidSpecError, `mode parameter /dr/mode: must be "pilot-light" or "active", got: ${c.shown}`);
      });
    }
    it('cuts a long value and says how long it was', () => {
      const err = catchInvalid(() => parseMode('a'.repeat(10_000), 'm'));
      expect(err.problems).to.deep.equal([`m: must be "pilot-light" or "active", got: "${'a'.repeat(200)}…" (10000 characters)`]);
    });
  });

  describe('the bad-input table of issue 15', () => {
    for (const [name, c] of Object.entries(BAD_INPUTS)) {
      it(`refuses ${name}, naming the field and the value`, () => {
        expect(catchInvalid(() => parseSpec(c.text(), 'spec.json')).problems).to.deep.equal(c.problems('spec.json'));
      });
    }

    describe('through drctl plan --spec FILE: exit 2, the problem on stderr, no AWS call', () => {
      let dir: string;
      before(() => (dir = mkdtempSync(join(tmpdir(), 'pilot-light-spec-'))));
      after(() => rmSync(dir, { recursive: true, force: true }));
      Object.entries(BAD_INPUTS).forEach(([name, c], i) => {
        it(name, async () => {
          const file = join(dir, `bad-${i}.json`);
          writeFileSync(file, c.text());
          const err: string[] = [];
          const out: string[] = [];
          const portRegions: string[] = [];
          const io: Io = {
            out: (t) => out.push(t),
            err: (t) => err.push(t),
            tty: false,
            env: {},
            // Any AWS port at all would be a read before the refusal: the refusal comes first.
            port: (region) => {
              portRegions.push(region);
              throw new Error('drctl made an AWS port for an invalid spec');
            },
            sleep: async () => undefined,
          };
          expect(await main(['plan', '--spec', file, '--mode', 'active'], io)).to.equal(2);
          expect(portRegions).to.deep.equal([]);
          expect(out).to.deep.equal([]);
          expect(err.join('\n')).to.equal(`drctl: invalid input: no changes made.\n${c.problems(file).map((p) => `  - ${p}`).join('\n')}`);
        });
      });
    });
  });

  describe('bounds: AWS limits or documented conservative ones', () => {
    const bad: Refusals = {
      'ASG minSize above 10000': { edit: (d) => (d.spec.autoScalingGroups[0].pilotLight.minSize = 10_001), want: ['spec.autoScalingGroups[0].pilotLight.minSize: must be at most 10000, got: 10001'] },
      'ASG desiredCapacity above 10000': {
        edit: (d) => (d.spec.autoScalingGroups[0].active.desiredCapacity = 10_001),
        want: ['spec.autoScalingGroups[0].active.desiredCapacity: must be at most 10000, got: 10001'],
      },
      'a negative ASG size': { edit: (d) => (d.spec.autoScalingGroups[1].active.minSize = -1), want: ['spec.autoScalingGroups[1].active.minSize: must be at least 0, got: -1'] },
      'a fractional ECS count': { edit: (d) => (d.spec.ecsServices[0].active.desiredCount = 1.5), want: ['spec.ecsServices[0].active.desiredCount: must be a whole number, got: 1.5'] },
      'ECS desiredCount above the 5000 tasks-per-service quota': {
        edit: (d) => (d.spec.ecsServices[0].active.desiredCount = 5001),
        want: ['spec.ecsServices[0].active.desiredCount: must be at most 5000, got: 5001'],
      },
      'port 0': { edit: (d) => (d.spec.ecsServices[0].loadBalancers[0].port = 0), want: ['spec.ecsServices[0].loadBalancers[0].port: must be at least 1, got: 0'] },
      'concurrency 101': { edit: (d) => (d.spec.concurrency = 101), want: ['spec.concurrency: must be at most 100, got: 101'] },
      'leaseSeconds 9': { edit: (d) => (d.spec.leaseSeconds = 9), want: ['spec.leaseSeconds: must be at least 10, got: 9'] },
      'leaseSeconds as a string': { edit: (d) => (d.spec.leaseSeconds = '300'), want: ['spec.leaseSeconds: must be a whole number, got: "300"'] },
      'a drill of 1441 minutes': { edit: (d) => (d.spec.drill.durationMinutes = 1441), want: ['spec.drill.durationMinutes: must be at most 1440, got: 1441'] },
      'a replica lag bound over a day': { edit: (d) => (d.spec.drill.maxReplicaLagSeconds = 86_401), want: ['spec.drill.maxReplicaLagSeconds: must be at most 86400, got: 86401'] },
      'unhealthyReadings 0': { edit: (d) => (d.spec.failover.unhealthyReadings = 0), want: ['spec.failover.unhealthyReadings: must be at least 1, got: 0'] },
      'minIntervalMinutes over 100000': { edit: (d) => (d.spec.failover.minIntervalMinutes = 100_001), want: ['spec.failover.minIntervalMinutes: must be at most 100000, got: 100001'] },
      'an ASG name with a colon': {
        edit: (d) => (d.spec.autoScalingGroups[0].name = 'dr:jenkins'),
        want: ['spec.autoScalingGroups[0].name: must be 1 to 255 ASCII characters 33 to 126 other than ":" (the Auto Scaling group name rules: no spaces, no colon), got: "dr:jenkins"'],
      },
      'an ASG name of 256 characters': {
        edit: (d) => (d.spec.autoScalingGroups[0].name = 'a'.repeat(256)),
        want: [`spec.autoScalingGroups[0].name: must be 1 to 255 ASCII characters 33 to 126 other than ":" (the Auto Scaling group name rules: no spaces, no colon), got: "${'a'.repeat(200)}…" (256 characters)`],
      },
      'an ECS service ARN instead of a name': {
        edit: (d) => (d.spec.ecsServices[0].name = 'arn:aws:ecs:us-west-2:123456789012:service/dr/frontend'),
        want: ['spec.ecsServices[0].name: must be 1 to 255 letters, digits, hyphens and underscores (the ECS cluster and service name rules), got: "arn:aws:ecs:us-west-2:123456789012:service/dr/frontend"'],
      },
      'a replica identifier ending in a hyphen': {
        edit: (d) => (d.spec.database.replicaIdentifier = 'app-replica-'),
        want: [
          'spec.database.replicaIdentifier: must be 1 to 63 letters, digits and hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end (the RDS DB instance identifier rules), got: "app-replica-"',
        ],
      },
      'a replica identifier of 64 characters': {
        edit: (d) => (d.spec.database.replicaIdentifier = 'a'.repeat(64)),
        want: [
          `spec.database.replicaIdentifier: must be 1 to 63 letters, digits and hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end (the RDS DB instance identifier rules), got: "${'a'.repeat(64)}"`,
        ],
      },
      'a mode parameter under the reserved /aws prefix': {
        edit: (d) => (d.spec.modeParameter = '/aws/dr/mode'),
        want: [
          'spec.modeParameter: must be a fully qualified SSM parameter name: "/" then at most 15 levels of letters, digits, "_", "." and "-", at most 900 characters, not starting with /aws or /ssm (the SSM parameter name rules), got: "/aws/dr/mode"',
        ],
      },
      'a mode parameter 16 levels deep': {
        edit: (d) => (d.spec.modeParameter = '/a'.repeat(16)),
        want: [
          `spec.modeParameter: must be a fully qualified SSM parameter name: "/" then at most 15 levels of letters, digits, "_", "." and "-", at most 900 characters, not starting with /aws or /ssm (the SSM parameter name rules), got: "${'/a'.repeat(16)}"`,
        ],
      },
      'a state table of 2 characters': {
        edit: (d) => (d.spec.stateTable = 'dr'),
        want: ['spec.stateTable: must be 3 to 255 letters, digits, underscores, hyphens and dots (the DynamoDB table name rules), got: "dr"'],
      },
      'a FIFO notification topic': {
        edit: (d) => (d.spec.notificationTopicArn = 'arn:aws:sns:us-west-2:123456789012:dr.fifo'),
        want: [
          'spec.notificationTopicArn: must be the ARN of a standard SNS topic, arn:<partition>:sns:<region>:<12-digit account>:<name of 1 to 256 letters, digits, hyphens and underscores>, got: "arn:aws:sns:us-west-2:123456789012:dr.fifo"',
        ],
      },
      'a notification topic in another region': {
        edit: (d) => (d.spec.notificationTopicArn = 'arn:aws:sns:us-east-1:123456789012:dr-dr-notifications'),
        want: ['spec.notificationTopicArn: must be in the DR region "us-west-2" (spec.region), got: "arn:aws:sns:us-east-1:123456789012:dr-dr-notifications"'],
      },
      'a target group ARN of another service': {
        edit: (d) => (d.spec.autoScalingGroups[0].targetGroupArns = ['arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/dr/0123456789abcdef']),
        want: [
          'spec.autoScalingGroups[0].targetGroupArns[0]: must be a target group ARN, arn:<partition>:elasticloadbalancing:<region>:<12-digit account>:targetgroup/<name of 1 to 32 letters, digits and inner hyphens>/<16 hex digits>, got: "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/dr/0123456789abcdef"',
        ],
      },
      'a target group ARN of the wrong partition for the region': {
        edit: (d) => {
          d.spec.region = 'cn-north-1';
          d.spec.primaryRegion = 'cn-northwest-1';
          delete d.spec.notificationTopicArn;
          d.spec.autoScalingGroups = [{ ...d.spec.autoScalingGroups[0], targetGroupArns: ['arn:aws:elasticloadbalancing:cn-north-1:123456789012:targetgroup/dr-jenkins/0123456789abcdef'] }];
          d.spec.ecsServices = [];
        },
        want: ['spec.autoScalingGroups[0].targetGroupArns[0]: must be in partition "aws-cn" (that of cn-north-1), got: "arn:aws:elasticloadbalancing:cn-north-1:123456789012:targetgroup/dr-jenkins/0123456789abcdef"'],
      },
      'more than 5 target groups for one service (the ECS limit)': {
        edit: (d) => (d.spec.ecsServices[0].loadBalancers = Array.from({ length: 6 }, (_, i) => ({ targetGroupArn: `arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/tg-${i}/0123456789abcdef`, port: 80 }))),
        want: ['spec.ecsServices[0].loadBalancers: must have at most 5 items, got: 6 items'],
      },
      'a primary region equal to the DR region': { edit: (d) => (d.spec.primaryRegion = 'us-west-2'), want: ['spec.primaryRegion: must differ from spec.region, got: "us-west-2"'] },
      'a far-off region: no suggestion': { edit: (d) => (d.spec.primaryRegion = 'mars-north-1'), want: ['spec.primaryRegion: must be a known AWS region, got: "mars-north-1"'] },
      'an alarm name with a zero-width space': {
        edit: (d) => (d.spec.failover.alarmName = 'dr-primary\u200b-health'),
        want: ['spec.failover.alarmName: must be 1 to 255 visible characters: no control, zero-width or other invisible characters (the CloudWatch alarm name rules), got: "dr-primary\\u200b-health"'],
      },
      'a health check id with a space': {
        edit: (d) => (d.spec.failover.healthCheckId = 'hc 1'),
        want: ['spec.failover.healthCheckId: must be a Route 53 health check id: 1 to 64 letters, digits and hyphens, got: "hc 1"'],
      },
      'a label key with a zero-width space': { edit: (d) => (d.metadata.labels = { 'te\u200bam': 'platform' }), want: ['metadata.labels: must be a label key of 1 to 128 visible characters, got: key "te\\u200bam"'] },
      'a label value with a control character': { edit: (d) => (d.metadata.labels = { team: 'plat\u001bform' }), want: ['metadata.labels.team: must be a label value of at most 256 visible characters, got: "plat\\u001bform"'] },
      'more than 50 labels': {
        edit: (d) => (d.metadata.labels = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']))),
        want: ['metadata.labels: must have at most 50 entries, got: 51 entries'],
      },
      'an unknown field with a 10 000-character name': {
        edit: (d) => (d.spec['x'.repeat(10_000)] = 1),
        want: [`spec.${'x'.repeat(200)}…: unknown field`],
      },
    };
    refusals(bad);

    it('accepts every value at its bounds', () => {
      const d = good();
      d.metadata.name = 'a'.repeat(32);
      d.metadata.labels = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i === 0 ? 'k'.repeat(128) : `k${i}`, i === 0 ? 'v'.repeat(256) : 'Platform team: Zoë & Łukasz ✓']));
      d.spec.concurrency = 32;
      d.spec.leaseSeconds = 10;
      d.spec.modeParameter = `${'/a'.repeat(14)}/${'b'.repeat(870)}`;
      d.spec.stateTable = 'a.b';
      d.spec.database.replicaIdentifier = `A${'-b'.repeat(31)}`;
      d.spec.autoScalingGroups[0].name = '!'.repeat(100) + 'dr-jenkins' + '~'.repeat(145);
      d.spec.autoScalingGroups[0].active = { minSize: 0, maxSize: 10_000, desiredCapacity: 10_000, onDemandPercentage: 100 };
      d.spec.autoScalingGroups[1].pilotLight = { minSize: 0, maxSize: 0, desiredCapacity: 0, onDemandPercentage: 0 };
      d.spec.ecsServices[0].cluster = `${'C_-'.repeat(85)}`;
      d.spec.ecsServices[0].name = 'x'.repeat(255);
      d.spec.ecsServices[0].active.desiredCount = 5000;
      d.spec.ecsServices[0].loadBalancers = [1, 65_535, 80, 443, 8080].map((port, i) => ({
        targetGroupArn: `arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/${i === 0 ? 'a'.repeat(32) : `t${i}`}/0123456789abcdef`,
        port,
      }));
      d.spec.failover = { alarmName: 'Primär ALB — HealthCheckStatus '.padEnd(255, 'x'), alarmRegion: 'us-gov-west-1', healthCheckId: 'f'.repeat(64), unhealthyReadings: 100, minIntervalMinutes: 0 };
      d.spec.drill = { durationMinutes: 1440, maxReplicaLagSeconds: 0 };
      expect(problems(d)).to.deep.equal([]);
      d.spec.leaseSeconds = 3600;
      d.spec.drill = { durationMinutes: 1, maxReplicaLagSeconds: 86_400 };
      d.spec.failover = { unhealthyReadings: 1, minIntervalMinutes: 100_000 };
      expect(problems(d)).to.deep.equal([]);
    });

    it('accepts a China-region environment with aws-cn ARNs', () => {
      const d = good();
      const cn = (arn: string) => arn.replace('arn:aws:', 'arn:aws-cn:').replace(':us-west-2:', ':cn-north-1:');
      d.spec.region = 'cn-north-1';
      d.spec.primaryRegion = 'cn-northwest-1';
      d.spec.notificationTopicArn = cn(d.spec.notificationTopicArn);
      d.spec.autoScalingGroups.forEach((a) => (a.targetGroupArns = a.targetGroupArns.map(cn)));
      d.spec.ecsServices.forEach((s) => (s.loadBalancers = (s.loadBalancers ?? []).map((lb: { targetGroupArn: string }) => ({ ...lb, targetGroupArn: cn(lb.targetGroupArn) }))));
      d.spec.failover.alarmRegion = 'cn-north-1';
      expect(problems(d)).to.deep.equal([]);
    });

    it('the drill bound shared with drctl and the handler is the schema\'s', () => {
      const d = good();
      d.spec.drill.durationMinutes = MAX_DRILL_MINUTES;
      expect(problems(d)).to.deep.equal([]);
      d.spec.drill.durationMinutes = MAX_DRILL_MINUTES + 1;
      expect(problems(d)).to.deep.equal([`spec.drill.durationMinutes: must be at most ${MAX_DRILL_MINUTES}, got: ${MAX_DRILL_MINUTES + 1}`]);
    });

    it('every known region is one the AWS SDK knows, in its partition data', () => {
      // The schema's list is ours; the SDK's partition data (via @aws-sdk/util-endpoints) is AWS's.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { partition } = require('@aws-sdk/util-endpoints') as { partition: (r: string) => { description?: string } };
      expect(KNOWN_REGIONS.filter((r) => partition(r).description === undefined)).to.deep.equal([]);
      expect(new Set(KNOWN_REGIONS).size).to.equal(KNOWN_REGIONS.length);
    });
  });

  describe('document size and depth, checked before parsing', () => {
    it(`accepts a document of exactly ${MAX_DOCUMENT_BYTES} bytes and refuses one byte more`, () => {
      const text = docsExampleText();
      const padded = text + ' '.repeat(MAX_DOCUMENT_BYTES - Buffer.byteLength(text));
      expect(parseSpec(padded, 'f').metadata.name).to.equal('dr');
      expect(catchInvalid(() => parseSpec(padded + ' ', 'f')).problems).to.deep.equal([`f: must be at most ${MAX_DOCUMENT_BYTES} bytes, got: ${MAX_DOCUMENT_BYTES + 1} bytes`]);
    });
    it('counts bytes, not characters', () => {
      const text = docsExampleText().replace('"platform"', `"${'é'.repeat(40_000)}"`);
      expect(catchInvalid(() => parseSpec(text, 'f')).problems[0]).to.match(/^f: must be at most 65536 bytes, got: \d+ bytes$/);
    });
    it(`nesting: ${MAX_DOCUMENT_DEPTH} levels pass the depth check, ${MAX_DOCUMENT_DEPTH + 1} do not`, () => {
      expect(excessiveNesting('['.repeat(MAX_DOCUMENT_DEPTH) + ']'.repeat(MAX_DOCUMENT_DEPTH), MAX_DOCUMENT_DEPTH)).to.equal(undefined);
      expect(excessiveNesting('{"a":'.repeat(MAX_DOCUMENT_DEPTH + 1), MAX_DOCUMENT_DEPTH)).to.equal(MAX_DOCUMENT_DEPTH * 5);
    });
    it('brackets inside strings, escaped quotes included, do not count', () => {
      expect(excessiveNesting(`{"a": "${'[{'.repeat(100)}\\"${'['.repeat(100)}"}`, 2)).to.equal(undefined);
      // `{"a\\": [[1]]}`: the escaped backslash ends the key; the second `[` (character 9) is level 3.
      expect(excessiveNesting('{"a\\\\": [[1]]}', 2)).to.equal(9);
    });
    it('a 30 000-deep array (within the size limit) is refused with a clean message, not a stack overflow', () => {
      const err = catchInvalid(() => parseSpec('['.repeat(30_000) + ']'.repeat(30_000), 'deep.json'));
      expect(err.problems).to.deep.equal([`deep.json: must nest at most ${MAX_DOCUMENT_DEPTH} objects and arrays deep, got: deeper at character ${MAX_DOCUMENT_DEPTH}`]);
    });
    it('validateSpec on an already parsed, 10 000-deep object still gives an InvalidSpecError', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 10_000; i++) deep = { a: deep };
      const d = good();
      (d.spec as Record<string, unknown>).extra = deep;
      expect(problems(d)).to.deep.equal(['spec.extra: unknown field']);
      delete (d.spec as Record<string, unknown>).extra;
      d.spec.concurrency = deep;
      expect(problems(d)).to.deep.equal(['spec.concurrency: must be a whole number, got: [object Object]']);
    });
  });

  describe('every InvalidSpecError message', () => {
    it('escapes invisible characters whoever wrote the problem', () => {
      const err = new InvalidSpecError(['--spec: cannot read "a\u200bb.json" (ENOENT)', 'x\r\ny']);
      expect(err.problems).to.deep.equal(['--spec: cannot read "a\\u200bb.json" (ENOENT)', 'x\\u000d\\u000ay']);
      expect(err.message).to.equal('invalid spec: --spec: cannot read "a\\u200bb.json" (ENOENT); x\\u000d\\u000ay');
    });
    it(`lists at most ${MAX_PROBLEMS} problems and says how many more there were`, () => {
      const d = good();
      d.spec.autoScalingGroups = Array.from({ length: 80 }, (_, i) => ({ ...d.spec.autoScalingGroups[0], name: `g${i}`, targetGroupArns: [], active: { minSize: 0, maxSize: 1e30, desiredCapacity: 0, onDemandPercentage: 0 } }));
      const got = problems(d);
      expect(got).to.have.length(MAX_PROBLEMS + 1);
      expect(got[MAX_PROBLEMS]).to.equal('and 30 more problems');
    });
  });

  it('the fixtures environment is valid', () => expect(sampleEnvironment().metadata.name).to.equal('dr'));
});
