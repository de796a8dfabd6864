// The proxy's configuration: defaults that run on the sandbox, and the reading of the environment at start-up.
import type { Context } from 'hono';
import * as z from 'zod';
import { createClientIp, parseTrustProxy, type RemoteAddress, type TrustProxy } from './client-ip.js';
import { DEFAULT_LIMITS, memoryPerLimit, parseLimits, type Limits, type LimitStores } from './limits.js';
import { DEFAULT_CACHE_ENTRIES, type CacheTtls } from './cache.js';
import { adapterNames } from './providers/adapters.js';
import { createHttpProvider, DEFAULT_TIMEOUT_MS } from './providers/http.js';
import type { RouterOptions } from './providers/router.js';
import { createSandboxProvider } from './providers/sandbox.js';
import type { Provider, Transport } from './providers/types.js';
import { createHasher, randomSecret, type Hasher, type HasherFactory } from './privacy.js';
import { createMetrics, DEFAULT_PRICE_PER_CALL, parsePricePerCall, type MetricRegistryFactory, type Metrics } from './metrics.js';
import { parseOperatorToken, type OperatorAccess } from './monitoring.js';
import { SANDBOX_SITE, secretsOf, type Site } from './sites.js';
import { MemoryStore } from './stores/memory.js';
import type { Store, StoreHealth } from './stores/types.js';
import { createTokenService, type TokenKeyConfig, type TokenService } from './tokens.js';

/** Fewest characters of a secret used as an HMAC key (256 bits of hex or base64 text). */
const SECRET_MIN_LENGTH = 32;

export type LogLine = Record<string, unknown>;

/**
 * Reads a built file by its path under the package's dist/ (`/carrier-verify.js`, `/site/index.html`…); null when there
 * is none. Given the request, it may answer as the request asks: a `304` for the copy the client has, a compressed
 * copy (fileAssets does both); a page, whose base element the app writes in, is asked for without it.
 */
export type AssetFetcher = (path: string, request?: Request) => Promise<Response | null>;

/** What `createApp` takes; every field is optional. */
export interface AppConfig {
  /** Upstream providers; the embedded sandbox when absent. */
  readonly providers?: readonly Provider[];
  /** Sites allowed to use the proxy; the sandbox site when absent. */
  readonly sites?: readonly Site[];
  /** Token signing keys (P-256 private JWKs), newest first; an ephemeral key when absent (tokens then die with the process). */
  readonly tokenKeys?: readonly TokenKeyConfig[];
  /** Secret for the HMACs of number and name in cache and limit keys; random when absent. */
  readonly hashSecret?: string;
  /** How the HMACs are computed; Web Crypto when absent, node:crypto from node.ts (same output, far cheaper per call). */
  readonly hasher?: HasherFactory;
  /**
   * State: rate limits, used-token marks and, when the store is shared, the result cache. In memory when absent.
   * A store is taken to be shared by the proxy's instances (Redis or the like) unless it is a MemoryStore or
   * `storeKind` says `memory`; a shared store needs `hashSecret` and `tokenKeys`, which the instances must share.
   */
  readonly store?: Store;
  /** Whether `store` is shared (`redis`) or this instance's own (`memory`), as /healthz reports it. */
  readonly storeKind?: 'memory' | 'redis';
  /** Breaker thresholds, failover budget, deadline and the random source of weighted routing; defaults when absent. */
  readonly routing?: RouterOptions;
  /** Result cache: its TTL per result code, its size, and its store (`store` when shared, else its own memory). */
  readonly cache?: { readonly store?: Store; readonly ttlMs?: Partial<CacheTtls>; readonly maxEntries?: number };
  /**
   * Where log lines go: one JSON object for each request and each error, never a raw name, number, token or secret.
   * Without one, the lines that call for action (warnings and errors) go to the console, the access lines nowhere.
   */
  readonly log?: (line: LogLine) => void;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
  /** Rate limits; the defaults of docs/rate-limits.md when absent (CARRIER_VERIFY_LIMITS). */
  readonly limits?: Limits;
  /** The peer address of a request's connection (on Node, the socket's); all requests share one budget without it. */
  readonly remoteAddress?: RemoteAddress;
  /** Which proxies' forwarding headers to believe; none when absent (CARRIER_VERIFY_TRUST_PROXY). */
  readonly trustProxy?: TrustProxy;
  /** The built demo, dashboard and widget bundle; the pages answer 404 without it. */
  readonly assets?: AssetFetcher;
  /** Where GET /metrics keeps its numbers: a web-standard registry when absent; on Node (node.ts) the same, with prom-client's process metrics. */
  readonly metricRegistry?: MetricRegistryFactory;
  /** Price of one billed upstream call, for the cost estimate (CARRIER_VERIFY_PRICE_PER_CALL). */
  readonly pricePerCall?: number;
  /** Token for /metrics and the dashboard's data (CARRIER_VERIFY_OPERATOR_TOKEN); they are open without one… */
  readonly operatorToken?: string;
  /** …unless this is set (production), which closes them until a token is configured. */
  readonly requireOperatorToken?: boolean;
}

