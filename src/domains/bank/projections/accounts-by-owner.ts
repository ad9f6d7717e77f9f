import {
  addLogOrdered,
  failurePolicy,
  type KeySpace,
  type LogOrderedEntry,
  type LogOrderedRange,
  type Projection,
  type RedisClient,
  type RedisOp,
  readLogOrdered,
} from '../../../core/index.js';
import { bankEventDecoders } from '../event-decoders.js';
import type { BankEvent, RecordedBankEvent } from '../events.js';

/*
 * Which accounts exist, in the order they were opened: `owner:<ownerId>` per owner and `all` for
 * every account, both log-ordered sets whose payload is the account id. Closed accounts stay
 * listed (their status says so). The accounts themselves are read from account-summary, so a
 * balance changing never touches these lists. Nothing subscribes to them, so nothing is announced.
 */

export const ownerAccountsKey = (ownerId: string): string => `owner:${ownerId}`;
export const allAccountsKey = 'all';

const project = (event: RecordedBankEvent): readonly RedisOp[] => {
  if (event.type !== 'AccountOpened') return [];
  const { accountId, ownerId } = event.data;
  return [
    addLogOrdered(ownerAccountsKey(ownerId), event.position, accountId),
    addLogOrdered(allAccountsKey, event.position, accountId),
  ];
};

export const accountsByOwnerProjection: Projection<BankEvent> = {
  name: 'accounts-by-owner',
  version: 1,
  events: bankEventDecoders,
  handles: ['AccountOpened'],
  // A missing account in an owner's list harms nothing else: it parks and goes on.
  failurePolicy: failurePolicy({ whenExhausted: 'park' }),
  streamCategory: 'account',
  project,
};

/**
 * Account ids in opening order (the payload of each entry), of one owner or of everyone, from
 * the place `range.after` says. Empty when no version is active yet.
 */
export const readAccountIndex = (
  redis: RedisClient,
  space: KeySpace | undefined,
  ownerId: string | undefined,
  range: LogOrderedRange,
): Promise<LogOrderedEntry[]> =>
  readLogOrdered(redis, space, ownerId === undefined ? allAccountsKey : ownerAccountsKey(ownerId), range);
