import { readFileSync } from 'node:fs';
import proxyAddr from 'proxy-addr';
import { DEFAULT_SAMPLING, type SamplingConfig, samplerNames } from './core/tracing/sampling.js';
import { parseManifest, type TrustedDocuments } from './server/persisted-queries/manifest.js';

/**
 * The one place that reads the environment. `readConfig` runs once at startup; everything else
 * receives the resulting `Config` and never looks at `process.env` again.
 */

export const serviceRoles = ['command', 'query', 'projector'] as const;
export type ServiceRole = (typeof serviceRoles)[number];

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Which browser origins may call: any loopback origin (development's default), or exactly these. */
export type OriginAllowList = 'loopback' | readonly string[];

/**
 * Which `Host` headers are served: any (production's default), the loopback names on any port
 * (development's default), or these names, each either `name` (any port) or `name:port`.
 */
export type HostAllowList = 'any' | 'loopback' | readonly string[];

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly roles: readonly ServiceRole[];
  /** Unset means embedded: a private redis-server is started under `dataDir`. */
  readonly redisUrl: string | undefined;
  /** Unset means embedded: esdb-local runs in this process with its log under `dataDir`. */
  readonly eventStoreConnectionString: string | undefined;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** Readable log lines instead of JSON (`LOG_PRETTY`; by default when stdout is a terminal). */
  readonly logPretty: boolean;
  /** How long start-up waits for a configured Redis and event store to answer before it gives up. */
  readonly startupTimeoutMs: number;
  /** How long shutdown waits for in-flight requests before closing connections anyway. */
  readonly shutdownGraceMs: number;
  /** Decide-and-append attempts per command before a version conflict reaches the client. */
  readonly commandMaxAttempts: number;
  /** How long a query with `consistentWith` waits for the read models before CONSISTENCY_TIMEOUT. */
  readonly consistencyTimeoutMs: number;
  /**
   * How long one GraphQL operation may execute (a query or mutation, a subscription's start)
   * before it answers OPERATION_TIMEOUT and its signal stops what is still reading.
   */
  readonly operationTimeoutMs: number;
  /** The most events a query that rebuilds from a whole stream (`accountAsOf`) reads before LOG_TOO_LONG. */
  readonly streamReadMaxEvents: number;
  /** How long a projector's lease lasts unrenewed: how soon a standby takes over from a dead one. */
  readonly projectionLeaseTtlMs: number;
  /** How long a WebSocket client may leave sent data unread before it is cut off. */
  readonly subscriberStallMs: number;
  /** Browser origins allowed by CORS and at the WebSocket upgrade (`CORS_ORIGINS`). */
  readonly corsOrigins: OriginAllowList;
  /** `Host` headers served over HTTP and WebSocket, against DNS rebinding (`ALLOWED_HOSTS`). */
  readonly allowedHosts: HostAllowList;
  /** What the edge refuses before any resolver runs: document size and cost, body and message size. */
  readonly edge: EdgeLimits;
  /** How bearer tokens are verified; neither key source set means a dev secret under `dataDir` (not in production). */
  readonly jwt: JwtConfig;
  /** Requests and subscribes per IP and per user, counted in Redis; undefined when `RATE_LIMIT=off`. */
  readonly rateLimits: RateLimits | undefined;
  /**
   * The proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`: addresses, CIDR ranges,
   * `loopback`, `linklocal`, `uniquelocal`); empty: the socket's address is the client's.
   */
  readonly trustedProxies: readonly string[];
  /**
   * Whether the access policy applies (`AUTH`, on by default). Off, anyone may do anything, with
   * or without a token: for benchmarks' baselines and local experiments, never in production.
   */
  readonly authorization: boolean;
  /** WebSocket connection bounds: subscriptions per connection, ping/pong liveness. */
  readonly webSocket: WebSocketLimits;
  /** How much of Redis automatic persisted queries may take. */
  readonly persistedQueries: PersistedQueryLimits;
  /** When set (`TRUSTED_DOCUMENTS_FILE`), only these documents run; undefined: any document. */
  readonly trustedDocuments: TrustedDocuments | undefined;
  /** Whether GraphiQL is served at /graphiql and to browsers at /graphql (`GRAPHIQL`; off in production by default). */
  readonly graphiql: boolean;
  /** Prometheus metrics (`METRICS`, on by default); undefined when off. */
  readonly metrics: MetricsConfig | undefined;
  /** One info line per GraphQL operation (`REQUEST_LOG`, on by default). */
  readonly requestLog: boolean;
  /** OpenTelemetry spans (`TRACING`; on by default when an OTLP endpoint is set); undefined when off. */
  readonly tracing: TracingConfig | undefined;
}

