import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { EventStoreDBClient } from '@eventstore/db-client';
import { depositEvent } from './deposit-event.js';

/*
 * The floors `npm run bench:commands` measures esgraph against, each run as a child process so it
 * gets a core to itself, like esgraph does. Both take a deposit over HTTP and append one event
 * through @eventstore/db-client, with no state, no decision and no idempotency:
 *   BARE_APPEND=graphql  Apollo Server 5 on Node's http server, a `deposit` mutation;
 *   BARE_APPEND=http     the same JSON body and answer, with no GraphQL at all.
 * What they reach is the most the same stack could give on this machine, whoever wrote the server.
 * The GraphQL one also answers a constant `{ hello }`, a baseline for `npm run bench:queries`.
 */

const client = EventStoreDBClient.connectionString(process.env.EVENTSTORE_CONNECTION_STRING ?? '');
const mode = process.env.BARE_APPEND === 'http' ? 'http' : 'graphql';

interface DepositInput {
  readonly accountId: string;
}

const deposit = async ({ accountId }: DepositInput) => {
  const result = await client.appendToStream(`account-${accountId}`, depositEvent(accountId));
  return { streamRevision: Number(result.nextExpectedRevision), position: String(result.position?.commit ?? 0n) };
};

const apollo = new ApolloServer({
  typeDefs: `
    type Query { hello: String! }
    input DepositInput { accountId: ID!, amount: String! }
    type Deposited { streamRevision: Int!, position: String! }
    type Mutation { deposit(input: DepositInput!): Deposited! }`,
  resolvers: {
    Query: { hello: () => 'world' },
    Mutation: { deposit: (_: unknown, { input }: { input: DepositInput }) => deposit(input) },
  },
  plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginUsageReportingDisabled()],
});
await apollo.start();

const jsonBodyOf = async (req: IncomingMessage): Promise<{ variables: { input: DepositInput } }> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

const server = createServer(async (req, res) => {
  const body = await jsonBodyOf(req);
  if (mode === 'http') {
    const deposited = await deposit(body.variables.input);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { deposit: deposited } }));
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body },
    context: async () => ({}),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  res.end(response.body.kind === 'complete' ? response.body.string : '');
});
server.listen(0, '127.0.0.1', () => {
  console.log(`bare append (${mode}) listening: http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
const stop = (): void => {
  server.close();
  void client.dispose().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
