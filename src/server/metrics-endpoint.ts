import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostAllowList } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { EsgraphMetrics } from '../core/metrics/esgraph-metrics.js';
import { hostAllowed, hostNotAllowed } from './request-origins.js';

export const metricsPath = '/metrics';

/** Who may read `/metrics`: anyone who reaches it, or only a bearer of `token`. */
export interface MetricsAccess {
  readonly metrics: EsgraphMetrics;
  readonly token: string | undefined;
}

/** Compared in constant time, so the answer's timing says nothing about how much of a guess was right. */
const bearerMatches = (header: string | undefined, token: string): boolean => {
  if (header === undefined) return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** GET /metrics: Prometheus' text format, or 401 without the token when one is set. */
export const answerMetrics = async (
  req: IncomingMessage,
  res: ServerResponse,
  access: MetricsAccess,
): Promise<void> => {
  if (access.token !== undefined && !bearerMatches(req.headers.authorization, access.token)) {
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('a bearer token is needed');
    return;
  }
  const text = await access.metrics.text();
  res.writeHead(200, { 'content-type': access.metrics.contentType, 'cache-control': 'no-store' }).end(text);
};

export interface RunningMetricsServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (`METRICS_PORT`), bound to the API's host: for a network only
 * the scraper reaches. It answers nothing else, and checks the Host as the API port does.
 */
export const startMetricsServer = async (
  options: MetricsAccess & {
    readonly host: string;
    readonly port: number;
    readonly hosts: HostAllowList;
    readonly log: Logger;
  },
): Promise<RunningMetricsServer> => {
  const server = createServer((req, res) => {
    if (!hostAllowed(options.hosts, req.headers.host)) {
      res.writeHead(hostNotAllowed.status, { 'content-type': 'text/plain' }).end(hostNotAllowed.message);
      return;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== metricsPath) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    answerMetrics(req, res, options).catch((error: unknown) => {
      options.log.error({ err: error }, 'could not collect metrics');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('could not collect metrics');
    });
  });
  // Rejects with the listen error (a port in use) instead of leaving it unhandled.
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
