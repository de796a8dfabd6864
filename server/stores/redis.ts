// The Redis store: state shared by every proxy instance that points at the same REDIS_URL (Node only, via ioredis).
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, type Store, type StoreHealth, type WindowCount } from './types.js';

export interface RedisStoreOptions {
  /** Prefix of every key, so that one Redis can serve several deployments. */
  readonly prefix?: string;
  /** Longest wait for one command before it counts as an outage, in milliseconds. */
  readonly commandTimeoutMs?: number;
  /**
   * Told when the connection goes down or comes back, once per change (not once per command); and once more, with
   * the new reason, when a store already down learns a cause to fix (a password refused, a database missing).
   */
  readonly onStateChange?: (state: 'up' | 'down', reason?: string) => void;
  /**
   * Told, once per change, whether Redis may evict keys (`evicting`, with why), may not (`safe`), or cannot be asked
   * (`unchecked`: INFO refused); see RedisStore.watchEviction.
   */
  readonly onEviction?: (state: EvictionState, warning?: string) => void;
  /** How often the eviction settings are read again after each connection's first look, in ms (default a minute; 0: only that look). */
  readonly evictionCheckMs?: number;
  /**
   * How long commands may go on timing out on one connection before it is dropped and opened anew, in ms (default
   * 5 s); see RECONNECT_AFTER_MS.
   */
  readonly reconnectAfterMs?: number;
}

/**
 * Counts a hit in a fixed window atomically: INCR, the time left (PTTL), and PEXPIRE when the key has no expiry
 * yet (first hit, or a key left without one), or one that ends past the window (counted when the window was longer:
 * a limit shortened since, which would otherwise hold its old window, a day say, after the restart that shortened
 * it). One round trip, and no window can be left without an end.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ttl > tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/** Deletes a key only while it holds the given value: withdraws one claim, never another that took its place. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

type ReleaseCommand = (key: string, value: string) => Promise<number>;

/**
 * How long commands fail at once after one timed out. A hung Redis keeps its connection open, so without this
 * every command of every request would wait out its own timeout; one probe per period waits instead, the others
 * going on failing at once until it has its answer.
 */
const HUNG_BACKOFF_MS = 1000;

/**
 * How often a store that is down while its connection stays (a hang, a refusal) asks Redis whether it is back, in
 * ms, when no request does: an idle instance would otherwise say `down` long after Redis answers again.
 */
const RECOVERY_PROBE_MS = 2000;

/**
 * How long commands may go on timing out on one connection before it is dropped and a new one opened, in ms. A
 * connection that died without a word (a NAT or firewall that forgot it, a failover that moved Redis to another
 * host, a network path gone) looks like a hung Redis: nothing answers, nothing closes it, and TCP takes a quarter of
 * an hour to give up on it, all that time after Redis answers again on a new connection. A Redis that really hangs
 * loses nothing by it: the new connection waits for it as the old one did.
 */
const RECONNECT_AFTER_MS = 5000;

/** Whether an error is a command (or a connection's ready check) that got no answer in time. */
const timedOut = (error: unknown): boolean => error instanceof Error && /timed out/i.test(error.message);

export type EvictionState = 'evicting' | 'safe' | 'unchecked';

/** Reads `key:value` out of an INFO section. */
function infoField(info: string, key: string): string | undefined {
  return new RegExp(`^${key}:(.*?)\\r?$`, 'm').exec(info)?.[1];
}

/**
 * Error replies from a Redis that is up but serves no write (out of memory under `noeviction`, a read-only replica,
 * a failed save, missing or wrong credentials, still loading its data, busy with a script, a master gone): an
 * outage for this product, unlike an error about the command itself (WRONGTYPE, a syntax error).
 */
const REFUSALS = new Set(['OOM', 'READONLY', 'MISCONF', 'NOAUTH', 'WRONGPASS', 'NOPERM', 'LOADING', 'BUSY', 'MASTERDOWN', 'NOREPLICAS', 'CLUSTERDOWN']);

/** The refusals of the connection's credentials: a password missing (NOAUTH) or refused (WRONGPASS). */
const AUTH_REFUSALS = new Set(['NOAUTH', 'WRONGPASS']);

/**
 * The code of an error reply that means the server refuses to serve (its first word, never the message, which
 * names the script and could name more), or undefined for any other error. Redis 6 wraps an error raised inside a
 * script as `ERR Error running script … -OOM …`: the code inside counts.
 */
