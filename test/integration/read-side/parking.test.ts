import { beforeAll, describe, expect, it } from 'vitest';
import { countParked, listParked, type ParkedEvent, parkEvent } from '../../../src/core/projections/parking.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { holdLease } from '../../support/lease.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';

const fixture = useEmbeddedRedis();
let redis: RedisClient;
beforeAll(async () => {
  redis = await fixture.connect();
});

const leased = async () => {
  const projection = { name: uniqueName('park'), version: 1 };
  return { projection, token: await holdLease(redis, projection) };
};

const poison = (position: bigint, overrides: Partial<ParkedEvent> = {}): ParkedEvent => ({
  eventId: `event-${position}`,
  streamId: 'account-42',
  revision: 3n,
  position,
  type: 'MoneyDeposited',
  error: 'TypeError: cannot read balance of undefined',
  attempts: 5,
  parkedAt: new Date('2025-01-02T03:04:05.678Z'),
  ...overrides,
});

describe('parking events', () => {
  it('records what failed, where and how often, and counts per projection version', async () => {
    const { projection, token } = await leased();
    const other = await leased();

    expect(await parkEvent(redis, projection, token, poison(700n))).toBe('parked');
    await parkEvent(redis, projection, token, poison(800n));
    await parkEvent(redis, other.projection, other.token, poison(900n));

    expect(await countParked(redis, projection)).toBe(2);
    expect(await countParked(redis, other.projection)).toBe(1);
    expect(await countParked(redis, { ...projection, version: 2 })).toBe(0);
    expect((await listParked(redis, projection))[0]).toEqual(poison(700n));
  });

  it('lists in log order, exactly beyond 2^53, a page at a time', async () => {
    const { projection, token } = await leased();
    const positions = [2n ** 60n + 1n, 5n, 2n ** 60n, 40n, 300n];
    for (const position of positions) await parkEvent(redis, projection, token, poison(position));

    const first = await listParked(redis, projection, { limit: 3 });
    const rest = await listParked(redis, projection, { limit: 3, after: first.at(-1)?.position });

    expect(first.map((event) => event.position)).toEqual([5n, 40n, 300n]);
    expect(rest.map((event) => event.position)).toEqual([2n ** 60n, 2n ** 60n + 1n]);
  });

  it('keeps one record of an event parked again after a replay', async () => {
    const { projection, token } = await leased();
    await parkEvent(redis, projection, token, poison(10n, { attempts: 5 }));
    await parkEvent(redis, projection, token, poison(10n, { attempts: 7, error: 'again' }));

    expect(await countParked(redis, projection)).toBe(1);
    expect(await listParked(redis, projection)).toEqual([poison(10n, { attempts: 7, error: 'again' })]);
  });

  it('refuses a runner that lost the lease', async () => {
    const { projection } = await leased();

    expect(await parkEvent(redis, projection, 'lost-token', poison(10n))).toBe('fenced');
    expect(await countParked(redis, projection)).toBe(0);
    expect(await redis.keys(`*{${projection.name}}*parked*`)).toEqual([]);
  });

  it('cuts a huge error message short', async () => {
    const { projection, token } = await leased();
    await parkEvent(redis, projection, token, poison(1n, { error: 'x'.repeat(1_000_000) }));

    const [parked] = await listParked(redis, projection);
    expect(parked?.error.length).toBeLessThanOrEqual(4_000);
  });
});
