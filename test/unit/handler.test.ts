import { expect } from 'chai';
import sinon from 'sinon';
import * as aws from '../../reconciler/aws';
import { handler, readEvent, triggerOf } from '../../reconciler/handler';
import { BAD_INPUTS } from '../support/bad-inputs';
import { FakePort } from '../support/fake-port';

const SPEC_PARAMETER = '/dr/spec';

describe('handler triggerOf', () => {
  const cases: Record<string, { event: unknown; want: unknown }> = {
    'the runbook manual invoke {}': { event: {}, want: { kind: 'manual' } },
    'no event': { event: undefined, want: { kind: 'manual' } },
    'Parameter Store Change': {
      event: { source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name: '/dr/mode', operation: 'Update' } },
      want: { kind: 'parameter-change' },
    },
    'periodic resync': { event: { source: 'aws.events', 'detail-type': 'Scheduled Event' }, want: { kind: 'resync' } },
    'another EventBridge event (an ECS task state change)': { event: { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: {} }, want: { kind: 'manual' } },
    'monthly drill rule input': {
      event: { source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 },
      want: { kind: 'start-drill', durationMinutes: 60, startedBy: 'schedule' },
    },
    'drill input without a duration: the spec default': {
      event: { source: 'pilot-light.drill', action: 'start-drill' },
      want: { kind: 'start-drill', startedBy: 'schedule' },
    },
    'drill input with a bad duration falls back to the spec default': {
      event: { source: 'pilot-light.drill', action: 'start-drill', durationMinutes: -5 },
      want: { kind: 'start-drill', durationMinutes: undefined, startedBy: 'schedule' },
    },
    'a batch from the requeue queue (a follow-up and a forwarded ECS event) is one pass': {
      event: {
        Records: [
          { eventSource: 'aws:sqs', body: '{"source":"pilot-light.requeue","dueAt":"2026-12-01T10:00:00Z"}' },
          { eventSource: 'aws:sqs', body: '{"source":"aws.ecs","detail-type":"ECS Task State Change"}' },
        ],
      },
      want: { kind: 'requeue' },
    },
    'SNS alarm message': {
      event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ AlarmName: 'dr-primary-health', NewStateValue: 'ALARM' }) } }] },
      want: { kind: 'alarm', alarmName: 'dr-primary-health' },
    },
    'SNS message that is not JSON': {
      event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: 'hello' } }] },
      want: { kind: 'alarm', alarmName: undefined },
    },
    'SNS record after a null record': {
      event: { Records: [null, { EventSource: 'aws:sns', Sns: { Message: '{"AlarmName":"dr-primary-health"}' } }] },
      want: { kind: 'alarm', alarmName: 'dr-primary-health' },
    },
    'SNS message whose AlarmName is not a string': {
      event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: '{"AlarmName":{"x":1}}' } }] },
      want: { kind: 'alarm', alarmName: undefined },
    },
    'SNS record whose Message is not a string': { event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: 42 } }] }, want: { kind: 'alarm', alarmName: undefined } },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      expect(triggerOf(c.event)).to.deep.equal(c.want);
      expect(readEvent(c.event).trigger).to.deep.equal(c.want);
    });
  }
});

