import type { ServerResponse } from 'node:http';
import { timedOut, within } from '../core/time-limit.js';

/** One dependency the process needs before it can serve: Redis, the event store. */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  probe(): Promise<unknown>;
}

const probeTimeoutMs = 1_000;

const answerWithin = async (probe: Promise<unknown>, ms: number): Promise<void> => {
  if ((await within(probe, ms)) === timedOut) throw new Error(`no answer within ${ms} ms`);
};

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * Something that, once broken, only a restart of the process mends: supervision of the embedded
 * redis-server that gave up. A dependency that is merely away is readiness, not this.
 */
export interface LivenessCheck {
  readonly name: string;
  /** Why the process can no longer make progress on its own, or undefined while it can. */
  failure(): string | undefined;
}

/**
 * GET /healthz, the liveness probe: 200 while the process can still make progress on its own
 * (its event loop turns, or it could not answer, and no supervision has given up); 503 naming
 * what gave up, so an orchestrator restarts it. It never waits on a dependency: one being away
 * is what /readyz reports, and restarting the process would not bring it back.
 */
export const answerLiveness = (res: ServerResponse, checks: readonly LivenessCheck[]): void => {
  const failed = checks.flatMap((check) => {
    const failure = check.failure();
    return failure === undefined ? [] : [{ name: check.name, ok: false, error: failure }];
  });
  if (failed.length === 0) sendJson(res, 200, { status: 'ok' });
  else sendJson(res, 503, { status: 'failing', checks: failed });
};

/** GET /readyz: 200 only when every dependency answers now; 503 naming the ones that do not. */
export const answerReadiness = async (res: ServerResponse, checks: readonly ReadinessCheck[]): Promise<void> => {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        await answerWithin(check.probe(), probeTimeoutMs);
        return { name: check.name, ok: true as const };
      } catch (error) {
        return { name: check.name, ok: false as const, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const ready = results.every((result) => result.ok);
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: results });
};
