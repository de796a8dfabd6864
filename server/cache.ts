// The result cache: a repeated pair is answered without a second paid upstream call, in any Store (memory or Redis).
import { isResultCode, ResultCode, type ResultCode as Code } from '../widget/codes.js';
import type { Hasher } from './privacy.js';
import { failurePolicy, UpstreamError, type UpstreamFailure, type VerifyQuery } from './providers/types.js';
import { MemoryStore } from './stores/memory.js';
import { isImmediate, type ImmediateStore, type Store } from './stores/types.js';

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
  /**
   * Where entries live; the cache uses only `get` and `set`, so any Store works, or `getNow` and `setNow` when
   * the store answers at once (see ImmediateStore).
   */
  readonly store: Store;
  /** Keyed HMAC (config.hash): entries are found by an HMAC of number and name, never by the raw pair. */
  readonly hash: Hasher;
  readonly ttlMs?: Partial<CacheTtls>;
  /** Most entries kept. The cache has this many slots, so it stays bounded in a store without eviction. */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
  /**
   * Longest an upstream call for one pair may take, in ms (the router's deadline). In a store the instances
   * share, one instance calls for a pair at a time, and the others wait for its answer at most this long.
   */
  readonly callMs?: number;
}

interface CachedResult {
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

/**
 * One pair's place in the cache, found once per request: the answer held there, if any, and how to fill it.
 * The key HMAC and the store read are done once, however the request goes on.
 */
export interface CachePlace {
  /** The cached answer, or null; a failing store reads as a miss. */
  readonly hit: CacheOutcome | null;
  /**
   * Calls `load` once for all concurrent requests of the same pair (a double click is one paid call) and stores
   * its definite answer. A failing store is not an error: the cache saves money, it must not stop verification.
   */
  fill(load: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome>;
}

export interface ResultCache {
  /**
   * The pair's place: its cached answer if any, and `fill` for a miss. Found at once, without a promise, when
   * the hasher and the store answer at once (node:crypto and the memory store): the common case costs no turn.
   */
  find(query: VerifyQuery): CachePlace | Promise<CachePlace>;
  /**
   * Stores a definite answer that came outside any fill: one that came after its call's timeout had ended the request
   * (see callWithTimeout), paid for all the same. Only into an empty place: an answer stored meanwhile, or a call
   * under way for the pair (a retry's), is newer. A failing store is let be.
   */
  remember(query: VerifyQuery, result: { readonly code: Code; readonly providerId: string }): Promise<void>;
}

/** Value of each base64url character by its char code (0 for any other), for the slot number. */
const BASE64URL_VALUE = new Uint8Array(128);
for (const [i, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL_VALUE[char.charCodeAt(0)] = i;

/** Slot number from the first 48 bits of a base64url HMAC. */
function slotOf(keyHash: string, slots: number): number {
  let value = 0;
  for (let i = 0; i < 8 && i < keyHash.length; i++) value = value * 64 + (BASE64URL_VALUE[keyHash.charCodeAt(i)] ?? 0);
  return value % slots;
}

/**
 * An entry as stored: `<key HMAC> <code> <stored at> <provider id>`. A slot holds one pair, and another pair
 * landing there replaces it, so the full key HMAC comes first: a slot holding another pair is told apart
 * without parsing anything.
 */
function formatEntry(keyHash: string, code: Code, storedAt: number, providerId: string): string {
  // Joined rather than a template literal: V8 keeps a template's result as a tree of its pieces (a cons string),
  // which the entry's first read, often thousands of requests later, would have to flatten into a copy.
  return [keyHash, code, storedAt, providerId].join(' ');
}

function parseEntry(raw: string | null, keyHash: string): CachedResult | null {
  if (raw === null || !raw.startsWith(keyHash) || raw.charCodeAt(keyHash.length) !== 32) return null;
  const [code, storedAt, ...provider] = raw.slice(keyHash.length + 1).split(' ');
  const providerId = provider.join(' ');
  const stored = Number(storedAt);
  if (!isResultCode(code) || storedAt === undefined || storedAt === '' || !Number.isFinite(stored)) return null;
  return { code, providerId, storedAt: stored };
}

/** How often a request waiting on another instance's call for its pair looks for the answer, in ms. */
const FLIGHT_POLL_MS = 100;
/**
 * How much longer than the call a claim holds, in ms: the answer's write to the store comes after the call, and a
 * claim that expired before its landing could otherwise be taken by another instance and then landed for it.
 */
const FLIGHT_MARGIN_MS = 1000;
/** What a finished call leaves in its flight's key for the moment the key takes to expire. */
const LANDED = '0';
/**
 * How long the failure of a call that may have been billed is kept for the requests that waited on it, in ms:
 * several of their looks. They fail with it, as requests sharing a call in one instance do, rather than make a
 * second call that may be billed again after a first that may have taken the whole deadline. It is kept apart from
 * the flight, under the flight's own id, so that it is the answer of those requests alone: one that comes after it
 * claims a flight of its own and asks again. A failure that billed nothing (no connection, a breaker open in that
 * instance, input refused) is not kept: those waiting claim again, and one of them asks, from its own instance.
 */
const FAILED_MARK_MS = 5 * FLIGHT_POLL_MS;

/** Where a flight's failure is kept. */
const failedKeyOf = (keyHash: string, flightId: string) => `cache-failed:${keyHash}:${flightId}`;

/** What a failed call leaves for those waiting on it: `<failure> <provider id>`, or null when it leaves nothing. */
function failureMark(error: unknown): string | null {
  return error instanceof UpstreamError && error.maybeBilled ? `${error.failure} ${error.providerId}` : null;
}

/** The failure a mark tells of. */
function failureOf(mark: string | null): UpstreamError | null {
  if (mark === null) return null;
  const [failure = '', ...provider] = mark.split(' ');
  if (!Object.hasOwn(failurePolicy, failure)) return null;
  return new UpstreamError(failure as UpstreamFailure, provider.join(' '), 'the call made for this pair by another instance failed');
}

/** The longest call a cache made without the router's deadline (tests, direct callers) waits on, in ms. */
const DEFAULT_CALL_MS = 10_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A store call whose failure, thrown or rejected, only means there is nothing to go on: null. */
async function settle<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch {
    return null;
  }
}

export function createResultCache(options: CacheOptions): ResultCache {
  const { store, hash } = options;
  const callMs = options.callMs ?? DEFAULT_CALL_MS;
  const immediate = isImmediate(store) ? store : undefined;
  const ttls: CacheTtls = { ...defaultCacheTtls, ...options.ttlMs };
  const slots = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CACHE_ENTRIES));
  const now = options.now ?? Date.now;
  /**
   * Beside a store other instances share (Redis), a copy of the answers this instance stored or read there, in its
   * own memory and in as many slots: while that store fails, or has lost an answer (a write it refused), a retry or a
   * second click this instance has seen the answer of is answered from here rather than paid for again.
   */
  const local: ImmediateStore | undefined = immediate ? undefined : new MemoryStore({ maxKeys: slots, now });
  const inflight = new Map<string, Promise<CacheOutcome>>();
  /** Answers stored so far: a place found before the count last moved may have missed one stored since. */
  let storedCount = 0;

