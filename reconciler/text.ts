/**
 * Values shown in messages: invisible characters made visible, long values cut.
 *
 * A message that prints `got: "act​ive"` with a raw zero-width space looks like `active` and sends the reader
 * after the wrong problem; a 10 000-character value buries the field name. Every InvalidSpecError goes
 * through `printable`, and every bad value in one through `quote`.
 */

/**
 * Characters a reader cannot see, or that break a one-line message: controls (C0, DEL, C1), format
 * characters (zero-width spaces and joiners, bidi controls, the BOM, soft hyphen, tags), line and paragraph
 * separators, every space but U+0020 (NBSP, thin spaces, ideographic space), surrogate halves, private-use
 * and unassigned code points, and the blank fillers and variation selectors that render as nothing.
 */
const INVISIBLE =
  /(?:(?! )\p{Zs})|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu;

/** Longest value `quote` shows, in characters; longer ones are cut (an ARN of ~110 still fits whole). */
export const MAX_VALUE_CHARS = 200;

/** `\u200b` for a BMP character, `\u{e0001}` beyond it: the JavaScript and JSON spelling readers know. */
function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with every invisible or control character written as an escape (`\u200b`, `\u00a0`, `\u000a`). */
export function printable(text: string): string {
  return text.replace(INVISIBLE, escapeChar);
}

/** JSON.stringify that never throws (cycles, BigInt, nesting deeper than the stack): falls back to String. */
function stringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A value for a message: JSON-quoted, invisible characters escaped, cut at `max` characters with the full
 * length said (`"aaaa…" (5000 characters)`).
 */
export function quote(value: unknown, max = MAX_VALUE_CHARS): string {
  if (typeof value === 'string') {
    const chars = Array.from(value);
    if (chars.length <= max) return printable(JSON.stringify(value));
    // Cut the raw text, then quote it: an escape sequence is never split.
    return `${printable(JSON.stringify(chars.slice(0, max).join('') + '…'))} (${chars.length} characters)`;
  }
  const text = printable(stringify(value));
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  let cut = chars.slice(0, max).join('');
  // A cut inside an escape (`\`, `\u20`, `\u{e00`) would show a broken one: drop the partial escape. An odd
  // run of backslashes is what starts one; an even run is escaped backslashes, complete.
  const partial = /(\\+)(?:u(?:[0-9a-f]{0,3}|\{[0-9a-f]*))?$/.exec(cut);
  if (partial && partial[1].length % 2 === 1) cut = cut.slice(0, partial.index + partial[1].length - 1);
  return `${cut}… (${chars.length} characters)`;
}
