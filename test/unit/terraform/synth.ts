/**
 * Helpers for construct tests: synthesize a scope or the whole stack and read resources back as plain
 * objects, so that tests compare values rather than strings.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DrPilotLightStack, DrPilotLightStackOptions, DrPrimaryStack, PRIMARY_STACK_NAME, STACK_NAME } from '../../../modules/stack';
import { projectRoot } from '../../../modules/dr-lambda/bundle';

/** The project root (holds package.json). */
export const ROOT = projectRoot(__dirname);

/** Scratch folder for test output under .tmp/ (git-ignored), created on demand. */
export function scratchDir(name: string): string {
  const dir = path.join(ROOT, '.tmp', 'test', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * cdktf's Testing.app() and fullSynth write temp folders into os.tmpdir(); keep them inside the project
 * (one folder to clean, never a shared /tmp full of synth dirs).
 */
export function useProjectTmpDir(): void {
  process.env.TMPDIR = scratchDir('tmpdir');
}

/** A trivial Lambda entry for module tests that must not depend on the real handler compiling. */
export function fixtureHandlerEntry(): string {
  const file = path.join(scratchDir('fixtures'), 'handler.ts');
  fs.writeFileSync(file, 'export const handler = async (): Promise<Record<string, never>> => ({});\n');
  return file;
}

/** The synthesized JSON of one stack. */
export interface Synthesized {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly locals?: Record<string, unknown>;
  readonly output?: Record<string, Record<string, unknown>>;
  readonly provider?: Record<string, Array<Record<string, unknown>>>;
  readonly terraform?: Record<string, unknown>;
}

/** Providers a module test gets: primary (default), DR (alias dr), us-east-1 (alias us_east_1). */
export interface TestProviders {
  readonly primary: AwsProvider;
  readonly dr: AwsProvider;
  readonly alarm: AwsProvider;
}

/** Synthesizes whatever `build` adds to a fresh stack that has the three providers. */
export function synthModule(build: (scope: Construct, providers: TestProviders) => void): Synthesized {
  useProjectTmpDir();
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  const providers: TestProviders = {
    primary: new AwsProvider(stack, 'aws', { region: 'eu-west-1' }),
    dr: new AwsProvider(stack, 'aws-dr', { region: 'eu-central-1', alias: 'dr' }),
    alarm: new AwsProvider(stack, 'aws-us-east-1', { region: 'us-east-1', alias: 'us_east_1' }),
  };
  build(stack, providers);
  return JSON.parse(Testing.synth(stack)) as Synthesized;
}

/** Synthesizes the whole dr-pilot-light (DR) stack; the backend is local and refused unless `options` say otherwise. */
export function synthStack(options: DrPilotLightStackOptions = {}): Synthesized {
  useProjectTmpDir();
  const app = Testing.app();
  const stack = new DrPilotLightStack(app, STACK_NAME, { bundleDir: path.join(scratchDir('bundle'), 'stack'), backend: { kind: 'local', allowed: false }, ...options });
  return JSON.parse(Testing.synth(stack)) as Synthesized;
}

/** Synthesizes the dr-pilot-light-primary stack (same backend default as synthStack). */
export function synthPrimaryStack(options: DrPilotLightStackOptions = {}): Synthesized {
  useProjectTmpDir();
  const app = Testing.app();
  const stack = new DrPrimaryStack(app, PRIMARY_STACK_NAME, { backend: { kind: 'local', allowed: false }, ...options });
  return JSON.parse(Testing.synth(stack)) as Synthesized;
}

/** Every resource of `type`, in construct-path order. */
export function resources(synth: Synthesized, type: string): Record<string, unknown>[] {
  return Object.values(synth.resource[type] ?? {});
}

/**
 * The one resource of `type` whose construct path ends with `suffix` (ids joined by `_`, e.g.
 * `asg-jenkins_group`); throws when not exactly one. Matches the logical id, which is the path plus a hash.
 */
export function resourceAt(synth: Synthesized, type: string, suffix: string): Record<string, unknown> {
  const all = synth.resource[type] ?? {};
  const found = Object.keys(all).filter((id) => `_${logicalPath(id)}`.endsWith(`_${suffix}`));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} at *_${suffix}, found ${found.length} among ${JSON.stringify(Object.keys(all).map(logicalPath))}`);
  }
  return all[found[0]];
}

/** A logical id without cdktf's hash suffix: the construct path joined by `_`. */
export function logicalPath(logicalId: string): string {
  return logicalId.replace(/_[0-9A-F]{8}$/, '');
}

/** Data sources of `type`. */
export function dataSources(synth: Synthesized, type: string): Record<string, unknown>[] {
  return Object.values(synth.data?.[type] ?? {});
}
