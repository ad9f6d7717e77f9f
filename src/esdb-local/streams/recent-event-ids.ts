import { GenerationalCache } from './generational-cache.js';

/** Where an accepted event went. */
export interface EventPlacement {
  readonly streamId: string;
  readonly revision: number;
}

/**
 * The ids of recently accepted events and where they went. EventStoreDB keeps such a bounded
 * cache (8 MiB, `CommitedEventsMemCacheLimit`) and consults it to make appends with expected
 * revision `any` idempotent; ids that have fallen out of it are written again, as there. This
 * one remembers the last 50,000 to 100,000 ids.
 */
export class RecentEventIds {
  readonly #placements: GenerationalCache<string, EventPlacement>;

  constructor(capacity = 100_000) {
    this.#placements = new GenerationalCache(capacity);
  }

  get(eventId: string): EventPlacement | undefined {
    return this.#placements.get(eventId);
  }

  remember(eventId: string, placement: EventPlacement): void {
    this.#placements.set(eventId, placement);
  }
}
