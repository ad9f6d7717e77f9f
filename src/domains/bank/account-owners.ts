import { type EventStoreClient, readEventEnvelopePage, requireId } from '../../core/index.js';
import { accountStreamName } from './account.js';
import { bankEventDecoders } from './event-decoders.js';

/** Openings kept in memory; past it the oldest entry makes room (an opening never changes, so none is ever stale). */
const maxCachedOpenings = 100_000;

/** What an account's opening fixed for good: who owns it and in which currency it is kept. */
export interface AccountOpening {
  readonly ownerId: string;
  readonly currency: string;
}

/**
 * An account's opening, from its stream's first event: the log, not a read model, so a customer
 * may deposit into (or transfer from) the account it opened a moment ago, before any projection
 * has seen it. Owner and currency never change, so each opening is read once and cached.
 * Answers undefined for an account nobody opened.
 * @throws ValidationError for a malformed account id, as the account's own operations do.
 */
export const createAccountOpenings = (eventStore: EventStoreClient) => {
  const openings = new Map<string, AccountOpening>();
  return async (accountId: string, field = 'accountId'): Promise<AccountOpening | undefined> => {
    const id = requireId(accountId, field);
    const known = openings.get(id);
    if (known !== undefined) return known;
    const [opened] = bankEventDecoders.decodeAll(await readEventEnvelopePage(eventStore, accountStreamName(id), 0n, 1));
    if (opened?.type !== 'AccountOpened') return undefined;
    if (openings.size >= maxCachedOpenings) openings.delete(openings.keys().next().value as string);
    const opening = { ownerId: opened.data.ownerId, currency: opened.data.currency };
    openings.set(id, opening);
    return opening;
  };
};

/** Who owns an account (see {@link createAccountOpenings}); what the access policy checks a customer against. */
export const createAccountOwners = (eventStore: EventStoreClient) => {
  const openingOf = createAccountOpenings(eventStore);
  return async (accountId: string, field = 'accountId'): Promise<string | undefined> =>
    (await openingOf(accountId, field))?.ownerId;
};
