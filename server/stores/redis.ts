// The Redis store: state shared by every proxy instance that points at the same REDIS_URL (Node only, via ioredis).
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, type Store, type WindowCount } from './types.js';

export interface RedisStoreOptions {
  /** Prefix of every key, so that one Redis can serve several deployments. */
  readonly prefix?: string;
  /** Longest wait for one command before it counts as an outage, in milliseconds. */
  readonly commandTimeoutMs?: number;
  /** Told when the connection goes down or comes back, once per change (not once per command). */
  readonly onStateChange?: (state: 'up' | 'down', reason?: string) => void;
}

/**
 * Counts a hit in a fixed window atomically: INCR, the time left (PTTL), and PEXPIRE when the key has no expiry
 * yet (first hit, or a key left without one). One round trip, and no window can be left without an end.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/**
 * How long commands fail at once after one timed out. A hung Redis keeps its connection open, so without this
 * every command of every request would wait out its own timeout; one probe per period waits instead.
 */
const HUNG_BACKOFF_MS = 1000;

/**
 * Options for a client that fails fast instead of queueing: while Redis is away a command rejects at once (or
 * after `commandTimeoutMs` when Redis hangs), so that callers can degrade instead of piling up requests.
 * Reconnection goes on in the background with a capped back-off.
 */
export function redisClientOptions(commandTimeoutMs = 500): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  };
}

export class RedisStore implements Store {
  readonly client: Redis;
  private readonly prefix: string;
  private readonly hitCommand: HitCommand;
  private state: 'up' | 'down' | 'unknown' = 'unknown';
  private failFastUntil = 0;
  /** Reports a change of state to `onStateChange`, once per change. */
  private readonly change: (state: 'up' | 'down', reason?: string) => void;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? 'cv:';
    this.client = new Redis(url, redisClientOptions(options.commandTimeoutMs));
    this.client.defineCommand('cvHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.hitCommand = (this.client as unknown as { cvHit: HitCommand }).cvHit.bind(this.client);
    this.change = (state, reason) => {
      if (this.state === state) return;
      this.state = state;
      options.onStateChange?.(state, reason);
    };
    this.client.on('ready', () => this.change('up'));
    // Without a listener ioredis prints every failed reconnection; the state change is reported once instead.
    this.client.on('error', (error: Error & { code?: string }) => this.change('down', error.code ?? error.name));
    this.client.on('close', () => this.change('down', 'connection closed'));
  }

  /** Resolves once connected, or after `timeoutMs` without throwing: a proxy starts even while Redis is away. */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (Date.now() < this.failFastUntil) throw new StoreUnavailableError('redis timed out recently');
    let value: T;
    try {
      value = await command();
    } catch (error) {
      const message = error instanceof Error ? error.message : 'redis command failed';
      if (/timed out/i.test(message)) {
        this.failFastUntil = Date.now() + HUNG_BACKOFF_MS;
        // A hung Redis keeps its connection, so no connection event says it is down: the timeout does.
        this.change('down', 'command timed out');
      }
      throw new StoreUnavailableError(message);
    }
    // An answer after a hang: Redis is back, though the connection never went.
    if (this.state === 'down') this.change('up');
    return value;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetMs] = await this.run(() => this.hitCommand(this.prefix + key, Math.max(1, Math.round(windowMs))));
    return { count: Number(count), resetMs: Number(resetMs) };
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const answer = await this.run(() => this.client.set(this.prefix + key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
    return answer === 'OK';
  }

  async get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
