import { expect } from 'chai';
import type { Plan } from '../../reconciler/plan';
import { paint, renderPlan } from '../../reconciler/render';
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
});
