// A site's own Node backend with the proxy inside, set up by nodeAppConfig as `npm start` sets itself up: real HTTP on
// loopback, a loopback upstream, and a real Redis shared by two such backends.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, ConfigError } from '../../server/index.js';
import { nodeAppConfig, type NodeAppSetup } from '../../server/node-index.js';
import { storeStateLog } from '../../server/node-setup.js';
import type { LogLine } from '../../server/config.js';
import { generateTokenKey } from '../../server/tokens.js';
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';
import { startRedis, type TestRedis } from '../support/redis.js';

interface Backend {
  readonly url: string;
  readonly logs: LogLine[];
  readonly setup: NodeAppSetup;
  close(): Promise<void>;
}

/** The site's backend: a page of its own and the proxy under /kyc, on @hono/node-server. */
async function startBackend(env: Record<string, string>): Promise<Backend> {
  const logs: LogLine[] = [];
  const setup = await nodeAppConfig(env, { log: (line) => logs.push(line) });
  const site = new Hono();
  site.get('/', (c) => c.text('the site'));
  site.route('/kyc', createApp(setup.app));
  const server: ServerType = await new Promise((resolve) => {
    const listening = serve({ fetch: site.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    setup,
    close: () => new Promise<void>((done) => server.close(() => done())).then(() => setup.close()),
  };
}

const verify = (backend: Backend, body: unknown) =>
  fetch(`${backend.url}/kyc/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('nodeAppConfig in a site’s own backend', () => {
  let upstream: MockUpstream;
  let backend: Backend;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    backend = await startBackend({ CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'vendor', url: upstream.url, key: 'vendor-key' }]) });
  });
  afterAll(async () => {
    await backend?.close();
    await upstream?.close();
  });

  it('verifies through the environment’s provider with its key, and issues a token the site redeems once', async () => {
    const res = await verify(backend, { name: '张三', phoneNumber: '13800138000' });
    expect(res.status).toBe(200);
    const { code, token } = (await res.json()) as { code: string; token: string };
    expect(code).toBe('FP00000');
    expect(upstream.requests.at(-1)?.authorization).toBe('Bearer vendor-key');
    const redeem = () =>
      fetch(`${backend.url}/kyc/api/siteverify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: 'sandbox-secret', token }) }).then((r) => r.json());
    expect(await redeem()).toMatchObject({ success: true, code: 'FP00000' });
    expect(await redeem()).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
  });

  it('counts limits by the socket’s address and logs it masked, and leaves the site’s page alone', async () => {
    await verify(backend, { name: '李四', phoneNumber: '18612345678' });
    expect(backend.logs.at(-1)).toMatchObject({ route: '/kyc/api/verify', status: 200, ip: '127.0.0.0/24', provider: 'vendor', phone: '186****5678' });
    const page = await fetch(`${backend.url}/`);
    expect(await page.text()).toBe('the site');
    expect(page.headers.get('x-request-id')).toBeNull();
  });

  it('closes once however often close() is called, as a signal handler and a cleanup both may', async () => {
    const setup = await nodeAppConfig({}, { log: () => undefined });
    await setup.close();
    await expect(setup.close()).resolves.toBeUndefined();
  });

  it('refuses a bad environment with the setting’s name, before anything is opened', async () => {
    await expect(nodeAppConfig({ CARRIER_VERIFY_PROVIDERS: '[{"id":"x"}]' })).rejects.toBeInstanceOf(ConfigError);
    await expect(nodeAppConfig({ CARRIER_VERIFY_TOKEN_KEYS: '[{"kid":"k","alg":"ES256","privateJwk":{}}]' })).rejects.toThrow(/^CARRIER_VERIFY_TOKEN_KEYS: /);
  });
});

describe('two site backends set up by nodeAppConfig on one Redis', () => {
  let redis: TestRedis;
  let a: Backend;
  let b: Backend;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      CARRIER_VERIFY_HASH_SECRET: 'node-setup-hash-secret-'.padEnd(48, 'x'),
      CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([await generateTokenKey('shared')]),
    };
    [a, b] = await Promise.all([startBackend(env), startBackend(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.dispose();
  });

  it('share the result cache: a pair answered by one is a cache hit at the other', async () => {
    await verify(a, { name: '王五', phoneNumber: '13312345678' });
    await verify(b, { name: '王五', phoneNumber: '13312345678' });
    expect([a.logs.at(-1)?.cache, b.logs.at(-1)?.cache]).toEqual(['miss', 'hit']);
    const health = (await (await fetch(`${b.url}/kyc/healthz`)).json()) as { store?: string };
    expect(health.store).toBe('redis');
  });
});

describe('the log of the shared store’s state', () => {
  it('writes a flapping state at most twice an interval, counting the changes held back, and ends on the state it settled in', async () => {
    const lines: LogLine[] = [];
    const changed = storeStateLog((line) => lines.push(line), 100);
    // A fall and the recovery are told at once.
    changed('down', 'OOM command not allowed');
    changed('up');
    // Then refused and taken again many times within the interval, as at the edge of Redis's memory.
    for (let i = 0; i < 50; i++) changed(i % 2 ? 'up' : 'down', i % 2 ? undefined : 'OOM command not allowed');
    changed('down', 'OOM command not allowed');
    expect(lines.map((line) => line.event)).toEqual(['store-down', 'store-up']);
    await expect.poll(() => lines.length, { timeout: 1000, interval: 10 }).toBe(3);
    expect(lines[2]).toMatchObject({ level: 'warn', event: 'store-down', store: 'redis', reason: 'OOM command not allowed', changes: 51 });
    // Once the interval has passed with nothing to tell, a change is written at once, as ever.
    await new Promise((resolve) => setTimeout(resolve, 220));
    changed('up');
    expect(lines.slice(3)).toEqual([{ time: expect.any(String), level: 'info', event: 'store-up', store: 'redis', reason: undefined }]);
  });

  it('dates a change told late (held through the start-up check) when it happened', () => {
    const lines: LogLine[] = [];
    storeStateLog((line) => lines.push(line))('down', 'ECONNREFUSED', Date.UTC(2026, 0, 1, 12, 0, 0));
    expect(lines).toEqual([{ time: '2026-01-01T12:00:00.000Z', level: 'warn', event: 'store-down', store: 'redis', reason: 'ECONNREFUSED' }]);
  });
});
