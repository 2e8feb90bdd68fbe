/**
 * The CDK for Terraform app: one stack per environment. `npm run synth` (or `cdktf synth`) writes
 * cdktf.out/stacks/dr-pilot-light/cdk.tf.json. Values come from environments/dr-pilot-light/terraform.tfvars.
 */
import { App } from 'cdktf';
import { DrPilotLightStack, STACK_NAME } from './modules/stack';

const app = new App();
new DrPilotLightStack(app, STACK_NAME);
app.synth();
