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
  set(query: VerifyQuery, result: { readonly code: Code; readonly providerId: string }): Promise<void>;
  /**
   * The cached result, or `load` called once for all concurrent requests of the same pair (a double click
   * is one paid call), its definite answer stored. A failing store is treated as a miss: the cache saves
   * money, it must not stop verification.
   */
  through(query: VerifyQuery, load: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome>;
}

interface Entry {
  /** The full key HMAC: a slot holds one pair, and another pair landing there replaces it. */
  readonly k: string;
  readonly c: string;
  readonly p: string;
  readonly t: number;
}

/** Slot number from the first 48 bits of a base64url HMAC. */
function slotOf(keyHash: string, slots: number): number {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let value = 0;
  for (const char of keyHash.slice(0, 8)) value = value * 64 + Math.max(0, alphabet.indexOf(char));
  return value % slots;
}

function parseEntry(raw: string | null): Entry | null {
  if (raw === null) return null;
  try {
    const entry = JSON.parse(raw) as Partial<Entry>;
    if (typeof entry.k !== 'string' || !isResultCode(entry.c) || typeof entry.p !== 'string' || typeof entry.t !== 'number') return null;
    return entry as Entry;
  } catch {
    return null;
  }
}

export function createResultCache(options: CacheOptions): ResultCache {
  const { store, hash } = options;
  const ttls: CacheTtls = { ...defaultCacheTtls, ...options.ttlMs };
  const slots = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CACHE_ENTRIES));
  const now = options.now ?? Date.now;
  const inflight = new Map<string, Promise<CacheOutcome>>();

  const keyOf = (query: VerifyQuery) => hash('result-cache', query.phoneNumber, query.name);
  const storeKey = (keyHash: string) => `cache:${slotOf(keyHash, slots)}`;

  async function read(keyHash: string): Promise<CachedResult | null> {
    const entry = parseEntry(await store.get(storeKey(keyHash)));
    if (!entry || entry.k !== keyHash) return null;
    return { code: entry.c as Code, providerId: entry.p, storedAt: entry.t };
  }

  async function write(keyHash: string, result: { readonly code: Code; readonly providerId: string }): Promise<void> {
    const entry: Entry = { k: keyHash, c: result.code, p: result.providerId, t: now() };
    await store.set(storeKey(keyHash), JSON.stringify(entry), ttls[result.code]);
  }

  async function load(keyHash: string, fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome> {
    const hit = await read(keyHash).catch(() => null);
    if (hit) return { code: hit.code, providerId: hit.providerId, cached: true };
    const answer = await fetchAnswer();
    await write(keyHash, answer).catch(() => undefined);
    return { code: answer.code, providerId: answer.providerId, cached: false };
  }

  return {
    get: async (query) => read(await keyOf(query)),
    set: async (query, result) => write(await keyOf(query), result),
    async through(query, fetchAnswer) {
      const keyHash = await keyOf(query);
      const running = inflight.get(keyHash);
      if (running) return { ...(await running), cached: true };
      const pending = load(keyHash, fetchAnswer).finally(() => inflight.delete(keyHash));
      inflight.set(keyHash, pending);
      return pending;
    },
  };
}
