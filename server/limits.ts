// Rate limits per client IP, per number (distinct names), per name (distinct numbers), per site, and on wrong
// siteverify secrets per IP.
import { limitSubject } from './client-ip.js';
import { MemoryStore } from './stores/memory.js';
import type { Hasher } from './privacy.js';
import type { Store, WindowCount } from './stores/types.js';

/**
 * What each limit counts. `ip`: requests to /api/verify from one address (IPv6: one /64). `ip-day`: the same, over a
 * longer window (a day by default), so that one address cannot spend a site's daily budget at the per-minute pace
 * (asked after `ip`, which refuses first and spends none of it; a refusal names `ip` to the client). `number`: distinct
 * names tried for one number (a pair counted in the window is not counted again, whoever asks, and one refused stays
 * refused; a pair the result cache answers is not counted, but once the number's names are spent every pair the
 * client asking was not let through with is refused). `name`: distinct numbers tried for one name that share their
 * first three and last four digits (the number masked as `138****8000`, the way receipts, delivery labels and this
 * proxy's own answers print it), counted as `number` counts names, pair by pair, except that a pair the cache answers
 * is counted too (once in the window, as any pair): it stops a caller who knows a name and a masked number from trying
 * the 10,000 middles, from as many addresses as it likes and all at once. `site`: verifications that pass the other
 * checks and ask the upstream (not answered from the cache), per site key. `secret`: wrong secrets sent to /api/siteverify from one
 * address, per whom the request's token was issued to (or none).
 */
export type LimitScope = 'ip' | 'ip-day' | 'number' | 'name' | 'site' | 'secret';

/** The limits that count pairs: distinct names for a number, distinct numbers for a name. */
export type PairScope = 'number' | 'name';

export interface Limit {
  readonly max: number;
  readonly windowMs: number;
}

/** Each scope's limit; null turns it off. */
export type Limits = { readonly [S in LimitScope]: Limit | null };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_LIMITS: Limits = {
  ip: { max: 30, windowMs: MINUTE },
  // A tenth of a site's default daily budget: at 30 a minute, one address would spend all of it in under six hours.
  'ip-day': { max: 1000, windowMs: DAY },
  number: { max: 5, windowMs: 10 * MINUTE },
  name: { max: 10, windowMs: HOUR },
  site: { max: 10_000, windowMs: DAY },
  secret: { max: 10, windowMs: 10 * MINUTE },
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: HOUR, d: DAY };
const SCOPES = Object.keys(DEFAULT_LIMITS) as LimitScope[];

function isScope(name: string): name is LimitScope {
  return (SCOPES as string[]).includes(name);
}

function parseLimit(scope: string, value: string): Limit | null {
  if (value === 'off') return null;
  const match = /^(\d{1,9})\/(\d{0,6})(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`${scope}: "${value.slice(0, 40)}" is not of the form 30/1m (units ms, s, m, h, d) or off`);
  const max = Number(match[1]);
  const windowMs = Number(match[2] || '1') * UNIT_MS[match[3]!]!;
  if (max < 1) throw new Error(`${scope}: the count must be at least 1 (use off to turn the limit off)`);
  if (windowMs < 1000 || windowMs > 7 * DAY) throw new Error(`${scope}: the window must be between 1s and 7d`);
  return { max, windowMs };
}

/**
 * Reads CARRIER_VERIFY_LIMITS: comma-separated `scope=count/window` entries, e.g.
 * `ip=30/1m, ip-day=1000/1d, number=5/10m, name=10/1h, site=10000/1d, secret=10/10m`, or `scope=off`. Scopes not named keep their default.
 * Throws an Error whose message names the entry at fault.
 */
