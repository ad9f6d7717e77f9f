import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../../src/core/redis/embedded-redis.js';
import { type EsdbLocal, startEsdbLocal } from '../../../src/esdb-local/index.js';
import { bankApi } from '../../support/bank-api.js';
import { startTestEsgraph } from '../../support/esgraph.js';
import { postJson } from '../../support/raw-http.js';

/*
 * The event store goes away under a running server: commands and log reads answer
 * SERVICE_UNAVAILABLE with 503 and Retry-After, as for Redis, never a masked internal error, so
 * a client knows to send them again.
 */
describe('a server whose event store is away', () => {
  let esdb: EsdbLocal;
  let redis: EmbeddedRedis;
  let esgraph: RunningEsgraph;

  beforeAll(async () => {
    [esdb, redis] = await Promise.all([startEsdbLocal({ mem: true }), startEmbeddedRedis()]);
    esgraph = await startTestEsgraph({ esdb, redis });
  });
  afterAll(async () => {
    await esgraph?.stop();
    await Promise.all([esdb?.stop(), redis?.stop()]);
  });

  it('answers a command and a read of the log with 503 SERVICE_UNAVAILABLE', async () => {
    const { accountId } = await bankApi(() => esgraph.url).open();
    await esdb.stop();
    const deposit = await postJson(
      esgraph.url,
      JSON.stringify({
        query: 'mutation($input: DepositInput!) { deposit(input: $input) { position } }',
        variables: { input: { accountId, amount: '1.00' } },
      }),
    );
    const history = await postJson(
      esgraph.url,
      JSON.stringify({ query: `{ accountHistory(id: "${accountId}") { edges { node { type } } } }` }),
    );
    for (const answer of [deposit, history]) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors.map((error) => error.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(body.errors[0]?.message).toMatch(/event store cannot be reached/);
    }
  });
});
