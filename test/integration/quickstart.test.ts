/**
 * The README quickstart's main job: `npm start` (the built demo) runs the whole walkthrough on the emulator,
 * within its 90-second budget, and leaves no process behind.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
/** The budget the README promises for `npm start` on a 2-core machine. */
const BUDGET_MS = 90_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (README quickstart)', function () {
  this.timeout(BUDGET_MS + 30_000);

  it('walks through failover, failback and a drill, then stops the emulator', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, 'dist', 'scripts', 'demo.js')], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', AWS_ENDPOINT_URL: '', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const elapsed = Date.now() - started;

    expect(code, out).to.equal(0);
    expect(elapsed, `npm start took ${elapsed} ms`).to.be.below(BUDGET_MS);
    expect(out).to.match(/failover: Ready — converged [\d.]+s after the mode was set/);
    expect(out).to.contain('FailbackRequired: True');
    expect(out).to.match(/drill-\d{8}T\d{6} .* Passed/);
    expect(out).to.contain('emulator stopped; no state left behind');
    const pid = Number(/emulator at http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(out)?.[1]);
    expect(pid, 'the demo prints the emulator pid').to.be.greaterThan(0);
    expect(alive(pid), `emulator pid ${pid} still running`).to.equal(false);
  });

  it('on Ctrl-C stops the emulator it started and exits 130', async () => {
    const child = spawn(process.execPath, [join(root, 'dist', 'scripts', 'demo.js'), '--keep'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const pid = await new Promise<number>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /\(pid (\d+)\)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, out).to.equal(130);
    // Even with --keep: an interrupted walkthrough leaves nothing running.
    expect(alive(pid), `emulator pid ${pid} still running`).to.equal(false);
  });
});
