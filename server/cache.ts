// The result cache: a repeated pair is answered without a second paid upstream call, in any Store (memory or Redis).
import { isResultCode, ResultCode, type ResultCode as Code } from '../widget/codes.js';
import type { VerifyQuery } from './providers/types.js';
import type { Store } from './stores/types.js';

/** How long each result is kept, in ms. */
export type CacheTtls = Readonly<Record<Code, number>>;

/**
 * A match is stable (registrations change rarely), a mismatch a little less (a name change), and "no record"
 * can be transient: carrier data lags new numbers by days, so it is kept only long enough to absorb retries.
 */
export const defaultCacheTtls: CacheTtls = {
  [ResultCode.match]: 24 * 60 * 60_000,
  [ResultCode.mismatch]: 60 * 60_000,
  [ResultCode.notFound]: 10 * 60_000,
};

export const DEFAULT_CACHE_ENTRIES = 50_000;

export interface CacheOptions {
  /** Where entries live; the cache uses only `get` and `set`, so any Store works. */
  readonly store: Store;
  /** Keyed HMAC (config.hash): entries are found by an HMAC of number and name, never by the raw pair. */
  readonly hash: (...parts: string[]) => Promise<string>;
  readonly ttlMs?: Partial<CacheTtls>;
  /** Most entries kept. The cache has this many slots, so it stays bounded in a store without eviction. */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

export interface CachedResult {
  readonly code: Code;
  /** Provider that gave the answer. */
  readonly providerId: string;
  /** When the answer was stored, in ms since the epoch. */
  readonly storedAt: number;
}

export interface CacheOutcome {
  readonly code: Code;
  readonly providerId: string;
  /** True when no upstream call was made for this request. */
  readonly cached: boolean;
}

export interface ResultCache {
  get(query: VerifyQuery): Promise<CachedResult | null>;
  /** The cached answer for the pair, or null; a failing store is a miss, as in `through`. */
  peek(query: VerifyQuery): Promise<CacheOutcome | null>;
  set(query: VerifyQuery, result: { readonly code: Code; readonly providerId: string }): Promise<void>;
  /**
   * The cached result, or `load` called once for all concurrent requests of the same pair (a double click
   * is one paid call), its definite answer stored. A failing store is treated as a miss: the cache saves
   * money, it must not stop verification. `peeked`: `peek` has just missed for this very query object, so the
   * store is not read again (and its key not computed again).
   */
  through(query: VerifyQuery, load: () => Promise<{ readonly code: Code; readonly providerId: string }>, peeked?: boolean): Promise<CacheOutcome>;
}

/** Value of a base64url character, for the slot number. */
const BASE64URL_VALUE = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((char, i) => [char.charCodeAt(0), i]));

/** Slot number from the first 48 bits of a base64url HMAC. */
function slotOf(keyHash: string, slots: number): number {
  let value = 0;
  for (let i = 0; i < 8 && i < keyHash.length; i++) value = value * 64 + (BASE64URL_VALUE.get(keyHash.charCodeAt(i)) ?? 0);
  return value % slots;
}

/**
 * An entry as stored: `<key HMAC> <code> <stored at> <provider id>`. A slot holds one pair, and another pair
 * landing there replaces it, so the full key HMAC comes first: a slot holding another pair is told apart
 * without parsing anything.
 */
function formatEntry(keyHash: string, code: Code, storedAt: number, providerId: string): string {
  return `${keyHash} ${code} ${storedAt} ${providerId}`;
}

function parseEntry(raw: string | null, keyHash: string): CachedResult | null {
  if (raw === null || !raw.startsWith(keyHash) || raw.charCodeAt(keyHash.length) !== 32) return null;
  const [code, storedAt, ...provider] = raw.slice(keyHash.length + 1).split(' ');
  const providerId = provider.join(' ');
  const stored = Number(storedAt);
  if (!isResultCode(code) || storedAt === undefined || storedAt === '' || !Number.isFinite(stored)) return null;
  return { code, providerId, storedAt: stored };
}

export function createResultCache(options: CacheOptions): ResultCache {
  const { store, hash } = options;
  const ttls: CacheTtls = { ...defaultCacheTtls, ...options.ttlMs };
  const slots = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CACHE_ENTRIES));
  const now = options.now ?? Date.now;
  const inflight = new Map<string, Promise<CacheOutcome>>();

  /** A key HMAC with the store key of its slot. */
  const keyFor = (keyHash: string) => ({ hash: keyHash, slot: `cache:${slotOf(keyHash, slots)}` });

  /** The pair's key HMAC and the store key of its slot, computed once per query object (peek, then through). */
  const keys = new WeakMap<VerifyQuery, Promise<{ hash: string; slot: string }>>();
  const keyOf = (query: VerifyQuery) => {
    let key = keys.get(query);
    if (!key) keys.set(query, (key = hash('result-cache', query.phoneNumber, query.name).then(keyFor)));
    return key;
  };

  async function read(key: { hash: string; slot: string }): Promise<CachedResult | null> {
    return parseEntry(await store.get(key.slot), key.hash);
  }

  /** The cached answer as a request's outcome, or null; a failing store is a miss. */
  async function lookup(key: { hash: string; slot: string } | Promise<{ hash: string; slot: string }>): Promise<CacheOutcome | null> {
    try {
      const hit = await read(await key);
      return hit && { code: hit.code, providerId: hit.providerId, cached: true };
    } catch {
      return null;
    }
  }

  function write(key: { hash: string; slot: string }, result: { readonly code: Code; readonly providerId: string }): Promise<void> {
    return store.set(key.slot, formatEntry(key.hash, result.code, now(), result.providerId), ttls[result.code]);
  }

  async function load(key: { hash: string; slot: string }, fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>, peeked: boolean): Promise<CacheOutcome> {
    const hit = peeked ? null : await lookup(key);
    if (hit) return hit;
    const answer = await fetchAnswer();
    try {
      await write(key, answer);
    } catch {
      // the answer stands; only the next retry pays again
    }
    return { code: answer.code, providerId: answer.providerId, cached: false };
  }

  return {
    get: async (query) => read(await keyOf(query)),
    peek: (query) => lookup(keyOf(query)),
    set: async (query, result) => write(await keyOf(query), result),
    async through(query, fetchAnswer, peeked = false) {
      const key = await keyOf(query);
      const running = inflight.get(key.hash);
      if (running) {
        const shared = await running;
        return { code: shared.code, providerId: shared.providerId, cached: true };
      }
      const pending = load(key, fetchAnswer, peeked).finally(() => inflight.delete(key.hash));
      inflight.set(key.hash, pending);
      return pending;
    },
  };
}
