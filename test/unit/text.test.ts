import { expect } from 'chai';
import { MAX_VALUE_CHARS, printable, quote } from '../../reconciler/text';

describe('text: values in messages', () => {
  describe('printable escapes what a reader cannot see', () => {
    const cases: Record<string, { text: string; want: string }> = {
      'a zero-width space': { text: 'act\u200bive', want: 'act\\u200bive' },
      'zero-width joiner and non-joiner': { text: 'a\u200db\u200cc', want: 'a\\u200db\\u200cc' },
      'a no-break space and a narrow one': { text: 'a\u00a0b\u202fc', want: 'a\\u00a0b\\u202fc' },
      'an ideographic space and an em space': { text: 'a\u3000b\u2003c', want: 'a\\u3000b\\u2003c' },
      'the byte-order mark': { text: '\ufeffx', want: '\\ufeffx' },
      'bidi overrides': { text: 'a\u202eb\u2066c', want: 'a\\u202eb\\u2066c' },
      'a soft hyphen': { text: 'a\u00adb', want: 'a\\u00adb' },
      'C0 and C1 controls, DEL': { text: 'a\u0000b\u001bc\u007fd\u0085e', want: 'a\\u0000b\\u001bc\\u007fd\\u0085e' },
      'newline, carriage return, tab': { text: 'a\nb\rc\td', want: 'a\\u000ab\\u000dc\\u0009d' },
      'line and paragraph separators': { text: 'a\u2028b\u2029c', want: 'a\\u2028b\\u2029c' },
      'a tag character beyond the BMP': { text: 'a\u{e0041}', want: 'a\\u{e0041}' },
      'a variation selector and a Hangul filler': { text: 'a\ufe0fb\u3164c', want: 'a\\ufe0fb\\u3164c' },
      'a lone surrogate': { text: 'a\ud800b', want: 'a\\ud800b' },
      'a private-use character': { text: 'a\ue000b', want: 'a\\ue000b' },
    };
    for (const [name, c] of Object.entries(cases)) it(name, () => expect(printable(c.text)).to.equal(c.want));

    it('keeps what is visible: ASCII and its space, accented letters, other scripts, symbols, emoji', () => {
      const text = 'dr-jenkins: Zoë, Łukasz, 東京, ✓ 👍 ~!@#$%^&*()';
      expect(printable(text)).to.equal(text);
    });
  });

  describe('quote', () => {
    it('quotes strings as JSON, invisible characters escaped', () => {
      expect(quote('act\u200bive')).to.equal('"act\\u200bive"');
      expect(quote('say "hi"\n')).to.equal('"say \\"hi\\"\\n"');
    });
    it(`cuts a string longer than ${MAX_VALUE_CHARS} characters and says how long it was`, () => {
      expect(quote('a'.repeat(MAX_VALUE_CHARS))).to.equal(`"${'a'.repeat(MAX_VALUE_CHARS)}"`);
      expect(quote('a'.repeat(MAX_VALUE_CHARS + 1))).to.equal(`"${'a'.repeat(MAX_VALUE_CHARS)}…" (${MAX_VALUE_CHARS + 1} characters)`);
    });
    it('counts characters, not UTF-16 units, and never splits one', () => {
      expect(quote('👍'.repeat(MAX_VALUE_CHARS))).to.equal(`"${'👍'.repeat(MAX_VALUE_CHARS)}"`);
      expect(quote('👍'.repeat(MAX_VALUE_CHARS + 5))).to.equal(`"${'👍'.repeat(MAX_VALUE_CHARS)}…" (${MAX_VALUE_CHARS + 5} characters)`);
    });
    it('never splits an escape when cutting', () => {
      const got = quote('\u200b'.repeat(300), 10);
      expect(got).to.equal(`"${'\\u200b'.repeat(10)}…" (300 characters)`);
    });
    it('numbers and objects as JSON', () => {
      expect(quote(1e30)).to.equal('1e+30');
      expect(quote(null)).to.equal('null');
      expect(quote({ a: [1, 'x\u00a0'] })).to.equal('{"a":[1,"x\\u00a0"]}');
      expect(quote(undefined)).to.equal('undefined');
    });
    it('a long object is cut without leaving half an escape', () => {
      // {"k":" is 6 characters, each \u0001 six more: a cut at 12 keeps one whole escape, at 10 or 11 none.
      expect(quote({ k: '\u0001'.repeat(100) }, 12)).to.equal('{"k":"\\u0001… (608 characters)');
      expect(quote({ k: '\u0001'.repeat(100) }, 10)).to.equal('{"k":"… (608 characters)');
      expect(quote({ k: '\u0001'.repeat(100) }, 7)).to.equal('{"k":"… (608 characters)');
      // An escaped backslash is complete: kept. {"k":"\\ is 8 characters.
      expect(quote({ k: '\\'.repeat(100) }, 8)).to.equal('{"k":"\\\\… (208 characters)');
      expect(quote({ k: '\\'.repeat(100) }, 9)).to.equal('{"k":"\\\\… (208 characters)');
    });
    it('values JSON cannot write do not throw: cycles, BigInt, 10 000-deep objects', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(quote(cyclic)).to.equal('[object Object]');
      expect(quote(10n)).to.equal('[object BigInt]');
      let deep: unknown = 1;
      for (let i = 0; i < 10_000; i++) deep = { a: deep };
      expect(quote(deep)).to.equal('[object Object]');
    });
  });
});
