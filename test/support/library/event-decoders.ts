import { type EventDecoderTable, eventDecoders } from '../../../src/core/index.js';
import type { LibraryEvent } from './events.js';
import type { HoldEvent } from './hold-events.js';

/*
 * The library's one way to read its events back: the pipeline's folds, titleEvents, both
 * projections and the hold desk decode through these. Every type has one schema version so far, read as stored.
 */

const asStored = <Data>(stored: Data): Data => stored;

const titleTable: EventDecoderTable<LibraryEvent> = {
  TitleCatalogued: { 1: asStored },
  CopyLent: { 1: asStored },
  CopyReturned: { 1: asStored },
};

const holdTable: EventDecoderTable<HoldEvent> = {
  HoldPlaced: { 1: asStored },
  HoldFulfilled: { 1: asStored },
  HoldCancelled: { 1: asStored },
};

export const libraryEventDecoders = eventDecoders<LibraryEvent>(titleTable);

/** A hold's stream, as the hold aggregate folds it. */
export const holdEventDecoders = eventDecoders<HoldEvent>(holdTable);

/** Both, for what reads the whole log: the hold desk reacts to events of titles and holds. */
export const circulationEventDecoders = eventDecoders<LibraryEvent | HoldEvent>({ ...titleTable, ...holdTable });
