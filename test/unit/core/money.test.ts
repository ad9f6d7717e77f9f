import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { formatMinorUnits, maxAmountPerCommand, parseAmount } from '../../../src/core/money.js';

const rejection = (text: string): ValidationError => {
  try {
    parseAmount(text);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`parseAmount accepted ${JSON.stringify(text)}`);
};

describe('parsing an amount', () => {
  it.each([
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['0.01', 1],
    ['0.1', 10],
    ['007.05', 705],
    ['1000000000', 100_000_000_000],
    ['1000000000.00', 100_000_000_000],
  ])('reads %s as %i minor units', (text, minorUnits) => expect(parseAmount(text)).toBe(minorUnits));

  it('reads amounts exactly where binary floats would round', () => {
    expect(parseAmount('0.29')).toBe(29); // 0.29 * 100 is 28.999999999999996 in IEEE 754
    expect(parseAmount('1.15')).toBe(115);
    expect(parseAmount('999999999.99')).toBe(99_999_999_999);
  });

  it.each([
    ['', 'amount is empty; write a decimal such as "12.50"'],
    [' 12.50', 'amount has leading or trailing whitespace'],
    ['12.50 ', 'amount has leading or trailing whitespace'],
    ['12.50\n', 'amount has leading or trailing whitespace'],
    ['-5', 'amount has a sign ("-"); write a positive decimal without one, such as "12.50"'],
    ['+5', 'amount has a sign ("+"); write a positive decimal without one, such as "12.50"'],
    ['1e3', 'amount uses exponent notation ("1e3"); write plain digits ("1000")'],
    ['1.5E-2', 'amount uses exponent notation ("1e3"); write plain digits ("1000")'],
    ['1,000.00', 'amount contains ","; only digits 0-9 and one decimal point "." are allowed'],
    ['1 000', 'amount contains " "; only digits 0-9 and one decimal point "." are allowed'],
    ['12,50', 'amount contains ","; only digits 0-9 and one decimal point "." are allowed'],
    ['$12', 'amount contains "$"; only digits 0-9 and one decimal point "." are allowed'],
    ['0x10', 'amount contains "x"; only digits 0-9 and one decimal point "." are allowed'],
    ['Infinity', 'amount contains "I"; only digits 0-9 and one decimal point "." are allowed'],
    ['NaN', 'amount contains "N"; only digits 0-9 and one decimal point "." are allowed'],
    ['١٢', 'amount contains "١"; only digits 0-9 and one decimal point "." are allowed'],
    ['1.2.3', 'amount has more than one decimal point'],
    ['.50', 'amount needs a digit before the decimal point ("0.50", not ".50")'],
    ['12.', 'amount needs digits after the decimal point ("12.50", not "12.")'],
    ['12.505', 'amount has 3 fraction digits; at most 2 are allowed'],
    ['12.500', 'amount has 3 fraction digits; at most 2 are allowed'],
    ['0', 'amount must be positive; got 0.00'],
    ['0.00', 'amount must be positive; got 0.00'],
    ['1000000000.01', 'amount is above the maximum of 1000000000.00 per command'],
    ['99999999999999999999999', 'amount is above the maximum of 1000000000.00 per command'],
  ])('rejects %j: %s', (text, message) => {
    const error = rejection(text);
    expect(error.message).toBe(message);
    expect(error.field).toBe('amount');
  });

  it('accepts the maximum however many leading zeros it has', () =>
    expect(parseAmount(`${'0'.repeat(50)}1000000000.00`)).toBe(maxAmountPerCommand));

  it('reads back every amount it formats', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: maxAmountPerCommand }), (minorUnits) => {
        expect(parseAmount(formatMinorUnits(minorUnits))).toBe(minorUnits);
      }),
    ));
});

describe('formatting minor units', () => {
  it.each([
    [1250, '12.50'],
    [5, '0.05'],
    [0, '0.00'],
    [100, '1.00'],
    [-5, '-0.05'],
    [-1250, '-12.50'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('writes %i as %s', (minorUnits, text) => expect(formatMinorUnits(minorUnits)).toBe(text));

  it('writes a bigint exactly whatever its size, as decimal arithmetic on its digits would', () =>
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (minorUnits) => {
        const digits = (minorUnits < 0n ? -minorUnits : minorUnits).toString().padStart(3, '0');
        const sign = minorUnits < 0n ? '-' : '';
        expect(formatMinorUnits(minorUnits)).toBe(`${sign}${BigInt(digits.slice(0, -2))}.${digits.slice(-2)}`);
      }),
    ));

  it('always writes two fraction digits', () =>
    fc.assert(
      fc.property(fc.maxSafeNat(), (minorUnits) => {
        expect(formatMinorUnits(minorUnits)).toMatch(/^\d+\.\d{2}$/);
      }),
    ));
});
