import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { checkpointKey, processManagerId } from '../../../src/core/projections/keys.js';
import { transferProcessName } from '../../../src/domains/bank/transfers/transfer-process.js';
import { bankApi } from '../../support/bank-api.js';
import { processManagerPast, useRestartableServers } from '../../support/restartable-servers.js';
import { transferDesk } from '../../support/transfer-desk.js';

/*
 * A replay of the transfers' process manager (its checkpoint lost, as after a crash between a
 * reaction's last command and its checkpoint) while what refused the transfers' steps has changed:
 * the source got the money it lacked, the missing target was opened. The accounts would now take
 * the refused debit and credit; the transfer, FAILED already, says they are not due.
 */

describe('the transfers’ process manager, replaying settled transfers', () => {
  const servers = useRestartableServers();
  const checkpointPast = (url: string, position: string) => processManagerPast(url, transferProcessName, position);

  it('sends no refused debit or credit again once the transfer failed, though the accounts would now take them', async () => {
    const { eventStore, redis } = servers;
    const first = await servers.startServer();
    const bank = bankApi(() => first.url);
    const desk = transferDesk(eventStore);
    const source = await bank.open();
    const target = await bank.open();
    await bank.deposit(source.accountId, '3.00');
    const missing = randomUUID();
    const overBalance = await desk.requestTransfer(source.accountId, target.accountId, 400);
    const toMissing = await desk.requestTransfer(source.accountId, missing, 100);
    const before = [await desk.settled(overBalance), await desk.settled(toMissing)];
    expect(before.map(({ state }) => state)).toMatchObject([
      { status: 'failed', reason: 'INSUFFICIENT_FUNDS' },
      { status: 'failed', reason: 'ACCOUNT_NOT_FOUND', refunded: true },
    ]);
    await checkpointPast(first.url, before[1]!.position);
    await first.stop();

    await desk.onAccount({ type: 'DepositMoney', data: { accountId: source.accountId, amount: 1000 } });
    const opened = await desk.onAccount({
      type: 'OpenAccount',
      data: { accountId: missing, ownerId: randomUUID(), currency: 'EUR' },
    });
    await redis.del(checkpointKey(processManagerId(transferProcessName)));
    const second = await servers.startServer();
    const replayed = await checkpointPast(second.url, opened.position);

    expect(replayed).toMatchObject({ parked: 0, lagEvents: 0 });
    const after = [await desk.settled(overBalance), await desk.settled(toMissing)];
    expect(after.map(({ events }) => events)).toEqual(before.map(({ events }) => events));
    const types = async (stream: string) => (await readEventEnvelopes(eventStore, stream)).map((event) => event.type);
    expect(await types(`account-${source.accountId}`)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'MoneyTransferredOut',
      'TransferOutRefunded',
      'MoneyDeposited',
    ]);
    expect(await types(`account-${missing}`)).toEqual(['AccountOpened']);
  });
});
