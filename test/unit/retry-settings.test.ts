import { expect } from 'chai';
import { InvalidSpecError } from '../../reconciler/errors';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_MODE, MAX_ATTEMPTS_LIMIT, retrySettings, retryStrategy } from '../../reconciler/retry-settings';

describe('retry settings: the standard SDK variables, honoured', () => {
  it('defaults: 3 attempts, standard mode (the SDK default; AWS recommends standard for all workloads)', () => {
    expect([DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_MODE]).to.deep.equal([3, 'standard']);
  });

  const cases: Record<string, { env: Record<string, string | undefined>; option?: number; want: unknown }> = {
    'nothing set': { env: {}, want: { maxAttempts: 3, mode: 'standard', from: { maxAttempts: 'default', mode: 'default' } } },
    'AWS_MAX_ATTEMPTS=1': { env: { AWS_MAX_ATTEMPTS: '1' }, want: { maxAttempts: 1, mode: 'standard', from: { maxAttempts: 'AWS_MAX_ATTEMPTS', mode: 'default' } } },
    'AWS_MAX_ATTEMPTS=10 (the most)': { env: { AWS_MAX_ATTEMPTS: '10' }, want: { maxAttempts: 10, mode: 'standard', from: { maxAttempts: 'AWS_MAX_ATTEMPTS', mode: 'default' } } },
    'AWS_RETRY_MODE=adaptive': { env: { AWS_RETRY_MODE: 'adaptive' }, want: { maxAttempts: 3, mode: 'adaptive', from: { maxAttempts: 'default', mode: 'AWS_RETRY_MODE' } } },
    'AWS_RETRY_MODE=standard': { env: { AWS_RETRY_MODE: 'standard' }, want: { maxAttempts: 3, mode: 'standard', from: { maxAttempts: 'default', mode: 'AWS_RETRY_MODE' } } },
    'AWS_RETRY_MODE=legacy runs as standard, as in the SDK for JavaScript v3': {
      env: { AWS_RETRY_MODE: 'legacy' },
      want: { maxAttempts: 3, mode: 'standard', from: { maxAttempts: 'default', mode: 'AWS_RETRY_MODE' } },
    },
    'both set': { env: { AWS_MAX_ATTEMPTS: '5', AWS_RETRY_MODE: 'adaptive' }, want: { maxAttempts: 5, mode: 'adaptive', from: { maxAttempts: 'AWS_MAX_ATTEMPTS', mode: 'AWS_RETRY_MODE' } } },
    'empty variables are unset, as the SDK reads them': { env: { AWS_MAX_ATTEMPTS: '', AWS_RETRY_MODE: '' }, want: { maxAttempts: 3, mode: 'standard', from: { maxAttempts: 'default', mode: 'default' } } },
    'the caller option wins over the variable (client config before environment, as in the SDK)': {
      env: { AWS_MAX_ATTEMPTS: '1' },
      option: 2,
      want: { maxAttempts: 2, mode: 'standard', from: { maxAttempts: 'option', mode: 'default' } },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => expect(retrySettings(c.env, { maxAttempts: c.option })).to.deep.equal(c.want));
  }

  const refused: Record<string, { env: Record<string, string>; want: string }> = {
    'AWS_MAX_ATTEMPTS=0': { env: { AWS_MAX_ATTEMPTS: '0' }, want: 'AWS_MAX_ATTEMPTS: must be a whole number from 1 to 10, got: "0"' },
    'AWS_MAX_ATTEMPTS=11 (a pass must end)': { env: { AWS_MAX_ATTEMPTS: '11' }, want: 'AWS_MAX_ATTEMPTS: must be a whole number from 1 to 10, got: "11"' },
    'AWS_MAX_ATTEMPTS=three': { env: { AWS_MAX_ATTEMPTS: 'three' }, want: 'AWS_MAX_ATTEMPTS: must be a whole number from 1 to 10, got: "three"' },
    'AWS_MAX_ATTEMPTS=2.5': { env: { AWS_MAX_ATTEMPTS: '2.5' }, want: 'AWS_MAX_ATTEMPTS: must be a whole number from 1 to 10, got: "2.5"' },
    'AWS_MAX_ATTEMPTS with a zero-width space': { env: { AWS_MAX_ATTEMPTS: '3\u200b' }, want: 'AWS_MAX_ATTEMPTS: must be a whole number from 1 to 10, got: "3\\u200b"' },
    'AWS_RETRY_MODE=Adaptive': { env: { AWS_RETRY_MODE: 'Adaptive' }, want: 'AWS_RETRY_MODE: must be "standard", "adaptive" or "legacy", got: "Adaptive"' },
  };
  for (const [name, c] of Object.entries(refused)) {
    it(`refuses ${name}, naming the variable and the value`, () => {
      let err: unknown;
      try {
        retrySettings(c.env);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(InvalidSpecError);
      expect((err as InvalidSpecError).problems).to.deep.equal([c.want]);
    });
  }
  it('a bad option is a programming error (RangeError), not user input', () => {
    expect(() => retrySettings({}, { maxAttempts: 0 })).to.throw(RangeError, 'maxAttempts must be a whole number from 1 to 10, got: 0');
    expect(MAX_ATTEMPTS_LIMIT).to.equal(10);
  });

  describe('retryStrategy', () => {
    // TRANSIENT, not THROTTLING: the adaptive rate limiter slows after throttling (about 2 s a retry here), which
    // would only make this test slow; the attempts and the backoff are the same.
    const transient = { errorType: 'TRANSIENT' as const };
    for (const mode of ['standard', 'adaptive'] as const) {
      it(`${mode}: the SDK mode, the attempts, and this project's backoff between them`, async () => {
        const asked: number[] = [];
        const s = retryStrategy(mode, 4, (attempt) => {
          asked.push(attempt);
          return 1;
        });
        expect(s.mode).to.equal(mode);
        // The SDK's own token type, whichever strategy made it.
        const retry = (token: unknown) => s.refreshRetryTokenForRetry(token as never, transient);
        const second = await retry(await s.acquireInitialRetryToken('ssm'));
        const fourth = await retry(await retry(second));
        // Four attempts made: a fifth is refused.
        let refusedFifth = false;
        await retry(fourth).catch(() => (refusedFifth = true));
        expect(refusedFifth).to.equal(true);
        expect(asked).to.deep.equal([1, 2, 3]);
      });
    }
  });
});
