import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import type { Context as TraceContext } from '@opentelemetry/api';
import bodyParser from 'body-parser';
import { GraphQLError } from 'graphql';
import { type OperationAbortedError, ServiceUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { type Authenticate, type Identity, UnauthenticatedError } from '../identity/index.js';
import { answerStatus } from './batch-status.js';
import type { ClientAddress } from './client-address.js';
import { OperationAbort, untilAborted } from './operation-abort.js';
import type { TrustedDocuments } from './persisted-queries/manifest.js';
import { type DocumentRequest, trustedDocumentText } from './persisted-queries/trusted-admission.js';
import { type RateLimitCheck, rateLimitedCode, rateLimitedMessage } from './rate-limiter.js';
import type { TracedContext } from './request-tracing.js';

/** Builds the GraphQL context for one operation; `signal` aborts at its deadline or when its client leaves. */
export type ContextFactory<Context> = (
  requestId: string,
  identity: Identity | undefined,
  signal: AbortSignal,
) => Context;

export interface GraphQLHttpOptions {
  readonly maxBodyBytes: number;
  readonly authenticate: Authenticate;
  readonly rateLimit?: RateLimitCheck | undefined;
  /** Where a request came from, as the per-IP limit counts it. */
  readonly clientAddress: ClientAddress;
  /** Most operations a batch (a JSON array body) may carry; more are refused before anything runs. */
  readonly batchOperations: number;
  /** In trusted mode, the only documents that run; any other is refused before Apollo parses it. */
  readonly trustedDocuments?: TrustedDocuments | undefined;
  /** How long one operation may execute before it answers 504 OPERATION_TIMEOUT. */
  readonly operationTimeoutMs: number;
  readonly log: Logger;
}

/** A client may name its request for log correlation; anything else gets a fresh id. */
const requestIdOf = (req: IncomingMessage): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
};

const headersOf = (req: IncomingMessage): HeaderMap => {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
};

type BodyParser = ReturnType<typeof bodyParser.json>;

const parseBody = (jsonBody: BodyParser, req: IncomingMessage, res: ServerResponse): Promise<unknown> =>
  new Promise((resolve, reject) => {
    jsonBody(req, res, (error?: unknown) => (error ? reject(error) : resolve((req as { body?: unknown }).body)));
  });

/** body-parser's refusals as GraphQL errors: a body over the limit is 413 PAYLOAD_TOO_LARGE. */
const sendBodyError = (res: ServerResponse, requestId: string, error: unknown, limitBytes: number): void => {
  const status = (error as { status?: number }).status ?? 400;
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId });
  const tooLarge = status === 413;
  const message = tooLarge
    ? `request body is larger than ${limitBytes} bytes`
    : error instanceof Error
      ? error.message
      : 'bad request body';
  const extensions = tooLarge ? { code: 'PAYLOAD_TOO_LARGE', maxBytes: limitBytes } : { code: 'BAD_REQUEST' };
  res.end(JSON.stringify({ errors: [{ message, extensions }] }));
};

/** A token that does not verify answers before any GraphQL runs, as the GraphQL-over-HTTP spec's 401. */
const sendUnauthenticated = (res: ServerResponse, requestId: string, error: UnauthenticatedError): void => {
  res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': requestId, 'www-authenticate': 'Bearer' });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] }));
};

/** The JWKS could not be fetched: a 503 like any other dependency away, so clients retry rather than drop the token. */
const sendUnavailable = (res: ServerResponse, requestId: string, error: ServiceUnavailableError): void => {
  res.writeHead(503, { 'content-type': 'application/json', 'x-request-id': requestId, 'retry-after': '1' });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
};

/** Over a rate limit: 429 before any GraphQL runs, with the wait in seconds (header) and milliseconds (body). */
const sendRateLimited = (res: ServerResponse, requestId: string, retryAfterMs: number): void => {
  const retryAfter = String(Math.ceil(retryAfterMs / 1000));
  res.writeHead(429, { 'content-type': 'application/json', 'x-request-id': requestId, 'retry-after': retryAfter });
  const extensions = { code: rateLimitedCode, retryAfterMs };
  res.end(JSON.stringify({ errors: [{ message: rateLimitedMessage(retryAfterMs), extensions }] }));
};

/** A refused document (trusted mode), answered in GraphQL's error shape before Apollo parses anything. */
export const batchLimitCode = 'BATCH_LIMIT_EXCEEDED';

/** A batch of more operations than allowed: refused whole, before any token check or operation runs. */
const sendBatchTooLarge = (res: ServerResponse, requestId: string, operations: number, max: number): void => {
  res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': requestId });
  const message = `a batch may carry at most ${max} operations, this one has ${operations}`;
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: batchLimitCode, maxOperations: max } }] }));
};

const sendRefusedDocument = (res: ServerResponse, requestId: string, error: GraphQLError): void => {
  res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': requestId });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }));
};

