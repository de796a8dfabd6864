// The in-process store: correct for one instance; several instances need the Redis store.
import type { Store, WindowCount } from './types.js';

export interface MemoryStoreOptions {
  /** Most keys kept; the oldest are dropped first. */
  readonly maxKeys?: number;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
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
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const entry = this.live(key);
    if (!entry) {
      this.put(key, '1', windowMs);
      return { count: 1, resetMs: windowMs };
    }
    entry.value = String(Number(entry.value) + 1);
    return { count: Number(entry.value), resetMs: entry.expiresAt - this.now() };
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, '1', ttlMs);
    return true;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
