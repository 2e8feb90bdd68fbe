/**
 * The tag every resource the reconciler manages carries explicitly (not only through provider
 * default_tags, which the emulator run turns off): the reconciler refuses spec resources without it, and
 * IAM conditions match on it.
 */

/** Key of the environment tag. */
export const ENVIRONMENT_TAG_KEY = 'pilot-light:environment';

/** The tags of a reconciler-managed resource of environment `env`. */
export function managedTags(env: string): Record<string, string> {
  return { [ENVIRONMENT_TAG_KEY]: env };
}
