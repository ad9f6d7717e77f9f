import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';

/** A small, realistic domain event. */
export const event = (n: number) =>
  jsonEvent({
    type: 'MoneyDeposited',
    data: { accountId: `acc-${n % 1000}`, amountMinor: n % 100_000, currency: 'EUR', at: '2024-05-01T10:00:00.000Z' },
  });

export interface AppendResult {
  readonly appendsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly events: number;
}

/**
 * `writers` concurrent writers, each appending `batch` events at a time to streams of its own,
 * for `seconds` or until `maxEvents` events were written, through one shared client.
 */
export const appendPhase = async (
  client: EventStoreDBClient,
  {
    writers,
    batch,
    seconds,
    maxEvents = Number.POSITIVE_INFINITY,
  }: {
    writers: number;
    batch: number;
    seconds: number;
    maxEvents?: number;
  },
): Promise<AppendResult> => {
  let appends = 0;
  let events = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const prefix = `account-${writer}-${randomUUID().slice(0, 8)}`;
      for (let round = 0; performance.now() < deadline && events < maxEvents; round++) {
        const stream = `${prefix}-${round % 100}`;
        const n = events;
        events += batch;
        await client.appendToStream(
          stream,
          Array.from({ length: batch }, (_, index) => event(n + index)),
        );
        appends++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { appendsPerSecond: appends / elapsed, eventsPerSecond: events / elapsed, events };
};

export const readAllPhase = async (client: EventStoreDBClient) => {
  const started = performance.now();
  let events = 0;
  for await (const _ of client.readAll({ fromPosition: 'start' })) events++;
  return { events, eventsPerSecond: events / ((performance.now() - started) / 1000) };
};

export const subscriptionPhase = async (client: EventStoreDBClient) => {
  const started = performance.now();
  let events = 0;
  const subscription = client.subscribeToAll({ fromPosition: 'start' });
  await new Promise<void>((resolve, reject) => {
    subscription.on('data', () => events++);
    subscription.once('caughtUp', () => resolve());
    subscription.once('error', reject);
  });
  const seconds = (performance.now() - started) / 1000;
  await subscription.unsubscribe();
  return { events, eventsPerSecond: events / seconds };
};
