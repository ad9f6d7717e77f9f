import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/decider.js';
import { eventDecoders, type Recorded } from '../../../src/core/event-decoders.js';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { createLogger } from '../../../src/core/logger.js';
import { activeKeySpace, readActiveVersion } from '../../../src/core/projections/active-version.js';
import { readCheckpoint } from '../../../src/core/projections/checkpoint.js';
import { type FailurePolicy, failurePolicy } from '../../../src/core/projections/failure-policy.js';
import { clearHalt, readHalt } from '../../../src/core/projections/halts.js';
import { countParked, listParked } from '../../../src/core/projections/parking.js';
import { hIncrBy, notify, type Projection } from '../../../src/core/projections/projection.js';
import { firstBuildOf } from '../../../src/core/projections/runner/builds.js';
import { resetProjection } from '../../../src/core/projections/runner/projection-admin.js';
import type { RunnerStatus } from '../../../src/core/projections/runner/projection-lane.js';
import { Projector, type ProjectorOptions } from '../../../src/core/projections/runner/projector.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { startTestDependencies, type TestDependencies } from '../../support/esgraph.js';
import { capturedLogger } from '../../support/identity.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The runner against a real esdb-local and a real Redis, with a small counting projection:
 * `Counted { key, by }` adds `by` to `totals[key]`. Exact sums prove exactly-once effects. Each
 * test counts with an event type of its own, so no test's events (a poison one) reach another's.
 * `Counted` is at schema version 2; version 1 stored `{ key, times }`.
 */

type Counted = DomainEvent<string, { key: string; by: number; poison?: boolean }>;

interface Counter {
  readonly name: string;
  readonly type: string;
}

const newCounter = (): Counter => {
  const suffix = randomUUID().slice(0, 8);
  return { name: `counting-${suffix}`, type: `Counted-${suffix}` };
};

const asStored = (stored: Counted['data']) => stored;

const counting = (
  { name, type }: Counter,
  version = 1,
  factor = 1,
  declared: {
    failurePolicy?: FailurePolicy;
    streamCategory?: string;
    onEvent?: (event: Recorded<Counted>) => void;
  } = {},
): Projection<Counted> => ({
  name,
  version,
  events: eventDecoders<Counted>({
    [type]: { 1: (stored: { key: string; times: number }) => ({ key: stored.key, by: stored.times }), 2: asStored },
  }),
  handles: [type],
  ...(declared.failurePolicy === undefined ? {} : { failurePolicy: declared.failurePolicy }),
  ...(declared.streamCategory === undefined ? {} : { streamCategory: declared.streamCategory }),
  project: (event) => {
    declared.onEvent?.(event);
    if (event.data.poison) throw new Error(`cannot count ${event.data.key}`);
    return [hIncrBy('totals', event.data.key, event.data.by * factor), notify('totals', event.data.key)];
  },
});

