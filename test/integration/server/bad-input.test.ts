import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEventStore, type EventStoreClient, readHeadPosition } from '../../../src/core/eventstore/client.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { wsClient } from '../../support/graphql-client.js';
import { postJson } from '../../support/raw-http.js';

/*
 * Bad input answers one way however it arrives: each malformed Money, id or position token (and
 * cursor, page size, date) is sent written into the document and again as a variable, and both
 * must answer BAD_USER_INPUT with HTTP 400, and leave the event log as it was.
 */

/** An argument as the case gives it: its GraphQL type (for the variable) and its value. */
interface Argument {
  readonly type: string;
  readonly value: unknown;
}

interface BadInputCase {
  readonly name: string;
  readonly operation: 'query' | 'mutation' | 'subscription';
  readonly field: string;
  readonly args: Readonly<Record<string, Argument>>;
  readonly selection: string;
}

/** The value as a GraphQL literal, as a client would write it into the document. */
const literal = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, inner]) => `${key}: ${literal(inner)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
};

/** The case's document with every argument written inline. */
const inline = ({ operation, field, args, selection }: BadInputCase) => {
  const written = Object.entries(args).map(([name, { value }]) => `${name}: ${literal(value)}`);
  return { query: `${operation} { ${field}(${written.join(', ')}) ${selection} }`, variables: {} };
};

/** The same document with every argument passed as a variable of its type. */
const asVariables = ({ operation, field, args, selection }: BadInputCase) => {
  const names = Object.keys(args);
  const declared = names.map((name) => `$${name}: ${args[name]!.type}`).join(', ');
  const used = names.map((name) => `${name}: $${name}`).join(', ');
  const variables = Object.fromEntries(names.map((name) => [name, args[name]!.value]));
  return { query: `${operation}(${declared}) { ${field}(${used}) ${selection} }`, variables };
};

const result = '{ position }';
const accountFields = '{ id balance }';
const page = '{ edges { cursor } }';

/** An existing account, so a refusal can only be for the input. */
const existing = 'bad-input-account';

const deposit = (input: Record<string, unknown>, name: string): BadInputCase => ({
  name,
  operation: 'mutation',
  field: 'deposit',
  args: { input: { type: 'DepositInput!', value: { accountId: existing, amount: '1.00', ...input } } },
  selection: result,
});

const moneyCases: BadInputCase[] = [
  deposit({ amount: '1.234' }, 'Money with three fraction digits'),
  deposit({ amount: '-1.00' }, 'negative Money'),
  deposit({ amount: '1e3' }, 'Money with an exponent'),
  deposit({ amount: ' 1.00' }, 'Money with a space'),
  deposit({ amount: '1000000000.01' }, 'Money above the largest amount'),
  deposit({ amount: '' }, 'empty Money'),
  deposit({ amount: 12 }, 'Money as a number'),
  deposit({ amount: 12.5 }, 'Money as a float'),
  deposit({ amount: true }, 'Money as a boolean'),
  {
    name: 'Money on a withdrawal',
    operation: 'mutation',
    field: 'withdraw',
    args: { input: { type: 'WithdrawInput!', value: { accountId: existing, amount: '0.001' } } },
    selection: result,
  },
];

const idCases: BadInputCase[] = [
  deposit({ accountId: 'has space' }, 'account id with a space'),
  deposit({ accountId: '' }, 'empty account id'),
  deposit({ accountId: 'x'.repeat(65) }, 'account id of 65 characters'),
  deposit({ accountId: '../account-other' }, 'account id with a path'),
  deposit({ accountId: 'ünïcode' }, 'account id with non-ASCII letters'),
  deposit({ accountId: 1.5 }, 'account id as a float'),
  deposit({ commandId: 'has space' }, 'commandId with a space'),
  {
    name: 'ownerId on openAccount',
    operation: 'mutation',
    field: 'openAccount',
    args: { input: { type: 'OpenAccountInput!', value: { ownerId: 'a/b', currency: 'EUR' } } },
    selection: '{ accountId }',
  },
  {
    name: 'accountId on openAccount',
    operation: 'mutation',
    field: 'openAccount',
    args: { input: { type: 'OpenAccountInput!', value: { accountId: 'a b', ownerId: 'o', currency: 'EUR' } } },
    selection: '{ accountId }',
  },
  {
    name: 'closeAccount id',
    operation: 'mutation',
    field: 'closeAccount',
    args: { input: { type: 'CloseAccountInput!', value: { accountId: '*' } } },
    selection: result,
  },
  {
    name: 'account(id)',
    operation: 'query',
    field: 'account',
    args: { id: { type: 'ID!', value: 'a b' } },
    selection: accountFields,
  },
  {
    name: 'accounts(ownerId)',
    operation: 'query',
    field: 'accounts',
    args: { ownerId: { type: 'ID', value: 'o:o' } },
    selection: page,
  },
  {
    name: 'transactions(accountId)',
    operation: 'query',
    field: 'transactions',
    args: { accountId: { type: 'ID!', value: 'a b' } },
    selection: page,
  },
  {
    name: 'accountHistory(id)',
    operation: 'query',
    field: 'accountHistory',
    args: { id: { type: 'ID!', value: 'a b' } },
    selection: page,
  },
  {
    name: 'accountAsOf(id)',
    operation: 'query',
    field: 'accountAsOf',
    args: { id: { type: 'ID!', value: 'a b' } },
    selection: accountFields,
  },
  {
    name: 'account(id) as an object',
    operation: 'query',
    field: 'account',
    args: { id: { type: 'ID!', value: { not: 'an id' } } },
    selection: accountFields,
  },
];

const withId = (field: string, args: Record<string, Argument>, selection: string, name: string): BadInputCase => ({
  name,
  operation: 'query',
  field,
  args: { [field === 'transactions' ? 'accountId' : 'id']: { type: 'ID!', value: existing }, ...args },
  selection,
});

const tokenCases: BadInputCase[] = [
  withId('account', { consistentWith: { type: 'String', value: 'yesterday' } }, accountFields, 'consistentWith a word'),
  withId('account', { consistentWith: { type: 'String', value: '-1' } }, accountFields, 'consistentWith negative'),
  withId(
    'account',
    { consistentWith: { type: 'String', value: '1'.repeat(21) } },
    accountFields,
    'consistentWith too long',
  ),
  {
    name: 'bankStats consistentWith a decimal',
    operation: 'query',
    field: 'bankStats',
    args: { consistentWith: { type: 'String', value: '1.5' } },
    selection: '{ totals { currency } }',
  },
  withId('transactions', { after: { type: 'String', value: 'not-a-cursor' } }, page, 'transactions cursor'),
  withId('accountHistory', { after: { type: 'String', value: 'bm9wZQ' } }, page, 'history cursor of another shape'),
  withId('accountHistory', { first: { type: 'Int', value: 101 } }, page, 'history page of 101'),
  withId('transactions', { first: { type: 'Int', value: 0 } }, page, 'a page of 0'),
  withId('accountAsOf', { at: { type: 'DateTime', value: 'last tuesday' } }, accountFields, 'accountAsOf at no date'),
  withId('accountAsOf', { revision: { type: 'Int', value: -1 } }, accountFields, 'accountAsOf negative revision'),
  withId('accountAsOf', { revision: { type: 'Int', value: 2 ** 31 } }, accountFields, 'revision past 32 bits'),
];

const cases = [...moneyCases, ...idCases, ...tokenCases];

const subscriptionCases: BadInputCase[] = [
  {
    name: 'accountUpdated(id)',
    operation: 'subscription',
    field: 'accountUpdated',
    args: { id: { type: 'ID!', value: 'a b' } },
    selection: '{ id }',
  },
  {
    name: 'accountUpdated since',
    operation: 'subscription',
    field: 'accountUpdated',
    args: { id: { type: 'ID!', value: existing }, since: { type: 'String', value: 'then' } },
    selection: '{ id }',
  },
  {
    name: 'transactionRecorded(accountId) as a float',
    operation: 'subscription',
    field: 'transactionRecorded',
    args: { accountId: { type: 'ID', value: 2.5 } },
    selection: '{ amount }',
  },
];

describe('bad input', () => {
  const esgraph = useTestEsgraph();
  let eventStore: EventStoreClient;

  beforeAll(async () => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
    // The fixed id the cases name, opened and funded through the API like any other account.
    const bank = bankApi(() => esgraph.url);
    await bank.open({ accountId: existing });
    await bank.deposit(existing, '5.00');
  });
  afterAll(async () => {
    await eventStore?.dispose();
  });

  const send = async (body: { query: string; variables: Record<string, unknown> }) => {
    const { status, body: text } = await postJson(esgraph.url, JSON.stringify(body));
    const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
    return { status, codes: (parsed.errors ?? []).map((error) => error.extensions?.code) };
  };

  it.each(cases.map((one) => [one.name, one] as const))(
    'answers %s with BAD_USER_INPUT and 400, inline and as a variable, and writes nothing',
    async (_name, one) => {
      const head = await readHeadPosition(eventStore);
      const written = await send(inline(one));
      const passed = await send(asVariables(one));
      expect({ inline: written, variable: passed }).toEqual({
        inline: { status: 400, codes: [expect.anything()] },
        variable: { status: 400, codes: [expect.anything()] },
      });
      expect([...written.codes, ...passed.codes]).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
      expect(await readHeadPosition(eventStore)).toBe(head);
    },
  );

  it('answers 200 when a mutation ran before a refused one, so a 400 always means nothing ran', async () => {
    const head = await readHeadPosition(eventStore);
    const answer = await send({
      query: `mutation {
        ran: deposit(input: { accountId: "${existing}", amount: "1.00" }) { position }
        refused: deposit(input: { accountId: "not an id", amount: "1.00" }) { position }
      }`,
      variables: {},
    });
    expect(answer).toEqual({ status: 200, codes: ['BAD_USER_INPUT'] });
    expect(await readHeadPosition(eventStore)).toBeGreaterThan(head!);
  });

  it('answers 200 for a batch in which an operation ran beside one refused for bad input, and 400 for one where none ran', async () => {
    const deposit = (accountId: string, amount: string) => ({
      query: `mutation { deposit(input: { accountId: "${accountId}", amount: "${amount}" }) { position } }`,
    });
    const batch = async (operations: object[]) => (await postJson(esgraph.url, JSON.stringify(operations))).status;
    const head = await readHeadPosition(eventStore);
    expect(await batch([deposit(existing, '0.01'), deposit('not an id', '1.00')])).toBe(200);
    const moved = await readHeadPosition(eventStore);
    expect(moved).toBeGreaterThan(head!);
    expect(await batch([deposit(existing, '0.001'), deposit(existing, '-1')])).toBe(400);
    expect(await readHeadPosition(eventStore)).toBe(moved);
  });

  it('refuses a subscription sent over HTTP with BAD_REQUEST and 400 before it runs', async () => {
    const answer = await send({ query: 'subscription { heartbeat(intervalMs: 100) }', variables: {} });
    expect(answer).toEqual({ status: 400, codes: ['BAD_REQUEST'] });
  });

  it('answers a JSON body in a charset it does not read with BAD_REQUEST and 415', async () => {
    const { status, body } = await postJson(esgraph.url, JSON.stringify({ query: '{ serverInfo { name } }' }), {
      'content-type': 'application/json; charset=latin1',
    });
    expect({
      status,
      codes: (JSON.parse(body) as { errors: { extensions: { code: string } }[] }).errors.map(
        (error) => error.extensions.code,
      ),
    }).toEqual({
      status: 415,
      codes: ['BAD_REQUEST'],
    });
  });

  it.each(subscriptionCases.map((one) => [one.name, one] as const))(
    'answers the subscription %s with BAD_USER_INPUT over the WebSocket, inline and as a variable',
    async (_name, one) => {
      const client = wsClient(esgraph.url.replace(/^http/, 'ws'));
      const codeOf = async (body: { query: string; variables: Record<string, unknown> }) => {
        // A literal is refused as the operation's error, a variable or argument in its first result.
        const first = await client
          .iterate(body)
          .next()
          .then(
            (step) => (step.value as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors,
            (errors: { extensions?: { code?: string } }[]) => errors,
          );
        return first?.map((error) => error.extensions?.code);
      };
      try {
        expect({ inline: await codeOf(inline(one)), variable: await codeOf(asVariables(one)) }).toEqual({
          inline: ['BAD_USER_INPUT'],
          variable: ['BAD_USER_INPUT'],
        });
      } finally {
        await client.dispose();
      }
    },
  );
});
