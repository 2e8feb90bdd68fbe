/**
 * Rule S8 as a check over policy statements: no Allow of a mutating action on the resource "*", except the actions
 * AWS authorizes on "*" only, and then only under the condition that narrows them (WILDCARD_EXCEPTIONS).
 */

/** A condition as synthesized (`condition` blocks of aws_iam_policy_document). */
export interface Condition {
  test: string;
  variable: string;
  values: string[];
}

/** A statement as synthesized (resources may be one Terraform expression string). */
export interface Statement {
  sid?: string;
  effect?: string;
  actions: string[];
  resources?: string[] | string;
  condition?: Condition[];
}

/**
 * S8's exceptions: mutating actions with no resource-level permissions (the Service Authorization Reference lists
 * only "*"), allowed on "*" when the statement carries this condition with concrete values.
 * cloudwatch:PutMetricData: resource "*" only; condition key cloudwatch:namespace.
 */
export const WILDCARD_EXCEPTIONS: Readonly<Record<string, { readonly test: string; readonly variable: string }>> = {
  'cloudwatch:PutMetricData': { test: 'StringEquals', variable: 'cloudwatch:namespace' },
};

/** Whether `action` on "*" is one of S8's exceptions and `conditions` narrow it as the exception requires. */
export function isNarrowedException(action: string, conditions: readonly Condition[] = []): boolean {
  const required = WILDCARD_EXCEPTIONS[action];
  if (required === undefined) return false;
  return conditions.some((c) => c.test === required.test && c.variable === required.variable && c.values.length > 0 && c.values.every((v) => v !== '' && !v.includes('*')));
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

/**
 * Writes that AWS only allows on `*` and that change no resource: X-Ray's trace upload, which Lambda's Active
 * tracing needs (the Service Authorization Reference lists no resource type for either). The one exception to S8.
 */
export const WILDCARD_ONLY_TELEMETRY_WRITES: readonly string[] = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** Every `sid: action` that is mutating and allowed on `*`. */
export function wildcardMutations(statements: Statement[]): string[] {
  return statements
    .filter((st) => (st.effect ?? 'Allow') === 'Allow' && hasWildcardResource(st.resources))
    .flatMap((st) => st.actions.filter((a) => isMutating(a) && !isNarrowedException(a, st.condition) && !WILDCARD_ONLY_TELEMETRY_WRITES.includes(a)).map((a) => `${st.sid ?? '(no sid)'}: ${a}`));
}


/** An IAM JSON policy document, as AWS evaluates it. */
export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Array<Record<string, unknown>>;
}

/** A statement block of `aws_iam_policy_document` (as built in TypeScript, before Terraform renders it). */
export interface PolicyDocumentStatement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: string[];
  readonly resources?: string[];
  readonly condition?: ReadonlyArray<{ readonly test: string; readonly variable: string; readonly values: string[] }>;
}

/**
 * Renders statement blocks to the IAM JSON the data source produces (Action, Resource, Condition[test][variable]).
 * Throws on an unresolved Terraform token: a simulation needs real values.
 */
export function toIamPolicy(statements: readonly PolicyDocumentStatement[]): IamPolicy {
  const text = JSON.stringify(statements);
  const token = /[$#]\{TfToken\[[^\]]*\]\}|-1\.8881545897087\d*e\+289/.exec(text);
  if (token) throw new Error(`policy statements hold an unresolved token: ${token[0]}`);
  return {
    Version: '2012-10-17',
    Statement: statements.map((s) => {
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of s.condition ?? []) {
        condition[c.test] = condition[c.test] ?? {};
        if (condition[c.test][c.variable]) throw new Error(`${s.sid}: ${c.test} on ${c.variable} twice`);
        condition[c.test][c.variable] = [...c.values];
      }
      return {
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect ?? 'Allow',
        Action: s.actions,
        Resource: s.resources,
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      };
    }),
  };
}