export function parseLimits(raw: string | undefined): Limits {
  const limits: { -readonly [S in LimitScope]: Limit | null } = { ...DEFAULT_LIMITS };
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const named = new Set<LimitScope>();
  for (const entry of entries) {
    const parts = entry.split('=').map((part) => part.trim());
    const [name = '', value = ''] = parts;
    if (parts.length !== 2) {
      // Entries run together with another separator (`ip=30/1m; number=5/10m`, or a space) hold two `=`.
      const joined = parts.length > 2 && /[;\s]/.test(entry) ? ': separate entries with commas (ip=30/1m, number=5/10m)' : '';
      throw new Error(`"${entry.slice(0, 40)}" is not of the form scope=count/window${joined}`);
    }
    if (!isScope(name)) throw new Error(`unknown limit "${name.slice(0, 40)}" (known: ${SCOPES.join(', ')})`);
    // Which of two would hold is a guess the operator should not have to make.
    if (named.has(name)) throw new Error(`${name} is given twice`);
    named.add(name);
    limits[name] = parseLimit(name, value);
  }
  return limits;
}

export type Verdict =
  | { readonly ok: true; readonly degraded: boolean }
  | { readonly ok: false; readonly degraded: boolean; readonly scope: LimitScope; readonly retryAfter: number };

/** A store per limit, with, in memory, one of its own for the notes of the clients let through with a pair. */
export type LimitStores = ((scope: LimitScope) => Store) & { readonly marks?: Store };

export interface LimiterOptions {
  readonly limits: Limits;
  /**
   * Where the counters live: one store for every limit (Redis, which must not evict), or a store per limit. Evicting
   * stores (memory) need one each, or a flood of new addresses would push out the number and site counters, and
   * the notes of the clients let through with a pair a store of their own (`marks`, see memoryPerLimit).
   */
  readonly store: Store | LimitStores;
  /** Keyed hash, so that no raw number, name or address is ever a key in the store. */
  readonly hash: Hasher;
  readonly now?: () => number;
  /**
   * Told each count of a site's budget (`site`), so that its use can be watched before it is spent: the limits'
   * store's, and while a shared store is down this instance's own, which goes on from the last shared count it had.
   */
  readonly onSiteCount?: (siteKey: string, window: WindowCount, max: number) => void;
}

/**
 * The three limits of /api/verify answer a verdict at once when they are off, and a promise when they count:
 * a deployment without them spends no turn of the event loop on them.
 */
export interface Limiter {
  /** Counts a request to /api/verify from this client address: under `ip`, then, when that lets it through, `ip-day`. */
  ip(ip: string): Verdict | Promise<Verdict>;
  /**
   * Counts a new number for this name (`name`), then a new name for this number; in each, a pair counted in the
   * window passes without counting, whichever client (address, IPv6 /64) asks, and the client is noted as let through
   * with it, unless the number (the name) is spent by then and the client was not let through with the pair before.
   */
  number(phoneNumber: string, name: string, ip: string): Verdict | Promise<Verdict>;
  /**
   * Asked of every pair before the result cache is: refuses, without counting, a pair this client was not let through
   * with in the window once the number has spent its names in it, or the name its numbers; passes anything else. Another client's pass is not
   * this one's: else a client guessing names would be refused every name but the ones others had tried, and told them. Cached or not, such a pair is
   * refused the same way and as fast: else the cache would tell the name of a number verified earlier apart from
   * every other name, 429 for each wrong one and 200 (or a quicker 429) for the right one.
   */
  numberSpent(phoneNumber: string, name: string, ip: string): Verdict | Promise<Verdict>;
  /**
   * A pair the result cache answers. A match is counted as a number for the name (once in the window, as any pair;
   * else a burst of guesses sent at once, all past the spent check before any was counted, would be given the right
   * number from the cache); any other answer is not, since it tells nothing a guesser wants, and counting cached
   * wrong guesses again each window would let a stranger keep a person's name spent at almost no upstream call. The
   * client is noted as let through with the pair: a spent number (or name) goes on letting it ask again in the window,
   * as it lets a client the count let through.
   */
  cachedPair(phoneNumber: string, name: string, ip: string, match: boolean): Verdict | Promise<Verdict>;
  /** Counts a verification for this site. */
  site(siteKey: string): Verdict | Promise<Verdict>;
  /**
   * Whether this address is barred from /api/siteverify after too many wrong secrets: asked first, right secret or
   * wrong, so that a barred address hears the same, and as soon, whichever it sent.
   *
   * `holder` says whom the request's token was issued to, when it is an unexpired token of this proxy's (see
   * `holderOf` in tokens.ts: its site and verified pair), and wrong secrets are counted per address and per holder.
   * A stranger who shares a site's backend address (a cloud NAT, a serverless platform's egress) bars only the
   * tokens it sends, of no one or of pairs it verified itself, not the backend's redemptions of its users' tokens.
   */
  secretBarred(ip: string, holder?: string): Promise<Verdict>;
  /**
   * Counts a wrong siteverify secret from this address (and the token's holder, see secretBarred). Requests sent at
   * once all pass the bar before any of them is counted: past the limit by its own count, the answer may no longer
   * say that the secret was wrong.
   */
  secretFailed(ip: string, holder?: string): Promise<Verdict>;
  /**
   * For a right secret that passed the bar: refused as a wrong one past the limit is, when this address spent its
   * wrong ones while it was on its way. Read from the same count, in the order the store takes them, so that a
   * right secret sent among many wrong ones at once is not told apart from them.
   */
  secretAccepted(ip: string, holder?: string): Promise<Verdict>;
}

