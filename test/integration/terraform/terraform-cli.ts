/**
 * Running the terraform CLI from tests: the AWS provider comes from a filesystem mirror when one is found
 * (offline), else from the registry; a missing terraform, or neither source working, is a clear failure,
 * never a silent skip.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { DrPilotLightStack, DrPilotLightStackOptions, DrPrimaryStack, PRIMARY_STACK_NAME, STACK_NAME } from '../../../modules/stack';

/** The oldest terraform the stack supports (variable validations refer to other variables: 1.9+; we test on 1.11). */
export const MIN_TERRAFORM = [1, 11] as const;

/**
 * Folders that may hold a filesystem mirror of hashicorp/aws, in the order they are tried after
 * PILOT_LIGHT_TF_PLUGIN_MIRROR: this workplace's image, then Terraform's own implied local mirror folders
 * (https://developer.hashicorp.com/terraform/cli/config/config-file#implied-local-mirror-directories).
 */
export function mirrorCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? '';
  return [
    '/opt/tf-plugins',
    ...(home ? [path.join(home, '.terraform.d', 'plugins'), path.join(home, '.local', 'share', 'terraform', 'plugins')] : []),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
}

/** Where hashicorp/aws comes from: a filesystem mirror (offline) or the public registry (network). */
export type ProviderSource = { readonly kind: 'mirror'; readonly path: string } | { readonly kind: 'registry'; readonly looked: readonly string[] };

/**
 * Chooses the provider source: PILOT_LIGHT_TF_PLUGIN_MIRROR when set (it must hold hashicorp/aws), else the
 * first candidate folder that holds hashicorp/aws, else the registry.
 * @throws Error naming the folder when PILOT_LIGHT_TF_PLUGIN_MIRROR is set but holds no hashicorp/aws.
 */
export function chooseProviderSource(
  env: NodeJS.ProcessEnv = process.env,
  holdsAws: (dir: string) => boolean = (dir) => fs.existsSync(path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws')),
): ProviderSource {
  const explicit = env.PILOT_LIGHT_TF_PLUGIN_MIRROR;
  if (explicit !== undefined && explicit !== '') {
    if (!holdsAws(explicit)) {
      throw new Error(`no hashicorp/aws provider in the terraform plugin mirror ${explicit} (PILOT_LIGHT_TF_PLUGIN_MIRROR): point it at a filesystem mirror holding hashicorp/aws 5.100.0, or unset it to use the registry`);
    }
    return { kind: 'mirror', path: explicit };
  }
  const candidates = mirrorCandidates(env);
  const found = candidates.find(holdsAws);
  return found ? { kind: 'mirror', path: found } : { kind: 'registry', looked: candidates };
}

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
 * Writes the CLI config the tests run terraform with: hashicorp/aws from the mirror and nothing from the
 * network when a mirror is found (chooseProviderSource), else Terraform's default installation from the
 * registry. Returns the file; `TerraformWorkdir.init` explains a failed registry download.
 */
export function writeTestCliConfig(dir: string, source: ProviderSource = chooseProviderSource()): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, source.kind === 'mirror' ? 'offline.tfrc' : 'registry.tfrc');
  const lines =
    source.kind === 'mirror'
      ? [
          'provider_installation {',
          '  filesystem_mirror {',
          `    path    = ${JSON.stringify(source.path)}`,
          '    include = ["registry.terraform.io/hashicorp/aws"]',
          '  }',
          '  direct {',
          '    exclude = ["registry.terraform.io/*/*"]',
          '  }',
          '}',
        ]
      : ['# No hashicorp/aws mirror found: terraform init downloads providers from registry.terraform.io.'];
  fs.writeFileSync(file, [...lines, ''].join('\n'));
  providerSources.set(file, source);
  return file;
}

/** Which source each written CLI config uses, so a failed init can say why. */
const providerSources = new Map<string, ProviderSource>();

/** The message for a failed `terraform init` whose providers had to come from the registry. */
export function registryInitFailure(source: ProviderSource, detail: string): string {
  const looked = source.kind === 'registry' ? source.looked.join(', ') : '';
  return (
    `terraform init could not install hashicorp/aws: no plugin mirror found (looked in ${looked}) and the registry download failed. ` +
    `Allow access to registry.terraform.io, or set PILOT_LIGHT_TF_PLUGIN_MIRROR to a filesystem mirror holding hashicorp/aws 5.100.0 ` +
    `(terraform providers mirror DIR makes one).\n${detail}`
  );
}

/** A working directory holding one synthesized stack, and a way to run terraform in it. */
export class TerraformWorkdir {
  /** The stack folder (cdk.tf.json and assets/). */
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  private readonly source?: ProviderSource;

  constructor(dir: string, cliConfigFile: string, extraEnv: NodeJS.ProcessEnv = {}) {
    this.dir = dir;
    this.source = providerSources.get(cliConfigFile);
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

  /** `terraform init`; when providers come from the registry and it fails, says what to do. */
  init(extraArgs: string[] = []): TerraformResult {
    const r = this.run(['init', '-input=false', '-no-color', ...extraArgs]);
    if (r.status !== 0 && this.source?.kind === 'registry') throw new Error(registryInitFailure(this.source, r.stderr));
    if (r.status !== 0) throw new Error(`terraform init failed (exit ${r.status}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
    return r;
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

/** Synthesizes both stacks into `outdir` (as `npm run synth` does) and returns the DR stack's folder. */
export function synthStackTo(outdir: string, options: DrPilotLightStackOptions = {}): string {
  return synthStacksTo(outdir, options).dr;
}

/**
 * Synthesizes both stacks into `outdir`; `primaryOptions` override `options` for the primary stack (e.g. its
 * own emulator endpoint). Returns both stack folders.
 */
export function synthStacksTo(outdir: string, options: DrPilotLightStackOptions = {}, primaryOptions: DrPilotLightStackOptions = {}): { primary: string; dr: string } {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir, skipValidation: false });
  new DrPrimaryStack(app, PRIMARY_STACK_NAME, { ...options, ...primaryOptions });
  new DrPilotLightStack(app, STACK_NAME, options);
  app.synth();
  return { primary: path.join(outdir, 'stacks', PRIMARY_STACK_NAME), dr: path.join(outdir, 'stacks', STACK_NAME) };
}
