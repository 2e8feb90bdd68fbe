import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { chooseProviderSource, mirrorCandidates, registryInitFailure, writeTestCliConfig } from '../../integration/terraform/terraform-cli';
import { MOTO_INSTALL_HINT, pythonCandidates } from '../../support/emulator';
import { scratchDir } from './synth';

describe('toolchain: where tests get the AWS provider and moto', () => {
  describe('chooseProviderSource', () => {
    const cases: Record<string, { env: NodeJS.ProcessEnv; holding: string[]; want: string }> = {
      'the workplace mirror when present': { env: { HOME: '/home/u' }, holding: ['/opt/tf-plugins'], want: 'mirror:/opt/tf-plugins' },
      "terraform's implied mirror under HOME": { env: { HOME: '/home/u' }, holding: ['/home/u/.terraform.d/plugins'], want: 'mirror:/home/u/.terraform.d/plugins' },
      'PILOT_LIGHT_TF_PLUGIN_MIRROR first': { env: { HOME: '/home/u', PILOT_LIGHT_TF_PLUGIN_MIRROR: '/m' }, holding: ['/m', '/opt/tf-plugins'], want: 'mirror:/m' },
      'the registry when no mirror holds hashicorp/aws (a laptop)': { env: { HOME: '/home/u' }, holding: [], want: 'registry' },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(name, () => {
        const s = chooseProviderSource(c.env, (dir) => c.holding.includes(dir));
        expect(s.kind === 'mirror' ? `mirror:${s.path}` : s.kind).to.equal(c.want);
      });
    }

    it('refuses a PILOT_LIGHT_TF_PLUGIN_MIRROR without hashicorp/aws, naming it', () => {
      expect(() => chooseProviderSource({ PILOT_LIGHT_TF_PLUGIN_MIRROR: '/nowhere' }, () => false)).to.throw(
        'no hashicorp/aws provider in the terraform plugin mirror /nowhere (PILOT_LIGHT_TF_PLUGIN_MIRROR)',
      );
    });

    it('the registry config installs from the registry; the mirror config never touches the network', () => {
      const dir = scratchDir('toolchain');
      const registry = fs.readFileSync(writeTestCliConfig(dir, { kind: 'registry', looked: mirrorCandidates({}) }), 'utf8');
      expect(registry).not.to.contain('provider_installation');
      const mirror = fs.readFileSync(writeTestCliConfig(dir, { kind: 'mirror', path: '/m' }), 'utf8');
      expect(mirror).to.contain('path    = "/m"').and.contain('exclude = ["registry.terraform.io/*/*"]');
    });

    it('a failed registry init says where it looked and what to do', () => {
      const msg = registryInitFailure({ kind: 'registry', looked: ['/a', '/b'] }, 'Failed to query available provider packages');
      expect(msg).to.contain('looked in /a, /b').and.contain('PILOT_LIGHT_TF_PLUGIN_MIRROR').and.contain('Failed to query');
    });
  });

  describe('pythonCandidates', () => {
    it('tries PILOT_LIGHT_PYTHON, then the project .venv, then python3', () => {
      expect(pythonCandidates({ PILOT_LIGHT_PYTHON: '/x/python' }, '/repo')).to.deep.equal(['/x/python', path.join('/repo', '.venv', 'bin', 'python3'), 'python3']);
      expect(pythonCandidates({}, '/repo')).to.deep.equal([path.join('/repo', '.venv', 'bin', 'python3'), 'python3']);
    });

    it('the install hint makes a virtualenv (system pip may refuse)', () => {
      expect(MOTO_INSTALL_HINT).to.equal("python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1'");
    });
  });
});
