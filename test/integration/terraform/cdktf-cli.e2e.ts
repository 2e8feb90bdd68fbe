/**
 * The real CDKTF CLI's synth, from this checkout: `npm run cdktf -- synth` (cdktf-cli 0.21.0 through npx, a
 * one-time ~430 MB install into npm's npx cache — not a dev dependency, so `npm install` stays small). It must
 * work with the cdktf.json as shipped (no `terraformProviders`, hence no `cdktf get`) and write the same two
 * stacks as `npm run synth`. Slow the first time (the install, ~40 s here), so it is in the e2e suite.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PRIMARY_STACK_NAME, STACK_NAME } from '../../../modules/stack';
import { ROOT, scratchDir } from '../../unit/terraform/synth';

/** Resource addresses of a synthesized stack. */
function addresses(dir: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, unknown>> };
  return Object.entries(json.resource).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`)).sort();
}

describe('cdktf CLI: cdktf synth works from a clean checkout', function () {
  this.timeout(900_000);

  it('synthesizes both stacks, the same as npm run synth', () => {
    const work = scratchDir('cdktf-cli');
    const cliOut = path.join(work, 'cli-out');
    const appOut = path.join(work, 'app-out');
    fs.rmSync(cliOut, { recursive: true, force: true });
    fs.rmSync(appOut, { recursive: true, force: true });
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1' };
    const cli = spawnSync('npm', ['run', '-s', 'cdktf', '--', 'synth', '--output', cliOut], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(cli.status, `${cli.stdout}\n${cli.stderr}`).to.equal(0);
    const app = spawnSync('node', ['dist/main.js'], { cwd: ROOT, env: { ...env, CDKTF_OUTDIR: appOut }, encoding: 'utf8' });
    expect(app.status, app.stderr).to.equal(0);
    for (const stack of [PRIMARY_STACK_NAME, STACK_NAME]) {
      expect(addresses(path.join(cliOut, 'stacks', stack)), stack).to.deep.equal(addresses(path.join(appOut, 'stacks', stack)));
    }
    expect(addresses(path.join(cliOut, 'stacks', STACK_NAME))).to.include.members(['aws_ecs_service.ecs_service_A3298475']);
  });
});