export interface ResolvedConfig {
  readonly providers: readonly Provider[];
  /** Whether every provider is the embedded sandbox (shown in /healthz; the trial page is served only then). */
  readonly sandbox: boolean;
  readonly sites: readonly Site[];
  readonly tokens: TokenService;
  readonly hash: Hasher;
  /** Makes a keyed hasher from a secret (token subjects are keyed with each site's secret). */
  readonly hasher: HasherFactory;
  readonly storeKind: 'memory' | 'redis';
  /** How the shared store is doing, when it says (Redis does); none for state in memory. */
  readonly storeHealth: () => StoreHealth | undefined;
  /** Where each limit counts: the shared store, or in memory a bounded store per limit. */
  readonly limitStores: LimitStores;
  /** The result cache's store, size and TTLs. */
  readonly cache: { readonly store: Store; readonly maxEntries: number; readonly ttlMs?: Partial<CacheTtls> };
  readonly log: (line: LogLine) => void;
  readonly now: () => number;
  readonly assets: AssetFetcher;
  readonly limits: Limits;
  /** The client address that rate limits count by. */
  readonly clientIp: (c: Context) => string;
  /** Where the app, providers, limits, cache and circuit breakers record what happens. */
  readonly metrics: Metrics;
  readonly operator: OperatorAccess;
}

/** Timeout of the sandbox upstream: short, so that the no-answer number is quick to try. */
export const SANDBOX_TIMEOUT_MS = 3000;

export function sandboxProvider(timeoutMs = SANDBOX_TIMEOUT_MS): Provider {
  return createSandboxProvider('sandbox', timeoutMs);
}

/** Used-token marks kept in memory at most (each for its token's life and a minute): past this, siteverify answers 503. */
const USED_TOKEN_SLOTS = 1_000_000;

/**
 * The log of an app given none: warnings and errors on the console, as the JSON lines a log would get (a server
 * that gives no client address, token keys that cannot sign), so that what calls for action is never lost; the
 * access lines, one a request, nowhere.
 */
function consoleWarnings(line: LogLine): void {
  if (line.level === 'warn' || line.level === 'error') console.warn(JSON.stringify(line));
}

/**
 * A keyed hash under a random secret, made on the first hash, not when the app is built: an edge runtime (Cloudflare
 * Workers) refuses random values in the global scope, where a worker builds its app.
 */
function hashUnderRandomSecret(hasher: HasherFactory): Hasher {
  let hash: Hasher | undefined;
  return (...parts) => (hash ??= hasher(randomSecret()))(...parts);
}

