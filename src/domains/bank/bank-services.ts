import {
  type CommandReceipt,
  type DomainDependencies,
  decodeCursor,
  encodeCursor,
  type IssuedCommand,
  type Page,
  pageOf,
  pageSize,
  type RequestIdentity,
  readBoundedEventEnvelopes,
  readEventEnvelopePage,
  requireId,
} from '../../core/index.js';
import { accountStreamName } from './account.js';
import { accountAggregate } from './account-aggregate.js';
import { createAccountOpenings } from './account-owners.js';
import { type BankFeeds, createBankFeeds } from './bank-feeds.js';
import { type BankQueries, createBankQueries } from './bank-queries.js';
import type { BankCommand } from './commands.js';
import { bankEventDecoders } from './event-decoders.js';
import type { RecordedBankEvent } from './events.js';
import { createTransferParties, type TransferParties } from './transfer-parties.js';
import { createTransferReads, type TransferReads } from './transfer-reads.js';
import { createTransferRequests, type TransferReceipt, type TransferRequest } from './transfer-requests.js';

/** What the bank's resolvers can ask of the bank: commands, the log, read models and live feeds. */
export interface BankServices extends BankQueries, BankFeeds, TransferReads {
  /**
   * Runs a command through the pipeline for whoever `request` names: stamped and checked by its
   * middleware, decided on the account's stream, appended once.
   */
  handle(command: IssuedCommand<BankCommand>, request: RequestIdentity): Promise<CommandReceipt>;
  /**
   * The account's stream, decoded as the decider folds it (current shapes; events newer code
   * wrote are skipped): the source of temporal queries. At most `streamReadMaxEvents` are read;
   * the read stops when `read.signal` aborts (the operation's deadline, or its client gone).
   * @throws ValidationError for a malformed id.
   * @throws DomainError `LOG_TOO_LONG` for a longer stream.
   * @throws OperationAbortedError, the signal's reason, once it has aborted.
   */
  accountEvents(accountId: string, read?: LogRead): Promise<RecordedBankEvent[]>;
  /**
   * One page of the account's stream, oldest first, read from the store alone: `first` events
   * (plus one, to know whether a next page exists) from the revision after the `after` cursor.
   * Stops like {@link accountEvents} when `read.signal` aborts.
   * @throws ValidationError for a malformed id, a `first` outside 1 to 100 or a cursor this list did not return.
   */
  accountEventPage(
    accountId: string,
    page: { first?: number | null; after?: string | null },
    read?: LogRead,
  ): Promise<Page<RecordedBankEvent>>;
  /**
   * Who owns the account, from its first event (cached: owners never change); undefined when
   * nobody opened it. What the access policy checks a customer against.
   * @throws ValidationError for a malformed id, naming `field`.
   */
  accountOwner(accountId: string, field?: string): Promise<string | undefined>;
  /**
   * Asks for a transfer: checked up front against both accounts' openings, then RequestTransfer
   * through the pipeline on stream `transfer-<transferId>`. The process manager does the rest.
   * @throws DomainError ACCOUNT_NOT_FOUND (source), CURRENCY_MISMATCH, SAME_ACCOUNT, TRANSFER_ALREADY_EXISTS.
   */
  requestTransfer(request: TransferRequest, identity: RequestIdentity): Promise<TransferReceipt>;
  /**
   * A transfer's two accounts, from its request in the log (cached: they never change); undefined
   * when nobody asked for it. What the access policy checks a customer's reads of it against.
   * @throws ValidationError for a malformed id, naming `field`.
   */
  transferParties(transferId: string, field?: string): Promise<TransferParties | undefined>;
}

/** How a read of the log is made on an operation's behalf: stopped when its signal aborts. */
export interface LogRead {
  readonly signal?: AbortSignal | undefined;
}

/** A history cursor names the revision of its event, so pages stay put as the stream grows. */
const historyCursorKind = 'history';
const isRevision = (place: string): boolean => /^(0|[1-9][0-9]{0,18})$/.test(place);

export const createBankServices = ({
  commands,
  eventStore,
  readModels,
  streamReadMaxEvents,
}: DomainDependencies): BankServices => {
  // One cache of openings for the access policy's owners and the transfers' up-front checks.
  const openingOf = createAccountOpenings(eventStore);
  return {
    handle: (command, request) => commands.handle(accountAggregate, command, request),
    // Ids are checked like every other operation's, before they name a stream to read.
    accountEvents: async (accountId, read = {}) => {
      const stream = accountStreamName(requireId(accountId, 'id'));
      return bankEventDecoders.decodeAll(
        await readBoundedEventEnvelopes(eventStore, stream, streamReadMaxEvents, read.signal),
      );
    },
    accountEventPage: async (accountId, { first, after }, read = {}) => {
      const id = requireId(accountId, 'id');
      const size = pageSize(first);
      const cursor = decodeCursor(historyCursorKind, after, isRevision);
      const fromRevision = cursor === undefined ? 0n : BigInt(cursor) + 1n;
      const stream = accountStreamName(id);
      const envelopes = await readEventEnvelopePage(eventStore, stream, fromRevision, size + 1, read.signal);
      // Cursors come from the envelopes, so an event this code cannot decode is skipped but never reread.
      return pageOf(
        envelopes,
        size,
        (envelope) => encodeCursor(historyCursorKind, envelope.revision.toString()),
        (envelope) => bankEventDecoders.decode(envelope),
      );
    },
    accountOwner: async (accountId, field) => (await openingOf(accountId, field))?.ownerId,
    requestTransfer: createTransferRequests(commands, openingOf),
    transferParties: createTransferParties(eventStore),
    ...createBankQueries(readModels),
    ...createBankFeeds(readModels),
    ...createTransferReads(readModels),
  };
};
