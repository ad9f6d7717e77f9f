import type { Aggregate, StoredEvent } from '../../../src/core/index.js';
import type { LibraryCommand } from './commands.js';
import { isLibraryEventType, type LibraryEvent, libraryEventSchemaVersion } from './events.js';
import { type TitleState, titleDecider, titleStreamName } from './title.js';

/** A stored event back as a library event; another context's (or newer code's) types are skipped. */
export const decodeLibraryEvent = (stored: StoredEvent): LibraryEvent | undefined =>
  isLibraryEventType(stored.type) && typeof stored.data === 'object' && stored.data !== null
    ? ({ type: stored.type, data: stored.data } as LibraryEvent)
    : undefined;

/** The title as the command pipeline handles it. */
export const titleAggregate: Aggregate<LibraryCommand, LibraryEvent, TitleState> = {
  decider: titleDecider,
  streamName: (command) => titleStreamName(command.data.titleId),
  decode: decodeLibraryEvent,
  schemaVersion: libraryEventSchemaVersion,
};
