import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Kind, parse, print } from 'graphql';

/*
 * Arbitraries of HTTP requests to /graphql as a careless or hostile client sends them: the test
 * operations (test/operations/*.graphql) with random variables, alone and in batches, mutated documents, and JSON
 * bodies broken in the ways parsers meet in the wild (deep nesting, huge strings, wrong types,
 * invalid UTF-8 bytes, duplicate keys, numbers out of every range, truncation).
 */

/** One request, as sendRaw takes it. */
export interface FuzzRequest {
  readonly method: string;
  /** Appended to the URL: `?query=…` for GET. */
  readonly search: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

interface Operation {
  /** The whole file it comes from, fragments included. */
  readonly document: string;
  readonly name: string;
  readonly variables: readonly { readonly name: string; readonly type: string }[];
}

const operationsDir = new URL('../operations/', import.meta.url).pathname;

/** Every named operation of test/operations, with the variables it declares. */
export const testOperations: readonly Operation[] = readdirSync(operationsDir)
  .filter((file) => file.endsWith('.graphql'))
  .flatMap((file) => {
    const document = readFileSync(join(operationsDir, file), 'utf8');
    return parse(document).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name
        ? [
            {
              document,
              name: definition.name.value,
              variables: (definition.variableDefinitions ?? []).map((variable) => ({
                name: variable.variable.name.value,
                type: print(variable.type),
              })),
            },
          ]
        : [],
    );
  });

/** The one account the fuzz server has, so some plausible requests reach real state. */
export const fuzzAccountId = 'fuzz-account';

/** A long string without building it char by char: a unit repeated. */
const hugeString = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 400_000 }))
  .map(([unit, times]) => unit.repeat(times));

/** JSON nested `depth` deep, as text: arrays or objects. */
const deepJson = fc
  .tuple(fc.integer({ min: 10, max: 200_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Numbers JavaScript cannot hold or holds oddly, written as JSON text. */
const oddNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '9007199254740993',
  '123456789012345678901234567890',
  '2147483648',
  '-2147483649',
  '0.1e1',
  '1E+2',
);

/** Values a variable of `type` might plausibly get: some valid, most nearly so. */
const plausibleValue = (type: string): fc.Arbitrary<unknown> => {
  const named = type.replace(/[[\]!]/g, '');
  switch (named) {
    case 'ID':
      return fc.oneof(fc.constantFrom(fuzzAccountId, 'missing-account', '', 'a b', 'x'.repeat(65)), fc.uuid());
    case 'Int':
      return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.integer());
    case 'String':
      return fc.oneof(fc.constantFrom('0', '18446744073709551615', 'not-a-token'), fc.string());
    case 'DateTime':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        fc.string(),
      );
    case 'OpenAccountInput':
      return fc.record(
        {
          accountId: plausibleValue('ID'),
          ownerId: plausibleValue('ID'),
          currency: fc.constantFrom('EUR', 'eur', 'EURO'),
        },
        { requiredKeys: ['ownerId', 'currency'] },
      );
    case 'DepositInput':
    case 'WithdrawInput':
      return fc.record(
        {
          accountId: plausibleValue('ID'),
          amount: fc.oneof(fc.constantFrom('1.00', '0.01', '1.001', '-1', '1e2'), fc.double(), fc.string()),
          commandId: plausibleValue('ID'),
          source: fc.string(),
        },
        { requiredKeys: ['accountId', 'amount'] },
      );
    default:
      return fc.jsonValue();
  }
};

/** A variable's value: plausible, of any JSON type, huge, or absent. */
const variableValue = (type: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: plausibleValue(type) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const variablesFor = (operation: Operation): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(Object.fromEntries(operation.variables.map(({ name, type }) => [name, variableValue(type)])));

const jsonBody = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** Pieces a mutation may splice into a document: GraphQL's punctuation and the odd byte. */
const documentPiece = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    ':',
    '$x',
    '...',
    '@skip(if: true)',
    '"',
    '"""',
    '#',
    '\u0000',
    '\\',
    '!',
    ',',
  ),
  fc.constantFrom(
    '__typename',
    '__schema { types { name } }',
    'accountHistory(id: "fuzz-account") { edges { cursor } }',
  ),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

type Mutation = (text: string) => string;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(
    ([at, length]): Mutation =>
      (text) => {
        const from = at % (text.length + 1);
        return text.slice(0, from) + text.slice(from + length);
      },
  ),
  fc.tuple(fc.nat(), documentPiece).map(
    ([at, piece]): Mutation =>
      (text) => {
        const from = at % (text.length + 1);
        return text.slice(0, from) + piece + text.slice(from);
      },
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 60 }), fc.integer({ min: 2, max: 50 })).map(
    ([at, length, times]): Mutation =>
      (text) => {
        const from = at % (text.length + 1);
        return text.slice(0, from) + text.slice(from, from + length).repeat(times) + text.slice(from + length);
      },
  ),
  fc.integer({ min: 1, max: 5_000 }).map(
    (depth): Mutation =>
      () =>
        `{ serverInfo ${'{ name '.repeat(depth)}${'}'.repeat(depth)} }`,
  ),
);

const postJson = (body: Buffer, contentType = 'application/json', encoding?: string): FuzzRequest => ({
  method: 'POST',
  search: '',
  headers: { 'content-type': contentType, ...(encoding === undefined ? {} : { 'content-encoding': encoding }) },
  body,
});