export function resolveConfig(options: AppConfig): ResolvedConfig {
  const providers = options.providers ?? [sandboxProvider()];
  const now = options.now ?? Date.now;
  const shared = options.store;
  const hasher = options.hasher ?? createHasher;
  const cacheEntries = options.cache?.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  // Where state lives, decided here once. A shared store (Redis, which must run with a no-eviction policy) holds
  // it all. In memory each kind of key gets bounded stores of its own, so that a flood of one never pushes out
  // another: each limit its own (see memoryPerLimit), used-token marks one that never drops a live mark (else a
  // token could be redeemed twice), and the result cache its own slots.
  // A MemoryStore lives in this process, whatever storeKind says: it evicts, and must not hold cache entries beside
  // used-token marks. Nor the marks beside limit counters: a flood of counters (a new address each, no secret
  // needed) would push a live mark out of one that evicts, and its token could be redeemed again; would fill one
  // that refuses, and siteverify would answer 503 until the windows end.
  const notMemory = shared instanceof MemoryStore ? undefined : shared;
  const marks = notMemory ?? new MemoryStore({ now, maxKeys: USED_TOKEN_SLOTS, whenFull: 'refuse' });
  const sharedStore = options.storeKind === 'memory' ? undefined : notMemory;
  const storeKind = sharedStore ? 'redis' : 'memory';
  // Instances agree on limit and cache keys and on tokens only when they share the secrets that derive them.
  if (sharedStore && (options.hashSecret?.length ?? 0) < SECRET_MIN_LENGTH) {
    throw new ConfigError('hashSecret', `is required with a shared store (at least ${SECRET_MIN_LENGTH} characters), so that instances share limit and cache keys`);
  }
  if (sharedStore && !options.tokenKeys?.length) throw new ConfigError('tokenKeys', 'is required with a shared store, so that a token issued by one instance is accepted by another');
  return {
    tokens: createTokenService(options.tokenKeys, marks, now),
    // A MemoryStore is this process's memory as much as none is: its limits get one bounded store each, as without it.
    limitStores: notMemory ? () => notMemory : memoryPerLimit(now),
    cache: {
      store: options.cache?.store ?? sharedStore ?? new MemoryStore({ maxKeys: cacheEntries, now }),
      maxEntries: cacheEntries,
      ...(options.cache?.ttlMs ? { ttlMs: options.cache.ttlMs } : {}),
    },
    providers,
    sandbox: providers.every((provider) => provider.sandbox === true),
    sites: options.sites ?? [SANDBOX_SITE],
    hasher,
    hash: options.hashSecret === undefined ? hashUnderRandomSecret(hasher) : hasher(options.hashSecret),
    storeKind,
    storeHealth: () => sharedStore?.health?.(),
    log: options.log ?? consoleWarnings,
    now,
    assets: options.assets ?? (async () => null),
    limits: options.limits ?? DEFAULT_LIMITS,
    clientIp: createClientIp(options.trustProxy ?? { kind: 'none' }, options.remoteAddress ?? (() => undefined)),
    metrics: createMetrics({ pricePerCall: options.pricePerCall ?? DEFAULT_PRICE_PER_CALL, now, ...(options.metricRegistry ? { registry: options.metricRegistry } : {}) }),
    operator: { token: options.operatorToken, required: options.requireOperatorToken ?? false },
  };
}

/** A setting that cannot be used; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly setting: string, detail: string) {
    super(`${setting}: ${detail}`);
  }
}

const providerSchema = z.strictObject({
  // The id labels the provider's metrics and health: two ids that the metrics would both have to write as `other`
  // (Han characters, spaces, a run of digits) would merge into one series and hide each other's breaker.
  id: z
    .string()
    .regex(/^[A-Za-z][\w.:-]{0,63}$/, 'must start with a letter and hold only letters, digits, _ . : - (at most 64)')
    .refine((id) => !/\d{6,}/.test(id), 'must not hold six digits in a row (the metrics refuse such labels)'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL with its scheme, such as https://verify.example.com/v1/two-elements' }),
  // Sent as `Authorization: Bearer <key>`: a space, a line break (a key read with `$(cat keyfile)` into JSON) or
  // a character outside ASCII could never go in the header, and every call would fail as if the network had.
  key: z.string().min(1).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces or line breaks: it is sent in the Authorization header'),
  weight: z.number().positive().max(1000).optional(),
  timeoutMs: z.number().int().min(50).max(60_000).optional(),
  adapter: z.enum(adapterNames).optional(),
});

// A line break read from a secret's file (or a space pasted with it) would be a secret the backend never sends.
const siteSecretSchema = z.string().min(SECRET_MIN_LENGTH).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces or line breaks');

const siteSchema = z.strictObject({
  siteKey: z.string().min(1).max(128),
  secret: siteSecretSchema,
  previousSecrets: z.array(siteSecretSchema).max(4).optional(),
  origins: z.array(z.string().refine(isOriginPattern, 'an origin exactly as a browser sends it, such as https://example.com (lower case, no default port, no path), or http://localhost:* for any port')),
});

/** Whether a configured origin can ever match: what a browser sends in `Origin`, or `scheme://host:*`. */
function isOriginPattern(value: string): boolean {
  const base = value.endsWith(':*') ? value.slice(0, -2) : value;
  if (!/^https?:\/\/[^/*]+$/.test(base)) return false;
  try {
    const url = new URL(base);
    return url.origin === base || (value.endsWith(':*') && `${url.protocol}//${url.hostname}` === base);
  } catch {
    return false;
  }
}

function firstDuplicate(values: readonly string[]): string | undefined {
  return values.find((value, index) => values.indexOf(value) !== index);
}

const tokenKeySchema = z.strictObject({
  kid: z.string().min(1).max(64),
  jwk: z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(40), y: z.string().min(40), d: z.string().min(40) }),
});

/**
 * Where JSON.parse stopped, as line and column, and a comma before `]` or `}` (which JSON allows nowhere, and an
 * editor lets through) named as such. Only positions: the parser's message is not repeated, since it may quote the
 * text around the fault, a key or a secret among it.
 */
function jsonErrorPlace(raw: string, error: unknown): string {
  const stated = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  // The parser names the place of some faults (a `}` after a comma) and not of others (a `]` after one).
  const trailing = stated ? /,\s*[\]}]$/.exec(raw.slice(0, Number(stated[1]) + 1)) : /,\s*[\]}]/.exec(raw);
  const at = trailing ? trailing.index : stated ? Number(stated[1]) : undefined;
  if (at === undefined) return '';
  const before = raw.slice(0, at).split('\n');
  const place = `line ${before.length}, column ${before.at(-1)!.length + 1}`;
  return trailing ? ` (${place}: a comma before ${trailing[0].at(-1)}, which JSON does not allow; remove it)` : ` (at ${place})`;
}

