/**
 * The spec can never widen what the reconciler touches (S12). Terraform tags every resource it lets the reconciler
 * manage with `pilot-light:environment = <environment>` (and IAM only allows writes to resources with that tag);
 * a spec that names anything else — a foreign ASG as the owner of a target group, a service of another stack — is
 * refused before any write. Pure.
 */
import type { Observed } from './plan';
import { asgKey, databaseKey, serviceKey } from './plan';
import type { EnvironmentSpec } from './spec-types';
import { quote } from './text';

/** The tag Terraform puts on every resource the reconciler may change (modules/dr-lambda/policy.ts ENVIRONMENT_TAG). */
export const SCOPE_TAG = 'pilot-light:environment';

/** The problems of a spec that names resources outside the environment `scope`, one per resource; empty when in scope. */
export function outOfScope(spec: EnvironmentSpec, observed: Observed, scope: string): string[] {
  const problems: string[] = [];
  const check = (key: string, what: string, tags: Readonly<Record<string, string>> | undefined) => {
    const got = tags?.[SCOPE_TAG];
    if (got !== scope) problems.push(`${key}: ${what} is not part of environment ${quote(scope)} (tag ${SCOPE_TAG} ${got === undefined ? 'missing' : `is ${quote(got)}`}): the spec may only name resources Terraform deployed for it`);
  };
  const wanted = {
    asgs: new Set(spec.autoScalingGroups.map((a) => a.name)),
    services: new Set(spec.ecsServices.map((s) => serviceKey(s.cluster, s.name))),
  };
  if (spec.database && observed.replica?.exists) check(databaseKey(spec.database.replicaIdentifier), `db instance ${spec.database.replicaIdentifier}`, observed.replica.tags);
  for (const a of observed.asgs) if (a.exists && wanted.asgs.has(a.name)) check(asgKey(a.name), `auto scaling group ${a.name}`, a.tags);
  for (const s of observed.services) if (s.exists && wanted.services.has(serviceKey(s.cluster, s.name))) check(serviceKey(s.cluster, s.name), `ecs service ${s.cluster}/${s.name}`, s.tags);
  return problems.sort();
}
