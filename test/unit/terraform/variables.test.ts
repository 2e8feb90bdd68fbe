import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, synthPrimaryStack, synthStack, Synthesized } from './synth';

const TFVARS = path.join(ROOT, 'environments', 'dr-pilot-light', 'terraform.tfvars');

/** Top-level assignments of a .tfvars file: `name = ...` at the start of a line. */
export function tfvarsKeys(text: string): string[] {
  return [...text.matchAll(/^([A-Za-z_][A-Za-z0-9_-]*)\s*=/gm)].map((m) => m[1]);
}

describe('terraform: variables ↔ environments/dr-pilot-light/terraform.tfvars', () => {
  let s: Synthesized;
  let primary: Synthesized;
  let declared: string[];
  let assigned: string[];
  before(function () {
    this.timeout(60_000);
    s = synthStack();
    primary = synthPrimaryStack();
    declared = Object.keys(s.variable ?? {}).sort();
    assigned = tfvarsKeys(fs.readFileSync(TFVARS, 'utf8')).sort();
  });

  it('every declared variable has a value in the tfvars file', () => {
    expect(declared.filter((v) => !assigned.includes(v)), 'declared but missing from terraform.tfvars').to.deep.equal([]);
  });

  it('every tfvars key is a declared variable', () => {
    expect(assigned.filter((v) => !declared.includes(v)), 'in terraform.tfvars but not declared').to.deep.equal([]);
  });

  it('assigns each variable once', () => {
    expect(assigned.filter((v, i) => assigned.indexOf(v) !== i)).to.deep.equal([]);
  });

  it('every variable has a description and a type', () => {
    for (const [name, v] of Object.entries(s.variable ?? {})) {
      expect(v.description, name).to.be.a('string').and.not.be.empty;
      expect(v.type, name).to.be.a('string').and.not.be.empty;
    }
  });

  it('both stacks declare the same variables (one tfvars file for both)', () => {
    expect(Object.keys(primary.variable ?? {}).sort()).to.deep.equal(declared);
  });

  it('every variable is used by one of the two stacks (no dead tunables)', () => {
    const { variable: _v, ...rest } = s;
    const { variable: _p, ...primaryRest } = primary;
    const body = JSON.stringify(rest) + JSON.stringify(primaryRest);
    for (const name of declared) expect(body, name).to.match(new RegExp(`var\\.${name}\\b`));
  });

  it('ships the documented defaults for the schedule and the drill', () => {
    const text = fs.readFileSync(TFVARS, 'utf8');
    expect(text).to.match(/^drill_schedule_expression\s*=\s*"cron\(5 0 \? \* MON#1 \*\)"/m);
    expect(text).to.match(/^drill_duration_minutes\s*=\s*60$/m);
    expect(s.variable!.drill_schedule_expression.default).to.equal('cron(5 0 ? * MON#1 *)');
  });

  it('docs/terraform.md documents every variable', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'terraform.md'), 'utf8');
    expect(declared.filter((v) => !docs.includes(`| \`${v}\` |`))).to.deep.equal([]);
  });

  it('tfvarsKeys reads top-level keys only', () => {
    expect(tfvarsKeys('a = 1\nb = {\n  c = 2\n}\n# d = 3\n"e" = 4\nf_g= "x"\n')).to.deep.equal(['a', 'b', 'f_g']);
  });
});
