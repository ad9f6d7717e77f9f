import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningEsgraph } from '../../../src/app.js';
import { changeChannel } from '../../../src/core/pubsub/channels.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { bankApi } from '../../support/bank-api.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { type GraphQLResponse, wsClient } from '../../support/graphql-client.js';
import { bearer, staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

interface Answer {
  readonly status: number;
  readonly body: GraphQLResponse<Record<string, unknown>>;
}

const post = async (url: string, body: string): Promise<Answer> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(staffToken) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
};

const query = (url: string, document: string): Promise<Answer> => post(url, JSON.stringify({ query: document }));

const limitsOf = (answer: Answer) => answer.body.errors?.map((error) => error.extensions?.limit) ?? [];

/** Answered with data and no error at all. */
const expectServed = (answer: Answer): void => {
  expect(answer.body.errors).toBeUndefined();
  expect(answer.status).toBe(200);
};

/** Refused before execution with DOCUMENT_LIMIT_EXCEEDED naming `limit`, and nothing else ran. */
const expectRefused = (answer: Answer, limit: string): void => {
  expect(answer.status).toBe(400);
  expect(answer.body.data).toBeUndefined();
  const refusal = answer.body.errors?.find((error) => error.extensions?.limit === limit);
  expect(refusal?.extensions?.code).toBe('DOCUMENT_LIMIT_EXCEEDED');
};