/** Where the request names its document: the JSON body of a POST, the query string of a GET, as Apollo reads them. */
const documentRequestOf = (method: string, body: unknown, url: URL): DocumentRequest => {
  if (method !== 'GET') return typeof body === 'object' && body !== null ? (body as DocumentRequest) : {};
  const extensions = url.searchParams.get('extensions');
  try {
    return { query: url.searchParams.get('query') ?? undefined, extensions: extensions && JSON.parse(extensions) };
  } catch {
    // Apollo answers BAD_REQUEST for extensions that are not JSON; the text alone is what is checked here.
    return { query: url.searchParams.get('query') ?? undefined };
  }
};

/**
 * Past the deadline: 504, as a gateway answers for an upstream that did not answer in time. A
 * mutation's command may have been appended all the same (the pipeline does not abandon a queued
 * command), and its commandId makes sending it again safe: the client learns the outcome.
 */
const sendTimedOut = (res: ServerResponse, requestId: string, reason: OperationAbortedError, timeoutMs: number) => {
  res.writeHead(504, { 'content-type': 'application/json', 'x-request-id': requestId });
  const message = `${reason.message}; a mutation may still have been applied: send it again with the same commandId to learn its outcome`;
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: reason.code, timeoutMs } }] }));
};

/**
 * The operation's abort: cancelled when the client hangs up before its answer is written ('close'
 * on the response before it finished), so its work stops reading for no one.
 */
const abortFor = (req: IncomingMessage, res: ServerResponse, timeoutMs: number): OperationAbort => {
  const abort = new OperationAbort(timeoutMs);
  if (req.socket.destroyed) abort.cancel();
  else
    res.once('close', () => {
      if (!res.writableFinished) abort.cancel();
    });
  return abort;
};

/**
 * The thin adapter between Node's http server and Apollo Server's transport-neutral
 * `executeHTTPGraphQLRequest`: parse the JSON body, hand over method, headers and query string,
 * copy status, headers and body back.
 */
export const createGraphQLHttpHandler = <Context extends TracedContext>(
  apollo: ApolloServer<Context>,
  contextFor: ContextFactory<Context>,
  {
    maxBodyBytes,
    authenticate,
    rateLimit,
    clientAddress,
    batchOperations,
    trustedDocuments,
    operationTimeoutMs,
    log,
  }: GraphQLHttpOptions,
): ((req: IncomingMessage, res: ServerResponse, url: URL, traceContext?: TraceContext) => Promise<void>) => {
  // body-parser refuses a declared length over the limit before reading, and stops counting an
  // undeclared one at the limit, so a large body is never held.
  const jsonBody = bodyParser.json({ limit: maxBodyBytes });
  return async (req, res, url, traceContext) => {
    // Before the body, so a body refused as malformed or too large still names its request.
    const requestId = requestIdOf(req);
    let body: unknown;
    try {
      body = await parseBody(jsonBody, req, res);
    } catch (error) {
      sendBodyError(res, requestId, error, maxBodyBytes);
      return;
    }
    // With batching off (a limit of 1), Apollo refuses every array itself (BAD_REQUEST).
    if (Array.isArray(body) && batchOperations > 1 && body.length > batchOperations) {
      sendBatchTooLarge(res, requestId, body.length, batchOperations);
      return;
    }
    let identity: Identity | undefined;
    try {
      // Anonymous requests skip the verifier and its await: the common case pays nothing.
      const { authorization } = req.headers;
      identity = authorization === undefined ? undefined : await authenticate(authorization);
    } catch (error) {
      if (error instanceof UnauthenticatedError) sendUnauthenticated(res, requestId, error);
      else if (error instanceof ServiceUnavailableError) sendUnavailable(res, requestId, error);
      else throw error;
      return;
    }
    const operations = Array.isArray(body) ? body.length : 1;
    const retryAfterMs = await rateLimit?.({ ip: clientAddress(req), userId: identity?.userId, operations });
    if (retryAfterMs !== undefined) {
      sendRateLimited(res, requestId, retryAfterMs);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (trustedDocuments) {
      // Each operation of a batch must be listed: one that is not refuses the whole request.
      const pieces = Array.isArray(body) && method === 'POST' ? (body as unknown[]) : [body];
      for (const piece of pieces) {
        const trusted = trustedDocumentText(trustedDocuments, documentRequestOf(method, piece, url));
        if (trusted instanceof GraphQLError) {
          sendRefusedDocument(res, requestId, trusted);
          return;
        }
      }
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method,
      headers: headersOf(req),
      search: url.search,
      body,
    };
    const abort = abortFor(req, res, operationTimeoutMs);
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => {
        const context = contextFor(requestId, identity, abort.signal);
        // The request's span, which the tracing plugin makes the operation's parent.
        if (traceContext !== undefined) context.traceContext = traceContext;
        return context;
      },
    });
    const outcome = await untilAborted(abort, execution, log, requestId).finally(() => abort.finish());
    if (!outcome.done) {
      // A client that left gets nothing: its socket is gone.
      if (outcome.reason.code === 'OPERATION_TIMEOUT') sendTimedOut(res, requestId, outcome.reason, operationTimeoutMs);
      return;
    }
    const response = outcome.result;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.setHeader('x-request-id', requestId);
    res.statusCode = answerStatus(body, response);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
};
