import type { HTTPGraphQLResponse } from '@apollo/server';

/** Whether an operation's result says it executed: it has `data` (null included), so it may have had effects. */
const executed = (result: unknown): boolean => typeof result === 'object' && result !== null && 'data' in result;

/**
 * The HTTP status of an answer. Apollo gives a batch's operations one shared status, so one
 * operation refused with a 4xx (a malformed variable, a document that does not validate) would say
 * 4xx for a batch whose other operations ran. A 4xx means nothing took effect, so a batch in
 * which any operation executed answers 200, each result saying what became of its operation. From
 * a result alone, an operation refused by its resolver (`data: null`) cannot be told from a
 * mutation that ran before a refused one, so both count as executed.
 */
export const answerStatus = (body: unknown, response: HTTPGraphQLResponse): number => {
  const status = response.status ?? 200;
  if (!Array.isArray(body) || status < 400 || status >= 500 || response.body.kind !== 'complete') return status;
  const results = JSON.parse(response.body.string) as unknown;
  return Array.isArray(results) && results.some(executed) ? 200 : status;
};
