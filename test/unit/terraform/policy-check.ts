/**
 * Rule S8 as a check over policy statements: no Allow of a mutating action on the resource "*".
 */

/** A statement as synthesized (resources may be one Terraform expression string). */
export interface Statement {
  sid?: string;
  effect?: string;
  actions: string[];
  resources?: string[] | string;
}

/** Rule S8's definition: an action is mutating unless its name starts with Describe, List or Get. */
export function isMutating(action: string): boolean {
  const name = action.split(':')[1] ?? action;
  return !/^(Describe|List|Get)/.test(name);
}

/** Whether a statement's resources include the bare wildcard, as a list item or inside an expression. */
export function hasWildcardResource(resources: Statement['resources']): boolean {
  if (resources === undefined) return false;
  if (Array.isArray(resources)) return resources.some((r) => r === '*' || /(^|[[,(]\s*)"\*"/.test(r));
  return /(^|[[,(]\s*)"\*"/.test(resources) || resources === '*';
}

/** Every `sid: action` that is mutating and allowed on `*`. */
export function wildcardMutations(statements: Statement[]): string[] {
  return statements
    .filter((st) => (st.effect ?? 'Allow') === 'Allow' && hasWildcardResource(st.resources))
    .flatMap((st) => st.actions.filter(isMutating).map((a) => `${st.sid ?? '(no sid)'}: ${a}`));
}

