// Helpers for in-process proxy tests: an app on the sandbox with a short timeout, and JSON requests to it.
import { createApp } from '../../server/app.js';
import { sandboxProvider, type AppConfig, type LogLine } from '../../server/config.js';
import { generateTokenKey } from '../../server/tokens.js';

export const TEST_TIMEOUT_MS = 300;

/**
 * In-process requests come with no socket, as `app.request()` sends them: the app's one warning that it has no client
 * address is left out of `logs`, which hold what each test's requests log (a test of the warning logs on its own).
 */
export function testApp(overrides: AppConfig = {}) {
  const logs: LogLine[] = [];
  const log = (line: LogLine) => void (line.event === 'client-address-unknown' || logs.push(line));
  const app = createApp({ providers: [sandboxProvider(TEST_TIMEOUT_MS)], log, ...overrides });
  return Object.assign(app, { logs });
}

/** The secrets instances on one shared store must share, which createApp asks for with such a store. */
export async function sharedSecrets(label = 'shared'): Promise<Pick<AppConfig, 'hashSecret' | 'tokenKeys'>> {
  return { hashSecret: `${label}-hash-secret-`.padEnd(48, 'x'), tokenKeys: [await generateTokenKey(label)] };
}

export async function postJson(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