/** What spans are made for and where they go. */
export interface TracingConfig {
  /** `OTEL_SERVICE_NAME`, else `esgraph`. */
  readonly serviceName: string;
  /**
   * Whether spans are exported over OTLP: an endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER` is not `none`. When not, with
   * `TRACING=on`, spans are made and dropped: what the benchmark's tracing-on round measures.
   */
  readonly exportOtlp: boolean;
  /**
   * Which spans are recorded: `OTEL_TRACES_SAMPLER` (the SDK's standard names) and
   * `OTEL_TRACES_SAMPLER_ARG`, the ratio; unset, one new trace in a hundred (`DEFAULT_SAMPLING`).
   */
  readonly sampling: SamplingConfig;
}

/** Where `/metrics` is answered, and to whom. */
export interface MetricsConfig {
  /** A listener of its own on HOST:port answers `/metrics`, and the API port does not (`METRICS_PORT`). */
  readonly port: number | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>` (`METRICS_TOKEN`). */
  readonly token: string | undefined;
  /**
   * Whether the API port answers `/metrics`: when no port of its own is set, and outside
   * production or with a token (production never shows it unasked to whoever reaches the API).
   */
  readonly onApiPort: boolean;
  /** Distinct operation names given a series of their own; later ones count as `other`. */
  readonly operationNames: number;
}

/** The bound on the APQ cache in Redis: at most `maxEntries` × `maxDocumentBytes`. */
export interface PersistedQueryLimits {
  readonly maxEntries: number;
  /** A larger document runs but is not kept, so its client sends it in full each time. */
  readonly maxDocumentBytes: number;
}

/** Fixed-window counts in Redis, so every instance sharing it enforces the same totals. */
export interface RateLimits {
  readonly perIp: number;
  readonly perUser: number;
  readonly windowMs: number;
}

export interface WebSocketLimits {
  /** Subscriptions one connection may hold at once; the next is refused, the others go on. */
  readonly maxSubscriptionsPerConnection: number;
  /** How often each socket is pinged; one that has not answered the previous ping by then is terminated. */
  readonly pingIntervalMs: number;
}

/** Bounds on one GraphQL document, the same on HTTP and WebSocket. */
export interface DocumentLimits {
  /** Deepest field nesting (introspection excluded). */
  readonly depth: number;
  readonly aliases: number;
  readonly directives: number;
  /** Lexical tokens in the document; parsing stops past it. */
  readonly tokens: number;
  /** Cost as `src/graphql/document-cost.ts` counts it; the log readers weigh what they read. */
  readonly cost: number;
}

export interface EdgeLimits {
  readonly documents: DocumentLimits;
  /** Largest HTTP request body; more is answered 413. */
  readonly bodyBytes: number;
  /** Largest WebSocket message; more closes the connection with 1009. */
  readonly webSocketMessageBytes: number;
  /** Most operations in one batched HTTP request (a JSON array body); 1 turns batching off. */
  readonly batchOperations: number;
  /** "Did you mean" in validation errors: off in production, where it would map the schema for a stranger. */
  readonly fieldSuggestions: boolean;
}

export interface JwtConfig {
  /** HS256 shared secret (`JWT_SECRET`). */
  readonly secret: string | undefined;
  /** RS256/ES256 keys of an identity provider (`JWT_JWKS_URL`). */
  readonly jwksUrl: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** Claim name or dotted path holding the roles (`JWT_ROLES_CLAIM`). */
  readonly rolesClaim: string;
  /** The least time between two fetches of the JWKS, so unknown kids cannot make us hammer the provider. */
  readonly jwksCooldownMs: number;
  /** How long a token that verified is believed again without its signature checked (`TOKEN_CACHE_MS`; 0: never). */
  readonly verifiedTokenCacheMs: number;
}

/** A variable that is set but unusable. The message always names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the whole configuration; throws `ConfigError` on the first bad variable.
 * `terminal`: whether stdout is one, which decides `LOG_PRETTY`'s default.
 */
export const readConfig = (env: Env, terminal = process.stdout.isTTY === true): Config => ({
  host: text(env, 'HOST') ?? '127.0.0.1',
  port: integer(env, 'PORT', { min: 0, max: 65535 }) ?? 4000,
  roles: roles(env, 'SERVICE_ROLES') ?? serviceRoles,
  redisUrl: redisUrl(env, 'REDIS_URL'),
  eventStoreConnectionString: eventStoreConnectionString(env, 'EVENTSTORE_CONNECTION_STRING'),
  dataDir: text(env, 'DATA_DIR') ?? './.data',
  logLevel: oneOf(env, 'LOG_LEVEL', logLevels) ?? 'info',
  logPretty: onOff(env, 'LOG_PRETTY') ?? terminal,
  startupTimeoutMs: integer(env, 'STARTUP_TIMEOUT_MS', { min: 1, max: 600_000 }) ?? 30_000,
  shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', { min: 0, max: 600_000 }) ?? 10_000,
  commandMaxAttempts: integer(env, 'COMMAND_MAX_ATTEMPTS', { min: 1, max: 100 }) ?? 10,
  consistencyTimeoutMs: integer(env, 'CONSISTENCY_TIMEOUT_MS', { min: 1, max: 600_000 }) ?? 5_000,
  operationTimeoutMs: integer(env, 'OPERATION_TIMEOUT_MS', { min: 1, max: 600_000 }) ?? 10_000,
  streamReadMaxEvents: integer(env, 'ACCOUNT_AS_OF_MAX_EVENTS', { min: 1, max: 10_000_000 }) ?? 10_000,
  projectionLeaseTtlMs: integer(env, 'PROJECTION_LEASE_TTL_MS', { min: 100, max: 600_000 }) ?? 10_000,
  subscriberStallMs: integer(env, 'SUBSCRIBER_STALL_MS', { min: 100, max: 600_000 }) ?? 5_000,
  corsOrigins: origins(env, 'CORS_ORIGINS') ?? (isProduction(env) ? [] : 'loopback'),
  allowedHosts: hosts(env, 'ALLOWED_HOSTS') ?? (isProduction(env) ? 'any' : 'loopback'),
  edge: edgeLimits(env),
  jwt: jwtConfig(env),
  rateLimits: rateLimits(env),
  trustedProxies: trustedProxies(env),
  authorization: authorization(env),
  webSocket: {
    maxSubscriptionsPerConnection: integer(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', { min: 1, max: 100_000 }) ?? 100,
    pingIntervalMs: integer(env, 'WS_PING_INTERVAL_MS', { min: 100, max: 600_000 }) ?? 30_000,
  },
  persistedQueries: {
    maxEntries: integer(env, 'APQ_MAX_ENTRIES', { min: 1, max: 1_000_000 }) ?? 5_000,
    maxDocumentBytes: integer(env, 'APQ_MAX_DOCUMENT_BYTES', { min: 1_024, max: mebibyte }) ?? 16_384,
  },
  trustedDocuments: trustedDocuments(env, 'TRUSTED_DOCUMENTS_FILE'),
  graphiql: (oneOf(env, 'GRAPHIQL', ['on', 'off'] as const) ?? (isProduction(env) ? 'off' : 'on')) === 'on',
  metrics: metricsConfig(env),
  requestLog: (oneOf(env, 'REQUEST_LOG', ['on', 'off'] as const) ?? 'on') === 'on',
  tracing: tracingConfig(env),
});

/** Off unless asked for (`TRACING=on`) or an OTLP endpoint is set; `OTEL_SDK_DISABLED=true` and `TRACING=off` win. */
const tracingConfig = (env: Env): TracingConfig | undefined => {
  const endpoint =
    url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:'], 'http://127.0.0.1:4318/v1/traces') ??
    url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'], 'http://127.0.0.1:4318');
  const exportOtlp = endpoint !== undefined && text(env, 'OTEL_TRACES_EXPORTER') !== 'none';
  const switched = oneOf(env, 'TRACING', ['on', 'off'] as const);
  if (text(env, 'OTEL_SDK_DISABLED') === 'true' || switched === 'off') return undefined;
  if (switched !== 'on' && !exportOtlp) return undefined;
  return { serviceName: text(env, 'OTEL_SERVICE_NAME') ?? 'esgraph', exportOtlp, sampling: sampling(env) };
};

/** `OTEL_TRACES_SAMPLER` and its ratio; a ratio sampler named without `OTEL_TRACES_SAMPLER_ARG` records every trace, as the SDK's. */
const sampling = (env: Env): SamplingConfig => {
  const sampler = oneOf(env, 'OTEL_TRACES_SAMPLER', samplerNames);
  const ratio = fraction(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (sampler === undefined) return { ...DEFAULT_SAMPLING, ratio: ratio ?? DEFAULT_SAMPLING.ratio };
  return { sampler, ratio: ratio ?? 1 };
};

/** Shorter than this, a bearer token for a scraper could be guessed. */
const minMetricsTokenLength = 16;

const metricsConfig = (env: Env): MetricsConfig | undefined => {
  if ((oneOf(env, 'METRICS', ['on', 'off'] as const) ?? 'on') === 'off') return undefined;
  const port = integer(env, 'METRICS_PORT', { min: 0, max: 65535 });
  const token = text(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < minMetricsTokenLength) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${minMetricsTokenLength} characters, got ${token.length}`);
  }
  return {
    port,
    token,
    onApiPort: port === undefined && (token !== undefined || !isProduction(env)),
    operationNames: integer(env, 'METRICS_OPERATION_NAMES', { min: 0, max: 10_000 }) ?? 100,
  };
};

