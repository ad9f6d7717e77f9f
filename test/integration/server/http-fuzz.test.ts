import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEventStore, type EventStoreClient, readHeadPosition } from '../../../src/core/eventstore/client.js';
import { bankApi } from '../../support/bank-api.js';
import { readErrorTable } from '../../support/error-table.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { type FuzzRequest, fuzzAccountId, fuzzRequest } from '../../support/fuzz-requests.js';
import { postJson, type RawAnswer, sendRaw } from '../../support/raw-http.js';

/*
 * Random and broken requests over real HTTP, each checked for what the edge promises: an answer
 * that is a well-formed GraphQL response (errors with a code, or data), with a status the README's
 * error table gives its codes, never a 5xx; a rejected request (4xx, or no data) leaves the event
 * log as it was; and the server answers serverInfo after every one.
 *
 * FUZZ_RUNS (default 300) sets how many requests; FUZZ_SEED replays a run (fast-check prints the
 * seed, and the path of the smallest failing request, when a property fails; FUZZ_PATH replays
 * just that one).
 */

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const path = process.env.FUZZ_PATH;

/** The statuses the README documents for each code. */
const documentedStatuses = new Map(readErrorTable().flatMap((row) => row.codes.map((code) => [code, row.statuses])));

interface GraphQLAnswer {
  readonly data?: unknown;
  readonly errors?: readonly { readonly message?: unknown; readonly extensions?: { readonly code?: unknown } }[];
}

/** What one GraphQL response breaks of the edge's promises, and the codes of its errors. */
const responseProblems = (response: unknown): { readonly broken: string[]; readonly codes: string[] } => {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) {
    return { broken: ['not a JSON object'], codes: [] };
  }
  const { data, errors } = response as GraphQLAnswer;
  if (errors === undefined) {
    return { broken: typeof data === 'object' && data !== null ? [] : ['neither errors nor data'], codes: [] };
  }
  if (!Array.isArray(errors) || errors.length === 0) return { broken: ['errors is not a non-empty list'], codes: [] };
  const broken: string[] = [];
  const codes: string[] = [];
  for (const error of errors) {
    const code = error.extensions?.code;
    if (typeof error.message !== 'string') broken.push('an error without a message');
    if (typeof code !== 'string') broken.push('an error without extensions.code');
    else if (code === 'INTERNAL_SERVER_ERROR') broken.push(`INTERNAL_SERVER_ERROR: ${JSON.stringify(errors)}`);
    else if (!documentedStatuses.has(code)) broken.push(`a code the README does not list: ${code}`);
    else codes.push(code);
  }
  return { broken, codes };
};

/**
 * What `answer` breaks of the edge's promises; empty when it keeps them all. A batch (a JSON
 * array body) is answered with an array of responses, each held to the same promises.
 */
const brokenPromises = (answer: RawAnswer): string[] => {
  const broken: string[] = [];
  if (answer.status >= 500) broken.push(`status ${answer.status}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...broken, `not JSON: ${answer.body.slice(0, 200)}`];
  }
  if (!String(answer.headers['content-type']).startsWith('application/')) broken.push('not a JSON content type');
  const responses = Array.isArray(body) && body.length > 0 ? body : [body];
  const checked = responses.map(responseProblems);
  broken.push(...checked.flatMap((one) => one.broken));
  const codes = checked.flatMap((one) => one.codes);
  // A batch in which any operation executed answers 200 whatever the others' codes (README, Edge limits).
  const batchRan =
    Array.isArray(body) && responses.some((one) => typeof one === 'object' && one !== null && 'data' in one);
  const allowed = [
    ...(codes.length === 0 || batchRan ? [200] : []),
    ...codes.flatMap((code) => documentedStatuses.get(code) ?? []),
  ];
  if (!allowed.includes(answer.status)) broken.push(`status ${answer.status} for ${codes.join(', ') || 'no error'}`);
  return broken;
};

/** Nothing of a rejected request may have taken effect: a 4xx, or an answer without data. */
const rejected = (answer: RawAnswer): boolean => {
  if (answer.status >= 400) return true;
  try {
    const body = JSON.parse(answer.body) as unknown;
    const responses = Array.isArray(body) ? body : [body];
    return responses.every((response) => !(typeof response === 'object' && response !== null && 'data' in response));
  } catch {
    return true;
  }
};

describe('the HTTP edge under fuzzing', () => {
  const esgraph = useTestEsgraph();
  let eventStore: EventStoreClient;

  beforeAll(async () => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
    const bank = bankApi(() => esgraph.url);
    await bank.open({ accountId: fuzzAccountId });
    await bank.deposit(fuzzAccountId, '100.00');
  });
  afterAll(async () => {
    await eventStore?.dispose();
  });

  const send = (request: FuzzRequest): Promise<RawAnswer> =>
    sendRaw(`${esgraph.url}${request.search}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });

  const serverInfoAnswers = async (): Promise<boolean> => {
    const answer = await postJson(esgraph.url, JSON.stringify({ query: '{ serverInfo { name } }' }));
    return (
      answer.status === 200 && JSON.stringify(JSON.parse(answer.body)) === '{"data":{"serverInfo":{"name":"esgraph"}}}'
    );
  };

  it(`keeps every promise of the edge for ${runs} random requests`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const head = await readHeadPosition(eventStore);
        const answer = await send(request);
        expect(brokenPromises(answer)).toEqual([]);
        if (rejected(answer)) expect(await readHeadPosition(eventStore)).toBe(head);
        expect(await serverInfoAnswers()).toBe(true);
      }),
      { numRuns: runs, ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }) },
    );
  });
});
