import { ValidationError } from './errors.js';

/**
 * Ids become part of stream names (`account-<id>`, say) and Redis keys, so they are kept to letters,
 * digits, `_` and `-` (UUIDs fit), at most 64 characters.
 */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An id as given, checked against the pattern above.
 * @throws ValidationError naming `field` when it does not fit.
 */
export const requireId = (value: string, field: string): string => {
  if (value === '') throw new ValidationError(`${field} must not be empty`, field);
  if (!ID_PATTERN.test(value)) {
    throw new ValidationError(
      `${field} must be 1-64 characters of letters, digits, "_" and "-"; got ${JSON.stringify(value.slice(0, 80))}`,
      field,
    );
  }
  return value;
};

/** {@link requireId} for an optional argument: absent (null or undefined) stays undefined. */
export const optionalId = (value: string | null | undefined, field: string): string | undefined =>
  value === null || value === undefined ? undefined : requireId(value, field);