const authorization = (env: Env): boolean => {
  const switched = oneOf(env, 'AUTH', ['on', 'off'] as const) ?? 'on';
  if (switched === 'off' && isProduction(env)) {
    throw new ConfigError('AUTH', 'cannot be off when NODE_ENV=production: anyone could run every command');
  }
  return switched === 'on';
};

/** Read here, at start, so a file that cannot be used stops startup like any bad variable. */
const trustedDocuments = (env: Env, name: string): TrustedDocuments | undefined => {
  const path = text(env, name);
  if (path === undefined) return undefined;
  let contents: string;
  try {
    contents = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(name, `names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return parseManifest(contents);
  } catch (error) {
    throw new ConfigError(name, `names ${path}, which ${(error as Error).message}`);
  }
};

const rateLimits = (env: Env): RateLimits | undefined => {
  const switched = oneOf(env, 'RATE_LIMIT', ['on', 'off'] as const) ?? 'on';
  if (switched === 'off') return undefined;
  return {
    perIp: integer(env, 'RATE_LIMIT_PER_IP', { min: 1, max: 10_000_000 }) ?? 600,
    perUser: integer(env, 'RATE_LIMIT_PER_USER', { min: 1, max: 10_000_000 }) ?? 1_200,
    windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', { min: 1_000, max: 86_400_000 }) ?? 60_000,
  };
};

/** Checked by proxy-addr itself, which is what reads them: a typo fails the start, not a request. */
const trustedProxies = (env: Env): string[] => {
  const entries = listed(env, 'TRUST_PROXY') ?? [];
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must list addresses, CIDR ranges or loopback/linklocal/uniquelocal: ${(error as Error).message}`,
    );
  }
  return entries;
};

