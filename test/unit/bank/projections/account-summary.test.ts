import { describe, expect, it, vi } from 'vitest';
import { hSet, notify, type RedisOp } from '../../../../src/core/projections/projection.js';
import {
  AccountTracker,
  accountSummaryProjection,
  decodeAccountSummary,
  parseAccountChange,
} from '../../../../src/domains/bank/projections/account-summary.js';
import {
  accountCloseCancelled,
  accountClosed,
  accountCloseRequested,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  testNow,
  transferOutRefunded,
} from '../../../support/bank.js';
import { at, inLog, projectionSpecification } from '../../../support/bank-projections.js';

const given = projectionSpecification(accountSummaryProjection);

/** The hash write and its announcement, which carries exactly the fields written. */
const changed = (fields: Record<string, string | number>): RedisOp[] => [
  hSet('account:acc-1', fields),
  notify('account:acc-1', JSON.stringify(fields)),
];

const opened = {
  id: 'acc-1',
  ownerId: 'owner-1',
  currency: 'EUR',
  balance: 0,
  status: 'OPEN',
  openedAt: testNow,
  revision: 0,
  position: '100',
};

describe('the account-summary projection', () => {
  it('writes every field of a newly opened account and announces them', () =>
    given(at(accountOpened(), { position: 100n, revision: 0n })).then(...changed(opened)));

  it('sets the balance a deposit ended at, with its revision and position', () =>
    given(at(moneyDeposited('10.00', '25.00'), { position: 18_446_744_073_709_551_615n, revision: 3n })).then(
      ...changed({ balance: 2500, revision: 3, position: '18446744073709551615' }),
    ));

  it('sets the balance a withdrawal ended at', () =>
    given(at(moneyWithdrawn('10.00', '15.00'), { position: 400n, revision: 4n })).then(
      ...changed({ balance: 1500, revision: 4, position: '400' }),
    ));

  it.each([
    ['a transfer out', moneyTransferredOut('4.00', '11.00'), 1100],
    ['a transfer in', moneyTransferredIn('4.00', '19.00'), 1900],
    ['a refund of a transfer out', transferOutRefunded('4.00', '15.00'), 1500],
  ] as const)('sets the balance %s ended at', (_name, event, balance) =>
    given(at(event, { position: 450n, revision: 6n })).then(...changed({ balance, revision: 6, position: '450' })),
  );

  it('marks a closed account and records when it closed', () =>
    given(at(accountClosed({ closedAt: '2024-06-01T00:00:00.000Z' }), { position: 500n, revision: 5n })).then(
      ...changed({
        status: 'CLOSED',
        closedAt: '2024-06-01T00:00:00.000Z',
        closeRequestedAt: '',
        revision: 5,
        position: '500',
      }),
    ));

  it('records a pending close, and clears it when the request is called off', () => {
    given(
      at(accountCloseRequested({ requestedAt: '2024-06-01T00:00:00.000Z' }), { position: 500n, revision: 5n }),
    ).then(...changed({ closeRequestedAt: '2024-06-01T00:00:00.000Z', revision: 5, position: '500' }));
    given(at(accountCloseCancelled(), { position: 600n, revision: 6n })).then(
      ...changed({ closeRequestedAt: '', revision: 6, position: '600' }),
    );
  });
});

describe('a pending close read back', () => {
  const requested = inLog(accountOpened(), moneyDeposited('10.00'), accountCloseRequested());
  const fieldsOf = (events: typeof requested) =>
    Object.assign(
      {},
      ...events
        .flatMap((event) => accountSummaryProjection.project(event))
        .flatMap((op) => (op.kind === 'hSet' ? [op.fields] : [])),
    );

  it('shows when the close was requested', () =>
    expect(decodeAccountSummary(fieldsOf(requested))).toMatchObject({ status: 'OPEN', closeRequestedAt: testNow }));

  it('shows none once the request is called off, or the account closed', () => {
    const [cancelled, closed] = [accountCloseCancelled(), accountClosed()].map((event) =>
      decodeAccountSummary(fieldsOf(inLog(accountOpened(), moneyDeposited('10.00'), accountCloseRequested(), event))),
    );
    expect(cancelled).toMatchObject({ status: 'OPEN' });
    expect(cancelled).not.toHaveProperty('closeRequestedAt');
    expect(closed).toMatchObject({ status: 'CLOSED' });
    expect(closed).not.toHaveProperty('closeRequestedAt');
  });

  it('is cleared for a tracker by the message that ends it', async () => {
    const history = inLog(accountOpened(), moneyDeposited('10.00'), accountCloseRequested(), accountCloseCancelled());
    const messages = history
      .flatMap((event) => accountSummaryProjection.project(event))
      .flatMap((op) => (op.kind === 'notify' ? [op.message] : []));
    const tracker = await AccountTracker.start(async () => fieldsOf(history.slice(0, 3)));
    expect(tracker.current).toMatchObject({ closeRequestedAt: testNow });
    expect(await tracker.apply(messages[3]!)).not.toHaveProperty('closeRequestedAt');
  });
});