  const keyHashOf = (query: VerifyQuery) => hash('result-cache', query.phoneNumber, query.name);
  const slotOfHash = (keyHash: string) => `cache:${slotOf(keyHash, slots)}`;

  /** Stores a result: at once in memory, else a promise. */
  function write(keyHash: string, result: { readonly code: Code; readonly providerId: string }): Promise<void> | void {
    const slot = slotOfHash(keyHash);
    const entry = formatEntry(keyHash, result.code, now(), result.providerId);
    if (immediate) immediate.setNow(slot, entry, ttls[result.code]);
    else {
      local!.setNow(slot, entry, ttls[result.code]);
      return store.set(slot, entry, ttls[result.code]);
    }
  }

  /** The outcome of a request that shared another's upstream call: no call was made for it. */
  const shared = (outcome: CacheOutcome): CacheOutcome => ({ code: outcome.code, providerId: outcome.providerId, cached: true });

  /** Stores a result and counts it once stored: at once in memory, else a promise. */
  function keep(keyHash: string, result: { readonly code: Code; readonly providerId: string }): Promise<void> | void {
    const written = write(keyHash, result);
    if (!written) {
      storedCount += 1;
      return;
    }
    return written.then(() => void (storedCount += 1));
  }

  async function load(keyHash: string, fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome> {
    const answer = await fetchAnswer();
    try {
      const kept = keep(keyHash, answer);
      if (kept) await kept;
    } catch {
      // the answer stands; only the next retry pays again
    }
    return { code: answer.code, providerId: answer.providerId, cached: false };
  }

  /**
   * `load` in a store several instances may share (Redis): the instance that claims the pair's flight calls; one
   * that finds it claimed, a retry that reached another instance, waits for that call's answer to be stored and
   * answers with it, so that the pair is paid for once. When that call fails and may have been billed, those
   * waiting on it fail with it; when it ends without an answer otherwise (nothing billed, a limit refused it), they
   * claim a flight again, one of them to call; so do they when its instance stopped mid-call, once its claim has
   * expired. A request calls on its own when the store fails, as without a cache, when a flight outlives its claim
   * (a store that keeps it), and when no claim can be seen past the deadline. A store that does not keep the value a
   * claim gives it leaves the failures unshared: those waiting claim again.
   */
  async function loadShared(keyHash: string, fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome> {
    const flight = `cache-flight:${keyHash}`;
    const holdMs = callMs + FLIGHT_MARGIN_MS;
    /**
     * When this request stops waiting and calls as without a cache: a call past the deadline when no flight was seen
     * (a store whose claims it cannot see); else once the flight it waits on has outlived its claim by a margin,
     * counted from the moment it was seen. A flight whose instance is gone is no reason to call: its claim expires
     * (the deadline and a margin), and those waiting claim the pair again, so that one of them calls, not each.
     */
    let until = performance.now() + callMs;
    /** The flights this request has seen under way: a failure is its answer only if it is one of theirs. */
    const waitedOn = new Set<string>();
    for (let round = 0; ; round++) {
      // Claimed again after a flight that ended without an answer: after a pause, as any look at the flight, so that
      // a store whose landing mark lingers (or that cannot show a claim) is not asked in a loop.
      if (round > 0) await pause(FLIGHT_POLL_MS);
      const flightId = crypto.randomUUID();
      const claimedAt = performance.now();
      let claimed: boolean;
      try {
        claimed = await store.claim(flight, holdMs, flightId);
      } catch {
        // The store failed: pay, as without a cache, and leave it alone.
        return load(keyHash, fetchAnswer);
      }
      if (claimed) {
        let failure: string | null = null;
        try {
          // Another instance's call may have landed between this request's look-up and its claim.
          const again = await placeAt(keyHash);
          return again.hit ?? (await load(keyHash, fetchAnswer));
        } catch (error) {
          failure = failureMark(error);
          throw error;
        } finally {
          // Landed, answer stored or not: whoever waits stops waiting, and finds the failure first if there is one.
          // Not once the claim has expired: the key may be another instance's claim by now.
          if (performance.now() - claimedAt < holdMs) void land(flight, failedKeyOf(keyHash, flightId), failure);
        }
      }
      // Waits on the flight that holds the key: looks at once, then every FLIGHT_POLL_MS.
      for (;;) {
        // The flight before the answer: a call writes its answer before it lands, so once it has landed any
        // answer it had can be read.
        const flying = await settle(() => store.get(flight));
        const place = await placeAt(keyHash);
        if (place.hit) return place.hit;
        if (flying === null || flying === LANDED) break;
        if (!waitedOn.has(flying)) {
          waitedOn.add(flying);
          until = performance.now() + holdMs + FLIGHT_MARGIN_MS;
        }
        // Still there past its claim and a margin: a store that does not expire claims; waiting would be for ever.
        if (performance.now() >= until) return load(keyHash, fetchAnswer);
        await pause(FLIGHT_POLL_MS);
      }
      for (const id of waitedOn) {
        const failed = failureOf(await settle(() => store.get(failedKeyOf(keyHash, id))));
        if (failed) throw failed;
      }
      // Past the deadline, without a claim of its own (a store whose claims it cannot see, or one that keeps a claim
      // past its time): it calls as without a cache.
      if (performance.now() >= until) return load(keyHash, fetchAnswer);
    }
  }

  /** Ends a flight: its failure for those waiting on it, if any, then the landing they look for. */
  async function land(flight: string, failedKey: string, failure: string | null): Promise<void> {
    if (failure !== null) await settle(() => store.set(failedKey, failure, FAILED_MARK_MS));
    await settle(() => store.set(flight, LANDED, 1));
  }

  /**
   * `load`, unless the pair's answer was stored since its place was found: between the look-up and the fill a
   * request waits on its limits, and another request for the same pair may have paid for it and finished then.
   * (A shared store is looked at again by `loadShared` itself.)
   */
  async function loadUnlessStored(keyHash: string, fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome> {
    const again = placeAt(keyHash);
    const place = again instanceof Promise ? await again : again;
    return place.hit ?? load(keyHash, fetchAnswer);
  }

  // A class, so that a request's place costs one small object: its methods live on the prototype.
  class Place implements CachePlace {
    /** How many answers had been stored when this place was found. */
    private readonly storedBefore = storedCount;

    constructor(
      private readonly keyHash: string,
      readonly hit: CacheOutcome | null,
    ) {}

    fill(fetchAnswer: () => Promise<{ readonly code: Code; readonly providerId: string }>): Promise<CacheOutcome> {
      const keyHash = this.keyHash;
      const running = inflight.get(keyHash);
      if (running) return running.then(shared);
      // A store other instances share is looked at again once the call is claimed; in memory, only if this
      // instance stored an answer since the look-up: the common miss reads the store once.
      const pending = !immediate
        ? loadShared(keyHash, fetchAnswer)
        : storedCount === this.storedBefore
          ? load(keyHash, fetchAnswer)
          : loadUnlessStored(keyHash, fetchAnswer);
      inflight.set(keyHash, pending);
      // Forgotten once settled. Not in a finally inside `load`: for a load that fails at once, that would run before the set.
      void pending.then(
        () => inflight.delete(keyHash),
        () => inflight.delete(keyHash),
      );
      return pending;
    }
  }

  /**
   * The place of a pair whose slot holds `raw`. Read from the shared store (`copyTo` its slot; `raw` null when the
   * store failed), the slot's copy in this instance's memory answers a miss, and an answer found is copied there.
   */
  const placeOf = (keyHash: string, raw: string | null, copyTo?: string): Place => {
    let found = parseEntry(raw, keyHash);
    if (copyTo !== undefined) {
      // Not in the shared store, though this instance stored or read it there: the store failing, a write refused (a
      // Redis out of memory, or read-only), an eviction, a Redis restarted empty. The copy answers, for the rest of its
      // time. An answer read there is copied, unless the copy holds it already (this instance's own, mostly).
      const copy = local!.getNow(copyTo);
      if (!found) found = parseEntry(copy, keyHash);
      else if (copy !== raw) {
        const left = found.storedAt + ttls[found.code] - now();
        if (left > 0) local!.setNow(copyTo, raw!, left);
      }
    }
    return new Place(keyHash, found && { code: found.code, providerId: found.providerId, cached: true });
  };

  /**
   * The place of a pair by its key HMAC. A failing store is a miss, unless this instance keeps a copy of the answer
   * (see `local`).
   */
  function placeAt(keyHash: string): CachePlace | Promise<CachePlace> {
    const slot = slotOfHash(keyHash);
    if (immediate) {
      try {
        return placeOf(keyHash, immediate.getNow(slot));
      } catch {
        return placeOf(keyHash, null);
      }
    }
    try {
      return store.get(slot).then(
        (raw) => placeOf(keyHash, raw, slot),
        () => placeOf(keyHash, null, slot),
      );
    } catch {
      // a store that throws instead of rejecting fails the same way
      return placeOf(keyHash, null, slot);
    }
  }

  function find(query: VerifyQuery): CachePlace | Promise<CachePlace> {
    const keyHash = keyHashOf(query);
    return typeof keyHash === 'string' ? placeAt(keyHash) : keyHash.then(placeAt);
  }

  async function remember(query: VerifyQuery, result: { readonly code: Code; readonly providerId: string }): Promise<void> {
    try {
      const keyHash = await keyHashOf(query);
      // Looked at again after the read: a retry's call may have begun while it was under way.
      if (inflight.has(keyHash) || (await placeAt(keyHash)).hit || inflight.has(keyHash)) return;
      await keep(keyHash, result);
    } catch {
      // Only the retry pays again.
    }
  }

  return { find, remember };
}
