import { expect } from 'chai';
import sinon from 'sinon';
import { act, API_BURST } from '../../reconciler/act';
import { PortError } from '../../reconciler/errors';
import type { Action } from '../../reconciler/plan';
import { FakePort } from '../support/fake-port';
import { tgArn } from '../support/fixtures';

const scale = (name: string): Action => ({ kind: 'UpdateAsg', resource: `asg/${name}`, name, minSize: 1, maxSize: 3, desiredCapacity: 1 });

describe('act', () => {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  /** Stubs updateAsg with a call of `ms` that records how many were in flight as each started; `fail` may throw after. */
  const inFlightOf = (port: FakePort, ms: number, fail: () => void = () => undefined): number[] => {
    let inFlight = 0;
    const seen: number[] = [];
    sandbox.stub(port, 'updateAsg').callsFake(async () => {
      seen.push(++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      fail();
    });
    return seen;
  };

  it('runs independent actions in parallel, never more than the bound', async () => {
    const port = new FakePort();
    const seen = inFlightOf(port, 10);
    const results = await act(port, ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(scale), { concurrency: 3 });
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(Math.max(...seen)).to.equal(3);
  });

  it('holds each kind to its AWS API burst under the overall bound (UpdateAsg: 20 of 50)', async () => {
    const port = new FakePort();
    const seen = inFlightOf(port, 5);
    const names = Array.from({ length: 60 }, (_, i) => `g${i}`);
    const results = await act(port, names.map(scale), { concurrency: 50 });
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(Math.max(...seen)).to.equal(API_BURST.UpdateAsg);
  });

  it("halves a kind's bound when AWS throttles it, and grows it back by one per success", async () => {
    const port = new FakePort();
    let throttles = 8;
    const seen = inFlightOf(port, 5, () => {
      if (throttles-- > 0) throw new PortError('autoscaling UpdateAutoScalingGroup: Rate exceeded', { code: 'Throttling', retryable: true });
    });
    const names = Array.from({ length: 40 }, (_, i) => `g${i}`);
    const results = await act(port, names.map(scale), { concurrency: 50, minBackoffMs: 1, retries: 3 });
    expect(results.every((r) => r.ok), 'each throttled action succeeded on a retry').to.equal(true);
    expect(Math.max(...seen.slice(0, 20))).to.equal(20);
    // After the throttled first wave the kind ran far fewer at once than its burst.
    expect(Math.max(...seen.slice(25, 32))).to.be.below(20);
  });

  it('runs the actions of one target group in order: deregister, then register', async () => {
    const port = new FakePort();
    const order: string[] = [];
    sandbox.stub(port, 'deregisterTargets').callsFake(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('deregister');
    });
    sandbox.stub(port, 'registerTargets').callsFake(async () => {
      order.push('register');
    });
    const arn = tgArn('jenkins');
    await act(
      port,
      [
        { kind: 'DeregisterTargets', resource: 'tg/jenkins', targetGroupArn: arn, targets: [{ id: 'i-old' }] },
        { kind: 'RegisterTargets', resource: 'tg/jenkins', targetGroupArn: arn, targets: [{ id: 'i-new' }] },
      ],
      { concurrency: 4 },
    );
    expect(order).to.deep.equal(['deregister', 'register']);
  });

  it('records a failure against its resource and carries on; terminal errors are not retried', async () => {
    const port = new FakePort();
    const stub = sandbox.stub(port, 'updateAsg').callsFake(async (input) => {
      if (input.name === 'bad') throw new PortError('auto scaling group bad: access denied', { code: 'AccessDenied', retryable: false });
    });
    const results = await act(port, [scale('bad'), scale('good')], { concurrency: 1, minBackoffMs: 1 });
    expect(results.map((r) => [r.action.resource, r.ok, r.attempts])).to.deep.equal([
      ['asg/bad', false, 1],
      ['asg/good', true, 1],
    ]);
    expect(results[0].error).to.equal('auto scaling group bad: access denied');
    expect(stub.callCount).to.equal(2);
  });

  it('retries retryable errors a bounded number of times', async () => {
    const port = new FakePort();
    const stub = sandbox.stub(port, 'updateAsg').rejects(new PortError('rate exceeded', { code: 'Throttling', retryable: true }));
    const [r] = await act(port, [scale('x')], { concurrency: 1, retries: 2, minBackoffMs: 1 });
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(3);
    expect(stub.callCount).to.equal(3);
  });

  it('never retries a promotion blindly (S1)', async () => {
    const port = new FakePort();
    const stub = sandbox.stub(port, 'promoteReplica').rejects(new PortError('timeout', { code: 'TimeoutError', retryable: true }));
    const [r] = await act(port, [{ kind: 'PromoteReplica', resource: 'rds/app-replica', identifier: 'app-replica' }], { concurrency: 1, minBackoffMs: 1 });
    expect(r.ok).to.equal(false);
    expect(stub.callCount).to.equal(1);
  });
});
