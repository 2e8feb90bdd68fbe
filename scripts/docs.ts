/**
 * `npm run docs`: regenerates the variables reference in README.md and docs/terraform.md from the Terraform
 * variable declarations (modules/variables.ts), between the `variables:start` / `variables:end` markers.
 * `--check` changes nothing and exits 1 when a file is out of date (the test suite does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIABLE_DEFINITIONS } from '../modules/variables';

const START = '<!-- variables:start -->';
const END = '<!-- variables:end -->';

/** One markdown table row per declared variable, in declaration order. */
export function variablesTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = Object.entries(VARIABLE_DEFINITIONS).map(([name, v]) => {
    const config = v as { type?: string; default?: unknown; description?: string };
    const dflt = config.default === undefined ? '(required)' : `\`${JSON.stringify(config.default)}\``;
    return `| \`${name}\` | \`${cell(config.type ?? 'any')}\` | ${cell(dflt)} | ${cell(config.description ?? '')} |`;
  });
  return ['| variable | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The README text with the generated section replaced. */
export function withVariables(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`markers ${START} … ${END} not found`);
  return `${readme.slice(0, a + START.length)}\n${variablesTable()}\n${readme.slice(b)}`;
}

/** The files that carry the generated table, relative to the repository root. */
export const DOC_FILES = ['README.md', 'docs/terraform.md'];

if (require.main === module) {
  let stale = 0;
  for (const rel of DOC_FILES) {
    const file = join(__dirname, '..', '..', rel);
    const before = readFileSync(file, 'utf8');
    const after = withVariables(before);
    if (after === before) continue;
    if (process.argv.includes('--check')) {
      console.error(`${rel}: variables reference is out of date: run npm run docs`);
      stale++;
    } else {
      writeFileSync(file, after);
      console.log(`${rel}: ${Object.keys(VARIABLE_DEFINITIONS).length} variables written`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
