/**
 * Running the terraform CLI from tests, offline: the AWS provider comes from a filesystem mirror (no
 * registry, no network), and a missing terraform is a clear failure, never a silent skip.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { DrPilotLightStack, DrPilotLightStackOptions, STACK_NAME } from '../../../modules/stack';

/** The oldest terraform the stack supports (variable validations refer to other variables: 1.9+; we test on 1.11). */
export const MIN_TERRAFORM = [1, 11] as const;

/** Where the offline provider mirror is, unless PILOT_LIGHT_TF_PLUGIN_MIRROR says otherwise. */
export const DEFAULT_PLUGIN_MIRROR = '/opt/tf-plugins';

/** What to tell someone whose machine lacks terraform. */
export const TERRAFORM_INSTALL_HINT =
  'install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) and put it on the PATH';

/** Result of one terraform command. */
export interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Checks that terraform is on the PATH and new enough; returns its version.
 * @throws Error "terraform not found on PATH: install Terraform >= 1.11 ..." when it is missing.
 */
export function requireTerraform(env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync('terraform', ['version', '-json'], { env, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`terraform not found on PATH: ${TERRAFORM_INSTALL_HINT}`);
  }
  if (r.status !== 0) throw new Error(`terraform version failed (exit ${r.status}): ${r.stderr}`);
  const version = (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
  const [major, minor] = version.split('.').map(Number);
  if (major < MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor < MIN_TERRAFORM[1])) {
    throw new Error(`terraform ${version} is too old: ${TERRAFORM_INSTALL_HINT}`);
  }
  return version;
}

/**
 * Writes a CLI config that installs hashicorp/aws from the filesystem mirror and nothing from the network.
 * @throws Error naming the mirror path when the mirror does not hold hashicorp/aws.
 */
export function writeOfflineCliConfig(dir: string): string {
  const mirror = process.env.PILOT_LIGHT_TF_PLUGIN_MIRROR ?? DEFAULT_PLUGIN_MIRROR;
  if (!fs.existsSync(path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws'))) {
    throw new Error(
      `no hashicorp/aws provider in the terraform plugin mirror ${mirror}: set PILOT_LIGHT_TF_PLUGIN_MIRROR to a filesystem mirror holding hashicorp/aws 5.100.0`,
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'offline.tfrc');
  fs.writeFileSync(
    file,
    [
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/hashicorp/aws"]',
      '  }',
      '  direct {',
      '    exclude = ["registry.terraform.io/*/*"]',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return file;
}

/** A working directory holding one synthesized stack, and a way to run terraform in it. */
export class TerraformWorkdir {
  /** The stack folder (cdk.tf.json and assets/). */
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(dir: string, cliConfigFile: string, extraEnv: NodeJS.ProcessEnv = {}) {
    this.dir = dir;
    this.env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfigFile,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      ...extraEnv,
    };
  }

  /** Runs `terraform args...` in the stack folder. */
  run(args: string[], input?: string): TerraformResult {
    const r = spawnSync('terraform', args, { cwd: this.dir, env: this.env, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs terraform and throws with its output unless it exits 0. */
  ok(args: string[], input?: string): TerraformResult {
    const r = this.run(args, input);
    if (r.status !== 0) {
      throw new Error(`terraform ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
    }
    return r;
  }
}

/** Synthesizes the stack into `outdir` (as `npm run synth` does) and returns the stack folder. */
export function synthStackTo(outdir: string, options: DrPilotLightStackOptions = {}): string {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir, skipValidation: false });
  new DrPilotLightStack(app, STACK_NAME, options);
  app.synth();
  return path.join(outdir, 'stacks', STACK_NAME);
}