function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const code = /^[A-Z]+/.exec(error.message)?.[0];
  if (code && REFUSALS.has(code)) return code;
  const inScript = code === 'ERR' ? /^ERR Error running script\b.*?-([A-Z]+) /s.exec(error.message)?.[1] : undefined;
  return inScript && REFUSALS.has(inScript) ? inScript : undefined;
}

/** Most claims kept for withdrawal on the next connection (see RedisStore.unreleased). */
const MAX_UNRELEASED = 10_000;

/**
 * Why a script was refused, when it was refused as a script: EVAL and EVALSHA renamed away (`unknown command`) or
 * denied by the user's ACL (NOPERM). The windows of the rate limits are scripts: without them the limits cannot be
 * shared, and the store is down for them, however well it serves plain commands.
 */
function scriptRefusalOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  if (/^NOPERM\b/.test(error.message)) return 'scripts refused (NOPERM)';
  if (/^ERR unknown command\b[^\n]*\beval/i.test(error.message)) return 'scripts refused (EVAL unknown)';
  return undefined;
}

/** Thrown by `ready()` when the server refuses the database named in the URL: running on another would be wrong. */
export class RedisDatabaseError extends Error {
  override readonly name = 'RedisDatabaseError';
}

/**
 * Options for a client that fails fast instead of queueing: while Redis is away a command rejects at once (or
 * after `commandTimeoutMs` when Redis hangs), so that callers can degrade instead of piling up requests.
 * Reconnection goes on in the background with a capped back-off.
 */
