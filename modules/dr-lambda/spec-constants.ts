/**
 * The spec document's apiVersion and kind as literal types. Values are copied (not imported) from
 * reconciler/spec.ts so that synthesizing the stack does not load the reconciler's validator (ajv);
 * test/unit/terraform/dr-lambda.test.ts checks they stay equal.
 */

/** Same as API_VERSION in reconciler/spec.ts. */
export const API_VERSION_LITERAL = 'pilot-light.dev/v1alpha1' as const;
/** Same as KIND in reconciler/spec.ts. */
export const KIND_LITERAL = 'DrEnvironment' as const;
