/** The mode and spec parameters (SSM). Part of the AWS port (reconciler/aws.ts composes the parts). */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { PortError } from '../errors';
import type {
  ModeStore,
  ModeParameter,
} from '../port';
import { AwsContext } from './clients';

/** The mode and spec parameters (SSM). */
export function ssmPart(ctx: AwsContext): ModeStore {
  const { dr, call, readParameter } = ctx;
  return {
    async getModeParameter(name: string): Promise<ModeParameter | undefined> {
      // LastModifiedUser is only returned by DescribeParameters, which needs an extra call and a `*`-resource
      // permission (S8): lastModifiedBy is optional, so it is left out.
      return readParameter(name);
    },
    async putModeParameter(name: string, value: string): Promise<number> {
      const out = await call('ssm PutParameter', name, () =>
        dr().ssm().send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })),
      );
      if (out.Version === undefined) throw new PortError(`ssm PutParameter ${name} returned no version`, { code: 'MissingVersion', retryable: false });
      return out.Version;
    },
    async getParameterValue(name: string): Promise<string | undefined> {
      return (await readParameter(name))?.value;
    },
  };
}
