import type { ProjectedEvent } from '../../../../src/core/index.js';
import type { LibraryEvent } from '../events.js';

type Projected<Event extends LibraryEvent> = Event extends LibraryEvent
  ? ProjectedEvent<Event['type'], Event['data']>
  : never;

/** A library event as the library's projections receive it: its data, and where it sits in the log. */
export type ProjectedLibraryEvent = Projected<LibraryEvent>;
