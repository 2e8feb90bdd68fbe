/**
 * The CDK for Terraform app: two stacks per environment (modules/stack.ts). `npm run synth` (or `cdktf synth`)
 * writes cdktf.out/stacks/dr-pilot-light-primary/ (the primary region: a created primary database and its
 * replicated credentials) and cdktf.out/stacks/dr-pilot-light/ (everything else, planned without the primary
 * region). Values come from environments/dr-pilot-light/terraform.tfvars; the state backend from the
 * environment (modules/backend.ts).
 */
import { App } from 'cdktf';
import { DrPilotLightStack, DrPrimaryStack, PRIMARY_STACK_NAME, STACK_NAME } from './modules/stack';

const app = new App();
new DrPrimaryStack(app, PRIMARY_STACK_NAME);
new DrPilotLightStack(app, STACK_NAME);
app.synth();
