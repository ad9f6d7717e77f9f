import { describe, expect, it } from 'vitest';
import {
  accountStreamName,
  commandStreamName,
  decide,
  evolve,
  foldAccount,
  foldAccountAsOf,
  initialState,
} from '../../../src/domains/bank/account.js';
import type { BankCommand } from '../../../src/domains/bank/commands.js';
import { bankEventDecoders } from '../../../src/domains/bank/event-decoders.js';
import { bankEventTypes, eventOccurredAt } from '../../../src/domains/bank/events.js';
import {
  accountClosed,
  accountOpened,
  commandMetadata,
  deposit,
  moneyDeposited,
  moneyWithdrawn,
} from '../../support/bank.js';

const at = (day: number) => `2024-05-0${day}T10:00:00.000Z`;
const history = [
  accountOpened({ openedAt: at(1) }),
  moneyDeposited('10.00', '10.00', { at: at(2) }),
  moneyWithdrawn('10.00', '0.00', { at: at(3) }),
  accountClosed({ closedAt: at(4) }),
];

describe('folding an account', () => {
  it('starts as new when there are no events', () => expect(foldAccount([])).toEqual({ status: 'new' }));

  it('shows an open account with its owner, currency, balance and opening time', () =>
    expect(foldAccount(history.slice(0, 2))).toEqual({
      status: 'open',
      accountId: 'acc-1',
      ownerId: 'owner-1',
      currency: 'EUR',
      balance: 1000,
      openedAt: at(1),
      transfers: new Map(),
    }));

  it('shows a closed account with its zero balance and closing time', () =>
    expect(foldAccount(history)).toMatchObject({ status: 'closed', balance: 0, openedAt: at(1), closedAt: at(4) }));

  it('takes the balance from what each event recorded', () =>
    expect(foldAccount([accountOpened(), moneyDeposited('5.00', '12.00')])).toMatchObject({ balance: 1200 }));

  it('does not change the state it is given', () => {
    const open = foldAccount(history.slice(0, 1));
    const snapshot = structuredClone(open);
    evolve(open, moneyDeposited('1.00'));
    expect(open).toEqual(snapshot);
  });
});

describe('evolving over events that do not fit the state', () => {
  it('ignores money movements before the account is opened', () =>
    expect(foldAccount([moneyDeposited('1.00'), moneyWithdrawn('1.00', '0.00')])).toEqual(initialState));

  it('ignores a second opening', () =>
    expect(foldAccount([accountOpened(), accountOpened({ ownerId: 'someone-else' })])).toMatchObject({
      ownerId: 'owner-1',
    }));

  it('ignores deposits after closing', () =>
    expect(foldAccount([...history, moneyDeposited('1.00')])).toMatchObject({ status: 'closed', balance: 0 }));

  it('ignores an event type it does not know', () => {
    const open = foldAccount(history.slice(0, 1));
    const unknown = { type: 'AccountRenamed', data: { accountId: 'acc-1' } } as never;
    expect(evolve(open, unknown)).toBe(open);
  });
});

describe('folding an account as of an instant', () => {
  it('includes the events recorded at or before the instant', () =>
    expect(foldAccountAsOf(history, at(2))).toMatchObject({ status: 'open', balance: 1000 }));

  it('shows nothing before the account was opened', () =>
    expect(foldAccountAsOf(history, '2024-04-30T00:00:00.000Z')).toEqual(initialState));

  it('stops at the first later event, keeping stream order over clock order', () => {
    const skewed = [accountOpened({ openedAt: at(1) }), moneyDeposited('5.00', '5.00', { at: at(5) })];
    const afterSkew = [...skewed, moneyDeposited('1.00', '6.00', { at: at(3) })];
    expect(foldAccountAsOf(afterSkew, at(4))).toMatchObject({ balance: 0 });
  });

  it('compares instants, not strings', () =>
    expect(foldAccountAsOf(history, '2024-05-02T12:00:00+02:00')).toMatchObject({ balance: 1000 }));
});

describe('naming streams and events', () => {
  it('names an account stream account-<id>', () => expect(accountStreamName('42')).toBe('account-42'));

  it('names the stream a command targets after its account', () =>
    expect(commandStreamName(deposit('1.00', { accountId: 'abc' }))).toBe('account-abc'));

  it('knows its own event types and no others', () => {
    expect(bankEventDecoders.types).toEqual(bankEventTypes);
    const transfer = { id: 'e-1', type: 'TransferStarted', data: {}, metadata: {}, streamName: 'transfer-1' };
    expect(bankEventDecoders.decode({ ...transfer, revision: 0n, position: 0n, created: new Date() })).toBeUndefined();
  });

  it('reads the business time each event records', () =>
    expect(history.map(eventOccurredAt)).toEqual([at(1), at(2), at(3), at(4)]));
});

describe('deciding on a command it does not know', () => {
  it('throws a plain error rather than a business rule', () => {
    const command = { type: 'RenameAccount', data: { accountId: 'acc-1' }, metadata: commandMetadata() };
    expect(() => decide(command as unknown as BankCommand, initialState)).toThrow(
      'the bank does not handle command "RenameAccount"',
    );
  });
});
