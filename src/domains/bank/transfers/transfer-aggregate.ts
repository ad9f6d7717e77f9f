import type { Aggregate } from '../../../core/index.js';
import { transferCommandStreamName, transferDecider } from './transfer.js';
import type { TransferCommand } from './transfer-commands.js';
import { transferEventDecoders } from './transfer-event-decoders.js';
import type { TransferEvent } from './transfer-events.js';
import type { TransferState } from './transfer-state.js';

/** The transfer as the command pipeline handles it: stream `transfer-<transferId>`. */
export const transferAggregate: Aggregate<TransferCommand, TransferEvent, TransferState> = {
  decider: transferDecider,
  streamName: transferCommandStreamName,
  events: transferEventDecoders,
};
