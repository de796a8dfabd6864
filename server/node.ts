// The Node entry: reads the environment, builds the app and serves it on PORT (8787 by default).
import { serve, type ServerType } from '@hono/node-server';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { fileAssets } from './node-assets.js';

export interface RunningServer {
  readonly server: ServerType;
  readonly port: number;
  close(): Promise<void>;
}

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** Starts the proxy; `overrides` replace what the environment says (tests use it). */
export async function startServer(env: Record<string, string | undefined>, overrides: AppConfig = {}): Promise<RunningServer> {
  const settings = loadConfig(env);
  const app = createApp({
    log: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
    assets: fileAssets(dist),
    ...settings.app,
    ...overrides,
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: settings.port, hostname: env.HOST ?? '0.0.0.0' }, (info) => {
      resolve({
        server,
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const running = await startServer(process.env);
    const sandbox = process.env.CARRIER_VERIFY_PROVIDERS ? '' : ' on the sandbox provider';
    process.stderr.write(`carrier-verify listening on http://localhost:${running.port}${sandbox}\n`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`carrier-verify: bad configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
