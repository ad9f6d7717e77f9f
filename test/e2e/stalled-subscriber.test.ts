import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TransactionRecordedDocument, type TransactionRecordedSubscription } from '../generated/graphql.js';
import { bankApi } from '../support/bank-api.js';
import { useCleanups } from '../support/cleanups.js';
import { type GraphQLResponse, subscribe, wsClient } from '../support/graphql-client.js';
import { startServerProcess } from '../support/server-process.js';
import { bearer, staffToken } from '../support/test-tokens.js';
import { waitFor } from '../support/wait-for.js';

/*
 * A WebSocket client that subscribes and then reads nothing would make the server hold every
 * change it cannot send; the server cuts it off after SUBSCRIBER_STALL_MS instead, while clients
 * that read go on as before.
 */

const cleanup = useCleanups();

/** Subscriptions the stalled client holds on its one connection, so what piles up for it is large. */
const stalledSubscriptions = 200;
const maxDeposits = 5_000;
const loadTimeMs = 30_000;

/** A raw graphql-ws client that subscribes to every transaction many times, then stops reading. */
const stalledClient = async (url: string) => {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: bearer(staffToken) } })),
    );
    socket.once('message', () => resolve());
    socket.once('error', reject);
  });
  const query = print(TransactionRecordedDocument);
  for (let id = 0; id < stalledSubscriptions; id++) {
    socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query, variables: {} } }));
  }
  socket.pause();
  return { socket, closed };
};

describe('a subscriber that stops reading', () => {
  it('is cut off after SUBSCRIBER_STALL_MS while a subscriber that reads gets every transaction', async () => {
    const server = await startServerProcess({ SUBSCRIBER_STALL_MS: '1000' });
    cleanup(() => server.stop());
    const bank = bankApi(() => server.url);
    const account = await bank.open();

    const client = wsClient(server.wsUrl);
    cleanup(() => client.dispose());
    // With `since`, the reader gets every transaction after the opening, however late its
    // subscription goes live.
    const reader = subscribe(client, TransactionRecordedDocument, {
      accountId: account.accountId,
      since: account.position,
    });
    const seen: GraphQLResponse<TransactionRecordedSubscription>[] = [];
    const reading = (async () => {
      for await (const message of reader) seen.push(message);
    })();
    cleanup(async () => {
      await reader.return?.();
      await reading;
    });
    await bank.deposit(account.accountId, '1.00');
    await waitFor('the reading subscriber to hear the first deposit', () => seen.length === 1);

    const stalled = await stalledClient(server.wsUrl);
    cleanup(async () => stalled.socket.terminate());
    const cutOff = (): boolean => server.output().includes('cut off a WebSocket client that stopped reading');
    let deposits = 1;
    const deadline = Date.now() + loadTimeMs;
    const depositor = async (): Promise<void> => {
      while (!cutOff() && deposits < maxDeposits && Date.now() < deadline) {
        deposits++;
        await bank.deposit(account.accountId, '1.00');
      }
    };
    await Promise.all(Array.from({ length: 8 }, depositor));
    expect(cutOff()).toBe(true);

    // Reading again, the stalled client finds its connection ended by the server.
    stalled.socket.resume();
    expect(await stalled.closed).toBe(1006);
    await waitFor('the reading subscriber to hear every deposit', () => seen.length === deposits);
    expect(seen.every((message) => message.errors === undefined)).toBe(true);
    expect(new Set(seen.map((message) => message.data?.transactionRecorded.position)).size).toBe(deposits);
  }, 60_000);
});
