import { expect } from 'vitest';
import type { Projection, RedisOp } from '../../src/core/projections/projection.js';
import { accountStreamName } from '../../src/domains/bank/account.js';
import type { BankEvent, RecordedBankEvent } from '../../src/domains/bank/events.js';
import type { RecordedTransferEvent, TransferEvent } from '../../src/domains/bank/transfers/transfer-events.js';
import { transferStreamName } from '../../src/domains/bank/transfers/transfer-state.js';
import { testNow } from './bank.js';

/*
 * Given-then for projection handlers: `given(...events).then(...ops)` projects each event and
 * expects exactly these ops, in this order. Events are placed in the log with `at`, or by
 * `inLog`, which puts a history's events at positions 100, 200, … and revisions 0, 1, ….
 *
 *   const given = projectionSpecification(accountSummaryProjection);
 *   it('sets the balance after a deposit', () =>
 *     given(at(moneyDeposited('10.00'), { position: 200n, revision: 1n })).then(hSet(...), notify(...)));
 */

export interface LogPlace {
  readonly position: bigint;
  readonly revision: bigint;
  readonly id?: string;
}

/** A bank event as the runner hands it to a projection (decoded), at a place in the log. */
export const at = (event: BankEvent, { position, revision, id }: LogPlace): RecordedBankEvent =>
  ({
    id: id ?? `event-${position}`,
    type: event.type,
    data: event.data,
    metadata: {},
    streamName: accountStreamName(event.data.accountId),
    revision,
    position,
    created: new Date(testNow),
  }) as RecordedBankEvent;

/** One account's history: event i at position 100·(i+1), revision i, id `event-<position>`. */
export const inLog = (...events: BankEvent[]): RecordedBankEvent[] =>
  events.map((event, index) => at(event, { position: BigInt(100 * (index + 1)), revision: BigInt(index) }));

/** One transfer's history, placed as `inLog` places an account's, on stream `transfer-<transferId>`. */
export const inTransferLog = (...events: TransferEvent[]): RecordedTransferEvent[] =>
  events.map(
    (event, index) =>
      ({
        id: `event-${100 * (index + 1)}`,
        type: event.type,
        data: event.data,
        metadata: {},
        streamName: transferStreamName(event.data.transferId),
        revision: BigInt(index),
        position: BigInt(100 * (index + 1)),
        created: new Date(testNow),
      }) as RecordedTransferEvent,
  );

export const projectionSpecification =
  (projection: Projection<BankEvent>) =>
  (...events: RecordedBankEvent[]) => ({
    // biome-ignore lint/suspicious/noThenProperty: given-then is the vocabulary; this object is never awaited.
    then(...expected: RedisOp[]): void {
      expect(events.flatMap((event) => projection.project(event))).toEqual(expected);
    },
  });
