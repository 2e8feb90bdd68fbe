/**
 * drctl as a real process, killed the ways operators kill it (S11): Ctrl-C and SIGTERM mid-pass give the lease
 * back before exiting; a closed pipe (`drctl reconcile | head`) does not kill the pass; SIGKILL leaves the lease,
 * which then blocks the next pass for at most DRCTL_LEASE_SECONDS. The proxy holds one write unanswered so the
 * pass is surely mid-way when the signal arrives.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsPort } from '../../reconciler/aws';
import { DRCTL_LEASE_SECONDS } from '../../reconciler/cli';
import type { AwsPort } from '../../reconciler/port';
import { reconcileOnce } from '../../reconciler/reconcile';
import type { DrEnvironment } from '../../reconciler/spec';
import { getEmulator } from '../support/emulator';
import { startProxy, type Proxy } from '../support/proxy';
import { seedPilotLight } from '../support/seed';

const CLI = join(__dirname, '..', '..', 'reconciler', 'cli.js');

describe('drctl killed mid-pass (S11)', function () {
  this.timeout(120_000);
  let proxy: Proxy;
  let endpoint: string;
  let env: DrEnvironment;
  let port: AwsPort;
  let specFile: string;

  const run = (args: string[], stdio: 'pipe' | 'ignore' = 'pipe'): ChildProcess =>
    spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: '1', NO_COLOR: '1' }, stdio: ['ignore', stdio, 'pipe'] });
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  /** Resolves once the proxy has seen a call matching `action` (bounded: the child gives up on its own). */
  const seen = async (action: string, child: ChildProcess) => {
    for (let i = 0; i < 600 && !proxy.calls.some((c) => c.action === action); i++) {
      if (child.exitCode !== null) throw new Error(`drctl exited (${child.exitCode}) before ${action}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(proxy.calls.map((c) => c.action)).to.include(action);
  };

  before(async () => {
    const emulator = await getEmulator();
    endpoint = emulator.endpoint;
    proxy = await startProxy(endpoint);
  });
  after(async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    await proxy?.close();
  });
  beforeEach(async () => {
    await (await getEmulator()).reset();
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    env = (await seedPilotLight()).spec;
    port = createAwsPort({ region: env.spec.region, maxAttempts: 2, retryBaseDelayMs: 5 });
    specFile = join(mkdtempSync(join(tmpdir(), 'drctl-kill-')), 'dr.json');
    writeFileSync(specFile, JSON.stringify(env));
    // The mode was set outside drctl: reconcile would promote, hence --yes.
    await port.putModeParameter(env.spec.modeParameter, 'active');
    proxy.clear();
    proxy.faults.length = 0;
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-pass: drctl gives the lease back and exits ${code}; the next pass acts at once`, async () => {
      proxy.faults.push({ match: (c) => c.action === 'UpdateAutoScalingGroup', hang: true, times: 1 });
      const child = run(['reconcile', '--yes', '--spec', specFile]);
      await seen('UpdateAutoScalingGroup', child);
      expect(await port.readLease(env.spec.stateTable)).to.not.equal(undefined);
      child.kill(signal);
      expect(await exited(child)).to.equal(code);
      expect(await port.readLease(env.spec.stateTable)).to.equal(undefined);
      const next = await reconcileOnce(port, env, { trigger: { kind: 'manual' }, minBackoffMs: 5 });
      expect(next.outcome).to.not.equal('Locked');
    });
  }

  it('a closed pipe (drctl reconcile | head -0): the pass finishes and gives the lease back', async () => {
    const child = run(['reconcile', '--yes', '--spec', specFile]);
    child.stdout!.destroy();
    expect(await exited(child)).to.be.oneOf([0, 3]);
    expect(await port.readLease(env.spec.stateTable)).to.equal(undefined);
    expect((await port.describeAsgs(['dr-jenkins']))[0].desiredCapacity).to.equal(1);
  });

  it(`SIGKILL mid-pass: the lease it leaves blocks the next pass for at most ${DRCTL_LEASE_SECONDS} s`, async () => {
    proxy.faults.push({ match: (c) => c.action === 'UpdateAutoScalingGroup', hang: true, times: 1 });
    const child = run(['reconcile', '--yes', '--spec', specFile]);
    await seen('UpdateAutoScalingGroup', child);
    child.kill('SIGKILL');
    await exited(child);
    const held = await port.readLease(env.spec.stateTable);
    expect(held?.holder).to.match(/^drctl-/);
    const leftMs = held!.expiresAt.getTime() - Date.now();
    expect(leftMs).to.be.at.most(DRCTL_LEASE_SECONDS * 1000);
    const locked = await reconcileOnce(port, env, { trigger: { kind: 'manual' }, minBackoffMs: 5 });
    expect(locked.outcome).to.equal('Locked');
    expect(locked.notes[0]).to.match(/^drctl-.* holds the lease until /);
    // The bound, not a wait: a pass whose clock is past the lease's end takes over.
    const later = await reconcileOnce(port, env, { trigger: { kind: 'manual' }, minBackoffMs: 5, now: () => new Date(held!.expiresAt.getTime() + 1000) });
    expect(later.outcome).to.not.equal('Locked');
  });
});
