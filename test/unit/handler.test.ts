import { expect } from 'chai';
import { triggerOf } from '../../reconciler/handler';

describe('handler triggerOf', () => {
  const cases: Record<string, { event: unknown; want: unknown }> = {
    'the runbook manual invoke {}': { event: {}, want: { kind: 'manual' } },
    'no event': { event: undefined, want: { kind: 'manual' } },
    'Parameter Store Change': {
      event: { source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name: '/dr/mode', operation: 'Update' } },
      want: { kind: 'parameter-change' },
    },
    'periodic resync': { event: { source: 'aws.events', 'detail-type': 'Scheduled Event' }, want: { kind: 'resync' } },
    'monthly drill rule input': {
      event: { source: 'pilot-light.drill', action: 'start-drill', durationMinutes: 60 },
      want: { kind: 'start-drill', durationMinutes: 60, startedBy: 'schedule' },
    },
    'drill input with a bad duration falls back to the spec default': {
      event: { source: 'pilot-light.drill', action: 'start-drill', durationMinutes: -5 },
      want: { kind: 'start-drill', durationMinutes: undefined, startedBy: 'schedule' },
    },
    'SNS alarm message': {
      event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ AlarmName: 'dr-primary-health', NewStateValue: 'ALARM' }) } }] },
      want: { kind: 'alarm', alarmName: 'dr-primary-health' },
    },
    'SNS message that is not JSON': {
      event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: 'hello' } }] },
      want: { kind: 'alarm', alarmName: undefined },
    },
  };
  for (const [name, c] of Object.entries(cases)) it(name, () => expect(triggerOf(c.event as never)).to.deep.equal(c.want));
});
