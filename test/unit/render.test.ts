import { expect } from 'chai';
import type { Plan } from '../../reconciler/plan';
import { paint, renderDrills, renderPlan } from '../../reconciler/render';
import { tgArn } from '../support/fixtures';

describe('render', () => {
  const plan: Plan = {
    actions: [{ kind: 'DeregisterTargets', resource: 'tg/jenkins', targetGroupArn: tgArn('jenkins'), targets: [{ id: 'i-0123456789abcdef0' }] }],
    resources: [{ resource: 'tg/jenkins', kind: 'targetGroup', desired: '0 targets of asg/dr-jenkins', observed: '1 registered, 1 healthy', inSync: false, ready: false, waitingFor: 'a very long explanation '.repeat(10) }],
    failbackRequired: false,
  };
  const p = paint(false);
  it('names target groups, not their ARNs, and fits 100 columns', () => {
    const out = renderPlan('pilot-light', 3, plan, p);
    expect(out).to.contain('targetgroup/jenkins');
    expect(out).to.not.contain('arn:aws:elasticloadbalancing');
    expect(Math.max(...out.split('\n').map((l) => l.length))).to.be.at.most(100);
  });
  it('--wide keeps the full ARN; a narrower terminal gets narrower tables', () => {
    expect(renderPlan('pilot-light', 3, plan, p, { wide: true })).to.contain(tgArn('jenkins'));
    const width = (text: string) => Math.max(...text.split('\n').map((l) => l.length));
    // Narrower, down to what whole words allow (an id or a timestamp is not broken).
    expect(width(renderPlan('pilot-light', 3, plan, p, { columns: 72 }))).to.be.below(width(renderPlan('pilot-light', 3, plan, p)));
  });
  it('the drill table fits 100 columns: times to the minute, ids whole', () => {
    const d = { id: 'drill-20261201T102650', startedAt: '2026-12-01T10:26:50.957Z', expiresAt: '2026-12-01T11:26:50.957Z', durationMinutes: 60, modeVersion: 2, startedBy: 'schedule' };
    const out = renderDrills({ drillHistory: [{ ...d, endedAt: '2026-12-01T11:26:51.100Z', outcome: 'Passed', outcomeReason: 'converged in 0.6s; replica verified', convergenceSeconds: 0.6 }], drill: d }, p);
    expect(Math.max(...out.split('\n').map((l) => l.length))).to.be.at.most(100);
    expect(out).to.contain('drill-20261201T102650');
    expect(out).to.contain('2026-12-01T10:26Z');
  });
});
