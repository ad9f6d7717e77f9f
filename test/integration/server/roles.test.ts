import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { AccountHistoryDocument, OpenAccountDocument, ServerInfoDocument } from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('service roles', () => {
  let dependencies: TestDependencies;
  let queryNode: RunningEsgraph;
  let commandNode: RunningEsgraph;

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    [queryNode, commandNode] = await Promise.all([
      startTestEsgraph(dependencies, { SERVICE_ROLES: 'query' }),
      startTestEsgraph(dependencies, { SERVICE_ROLES: 'command' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([queryNode?.stop(), commandNode?.stop()]);
    await dependencies?.stop();
  });

  const open = { input: { accountId: randomUUID(), ownerId: 'o', currency: 'EUR' } };

  it('refuses mutations on a node without the command role, with ROLE_NOT_SERVED and 421', async () => {
    const response = await fetch(queryNode.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { closeAccount(input: { accountId: "x" }) { position } }' }),
    });
    expect(response.status).toBe(421);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('ROLE_NOT_SERVED');
    expect(body.errors[0]?.message).toMatch(/does not serve mutations/);
  });

  it('runs mutations on a command node and queries on a query node', async () => {
    await executeOk(commandNode.url, OpenAccountDocument, open);
    const history = await executeOk(queryNode.url, AccountHistoryDocument, { id: open.input.accountId });
    expect(history.accountHistory.edges.map(({ node }) => node).map((event) => event.type)).toEqual(['AccountOpened']);
  });

  it('refuses queries on a node without the query role', async () => {
    const result = await execute(commandNode.url, AccountHistoryDocument, { id: open.input.accountId });
    expect(result.errors?.[0]?.extensions?.code).toBe('ROLE_NOT_SERVED');
  });

  it('answers serverInfo whatever its roles', async () => {
    const { serverInfo } = await executeOk(commandNode.url, ServerInfoDocument);
    expect(serverInfo.roles).toEqual(['command']);
  });
});