function parseJson<T>(setting: string, raw: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(setting, `is not valid JSON${jsonErrorPlace(raw, error)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(setting, `${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Refuses a REDIS_URL the Redis client could not use, before the client sees it: it would throw with the whole
 * URL, password included, in its message, or select database "NaN" after start-up and bring the process down.
 * The messages never repeat the value.
 */
function checkRedisUrl(raw: string): void {
  const form = 'redis://[user:password@]host[:port][/database]';
  if (!/^rediss?:\/\//.test(raw)) throw new ConfigError('REDIS_URL', `must start with redis:// or rediss:// (${form})`);
  // A user or password holding @ : / ? # or % is written percent-encoded, as in any URL: the client decodes it.
  const encoded = 'a user or password holding @ : / ? # or % writes it percent-encoded (%40 %3A %2F %3F %23 %25)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', `is not a URL of the form ${form}; ${encoded}`);
  }
  if (url.hostname === '') throw new ConfigError('REDIS_URL', `names no host (${form}); ${encoded}`);
  // The client decodes them, and throws on a % that starts no escape (a generated password's 50%off), with a stack
  // rather than a message naming the setting.
  for (const [part, value] of [['user', url.username], ['password', url.password]] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new ConfigError('REDIS_URL', `the ${part} holds a % that starts no percent-escape: write a % in it as %25`);
    }
  }
  if (!/^(\/\d{0,5})?$/.test(url.pathname)) throw new ConfigError('REDIS_URL', 'the database after the host must be a number, such as /0');
  // The client takes the database from the query too, where it reads anything but a number as "NaN".
  const databases = url.searchParams.getAll('db');
  if (databases.length > 1 || databases.some((db) => !/^\d{1,5}$/.test(db))) {
    throw new ConfigError('REDIS_URL', 'the database in ?db= must be one number, such as ?db=0');
  }
}

/** Runs a setting's own parser, turning its complaint into a ConfigError that names the setting. */
function readSetting<T>(setting: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(setting, error instanceof Error ? error.message : 'invalid');
  }
}

export interface NodeSettings {
  readonly port: number;
  readonly redisUrl: string | undefined;
  readonly app: AppConfig;
}

/** Where the production secrets come from, said where one is missing. */
const KEYGEN = ' (npx carrier-verify keygen prints one)';

/** The proxy's own settings among the environment's CARRIER_VERIFY_* variables. */
const SETTINGS: readonly string[] = [
  'CARRIER_VERIFY_PROVIDERS',
  'CARRIER_VERIFY_SITES',
  'CARRIER_VERIFY_TOKEN_KEYS',
  'CARRIER_VERIFY_HASH_SECRET',
  'CARRIER_VERIFY_LIMITS',
  'CARRIER_VERIFY_TRUST_PROXY',
  'CARRIER_VERIFY_PRICE_PER_CALL',
  'CARRIER_VERIFY_OPERATOR_TOKEN',
  'CARRIER_VERIFY_ALLOW_SANDBOX',
];
/** Names the documentation gives a site's backend (its secret, the proxy's address): not the proxy's, but no mistake in one env file. */
const BACKEND_NAMES: readonly string[] = ['CARRIER_VERIFY_SECRET', 'CARRIER_VERIFY_PROXY_URL'];

