import { randomUUID } from 'node:crypto';
import { commandAccess } from '../../src/core/commands/command-access.js';
import { stampCommandMetadata } from '../../src/core/commands/command-metadata.js';
import type { IssuedCommand, RequestIdentity } from '../../src/core/commands/command-middleware.js';
import { CommandPipeline } from '../../src/core/commands/command-pipeline.js';
import type { EventStoreClient } from '../../src/core/eventstore/client.js';
import { positionToken } from '../../src/core/eventstore/positions.js';
import { readEventEnvelopes } from '../../src/core/eventstore/read-stream.js';
import { bankAccessPolicy } from '../../src/domains/bank/access-policy.js';
import { accountAggregate } from '../../src/domains/bank/account-aggregate.js';
import { createAccountOwners } from '../../src/domains/bank/account-owners.js';
import type { BankCommand } from '../../src/domains/bank/commands.js';
import { createTransferParties } from '../../src/domains/bank/transfer-parties.js';
import { transferAggregate } from '../../src/domains/bank/transfers/transfer-aggregate.js';
import { transferEventDecoders } from '../../src/domains/bank/transfers/transfer-event-decoders.js';
import { foldTransfer, transferStreamName } from '../../src/domains/bank/transfers/transfer-state.js';
import { waitFor } from './wait-for.js';

/*
 * A teller at a command pipeline with the bank's access policy, as a server's own is, on a test's
 * event store: asks for transfers (as the `transfer` mutation does) and sends account commands while no
 * server runs; and the wait for a transfer to settle, read from its stream.
 */

const teller: RequestIdentity = { requestId: 'teller', userId: 'tess', roles: ['teller'] };

export const transferDesk = (eventStore: EventStoreClient) => {
  const { commands } = bankAccessPolicy({
    accountOwner: createAccountOwners(eventStore),
    transferParties: createTransferParties(eventStore),
  });
  const rules = commandAccess((type) => (Object.hasOwn(commands, type) ? commands[type] : undefined));
  const pipeline = new CommandPipeline(eventStore, { middleware: [stampCommandMetadata, rules] });
  return {
    /** Asks for a transfer as a teller; its id. */
    async requestTransfer(fromAccountId: string, toAccountId: string, amount: number, currency = 'EUR') {
      const transferId = randomUUID();
      const data = { transferId, fromAccountId, toAccountId, amount, currency };
      await pipeline.handle(transferAggregate, { type: 'RequestTransfer', data, commandId: randomUUID() }, teller);
      return transferId;
    },
    /** An account command as a teller. */
    onAccount: (command: IssuedCommand<BankCommand>) =>
      pipeline.handle(accountAggregate, { ...command, commandId: randomUUID() }, teller),
    /** The transfer once it settled, with where its last event sits in the log and how many it has. */
    settled: (transferId: string) =>
      waitFor(`transfer ${transferId} to settle`, async () => {
        const events = await readEventEnvelopes(eventStore, transferStreamName(transferId));
        const state = foldTransfer(transferEventDecoders.decodeAll(events));
        if (state.status !== 'completed' && state.status !== 'failed') return undefined;
        return { state, position: positionToken(events.at(-1)!.position), events: events.length };
      }),
  };
};
