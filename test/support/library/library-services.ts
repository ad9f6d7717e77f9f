import { randomUUID } from 'node:crypto';
import {
  type CommandReceipt,
  type DomainDependencies,
  type IssuedCommand,
  type Recorded,
  type RequestIdentity,
  readEventEnvelopes,
} from '../../../src/core/index.js';
import type { LibraryCommand } from './commands.js';
import { holdEventDecoders, libraryEventDecoders } from './event-decoders.js';
import type { RecordedLibraryEvent } from './events.js';
import { holdAggregate, holdStreamName } from './hold.js';
import type { HoldCommand, HoldEvent } from './hold-events.js';
import { createCirculationFeed } from './library-feeds.js';
import { circulationProjection, type LoanRecord, readCirculation } from './projections/circulation.js';
import { readShelfEntry, type ShelfEntry, shelfProjection } from './projections/shelf.js';
import { titleStreamName } from './title.js';
import { titleAggregate } from './title-aggregate.js';

/** What a client of the library (resolvers, or core's tests) can ask of it. */
export interface LibraryServices {
  /**
   * Runs a command through the pipeline (its middleware stamp it for `request`), on the title's
   * stream. Core's tests call it as anonymous clients, each call a request of its own.
   */
  handle(command: IssuedCommand<LibraryCommand>, request?: RequestIdentity): Promise<CommandReceipt>;
  /** Runs a hold's command (`PlaceHold`, as a member would) on the hold's stream. */
  handleHold(command: IssuedCommand<HoldCommand>, request?: RequestIdentity): Promise<CommandReceipt>;
  /** The hold's stream, decoded as its decider folds it. */
  holdEvents(holdId: string): Promise<Recorded<HoldEvent>[]>;
  /** The title's stream, decoded as the decider folds it. */
  titleEvents(titleId: string): Promise<RecordedLibraryEvent[]>;
  /** The title from the shelf read model; with `consistentWith`, once it has applied that position. */
  shelf(titleId: string, consistentWith?: string): Promise<ShelfEntry | undefined>;
  /** The title's newest loan records (at most `first`), newest first. */
  circulation(titleId: string, options?: { first?: number; consistentWith?: string }): Promise<LoanRecord[]>;
  /** The title's loan records as they are recorded, resuming after `since`. */
  circulationFeed(titleId: string, since?: string): Promise<AsyncIterableIterator<LoanRecord>>;
}

export const createLibraryServices = ({ commands, eventStore, readModels }: DomainDependencies): LibraryServices => ({
  handle: (command, request = { requestId: randomUUID() }) => commands.handle(titleAggregate, command, request),
  handleHold: (command, request = { requestId: randomUUID() }) => commands.handle(holdAggregate, command, request),
  holdEvents: async (holdId) =>
    holdEventDecoders.decodeAll(await readEventEnvelopes(eventStore, holdStreamName(holdId))),
  titleEvents: async (titleId) =>
    libraryEventDecoders.decodeAll(await readEventEnvelopes(eventStore, titleStreamName(titleId))),
  async shelf(titleId, consistentWith) {
    const spaces = await readModels.keySpaces([shelfProjection.name], consistentWith);
    return readShelfEntry(readModels.redis, spaces.get(shelfProjection.name), titleId);
  },
  async circulation(titleId, { first = 100, consistentWith } = {}) {
    const spaces = await readModels.keySpaces([circulationProjection.name], consistentWith);
    const range = { count: first, newestFirst: true };
    return readCirculation(readModels.redis, spaces.get(circulationProjection.name), { titleId }, range);
  },
  circulationFeed: createCirculationFeed(readModels),
});
