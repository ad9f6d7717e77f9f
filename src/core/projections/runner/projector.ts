import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import type { Projection } from '../projection.js';
import { ProjectionRunner, type ProjectionRunnerOptions, type RunnerStatus } from './projection-runner.js';

/**
 * The projector role: one runner per projection, all in this process. Any number of processes
 * may run it; each projection's lease decides which one writes, and the others stand ready to
 * take over when it goes away.
 */
export class Projector {
  readonly #runners: ProjectionRunner[];

  constructor(
    dependencies: { readonly eventStore: EventStoreClient; readonly redis: RedisClient; readonly log: Logger },
    projections: readonly Projection[],
    options: ProjectionRunnerOptions = {},
  ) {
    assertUniqueNames(projections);
    this.#runners = projections.map((projection) => new ProjectionRunner(dependencies, projection, options));
  }

  start(): void {
    for (const runner of this.#runners) runner.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#runners.map((runner) => runner.stop()));
  }

  statuses(): RunnerStatus[] {
    return this.#runners.map((runner) => runner.status());
  }
}

const assertUniqueNames = (projections: readonly Projection[]): void => {
  const seen = new Set<string>();
  for (const { name } of projections) {
    if (seen.has(name)) throw new Error(`two projections are named ${JSON.stringify(name)}`);
    seen.add(name);
  }
};