/** Edit distance between two names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Settings without the prefix, which a prefixed name means: `CARRIER_VERIFY_PORT` is PORT. */
const UNPREFIXED: readonly string[] = ['PORT', 'HOST', 'REDIS_URL', 'NODE_ENV'];

/**
 * The CARRIER_VERIFY_* variables the proxy does not read, each with the setting it is likely a misspelling of, upper
 * or lower case alike: within a third of its own length in edits, at most three (`CARRIER_VERIFY_SITE`, which runs
 * the proxy on the sandbox site and says nothing of it otherwise, is SITES; `CARRIER_VERIFY_SITEKEY` is nothing),
 * or a setting without the prefix (`CARRIER_VERIFY_PORT` is PORT). A variable set to nothing is not set, as
 * loadConfig reads it; names of a site's backend the documentation uses are left out.
 */
export function unknownSettings(env: Record<string, string | undefined>): { readonly name: string; readonly meant?: string }[] {
  const prefix = 'CARRIER_VERIFY_';
  return Object.keys(env)
    .filter((name) => env[name] !== '' && name.toUpperCase().startsWith(prefix) && !SETTINGS.includes(name) && !BACKEND_NAMES.includes(name))
    .sort()
    .map((name) => {
      const upper = name.toUpperCase();
      const rest = upper.slice(prefix.length);
      const most = Math.min(3, Math.max(1, Math.floor(rest.length / 3)));
      const [meant] = SETTINGS.map((setting) => ({ setting, edits: distance(rest, setting.slice(prefix.length)) }))
        .filter(({ edits }) => edits <= most)
        .sort((x, y) => x.edits - y.edits);
      if (meant) return { name, meant: meant.setting };
      return UNPREFIXED.includes(rest) ? { name, meant: rest } : { name };
    });
}

