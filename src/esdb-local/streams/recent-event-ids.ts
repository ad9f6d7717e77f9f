/** Where an accepted event went. */
export interface EventPlacement {
  readonly streamId: string;
  readonly revision: number;
}

/**
 * The ids of recently accepted events and where they went. EventStoreDB keeps such a bounded
 * cache (8 MiB, `CommitedEventsMemCacheLimit`) and consults it to make appends with expected
 * revision `any` idempotent; ids that have fallen out of it are written again, as there.
 */
export class RecentEventIds {
  readonly #placements = new Map<string, EventPlacement>();

  constructor(readonly capacity = 100_000) {}

  get(eventId: string): EventPlacement | undefined {
    return this.#placements.get(eventId);
  }

  remember(eventId: string, placement: EventPlacement): void {
    // Re-inserting moves the id to the young end, so eviction drops the oldest writes first.
    this.#placements.delete(eventId);
    this.#placements.set(eventId, placement);
    if (this.#placements.size > this.capacity) {
      const oldest = this.#placements.keys().next().value;
      if (oldest !== undefined) this.#placements.delete(oldest);
    }
  }
}
