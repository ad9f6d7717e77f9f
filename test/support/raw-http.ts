import { request } from 'node:http';
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { bearer, staffToken } from './test-tokens.js';

/** What came back from one raw HTTP exchange. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RawRequest {
  readonly method?: string;
  /** Sent as they are, `host` included; the staff token's `authorization` unless given (`null` for none). */
  readonly headers?: Record<string, string | null>;
  /** Bytes as they go on the wire: a Buffer may hold what no JavaScript string can (invalid UTF-8). */
  readonly body?: string | Buffer;
}

/**
 * One HTTP exchange through node:http rather than fetch, so any header (Host, Origin) and any
 * bytes can be sent as a browser, a rebinding page or a broken client would send them.
 */
export const sendRaw = (url: string, { method = 'POST', headers = {}, body }: RawRequest = {}): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const sent: Record<string, string> = { authorization: bearer(staffToken) };
    for (const [name, value] of Object.entries(headers)) {
      if (value === null) delete sent[name];
      else sent[name] = value;
    }
    const req = request(url, { method, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

/** A JSON POST to /graphql, as a GraphQL client sends one. */
export const postJson = (url: string, body: string | Buffer, headers: Record<string, string | null> = {}) =>
  sendRaw(url, { headers: { 'content-type': 'application/json', ...headers }, body });

/** How the server answered a WebSocket upgrade: 101 when it opened, else the refusal's status and body. */
export const upgradeAnswer = (
  url: string,
  headers: Record<string, string>,
): Promise<{ readonly status: number; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        socket.terminate();
      });
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });

/** A port nothing listens on: bound once, then released. */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
