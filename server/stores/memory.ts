// The in-process store: correct for one instance; several instances need the Redis store.
import { StoreUnavailableError, type ImmediateStore, type WindowCount } from './types.js';

export interface MemoryStoreOptions {
  /** Most keys kept. When full, expired keys are swept first; then see `whenFull`. */
  readonly maxKeys?: number;
  /**
   * What a full store does with live keys: `evict-oldest` (counters and caches, where losing an old key is
   * cheap) or `refuse` to add the new one (single-use marks, where losing one would let a token be used twice).
   */
  readonly whenFull?: 'evict-oldest' | 'refuse';
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryStore implements ImmediateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly whenFull: 'evict-oldest' | 'refuse';
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.whenFull = options.whenFull ?? 'evict-oldest';
    this.now = options.now ?? Date.now;
  }

  private lastSweep = -Infinity;
  /**
   * Walks the keys oldest first, kept from one eviction to the next. A Map keeps deleted keys as holes until it
   * is rebuilt, so a fresh `keys().next()` on a full store would step over every key evicted so far, on every
   * write; this iterator resumes where it stopped. A Map iterator stays valid while the map changes: it skips
   * deleted keys and reaches keys added (or set again) after it started.
   */
  private oldestFirst: Iterator<string> | undefined;

  /** Drops expired keys; at most once a second, so that a full store does not scan itself on every write. */
  private sweepExpired(): void {
    const now = this.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: string, ttlMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxKeys) this.sweepExpired();
    if (this.entries.size >= this.maxKeys) {
      if (this.whenFull === 'refuse') throw new StoreUnavailableError(`memory store full (${this.maxKeys} live keys)`);
      const oldest = this.nextOldest();
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  /** The oldest key still held; a finished iterator (one that passed every key) is started again. */
  private nextOldest(): string | undefined {
    let step = this.oldestFirst?.next();
    if (!step || step.done) {
      this.oldestFirst = this.entries.keys();
      step = this.oldestFirst.next();
    }
    return step.done ? undefined : step.value;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const entry = this.live(key);
    if (!entry) {
      this.put(key, '1', windowMs);
      return { count: 1, resetMs: windowMs };
    }
    entry.value = String(Number(entry.value) + 1);
    // A window counted when it was longer (its limit shortened since) ends within the new one.
    entry.expiresAt = Math.min(entry.expiresAt, this.now() + windowMs);
    return { count: Number(entry.value), resetMs: entry.expiresAt - this.now() };
  }

  async claim(key: string, ttlMs: number, value = '1'): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, value, ttlMs);
    return true;
  }

  async get(key: string): Promise<string | null> {
    return this.getNow(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  getNow(key: string): string | null {
    return this.live(key)?.value ?? null;
  }

  setNow(key: string, value: string, ttlMs: number): void {
    this.put(key, value, ttlMs);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
