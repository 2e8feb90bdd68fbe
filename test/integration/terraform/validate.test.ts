import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { requireTerraform, synthStacksTo, TerraformWorkdir, writeTestCliConfig } from './terraform-cli';
import { ROOT, scratchDir } from '../../unit/terraform/synth';

const TFVARS = path.join(ROOT, 'environments', 'dr-pilot-light', 'terraform.tfvars');

/** tfvars text with `name = value` lines replaced. */
function withValues(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const re = new RegExp(`^${name}\\s*=.*$`, 'm');
    if (!re.test(out)) throw new Error(`no ${name} in terraform.tfvars`);
    out = out.replace(re, `${name} = ${value}`);
  }
  return out;
}

describe('terraform: the synthesized stacks, checked by terraform itself (offline with a mirror)', function () {
  this.timeout(180_000);
  let tf: TerraformWorkdir;
  let primary: TerraformWorkdir;

  before(() => {
    requireTerraform();
    const work = scratchDir('validate');
    const dirs = synthStacksTo(path.join(work, 'cdktf.out'), { bundleDir: path.join(work, 'bundle'), backend: { kind: 'local', allowed: false } });
    const cliConfig = writeTestCliConfig(work);
    tf = new TerraformWorkdir(dirs.dr, cliConfig);
    primary = new TerraformWorkdir(dirs.primary, cliConfig);
    // A local backend init is offline too, and `console` (below) needs an initialized backend.
    tf.init();
    primary.init();
  });

  for (const [name, dir] of [['DR', () => tf], ['primary', () => primary]] as const) {
    it(`terraform validate passes (${name} stack)`, () => {
      const r = dir().run(['validate', '-json', '-no-color']);
      const result = JSON.parse(r.stdout) as { valid: boolean; diagnostics: unknown[] };
      expect(result.diagnostics, r.stdout).to.deep.equal([]);
      expect(result.valid).to.equal(true);
    });
  }

  it('the shipped terraform.tfvars passes every variable validation', () => {
    const r = tf.run(['console', '-no-color', `-var-file=${TFVARS}`], 'var.drill_schedule_expression\n');
    expect(r.stderr + r.stdout).not.to.contain('Invalid value for variable');
    expect(r.stdout).to.contain('cron(5 0 ? * MON#1 *)');
  });

  it('rejects bad values with a message naming the variable', () => {
    const bad = withValues(fs.readFileSync(TFVARS, 'utf8'), {
      health_check_interval_seconds: '15',
      health_check_failure_threshold: '11',
      alarm_datapoints_to_alarm: '4',
      dr_region: '"eu-west-1"',
      drill_schedule_expression: '"every monday"',
      log_retention_days: '8',
      primary_db_arn: '"prod-db"',
      lease_seconds: '60',
      resync_schedule_expression: '"cron(* * * * ? *)"',
      probe_timeout_seconds: '31',
      probe_only_unhealthy_readings: '3',
      heartbeat_missing_periods: '0',
      degraded_alarm_minutes: '1441',
    });
    const file = path.join(scratchDir('validate'), 'bad.tfvars');
    fs.writeFileSync(file, bad);
    const r = tf.run(['console', '-no-color', `-var-file=${file}`], 'var.dr_region\n');
    const out = (r.stderr + r.stdout).replace(/\s+/g, ' ');
    for (const message of [
      'health_check_interval_seconds must be 10 or 30.',
      'health_check_failure_threshold must be an integer from 1 to 10.',
      'alarm_datapoints_to_alarm must be an integer from 1 to alarm_evaluation_periods.',
      'dr_region must differ from primary_region.',
      'drill_schedule_expression must be an EventBridge rate(...) or cron(...) expression.',
      'log_retention_days must be a value CloudWatch Logs accepts',
      'primary_db_arn must be empty or an RDS DB instance ARN.',
      'lease_seconds must be from 10 to 3600 and >= lambda_timeout_seconds.',
      'resync_schedule_expression must be an EventBridge rate(...) expression.',
      'probe_timeout_seconds must be a whole number from 1 to 30 and less than lambda_timeout_seconds.',
      'probe_only_unhealthy_readings must be a whole number from 2 to 100 and greater than unhealthy_readings.',
      'heartbeat_missing_periods must be a whole number from 1 to 100.',
      'degraded_alarm_minutes must be a whole number from 1 to 1440.',
    ]) {
      expect(out).to.contain(message);
    }
  });

  it('fails with a clear message, not a skip, where terraform is missing', () => {
    expect(() => requireTerraform({ ...process.env, PATH: '/nonexistent' })).to.throw(/^terraform not found on PATH: install Terraform >= 1\.11/);
  });
});