/** Reads and checks the environment; throws ConfigError naming the first bad setting. */
export function loadConfig(given: Record<string, string | undefined>, transport: Transport = fetch): NodeSettings {
  // A variable set to nothing is not set: a compose file's `PORT=${PORT}` with PORT unset says nothing either way.
  const env = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== '')) as Record<string, string | undefined>;
  const production = env.NODE_ENV === 'production';
  // A production meant but misspelt (`Production`, `prod`, a trailing space or quotes kept from an env file) would
  // quietly run in development: the sandbox and its public test site allowed, the operator pages open to anyone.
  if (!production && env.NODE_ENV !== undefined && /^[\s"';]*prod(?:uction)?[\s"';]*$/i.test(env.NODE_ENV)) {
    throw new ConfigError('NODE_ENV', `${JSON.stringify(env.NODE_ENV)} is not "production": write it so, exactly, for the production checks`);
  }
  const portRaw = env.PORT ?? '8787';
  const port = Number(portRaw);
  if (!/^\d{1,5}$/.test(portRaw) || port > 65535) throw new ConfigError('PORT', `"${portRaw}" is not a port number (0 to 65535)`);
  const allowSandboxRaw = env.CARRIER_VERIFY_ALLOW_SANDBOX;
  if (allowSandboxRaw !== undefined && allowSandboxRaw !== 'true' && allowSandboxRaw !== 'false') {
    throw new ConfigError('CARRIER_VERIFY_ALLOW_SANDBOX', `must be true or false, not "${allowSandboxRaw}"`);
  }

  const providerConfigs = env.CARRIER_VERIFY_PROVIDERS
    ? parseJson('CARRIER_VERIFY_PROVIDERS', env.CARRIER_VERIFY_PROVIDERS, z.array(providerSchema).min(1))
    : undefined;
  const duplicateId = providerConfigs && firstDuplicate(providerConfigs.map((provider) => provider.id));
  if (duplicateId !== undefined) throw new ConfigError('CARRIER_VERIFY_PROVIDERS', `provider id "${duplicateId}" is listed twice`);
  const allowSandbox = allowSandboxRaw === 'true';
  if (production && !providerConfigs && !allowSandbox) {
    throw new ConfigError('CARRIER_VERIFY_PROVIDERS', 'is required in production (set CARRIER_VERIFY_ALLOW_SANDBOX=true to run on the sandbox)');
  }
  const sites = env.CARRIER_VERIFY_SITES ? parseJson('CARRIER_VERIFY_SITES', env.CARRIER_VERIFY_SITES, z.array(siteSchema).min(1)) : undefined;
  // The sandbox site (public secret, any localhost origin) may only ever stand in front of the sandbox provider.
  if (production && !sites && !(allowSandbox && !providerConfigs)) {
    throw new ConfigError('CARRIER_VERIFY_SITES', 'is required in production: the sandbox site is refused there');
  }
  const duplicateKey = sites && firstDuplicate(sites.map((site) => site.siteKey));
  if (duplicateKey !== undefined) throw new ConfigError('CARRIER_VERIFY_SITES', `site key "${duplicateKey}" is listed twice`);
  // Each site's own secrets first, so that a secret listed twice by one site is not called shared with another.
  const stale = sites?.find((site) => firstDuplicate(secretsOf(site)) !== undefined);
  if (stale) throw new ConfigError('CARRIER_VERIFY_SITES', `site "${stale.siteKey}" lists a secret twice: previousSecrets holds only secrets other than its secret`);
  if (sites && firstDuplicate(sites.flatMap(secretsOf)) !== undefined) {
    throw new ConfigError('CARRIER_VERIFY_SITES', 'two sites share a secret: each site needs its own');
  }
  const tokenKeys = env.CARRIER_VERIFY_TOKEN_KEYS
    ? parseJson('CARRIER_VERIFY_TOKEN_KEYS', env.CARRIER_VERIFY_TOKEN_KEYS, z.array(tokenKeySchema).min(1))
    : undefined;
  const duplicateKid = tokenKeys && firstDuplicate(tokenKeys.map((key) => key.kid));
  if (duplicateKid !== undefined) throw new ConfigError('CARRIER_VERIFY_TOKEN_KEYS', `kid "${duplicateKid}" is listed twice`);
  if (production && !tokenKeys) throw new ConfigError('CARRIER_VERIFY_TOKEN_KEYS', `is required in production, so that tokens survive restarts and agree across instances${KEYGEN}`);
  const hashSecret = env.CARRIER_VERIFY_HASH_SECRET;
  if (hashSecret !== undefined && hashSecret.length < SECRET_MIN_LENGTH) {
    throw new ConfigError('CARRIER_VERIFY_HASH_SECRET', `must have at least ${SECRET_MIN_LENGTH} characters`);
  }
  if (production && hashSecret === undefined) throw new ConfigError('CARRIER_VERIFY_HASH_SECRET', `is required in production${KEYGEN}`);
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined) checkRedisUrl(redisUrl);
  // Instances agree on limit keys and tokens only when they share the secrets that derive them.
  if (redisUrl !== undefined && hashSecret === undefined) throw new ConfigError('CARRIER_VERIFY_HASH_SECRET', 'is required with REDIS_URL, so that instances share limit and cache keys');
  if (redisUrl !== undefined && !tokenKeys) throw new ConfigError('CARRIER_VERIFY_TOKEN_KEYS', 'is required with REDIS_URL, so that a token issued by one instance is accepted by another');
  const limits = readSetting('CARRIER_VERIFY_LIMITS', () => parseLimits(env.CARRIER_VERIFY_LIMITS));
  const trustProxy = readSetting('CARRIER_VERIFY_TRUST_PROXY', () => parseTrustProxy(env.CARRIER_VERIFY_TRUST_PROXY));
  const pricePerCall = readSetting('CARRIER_VERIFY_PRICE_PER_CALL', () => parsePricePerCall(env.CARRIER_VERIFY_PRICE_PER_CALL));
  const operatorToken = readSetting('CARRIER_VERIFY_OPERATOR_TOKEN', () => parseOperatorToken(env.CARRIER_VERIFY_OPERATOR_TOKEN));

  const providers = providerConfigs?.map((p) =>
    createHttpProvider({ id: p.id, url: p.url, key: p.key, weight: p.weight ?? 1, timeoutMs: p.timeoutMs ?? DEFAULT_TIMEOUT_MS, adapter: p.adapter ?? 'standard', transport }),
  );
  const app: AppConfig = {
    ...(providers ? { providers } : {}),
    ...(sites ? { sites } : {}),
    ...(tokenKeys ? { tokenKeys } : {}),
    ...(hashSecret ? { hashSecret } : {}),
    limits,
    trustProxy,
    pricePerCall,
    ...(operatorToken ? { operatorToken } : {}),
    requireOperatorToken: production,
  };
  return { port, redisUrl, app };
}