/** The store keys of a pair under a limit that counts pairs: `number` (names a number) or `name` (numbers a name). */
interface PairKeys {
  /** The count of the number's names (the name's numbers). */
  readonly countKey: string;
  /** Set, to the time the window ends, once the number (the name) has none left in it. */
  readonly fullKey: string;
  /** Set once the pair has been counted in the limit's window, whichever client asked: it is not counted again. */
  readonly pairKey: string;
  /** The claim of the request counting the pair, whichever client's; it holds that client's `clientKey`. */
  readonly claimKey: string;
  /** Set once this client has been let through with the pair in the window: what a spent number still lets in. */
  readonly clientKey: string;
}

/**
 * The limits that count pairs, in the order they are asked: a guess the name's count refuses (one of many numbers tried
 * for a name) spends none of that number's names, whose owner would lose tries; a guess the number's count refuses
 * (one of many names tried for a number) spends a count of a name that was only guessed.
 */
const PAIR_SCOPES: readonly PairScope[] = ['name', 'number'];

/** The verdict of a limit that is off. */
const PASS: Verdict = { ok: true, degraded: false };
/**
 * What the per-number limit keeps for a pair it counted, and for each client it let through with it, for the rest
 * of the number's window. A refusal is kept only on the pair's claim, for the requests waiting on it: tried again
 * later, the name is counted again and refused again. (Earlier builds read the pair's mark as every client's
 * admission once the number was spent: until every instance is upgraded, those not yet upgraded still do.)
 */
const ADMITTED = '1';
const REFUSED = 'refused until ';
/** How long a pair's claim holds while its request counts it: two store commands take far less. */
const COUNTING_MS = 2000;
/** How often a request that found the pair claimed looks for the verdict. */
const COUNTING_POLL_MS = 20;
/** Claims a request waits out before it gives up (each one lapsed without a verdict): then it is refused. */
const COUNTING_TRIES = 3;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whole seconds until a window ends, at least 1: what Retry-After says. */
function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

/** The verdict of a limit that refuses for `ms` more milliseconds. */
function refused(scope: LimitScope, ms: number, degraded = false): Verdict {
  return { ok: false, degraded, scope, retryAfter: retryAfterSeconds(ms) };
}

/** Most keys each limit keeps in memory. */
const MEMORY_LIMIT_KEYS = 100_000;

/**
 * In memory, each limit counts in a bounded store of its own, which drops its oldest keys when full. Were they one
 * store, a flood of new client addresses (a few IPv6 ranges hold millions of /64s) would push out the per-number
 * and per-site counters and reset them; this way it pushes out only other addresses' counts. Only a flood of new
 * numbers pushes out numbers' counts; a store that refused new keys when full would let that flood stop every
 * verification instead (see docs/rate-limits.md, "Where they are counted"). The per-number limit's notes of the clients let
 * through with a pair (`marks`), one for each client answered, cost a flood nothing but addresses: they have a store
 * of their own, where a flood pushes out only other notes.
 */