const mebibyte = 1024 * 1024;

const edgeLimits = (env: Env): EdgeLimits => ({
  documents: {
    depth: integer(env, 'MAX_QUERY_DEPTH', { min: 1, max: 100 }) ?? 10,
    aliases: integer(env, 'MAX_QUERY_ALIASES', { min: 0, max: 1_000 }) ?? 15,
    directives: integer(env, 'MAX_QUERY_DIRECTIVES', { min: 0, max: 1_000 }) ?? 20,
    tokens: integer(env, 'MAX_QUERY_TOKENS', { min: 10, max: 1_000_000 }) ?? 2_000,
    cost: integer(env, 'MAX_QUERY_COST', { min: 1, max: 10_000_000 }) ?? 1_000,
  },
  bodyBytes: integer(env, 'MAX_BODY_BYTES', { min: 1_024, max: 100 * mebibyte }) ?? mebibyte,
  webSocketMessageBytes: integer(env, 'MAX_WS_MESSAGE_BYTES', { min: 1_024, max: 100 * mebibyte }) ?? mebibyte,
  batchOperations: integer(env, 'MAX_BATCH_OPERATIONS', { min: 1, max: 100 }) ?? 10,
  fieldSuggestions: text(env, 'NODE_ENV') !== 'production',
});

const isProduction = (env: Env): boolean => env.NODE_ENV?.trim() === 'production';

/** Unset and empty both mean "use the default", as shells make the two hard to tell apart. */
const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const integer = (env: Env, name: string, range: { min: number; max: number }): number | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new ConfigError(name, `must be between ${range.min} and ${range.max}, got ${raw}`);
  }
  return value;
};

/** A number from 0 to 1 (`0.25`, `1`, `.5`). */
const fraction = (env: Env, name: string): number | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(raw) || value > 1) {
    throw new ConfigError(name, `must be a number from 0 to 1, got "${raw}"`);
  }
  return value;
};

const oneOf = <T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
};

const onOff = (env: Env, name: string): boolean | undefined => {
  const switched = oneOf(env, name, ['on', 'off'] as const);
  return switched === undefined ? undefined : switched === 'on';
};

