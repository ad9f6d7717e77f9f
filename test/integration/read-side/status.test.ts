import { beforeAll, describe, expect, it } from 'vitest';
import { activateVersion } from '../../../src/core/projections/active-version.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { recordHalt } from '../../../src/core/projections/halts.js';
import { acquireLease } from '../../../src/core/projections/lease.js';
import { parkEvent } from '../../../src/core/projections/parking.js';
import { set } from '../../../src/core/projections/projection.js';
import { readProjectionStatus } from '../../../src/core/projections/status.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';

const fixture = useEmbeddedRedis();
let redis: RedisClient;
beforeAll(async () => {
  redis = await fixture.connect();
});

describe('projection status', () => {
  it('shows each version: checkpoint, lag, whether it is active, who holds it, what it parked', async () => {
    const name = uniqueName('status');
    const live = { name, version: 1 };
    const rebuild = { name, version: 2 };
    const idle = { name: uniqueName('status'), version: 1 };
    const token = (await acquireLease(redis, live, 60_000, 'projector-a:1:abc'))!;
    await activateVersion(redis, live);
    await commitBatch(redis, { projection: live, ops: [set('k', 'v')], checkpoint: 900n, leaseToken: token });
    await parkEvent(redis, live, token, {
      eventId: 'e-1',
      streamId: 'account-1',
      revision: 0n,
      position: 450n,
      type: 'MoneyDeposited',
      error: 'boom',
      attempts: 5,
      parkedAt: new Date(),
    });

    const [liveStatus, rebuildStatus, idleStatus] = await readProjectionStatus(redis, [live, rebuild, idle], 1_000n);

    expect(liveStatus).toMatchObject({
      name,
      version: 1,
      active: true,
      activeVersion: 1,
      checkpoint: 900n,
      lag: 100n,
      leaseHolder: 'projector-a:1:abc',
      parked: 1,
    });
    expect(liveStatus?.leaseExpiresInMs).toBeGreaterThan(50_000);
    expect(rebuildStatus).toEqual({
      name,
      version: 2,
      active: false,
      activeVersion: 1,
      checkpoint: undefined,
      lag: 1_000n,
      leaseHolder: undefined,
      leaseExpiresInMs: undefined,
      parked: 0,
      halt: undefined,
    });
    expect(idleStatus).toMatchObject({ activeVersion: undefined, active: false, checkpoint: undefined });
  });

  it('shows where a version halted and why, recorded only by the lease holder', async () => {
    const build = { name: uniqueName('status'), version: 1 };
    const token = (await acquireLease(redis, build, 60_000, 'projector-a:1:abc'))!;
    await commitBatch(redis, { projection: build, ops: [set('k', 'v')], checkpoint: 700n, leaseToken: token });
    const halt = {
      eventId: 'e-2',
      streamId: 'account-2',
      revision: 3n,
      position: 800n,
      type: 'MoneyWithdrawn',
      error: 'Error: no balance to withdraw from',
      attempts: 5,
      haltedAt: new Date('2026-12-02T19:00:00.000Z'),
    };
    expect(await recordHalt(redis, build, 'someone-else', halt)).toBe('fenced');
    expect((await readProjectionStatus(redis, [build]))[0]?.halt).toBeUndefined();

    expect(await recordHalt(redis, build, token, halt)).toBe('halted');
    const [status] = await readProjectionStatus(redis, [build]);
    expect(status).toMatchObject({ checkpoint: 700n, halt });
  });

  it('leaves lag out when the head of the log is not given', async () => {
    const [status] = await readProjectionStatus(redis, [{ name: uniqueName('status'), version: 1 }]);
    expect(status?.lag).toBeUndefined();
  });
});
