/**
 * Who may fail over (issue 13): a guardrail policy that denies writes to the mode and spec parameters, the state
 * table, the reconciler function and its role to everyone but the principals named for each. Terraform renders it
 * (output `guardrail_policy_json`); an organization administrator attaches it as a service control policy to the
 * DR account, or it serves as the deny half of a permissions boundary (docs/terraform.md). A member account cannot
 * attach an SCP to itself, so the stack does not apply it.
 */
import { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { concatLists } from '../validate';

/** What the guardrail protects, and who keeps each right. */
export interface GuardrailResources {
  readonly partition: string;
  readonly accountId: string;
  readonly modeParameterArn: string;
  readonly specParameterArn: string;
  readonly stateTableArn: string;
  readonly functionArn: string;
  readonly roleArn: string;
  /** May set the mode and write the state table (drctl set-mode, drill start, reconcile). */
  readonly operatorPrincipalArns: string[];
  /** May change everything here (the Terraform deployment role). */
  readonly deployerPrincipalArns: string[];
}

/** Writes to a parameter: its value, versions' labels, tags, and deleting it. */
export const PARAMETER_WRITES = [
  'ssm:PutParameter',
  'ssm:DeleteParameter',
  'ssm:DeleteParameters',
  'ssm:LabelParameterVersion',
  'ssm:UnlabelParameterVersion',
  'ssm:AddTagsToResource',
  'ssm:RemoveTagsFromResource',
] as const;

/** Writes to the state table's items and to the table itself. */
export const TABLE_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
] as const;

/** Changes to the function: code, configuration, who may invoke it, its concurrency. */
export const FUNCTION_WRITES = [
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:DeleteFunction',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:DeleteAlias',
  'lambda:AddPermission',
  'lambda:RemovePermission',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:PutFunctionEventInvokeConfig',
  'lambda:TagResource',
  'lambda:UntagResource',
] as const;

/** Changes to the role: its policies, trust, boundary, and deleting it. */
export const ROLE_WRITES = [
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:UpdateRole',
  'iam:DeleteRole',
  'iam:TagRole',
  'iam:UntagRole',
] as const;

/** The guardrail's Deny statements. The account root stays exempt in each: the break-glass path. */
export function guardrailStatements(g: GuardrailResources): DataAwsIamPolicyDocumentStatement[] {
  const root = `arn:${g.partition}:iam::${g.accountId}:root`;
  const exceptFor = (...lists: string[][]) => [{ test: 'ArnNotLike', variable: 'aws:PrincipalArn', values: concatLists([root], ...lists) }];
  return [
    { sid: 'OnlyOperatorsSetTheMode', actions: [...PARAMETER_WRITES], resources: [g.modeParameterArn], condition: exceptFor([g.roleArn], g.operatorPrincipalArns, g.deployerPrincipalArns) },
    // Not the reconciler: the spec bounds what it may touch (rule S12).
    { sid: 'OnlyDeployersWriteTheSpec', actions: [...PARAMETER_WRITES], resources: [g.specParameterArn], condition: exceptFor(g.deployerPrincipalArns) },
    { sid: 'OnlyTheReconcilerAndOperatorsWriteState', actions: [...TABLE_WRITES], resources: [g.stateTableArn], condition: exceptFor([g.roleArn], g.operatorPrincipalArns, g.deployerPrincipalArns) },
    { sid: 'OnlyDeployersChangeTheFunction', actions: [...FUNCTION_WRITES], resources: [g.functionArn, `${g.functionArn}:*`], condition: exceptFor(g.deployerPrincipalArns) },
    { sid: 'OnlyDeployersChangeTheRole', actions: [...ROLE_WRITES], resources: [g.roleArn], condition: exceptFor(g.deployerPrincipalArns) },
  ].map((s) => ({ effect: 'Deny', ...s }));
}
