// One server for `npm run bench`, in its own process so that autocannon and the server do not share a core.
// Usage: bench-server.ts <variant> [upstream URL]; prints `listening <port>` on stderr once it accepts requests.
import { getRequestListener, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonAnswer } from '../server/answers.js';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { BatchedResponse, startServer } from '../server/node.js';
import { stdoutLog } from '../server/node-log.js';
import { sandboxVerdict } from '../server/providers/sandbox.js';
import type { Transport } from '../server/providers/types.js';
import { createNodeTransport } from '../server/transport-node.js';
import { DEFAULT_CACHE_ENTRIES } from '../server/cache.js';
import { createMetrics } from '../server/metrics.js';
import { nodeHasher } from '../server/node-hasher.js';
import { maskName, maskPhone } from '../server/privacy.js';
import { resultMessages, type ResultCode as Code } from '../widget/codes.js';
import { checkRequest } from '../widget/validation.js';

/** Rate limits off: the benchmark sends thousands of requests a second from one address. */
const benchEnv = (upstream?: string): Record<string, string | undefined> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  CARRIER_VERIFY_LIMITS: 'ip=off, ip-day=off, number=off, name=off, site=off, secret=off',
  ...(upstream ? { CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'loopback', url: upstream, key: 'bench-key' }]) } : {}),
});

function listenHono(app: { fetch: (request: Request) => Response | Promise<Response> }): void {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready((server.address() as AddressInfo).port));
}

/** Serves a Hono app as the proxy's Node server does: its answers of one turn of the event loop sent together. */
function listenBatched(app: { fetch: (request: Request) => Response | Promise<Response> }): void {
  const server = createServer({ ServerResponse: BatchedResponse }, getRequestListener(app.fetch));
  server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
}

/** A Hono route that relays each body to the upstream through `transport` and answers its code and message. */
function naiveRelay(upstream: string, transport: Transport): void {
  const app = new Hono();
  app.post('/api/verify', async (c) => {
    const answer = await transport(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
      body: JSON.stringify(await c.req.json()),
    });
    const { code, message } = JSON.parse(await answer.text()) as { code: string; message: string };
    return c.json({ code, message });
  });
  listenHono(app);
}

/**
 * The proxy's essential work as one straight-line route, with none of its architecture: the same checks, one HMAC
 * a request, a bounded Map as the result cache, the same access-log line (written once a turn, as the proxy
 * does), the same metrics and the same answer with its headers; no router, breaker, timeout, store, limiter or
 * middleware, served as the proxy's Node server serves it. What this work alone costs against the bare route is
 * where the proxy's target sits.
 */
function essentials(): void {
  const hash = nodeHasher('bench-essentials-secret-of-32-characters');
  const cache = new Map<string, Code>();
  // Oldest first, resumed from one eviction to the next: a fresh `keys()` on a full Map steps over every key deleted
  // since the Map was last rebuilt, on every request (the memory store walks its keys the same way).
  let oldest = cache.keys();
  const metrics = createMetrics();
  const log = stdoutLog();
  const app = new Hono();
  app.post('/api/verify', async (c) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const check = checkRequest(await c.req.json());
    if (!check.ok) return c.json({ code: 'INVALID_REQUEST' }, 400);
    const key = hash('result-cache', check.phoneNumber, check.name) as string;
    let code = cache.get(key);
    if (code === undefined) {
      code = sandboxVerdict(check.phoneNumber, check.name);
      if (cache.size >= DEFAULT_CACHE_ENTRIES) {
        let step = oldest.next();
        if (step.done) step = (oldest = cache.keys()).next();
        cache.delete(step.value!);
      }
      cache.set(key, code);
    }
    const phoneMasked = maskPhone(check.phoneNumber);
    const answer = jsonAnswer({ code, message: resultMessages[code], phoneMasked, carrier: check.carrier }, 200, { 'X-Request-Id': requestId, Vary: 'Origin' });
    const latencyMs = performance.now() - started;
    log({ time: new Date().toISOString(), requestId, method: 'POST', route: '/api/verify', status: 200, ip: '127.0.0.x', site: 'sandbox', outcome: code, provider: 'sandbox', phone: phoneMasked, name: maskName(check.name), cache: 'miss', latencyMs });
    metrics.request({ route: 'verify', status: 200, code, site: 'sandbox', provider: 'sandbox', seconds: latencyMs / 1000 });
    return answer;
  });
  listenBatched(app);
}

function ready(port: number): void {
  process.stderr.write(`listening ${port}\n`);
}

const variants: Record<string, (upstream?: string) => Promise<void> | void> = {
  /** The reference: a Hono JSON route that reads the body and answers, nothing else. */
  'bare-hono'() {
    const app = new Hono();
    app.post('/api/verify', async (c) => {
      const body = await c.req.json<{ phoneNumber: string }>();
      return c.json({ code: 'KYC1101', message: '信息不存在', phoneMasked: `${body.phoneNumber.slice(0, 3)}****`, carrier: null });
    });
    listenHono(app);
  },
  /** The proxy's essential work alone, straight-line (see `essentials`). */
  essentials,
  /** The proxy as `npm start` runs it, on the embedded sandbox. */
  async 'proxy-sandbox'() {
    ready((await startServer(benchEnv())).port);
  },
  /** The proxy as `npm start` runs it, over an HTTP upstream, with its pooled transport. */
  async 'proxy-http'(upstream) {
    ready((await startServer(benchEnv(upstream))).port);
  },
  /** The same proxy, with Node's global fetch as its transport instead. */
  'proxy-http-fetch'(upstream) {
    const settings = loadConfig(benchEnv(upstream), fetch);
    listenHono(createApp({ ...settings.app, log: stdoutLog() }));
  },
  /** The reference for the transport: what one would write first, a route that relays to the upstream with fetch. */
  'naive-fetch'(upstream) {
    naiveRelay(upstream!, fetch);
  },
  /** What the transport alone allows: the same naive route, relaying through the proxy's pooled transport. */
  'bare-relay'(upstream) {
    naiveRelay(upstream!, createNodeTransport());
  },
  /** A loopback upstream in the provider's exact shape, answering at once. */
  upstream() {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { name, phoneNumber } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; phoneNumber: string };
        const code = sandboxVerdict(phoneNumber, name);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code, message: code, idData: {}, mobData: { phoneNumber } }));
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
  },
};

const [variant = '', upstream] = process.argv.slice(2);
const start = variants[variant];
if (!start) {
  process.stderr.write(`bench-server: unknown variant "${variant}" (known: ${Object.keys(variants).join(', ')})\n`);
  process.exit(2);
}
await start(upstream);
