import {
  failurePolicy,
  hSet,
  type KeySpace,
  type MinorUnits,
  notify,
  type Projection,
  parsePositionToken,
  positionToken,
  type RedisClient,
  type RedisOp,
} from '../../../core/index.js';
import { bankEventDecoders } from '../event-decoders.js';
import { type BankEvent, bankEventTypes, type RecordedBankEvent } from '../events.js';

/*
 * `account:<id>`: one hash per account with everything `Account` shows, and the revision and
 * position of the last change. Each change is announced on topic `account:<id>` with the fields
 * it set, as JSON: what changed plus revision and position (an opening sets every field). A
 * subscriber that read the account once keeps it current from the messages alone, so a thousand
 * subscribers to one account cost no read per change. A pending close is `closeRequestedAt`; its
 * end (called off, or the account closed) sets it to the empty string rather than deleting it, so
 * the message that announces the end, merged field by field, clears it too.
 */

export type AccountSummaryStatus = 'OPEN' | 'CLOSED';

/** An account as the read model holds it. */
export interface AccountSummary {
  readonly id: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly balance: MinorUnits;
  readonly status: AccountSummaryStatus;
  readonly openedAt: string;
  readonly closedAt?: string;
  /** When a close was requested that is still pending; absent while none is. */
  readonly closeRequestedAt?: string;
  /** The account stream's revision this state reflects. */
  readonly revision: number;
  /** The $all position of the last change. */
  readonly position: bigint;
}

/** The account's hash, or a change message: field → value, numbers as numbers or decimal text. */
export type AccountFields = Readonly<Record<string, string | number>>;

export const accountKey = (accountId: string): string => `account:${accountId}`;
export const accountTopic = (accountId: string): string => `account:${accountId}`;

/** `closeRequestedAt` when no close is pending. */
const noCloseRequest = '';

const changed = (event: RecordedBankEvent, fields: AccountFields): RedisOp[] => {
  const { accountId } = event.data;
  const set = { ...fields, revision: Number(event.revision), position: positionToken(event.position) };
  return [hSet(accountKey(accountId), set), notify(accountTopic(accountId), JSON.stringify(set))];
};

const project = (event: RecordedBankEvent): readonly RedisOp[] => {
  switch (event.type) {
    case 'AccountOpened': {
      const { accountId: id, ownerId, currency, openedAt } = event.data;
      return changed(event, { id, ownerId, currency, balance: 0, status: 'OPEN', openedAt });
    }
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'MoneyTransferredOut':
    case 'MoneyTransferredIn':
    case 'TransferOutRefunded':
      return changed(event, { balance: event.data.balanceAfter });
    case 'AccountClosed':
      return changed(event, { status: 'CLOSED', closedAt: event.data.closedAt, closeRequestedAt: noCloseRequest });
    case 'AccountCloseRequested':
      return changed(event, { closeRequestedAt: event.data.requestedAt });
    case 'AccountCloseCancelled':
      return changed(event, { closeRequestedAt: noCloseRequest });
    default:
      return ignore(event);
  }
};

const ignore = (_event: never): readonly RedisOp[] => [];

export const accountSummaryProjection: Projection<BankEvent> = {
  name: 'account-summary',
  version: 1,
  events: bankEventDecoders,
  handles: bankEventTypes,
  // A balance is the sum of every event before it: a gap would make every later balance wrong, so it halts.
  failurePolicy: failurePolicy({ whenExhausted: 'halt' }),
  streamCategory: 'account',
  project,
};

const statuses: readonly string[] = ['OPEN', 'CLOSED'] satisfies AccountSummaryStatus[];

/**
 * The account the fields describe, or undefined when they do not describe a whole one: an empty
 * hash (no such account), or change messages without the opening that set the constant fields.
 */
export const decodeAccountSummary = (fields: AccountFields): AccountSummary | undefined => {
  const { id, ownerId, currency, balance, status, openedAt, closedAt, closeRequestedAt, revision, position } = fields;
  if (id === undefined || ownerId === undefined || currency === undefined || openedAt === undefined) return undefined;
  if (!statuses.includes(String(status)) || position === undefined) return undefined;
  return {
    id: String(id),
    ownerId: String(ownerId),
    currency: String(currency),
    balance: Number(balance),
    status: status as AccountSummaryStatus,
    openedAt: String(openedAt),
    ...(closedAt === undefined ? {} : { closedAt: String(closedAt) }),
    ...(closeRequestedAt === undefined || closeRequestedAt === noCloseRequest
      ? {}
      : { closeRequestedAt: String(closeRequestedAt) }),
    revision: Number(revision),
    position: BigInt(position),
  };
};

/** A change message: the fields it set, and the position of the change. */
export interface AccountChange {
  readonly fields: AccountFields;
  readonly position: bigint;
}

/** The change a message announces, or undefined if it is not one of ours. */
export const parseAccountChange = (message: string): AccountChange | undefined => {
  try {
    const fields = JSON.parse(message) as AccountFields | null;
    const position = typeof fields?.position === 'string' ? parsePositionToken(fields.position) : undefined;
    if (fields === null || position === undefined) return undefined;
    return { fields, position };
  } catch {
    return undefined;
  }
};

/**
 * One account kept current from its change messages, for a subscriber. Messages carry only what
 * changed; merged into the state read once they give the whole account, with no read per change.
 * Without that state (the opening was announced before anyone listened, and pub/sub, which is at
 * most once, lost it) the account is read again. Changes at or before the state held are old news.
 */
export class AccountTracker {
  readonly #read: () => Promise<AccountFields>;
  #fields: AccountFields = {};
  #current: AccountSummary | undefined;

  private constructor(read: () => Promise<AccountFields>) {
    this.#read = read;
  }

  /** Reads the account (subscribe to its changes before, so none falls in between). */
  static async start(read: () => Promise<AccountFields>): Promise<AccountTracker> {
    const tracker = new AccountTracker(read);
    await tracker.#reset();
    return tracker;
  }

  /** The account as last read or changed; undefined while it does not exist. */
  get current(): AccountSummary | undefined {
    return this.#current;
  }

  /** The account after the change `message` announces; undefined if it is old news or not a change. */
  async apply(message: string): Promise<AccountSummary | undefined> {
    const change = parseAccountChange(message);
    if (change === undefined || (this.#current !== undefined && change.position <= this.#current.position)) {
      return undefined;
    }
    this.#fields = { ...this.#fields, ...change.fields };
    this.#current = decodeAccountSummary(this.#fields);
    if (this.#current === undefined) await this.#reset();
    return this.#current;
  }

  async #reset(): Promise<void> {
    this.#fields = await this.#read();
    this.#current = decodeAccountSummary(this.#fields);
  }
}

/** One account's hash as stored (empty when there is none, or no version is active yet). */
export const readAccountFields = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  accountId: string,
): Promise<AccountFields> => (space === undefined ? {} : redis.hGetAll(space.key(accountKey(accountId))));

/**
 * Several accounts at once, in the order asked. The HGETALLs are issued in one tick, which
 * node-redis writes as one pipeline: a page of accounts costs one round trip.
 */
export const readAccountSummaries = (
  redis: RedisClient,
  space: KeySpace | undefined,
  accountIds: readonly string[],
): Promise<(AccountSummary | undefined)[]> =>
  Promise.all(accountIds.map(async (id) => decodeAccountSummary(await readAccountFields(redis, space, id))));
