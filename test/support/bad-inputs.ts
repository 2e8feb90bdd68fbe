/**
 * The bad-input table of issue 15: documents that once slipped through (sent 1e30 to AWS, scaled kafka to a
 * trillion, overflowed the stack, failed as "not found" instead of being refused). Each must be refused on
 * load with exit 2 / InvalidSpec, naming the field and the bad value, before any AWS call. Shared by the spec,
 * drctl and handler tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/** A mutable copy of a DrEnvironment document, loosely typed for edits. */
export type EditableDocument = { metadata: Record<string, any>; spec: Record<string, any> & { autoScalingGroups: any[]; ecsServices: any[] } };

/** The JSON text of the complete example in docs/spec.md (the test suite keeps it valid). */
export function docsExampleText(): string {
  const md = readFileSync(join(root, 'docs', 'spec.md'), 'utf8');
  const m = /## A complete example[\s\S]*?```json\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error('docs/spec.md has no json example under "A complete example"');
  return m[1];
}

/** A fresh, valid document to edit. */
export const goodDocument = (): EditableDocument => JSON.parse(docsExampleText()) as EditableDocument;

/** One refused input: its document text and the exact problems reported when it is read from `source`. */
export interface BadInput {
  readonly text: () => string;
  readonly problems: (source: string) => readonly string[];
}

const edited = (edit: (d: EditableDocument) => void) => () => {
  const d = goodDocument();
  edit(d);
  return JSON.stringify(d);
};

/** The docs example with its label's value nested 10 000 objects deep. */
function deepLabel(): string {
  return docsExampleText().replace('"labels": { "team": "platform" }', `"labels": { "team": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)} }`);
}

const OTHER_REGION_TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/dr-jenkins/0123456789abcdef';

/** The table, by what it shows. */
export const BAD_INPUTS: Record<string, BadInput> = {
  'an ASG maxSize of 1e30': {
    text: edited((d) => (d.spec.autoScalingGroups[0].active.maxSize = 1e30)),
    problems: () => ['spec.autoScalingGroups[0].active.maxSize: must be at most 10000, got: 1e+30'],
  },
  'an ECS desiredCount of 1e12': {
    text: edited((d) => (d.spec.ecsServices[4].active.desiredCount = 1e12)),
    problems: () => ['spec.ecsServices[4].active.desiredCount: must be at most 5000, got: 1000000000000'],
  },
  'a label nested 10 000 deep': {
    text: deepLabel,
    // The label sits 3 deep (document, metadata, labels): the 30th bracket of the nest is the 33rd level.
    problems: (source) => [`${source}: must nest at most 32 objects and arrays deep, got: deeper at character ${deepLabel().indexOf('{"a":') + 29 * 5}`],
  },
  'a region typo us-esat-1': {
    text: edited((d) => (d.spec.region = 'us-esat-1')),
    problems: () => ['spec.region: must be a known AWS region (did you mean "us-east-1"?), got: "us-esat-1"'],
  },
  'an alarm region typo': {
    text: edited((d) => (d.spec.failover.alarmRegion = 'us-east1')),
    problems: () => ['spec.failover.alarmRegion: must be a known AWS region (did you mean "us-east-1"?), got: "us-east1"'],
  },
  'an ASG name with a zero-width space': {
    text: edited((d) => (d.spec.autoScalingGroups[0].name = 'dr-jen\u200bkins')),
    problems: () => [
      'spec.autoScalingGroups[0].name: must be 1 to 255 ASCII characters 33 to 126 other than ":" (the Auto Scaling group name rules: no spaces, no colon), got: "dr-jen\\u200bkins"',
    ],
  },
  'an ECS service name with a control character': {
    text: edited((d) => (d.spec.ecsServices[0].name = 'front\u0007end')),
    problems: () => ['spec.ecsServices[0].name: must be 1 to 255 letters, digits, hyphens and underscores (the ECS cluster and service name rules), got: "front\\u0007end"'],
  },
  'an ECS cluster name with a no-break space': {
    text: edited((d) => (d.spec.ecsServices[1].cluster = 'dr\u00a0')),
    problems: () => ['spec.ecsServices[1].cluster: must be 1 to 255 letters, digits, hyphens and underscores (the ECS cluster and service name rules), got: "dr\\u00a0"'],
  },
  'a replica identifier with a zero-width joiner': {
    text: edited((d) => (d.spec.database.replicaIdentifier = 'app-\u200dreplica')),
    problems: () => [
      'spec.database.replicaIdentifier: must be 1 to 63 letters, digits and hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end (the RDS DB instance identifier rules), got: "app-\\u200dreplica"',
    ],
  },
  'a mode parameter with a trailing newline': {
    text: edited((d) => (d.spec.modeParameter = '/dr/mode\n')),
    problems: () => [
      'spec.modeParameter: must be a fully qualified SSM parameter name: "/" then at most 15 levels of letters, digits, "_", "." and "-", at most 900 characters, not starting with /aws or /ssm (the SSM parameter name rules), got: "/dr/mode\\n"',
    ],
  },
  'a state table with a byte-order mark': {
    text: edited((d) => (d.spec.stateTable = '\ufeffdr-dr-failover-state')),
    problems: () => ['spec.stateTable: must be 3 to 255 letters, digits, underscores, hyphens and dots (the DynamoDB table name rules), got: "\\ufeffdr-dr-failover-state"'],
  },
  'an ASG target group in another region than the DR region': {
    text: edited((d) => (d.spec.autoScalingGroups[0].targetGroupArns = [OTHER_REGION_TG])),
    problems: () => [`spec.autoScalingGroups[0].targetGroupArns[0]: must be in the DR region "us-west-2" (spec.region), got: "${OTHER_REGION_TG}"`],
  },
  'a service target group in another region than the DR region': {
    text: edited((d) => (d.spec.ecsServices[0].loadBalancers[0].targetGroupArn = OTHER_REGION_TG.replace('dr-jenkins', 'dr-frontend'))),
    problems: () => [`spec.ecsServices[0].loadBalancers[0].targetGroupArn: must be in the DR region "us-west-2" (spec.region), got: "${OTHER_REGION_TG.replace('dr-jenkins', 'dr-frontend')}"`],
  },
  'a notification topic that is not an SNS ARN': {
    text: edited((d) => (d.spec.notificationTopicArn = 'arn:aws:sqs:us-west-2:123456789012:dr-dr-notifications')),
    problems: () => [
      'spec.notificationTopicArn: must be the ARN of a standard SNS topic, arn:<partition>:sns:<region>:<12-digit account>:<name of 1 to 256 letters, digits, hyphens and underscores>, got: "arn:aws:sqs:us-west-2:123456789012:dr-dr-notifications"',
    ],
  },
};