const compressors: Record<string, (body: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

/** 8 MiB of spaces in a few KiB of gzip: a body that is small on the wire and huge once inflated. */
const gzipBomb = gzipSync(
  Buffer.concat([
    Buffer.from('{"query":"{ serverInfo { name } }'),
    Buffer.alloc(8 * 1024 * 1024, ' '),
    Buffer.from('"}'),
  ]),
);

/** The body of one test operation with random variables. */
const operationBody = fc
  .constantFrom(...testOperations)
  .chain((operation) => variablesFor(operation).map((variables) => ({ operation, variables })))
  .map(({ operation, variables }) => ({ query: operation.document, operationName: operation.name, variables }));

/** A test operation with random variables. */
const operationRequest = operationBody.map((body) => postJson(jsonBody(body)));

/** A batch of them: up to the limit, and past it. */
const batchRequest = fc
  .array(operationBody, { minLength: 1, maxLength: 12 })
  .map((bodies) => postJson(jsonBody(bodies)));

/** A test operation's document, mutated a few times, with any variables. */
const mutatedDocumentRequest = fc
  .tuple(
    fc.constantFrom(...testOperations),
    fc.array(mutation, { minLength: 1, maxLength: 4 }),
    fc.option(fc.jsonValue({ maxDepth: 3 })),
    fc.boolean(),
  )
  .map(([operation, mutations, variables, named]) =>
    postJson(
      jsonBody({
        query: mutations.reduce((text, change) => change(text), operation.document),
        ...(named ? { operationName: operation.name } : {}),
        ...(variables === null ? {} : { variables }),
      }),
    ),
  );

const serverInfo = '{ serverInfo { name } }';

/** Bodies that are not what a GraphQL client sends, or not JSON at all. */
const brokenBodyRequest = fc.oneof(
  // Invalid UTF-8 inside a string of an otherwise good body.
  fc
    .uint8Array({ minLength: 1, maxLength: 16 })
    .map((bytes) =>
      postJson(Buffer.concat([Buffer.from(`{"query":"${serverInfo} #`), Buffer.from(bytes), Buffer.from('"}')])),
    ),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => postJson(Buffer.from(bytes))),
  // Duplicate keys: JSON.parse keeps the last; nothing may depend on which.
  fc
    .tuple(fc.constantFrom(...testOperations), fc.jsonValue({ maxDepth: 2 }))
    .map(([operation, variables]) =>
      postJson(
        Buffer.from(
          `{"query":${JSON.stringify(serverInfo)},"query":${JSON.stringify(operation.document)},` +
            `"variables":{},"variables":${JSON.stringify(variables)},"operationName":"${operation.name}","operationName":null}`,
        ),
      ),
    ),
  // Numbers out of range where variables go.
  fc.tuple(fc.constantFrom(...testOperations), oddNumber).map(([operation, number]) => {
    const variables = operation.variables.map(({ name }) => `${JSON.stringify(name)}:${number}`).join(',');
    return postJson(
      Buffer.from(
        `{"query":${JSON.stringify(operation.document)},"operationName":"${operation.name}","variables":{${variables}}}`,
      ),
    );
  }),
  // Deep nesting: the whole body, or one variable.
  deepJson.map((text) => postJson(Buffer.from(text))),
  deepJson.map((text) =>
    postJson(Buffer.from(`{"query":"query($id: ID!) { account(id: $id) { id } }","variables":{"id":${text}}}`)),
  ),
  // Any JSON at all, and any value in each field of a GraphQL request.
  fc.jsonValue().map((value) => postJson(jsonBody(value))),
  fc
    .record(
      { query: fc.jsonValue(), variables: fc.jsonValue(), operationName: fc.jsonValue(), extensions: fc.jsonValue() },
      { requiredKeys: [] },
    )
    .map((value) => postJson(jsonBody(value))),
  // Truncated, huge, and sent under other content types.
  fc.tuple(fc.constantFrom(...testOperations), fc.nat()).map(([operation, cut]) => {
    const text = JSON.stringify({ query: operation.document, operationName: operation.name });
    return postJson(Buffer.from(text.slice(0, cut % text.length)));
  }),
  hugeString.map((text) => postJson(jsonBody({ query: `${serverInfo} #${text}` }))),
  // Compressed bodies, rightly and wrongly labelled, an unknown encoding and a bomb.
  fc
    .tuple(
      fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity'),
      fc.boolean(),
      fc.constantFrom(...testOperations),
    )
    .map(([encoding, compressed, operation]) => {
      const body = jsonBody({ query: operation.document, operationName: operation.name });
      const compress = compressors[encoding];
      return postJson(compressed && compress ? compress(body) : body, 'application/json', encoding);
    }),
  fc.constant(postJson(gzipBomb, 'application/json', 'gzip')),
  fc
    .constantFrom(
      'text/plain',
      'application/graphql',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'multipart/form-data',
    )
    .map((type) => postJson(jsonBody({ query: serverInfo }), type)),
);

/** GET and other methods, with and without the preflight header CSRF prevention asks for. */
const otherMethodRequest = fc
  .tuple(
    fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    fc.oneof(
      fc.constant(serverInfo),
      fc.constantFrom(...testOperations).map((operation) => operation.document),
      fc.string(),
    ),
    fc.boolean(),
  )
  .map(
    ([method, query, preflight]): FuzzRequest => ({
      method,
      search: `?${new URLSearchParams({ query })}`,
      headers: preflight ? { 'apollo-require-preflight': 'true' } : {},
    }),
  );

/** Any of the above, mostly GraphQL-shaped. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 4, arbitrary: operationRequest },
  { weight: 1, arbitrary: batchRequest },
  { weight: 3, arbitrary: mutatedDocumentRequest },
  { weight: 3, arbitrary: brokenBodyRequest },
  { weight: 1, arbitrary: otherMethodRequest },
);
