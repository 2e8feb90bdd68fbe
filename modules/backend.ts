/**
 * Where Terraform keeps the stacks' state, chosen without editing code:
 *
 * - `PILOT_LIGHT_STATE_BUCKET` (and `PILOT_LIGHT_STATE_REGION`, optional `PILOT_LIGHT_STATE_KEY_PREFIX`) at
 *   synth time: an S3 backend with Terraform's native lock file (`use_lockfile`, Terraform >= 1.10; no DynamoDB
 *   table), encrypted, one key per stack. Put the bucket in the DR region or a third one — never only in the
 *   primary region, or the DR stack cannot plan while the primary region is down.
 * - The emulator (tests): a local file in the stack's folder.
 * - Neither: a local file, and a plan-time refusal (a `terraform_data` precondition) unless
 *   `PILOT_LIGHT_ALLOW_LOCAL_STATE=1` says a local, unlocked state file is really wanted — `rm -rf cdktf.out`
 *   would lose it. Synth still works from a clean clone.
 */
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';

/** Backend settings of a synth. */
export type BackendSettings =
  | { readonly kind: 's3'; readonly bucket: string; readonly region: string; readonly keyPrefix: string }
  | { readonly kind: 'local'; readonly allowed: boolean };

/** The message of the refusal to plan against a real account with local state. */
export const LOCAL_STATE_REFUSAL =
  'no remote state configured: set PILOT_LIGHT_STATE_BUCKET and PILOT_LIGHT_STATE_REGION before cdktf synth/deploy (an S3 bucket in the DR region or a third region; state is locked with a lock file), or set PILOT_LIGHT_ALLOW_LOCAL_STATE=1 to keep an unlocked local state file in cdktf.out (lost with the folder)';

/**
 * Reads the backend settings from the environment.
 * @throws Error naming the missing setting when a bucket is given without its region.
 */
export function backendSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BackendSettings {
  const bucket = env.PILOT_LIGHT_STATE_BUCKET ?? '';
  if (bucket === '') return { kind: 'local', allowed: env.PILOT_LIGHT_ALLOW_LOCAL_STATE === '1' };
  const region = env.PILOT_LIGHT_STATE_REGION ?? '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new Error(`PILOT_LIGHT_STATE_REGION must be the state bucket's region (e.g. eu-central-1) when PILOT_LIGHT_STATE_BUCKET is set, got: ${JSON.stringify(region)}`);
  }
  return { kind: 's3', bucket, region, keyPrefix: env.PILOT_LIGHT_STATE_KEY_PREFIX ?? 'pilot-light/' };
}

/** Gives `stack` its backend: S3 with a lock file, or a local file (refused at plan unless allowed). */
export function configureBackend(stack: TerraformStack, settings: BackendSettings, localPath: string): void {
  if (settings.kind === 's3') {
    new S3Backend(stack, { bucket: settings.bucket, region: settings.region, key: `${settings.keyPrefix}${stack.node.id}/terraform.tfstate`, encrypt: true });
    // cdktf 0.21's S3Backend predates use_lockfile (Terraform 1.10): set it on the JSON.
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
    return;
  }
  new LocalBackend(stack, { path: localPath });
  if (!settings.allowed) {
    // The built-in terraform_data needs no provider; its precondition stops every plan with the message.
    // Terraform wants a condition that refers to something: this one names a variable and is always false.
    stack.addOverride('resource.terraform_data.pilot_light_state_guard', {
      lifecycle: { precondition: [{ condition: '${length(var.primary_region) < 0}', error_message: LOCAL_STATE_REFUSAL }] },
    });
  }
}