export function memoryPerLimit(now?: () => number, maxKeys = MEMORY_LIMIT_KEYS): ((scope: LimitScope) => Store) & { readonly marks: Store } {
  const stores = new Map<LimitScope, Store>();
  const byScope = (scope: LimitScope) => {
    let store = stores.get(scope);
    if (!store) stores.set(scope, (store = new MemoryStore({ now, maxKeys })));
    return store;
  };
  return Object.assign(byScope, { marks: new MemoryStore({ now, maxKeys }) });
}

/**
 * Builds the limiter. When the store fails (Redis down) the limits fail open to a per-instance memory store:
 * each instance then enforces them on its own, so several instances together allow a few times more, but
 * none goes unlimited and no request fails because of it. The verdict says `degraded` so that it is logged. A site's
 * budget goes on there from the last shared count this instance had of its window, not from nothing (see count).
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const { limits, hash } = options;
  const storeOf = typeof options.store === 'function' ? options.store : () => options.store as Store;
  // When the shared store fails, each limit counts in memory of its own, for the same reason as above.
  const fallbackOf = memoryPerLimit(options.now, 50_000);
  // In memory, the notes of the clients let through with a pair have a store of their own (see memoryPerLimit).
  const sharedMarks = typeof options.store === 'function' ? options.store.marks : undefined;
  /** Where the notes of clients let through live, for a pair limit's store `s` (shared or fallback). */
  const marksOf = (scope: PairScope, s: Store): Store => (s === fallbackOf(scope) ? fallbackOf.marks : (sharedMarks ?? s));
  const now = options.now ?? Date.now;

  async function withStore<T>(scope: LimitScope, use: (s: Store) => Promise<T>): Promise<{ value: T; degraded: boolean }> {
    try {
      return { value: await use(storeOf(scope)), degraded: false };
    } catch {
      return { value: await use(fallbackOf(scope)), degraded: true };
    }
  }

  /** The keyed hash of an address, and its token's holder if any, under the secret limit, as its keys name it. */
  const secretSubject = (ip: string, holder: string | undefined) =>
    hash('limit', 'secret', limitSubject(ip), ...(holder === undefined ? [] : ['holder', holder]));

  /** What a key holds in a limit's shared store: null when none, or when it cannot be read (`degraded`). */
  async function readShared(scope: LimitScope, key: string): Promise<{ value: string | null; degraded: boolean }> {
    try {
      return { value: await storeOf(scope).get(key), degraded: false };
    } catch {
      return { value: null, degraded: true };
    }
  }

  /**
   * A key read in both of a limit's stores, the shared one and this instance's fallback. While the shared store reads
   * but refuses writes (out of memory, a read-only replica), counts and marks are written to the fallback: a check
   * that must hear them reads both.
   */
  async function readBoth(scope: LimitScope, key: string): Promise<{ shared: string | null; local: string | null; degraded: boolean }> {
    const { value: shared, degraded } = await readShared(scope, key);
    return { shared, local: await fallbackOf(scope).get(key), degraded };
  }

  /**
   * A mark that holds when its window ends (a number's or a name's spent mark, a secret's bar), read from both stores,
   * each ending within `windowMs` from now: one written under a longer window (the limit shortened since, by a
   * restart) is written again to end then, as hit() ends such a count, else it would hold its old window, a day say.
   */
  async function windowMark(scope: LimitScope, key: string, windowMs: number): Promise<{ shared: number; local: number; degraded: boolean }> {
    const both = await readBoth(scope, key);
    const latest = now() + windowMs;
    const endWithin = (until: string | null, s: Store): number => {
      const at = Number(until) || 0;
      if (at <= latest) return at;
      void s.set(key, String(latest), windowMs).catch(() => undefined);
      return latest;
    };
    return { shared: endWithin(both.shared, storeOf(scope)), local: endWithin(both.local, fallbackOf(scope)), degraded: both.degraded };
  }

  /** A secret-limit key's number in both stores, `combine`d: a right secret must hear what a wrong one hears. */
  async function secretNumber(key: string, combine: (shared: number, local: number) => number): Promise<{ value: number; degraded: boolean }> {
    const { shared, local, degraded } = await readBoth('secret', key);
    return { value: combine(Number(shared) || 0, Number(local) || 0), degraded };
  }

  /** One more in `subject`'s count of `scope`; `counted`, when given, is handed the count before the verdict. */
  async function count(scope: LimitScope, subject: string, counted?: (subject: string, key: string, value: WindowCount, degraded: boolean, max: number) => Promise<void>): Promise<Verdict> {
    const limit = limits[scope];
    if (!limit) return PASS;
    const key = `limit:${scope}:${await hash('limit', scope, subject)}`;
    const { value, degraded } = await withStore(scope, (s) => s.hit(key, limit.windowMs));
    if (counted) await counted(subject, key, value, degraded, limit.max);
    return verdictOf(scope, limit, value, degraded);
  }

  /**
   * A count of a site's budget. Its shared count is kept in this instance's fallback too, until its window ends:
   * while the shared store is down, the instance counts on from every instance's calls as it last knew them, so that
   * a budget spent stays spent here rather than each instance granting a whole one again, and what it reports goes on
   * from there too. One key a configured site; a copy of each address's count would fill that memory in ordinary times.
   */
  async function siteCounted(siteKey: string, key: string, value: WindowCount, degraded: boolean, max: number): Promise<void> {
    if (!degraded) await fallbackOf('site').set(key, String(value.count), value.resetMs);
    options.onSiteCount?.(siteKey, value, max);
  }

  /** An address's two counts, the short window's first: a request it refuses spends nothing of the long one. */
  async function countAddress(subject: string): Promise<Verdict> {
    const short = await count('ip', subject);
    if (!short.ok) return short;
    const long = await count('ip-day', subject);
    return short.degraded && !long.degraded ? { ...long, degraded: true } : long;
  }

  function verdictOf(scope: LimitScope, limit: Limit, window: WindowCount, degraded: boolean): Verdict {
    if (window.count <= limit.max) return { ok: true, degraded };
    return refused(scope, window.resetMs, degraded);
  }

  /**
   * Notes that a client was let through with a pair (see PairKeys.clientKey), in the shared store or, when it takes
   * no writes, in this instance's memory, which numberSpent reads too. False when it had to fall back.
   */
  async function noteClient(scope: PairScope, clientKey: string, ttlMs: number, s: Store = storeOf(scope)): Promise<boolean> {
    try {
      await marksOf(scope, s).set(clientKey, ADMITTED, ttlMs);
      return true;
    } catch {
      await fallbackOf.marks.set(clientKey, ADMITTED, ttlMs).catch(() => undefined);
      return false;
    }
  }

  /** Notes a client let through with a pair (see noteClient): passes, degraded when the note had to fall back. */
  async function admit(scope: PairScope, clientKey: string, ttlMs: number, s?: Store): Promise<Verdict> {
    return (await noteClient(scope, clientKey, ttlMs, s)) ? PASS : { ok: true, degraded: true };
  }

  /**
   * Whether a client was noted as let through with a pair, in the shared notes or this instance's; `degraded` when
   * the shared ones could not be read.
   */
  async function passNoted(scope: PairScope, clientKey: string): Promise<{ noted: boolean; degraded: boolean }> {
    let shared: string | null = null;
    let degraded = false;
    try {
      shared = await marksOf(scope, storeOf(scope)).get(clientKey);
    } catch {
      degraded = true;
    }
    return { noted: shared !== null || (await fallbackOf.marks.get(clientKey)) !== null, degraded };
  }

  /** The refusal a pair's claim holds once its request has counted it; null while it counts, or once it is over. */
  function refusalOn(scope: PairScope, claim: string): Verdict | null {
    if (!claim.startsWith(REFUSED)) return null;
    const left = Number(claim.slice(REFUSED.length)) - now();
    return left > 0 ? refused(scope, left) : null;
  }

  /**
   * The store keys of a pair under the pair limits. A request asks `numberSpent` and then `number` for the same
   * pair: the keys of the last pair asked for are kept, so that its HMACs are made once, not twice.
   */
  let lastPair: { phoneNumber: string; name: string; ip: string; keys: Promise<Record<PairScope, PairKeys>> } | undefined;
  function pairKeys(phoneNumber: string, name: string, ip: string): Promise<Record<PairScope, PairKeys>> {
    if (lastPair?.phoneNumber !== phoneNumber || lastPair.name !== name || lastPair.ip !== ip) lastPair = { phoneNumber, name, ip, keys: makePairKeys(phoneNumber, name, ip) };
    return lastPair.keys;
  }
  /**
   * A pair is counted once in a window whoever asks, and its count is claimed by one request at a time; what a spent
   * number lets through is each client's own (see Limiter.number).
   */
  async function makePairKeys(phoneNumber: string, name: string, ip: string): Promise<Record<PairScope, PairKeys>> {
    const pair = await hash('limit', 'pair', phoneNumber, name);
    const client = await hash('limit', 'pair', phoneNumber, name, limitSubject(ip));
    const number = limits.number ? await hash('limit', 'number', phoneNumber) : '';
    // The name with the number masked (138****8000): the part of it a caller who holds the mask need not guess.
    const named = limits.name ? await hash('limit', 'name', name, `${phoneNumber.slice(0, 3)}****${phoneNumber.slice(-4)}`) : '';
    return {
      number: {
        countKey: `limit:number:${number}`,
        fullKey: `limit:number-full:${number}`,
        pairKey: `limit:pair:${pair}`,
        claimKey: `limit:pair-claim:${pair}`,
        clientKey: `limit:pair-client:${client}`,
      },
      name: {
        countKey: `limit:name:${named}`,
        fullKey: `limit:name-full:${named}`,
        pairKey: `limit:name-pair:${pair}`,
        claimKey: `limit:name-pair-claim:${pair}`,
        clientKey: `limit:name-pair-client:${client}`,
      },
    };
  }

  /**
   * Counts a new name for the number. A pair already counted in the window passes without counting; one being
   * counted by another request at that moment (a double click, a retry sent to another instance) gets that
   * request's verdict, so that asking twice at once never counts twice nor slips a refused name through. Either
   * way, once the number is spent, a client not let through with the pair is refused (see foundCounted).
   */
  async function countPair(scope: PairScope, limit: Limit, keys: PairKeys): Promise<Verdict> {
    const { countKey, fullKey, pairKey, claimKey, clientKey } = keys;

    /** Lets the client through with a pair counted in the window: noted for it, which a spent number reads. */
    const admitted = (s: Store) => admit(scope, clientKey, limit.windowMs, s);

    /**
     * A pair found counted, at once or by waiting on the request counting it: refused as numberSpent refuses it when
     * the number has been spent since this request passed there (a burst of names from one client, all past that
     * check before any was counted), unless this client was let through with it. A read the shared store fails
     * counts as nothing there, as the limits fail open, rather than count the pair again in this instance's memory.
     */
    async function foundCounted(s: Store): Promise<Verdict> {
      const spent = await readBoth(scope, fullKey);
      const until = spent.shared ?? spent.local;
      if (until !== null && !(await passNoted(scope, clientKey)).noted) return refused(scope, Math.max(1000, (Number(until) || 0) - now()));
      return admitted(s);
    }

    /** Counts the pair this request has claimed; once the count is in, the verdict stands even if writing it fails. */
    async function count(s: Store): Promise<Verdict> {
      const window = await s.hit(countKey, limit.windowMs);
      const verdict = verdictOf(scope, limit, window, false);
      // Neither the verdict nor the claim outlives the number's window, which may end sooner than the claim would.
      const claimMs = Math.max(1, Math.min(COUNTING_MS, window.resetMs));
      try {
        // The pair's marks before the number's spent mark: a copy of the pair that reads the mark reads them too.
        if (verdict.ok) {
          await marksOf(scope, s).set(clientKey, ADMITTED, window.resetMs);
          await s.set(pairKey, ADMITTED, window.resetMs);
        }
        if (window.count >= limit.max) await s.set(fullKey, String(now() + window.resetMs), window.resetMs);
        if (!verdict.ok || claimMs < COUNTING_MS) await s.set(claimKey, verdict.ok ? ADMITTED : `${REFUSED}${now() + window.resetMs}`, claimMs);
        return verdict;
      } catch {
        // The marks this instance's memory holds instead, which numberSpent reads too: without the spent mark, every
        // client would pass it; without the client's, the client would be refused its own pair.
        const fallback = fallbackOf(scope);
        await Promise.all([
          verdict.ok && fallbackOf.marks.set(clientKey, ADMITTED, window.resetMs),
          verdict.ok && fallback.set(pairKey, ADMITTED, window.resetMs),
          window.count >= limit.max && fallback.set(fullKey, String(now() + window.resetMs), window.resetMs),
        ]).catch(() => undefined);
        return { ...verdict, degraded: true };
      }
    }

    const { value, degraded } = await withStore(scope, async (s): Promise<Verdict> => {
      for (let tries = 0; tries < COUNTING_TRIES; tries++) {
        if ((await s.get(pairKey)) !== null) return foundCounted(s);
        // The claim names this client, so that a spent number lets its copies of the pair wait for this verdict.
        if (await s.claim(claimKey, COUNTING_MS, clientKey)) {
          // Another request may have counted the pair between the look and the claim.
          return (await s.get(pairKey)) !== null ? foundCounted(s) : count(s);
        }
        // Another request is counting this pair, or has just refused it: its verdict is this one's. A claim that
        // lapses with none (that request failed) is claimed again, never passed uncounted.
        for (const until = Date.now() + COUNTING_MS; ; ) {
          const claim = await s.get(claimKey);
          if (claim === null) break;
          const refusal = refusalOn(scope, claim);
          if (refusal) return refusal;
          if ((await s.get(pairKey)) !== null) return foundCounted(s);
          if (Date.now() >= until) break;
          await pause(COUNTING_POLL_MS);
        }
      }
      // The last claim may have lapsed just after its request counted the pair.
      if ((await s.get(pairKey)) !== null) return foundCounted(s);
      return refused(scope, COUNTING_MS);
    });
    return degraded ? { ...value, degraded } : value;
  }

  /**
   * Asks the pair limits that are on, the name's then the number's: the first refusal is the verdict, and a verdict
   * is degraded when either was.
   */
  async function bothPairLimits(ask: (scope: PairScope, limit: Limit) => Promise<Verdict>): Promise<Verdict> {
    let degraded = false;
    for (const scope of PAIR_SCOPES) {
      const limit = limits[scope];
      if (!limit) continue;
      const verdict = await ask(scope, limit);
      if (!verdict.ok) return degraded && !verdict.degraded ? { ...verdict, degraded } : verdict;
      degraded ||= verdict.degraded;
    }
    return degraded ? { ok: true, degraded } : PASS;
  }

  /** See Limiter.numberSpent: the part of one pair limit. */
  async function pairSpent(scope: PairScope, keys: PairKeys): Promise<Verdict> {
    const { fullKey, claimKey, clientKey } = keys;
    // Both stores: while the shared store reads but refuses writes, names are counted, and the number marked
    // spent, in this instance's memory.
    let degraded = false;
    const read = async (key: string) => {
      const both = await readBoth(scope, key);
      degraded ||= both.degraded;
      return both;
    };
    const pass = (): Verdict => (degraded ? { ok: true, degraded: true } : PASS);
    // The mark first, then the client's admission: a count writes them the other way round (see countPair). The
    // mark lives as long as the window (its key's own expiry, in the store's time); the time it holds is only for
    // Retry-After, so that a clock ahead of the writer's does not end the window early here.
    const until = await windowMark(scope, fullKey, limits[scope]!.windowMs);
    degraded ||= until.degraded;
    if (until.shared === 0 && until.local === 0) return pass();
    // Let through with this pair in the window: this client, not another (else the mark would tell a client
    // guessing names which ones others had tried).
    const own = await passNoted(scope, clientKey);
    degraded ||= own.degraded;
    if (own.noted) return pass();
    // This client's request counting this very pair (a double click that came as another pair spent the number):
    // its verdict is this one's, which countPair waits for. A pair the cache answers is counted only for the name, and only a match.
    const claimed = await read(claimKey);
    if (claimed.shared === clientKey || claimed.local === clientKey) return pass();
    const left = Math.max(1000, Math.max(until.shared, until.local) - now());
    // A mark only this instance holds was written while the shared store took no writes.
    return refused(scope, left, degraded || until.shared === 0);
  }

  return {
    ip: (ip) => (limits.ip || limits['ip-day'] ? countAddress(limitSubject(ip)) : PASS),
    site: (siteKey) => (limits.site ? count('site', siteKey, siteCounted) : PASS),
    number(phoneNumber, name, ip) {
      if (!limits.number && !limits.name) return PASS;
      return pairKeys(phoneNumber, name, ip).then((keys) => bothPairLimits((scope, limit) => countPair(scope, limit, keys[scope])));
    },

    cachedPair(phoneNumber, name, ip, match) {
      if (!limits.number && !limits.name) return PASS;
      return pairKeys(phoneNumber, name, ip).then((keys) =>
        bothPairLimits((scope, limit) => (scope === 'name' && match ? countPair(scope, limit, keys[scope]) : admit(scope, keys[scope].clientKey, limit.windowMs))),
      );
    },

    numberSpent(phoneNumber, name, ip) {
      if (!limits.number && !limits.name) return PASS;
      return pairKeys(phoneNumber, name, ip).then((keys) => bothPairLimits((scope) => pairSpent(scope, keys[scope])));
    },

    async secretBarred(ip, holder) {
      if (!limits.secret) return PASS;
      const bar = await windowMark('secret', `limit:secret-bar:${await secretSubject(ip, holder)}`, limits.secret.windowMs);
      const until = Math.max(bar.shared, bar.local);
      const { degraded } = bar;
      if (!(until > now())) return { ok: true, degraded };
      return refused('secret', until - now(), degraded);
    },

    async secretFailed(ip, holder) {
      const limit = limits.secret;
      if (!limit) return PASS;
      const subject = await secretSubject(ip, holder);
      const countKey = `limit:secret:${subject}`;
      const barKey = `limit:secret-bar:${subject}`;
      const fallback = fallbackOf('secret');
      // Counted in the shared store, else (`local`) in this instance's fallback.
      const { value: window, degraded: local } = await withStore('secret', (s) => s.hit(countKey, limit.windowMs));
      const store = local ? fallback : storeOf('secret');
      // Each wrong secret is counted in one store or the other: the count is both together.
      const other = local ? await readShared('secret', countKey) : { value: await fallback.get(countKey), degraded: false };
      const degraded = local || other.degraded;
      const count = window.count + (Number(other.value) || 0);
      if (count >= limit.max) {
        // The bar holds its end time, so that a barred request can say when to come back without a count.
        const until = String(now() + window.resetMs);
        await store.set(barKey, until, window.resetMs).catch(() => fallback.set(barKey, until, window.resetMs));
      }
      // Refused by the count, not the bar: the whole window, as a right secret refused by the count is told.
      return count > limit.max ? refused('secret', limit.windowMs, degraded) : { ok: true, degraded };
    },

    async secretAccepted(ip, holder) {
      const limit = limits.secret;
      if (!limit) return PASS;
      // A window counted by hit() reads as its count; the wrong secrets are the shared store's and this instance's.
      const { value: count, degraded } = await secretNumber(`limit:secret:${await secretSubject(ip, holder)}`, (shared, local) => shared + local);
      return count >= limit.max ? refused('secret', limit.windowMs, degraded) : { ok: true, degraded };
    },
  };
}