describe('the projector', () => {
  let dependencies: TestDependencies;
  let eventStore: EventStoreClient;
  let redis: RedisClient;
  const log = createLogger(process.env.ESGRAPH_TEST_LOG_LEVEL ?? 'silent');
  const runners: { status(): RunnerStatus; stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    eventStore = connectEventStore(dependencies.esdb.connectionString);
    redis = await connectRedis(dependencies.redis.url);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });
  afterAll(async () => {
    await eventStore?.dispose();
    await redis?.close();
    await dependencies?.stop();
  });

  /** A projector (as one process would run it) with this one projection. */
  const run = (projection: Projection<Counted>, options: ProjectorOptions = {}) => {
    // biome-ignore lint/suspicious/noExplicitAny: the projector takes projections of any event shape.
    const projector = new Projector({ eventStore, redis, log }, [projection as Projection<any>], {
      leaseTtlMs: 600,
      ...options,
    });
    projector.start();
    const runner = { status: () => projector.statuses()[0]!, stop: () => projector.stop() };
    runners.push(runner);
    return runner;
  };

  /** Appends the counter's events to a fresh stream (of category `counter`); returns the position of the last. */
  const count = async (
    counter: Counter,
    key: string,
    amounts: readonly number[],
    extra: Partial<Counted['data']> = {},
    category = 'counter',
  ) => {
    const result = await eventStore.appendToStream(
      `${category}-${randomUUID()}`,
      amounts.map((by) =>
        jsonEvent({ type: counter.type, data: { key, by, ...extra }, metadata: { schemaVersion: 2 } }),
      ),
    );
    return result.position!.commit;
  };

  const totalOf = async (name: string, key: string): Promise<number | undefined> => {
    const space = await activeKeySpace(redis, name);
    const value = space && (await redis.hGet(space.key('totals'), key));
    return value === undefined || value === null ? undefined : Number(value);
  };

  it('catches up on history, then projects live events, each exactly once', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [1, 2, 3]);
    const runner = run(counting(counter));
    await waitFor('history to be projected', async () => (await totalOf(name, key)) === 6);
    const last = await count(counter, key, [10, 20]);
    await waitFor('live events to be projected', async () => (await totalOf(name, key)) === 36);
    expect(await readCheckpoint(redis, { name, version: firstBuildOf(1) })).toBe(last);
    // The runner records its checkpoint just after the commit that made the totals visible.
    await waitFor('the runner to report the live checkpoint', () => runner.status().checkpoint === last);
    expect(runner.status()).toMatchObject({ name, build: firstBuildOf(1), state: 'live', pendingEvents: 0 });
  });

  it('resumes from its checkpoint after a restart, applying nothing twice', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [5, 5]);
    const first = run(counting(counter));
    await waitFor('the first run', async () => (await totalOf(name, key)) === 10);
    await first.stop();
    await count(counter, key, [7]);
    run(counting(counter));
    await waitFor('the events appended while stopped', async () => (await totalOf(name, key)) === 17);
    await count(counter, key, [1]);
    await waitFor('a live event after the restart', async () => (await totalOf(name, key)) === 18);
  });

  it('lets only the lease holder write, and a standby take over when it goes', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    const [writer, standby] = [run(counting(counter)), run(counting(counter))];
    await count(counter, key, [1, 1, 1]);
    await waitFor('the first batch', async () => (await totalOf(name, key)) === 3);
    const states = [writer.status().state, standby.status().state].sort();
    expect(states).toEqual(['live', 'waiting-for-lease']);
    const [active, waiting] = writer.status().state === 'live' ? [writer, standby] : [standby, writer];
    await active.stop();
    await count(counter, key, [4]);
    await waitFor('the standby to take over', async () => (await totalOf(name, key)) === 7);
    expect(waiting.status().state).toBe('live');
  });

  it('parks an event its handler keeps failing on, visibly, and moves on', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    const runner = run(
      counting(counter, 1, 1, {
        failurePolicy: failurePolicy({ maxAttempts: 3, initialDelayMs: 1, whenExhausted: 'park' }),
      }),
    );
    await count(counter, key, [1]);
    const poison = await count(counter, key, [100], { poison: true });
    await count(counter, key, [2]);
    await waitFor('the events around the poison one', async () => (await totalOf(name, key)) === 3);
    const build = { name, version: firstBuildOf(1) };
    expect(await countParked(redis, build)).toBe(1);
    const [parked] = await listParked(redis, build);
    expect(parked).toMatchObject({
      type: counter.type,
      position: poison,
      attempts: 3,
      error: expect.stringContaining(key),
    });
    expect(runner.status().parked).toBe(1);
  });

  it('hands the handler every event decoded: an older version upcast, a newer one passed over, a bad one parked', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    const runner = run(
      counting(counter, 1, 1, { failurePolicy: failurePolicy({ maxAttempts: 2, initialDelayMs: 1 }) }),
    );
    const written = (data: Record<string, string | number>, schemaVersion: number) =>
      jsonEvent({ type: counter.type, data, metadata: { schemaVersion } });
    const append = await eventStore.appendToStream(`counter-${randomUUID()}`, [
      written({ key, times: 4 }, 1),
      written({ key, by: 1_000, unit: 'dozens' }, 3),
      written({ key, by: 50 }, 0),
    ]);
    await count(counter, key, [2]);
    await waitFor('the events after the undecodable one', async () => (await totalOf(name, key)) === 6);
    const [parked] = await listParked(redis, { name, version: firstBuildOf(1) });
    expect(parked).toMatchObject({
      type: counter.type,
      position: append.position!.commit,
      attempts: 2,
      error: expect.stringMatching(/^EventDecodingError: .* has schema version 0$/),
    });
    expect(runner.status().parked).toBe(1);
  });

  it('halts at an event it cannot handle when its policy says halt: visibly, before it, while other read models go on', async () => {
    const counter = newCounter();
    const parking = { name: `${counter.name}-parks`, type: counter.type };
    const { name } = counter;
    const key = randomUUID();
    const before = await count(counter, key, [1]);
    const poison = await count(counter, key, [100], { poison: true });
    await count(counter, key, [2]);
    const halts = counting(counter, 1, 1, {
      failurePolicy: failurePolicy({ maxAttempts: 2, initialDelayMs: 1, whenExhausted: 'halt' }),
    });
    const parks = counting(parking, 1, 1, {
      failurePolicy: failurePolicy({ maxAttempts: 2, initialDelayMs: 1, whenExhausted: 'park' }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the projector takes projections of any event shape.
    const projector = new Projector({ eventStore, redis, log }, [halts, parks] as Projection<any>[], {
      leaseTtlMs: 600,
    });
    projector.start();
    runners.push({ status: () => projector.statuses()[0]!, stop: () => projector.stop() });
    const statusOf = (projection: string) => projector.statuses().find((status) => status.name === projection)!;

    await waitFor('the runner to halt', () => statusOf(name).state === 'halted');
    const build = { name, version: firstBuildOf(1) };
    expect(statusOf(name).lastError).toMatch(/halted at/);
    expect(await readCheckpoint(redis, build)).toBe(before);
    expect(await totalOf(name, key)).toBe(1);
    // Recorded in Redis, where every node and the CLI read it.
    expect(await readHalt(redis, build)).toMatchObject({
      position: poison,
      type: counter.type,
      attempts: 2,
      error: expect.stringContaining(`cannot count ${key}`),
    });
    // The read model that parks goes on past the event, fed by the same subscription.
    await waitFor(
      'the parking read model to pass the poison event',
      async () => (await totalOf(parking.name, key)) === 3,
    );
    const later = await count(counter, key, [4]);
    await waitFor('the parking read model to stay live', async () => (await totalOf(parking.name, key)) === 7);
    expect(await readCheckpoint(redis, { name: parking.name, version: firstBuildOf(1) })).toBe(later);
    expect(await readCheckpoint(redis, build)).toBe(before);
    expect(statusOf(name).state).toBe('halted');
  });

  it('stays halted on another node that takes the lease over, without trying the event again', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    const before = await count(counter, key, [1]);
    await count(counter, key, [100], { poison: true });
    const policy = failurePolicy({ maxAttempts: 2, initialDelayMs: 1, whenExhausted: 'halt' });
    const first = run(counting(counter, 1, 1, { failurePolicy: policy }));
    await waitFor('the first node to halt', () => first.status().state === 'halted');
    await first.stop();
    let tried = 0;
    const second = run(
      counting(counter, 1, 1, {
        failurePolicy: policy,
        onEvent: (event) => {
          if (event.data.poison) tried++;
        },
      }),
    );
    await waitFor('the second node to report the halt', () => second.status().state === 'halted');
    expect(second.status().lastError).toMatch(/halted at/);
    expect(tried).toBe(0);
    expect(await readCheckpoint(redis, { name, version: firstBuildOf(1) })).toBe(before);
  });

  it('tries the event again from its checkpoint once an operator lifts the halt', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [1]);
    await count(counter, key, [100], { poison: true });
    let fixed = false;
    const runner = run({
      ...counting(counter, 1, 1, {
        failurePolicy: failurePolicy({ maxAttempts: 2, initialDelayMs: 1, whenExhausted: 'halt' }),
      }),
      // The handler's bug, fixed while it stands halted.
      project: (event) => {
        if (event.data.poison && !fixed) throw new Error('not yet');
        return [hIncrBy('totals', event.data.key, event.data.by)];
      },
    });
    await waitFor('the runner to halt', () => runner.status().state === 'halted');
    fixed = true;
    expect(await clearHalt(redis, { name, version: firstBuildOf(1) })).toBe(true);
    await waitFor('the halted event to be applied', async () => (await totalOf(name, key)) === 101);
    await waitFor('the runner to be live again', () => runner.status().state === 'live');
    expect(await readHalt(redis, { name, version: firstBuildOf(1) })).toBeUndefined();
  });

  it('hands its handler only events of its stream category, and moves its checkpoint past the others', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    const seen: string[] = [];
    run(counting(counter, 1, 1, { streamCategory: 'counter', onEvent: (event) => seen.push(event.streamName) }));
    await count(counter, key, [1]);
    const elsewhere = await count(counter, key, [1_000], {}, 'elsewhere');
    await waitFor('the checkpoint to pass the other category', async () => {
      return (await readCheckpoint(redis, { name, version: firstBuildOf(1) })) === elsewhere;
    });
    expect(await totalOf(name, key)).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^counter-/);
  });

  it('stops at once while it backs off before retrying a failing event', async () => {
    const counter = newCounter();
    const key = randomUUID();
    let attempts = 0;
    const runner = run(
      counting(counter, 1, 1, {
        failurePolicy: failurePolicy({ maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 }),
        onEvent: () => attempts++,
      }),
    );
    await count(counter, key, [1], { poison: true });
    await waitFor('the first attempt to fail', () => attempts === 1);
    const started = Date.now();
    await runner.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toBe(1);
  });

  it('builds a new code version beside the old one and switches readers once it has caught up', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [1, 2]);
    const v1 = run(counting(counter, 1));
    await waitFor('version 1', async () => (await totalOf(name, key)) === 3);
    await v1.stop();
    const v2 = run(counting(counter, 2, 100));
    await waitFor('readers to switch to version 2', async () => (await totalOf(name, key)) === 300);
    expect(await readActiveVersion(redis, name)).toBe(firstBuildOf(2));
    // The old build stays a moment, for reads that picked it just before the switch, then goes.
    await waitFor(
      'the replaced build to be deleted',
      async () => (await redis.keys(`*{${name}}:v${firstBuildOf(1)}:*`)).length === 0,
    );
    await count(counter, key, [1]);
    await waitFor('version 2 to stay live', async () => (await totalOf(name, key)) === 400);
    expect(v2.status().build).toBe(firstBuildOf(2));
  });

  it('follows a reset to the new build and logs it as routine, not as a lost lease', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [1, 2]);
    const captured = capturedLogger();
    // biome-ignore lint/suspicious/noExplicitAny: the projector takes projections of any event shape.
    const projector = new Projector({ eventStore, redis, log: captured.log }, [counting(counter) as Projection<any>], {
      leaseTtlMs: 600,
    });
    projector.start();
    runners.push({ status: () => projector.statuses()[0]!, stop: () => projector.stop() });
    await waitFor('the first build', async () => (await totalOf(name, key)) === 3);
    // A reset deletes the build it replaces, the lease on it included, while this projector holds it.
    const { build } = await resetProjection(redis, counting(counter));
    await waitFor('the projector to fill the new build', async () => (await totalOf(name, key)) === 3, {
      timeoutMs: 10_000,
    });
    expect(projector.statuses()[0]?.build).toBe(build);
    expect(captured.lines().filter((line) => (line.level as number) >= 40)).toEqual([]);
  });

  it('feeds several read models from one subscription, one joining from further back', async () => {
    const early = newCounter();
    const late = { name: `${early.name}-late`, type: early.type };
    const key = randomUUID();
    await count(early, key, [1, 2]);
    const first = run(counting(early));
    await waitFor('the early read model', async () => (await totalOf(early.name, key)) === 3);
    await first.stop();
    await count(early, key, [4]);
    // One projector for both: the feed starts where the late one needs it, the early one skips what it has.
    const both = new Projector(
      { eventStore, redis, log },
      // biome-ignore lint/suspicious/noExplicitAny: the projector takes projections of any event shape.
      [counting(early), counting(late, 1, 10)] as Projection<any>[],
      {
        leaseTtlMs: 600,
      },
    );
    both.start();
    runners.push({ status: () => both.statuses()[0]!, stop: () => both.stop() });
    await count(early, key, [8]);
    await waitFor(
      'both read models',
      async () => (await totalOf(early.name, key)) === 15 && (await totalOf(late.name, key)) === 150,
    );
    await waitFor('both live', () => both.statuses().every((status) => status.state === 'live'));
  });

  it('stands by while readers use a newer code version', async () => {
    const counter = newCounter();
    const { name } = counter;
    const key = randomUUID();
    await count(counter, key, [1]);
    run(counting(counter, 2));
    await waitFor('version 2', async () => (await totalOf(name, key)) === 1);
    const old = run(counting(counter, 1));
    await waitFor('the old code to stand by', () => old.status().state === 'stand-by');
    expect(await readActiveVersion(redis, name)).toBe(firstBuildOf(2));
  });
});
