import { expect } from 'chai';
import { AWS_SERVICES_USED, STACK_NAME } from '../../../modules/stack';
import { ASG_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs/asg';
import { SERVICE_RECONCILER_OWNED_FIELDS } from '../../../modules/ecs';
import { resources, resourceAt, ROOT, synthStack, Synthesized } from './synth';

describe('terraform: dr-pilot-light stack', () => {
  let s: Synthesized;
  before(function () {
    this.timeout(60_000);
    s = synthStack();
  });

  it('has three AWS providers: primary (default), DR (alias dr), us-east-1 (alias us_east_1)', () => {
    const providers = s.provider!.aws.map((p) => ({ alias: p.alias, region: p.region }));
    expect(providers).to.deep.equal([
      { alias: undefined, region: '${var.primary_region}' },
      { alias: 'dr', region: '${var.dr_region}' },
      { alias: 'us_east_1', region: 'us-east-1' },
    ]);
    for (const p of s.provider!.aws) {
      expect(p).not.to.have.property('endpoints');
      expect(p.default_tags).to.deep.equal([{ tags: { 'pilot-light:stack': 'dr-pilot-light', 'pilot-light:environment': 'dr' } }]);
    }
  });

  it('uses an explicit local backend with a relative path, and no absolute path anywhere', () => {
    expect(s.terraform).to.deep.include({ backend: { local: { path: `terraform.${STACK_NAME}.tfstate` } } });
    expect(JSON.stringify(s)).not.to.contain(ROOT);
  });

  it('pins the provider version the offline mirror carries', () => {
    expect((s.terraform as { required_providers: { aws: { version: string } } }).required_providers.aws.version).to.equal('5.100.0');
  });

  it('names resources as the runbooks do (the workload\'s names come from the tfvars: workload.test.ts)', () => {
    const names = (type: string, attr = 'name') => resources(s, type).map((r) => r[attr]);
    expect(names('aws_lambda_function', 'function_name')).to.deep.equal(['dr-dr-failover']);
    expect(names('aws_cloudwatch_log_group')).to.include('/aws/lambda/dr-dr-failover');
    expect(names('aws_cloudwatch_event_rule')).to.include('dr-dr-failover-test');
    expect(names('aws_ecs_cluster')).to.deep.equal(['dr']);
    // One resource each, for_each over ecs_services / asgs: service = key, ASG and target group = dr-<key>.
    expect(names('aws_ecs_service')).to.deep.equal(['${each.key}']);
    expect(names('aws_autoscaling_group')).to.deep.equal(['dr-${each.key}']);
    expect(names('aws_lb_target_group')).to.deep.equal(['dr-${each.key}', 'dr-${each.key}']);
    expect(resources(s, 'aws_ecs_service')[0].for_each).to.match(/^\$\{local\.ecs_services_\w+\}$/);
    expect(s.locals).to.satisfy((l: Record<string, unknown>) => Object.entries(l).some(([k, v]) => k.startsWith('ecs_services_') && v === '${var.ecs_services}'));
    expect(names('aws_dynamodb_table')).to.deep.equal(['dr-dr-failover-state']);
    expect(names('aws_ssm_parameter')).to.have.members(['/dr/mode', '/dr/spec']);
  });

  it('S7: Terraform ignores every field the reconciler owns', () => {
    for (const svc of resources(s, 'aws_ecs_service')) {
      expect(svc.lifecycle, String(svc.name)).to.deep.equal({ ignore_changes: [...SERVICE_RECONCILER_OWNED_FIELDS] });
    }
    for (const asg of resources(s, 'aws_autoscaling_group')) {
      expect(asg.lifecycle, String(asg.name)).to.deep.equal({ ignore_changes: [...ASG_RECONCILER_OWNED_FIELDS] });
    }
    expect(resourceAt(s, 'aws_ssm_parameter', 'mode-parameter').lifecycle).to.deep.equal({ ignore_changes: ['value'] });
    expect(resourceAt(s, 'aws_db_instance', 'database_replica').lifecycle).to.deep.equal({ ignore_changes: ['replicate_source_db'] });
  });

  it('puts every resource in the region it belongs to, with an explicit provider', () => {
    const expected: Record<string, string> = {
      aws_route53_health_check: 'aws',
      aws_route53_record: 'aws',
      aws_cloudwatch_metric_alarm: 'aws.us_east_1',
    };
    for (const [type, byId] of Object.entries(s.resource)) {
      for (const [id, r] of Object.entries(byId)) {
        expect(r.provider, `${type}.${id}`).to.be.a('string');
        if (expected[type]) expect(r.provider, `${type}.${id}`).to.equal(expected[type]);
      }
    }
    expect(resourceAt(s, 'aws_db_instance', 'database_primary').provider).to.equal('aws');
    expect(resourceAt(s, 'aws_db_instance', 'database_replica').provider).to.equal('aws.dr');
    expect(resourceAt(s, 'aws_sns_topic', 'alarm-topic').provider).to.equal('aws.us_east_1');
    expect(resourceAt(s, 'aws_sns_topic', 'notification-topic').provider).to.equal('aws.dr');
  });

  it('documents every output', () => {
    for (const [name, o] of Object.entries(s.output ?? {})) expect(o.description, name).to.be.a('string').and.not.be.empty;
  });

  it('with the emulator option, points every service at the emulator with fake credentials', () => {
    const e = synthStack({ emulator: { endpoint: 'http://127.0.0.1:5000' } });
    for (const p of e.provider!.aws) {
      expect(p).to.deep.include({
        access_key: 'testing',
        secret_key: 'testing',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: 'true',
        s3_use_path_style: true,
      });
      const endpoints = (p.endpoints as Array<Record<string, string>>)[0];
      expect(Object.keys(endpoints).sort()).to.deep.equal([...AWS_SERVICES_USED].sort());
      for (const url of Object.values(endpoints)) expect(url).to.equal('http://127.0.0.1:5000');
    }
  });
});
