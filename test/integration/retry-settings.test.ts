/**
 * AWS_MAX_ATTEMPTS and AWS_RETRY_MODE reach the real SDK clients of reconciler/aws.ts: counted at the wire by
 * the recording proxy (test/support/proxy.ts) in front of the emulator, which answers the chosen calls with
 * throttling (moto never throttles).
 */
import { expect } from 'chai';
import { createAwsPort } from '../../reconciler/aws';
import { PortError } from '../../reconciler/errors';
import { getEmulator } from '../support/emulator';
import { startProxy, type Proxy } from '../support/proxy';

describe('SDK retry settings against the emulator', function () {
  this.timeout(60_000);
  const VARS = ['AWS_ENDPOINT_URL', 'AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE'] as const;
  let saved: Partial<Record<(typeof VARS)[number], string>>;
  let proxy: Proxy;

  before(async () => {
    proxy = await startProxy((await getEmulator()).endpoint);
  });
  after(() => proxy?.close());
  beforeEach(() => {
    saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    delete process.env.AWS_MAX_ATTEMPTS;
    delete process.env.AWS_RETRY_MODE;
    proxy.clear();
    proxy.faults.length = 0;
  });
  afterEach(() => {
    for (const k of VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  /** Every PutParameter is throttled; resolves to how many reached the proxy before the port gave up. */
  async function attemptsWhenThrottled(): Promise<number> {
    proxy.faults.push({ match: (c) => c.action === 'PutParameter', status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    // The port is built after the variables are set: it reads them once, as a Lambda container does.
    const port = createAwsPort({ region: 'us-west-2', retryBaseDelayMs: 1 });
    const err = await port.putModeParameter('/retry-test/mode', 'active').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PortError);
    expect(err).to.include({ code: 'ThrottlingException', retryable: true });
    return proxy.calls.filter((c) => c.action === 'PutParameter').length;
  }

  const cases: Record<string, { env: Record<string, string>; attempts: number }> = {
    'AWS_MAX_ATTEMPTS=1 makes one attempt': { env: { AWS_MAX_ATTEMPTS: '1' }, attempts: 1 },
    'unset: the default of 3 attempts': { env: {}, attempts: 3 },
    'AWS_MAX_ATTEMPTS=5 makes five': { env: { AWS_MAX_ATTEMPTS: '5' }, attempts: 5 },
    'AWS_RETRY_MODE=adaptive with AWS_MAX_ATTEMPTS=2 makes two': { env: { AWS_RETRY_MODE: 'adaptive', AWS_MAX_ATTEMPTS: '2' }, attempts: 2 },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      Object.assign(process.env, c.env);
      expect(await attemptsWhenThrottled()).to.equal(c.attempts);
    });
  }

  it('a retry after one throttled attempt reaches the emulator and succeeds', async () => {
    process.env.AWS_MAX_ATTEMPTS = '2';
    proxy.faults.push({ match: (c) => c.action === 'PutParameter', status: 400, code: 'ThrottlingException', message: 'Rate exceeded', times: 1 });
    const port = createAwsPort({ region: 'us-west-2', retryBaseDelayMs: 1 });
    const version = await port.putModeParameter('/retry-test/recovers', 'active');
    expect(version).to.be.a('number');
    expect(await port.getParameterValue('/retry-test/recovers')).to.equal('active');
    expect(proxy.calls.filter((c) => c.action === 'PutParameter')).to.have.length(2);
  });
});
