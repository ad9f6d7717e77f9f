import {
  addLogOrdered,
  failurePolicy,
  hSet,
  type KeySpace,
  type LogOrderedRange,
  type MinorUnits,
  notify,
  type Projection,
  parsePositionToken,
  positionToken,
  type RedisClient,
  type RedisOp,
  readLogOrdered,
} from '../../../core/index.js';
import { transferEventDecoders } from '../transfers/transfer-event-decoders.js';
import { type RecordedTransferEvent, type TransferEvent, transferEventTypes } from '../transfers/transfer-events.js';
import { transferCategory, transferStepKinds } from '../transfers/transfer-state.js';

/*
 * Transfers as clients read them, from the `transfer-<id>` streams:
 * - `transfer:<id>`: a hash with the terms, the status (PENDING until COMPLETED or FAILED), the
 *   failure's reason, the settling time, and the position of the last change;
 * - `steps:<id>`: a log-ordered set of the steps taken, each as JSON {kind, at, position};
 * - `account:<accountId>`: a log-ordered set of the transfer ids from or to the account, by the
 *   position of their request, so a page of an account's transfers, newest first, is one ZRANGE.
 * Each change is announced on topic `transfer:<id>` with its position: a subscriber reads the
 * transfer again (a transfer changes a handful of times, so a read per change costs little).
 */

export type TransferRecordStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

export interface TransferStepRecord {
  readonly kind: string;
  readonly at: string;
  readonly position: bigint;
}

/** A transfer as the read model holds it. */
export interface TransferRecord {
  readonly id: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: MinorUnits;
  readonly currency: string;
  readonly status: TransferRecordStatus;
  readonly reason?: string;
  readonly requestedAt: string;
  readonly completedAt?: string;
  readonly steps: readonly TransferStepRecord[];
  /** The $all position of the last change. */
  readonly position: bigint;
}

export const transferKey = (transferId: string): string => `transfer:${transferId}`;
export const transferStepsKey = (transferId: string): string => `steps:${transferId}`;
export const accountTransfersKey = (accountId: string): string => `account:${accountId}`;
export const transferTopic = (transferId: string): string => `transfer:${transferId}`;

/** What the event changes of the transfer's hash, besides its position. */
const fieldsOf = (event: RecordedTransferEvent): Record<string, string | number> => {
  switch (event.type) {
    case 'TransferRequested': {
      const { transferId: id, fromAccountId, toAccountId, amount, currency, occurredAt } = event.data;
      return { id, fromAccountId, toAccountId, amount, currency, status: 'PENDING', requestedAt: occurredAt };
    }
    case 'TransferCompleted':
      return { status: 'COMPLETED', completedAt: event.data.occurredAt };
    case 'TransferFailed':
      return { status: 'FAILED', reason: event.data.reason };
    default:
      return {};
  }
};

const handled: ReadonlySet<string> = new Set(transferEventTypes);

const project = (event: RecordedTransferEvent): readonly RedisOp[] => {
  // The runner hands it transfer events only; anything else writes nothing, as for every projection.
  if (!handled.has(event.type)) return [];
  const { transferId, occurredAt } = event.data;
  const position = positionToken(event.position);
  const step = JSON.stringify({ kind: transferStepKinds[event.type], at: occurredAt, position });
  const listed =
    event.type === 'TransferRequested'
      ? [
          addLogOrdered(accountTransfersKey(event.data.fromAccountId), event.position, transferId),
          addLogOrdered(accountTransfersKey(event.data.toAccountId), event.position, transferId),
        ]
      : [];
  return [
    hSet(transferKey(transferId), { ...fieldsOf(event), position }),
    addLogOrdered(transferStepsKey(transferId), event.position, step),
    ...listed,
    notify(transferTopic(transferId), position),
  ];
};

export const transfersProjection: Projection<TransferEvent> = {
  name: 'transfers',
  version: 1,
  events: transferEventDecoders,
  handles: transferEventTypes,
  // One transfer's missed step leaves every other transfer right: it parks and goes on.
  failurePolicy: failurePolicy({ whenExhausted: 'park' }),
  streamCategory: transferCategory,
  project,
};

const statuses: readonly string[] = ['PENDING', 'COMPLETED', 'FAILED'] satisfies TransferRecordStatus[];

/** A transfer has at most seven steps; more is a stream nobody wrote through the decider. */
const maxSteps = 16;

const decodeStep = (json: string): TransferStepRecord[] => {
  try {
    const { kind, at, position } = JSON.parse(json) as { kind?: unknown; at?: unknown; position?: unknown };
    const where = typeof position === 'string' ? parsePositionToken(position) : undefined;
    if (typeof kind !== 'string' || typeof at !== 'string' || where === undefined) return [];
    return [{ kind, at, position: where }];
  } catch {
    return [];
  }
};

/**
 * The transfer with this id, or undefined when the read model does not hold a whole one (no
 * request projected yet, or no version active). Its hash and its steps are read in one tick, which
 * node-redis sends as one pipeline.
 */
export const readTransfer = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  transferId: string,
): Promise<TransferRecord | undefined> => {
  if (space === undefined) return undefined;
  const range = { count: maxSteps, newestFirst: false };
  const [fields, stepEntries] = await Promise.all([
    redis.hGetAll(space.key(transferKey(transferId))),
    readLogOrdered(redis, space, transferStepsKey(transferId), range),
  ]);
  const { id, fromAccountId, toAccountId, amount, currency, status, reason, requestedAt, completedAt, position } =
    fields;
  if (id === undefined || fromAccountId === undefined || toAccountId === undefined || requestedAt === undefined) {
    return undefined;
  }
  const where = position === undefined ? undefined : parsePositionToken(position);
  if (currency === undefined || status === undefined || !statuses.includes(status) || where === undefined) {
    return undefined;
  }
  return {
    id,
    fromAccountId,
    toAccountId,
    amount: Number(amount),
    currency,
    status: status as TransferRecordStatus,
    ...(reason === undefined ? {} : { reason }),
    requestedAt,
    ...(completedAt === undefined ? {} : { completedAt }),
    steps: stepEntries.flatMap((entry) => decodeStep(entry.payload)),
    position: where,
  };
};

/** A transfer id of an account's list and the sort key that resumes the listing after it. */
export interface AccountTransferEntry {
  readonly sortKey: string;
  readonly transferId: string;
}

/** The ids of the transfers from or to the account, in the order and from the place `range` says. */
export const readAccountTransfers = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  accountId: string,
  range: LogOrderedRange,
): Promise<AccountTransferEntry[]> =>
  (await readLogOrdered(redis, space, accountTransfersKey(accountId), range)).map(({ sortKey, payload }) => ({
    sortKey,
    transferId: payload,
  }));
