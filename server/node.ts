// The Node entry: reads the environment, builds the app and serves it on PORT (8787 by default).
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type AppConfig, type LogLine } from './config.js';
import { promRegistry } from './metrics-prom.js';
import { fileAssets } from './node-assets.js';
import { nodeHasher } from './node-hasher.js';
import { createNodeTransport } from './transport-node.js';
import { RedisStore } from './stores/redis.js';
import { checkTokenKeys } from './tokens.js';

export interface RunningServer {
  readonly server: ServerType;
  readonly port: number;
  close(): Promise<void>;
}

/** The built pages and bundle: `dist/` beside `server/`, or the folder this file was compiled into (dist/server/node.js). */
const dist = fileURLToPath(new URL(import.meta.url.endsWith('/dist/server/node.js') ? '../' : '../dist/', import.meta.url));

/** Starts the proxy; `overrides` replace what the environment says (tests use it). */
export async function startServer(env: Record<string, string | undefined>, overrides: AppConfig = {}): Promise<RunningServer> {
  // Upstream calls go through undici's keep-alive pool: Node's global fetch opens and tears down far more.
  const transport = createNodeTransport();
  const settings = loadConfig(env, transport);
  if (settings.app.tokenKeys) {
    await checkTokenKeys(settings.app.tokenKeys).catch((error: Error) => {
      throw new ConfigError('CARRIER_VERIFY_TOKEN_KEYS', error.message);
    });
  }
  const log = overrides.log ?? stdoutLog();
  const redis = settings.redisUrl && !overrides.store ? await connectRedis(settings.redisUrl, log) : undefined;
  const app = createApp({
    log,
    assets: fileAssets(dist),
    remoteAddress: (c) => getConnInfo(c).remote.address,
    metricRegistry: promRegistry(),
    hasher: nodeHasher,
    ...(redis ? { store: redis, storeKind: 'redis' as const } : {}),
    ...settings.app,
    ...overrides,
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: settings.port, hostname: env.HOST ?? '0.0.0.0' }, (info) => {
      resolve({
        server,
        port: info.port,
        close: () =>
          new Promise<void>((done) => server.close(() => done()))
            .then(() => redis?.close())
            .then(() => transport.close()),
      });
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      void redis?.close();
      void transport.close();
      reject(listenError(error, settings.port, env.HOST));
    });
  });
}

/** Why the proxy could not listen, as a ConfigError naming the setting to change. */
function listenError(error: NodeJS.ErrnoException, port: number, host: string | undefined): Error {
  if (error.code === 'EADDRINUSE') return new ConfigError('PORT', `port ${port} is already in use`);
  if (error.code === 'EACCES') return new ConfigError('PORT', `port ${port} needs privileges this process does not have`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new ConfigError('HOST', `cannot listen on "${host}": not an address of this machine`);
  }
  return error;
}

/**
 * One JSON line a request on stdout. Lines written in the same turn of the event loop go out in one write:
 * under load that is one system call for many requests instead of one each.
 */
export function stdoutLog(): (line: LogLine) => void {
  let pending = '';
  const flush = () => {
    const chunk = pending;
    pending = '';
    if (chunk) process.stdout.write(chunk);
  };
  process.once('exit', flush);
  return (line) => {
    if (!pending) setImmediate(flush);
    pending += `${JSON.stringify(line)}\n`;
  };
}

/**
 * Connects the shared store. The proxy starts even when Redis is away (limits then count per instance, token
 * redemption answers 503) and catches up when it comes back; each change of state is logged once.
 */
async function connectRedis(url: string, log: (line: LogLine) => void): Promise<RedisStore> {
  const store = new RedisStore(url, {
    onStateChange: (state, reason) => log({ time: new Date().toISOString(), level: state === 'up' ? 'info' : 'warn', event: `store-${state}`, store: 'redis', reason }),
  });
  await store.ready();
  return store;
}

/**
 * Runs the proxy as a program: reads the environment, listens, logs one line to stderr, stops cleanly on SIGINT
 * and SIGTERM, and exits with 1 and one line naming the setting when the configuration is bad.
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningServer | undefined> {
  try {
    const running = await startServer(env);
    const sandbox = env.CARRIER_VERIFY_PROVIDERS ? '' : ' on the sandbox provider';
    process.stderr.write(`carrier-verify listening on http://localhost:${running.port}${sandbox}\n`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return running;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`carrier-verify: bad configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
