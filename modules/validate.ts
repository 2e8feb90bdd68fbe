/**
 * Constructor-time prop validation shared by the modules.
 *
 * Each check skips unresolved tokens: a value that comes from a Terraform variable is validated by that
 * variable's `validation` block at plan time, so the construct only checks what it can see at synth time.
 * Every message names the prop and the bad value (`x must be 10 or 30, got: 15`).
 */
import { Fn, IResolvable, Op, Token } from 'cdktf';

/** Throws unless `value` is one of `allowed`; unresolved tokens pass. */
export function checkOneOf<T extends string | number>(field: string, value: T, allowed: readonly T[]): void {
  if (Token.isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => (typeof a === 'string' ? JSON.stringify(a) : String(a)));
    const expected = list.length === 2 ? `${list[0]} or ${list[1]}` : `one of ${list.join(', ')}`;
    throw new Error(`${field} must be ${expected}, got: ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is an integer in [min, max]; unresolved tokens pass. */
export function checkIntegerRange(field: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${field} must be an integer between ${min} and ${max}, got: ${value}`);
  }
}

/** Throws when `value` is empty or blank; unresolved tokens pass. */
export function checkNotEmpty(field: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  if (value.trim() === '') throw new Error(`${field} must not be empty, got: ${JSON.stringify(value)}`);
}

/** Throws unless `value` matches `pattern`; `what` describes the expected form. Unresolved tokens pass. */
export function checkMatches(field: string, value: string, pattern: RegExp, what: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) throw new Error(`${field} must be ${what}, got: ${JSON.stringify(value)}`);
}

/** Throws unless `small <= large`, when both are known numbers. */
export function checkAtMost(smallField: string, small: number, largeField: string, large: number): void {
  if (Token.isUnresolved(small) || Token.isUnresolved(large)) return;
  if (small > large) throw new Error(`${smallField} must be <= ${largeField} (${large}), got: ${small}`);
}

/** Throws when a list is empty or has fewer than `min` items; an unresolved list passes. */
export function checkMinItems(field: string, value: readonly string[], min: number): void {
  if (Token.isUnresolved(value)) return;
  if (value.length < min) throw new Error(`${field} must have at least ${min} item(s), got: ${JSON.stringify(value)}`);
}

/** A capacity in one mode, as the modules receive it (numbers may be tokens). */
export interface ModeCapacity {
  /** ASG MinSize. */
  readonly minSize: number;
  /** ASG MaxSize. */
  readonly maxSize: number;
  /** ASG DesiredCapacity. */
  readonly desiredCapacity: number;
  /** OnDemandPercentageAboveBaseCapacity: 0 all spot, 100 all on-demand. */
  readonly onDemandPercentage: number;
}

/** Checks min <= desired <= max and 0 <= onDemandPercentage <= 100, naming `field`. */
export function checkModeCapacity(field: string, c: ModeCapacity): void {
  checkIntegerRange(`${field}.minSize`, c.minSize, 0, 10000);
  checkIntegerRange(`${field}.maxSize`, c.maxSize, 0, 10000);
  checkIntegerRange(`${field}.desiredCapacity`, c.desiredCapacity, 0, 10000);
  checkIntegerRange(`${field}.onDemandPercentage`, c.onDemandPercentage, 0, 100);
  checkAtMost(`${field}.minSize`, c.minSize, 'maxSize', c.maxSize);
  checkAtMost(`${field}.minSize`, c.minSize, 'desiredCapacity', c.desiredCapacity);
  checkAtMost(`${field}.desiredCapacity`, c.desiredCapacity, 'maxSize', c.maxSize);
}

/**
 * A Terraform condition "`value` is the empty string". (cdktf renders a literal "" operand of Op.eq as
 * `undefined`, and so is a literal 0: hence `length(x) < 1`.)
 */
export function isEmptyString(value: string): IResolvable {
  return Op.lt(Fn.lengthOf(value), 1);
}

/** Lists joined: in TypeScript when all are literal, by Terraform's concat when one is a token (a variable). */
export function concatLists(...lists: string[][]): string[] {
  return lists.some((l) => Token.isUnresolved(l)) ? Token.asList(Fn.concat(lists)) : lists.flat();
}
