import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../../src/core/redis/client.js';
import { startTestDependencies, startTestEsgraph, useTestEsgraph } from '../../support/esgraph.js';
import { errorCodeOf, type GraphQLAnswer, persistedQueryOf, postGraphQL } from '../../support/persisted-queries.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Automatic persisted queries (Apollo's APQ protocol) over real HTTP, against esgraph instances
 * sharing one real Redis. Every document here is made unique per test, so tests never see each
 * other's registrations.
 */

/** POSTs an APQ request: the hash alone, or the hash with its document (a registration). */
const postPersisted = (url: string, query: string, withText: boolean): Promise<GraphQLAnswer> =>
  postGraphQL(url, { ...(withText ? { query } : {}), ...persistedQueryOf(query) });

/** Asks until the answer carries data, and returns that answer: Apollo registers without awaiting the write. */
const waitForAnswer = (ask: () => Promise<GraphQLAnswer>): Promise<GraphQLAnswer> =>
  waitFor('a persisted query answered by hash', async () => {
    const answer = await ask();
    return answer.body.data ? answer : undefined;
  });

/** A document of its own: the operation name makes its hash one no other test registers. */
const uniqueServerInfo = (padding = ''): string =>
  `query ServerInfo_${randomUUID().replaceAll('-', '_')} { serverInfo { name } }${padding}`;

describe('automatic persisted queries', () => {
  const esgraph = useTestEsgraph(2);

  it('registers a document through one instance and runs it by hash through another sharing its Redis', async () => {
    const [first, second] = esgraph.instances;
    const query = uniqueServerInfo();

    const unknown = await postPersisted(second!.url, query, false);
    expect(unknown.status).toBe(200);
    expect(errorCodeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await postPersisted(first!.url, query, true);
    expect(registered.body).toEqual({ data: { serverInfo: { name: 'esgraph' } } });

    const byHash = await waitForAnswer(() => postPersisted(second!.url, query, false));
    expect(byHash.body).toEqual({ data: { serverInfo: { name: 'esgraph' } } });
  });

  it('runs but does not keep a document larger than APQ_MAX_DOCUMENT_BYTES (16 KiB by default)', async () => {
    const query = uniqueServerInfo(`\n# ${'x'.repeat(16_384)}`);
    const registered = await postPersisted(esgraph.url, query, true);
    expect(registered.body).toEqual({ data: { serverInfo: { name: 'esgraph' } } });
    // A smaller document registered after it is found, so the larger one had its chance to be kept too.
    const small = uniqueServerInfo();
    await postPersisted(esgraph.url, small, true);
    await waitForAnswer(() => postPersisted(esgraph.url, small, false));
    expect(errorCodeOf(await postPersisted(esgraph.url, query, false))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a hash that is not the sha256 of the document sent with it with 400 BAD_REQUEST, and keeps nothing', async () => {
    const query = uniqueServerInfo();
    const other = uniqueServerInfo();
    const answer = await postGraphQL(esgraph.url, { query, ...persistedQueryOf(other) });
    expect([answer.status, errorCodeOf(answer)]).toEqual([400, 'BAD_REQUEST']);
    expect(errorCodeOf(await postPersisted(esgraph.url, other, false))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps at most APQ_MAX_ENTRIES documents in Redis, dropping the oldest registered first', async () => {
    // A Redis of its own: the bound counts every document registered in it.
    const dependencies = await startTestDependencies();
    const server = await startTestEsgraph(dependencies, { APQ_MAX_ENTRIES: '3' });
    const redis = await connectRedis(dependencies.redis.url);
    try {
      const queries = Array.from({ length: 5 }, () => uniqueServerInfo());
      for (const query of queries) {
        await postPersisted(server.url, query, true);
        await waitForAnswer(() => postPersisted(server.url, query, false));
      }
      expect(await redis.hLen('esgraph:{apq}:documents')).toBe(3);
      expect(await redis.zCard('esgraph:{apq}:order')).toBe(3);
      const byHash = await Promise.all(queries.map((query) => postPersisted(server.url, query, false)));
      expect(byHash.map(errorCodeOf)).toEqual([
        'PERSISTED_QUERY_NOT_FOUND',
        'PERSISTED_QUERY_NOT_FOUND',
        undefined,
        undefined,
        undefined,
      ]);
    } finally {
      await redis.close();
      await server.stop();
      await dependencies.stop();
    }
  });
});
