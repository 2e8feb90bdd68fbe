import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIABLE_DEFINITIONS } from '../../modules/variables';
import { DOC_FILES, withVariables } from '../../scripts/docs';

const root = join(__dirname, '..', '..', '..');

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  for (const rel of DOC_FILES) {
    it(`${rel}: the variables reference matches the declarations (npm run docs)`, () => {
      const text = readFileSync(join(root, rel), 'utf8');
      expect(text, `${rel} is out of date: run npm run docs`).to.equal(withVariables(text));
      for (const name of Object.keys(VARIABLE_DEFINITIONS)) expect(text).to.contain(`| \`${name}\` |`);
    });
  }

  it('shows the two commands a newcomer needs', () => {
    expect(readme).to.contain('npm install && npm start');
    expect(readme).to.contain('npm test');
  });

  it('names only variables that exist', () => {
    // Every `snake_case` name quoted in the prose outside the generated table must be a declared variable.
    const prose = readme.replace(/<!-- variables:start -->[\s\S]*<!-- variables:end -->/, '');
    const quoted = [...prose.matchAll(/`([a-z]+(?:_[a-z0-9]+)+)`/g)].map((m) => m[1]);
    const unknown = quoted.filter((q) => !(q in VARIABLE_DEFINITIONS));
    expect(unknown).to.deep.equal([]);
  });
});
