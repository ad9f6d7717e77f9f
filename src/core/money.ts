import { ValidationError } from './errors.js';

/**
 * Exact amounts of money. Inside esgraph an amount is an integer count of minor units with two
 * fraction digits ("12.50" is 1250), never a binary float: 0.1 + 0.2 is not 0.3 in IEEE 754, and a
 * bank that loses a cent is wrong. Outside (GraphQL) it is a decimal string; see `src/graphql/kit/money-scalar.ts`.
 */
export type MinorUnits = number;

/**
 * A sum of many amounts (the bank's totals): exact as far as Redis integers go (signed 64-bit),
 * which is past the 2^53 where a JS number starts to round.
 */
export type MinorUnitSum = bigint;

export const fractionDigits = 2;
const minorUnitsPerMajor = 10 ** fractionDigits;

/** The largest amount one deposit or withdrawal may move: 1,000,000,000.00. */
export const maxAmountPerCommand: MinorUnits = 1_000_000_000 * minorUnitsPerMajor;

const example = 'such as "12.50"';
const exponentNotation = /^(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;
const notDigitOrPoint = /[^\d.]/;
/** "12", "12.5", "12.50", "0012.50": passes every check of `findSyntaxProblem` and the digit counts. */
const plainAmount = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/** Says what is wrong with the shape of a decimal string, or nothing when it is a plain decimal. */
const findSyntaxProblem = (text: string): string | undefined => {
  if (text === '') return `amount is empty; write a decimal ${example}`;
  if (/^\s|\s$/.test(text)) return 'amount has leading or trailing whitespace';
  const sign = /^[+-]/.exec(text)?.[0];
  if (sign) return `amount has a sign ("${sign}"); write a positive decimal without one, ${example}`;
  if (exponentNotation.test(text)) return 'amount uses exponent notation ("1e3"); write plain digits ("1000")';
  const stray = notDigitOrPoint.exec(text)?.[0];
  if (stray) return `amount contains ${JSON.stringify(stray)}; only digits 0-9 and one decimal point "." are allowed`;
  if (text.indexOf('.') !== text.lastIndexOf('.')) return 'amount has more than one decimal point';
  if (text.startsWith('.')) return 'amount needs a digit before the decimal point ("0.50", not ".50")';
  if (text.endsWith('.')) return 'amount needs digits after the decimal point ("12.50", not "12.")';
  return undefined;
};

/**
 * Parses an amount a client typed: a plain positive decimal string ("12", "12.5", "12.50") with at
 * most two fraction digits and at most 1,000,000,000.00. Returns minor units.
 * @throws ValidationError naming exactly what is wrong (exponent, whitespace, sign, stray character,
 *   too many fraction digits, zero, too large).
 */
export const parseAmount = (text: string): MinorUnits => {
  // Nearly every amount is already plain: read it at once, and diagnose only what is not.
  const plain = plainAmount.exec(text);
  if (plain) return checkAmount(minorUnitsOf(plain[1]!, plain[2] ?? ''));
  const problem = findSyntaxProblem(text);
  if (problem) throw new ValidationError(problem, 'amount');
  const [whole = '', fraction = ''] = text.split('.');
  if (fraction.length > fractionDigits) {
    throw new ValidationError(
      `amount has ${fraction.length} fraction digits; at most ${fractionDigits} are allowed`,
      'amount',
    );
  }
  // Digits are checked before any arithmetic, so a hundred-digit string cannot lose precision
  // on its way to a number: more than 10 significant whole digits is already above the maximum.
  const significantWhole = whole.replace(/^0+/, '');
  if (significantWhole.length > 10) throw tooLarge();
  return checkAmount(minorUnitsOf(significantWhole || '0', fraction));
};

/** Whole digits (at most 10, so exact as a number) and up to two fraction digits, as minor units. */
const minorUnitsOf = (whole: string, fraction: string): MinorUnits =>
  Number(whole) * minorUnitsPerMajor + Number(fraction.padEnd(fractionDigits, '0'));

const tooLarge = () =>
  new ValidationError(`amount is above the maximum of ${formatMinorUnits(maxAmountPerCommand)} per command`, 'amount');

/**
 * Checks an amount that arrives already in minor units (a command built in code): a positive
 * integer no larger than the per-command maximum. Returns it unchanged.
 * @throws ValidationError otherwise.
 */
export const checkAmount = (amount: MinorUnits): MinorUnits => {
  if (!Number.isSafeInteger(amount)) {
    throw new ValidationError(`amount must be a whole number of minor units; got ${amount}`, 'amount');
  }
  if (amount <= 0) throw new ValidationError(`amount must be positive; got ${formatMinorUnits(amount)}`, 'amount');
  if (amount > maxAmountPerCommand) throw tooLarge();
  return amount;
};

/**
 * Formats minor units with exactly two fraction digits: 1250 → "12.50", 5 → "0.05", -5 → "-0.05".
 * Exact for any bigint, and for numbers while they are safe integers.
 */
export const formatMinorUnits = (amount: MinorUnits | MinorUnitSum): string => {
  const minor = BigInt(amount);
  if (minor < 0n) return `-${formatMinorUnits(-minor)}`;
  const perMajor = BigInt(minorUnitsPerMajor);
  const fraction = String(minor % perMajor).padStart(fractionDigits, '0');
  return `${minor / perMajor}.${fraction}`;
};
