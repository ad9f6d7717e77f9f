import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningEsgraph } from '../../../src/app.js';
import { connectRedis } from '../../../src/core/redis/client.js';
import { documentHash, type PersistedQueryManifest } from '../../../src/server/persisted-queries/manifest.js';
import * as operations from '../../generated/graphql.js';
import { AccountDocument, DepositDocument, OpenAccountDocument, ServerInfoDocument } from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { executeOk } from '../../support/graphql-client.js';
import { byHash, errorCodeOf, type GraphQLAnswer, postGraphQL } from '../../support/persisted-queries.js';
import { bearer, staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Trusted documents mode over real HTTP and WebSocket: a server started with the file that
 * `npm run trusted-documents` (the built script, as npm runs it) writes for test/operations and
 * one more folder of client operations.
 */

const cli = new URL('../../../dist/trusted-documents-cli.js', import.meta.url).pathname;
const clientOperation = 'query ClientServerInfo {\n  serverInfo {\n    name\n    version\n  }\n}';
const refusalCodes = ['PERSISTED_QUERY_NOT_IN_LIST', 'QUERY_NOT_IN_SAFELIST'];

/** Every typed document codegen made from test/operations, as the test clients print it. */
const testDocuments = Object.entries(operations)
  .filter(([name]) => name.endsWith('Document'))
  .map(([name, document]) => ({ name, text: print(document as TypedDocumentNode) }));

type Message = { type: string; id?: string; payload?: unknown };

/** A raw graphql-transport-ws connection with the staff token, recording every message. */
const rawConnection = async (url: string) => {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: bearer(staffToken) } }));
  await waitFor('connection_ack', () => messages.some((m) => m.type === 'connection_ack'));
  const subscribe = (id: string, payload: object) => socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
  const of = (id: string, type: string) => messages.filter((m) => m.id === id && m.type === type);
  return { socket, subscribe, of };
};

