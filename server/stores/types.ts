// The small store interface behind rate limits, used token ids and the result cache (memory or Redis).

export interface WindowCount {
  /** Hits in the current window, this one included. */
  readonly count: number;
  /** Milliseconds until the window resets. */
  readonly resetMs: number;
}

export interface Store {
  /**
   * Counts one hit against `key` in a fixed window of `windowMs`; `get(key)` reads the count, as decimal text. A
   * window under way that would end more than `windowMs` from now (counted when the window was longer: its limit
   * shortened since) ends `windowMs` from now, so that a window shortened by configuration applies at once.
   */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /**
   * Sets `key` for `ttlMs` only if it is absent; true when this call set it. `value` is what the key holds while
   * claimed (a store picks its own when none is given), for others to tell this claim from another: a store must
   * keep it, or requests sharing a pair's upstream call across instances cannot share its failure.
   */
  claim(key: string, ttlMs: number, value?: string): Promise<boolean>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
  /** How the store's backend is doing, for `/healthz`, `/metrics` and the dashboard; none for a store in memory. */
  health?(): StoreHealth;
}

/** A shared store's state: `up`, `down` (with why, when known) or `unknown` before its first answer. */
export interface StoreHealth {
  readonly state: 'up' | 'down' | 'unknown';
  /** When it entered that state, in ms since the epoch. */
  readonly since: number;
  readonly reason?: string;
  /**
   * Whether it may evict keys, which can drop used-token marks and limit counts: a Redis whose `maxmemory-policy` is
   * not `noeviction` under a `maxmemory`, or that has evicted some; absent when not known (Redis refuses INFO).
   */
  readonly evicting?: boolean;
  /** What makes the store unfit though it answers, when it says so (why it may evict keys). */
  readonly warning?: string;
}

/**
 * A store that answers at once (the memory store). A hot path that knows it may read and write without
 * waiting a turn of the event loop for a promise that is already settled. Such a caller uses these two in place
 * of `get` and `set`: a wrapper that overrides `get` and `set` (to count or fail them) overrides these too.
 */
export interface ImmediateStore extends Store {
  getNow(key: string): string | null;
  setNow(key: string, value: string, ttlMs: number): void;
}

export function isImmediate(store: Store): store is ImmediateStore {
  return typeof (store as Partial<ImmediateStore>).getNow === 'function' && typeof (store as Partial<ImmediateStore>).setNow === 'function';
}

/**
 * Thrown by a store that cannot reach its backend (Redis down, timed out). Each caller decides whether to fail
 * open or closed: rate limits fall back to per-instance counting, single-use token claims refuse (503).
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(readonly reason: string) {
    super(`store unavailable: ${reason}`);
  }
}
