import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { metricsUrlOf } from '../../support/metrics.js';

/*
 * Who may read /metrics: the API port outside production, a port of its own (METRICS_PORT), a
 * bearer token (METRICS_TOKEN), nowhere with METRICS=off; Host checked on both ports.
 */

const metricsToken = 'scraper-token-for-the-tests';

describe('metrics access', () => {
  let dependencies: TestDependencies;
  let servers: Record<'open' | 'ownPort' | 'token' | 'off' | 'production', RunningEsgraph>;
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    const [open, ownPort, token, off, production] = await Promise.all([
      startTestEsgraph(dependencies),
      startTestEsgraph(dependencies, { METRICS_PORT: '0' }),
      startTestEsgraph(dependencies, { METRICS_TOKEN: metricsToken }),
      startTestEsgraph(dependencies, { METRICS: 'off' }),
      startTestEsgraph(dependencies, { NODE_ENV: 'production' }),
    ]);
    servers = { open: open!, ownPort: ownPort!, token: token!, off: off!, production: production! };
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
    await dependencies?.stop();
  });

  const statusOf = async (url: string, headers: Record<string, string> = {}) => (await fetch(url, { headers })).status;

  it('answers on the API port by default, in Prometheus text', async () => {
    const response = await fetch(metricsUrlOf(servers.open.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('# TYPE esgraph_commands_total counter');
  });

  it('answers only on its own port with METRICS_PORT, bound to the same host', async () => {
    expect(await statusOf(metricsUrlOf(servers.ownPort.url))).toBe(404);
    const { metricsPort } = servers.ownPort;
    expect(metricsPort).toBeGreaterThan(0);
    expect(await statusOf(`http://127.0.0.1:${metricsPort}/metrics`)).toBe(200);
    expect(await statusOf(`http://127.0.0.1:${metricsPort}/graphql`)).toBe(404);
  });

  it('refuses a foreign Host on either port, as the API does', async () => {
    const { request } = await import('node:http');
    const statusWithHost = (port: number) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/metrics', headers: { host: 'rebound.example.com' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await statusWithHost(servers.open.port)).toBe(421);
    expect(await statusWithHost(servers.ownPort.metricsPort!)).toBe(421);
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    const url = metricsUrlOf(servers.token.url);
    expect(await statusOf(url)).toBe(401);
    expect(await statusOf(url, { authorization: 'Bearer not-the-token-at-all' })).toBe(401);
    expect(await statusOf(url, { authorization: `Bearer ${metricsToken}` })).toBe(200);
  });

  it('serves nothing with METRICS=off, nor on the API port in production without a token', async () => {
    expect(await statusOf(metricsUrlOf(servers.off.url))).toBe(404);
    expect(await statusOf(metricsUrlOf(servers.production.url))).toBe(404);
  });
});
