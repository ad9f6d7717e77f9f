import { readActiveVersion } from '../../src/core/projections/active-version.js';
import { checkpointKey } from '../../src/core/projections/keys.js';
import { connectRedis } from '../../src/core/redis/client.js';
import { domainProjections } from '../../src/domains/index.js';
import type { Check } from './oracle.js';

/*
 * Watches every projection's active build and checkpoint in Redis while a row runs. A fenced
 * writer that wrote anyway would show as a checkpoint going backwards (or a build number
 * going back); watching from outside is all it takes to see one.
 */
export const watchCheckpoints = async (redisUrl: string) => {
  const redis = await connectRedis(redisUrl);
  const last = new Map<string, { build: number; checkpoint: bigint }>();
  const regressions: string[] = [];
  let samples = 0;
  let stopped = false;
  const sample = async (): Promise<void> => {
    for (const projection of domainProjections()) {
      const build = await readActiveVersion(redis, projection.name);
      if (build === undefined) continue;
      const raw = await redis.get(checkpointKey({ name: projection.name, version: build }));
      if (raw === null) continue;
      const checkpoint = BigInt(raw);
      const before = last.get(projection.name);
      if (before && (build < before.build || (build === before.build && checkpoint < before.checkpoint))) {
        regressions.push(`${projection.name} went from ${before.build}@${before.checkpoint} to ${build}@${checkpoint}`);
      }
      last.set(projection.name, { build, checkpoint });
    }
    samples++;
  };
  const loop = (async () => {
    while (!stopped) {
      await sample().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async (): Promise<Check> => {
      stopped = true;
      await loop;
      await redis.close();
      return {
        name: 'checkpoints never back',
        ok: regressions.length === 0 && samples > 0,
        detail:
          regressions.length === 0
            ? `${samples} samples of every checkpoint, none went back`
            : regressions.slice(0, 2).join('; '),
      };
    },
  };
};
