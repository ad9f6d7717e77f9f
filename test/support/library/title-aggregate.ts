import type { Aggregate } from '../../../src/core/index.js';
import type { LibraryCommand } from './commands.js';
import { libraryEventDecoders } from './event-decoders.js';
import type { LibraryEvent } from './events.js';
import { type TitleState, titleDecider, titleStreamName } from './title.js';

/** The title as the command pipeline handles it. */
export const titleAggregate: Aggregate<LibraryCommand, LibraryEvent, TitleState> = {
  decider: titleDecider,
  streamName: (command) => titleStreamName(command.data.titleId),
  events: libraryEventDecoders,
};