describe('account summaries read back', () => {
  const history = inLog(accountOpened(), moneyDeposited('10.00'), moneyWithdrawn('10.00', '0.00'), accountClosed());
  const ops = history.flatMap((event) => accountSummaryProjection.project(event));
  const hash = Object.assign({}, ...ops.flatMap((op) => (op.kind === 'hSet' ? [op.fields] : [])));
  const messages = ops.flatMap((op) => (op.kind === 'notify' ? [op.message] : []));

  it('decode from the hash into the whole account', () =>
    expect(decodeAccountSummary(hash)).toEqual({
      id: 'acc-1',
      ownerId: 'owner-1',
      currency: 'EUR',
      balance: 0,
      status: 'CLOSED',
      openedAt: testNow,
      closedAt: testNow,
      revision: 3,
      position: 400n,
    }));

  it('are the same account when rebuilt from the change messages alone', () => {
    const merged = Object.assign({}, ...messages.map((message) => parseAccountChange(message)?.fields));
    expect(decodeAccountSummary(merged)).toEqual(decodeAccountSummary(hash));
  });

  it('give each message its position', () =>
    expect(messages.map((message) => parseAccountChange(message)?.position)).toEqual([100n, 200n, 300n, 400n]));

  it('are not an account without the fields the opening set', () => {
    expect(decodeAccountSummary({})).toBeUndefined();
    expect(decodeAccountSummary(parseAccountChange(messages[1]!)!.fields)).toBeUndefined();
  });

  it('ignore a message that is not a change', () => {
    expect(parseAccountChange('not json')).toBeUndefined();
    expect(parseAccountChange('null')).toBeUndefined();
    expect(parseAccountChange('{"balance":1}')).toBeUndefined();
  });
});

describe('an account tracker', () => {
  const history = inLog(accountOpened(), moneyDeposited('10.00'), moneyDeposited('5.00', '15.00'));
  const messages = history.flatMap((event) =>
    accountSummaryProjection.project(event).flatMap((op) => (op.kind === 'notify' ? [op.message] : [])),
  );
  const hashAfter = (count: number) =>
    Object.assign(
      {},
      ...history
        .slice(0, count)
        .flatMap((event) => accountSummaryProjection.project(event))
        .flatMap((op) => (op.kind === 'hSet' ? [op.fields] : [])),
    );

  it('keeps the account read once current from change messages, without reading again', async () => {
    const reads = vi.fn(async () => hashAfter(1));
    const tracker = await AccountTracker.start(reads);
    expect(await tracker.apply(messages[1]!)).toMatchObject({ balance: 1000, revision: 1, position: 200n });
    expect(await tracker.apply(messages[2]!)).toMatchObject({ balance: 1500, revision: 2, position: 300n });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('ignores changes at or before the state it holds', async () => {
    const tracker = await AccountTracker.start(async () => hashAfter(2));
    expect(await tracker.apply(messages[0]!)).toBeUndefined();
    expect(await tracker.apply(messages[1]!)).toBeUndefined();
    expect(tracker.current).toMatchObject({ balance: 1000, position: 200n });
  });

  it('starts from the opening message when the account did not exist when read', async () => {
    const tracker = await AccountTracker.start(async () => ({}));
    expect(tracker.current).toBeUndefined();
    expect(await tracker.apply(messages[0]!)).toMatchObject({ id: 'acc-1', balance: 0, position: 100n });
  });

  it('reads the account again when a change arrives whose opening it never saw', async () => {
    const reads = vi.fn<() => Promise<Record<string, string | number>>>();
    reads.mockResolvedValueOnce({}).mockResolvedValueOnce(hashAfter(3));
    const tracker = await AccountTracker.start(reads);
    expect(await tracker.apply(messages[1]!)).toMatchObject({ balance: 1500, position: 300n });
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