const aliased = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('edge limits', () => {
  let dependencies: TestDependencies;
  /** Small limits, so just under and just over are a few tokens apart. */
  let tight: RunningEsgraph;
  /** The defaults. */
  let standard: RunningEsgraph;
  let production: RunningEsgraph;
  let redis: RedisClient;
  const clients: ReturnType<typeof wsClient>[] = [];

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    [tight, standard, production] = await Promise.all([
      startTestEsgraph(dependencies, {
        MAX_QUERY_DEPTH: '3',
        MAX_QUERY_ALIASES: '3',
        MAX_QUERY_DIRECTIVES: '2',
        MAX_QUERY_TOKENS: '50',
        MAX_BODY_BYTES: '2048',
        MAX_WS_MESSAGE_BYTES: '4096',
        MAX_BATCH_OPERATIONS: '3',
      }),
      startTestEsgraph(dependencies),
      // Production needs a key source for tokens: the test secret, so the staff token works there too.
      startTestEsgraph(dependencies, { NODE_ENV: 'production', MAX_BATCH_OPERATIONS: '1' }),
    ]);
    redis = await connectRedis(dependencies.redis.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await redis?.close();
    await Promise.all([tight?.stop(), standard?.stop(), production?.stop()]);
    await dependencies?.stop();
  });

  const bank = bankApi(() => standard.url);

  describe('on documents over HTTP', () => {
    it('serves a document at the depth limit and refuses one a level deeper', async () => {
      expectServed(await query(tight.url, '{ accounts(first: 1) { edges { cursor } } }'));
      expectRefused(await query(tight.url, '{ accounts(first: 1) { edges { node { id } } } }'), 'depth');
    });

    it('serves a document at the alias limit and refuses one alias more', async () => {
      expectServed(await query(tight.url, aliased(3, 'serverInfo { name }')));
      expectRefused(await query(tight.url, aliased(4, 'serverInfo { name }')), 'aliases');
    });

    it('serves a document at the directive limit and refuses one directive more', async () => {
      const withDirectives = (count: number) =>
        `{ serverInfo { ${Array.from({ length: count }, () => 'name @include(if: true)').join(' ')} } }`;
      expectServed(await query(tight.url, withDirectives(2)));
      expectRefused(await query(tight.url, withDirectives(3)), 'directives');
    });

    it('parses a document at the token limit and refuses one token more with GRAPHQL_PARSE_FAILED', async () => {
      // `{ serverInfo { name } }` is 6 tokens; each __typename adds one.
      const withTokens = (count: number) => `{ serverInfo { name ${'__typename '.repeat(count - 6)}} }`;
      expectServed(await query(tight.url, withTokens(50)));
      const refused = await query(tight.url, withTokens(51));
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(refused.body.errors?.[0]?.message).toMatch(/Document contains more th\w+ 50 tokens/);
    });

    it('weighs log reads by what they read: four accountHistory pages of 100 are served, five refused', async () => {
      const { accountId } = await bank.open();
      // A page reads `first` events: 1 + 100 × (edges 1 + node 1) = 201.
      const histories = (count: number) =>
        aliased(count, `accountHistory(id: "${accountId}", first: 100) { edges { node { type } } }`);
      expectServed(await query(standard.url, histories(4)));
      const refused = await query(standard.url, histories(5));
      expectRefused(refused, 'cost');
      expect(refused.body.errors?.find((error) => error.extensions?.limit === 'cost')?.message).toBe(
        'Query cost limit of 1000 exceeded, found 1005.',
      );
    });

    it('refuses 100 aliases of accountHistory, for their aliases and for their cost', async () => {
      const { accountId } = await bank.open();
      const refused = await query(
        standard.url,
        aliased(100, `accountHistory(id: "${accountId}") { edges { node { type data } } }`),
      );
      expectRefused(refused, 'cost');
      expect(limitsOf(refused)).toEqual(expect.arrayContaining(['aliases', 'cost']));
    });

    it('counts a page as its `first`, and a variable `first` as the largest page', async () => {
      const pages = (count: number, first: string) => {
        const variables = first.startsWith('$') ? '($n: Int)' : '';
        const fields = Array.from(
          { length: count },
          (_, i) => `p${i}: accounts(first: ${first}) { edges { node { id } } }`,
        );
        return `query${variables} { ${fields.join(' ')} }`;
      };
      // A page costs 1 + first × (edges 1 + node 1): of 100, 201; of 2, 5.
      expectServed(await query(standard.url, pages(4, '100')));
      expectServed(await query(standard.url, pages(10, '2')));
      expectRefused(await query(standard.url, pages(5, '100')), 'cost');
      expectServed(await query(standard.url, pages(4, '$n')));
      expectRefused(await query(standard.url, pages(5, '$n')), 'cost');
    });

    it('suggests field names in development and hides the suggestions in production', async () => {
      const typo = '{ serverInf { name } }';
      const development = await query(standard.url, typo);
      expect(development.status).toBe(400);
      expect(development.body.errors?.[0]?.message).toMatch(/Did you mean "serverInfo"/);
      const hidden = await query(production.url, typo);
      expect(hidden.status).toBe(400);
      expect(hidden.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(hidden.body.errors?.[0]?.message).not.toMatch(/serverInfo|Did you mean/);
    });
  });

  describe('on HTTP bodies', () => {
    it('answers a body over MAX_BODY_BYTES with 413 and PAYLOAD_TOO_LARGE, and one under it normally', async () => {
      const padded = (bytes: number) => {
        const bare = JSON.stringify({ query: '{ serverInfo { name } }', variables: { pad: '' } });
        return JSON.stringify({
          query: '{ serverInfo { name } }',
          variables: { pad: 'x'.repeat(bytes - bare.length) },
        });
      };
      expectServed(await post(tight.url, padded(2048)));
      const refused = await post(tight.url, padded(2049));
      expect(refused.status).toBe(413);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 2048 });
    });

    it('answers a body over the default 1 MiB with 413', async () => {
      const refused = await post(
        standard.url,
        JSON.stringify({ query: `{ serverInfo { name } } #${'x'.repeat(1 << 20)}` }),
      );
      expect(refused.status).toBe(413);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('runs a batch of up to MAX_BATCH_OPERATIONS operations and refuses one more with BATCH_LIMIT_EXCEEDED, running none of it', async () => {
      const serverInfo = { query: '{ serverInfo { name } }' };
      const served = await post(tight.url, JSON.stringify([serverInfo, serverInfo, serverInfo]));
      expect(served.status).toBe(200);
      expect(served.body).toEqual(Array.from({ length: 3 }, () => ({ data: { serverInfo: { name: 'esgraph' } } })));

      const { accountId } = await bank.open();
      const deposit = {
        query: 'mutation($input: DepositInput!) { deposit(input: $input) { position } }',
        variables: { input: { accountId, amount: '1.00' } },
      };
      const refused = await post(tight.url, JSON.stringify([deposit, deposit, deposit, deposit]));
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'BATCH_LIMIT_EXCEEDED', maxOperations: 3 });
      const history = await query(standard.url, `{ accountHistory(id: "${accountId}") { edges { node { type } } } }`);
      expect(history.body.data).toEqual({ accountHistory: { edges: [{ node: { type: 'AccountOpened' } }] } });
    });

    it('refuses every batch with BAD_REQUEST when MAX_BATCH_OPERATIONS is 1 (batching off)', async () => {
      const batch = JSON.stringify([{ query: '{ serverInfo { name } }' }]);
      const refused = await post(production.url, batch);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(refused.body.errors?.[0]?.message).toMatch(/batching disabled/);
    });
  });

  describe('on the WebSocket', () => {
    const wsUrl = (server: RunningEsgraph) => server.url.replace(/^http/, 'ws');

    /** A raw graphql-transport-ws connection, acknowledged; resolves the close code when it ends. */
    const rawConnection = async (server: RunningEsgraph) => {
      const socket = new WebSocket(wsUrl(server), 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      const messages: unknown[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: bearer(staffToken) } }));
      await waitFor('connection_ack', () => messages.some((m) => (m as { type: string }).type === 'connection_ack'));
      return { socket, closed, messages };
    };

    it('closes a connection whose message is over MAX_WS_MESSAGE_BYTES with 1009, and serves a normal one', async () => {
      const normal = await rawConnection(tight);
      normal.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ serverInfo { name } }' } }));
      await waitFor('the normal answer', () =>
        normal.messages.some((m) => (m as { type: string; id?: string }).type === 'next'),
      );

      const large = await rawConnection(tight);
      large.socket.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: `{ serverInfo { name } } #${'x'.repeat(5000)}` },
        }),
      );
      expect(await large.closed).toBe(1009);
      expect(normal.socket.readyState).toBe(WebSocket.OPEN);
      normal.socket.close();
    });

    it.each([
      ['over the depth limit', '{ accounts(first: 1) { edges { node { id } } } }', 'DOCUMENT_LIMIT_EXCEEDED'],
      ['over the token limit', `{ serverInfo { name ${'__typename '.repeat(46)}} }`, 'GRAPHQL_PARSE_FAILED'],
      ['with a syntax error', '{ serverInfo { name }', 'GRAPHQL_PARSE_FAILED'],
      ['naming an unknown field', 'subscription { accountUpdate(id: "x") { id } }', 'GRAPHQL_VALIDATION_FAILED'],
      [
        'with two operations and no name',
        'query A { serverInfo { name } } query B { serverInfo { name } }',
        'OPERATION_RESOLUTION_FAILURE',
      ],
    ])(
      'answers a document %s with that operation’s error and its code, and the connection’s other subscription keeps receiving',
      async (_case, document, code) => {
        const { accountId } = await bankApi(() => tight.url).open();
        const client = wsClient(wsUrl(tight));
        clients.push(client);
        // Small enough for the tight limits (AccountUpdatedDocument's fragment has more tokens).
        const updates = client.iterate({
          query: 'subscription($id: ID!) { accountUpdated(id: $id) { balance } }',
          variables: { id: accountId },
        }) as AsyncIterableIterator<GraphQLResponse<{ accountUpdated: { balance: string } }>>;
        const channel = changeChannel('account-summary', `account:${accountId}`);
        await waitFor(`a listener on ${channel}`, async () => ((await redis.pubSubNumSub(channel))[channel] ?? 0) > 0);

        const refused = await new Promise<readonly { message: string; extensions?: { code?: string } }[]>((resolve) => {
          client.subscribe(
            { query: document },
            { next: () => undefined, error: (errors) => resolve(errors as never), complete: () => resolve([]) },
          );
        });
        expect(refused.map((error) => error.extensions?.code)).toContain(code);

        await bankApi(() => tight.url).deposit(accountId, '1.00');
        const { value } = await updates.next();
        expect(value?.errors).toBeUndefined();
        expect(value?.data?.accountUpdated.balance).toBe('1.00');
        await updates.return?.();
      },
    );

    it('applies the cost limit to subscription documents too', async () => {
      const client = wsClient(wsUrl(standard));
      clients.push(client);
      const refused = await new Promise<readonly { extensions?: { code?: string; limit?: string } }[]>((resolve) => {
        client.subscribe(
          { query: aliased(11, 'accountHistory(id: "x", first: 100) { edges { node { type } } }') },
          { next: () => undefined, error: (errors) => resolve(errors as never), complete: () => resolve([]) },
        );
      });
      expect(refused.map((error) => [error.extensions?.code, error.extensions?.limit])).toContainEqual([
        'DOCUMENT_LIMIT_EXCEEDED',
        'cost',
      ]);
    });
  });
});