describe('handler readEvent: malformed events never throw, and say what was wrong', () => {
  const KNOWN =
    '{} (a manual pass), an EventBridge "Parameter Store Change" or "Scheduled Event", the drill rule\'s {"source":"pilot-light.drill","action":"start-drill"}, an SNS alarm notification, or a batch from the requeue queue';
  const unknown = (got: string) => `event: not a shape this handler knows, a plain pass runs instead (expected ${KNOWN}), got: ${got}`;
  const cases: Record<string, { event: unknown; trigger: unknown; notes: string[] }> = {
    'Records that is not a list': { event: { Records: 'x' }, trigger: { kind: 'manual' }, notes: [unknown('{"Records":"x"}')] },
    'Records holding only null': { event: { Records: [null] }, trigger: { kind: 'manual' }, notes: [unknown('{"Records":[null]}')] },
    'Records of neither SNS nor SQS': { event: { Records: [{ eventSource: 'aws:kinesis', body: '{}' }] }, trigger: { kind: 'manual' }, notes: [unknown('{"Records":[{"eventSource":"aws:kinesis","body":"{}"}]}')] },
    'an SNS record whose Sns is null': { event: { Records: [{ EventSource: 'aws:sns', Sns: null }] }, trigger: { kind: 'alarm', alarmName: undefined }, notes: [] },
    'a list': { event: [1, 2], trigger: { kind: 'manual' }, notes: [unknown('[1,2]')] },
    'a string': { event: 'active', trigger: { kind: 'manual' }, notes: [unknown('"active"')] },
    'a number': { event: 7, trigger: { kind: 'manual' }, notes: [unknown('7')] },
    'an object of no known shape': { event: { mode: 'active' }, trigger: { kind: 'manual' }, notes: [unknown('{"mode":"active"}')] },
    'an unknown drill action': { event: { source: 'pilot-light.drill', action: 'stop-drill' }, trigger: { kind: 'manual' }, notes: [unknown('{"source":"pilot-light.drill","action":"stop-drill"}')] },
    'invisible characters in an unknown event are shown escaped': { event: { 'mo\u200bde': 'x' }, trigger: { kind: 'manual' }, notes: [unknown('{"mo\\u200bde":"x"}')] },
    'a long unknown event is cut': { event: { x: 'y'.repeat(1000) }, trigger: { kind: 'manual' }, notes: [unknown(`{"x":"${'y'.repeat(194)}… (1008 characters)`)] },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(readEvent(c.event)).to.deep.equal({ trigger: c.trigger, notes: c.notes }));
  }

  const drill = (durationMinutes: unknown) => ({ source: 'pilot-light.drill', action: 'start-drill', durationMinutes });
  const replaced = (got: string) => [`drill event durationMinutes: must be a whole number from 1 to 1440, got: ${got}; the drill runs for the spec's drill.durationMinutes instead`];
  const durations: Record<string, { value: unknown; want: number | undefined; notes: string[] }> = {
    '1 (the lower bound)': { value: 1, want: 1, notes: [] },
    '1440 (the upper bound, as drctl)': { value: 1440, want: 1440, notes: [] },
    '1441': { value: 1441, want: undefined, notes: replaced('1441') },
    '1e9 (a drill ending in the year 3928)': { value: 1e9, want: undefined, notes: replaced('1000000000') },
    '0': { value: 0, want: undefined, notes: replaced('0') },
    '-5': { value: -5, want: undefined, notes: replaced('-5') },
    '1.5': { value: 1.5, want: undefined, notes: replaced('1.5') },
    'a string "60"': { value: '60', want: undefined, notes: replaced('"60"') },
    'null': { value: null, want: undefined, notes: replaced('null') },
  };
  for (const [name, c] of Object.entries(durations)) {
    it(`drill durationMinutes ${name}`, () => {
      expect(readEvent(drill(c.value))).to.deep.equal({ trigger: { kind: 'start-drill', durationMinutes: c.want, startedBy: 'schedule' }, notes: c.notes });
    });
  }
});

describe('handler: an invalid spec document is InvalidSpec with no writes', () => {
  const sandbox = sinon.createSandbox();
  const saved = { region: process.env.AWS_REGION, parameter: process.env.DR_SPEC_PARAMETER };
  // One fake for the block: the handler keeps the port it made for a region for the container's life.
  const port = new FakePort();

  before(() => {
    sandbox.stub(aws, 'createAwsPort').returns(port);
    // A region no other test uses, so the port the handler keeps for it is this fake.
    process.env.AWS_REGION = 'ap-southeast-7';
    process.env.DR_SPEC_PARAMETER = SPEC_PARAMETER;
  });
  after(() => {
    sandbox.restore();
    for (const [key, value] of [['AWS_REGION', saved.region], ['DR_SPEC_PARAMETER', saved.parameter]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  for (const [name, c] of Object.entries(BAD_INPUTS)) {
    it(name, async () => {
      port.calls.length = 0;
      port.world.params.set(SPEC_PARAMETER, { value: c.text(), version: 1, lastModified: new Date() });
      const r = await handler({ Records: [null] });
      expect(r).to.deep.include({ outcome: 'InvalidSpec' });
      expect(r.notes[0]).to.match(/^event: not a shape this handler knows/);
      expect(r.notes.slice(1)).to.deep.equal(c.problems(`spec parameter ${SPEC_PARAMETER}`));
      // Reading the document, then at most telling the topic it names: nothing else, no resource write.
      expect(port.calls.map((x) => x.method).filter((m) => m !== 'publish')).to.deep.equal(['getParameterValue']);
      expect(port.resourceWrites()).to.deep.equal([]);
    });
  }

  it('publishes the problems, escaped, to the topic the invalid document names', async () => {
    port.calls.length = 0;
    port.world.published.length = 0;
    port.world.params.set(SPEC_PARAMETER, { value: BAD_INPUTS['an ASG name with a zero-width space'].text(), version: 1, lastModified: new Date() });
    await handler({});
    expect(port.world.published).to.have.length(1);
    expect(port.world.published[0].topicArn).to.equal('arn:aws:sns:us-west-2:123456789012:dr-dr-notifications');
    expect(port.world.published[0].message).to.contain('got: "dr-jen\\u200bkins"').and.not.contain('\u200b');
  });
});