const roles = (env: Env, name: string): ServiceRole[] | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const listed = raw.split(',').map((role) => role.trim());
  for (const role of listed) {
    if (!(serviceRoles as readonly string[]).includes(role)) {
      throw new ConfigError(name, `lists unknown role "${role}"; roles are ${serviceRoles.join(', ')}`);
    }
  }
  return serviceRoles.filter((role) => listed.includes(role));
};

/** A URL with one of the given schemes; `example` shows the reader what is meant. */
const url = (env: Env, name: string, protocols: readonly string[], example: string): string | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError(name, `must be a URL such as ${example}, got "${raw}"`);
  }
  if (!protocols.includes(protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => `${p}//`).join(' or ')}, got "${raw}"`);
  }
  return raw;
};

const redisUrl = (env: Env, name: string): string | undefined =>
  url(env, name, ['redis:', 'rediss:'], 'redis://127.0.0.1:6379');

/** The schemes @eventstore/db-client understands: one node, or a cluster found through gossip. */
const eventStoreSchemes = ['esdb://', 'esdb+discover://'];

const eventStoreConnectionString = (env: Env, name: string): string | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!eventStoreSchemes.some((scheme) => raw.startsWith(scheme))) {
    throw new ConfigError(
      name,
      `must start with esdb:// or esdb+discover:// (e.g. esdb://127.0.0.1:2113?tls=false), got "${raw}"`,
    );
  }
  return raw;
};

const listed = (env: Env, name: string): string[] | undefined =>
  text(env, name)
    ?.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

/** Each entry must be an origin exactly as browsers send it: scheme, host, port, nothing more. */
const origins = (env: Env, name: string): string[] | undefined => {
  const entries = listed(env, name);
  for (const entry of entries ?? []) {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      origin = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== entry.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(name, `lists "${entry}", which is not an origin such as https://app.example.com`);
    }
  }
  return entries?.map((entry) => new URL(entry).origin);
};

const hostPattern = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** `*` means any host; otherwise names (`api.example.com`) or names with a port (`api.example.com:443`). */
const hosts = (env: Env, name: string): HostAllowList | undefined => {
  const entries = listed(env, name)?.map((entry) => entry.toLowerCase());
  if (entries === undefined) return undefined;
  if (entries.length === 1 && entries[0] === '*') return 'any';
  for (const entry of entries) {
    if (!hostPattern.test(entry)) {
      throw new ConfigError(
        name,
        `lists "${entry}", which is not a host name such as api.example.com or api.example.com:443, nor *`,
      );
    }
  }
  return entries;
};
/** Below this an HS256 secret can be guessed offline from one token. */
const minSecretLength = 32;

const jwtConfig = (env: Env): JwtConfig => {
  const secret = text(env, 'JWT_SECRET');
  const jwksUrl = httpUrl(env, 'JWT_JWKS_URL');
  const issuer = text(env, 'JWT_ISSUER');
  const audience = text(env, 'JWT_AUDIENCE');
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('JWT_SECRET', 'and JWT_JWKS_URL are both set; set one key source');
  }
  if (secret !== undefined && secret.length < minSecretLength) {
    throw new ConfigError('JWT_SECRET', `must be at least ${minSecretLength} characters, got ${secret.length}`);
  }
  // A provider's keys sign tokens for all its clients: without these, any of them would do here.
  if (jwksUrl !== undefined && issuer === undefined)
    throw new ConfigError('JWT_ISSUER', 'must be set with JWT_JWKS_URL');
  if (jwksUrl !== undefined && audience === undefined) {
    throw new ConfigError('JWT_AUDIENCE', 'must be set with JWT_JWKS_URL');
  }
  if (secret === undefined && jwksUrl === undefined && text(env, 'NODE_ENV') === 'production') {
    throw new ConfigError('JWT_SECRET', 'or JWT_JWKS_URL must be set when NODE_ENV=production');
  }
  return {
    secret,
    jwksUrl,
    issuer,
    audience,
    rolesClaim: text(env, 'JWT_ROLES_CLAIM') ?? 'roles',
    jwksCooldownMs: integer(env, 'JWT_JWKS_COOLDOWN_MS', { min: 0, max: 3_600_000 }) ?? 30_000,
    // At most jose's JWKS cache age (10 min): a token is never trusted longer than its key is.
    verifiedTokenCacheMs: integer(env, 'TOKEN_CACHE_MS', { min: 0, max: 600_000 }) ?? 60_000,
  };
};

const httpUrl = (env: Env, name: string): string | undefined =>
  url(env, name, ['https:', 'http:'], 'https://idp.example.com/certs');
