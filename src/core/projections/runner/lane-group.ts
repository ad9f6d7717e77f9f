import type { SharedFeed } from './shared-feed.js';

/** What a group runs: a runner with a life of its own and a status to report. */
export interface GroupedLane<Status> {
  start(): void;
  stop(): Promise<void>;
  status(): Status;
}

/**
 * Lanes of one role in a process and the one feed they share: the projector's read models, or
 * the process managers. Started together; stopped lanes first, so none is left waiting on a
 * feed that has gone.
 */
export class LaneGroup<Status> {
  constructor(
    readonly feed: SharedFeed,
    private readonly lanes: readonly GroupedLane<Status>[],
  ) {}

  start(): void {
    for (const lane of this.lanes) lane.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.stop()));
    await this.feed.stop();
  }

  statuses(): Status[] {
    return this.lanes.map((lane) => lane.status());
  }
}
