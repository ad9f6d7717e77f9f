import { ValidationError } from '../../core/index.js';

/** An ISO-4217 currency code: exactly three upper-case letters A–Z ("EUR", "USD"). */
export type CurrencyCode = string;

/**
 * Accepts an ISO-4217-shaped code as given. It does not upper-case or trim: "eur" is refused rather
 * than guessed at, so the stored event holds exactly what the client meant.
 * @throws ValidationError when the code is not exactly three letters A–Z.
 */
export const parseCurrencyCode = (text: string): CurrencyCode => {
  if (!/^[A-Z]{3}$/.test(text)) {
    throw new ValidationError(
      `currency must be an ISO-4217 code of exactly 3 upper-case letters A-Z, such as "EUR"; got ${JSON.stringify(text)}`,
      'currency',
    );
  }
  return text;
};
