import { type EventStoreClient, readEventEnvelopePage, requireId } from '../../core/index.js';
import { accountStreamName } from './account.js';
import { bankEventDecoders } from './event-decoders.js';

/** Owners kept in memory; past it the oldest entry makes room (owners never change, so none is ever stale). */
const maxCachedOwners = 100_000;

/**
 * Who owns an account, from its stream's first event: the log, not a read model, so a customer
 * may deposit into the account it opened a moment ago, before any projection has seen it. An
 * account's owner never changes, so each is read once and cached.
 * Answers undefined for an account nobody opened.
 * @throws ValidationError for a malformed account id, as the account's own operations do.
 */
export const createAccountOwners = (eventStore: EventStoreClient) => {
  const owners = new Map<string, string>();
  return async (accountId: string, field = 'accountId'): Promise<string | undefined> => {
    const id = requireId(accountId, field);
    const known = owners.get(id);
    if (known !== undefined) return known;
    const [opened] = bankEventDecoders.decodeAll(await readEventEnvelopePage(eventStore, accountStreamName(id), 0n, 1));
    if (opened?.type !== 'AccountOpened') return undefined;
    if (owners.size >= maxCachedOwners) owners.delete(owners.keys().next().value as string);
    owners.set(id, opened.data.ownerId);
    return opened.data.ownerId;
  };
};