function redisClientOptions(commandTimeoutMs = 500): RedisOptions {
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
  private readonly releaseCommand: ReleaseCommand;
  private state: 'up' | 'down' | 'unknown' = 'unknown';
  /** When `state` last changed (or the store was made), and the reason given for a `down`. */
  private since = Date.now();
  private reason: string | undefined;
  private failFastUntil = 0;
  /** Set when a command timed out: until one answers again, one command at a time is sent to find out. */
  private hung = false;
  /** When commands began timing out on this connection, while they go on doing so: see RECONNECT_AFTER_MS. */
  private hungSince: number | undefined;
  private readonly reconnectAfterMs: number;
  /** Set from the moment a dead connection is dropped until it has closed: nothing more is sent on it. */
  private replacing = false;
  private probing = false;
  /** Down because writes were refused: a read that succeeds (Redis out of memory still answers GET) is no recovery. */
  private writesRefused = false;
  /** Down because scripts were refused (see scriptRefusalOf): only a script that runs is a recovery. */
  private scriptsRefused = false;
  /**
   * Why this connection may not be used, when the server refused to SELECT the URL's database: ioredis would go on
   * in database 0. Cleared on each new connection, which selects again.
   */
  private wrongDatabase: string | null = null;
  /** Reports a change of state to `onStateChange`, once per change. */
  private readonly change: (state: 'up' | 'down', reason?: string) => void;
  /** Whether Redis may evict keys, as last found (see watchEviction); undefined before the first look. */
  private eviction: EvictionState | undefined;
  /** Why keys may be evicted, while they may. */
  private warning: string | undefined;
  /** `evicted_keys` at the last look, to tell keys evicted since. */
  private evictedKeys: number | undefined;
  /** Keys were seen evicted under the current policy: said until the policy no longer evicts. */
  private evictedSeen = false;
  private readonly onEviction: ((state: EvictionState, warning?: string) => void) | undefined;
  private evictionTimer: ReturnType<typeof setInterval> | undefined;
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /**
   * Claims to withdraw whose withdrawal could not be written: their connection went (with the SET's answer, maybe
   * after Redis carried it out). Sent as soon as the store is up again, on the new connection; dropped once the claim
   * would have expired anyway. At most MAX_UNRELEASED, the oldest dropped first.
   */
  private readonly unreleased = new Map<string, { readonly key: string; readonly mark: string; readonly until: number }>();

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? 'cv:';
    this.reconnectAfterMs = options.reconnectAfterMs ?? RECONNECT_AFTER_MS;
    this.client = new Redis(url, redisClientOptions(options.commandTimeoutMs));
    this.client.defineCommand('cvHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.hitCommand = (this.client as unknown as { cvHit: HitCommand }).cvHit.bind(this.client);
    this.client.defineCommand('cvRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.releaseCommand = (this.client as unknown as { cvRelease: ReleaseCommand }).cvRelease.bind(this.client);
    this.change = (state, reason) => {
      // Once per change; but a store already down that learns a cause the operator has to fix says so once too, in
      // place of the reason it gave, since no later 'up' will follow: the URL's database missing when Redis comes
      // back (it was away at start), or its password refused, once Redis is back asking for another or for one (a
      // restart with `requirepass` shows first as a connection closed, all the store can tell until it connects
      // again). The first refusal stays: a SELECT after a refused AUTH is refused with NOAUTH, every reconnection.
      const news =
        state === 'down' &&
        this.state === 'down' &&
        reason !== undefined &&
        reason !== this.reason &&
        (reason === this.wrongDatabase || (AUTH_REFUSALS.has(reason) && !AUTH_REFUSALS.has(this.reason ?? '')));
      if (this.state === state && !news) return;
      if (this.state !== state) this.since = Date.now();
      this.state = state;
      this.reason = state === 'down' ? reason : undefined;
      if (state === 'up') {
        this.writesRefused = false;
        this.scriptsRefused = false;
        this.releaseUnreleased();
      }
      options.onStateChange?.(state, reason);
    };
    const database = Number(this.client.options.db ?? 0);
    // ioredis sends SELECT on every new connection before it is ready, and reports a refusal only as an 'error'.
    this.client.on('connect', () => (this.wrongDatabase = null));
    this.client.on('ready', () => {
      // A new connection that answered its ready check: what timed out on the last one says nothing of this one.
      this.hung = false;
      this.hungSince = undefined;
      this.failFastUntil = 0;
      this.replacing = false;
      if (!this.wrongDatabase) this.change('up');
      void this.watchEviction();
    });
    this.onEviction = options.onEviction;
    const every = options.evictionCheckMs ?? 60_000;
    if (every > 0) {
      this.evictionTimer = setInterval(() => void this.watchEviction(), every);
      this.evictionTimer.unref?.();
    }
    // Without a listener ioredis prints every failed reconnection; the state change is reported once instead.
    this.client.on('error', (error: Error & { code?: string; command?: { name?: string } }) => {
      // A SELECT refused for want of authentication says nothing of the database: the password is wrong (AUTH's own
      // WRONGPASS came first, and stays the reason) or missing (NOAUTH), as with a URL that names no database.
      if (error.command?.name === 'select' && !/^NOAUTH\b/.test(error.message)) {
        this.wrongDatabase = /DB index is out of range/i.test(error.message)
          ? `database ${database} does not exist on this server`
          : `database ${database} could not be selected (${/^[A-Z]+/.exec(error.message)?.[0] ?? error.name})`;
        this.change('down', this.wrongDatabase);
        return;
      }
      // A refusal (NOAUTH, WRONGPASS…: the connection's own AUTH refused) by its code, as a command's refusal is; a
      // ready check that timed out (a Redis that accepts connections and answers nothing) as a command that did.
      this.change('down', refusalOf(error) ?? error.code ?? (timedOut(error) ? 'command timed out' : error.name));
    });
    this.client.on('close', () => {
      this.replacing = false;
      this.change('down', 'connection closed');
    });
  }

  /**
   * Resolves once connected, or after `timeoutMs` without throwing: a proxy starts even while Redis is away.
   * Rejects with RedisDatabaseError when Redis answers but refuses the URL's database.
   */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') {
      if (this.wrongDatabase) throw new RedisDatabaseError(this.wrongDatabase);
      return true;
    }
    return new Promise((resolve, reject) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        if (ok && this.wrongDatabase) reject(new RedisDatabaseError(this.wrongDatabase));
        else resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  /**
   * Reads Redis's eviction settings (INFO, which managed services allow where CONFIG is refused): under memory
   * pressure a policy other than `noeviction` drops keys, any of them since every key here expires (`volatile-*`
   * too, `volatile-ttl` the short-lived used-token marks first), and a dropped mark lets its token be redeemed again.
   * Nothing the store does tells it: the warning says so, in /healthz, /metrics and the log, as long as it holds.
   * A Redis without a memory limit evicts nothing. A Redis that refuses INFO (an ACL without it) is `unchecked`.
   */
  async watchEviction(): Promise<void> {
    if (this.closed || this.client.status !== 'ready' || this.replacing) return;
    let memory: string;
    let stats: string;
    try {
      [memory, stats] = await Promise.all([this.client.info('memory'), this.client.info('stats')]);
    } catch (error) {
      // Only a refusal (an ACL without INFO) says the settings cannot be read. A Redis that did not answer in time
      // (hung) or a connection that went said nothing of them: what was last found stands, and a hang is an outage.
      if (error instanceof Error && error.name === 'ReplyError') this.noteEviction('unchecked', undefined);
      else if (timedOut(error)) this.noteHang();
      return;
    }
    const policy = infoField(memory, 'maxmemory_policy') ?? 'unknown';
    const limited = Number(infoField(memory, 'maxmemory') ?? 0) > 0;
    const evicted = Number(infoField(stats, 'evicted_keys'));
    if (Number.isFinite(evicted)) {
      // A count lower than the last one was reset (CONFIG RESETSTAT, a restart behind a proxy that kept the connection).
      const before = this.evictedKeys !== undefined && evicted >= this.evictedKeys ? this.evictedKeys : 0;
      if (this.evictedKeys !== undefined && evicted > before) this.evictedSeen = true;
      this.evictedKeys = evicted;
    }
    const evicts = limited && policy !== 'noeviction';
    if (!evicts) this.evictedSeen = false;
    const warning = this.evictedSeen
      ? `keys evicted (maxmemory-policy ${policy}): used tokens may be accepted again; set maxmemory-policy noeviction`
      : evicts
        ? `maxmemory-policy ${policy} may evict used-token marks and limit counts; set noeviction`
        : undefined;
    this.noteEviction(warning ? 'evicting' : 'safe', warning);
  }

  /**
   * Keeps what watchEviction found; tells `onEviction` when the state changes, not when the words do. Safe is news
   * only after evicting: found at the first look, or once INFO is allowed again, it is nothing to tell.
   */
  private noteEviction(state: EvictionState, warning: string | undefined): void {
    this.warning = warning;
    if (state === this.eviction) return;
    const before = this.eviction;
    this.eviction = state;
    if (state !== 'safe' || before === 'evicting') this.onEviction?.(state, warning);
  }

  /** While down with its connection open (a hang, a refusal), asks Redis now and then whether it is back. */
  private probeRecovery(): void {
    if (this.recoveryTimer || this.closed) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      if (this.state !== 'down' || this.closed || this.wrongDatabase || this.replacing || this.client.status !== 'ready') return;
      // A write, since a Redis that refuses writes still answers reads; a key of its own, gone in a second. A script
      // when scripts were refused: plain commands never were.
      const probe = `${this.prefix}probe`;
      const asked = this.scriptsRefused ? this.run(() => this.hitCommand(probe, 1000), true, true) : this.run(() => this.client.set(probe, '1', 'PX', 1000), true);
      asked.catch(() => this.probeRecovery());
    }, RECOVERY_PROBE_MS);
    this.recoveryTimer.unref?.();
  }

  /**
   * Runs one command; `writes` says whether it writes, and `script` whether it is a script, for telling a recovery
   * from a command that never failed.
   */
  private async run<T>(command: () => Promise<T>, writes: boolean, script = false): Promise<T> {
    // Never database 0 in place of the one asked for: down until a new connection selects it.
    if (this.wrongDatabase) throw new StoreUnavailableError(this.wrongDatabase);
    if (this.replacing) throw new StoreUnavailableError('redis connection being replaced');
    if (Date.now() < this.failFastUntil || this.probing) throw new StoreUnavailableError('redis timed out recently');
    const probe = this.hung;
    if (probe) this.probing = true;
    let value: T;
    try {
      value = await command();
    } catch (error) {
      const message = error instanceof Error ? error.message : 'redis command failed';
      const scriptRefusal = script ? scriptRefusalOf(error) : undefined;
      const refusal = refusalOf(error);
      // Only a timeout says Redis hangs; any other failure is an answer, or a connection that is gone.
      this.hung = timedOut(error);
      if (this.hung) {
        this.noteHang();
      } else if (scriptRefusal) {
        // Plain commands go on working: they must not say it is back, once a request, while no window can be counted.
        this.scriptsRefused = true;
        this.change('down', scriptRefusal);
        this.probeRecovery();
      } else if (refusal) {
        // Up but refusing (out of memory, read-only, …): no connection event says so either; the error reply does.
        this.writesRefused = true;
        this.change('down', refusal);
        this.probeRecovery();
      }
      throw new StoreUnavailableError(message);
    } finally {
      if (probe) this.probing = false;
    }
    this.hung = false;
    this.hungSince = undefined;
    // An answer after a hang or a refusal: Redis is back, though the connection never went.
    if (this.state === 'down' && (writes || !this.writesRefused) && (script || !this.scriptsRefused)) this.change('up');
    return value;
  }

  /**
   * A command got no answer in time: Redis hangs, or the connection died without a word. Commands fail at once for a
   * moment, the store is down, and it asks now and then whether Redis is back; once commands have gone on timing out
   * for `reconnectAfterMs`, the connection is dropped and a new one opened (see RECONNECT_AFTER_MS).
   */
  private noteHang(): void {
    this.hung = true;
    this.failFastUntil = Date.now() + HUNG_BACKOFF_MS;
    // A hung Redis keeps its connection, so no connection event says it is down: the timeout does.
    this.change('down', 'command timed out');
    const since = (this.hungSince ??= Date.now());
    if (Date.now() - since < this.reconnectAfterMs || this.client.status !== 'ready' || this.replacing) {
      this.probeRecovery();
      return;
    }
    this.hungSince = undefined;
    this.replacing = true;
    // Past this turn: the command that timed out, a claim, sends its withdrawal first, on this connection after its
    // SET (while Redis hangs, one command at a time is sent, so no other is waiting there). Ending the connection
    // sends what was written before it closes; ioredis then opens a new one, as after any close.
    setTimeout(() => {
      if (!this.closed) this.client.disconnect(true);
    }, 0).unref?.();
  }

  health(): StoreHealth {
    return {
      state: this.state,
      since: this.since,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.eviction === 'evicting' || this.eviction === 'safe' ? { evicting: this.eviction === 'evicting' } : {}),
      ...(this.warning ? { warning: this.warning } : {}),
    };
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetMs] = await this.run(() => this.hitCommand(this.prefix + key, Math.max(1, Math.round(windowMs))), true, true);
    return { count: Number(count), resetMs: Number(resetMs) };
  }

  /**
   * A claim that fails, timed out, is withdrawn: Redis may still carry out the SET once it resumes (a write pause
   * in a failover, a slow moment), and the caller has been told there is no claim (a token not spent, a flight not
   * taken). Each claim holds a value of its own, and the release goes on the same connection after it, so it runs
   * after the SET and removes that claim only. A SET whose answer was lost with its connection, perhaps carried out,
   * is withdrawn on the next connection, once the store is up again (see `unreleased`): the token it claimed was
   * reported unspent, and must be redeemable when its backend asks again.
   */
  async claim(key: string, ttlMs: number, value?: string): Promise<boolean> {
    const fullKey = this.prefix + key;
    // The caller's value must be its own as much as this one: the release below removes the key while it holds it.
    const mark = value ?? crypto.randomUUID();
    let sent = false;
    try {
      const answer = await this.run(() => {
        sent = true;
        return this.client.set(fullKey, mark, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      }, true);
      return answer === 'OK';
    } catch (error) {
      // Past the fail-fast of `run`: it is this command's own outcome that has to be undone. Its connection gone,
      // the withdrawal waits for the next one.
      if (sent) this.release(fullKey, mark, Date.now() + ttlMs);
      throw error;
    }
  }

  /**
   * Withdraws a claim (see `claim`); kept for the next connection when its own is closed. Not one that timed out: it
   * was written on a live connection, after its SET, and Redis carries out both in order when it resumes. Sent again,
   * it would remove a later claim holding the same value (the number limit's marks are a client's, not a claim's).
   */
  private release(key: string, mark: string, until: number): void {
    this.releaseCommand(key, mark).catch((error: unknown) => {
      if (this.closed || Date.now() >= until || timedOut(error)) return;
      const id = `${key} ${mark}`;
      this.unreleased.set(id, { key, mark, until });
      if (this.unreleased.size > MAX_UNRELEASED) this.unreleased.delete(this.unreleased.keys().next().value!);
    });
  }

  /** Sends the withdrawals that waited for the store to be up: each once more, kept again if that fails too. */
  private releaseUnreleased(): void {
    const due = [...this.unreleased.values()];
    this.unreleased.clear();
    for (const { key, mark, until } of due) if (Date.now() < until) this.release(key, mark, until);
  }

  async get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.prefix + key), false);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))), true);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.evictionTimer);
    clearTimeout(this.recoveryTimer);
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
