import type { ServerResponse } from 'node:http';

/** One dependency the process needs before it can serve: Redis, the event store. */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  probe(): Promise<unknown>;
}

const probeTimeoutMs = 1_000;

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/** GET /healthz: the process is alive and its event loop turns. Checks nothing else on purpose. */
export const answerLiveness = (res: ServerResponse): void => sendJson(res, 200, { status: 'ok' });

/** GET /readyz: 200 only when every dependency answers now; 503 naming the ones that do not. */
export const answerReadiness = async (res: ServerResponse, checks: readonly ReadinessCheck[]): Promise<void> => {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        await withTimeout(check.probe(), probeTimeoutMs);
        return { name: check.name, ok: true as const };
      } catch (error) {
        return { name: check.name, ok: false as const, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const ready = results.every((result) => result.ok);
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: results });
};
