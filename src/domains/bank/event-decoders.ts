import { eventDecoders } from '../../core/index.js';
import { type BankEvent, type MoneyDeposited, unspecifiedSource } from './events.js';

/*
 * The bank's one way to read its events back. The decider's fold, the history queries and every
 * bank projection decode through this table, so they all see the current shapes of events.ts
 * whatever version the log holds. Each type lists an upcast per schema version ever written; the
 * highest is what new events are written as.
 */

type Current<Type extends BankEvent['type']> = Extract<BankEvent, { type: Type }>['data'];

/** The current version reads as stored. */
const asStored = <Data>(stored: Data): Data => stored;

/** MoneyDeposited as written before deposits named their source. */
type MoneyDepositedV1 = Omit<MoneyDeposited['data'], 'source'>;

export const bankEventDecoders = eventDecoders<BankEvent>({
  AccountOpened: { 1: asStored<Current<'AccountOpened'>> },
  MoneyDeposited: {
    1: (stored: MoneyDepositedV1): Current<'MoneyDeposited'> => ({ ...stored, source: unspecifiedSource }),
    2: asStored<Current<'MoneyDeposited'>>,
  },
  MoneyWithdrawn: { 1: asStored<Current<'MoneyWithdrawn'>> },
  AccountClosed: { 1: asStored<Current<'AccountClosed'>> },
  MoneyTransferredOut: { 1: asStored<Current<'MoneyTransferredOut'>> },
  MoneyTransferredIn: { 1: asStored<Current<'MoneyTransferredIn'>> },
  TransferOutRefunded: { 1: asStored<Current<'TransferOutRefunded'>> },
  AccountCloseRequested: { 1: asStored<Current<'AccountCloseRequested'>> },
  AccountCloseCancelled: { 1: asStored<Current<'AccountCloseCancelled'>> },
});
