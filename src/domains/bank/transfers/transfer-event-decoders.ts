import { eventDecoders } from '../../../core/index.js';
import type { TransferEvent } from './transfer-events.js';

/*
 * The one way to read transfer events back, as event-decoders.ts is for account events: the
 * transfer's fold and whatever projects transfers decode through it. Every type is at version 1.
 */

type Current<Type extends TransferEvent['type']> = Extract<TransferEvent, { type: Type }>['data'];

const asStored = <Data>(stored: Data): Data => stored;

export const transferEventDecoders = eventDecoders<TransferEvent>({
  TransferRequested: { 1: asStored<Current<'TransferRequested'>> },
  TransferDebited: { 1: asStored<Current<'TransferDebited'>> },
  TransferCredited: { 1: asStored<Current<'TransferCredited'>> },
  TransferCreditRefused: { 1: asStored<Current<'TransferCreditRefused'>> },
  TransferRefunded: { 1: asStored<Current<'TransferRefunded'>> },
  TransferCompleted: { 1: asStored<Current<'TransferCompleted'>> },
  TransferFailed: { 1: asStored<Current<'TransferFailed'>> },
});
