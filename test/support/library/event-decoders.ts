import { eventDecoders } from '../../../src/core/index.js';
import type { LibraryEvent } from './events.js';

/*
 * The library's one way to read its events back: the pipeline's fold, titleEvents and both
 * projections decode through it. Every type has one schema version so far, read as stored.
 */

const asStored = <Data>(stored: Data): Data => stored;

export const libraryEventDecoders = eventDecoders<LibraryEvent>({
  TitleCatalogued: { 1: asStored },
  CopyLent: { 1: asStored },
  CopyReturned: { 1: asStored },
});
