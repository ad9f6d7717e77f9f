import { ValidationError } from '../errors.js';

/**
 * Positions in $all as esgraph hands them to clients: an opaque string that orders like the
 * commit position it encodes. Mutations return one; queries take it back as `consistentWith`.
 */
export type PositionToken = string;

export const positionToken = (commitPosition: bigint): PositionToken => commitPosition.toString(10);

/** The commit position in a token, or undefined when the text is not one of ours. */
export const parsePositionToken = (token: string): bigint | undefined =>
  /^\d{1,20}$/.test(token) ? BigInt(token) : undefined;

/**
 * The commit position in a token a client sent as `field`.
 * @throws ValidationError saying what `field` must be (`expected`) and quoting the start of what came.
 */
export const requirePositionToken = (token: string, field: string, expected: string): bigint => {
  const position = parsePositionToken(token);
  if (position === undefined) {
    throw new ValidationError(`${field} must be ${expected}, got ${JSON.stringify(token.slice(0, 40))}`, field);
  }
  return position;
};
