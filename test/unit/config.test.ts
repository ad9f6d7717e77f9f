import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';
import { DEFAULT_SAMPLING } from '../../src/core/tracing/sampling.js';
import { documentHash } from '../../src/server/persisted-queries/manifest.js';

describe('readConfig', () => {
  it('defaults to embedded mode on 127.0.0.1:4000 with every role', () => {
    expect(readConfig({}, false)).toEqual({
      host: '127.0.0.1',
      port: 4000,
      roles: ['command', 'query', 'projector'],
      redisUrl: undefined,
      eventStoreConnectionString: undefined,
      dataDir: './.data',
      logLevel: 'info',
      logPretty: false,
      startupTimeoutMs: 30_000,
      shutdownGraceMs: 10_000,
      commandMaxAttempts: 10,
      consistencyTimeoutMs: 5_000,
      operationTimeoutMs: 10_000,
      streamReadMaxEvents: 10_000,
      projectionLeaseTtlMs: 10_000,
      subscriberStallMs: 5_000,
      corsOrigins: 'loopback',
      allowedHosts: 'loopback',
      edge: {
        documents: { depth: 10, aliases: 15, directives: 20, tokens: 2_000, cost: 1_000 },
        bodyBytes: 1_048_576,
        webSocketMessageBytes: 1_048_576,
        batchOperations: 10,
        fieldSuggestions: true,
      },
      jwt: {
        secret: undefined,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        rolesClaim: 'roles',
        jwksCooldownMs: 30_000,
        verifiedTokenCacheMs: 60_000,
      },
      rateLimits: { perIp: 600, perUser: 1_200, windowMs: 60_000 },
      trustedProxies: [],
      authorization: true,
      webSocket: { maxSubscriptionsPerConnection: 100, pingIntervalMs: 30_000 },
      persistedQueries: { maxEntries: 5_000, maxDocumentBytes: 16_384 },
      trustedDocuments: undefined,
      graphiql: true,
      metrics: { port: undefined, token: undefined, onApiPort: true, operationNames: 100 },
      requestLog: true,
    });
  });

  it('serves GraphiQL unless GRAPHIQL=off, and in production only with GRAPHIQL=on', () => {
    expect(readConfig({ GRAPHIQL: 'off' }).graphiql).toBe(false);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-32-characters!' };
    expect(readConfig(production).graphiql).toBe(false);
    expect(readConfig({ ...production, GRAPHIQL: 'on' }).graphiql).toBe(true);
    expect(() => readConfig({ GRAPHIQL: 'yes' })).toThrow('GRAPHIQL must be one of on, off, got "yes"');
  });

  it('reads every variable', () => {
    const config = readConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      SERVICE_ROLES: 'projector, query',
      REDIS_URL: 'redis://cache:6379/2',
      DATA_DIR: '/var/lib/esgraph',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'on',
      STARTUP_TIMEOUT_MS: '1500',
      SHUTDOWN_GRACE_MS: '2500',
      EVENTSTORE_CONNECTION_STRING: 'esdb+discover://node1:2113,node2:2113?tls=true',
      COMMAND_MAX_ATTEMPTS: '3',
      CONSISTENCY_TIMEOUT_MS: '750',
      OPERATION_TIMEOUT_MS: '3000',
      ACCOUNT_AS_OF_MAX_EVENTS: '2000',
      PROJECTION_LEASE_TTL_MS: '1500',
      SUBSCRIBER_STALL_MS: '2000',
      GRAPHIQL: 'off',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      ALLOWED_HOSTS: 'api.example.com, API.example.com:8443',
      MAX_QUERY_DEPTH: '7',
      MAX_QUERY_ALIASES: '0',
      MAX_QUERY_DIRECTIVES: '3',
      MAX_QUERY_TOKENS: '500',
      MAX_QUERY_COST: '250',
      MAX_BODY_BYTES: '65536',
      MAX_WS_MESSAGE_BYTES: '32768',
      MAX_BATCH_OPERATIONS: '4',
      NODE_ENV: 'production',
      JWT_JWKS_URL: 'https://idp.example.com/realms/bank/protocol/openid-connect/certs',
      JWT_ISSUER: 'https://idp.example.com/realms/bank',
      JWT_AUDIENCE: 'esgraph',
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_JWKS_COOLDOWN_MS: '5000',
      TOKEN_CACHE_MS: '15000',
      RATE_LIMIT_PER_IP: '50',
      RATE_LIMIT_PER_USER: '20',
      RATE_LIMIT_WINDOW_MS: '10000',
      TRUST_PROXY: 'uniquelocal',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '5',
      WS_PING_INTERVAL_MS: '2000',
      APQ_MAX_ENTRIES: '500',
      APQ_MAX_DOCUMENT_BYTES: '4096',
      METRICS_PORT: '9464',
      METRICS_TOKEN: 'a-scraper-token-of-24-ch',
      METRICS_OPERATION_NAMES: '20',
      REQUEST_LOG: 'off',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      roles: ['query', 'projector'],
      redisUrl: 'redis://cache:6379/2',
      eventStoreConnectionString: 'esdb+discover://node1:2113,node2:2113?tls=true',
      dataDir: '/var/lib/esgraph',
      logLevel: 'debug',
      logPretty: true,
      startupTimeoutMs: 1_500,
      shutdownGraceMs: 2500,
      commandMaxAttempts: 3,
      consistencyTimeoutMs: 750,
      operationTimeoutMs: 3_000,
      streamReadMaxEvents: 2_000,
      projectionLeaseTtlMs: 1500,
      subscriberStallMs: 2000,
      corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
      allowedHosts: ['api.example.com', 'api.example.com:8443'],
      edge: {
        documents: { depth: 7, aliases: 0, directives: 3, tokens: 500, cost: 250 },
        bodyBytes: 65_536,
        webSocketMessageBytes: 32_768,
        batchOperations: 4,
        fieldSuggestions: false,
      },
      jwt: {
        secret: undefined,
        jwksUrl: 'https://idp.example.com/realms/bank/protocol/openid-connect/certs',
        issuer: 'https://idp.example.com/realms/bank',
        audience: 'esgraph',
        rolesClaim: 'realm_access.roles',
        jwksCooldownMs: 5000,
        verifiedTokenCacheMs: 15_000,
      },
      rateLimits: { perIp: 50, perUser: 20, windowMs: 10_000 },
      trustedProxies: ['uniquelocal'],
      authorization: true,
      webSocket: { maxSubscriptionsPerConnection: 5, pingIntervalMs: 2_000 },
      persistedQueries: { maxEntries: 500, maxDocumentBytes: 4_096 },
      trustedDocuments: undefined,
      graphiql: false,
      metrics: { port: 9464, token: 'a-scraper-token-of-24-ch', onApiPort: false, operationNames: 20 },
      requestLog: false,
    });
  });

  it('serves metrics on the API port outside production, and in production only with a token', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-32-characters!' };
    expect(readConfig({}).metrics?.onApiPort).toBe(true);
    expect(readConfig(production).metrics).toMatchObject({ onApiPort: false, port: undefined });
    expect(readConfig({ ...production, METRICS_TOKEN: 't'.repeat(16) }).metrics?.onApiPort).toBe(true);
    expect(readConfig({ METRICS_PORT: '9464' }).metrics).toMatchObject({ onApiPort: false, port: 9464 });
    expect(readConfig({ METRICS: 'off' }).metrics).toBeUndefined();
  });

  it('traces when an OTLP endpoint is set or TRACING=on, never with TRACING=off or OTEL_SDK_DISABLED=true', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(readConfig({}).tracing).toBeUndefined();
    const sampling = DEFAULT_SAMPLING;
    expect(readConfig(endpoint).tracing).toEqual({ serviceName: 'esgraph', exportOtlp: true, sampling });
    expect(readConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces' }).tracing).toEqual({
      serviceName: 'esgraph',
      exportOtlp: true,
      sampling,
    });
    expect(readConfig({ TRACING: 'on', OTEL_SERVICE_NAME: 'bank-api' }).tracing).toEqual({
      serviceName: 'bank-api',
      exportOtlp: false,
      sampling,
    });
    expect(readConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
    expect(readConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none', TRACING: 'on' }).tracing?.exportOtlp).toBe(false);
    expect(readConfig({ ...endpoint, TRACING: 'off' }).tracing).toBeUndefined();
    expect(readConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(() => readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(ConfigError);
  });

  it('turns authorization off with AUTH=off, but never in production', () => {
    expect(readConfig({ AUTH: 'off' }).authorization).toBe(false);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-32-characters!' };
    expect(() => readConfig({ ...production, AUTH: 'off' })).toThrow(
      'AUTH cannot be off when NODE_ENV=production: anyone could run every command',
    );
    expect(readConfig({ ...production, AUTH: 'on' }).authorization).toBe(true);
  });

  it('prints readable logs by default on a terminal only, and as LOG_PRETTY says otherwise', () => {
    expect(readConfig({}, true).logPretty).toBe(true);
    expect(readConfig({}, false).logPretty).toBe(false);
    expect(readConfig({ LOG_PRETTY: 'off' }, true).logPretty).toBe(false);
    expect(readConfig({ LOG_PRETTY: 'on' }, false).logPretty).toBe(true);
    expect(() => readConfig({ LOG_PRETTY: 'yes' })).toThrow('LOG_PRETTY must be one of on, off, got "yes"');
  });

  it('turns rate limits off with RATE_LIMIT=off', () => {
    expect(readConfig({ RATE_LIMIT: 'off', RATE_LIMIT_PER_IP: '5' }).rateLimits).toBeUndefined();
  });

  it('trusts no proxy by default, and the addresses, ranges and names TRUST_PROXY lists', () => {
    expect(readConfig({}).trustedProxies).toEqual([]);
    expect(readConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.7' }).trustedProxies).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.7',
    ]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number, got "abc"'],
    [{ EVENTSTORE_CONNECTION_STRING: 'http://127.0.0.1:2113' }, 'EVENTSTORE_CONNECTION_STRING must start with esdb://'],
    [{ COMMAND_MAX_ATTEMPTS: '0' }, 'COMMAND_MAX_ATTEMPTS must be between 1 and 100, got 0'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535, got 70000'],
    [{ PORT: '-1' }, 'PORT must be a whole number, got "-1"'],
    [{ SERVICE_ROLES: 'query,web' }, 'SERVICE_ROLES lists unknown role "web"'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must use redis:// or rediss://'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL must be a URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ SHUTDOWN_GRACE_MS: '1.5' }, 'SHUTDOWN_GRACE_MS must be a whole number'],
    [{ OPERATION_TIMEOUT_MS: '0' }, 'OPERATION_TIMEOUT_MS must be between 1 and 600000, got 0'],
    [{ OPERATION_TIMEOUT_MS: '10s' }, 'OPERATION_TIMEOUT_MS must be a whole number, got "10s"'],
    [{ SUBSCRIBER_STALL_MS: '50' }, 'SUBSCRIBER_STALL_MS must be between 100 and 600000, got 50'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS lists "https://app.example.com/path"'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS lists "*", which is not an origin'],
    [{ CORS_ORIGINS: 'ftp://files.example.com' }, 'CORS_ORIGINS lists "ftp://files.example.com"'],
    [{ ALLOWED_HOSTS: 'http://api.example.com' }, 'ALLOWED_HOSTS lists "http://api.example.com"'],
    [{ ALLOWED_HOSTS: 'api.example.com,*' }, 'ALLOWED_HOSTS lists "*"'],
    [{ MAX_QUERY_DEPTH: '0' }, 'MAX_QUERY_DEPTH must be between 1 and 100, got 0'],
    [{ RATE_LIMIT: 'no' }, 'RATE_LIMIT must be one of on, off, got "no"'],
    [{ RATE_LIMIT_PER_IP: '0' }, 'RATE_LIMIT_PER_IP must be between 1 and 10000000, got 0'],
    [{ RATE_LIMIT_WINDOW_MS: '500' }, 'RATE_LIMIT_WINDOW_MS must be between 1000 and 86400000, got 500'],
    [{ TOKEN_CACHE_MS: '600001' }, 'TOKEN_CACHE_MS must be between 0 and 600000, got 600001'],
    [{ TRUST_PROXY: 'haproxy' }, 'TRUST_PROXY must list addresses, CIDR ranges or loopback/linklocal/uniquelocal'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY must list addresses, CIDR ranges or loopback/linklocal/uniquelocal'],
    [{ MAX_SUBSCRIPTIONS_PER_CONNECTION: '0' }, 'MAX_SUBSCRIPTIONS_PER_CONNECTION must be between 1 and 100000, got 0'],
    [{ WS_PING_INTERVAL_MS: '10' }, 'WS_PING_INTERVAL_MS must be between 100 and 600000, got 10'],
    [{ MAX_QUERY_ALIASES: 'many' }, 'MAX_QUERY_ALIASES must be a whole number, got "many"'],
    [{ MAX_QUERY_DIRECTIVES: '1001' }, 'MAX_QUERY_DIRECTIVES must be between 0 and 1000, got 1001'],
    [{ MAX_QUERY_TOKENS: '9' }, 'MAX_QUERY_TOKENS must be between 10 and 1000000, got 9'],
    [{ MAX_QUERY_COST: '0' }, 'MAX_QUERY_COST must be between 1 and 10000000, got 0'],
    [{ MAX_BODY_BYTES: '1mb' }, 'MAX_BODY_BYTES must be a whole number, got "1mb"'],
    [{ MAX_WS_MESSAGE_BYTES: '100' }, 'MAX_WS_MESSAGE_BYTES must be between 1024 and 104857600, got 100'],
    [{ MAX_BATCH_OPERATIONS: '0' }, 'MAX_BATCH_OPERATIONS must be between 1 and 100, got 0'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters, got 5'],
    [
      { JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://idp.test/certs' },
      'JWT_SECRET and JWT_JWKS_URL are both set; set one key source',
    ],
    [{ JWT_JWKS_URL: 'idp.test/certs' }, 'JWT_JWKS_URL must be a URL'],
    [{ JWT_JWKS_URL: 'ftp://idp.test/certs' }, 'JWT_JWKS_URL must use https:// or http://'],
    [{ JWT_JWKS_URL: 'https://idp.test/certs', JWT_AUDIENCE: 'esgraph' }, 'JWT_ISSUER must be set with JWT_JWKS_URL'],
    [
      { JWT_JWKS_URL: 'https://idp.test/certs', JWT_ISSUER: 'https://idp.test' },
      'JWT_AUDIENCE must be set with JWT_JWKS_URL',
    ],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET or JWT_JWKS_URL must be set when NODE_ENV=production'],
    [{ APQ_MAX_ENTRIES: '0' }, 'APQ_MAX_ENTRIES must be between 1 and 1000000, got 0'],
    [{ METRICS: 'yes' }, 'METRICS must be one of on, off, got "yes"'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters, got 5'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT must be between 0 and 65535, got 70000'],
    [{ REQUEST_LOG: 'no' }, 'REQUEST_LOG must be one of on, off, got "no"'],
    [{ APQ_MAX_DOCUMENT_BYTES: '2097152' }, 'APQ_MAX_DOCUMENT_BYTES must be between 1024 and 1048576, got 2097152'],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it('takes an HS256 secret, in production too', () => {
    const secret = 's'.repeat(32);
    expect(readConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwt).toMatchObject({
      secret,
      jwksUrl: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(readConfig({ PORT: '', REDIS_URL: ' ' })).toMatchObject({ port: 4000, redisUrl: undefined });
  });

  it('allows no browser origin and any Host in production unless told otherwise', () => {
    // Production needs a key source for tokens; which one is beside the point here.
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-32-characters!' };
    expect(readConfig(production)).toMatchObject({ corsOrigins: [], allowedHosts: 'any' });
    expect(readConfig({ ...production, ALLOWED_HOSTS: 'api.example.com' })).toMatchObject({
      allowedHosts: ['api.example.com'],
    });
  });

  it('reads ALLOWED_HOSTS=* as any host, in development too', () => {
    expect(readConfig({ ALLOWED_HOSTS: '*' }).allowedHosts).toBe('any');
  });

  describe('TRUSTED_DOCUMENTS_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esgraph-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const query = '{ serverInfo { name } }';
    const fileWith = (name: string, contents: string): string => {
      const path = join(dir, name);
      writeFileSync(path, contents);
      return path;
    };

    it.each([
      [
        'an Apollo persisted query manifest',
        {
          format: 'apollo-persisted-query-manifest',
          version: 1,
          operations: [{ id: documentHash(query), name: 'Q', type: 'query', body: query }],
        },
      ],
      ['a map of hash to document', { [documentHash(query)]: query }],
    ])('reads %s into listed documents by hash', (name, manifest) => {
      const path = fileWith(`${name}.json`, JSON.stringify(manifest));
      expect(readConfig({ TRUSTED_DOCUMENTS_FILE: path }).trustedDocuments).toEqual(
        new Map([[documentHash(query), query]]),
      );
    });

    it.each([
      ['missing.json', undefined, 'which cannot be read (ENOENT)'],
      ['not-json.json', '{ nope', 'which is not JSON'],
      [
        'other-format.json',
        JSON.stringify({ format: 'relay', version: 1, operations: [] }),
        'which has format "relay" version 1; expected apollo-persisted-query-manifest version 1',
      ],
      [
        'wrong-hash.json',
        JSON.stringify({ [documentHash('{ other }')]: query }),
        `which lists ${documentHash('{ other }')} for a document whose sha256 is ${documentHash(query)}`,
      ],
      [
        'not-a-hash.json',
        JSON.stringify({ ServerInfo: query }),
        'which lists id "ServerInfo", which is not a sha256 hash',
      ],
      [
        'empty.json',
        JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [] }),
        'which lists no documents',
      ],
    ])('refuses %s with a ConfigError naming the variable', (name, contents, message) => {
      const path = contents === undefined ? join(dir, name) : fileWith(name, contents);
      const read = () => readConfig({ TRUSTED_DOCUMENTS_FILE: path });
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(`TRUSTED_DOCUMENTS_FILE names ${path}, ${message}`);
    });
  });
});