const messageCodeOf = (message: Message | undefined): unknown =>
  (message?.payload as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;

describe('trusted documents', () => {
  let dir: string;
  let file: string;
  let written: string;
  let manifest: PersistedQueryManifest;
  let dependencies: TestDependencies;
  let server: RunningEsgraph;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esgraph-trusted-'));
    file = join(dir, 'trusted-documents.json');
    await mkdir(join(dir, 'client', 'nested'), { recursive: true });
    await writeFile(join(dir, 'client', 'nested', 'server-info.graphql'), `${clientOperation}\n`);
    written = (await promisify(execFile)(process.execPath, [cli, '--out', file, join(dir, 'client')])).stdout;
    manifest = JSON.parse(await readFile(file, 'utf8')) as PersistedQueryManifest;
    dependencies = await startTestDependencies();
    server = await startTestEsgraph(dependencies, { TRUSTED_DOCUMENTS_FILE: file });
  });

  afterAll(async () => {
    await server?.stop();
    await dependencies?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds, with npm run trusted-documents, an Apollo manifest of every test operation as the test clients send it, and of the given folder', async () => {
    const operationFiles = (await readdir(new URL('../../operations/', import.meta.url))).filter((name) =>
      name.endsWith('.graphql'),
    );
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    const ids = manifest.operations.map((operation) => operation.id);
    for (const { text } of testDocuments) expect(ids).toContain(documentHash(text));
    expect(ids).toContain(documentHash(clientOperation));
    expect(manifest.operations).toHaveLength(testDocuments.length + 1);
    expect(written).toContain(`${documentHash(clientOperation)}  query ClientServerInfo`);
    expect(written).toContain(
      `wrote ${testDocuments.length + 1} operations from ${operationFiles.length + 1} files to ${file}`,
    );
  });

  it('runs every listed test operation sent as text, as the test clients send it', async () => {
    for (const { name, text } of testDocuments) {
      const answer = await postGraphQL(server.url, { query: text });
      expect(refusalCodes, name).not.toContain(errorCodeOf(answer));
    }
    const accountId = `trusted-${randomUUID()}`;
    await executeOk(server.url, OpenAccountDocument, { input: { accountId, ownerId: 'ann', currency: 'EUR' } });
    const deposit = await executeOk(server.url, DepositDocument, { input: { accountId, amount: '12.50' } });
    const { account } = await executeOk(server.url, AccountDocument, {
      id: accountId,
      consistentWith: deposit.deposit.position,
    });
    expect(account?.balance).toBe('12.50');
  });

  it('runs a listed document by its hash alone, over POST and GET', async () => {
    const hash = documentHash(print(ServerInfoDocument));
    const viaPost = await postGraphQL(server.url, byHash(hash));
    expect(viaPost.body.data).toMatchObject({ serverInfo: { name: 'esgraph' } });
    const search = new URLSearchParams({ extensions: JSON.stringify(byHash(hash).extensions) });
    const viaGet = await fetch(`${server.url}?${search}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: bearer(staffToken) },
    });
    expect(((await viaGet.json()) as GraphQLAnswer['body']).data).toMatchObject({ serverInfo: { name: 'esgraph' } });
    const clientHash = await postGraphQL(server.url, byHash(documentHash(clientOperation)));
    expect(clientHash.body.data).toMatchObject({ serverInfo: { name: 'esgraph' } });
  });

  it('refuses an unlisted document, introspection included, with QUERY_NOT_IN_SAFELIST (HTTP 400) and runs none of it', async () => {
    const accountId = `trusted-${randomUUID()}`;
    const unlisted = `mutation { openAccount(input: { accountId: "${accountId}", ownerId: "ann", currency: "EUR" }) { accountId } }`;
    const refused = await postGraphQL(server.url, { query: unlisted });
    expect(refused.status).toBe(400);
    expect(errorCodeOf(refused)).toBe('QUERY_NOT_IN_SAFELIST');
    const introspection = await postGraphQL(server.url, { query: '{ __schema { queryType { name } } }' });
    expect([introspection.status, errorCodeOf(introspection)]).toEqual([400, 'QUERY_NOT_IN_SAFELIST']);
    const viaGet = await fetch(`${server.url}?${new URLSearchParams({ query: '{ serverInfo { name } }' })}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: bearer(staffToken) },
    });
    expect(viaGet.status).toBe(400);
    // Had the refused mutation run, this would be ACCOUNT_ALREADY_EXISTS.
    const opened = await executeOk(server.url, OpenAccountDocument, {
      input: { accountId, ownerId: 'ann', currency: 'EUR' },
    });
    expect(opened.openAccount.accountId).toBe(accountId);
  });

  it('refuses an unknown hash and a registration with PERSISTED_QUERY_NOT_IN_LIST, and keeps nothing', async () => {
    const query = `query Unlisted_${randomUUID().replaceAll('-', '_')} { serverInfo { name } }`;
    const hash = documentHash(query);
    const registration = await postGraphQL(server.url, { query, ...byHash(hash) });
    expect([registration.status, errorCodeOf(registration)]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_LIST']);
    const again = await postGraphQL(server.url, byHash(hash));
    expect([again.status, errorCodeOf(again)]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_LIST']);
    const redis = await connectRedis(dependencies.redis.url);
    try {
      expect(await redis.exists('esgraph:{apq}:documents')).toBe(0);
    } finally {
      await redis.close();
    }
  });

  it('refuses a listed hash sent with another document, with QUERY_NOT_IN_SAFELIST', async () => {
    const listed = documentHash(print(ServerInfoDocument));
    const answer = await postGraphQL(server.url, { query: '{ serverInfo { name } }', ...byHash(listed) });
    expect([answer.status, errorCodeOf(answer)]).toEqual([400, 'QUERY_NOT_IN_SAFELIST']);
  });

  it('over WebSocket, runs a listed subscription by text and by hash, refuses unlisted ones, and the others go on', async () => {
    const heartbeat = print(operations.HeartbeatDocument);
    const connection = await rawConnection(server.url);
    try {
      connection.subscribe('text', { query: heartbeat, variables: { intervalMs: 20 } });
      connection.subscribe('hash', { query: '', variables: { intervalMs: 20 }, ...byHash(documentHash(heartbeat)) });
      connection.subscribe('unlisted', { query: 'subscription { heartbeat(intervalMs: 20) }' });
      connection.subscribe('unknown', {
        query: '',
        ...byHash(documentHash('subscription { heartbeat(intervalMs: 20) }')),
      });
      await waitFor(
        'both refusals',
        () => connection.of('unlisted', 'error').length + connection.of('unknown', 'error').length === 2,
      );
      expect(messageCodeOf(connection.of('unlisted', 'error')[0])).toBe('QUERY_NOT_IN_SAFELIST');
      expect(messageCodeOf(connection.of('unknown', 'error')[0])).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      const seen = connection.of('text', 'next').length + connection.of('hash', 'next').length;
      await waitFor(
        'ticks on both listed subscriptions after the refusals',
        () =>
          connection.of('text', 'next').length + connection.of('hash', 'next').length > seen + 2 &&
          connection.of('hash', 'next').length > 0,
      );
      expect(connection.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      connection.socket.close();
    }
  });
});
