import { type EventStoreClient, readEventEnvelopePage, requireId } from '../../core/index.js';
import { transferEventDecoders } from './transfers/transfer-event-decoders.js';
import { transferStreamName } from './transfers/transfer-state.js';

/** Parties kept in memory; past it the oldest entry makes room (a transfer's parties never change). */
const maxCachedParties = 100_000;

/** The two accounts of a transfer, as its request fixed them. */
export interface TransferParties {
  readonly fromAccountId: string;
  readonly toAccountId: string;
}

/**
 * A transfer's accounts, from its stream's first event (TransferRequested): the log, so a
 * customer may read the transfer it asked for a moment ago, and cached, since they never change.
 * What the access policy checks a customer's reads of a transfer against. Undefined for a
 * transfer nobody asked for.
 * @throws ValidationError for a malformed transfer id.
 */
export const createTransferParties = (eventStore: EventStoreClient) => {
  const parties = new Map<string, TransferParties>();
  return async (transferId: string, field = 'id'): Promise<TransferParties | undefined> => {
    const id = requireId(transferId, field);
    const known = parties.get(id);
    if (known !== undefined) return known;
    const envelopes = await readEventEnvelopePage(eventStore, transferStreamName(id), 0n, 1);
    const [requested] = transferEventDecoders.decodeAll(envelopes);
    if (requested?.type !== 'TransferRequested') return undefined;
    if (parties.size >= maxCachedParties) parties.delete(parties.keys().next().value as string);
    const { fromAccountId, toAccountId } = requested.data;
    parties.set(id, { fromAccountId, toAccountId });
    return { fromAccountId, toAccountId };
  };
};
