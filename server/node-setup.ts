// What a Node backend adds to createApp, worked out from the environment as `npm start` does: undici's pooled
// transport for upstream calls, node:crypto's hasher, the access log on stdout, the Prometheus registry, the
// client address from the socket, the built files (the script-tag bundle and the pages),
// and the shared Redis store when REDIS_URL is set.
import { getConnInfo } from '@hono/node-server/conninfo';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type AppConfig, type LogLine } from './config.js';
import { promRegistry } from './metrics-prom.js';
import { fileAssets } from './node-assets.js';
import { nodeHasher } from './node-hasher.js';
import { stdoutLog } from './node-log.js';
import { RedisDatabaseError, RedisStore } from './stores/redis.js';
import { checkTokenKeys } from './tokens.js';
import { createNodeTransport } from './transport-node.js';

/**
 * The built files: `dist/` beside `server/` when run from the sources, else the `dist/` this file was compiled
 * into (the package's: the script-tag bundle and its map, and the pages in `site/`).
 */
const dist = fileURLToPath(new URL(/\/dist\/server\/[^/]+$/.test(import.meta.url) ? '../' : '../dist/', import.meta.url));

export interface NodeAppSetup {
  /** The settings for `createApp`: the environment's, with the Node parts above (and `overrides` over them). */
  readonly app: AppConfig;
  /** `PORT`, for a program that listens itself. */
  readonly port: number;
  /** Closes what the setup opened: the Redis connection and the pooled upstream connections. */
  close(): Promise<void>;
}

/**
 * Reads and checks the environment (a ConfigError names the first bad setting), connects Redis when REDIS_URL is
 * set (the proxy starts even when it is away, and catches up when it comes back) and returns the settings for
 * `createApp`. `overrides` replace any part: a log of your own, a store, a remote address for another server.
 */
export async function nodeAppConfig(env: Record<string, string | undefined>, overrides: AppConfig = {}): Promise<NodeAppSetup> {
  // Upstream calls go through undici's keep-alive pool: Node's global fetch opens and tears down far more.
  const transport = createNodeTransport();
  try {
    const settings = loadConfig(env, transport);
    if (settings.app.tokenKeys) {
      await checkTokenKeys(settings.app.tokenKeys).catch((error: Error) => {
        throw new ConfigError('CARRIER_VERIFY_TOKEN_KEYS', error.message);
      });
    }
    const log = overrides.log ?? stdoutLog();
    const redis = settings.redisUrl && !overrides.store ? await connectRedis(settings.redisUrl, log) : undefined;
    const app: AppConfig = {
      log,
      assets: fileAssets(dist),
      remoteAddress: (c) => getConnInfo(c).remote.address,
      metricRegistry: promRegistry(),
      hasher: nodeHasher,
      ...(redis ? { store: redis } : {}),
      ...settings.app,
      ...overrides,
    };
    // One close however often it is called (a signal handler and a cleanup both may).
    let closing: Promise<void> | undefined;
    return {
      app,
      port: settings.port,
      close: () =>
        (closing ??= (async () => {
          await redis?.close();
          await transport.close();
        })()),
    };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/** The store's state is logged at most twice within this time: a state that flaps faster is told as it settles. */
export const STORE_STATE_LOG_MS = 1000;

/**
 * Logs each change of the store's state, at most two lines within `intervalMs` (a fall and the recovery are both told
 * at once): a Redis at the edge of its memory can be down and up again many times a second, as writes are refused and
 * keys expire, and a line each would bury the rest of the log. The changes held back are counted on the next line
 * (`changes`), written once the interval allows, with the state then, so the log never ends on a state the store has
 * left.
 */
export function storeStateLog(log: (line: LogLine) => void, intervalMs = STORE_STATE_LOG_MS): (state: 'up' | 'down', reason?: string, at?: number) => void {
  // When the last two lines were written.
  let earlierAt = -Infinity;
  let lastAt = -Infinity;
  let held: { state: 'up' | 'down'; reason?: string; changes: number } | undefined;
  /** Writes a line; `at`, when the change happened, if that was before now (a change held back, or told late). */
  const write = (state: 'up' | 'down', reason: string | undefined, changes?: number, at?: number) => {
    earlierAt = lastAt;
    lastAt = Date.now();
    log({ time: new Date(at ?? lastAt).toISOString(), level: state === 'up' ? 'info' : 'warn', event: `store-${state}`, store: 'redis', reason, ...(changes ? { changes } : {}) });
  };
  const flush = () => {
    const due = held!;
    held = undefined;
    write(due.state, due.reason, due.changes);
  };
  return (state, reason, at) => {
    if (held) {
      held = { state, reason, changes: held.changes + 1 };
    } else if (Date.now() - earlierAt < intervalMs) {
      held = { state, reason, changes: 1 };
      setTimeout(flush, earlierAt + intervalMs - Date.now()).unref();
    } else {
      write(state, reason, undefined, at);
    }
  };
}

/**
 * Connects the shared store; each change of its state is logged (see storeStateLog). A Redis that answers but has no
 * such database as REDIS_URL names is a bad setting (a ConfigError), never a reason to run on database 0.
 */
async function connectRedis(url: string, log: (line: LogLine) => void): Promise<RedisStore> {
  const tell = storeStateLog(log);
  // Held until the start-up check is over: a database the server does not have stops the proxy with a ConfigError
  // that says so, and a store-down line before it would tell the same thing twice.
  let held: [state: 'up' | 'down', reason: string | undefined, at: number][] | undefined = [];
  const store = new RedisStore(url, {
    onStateChange: (state, reason) => (held ? held.push([state, reason, Date.now()]) : tell(state, reason)),
    // Up, and yet unfit: keys it may evict include the used-token marks. An error, since single use is at stake.
    onEviction: (state, warning) =>
      log({
        time: new Date().toISOString(),
        level: state === 'evicting' ? 'error' : state === 'unchecked' ? 'warn' : 'info',
        event: state === 'evicting' ? 'store-evicting' : state === 'unchecked' ? 'store-eviction-unchecked' : 'store-evicting-over',
        store: 'redis',
        reason: state === 'unchecked' ? 'INFO refused: whether Redis may evict used-token marks is not known' : warning,
      }),
  });
  const told = () => {
    const due = held ?? [];
    held = undefined;
    // Each line with the time of its change, not of its release (up to the check's 2 s later).
    for (const [state, reason, at] of due) tell(state, reason, at);
  };
  try {
    await store.ready();
  } catch (error) {
    store.client.disconnect();
    if (error instanceof RedisDatabaseError) throw new ConfigError('REDIS_URL', error.message);
    told();
    throw error;
  }
  told();
  return store;
}
