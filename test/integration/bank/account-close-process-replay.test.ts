import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { checkpointKey, processManagerId } from '../../../src/core/projections/keys.js';
import { accountStreamName } from '../../../src/domains/bank/account.js';
import { accountCloseProcessName } from '../../../src/domains/bank/account-close-process.js';
import { RequestTransferDocument, TransferDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { executeOk } from '../../support/graphql-client.js';
import { processManagerPast, useRestartableServers } from '../../support/restartable-servers.js';
import { transferDesk } from '../../support/transfer-desk.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The close process across downtime and replays. Closes requested and accounts emptied while no
 * server ran are completed (or not, when called off meanwhile) once one runs; then its checkpoint
 * is lost, as after a crash between a command and its checkpoint, and a new server hands it every
 * event again: each account is still closed exactly once, and nothing is parked.
 */

describe('the close process, resuming and replaying', () => {
  const servers = useRestartableServers();
  const checkpointPast = (url: string, position: string) => processManagerPast(url, accountCloseProcessName, position);

  const types = async (accountId: string) =>
    (await readEventEnvelopes(servers.eventStore, accountStreamName(accountId))).map(({ type }) => type);

  it('completes closes left while it was down, and closes each account once when every event comes again', async () => {
    const desk = transferDesk(servers.eventStore);
    const account = async (amount: number) => {
      const accountId = randomUUID();
      await desk.onAccount({ type: 'OpenAccount', data: { accountId, ownerId: randomUUID(), currency: 'EUR' } });
      await desk.onAccount({ type: 'DepositMoney', data: { accountId, amount } });
      await desk.onAccount({ type: 'RequestAccountClose', data: { accountId } });
      return accountId;
    };

    // While no server runs: one account emptied with its close pending, one emptied and then
    // its close called off before any process manager saw the withdrawal.
    const resumed = await account(500);
    await desk.onAccount({ type: 'WithdrawMoney', data: { accountId: resumed, amount: 500 } });
    const calledOff = await account(500);
    await desk.onAccount({ type: 'WithdrawMoney', data: { accountId: calledOff, amount: 500 } });
    const beforeStart = await desk.onAccount({ type: 'CancelAccountClose', data: { accountId: calledOff } });

    const first = await servers.startServer();
    await checkpointPast(first.url, beforeStart.position);
    expect(await types(resumed)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'AccountCloseRequested',
      'MoneyWithdrawn',
      'AccountClosed',
    ]);
    expect(await types(calledOff)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'AccountCloseRequested',
      'MoneyWithdrawn',
      'AccountCloseCancelled',
    ]);

    // With a server: one emptied by a transfer out.
    const bank = bankApi(() => first.url);
    const transferred = await account(300);
    const target = await bank.open();
    const { transfer } = await executeOk(first.url, RequestTransferDocument, {
      input: { fromAccountId: transferred, toAccountId: target.accountId, amount: '3.00' },
    });
    const settled = await executeOk(first.url, TransferDocument, {
      id: transfer.transferId as string,
      awaitSettlement: true,
    });
    expect(settled.transfer).toMatchObject({ status: 'COMPLETED' });
    await waitFor('the transferred account to close', async () => (await types(transferred)).includes('AccountClosed'));
    const streams = async () => Promise.all([resumed, calledOff, transferred].map(types));
    const before = await streams();
    await checkpointPast(first.url, settled.transfer!.position);
    await first.stop();

    // Every event again, to a new node.
    await servers.redis.del(checkpointKey(processManagerId(accountCloseProcessName)));
    const second = await servers.startServer();
    // An event past every other, to know the replay has reached the end of the log.
    const head = await bankApi(() => second.url).open();
    const replayed = await checkpointPast(second.url, head.position);

    expect(replayed).toMatchObject({ parked: 0, lagEvents: 0 });
    expect(await streams()).toEqual(before);
  });
});
