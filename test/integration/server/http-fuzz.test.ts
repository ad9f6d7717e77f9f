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

/** What `answer` breaks of the edge's promises; empty when it keeps them all. */
const brokenPromises = (answer: RawAnswer): string[] => {
  const broken: string[] = [];
  if (answer.status >= 500) broken.push(`status ${answer.status}`);
  let body: GraphQLAnswer;
  try {
    body = JSON.parse(answer.body) as GraphQLAnswer;
  } catch {
    return [...broken, `not JSON: ${answer.body.slice(0, 200)}`];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [...broken, 'not a JSON object'];
  if (!String(answer.headers['content-type']).startsWith('application/')) broken.push('not a JSON content type');
  const { errors } = body;
  if (errors === undefined) {
    if (typeof body.data !== 'object' || body.data === null) broken.push('neither errors nor data');
    if (answer.status !== 200) broken.push(`status ${answer.status} without errors`);
    return broken;
  }
  if (!Array.isArray(errors) || errors.length === 0) return [...broken, 'errors is not a non-empty list'];
  const codes = errors.map((error) => error.extensions?.code);
  for (const error of errors) {
    if (typeof error.message !== 'string') broken.push('an error without a message');
  }
  for (const code of codes) {
    if (typeof code !== 'string') broken.push('an error without extensions.code');
    else if (code === 'INTERNAL_SERVER_ERROR') broken.push(`INTERNAL_SERVER_ERROR: ${JSON.stringify(errors)}`);
    else if (!documentedStatuses.has(code)) broken.push(`a code the README does not list: ${code}`);
  }
  const allowed = codes.flatMap((code) => documentedStatuses.get(String(code)) ?? []);
  if (!allowed.includes(answer.status)) broken.push(`status ${answer.status} for ${codes.join(', ')}`);
  return broken;
};

/** Nothing of a rejected request may have taken effect: a 4xx, or an answer without data. */
const rejected = (answer: RawAnswer): boolean => {
  if (answer.status >= 400) return true;
  try {
    return !('data' in (JSON.parse(answer.body) as object));
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
