// Shared state in a real redis-server: the store itself, two proxy instances that agree, and Redis stopped midway.
import { Redis } from 'ioredis';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LogLine } from '../../server/config.js';
import { parseLimits } from '../../server/limits.js';
import { startServer, type RunningServer } from '../../server/node.js';
import { nodeAppConfig } from '../../server/node-setup.js';
import { RedisStore, type RedisStoreOptions } from '../../server/stores/redis.js';
import { StoreUnavailableError } from '../../server/stores/types.js';
import { generateTokenKey } from '../../server/tokens.js';
import { postJson, sharedSecrets, testApp } from '../support/app.js';
import { createNodeTransport } from '../../server/transport-node.js';
import { providerFor, startMockUpstream } from '../support/mock-upstream.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.dispose();
});

/** A RedisStore whose state changes are kept, as `up` or `down: <reason>`, in the order it told them. */
function storeTellingChanges(url: string, options: RedisStoreOptions = {}): { store: RedisStore; changes: string[] } {
  const changes: string[] = [];
  const store = new RedisStore(url, { ...options, onStateChange: (state, reason) => changes.push(reason ? `${state}: ${reason}` : state) });
  return { store, changes };
}

describe('RedisStore', () => {
  it('counts hits in a fixed window that ends on its own', async () => {
    const store = new RedisStore(redis.url, { prefix: `t${Date.now()}:` });
    await store.ready();
    try {
      const first = await store.hit('w', 60_000);
      const second = await store.hit('w', 60_000);
      expect(first.count).toBe(1);
      expect(second.count).toBe(2);
      expect(second.resetMs).toBeGreaterThan(55_000);
      expect(second.resetMs).toBeLessThanOrEqual(60_000);
      await store.hit('short', 200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await store.hit('short', 200)).count).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('claims a key once until it expires, and keeps values with their TTL', async () => {
    const prefix = `t${Date.now()}:`;
    const store = new RedisStore(redis.url, { prefix });
    await store.ready();
    try {
      expect(await store.claim('token:a', 60_000)).toBe(true);
      expect(await store.claim('token:a', 60_000)).toBe(false);
      await store.set('cache:k', '{"code":"FP00000"}', 60_000);
      expect(await store.get('cache:k')).toBe('{"code":"FP00000"}');
      expect(await store.get('cache:missing')).toBeNull();
      expect(await store.client.pttl(`${prefix}cache:k`)).toBeGreaterThan(55_000);
    } finally {
      await store.close();
    }
  });

  it('rejects at once with StoreUnavailableError while Redis is unreachable, instead of queueing', async () => {
    const store = new RedisStore('redis://127.0.0.1:1');
    expect(await store.ready(300)).toBe(false);
    const started = performance.now();
    await expect(store.hit('k', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.claim('k', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.set('k', 'v', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - started).toBeLessThan(1000);
    await store.close();
  });
});

describe('REDIS_URL configuration', () => {
  it('asks for the shared secrets without which instances could not agree', async () => {
    const key = JSON.stringify([await generateTokenKey('k1')]);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', CARRIER_VERIFY_TOKEN_KEYS: key })).toThrow(/^CARRIER_VERIFY_HASH_SECRET: is required with REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(40) })).toThrow(/^CARRIER_VERIFY_TOKEN_KEYS: is required with REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError);
  });

  it.each([
    ['rediss://user:S3cretPassw0rd@redis.internal:63 79', /is not a URL/],
    ['redis://default:S3cretPassw0rd@127.0.0.1:notaport', /is not a URL/],
    ['redis://[bad', /is not a URL/],
    ['redis://:S3cretPassw0rd@127.0.0.1:6379/abc', /database after the host must be a number/],
    ['redis:///0', /names no host/],
    ['redis://:S3cretPassw0rd@127.0.0.1:6379/?db=abc', /database in \?db= must be one number/],
    ['redis://:S3cretPassw0rd@127.0.0.1:6379?db=', /database in \?db= must be one number/],
    ['redis://:S3cretPassw0rd@127.0.0.1:6379/?db=1&db=2', /database in \?db= must be one number/],
    // A % that starts no escape: the client would throw a URIError with a stack, naming no setting.
    ['redis://:50%off-S3cretPassw0rd@127.0.0.1:6379', /the password holds a % that starts no percent-escape: write a % in it as %25$/],
    ['redis://S3cret%user:pw@127.0.0.1:6379', /the user holds a % that starts no percent-escape/],
    ['redis://:S3cret#Passw0rd@127.0.0.1:6379', /is not a URL .*percent-encoded/],
  ])('refuses %s with a message that names REDIS_URL and never repeats it', (url, reason) => {
    let message = '';
    try {
      loadConfig({ REDIS_URL: url });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^REDIS_URL: /);
    expect(message).toMatch(reason);
    expect(message).not.toContain('S3cret');
    expect(message).not.toContain(url);
  });

  it('takes a URL with a database number, user and password', async () => {
    const key = JSON.stringify([await generateTokenKey('k1')]);
    const settings = loadConfig({ REDIS_URL: 'rediss://app:pw@redis.internal:6380/2', CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(40), CARRIER_VERIFY_TOKEN_KEYS: key });
    expect(settings.redisUrl).toBe('rediss://app:pw@redis.internal:6380/2');
    const query = loadConfig({ REDIS_URL: 'redis://app:pw@redis.internal:6380/?db=3&family=6', CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(40), CARRIER_VERIFY_TOKEN_KEYS: key });
    expect(query.redisUrl).toBe('redis://app:pw@redis.internal:6380/?db=3&family=6');
  });
});

interface Instance {
  readonly server: RunningServer;
  readonly logs: LogLine[];
  post(path: string, body: unknown, client?: string): Promise<Response>;
}

/** The environment of instances that share the test Redis, their secrets and these limits; `fill` sets their key space apart. */
async function instanceEnv(limits: string, fill: string): Promise<Record<string, string>> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    CARRIER_VERIFY_HASH_SECRET: 'test-hash-secret-'.padEnd(48, fill),
    CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([await generateTokenKey('shared')]),
    CARRIER_VERIFY_LIMITS: limits,
    CARRIER_VERIFY_TRUST_PROXY: 'loopback',
  };
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const logs: LogLine[] = [];
  const server = await startServer(env, { log: (line) => logs.push(line) });
  expect(server.storeKind).toBe('redis');
  return {
    server,
    logs,
    // The test talks from 127.0.0.1, a trusted proxy here, so X-Forwarded-For names the client.
    post: (path, body, client = '198.51.100.1') =>
      fetch(`http://127.0.0.1:${server.port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify(body),
      }),
  };
}

describe('a limit shortened between restarts', () => {
  it('applies at once: a count kept from the longer window ends within the new one, and the wait said is the new one', async () => {
    const verify = (instance: Instance, phoneNumber: string) => instance.post('/api/verify', { name: '张三', phoneNumber }, '198.51.100.77');
    const daily = await startInstance(await instanceEnv('site=2/1d', 'w'));
    try {
      expect([(await verify(daily, '13800138000')).status, (await verify(daily, '18612345678')).status]).toEqual([200, 200]);
      const spent = await verify(daily, '13312345678');
      expect(spent.status).toBe(429);
      expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(86_000);
    } finally {
      await daily.server.close();
    }
    // Restarted with the site's budget by the minute: it is still spent, for a minute at most, not the rest of the day.
    const minutely = await startInstance(await instanceEnv('site=2/1m', 'w'));
    try {
      const refused = await verify(minutely, '19212345678');
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED', limit: 'site' });
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    } finally {
      await minutely.server.close();
    }
  });

  it('applies at once to the marks a spent limit leaves: a number\'s names spent, wrong secrets that bar an address', async () => {
    const name = (instance: Instance, who: string) => instance.post('/api/verify', { name: who, phoneNumber: '17012345678' }, '198.51.100.78');
    const secret = (instance: Instance, value: string) => instance.post('/api/siteverify', { secret: value, token: 'not-a-token' }, '198.51.100.79');
    const wait = (res: Response) => [res.status, Number(res.headers.get('retry-after'))] as const;
    const daily = await startInstance(await instanceEnv('number=2/1d, secret=2/1d', 'v'));
    try {
      expect([(await name(daily, '张三')).status, (await name(daily, '李四')).status]).toEqual([200, 200]);
      expect(wait(await name(daily, '王五'))).toEqual([429, expect.toSatisfy((s: number) => s > 86_000)]);
      await secret(daily, 'wrong-secret');
      await secret(daily, 'wrong-secret');
      expect(wait(await secret(daily, 'sandbox-secret'))).toEqual([429, expect.toSatisfy((s: number) => s > 86_000)]);
    } finally {
      await daily.server.close();
    }
    const minutely = await startInstance(await instanceEnv('number=2/1m, secret=2/1m', 'v'));
    try {
      const refused = await name(minutely, '赵六');
      expect(await refused.clone().json()).toMatchObject({ code: 'RATE_LIMITED', limit: 'number' });
      expect(wait(refused)).toEqual([429, expect.toSatisfy((s: number) => s <= 60)]);
      const barred = await secret(minutely, 'sandbox-secret');
      expect(await barred.clone().json()).toMatchObject({ errors: ['rate-limited'] });
      expect(wait(barred)).toEqual([429, expect.toSatisfy((s: number) => s <= 60)]);
    } finally {
      await minutely.server.close();
    }
  });
});

describe('two instances on one Redis', () => {
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    const env = await instanceEnv('ip=4/1m, number=3/10m, name=3/1h', 'x');
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.server.close(), b?.server.close()]);
  });

  const verify = (instance: Instance, name: string, phoneNumber: string, client?: string) => instance.post('/api/verify', { name, phoneNumber }, client);

  it('share the per-IP limit', async () => {
    const statuses = [];
    for (const instance of [a, b, a, b, a, b]) statuses.push((await verify(instance, '张三', '13800138000', '198.51.100.10')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('share the per-number limit on distinct names', async () => {
    // Each name from an address of its own; 张三's repeat from its own address, through the other instance.
    const tries: [Instance, string, number][] = [[a, '张三', 20], [b, '李四', 21], [a, '王五', 22], [b, '赵六', 23], [b, '张三', 20], [a, '张三', 24]];
    const statuses = [];
    for (const [instance, name, host] of tries) statuses.push((await verify(instance, name, '18612345678', `198.51.100.${host}`)).status);
    // A name the number's spent names include is still refused to a client that did not try it.
    expect(statuses).toEqual([200, 200, 200, 429, 200, 429]);
  });

  it('count a pair asked for at once on both (a double click, a retry sent elsewhere) as one name for its number', async () => {
    // From several clients at once, three on each instance: one name.
    const same = Array.from({ length: 6 }, (_, i) => verify(i % 2 ? a : b, '孙七', '15012345678', `198.51.100.${50 + i}`));
    expect((await Promise.all(same)).map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const others = [];
    for (const [index, name] of ['周八', '吴九', '郑十'].entries()) others.push((await verify(index % 2 ? a : b, name, '15012345678', `198.51.100.${60 + index}`)).status);
    // Three names in all for a limit of three: 孙七 counted once, then two more, then the limit.
    expect(others).toEqual([200, 200, 429]);
    // A name over the limit asked at once on both is refused every time: none slips through beside the one counting it.
    const over = Array.from({ length: 6 }, (_, i) => verify(i % 2 ? a : b, '冯一', '15012345678', `198.51.100.${70 + i}`));
    expect((await Promise.all(over)).map((res) => res.status)).toEqual([429, 429, 429, 429, 429, 429]);
  });

  it('share the per-name limit on distinct numbers of one mask, and refuse the right one the cache holds once it is spent', async () => {
    // The owner verifies on one instance; then someone tries the name with the masked number's middle digits on both.
    expect((await verify(a, '𠮷祥', '15912345678', '198.51.100.80')).status).toBe(200);
    const statuses = [];
    for (const [i, instance] of [b, a, b, a].entries()) statuses.push((await verify(instance, '𠮷祥', `159${1000 + i}5678`, `198.51.100.${81 + i}`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(await (await verify(b, '𠮷祥', '15912345678', '198.51.100.85')).json()).toMatchObject({ code: 'RATE_LIMITED', limit: 'name' });
    // The owner, let through with the pair in this window, still is, on the other instance.
    expect(await (await verify(b, '𠮷祥', '15912345678', '198.51.100.80')).json()).toMatchObject({ code: 'FP00000' });
  });

  it('share the wrong-secret limit, and hold it against wrong secrets sent at once: 10 are checked, the rest refused', async () => {
    const client = '198.51.100.90';
    const guesses = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).post('/api/siteverify', { secret: `guess-${i}`, token: 'x.y.z' }, client));
    const answers = await Promise.all(guesses.map(async (res) => ((await (await res).json()) as { errors: string[] }).errors[0]));
    const tally = answers.reduce<Record<string, number>>((counts, error) => ({ ...counts, [error!]: (counts[error!] ?? 0) + 1 }), {});
    expect(tally).toEqual({ 'invalid-input-secret': 10, 'rate-limited': 30 });
    // The right secret from that address is refused too, on either instance; from another it is checked.
    for (const instance of [a, b]) expect(await (await instance.post('/api/siteverify', { secret: 'sandbox-secret', token: 'x.y.z' }, client)).json()).toMatchObject({ errors: ['rate-limited'] });
    expect(await (await a.post('/api/siteverify', { secret: 'sandbox-secret', token: 'x.y.z' }, '198.51.100.91')).json()).toMatchObject({ errors: ['invalid-input-response'] });
  });

  it('accept a token only once, whichever instance redeems it', async () => {
    const res = await verify(a, '王五', '13312345678', '198.51.100.30');
    const { token } = (await res.json()) as { token: string };
    const first = await b.post('/api/siteverify', { secret: 'sandbox-secret', token });
    expect(await first.json()).toMatchObject({ success: true, code: 'FP00000', phoneMasked: '133****5678' });
    const second = await a.post('/api/siteverify', { secret: 'sandbox-secret', token });
    expect(await second.json()).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
  });

  it('keep answering when Redis stops, degrade the limits to each instance, refuse token redemption with 503, and recover', async () => {
    const before = await verify(a, '欧阳娜娜', '17012345678', '198.51.100.40');
    const { token: issuedBefore } = (await before.json()) as { token: string };
    await redis.stop();

    // Verification goes on; each instance counts on its own, so the budget holds per instance.
    const onA = [];
    for (let i = 0; i < 5; i++) onA.push((await verify(a, '张三', '13800138000', '198.51.100.41')).status);
    expect(onA).toEqual([200, 200, 200, 200, 429]);
    expect((await verify(b, '张三', '13800138000', '198.51.100.41')).status).toBe(200);
    expect(a.logs.filter((line) => line.route === '/api/verify').at(-1)).toMatchObject({ degraded: true, status: 429, limit: 'ip' });
    // A pair this instance was answered before the outage is answered from its own copy, not paid for again; the
    // other instance, which never saw it, pays.
    expect((await verify(a, '欧阳娜娜', '17012345678', '198.51.100.42')).status).toBe(200);
    expect(a.logs.filter((line) => line.route === '/api/verify').at(-1)).toMatchObject({ status: 200, cache: 'hit', degraded: true });
    expect((await verify(b, '欧阳娜娜', '17012345678', '198.51.100.43')).status).toBe(200);
    expect(b.logs.filter((line) => line.route === '/api/verify').at(-1)).toMatchObject({ status: 200, cache: 'miss', degraded: true });

    // Single use cannot be promised without the shared store: the backend is told to retry, and the token is not spent.
    const during = await b.post('/api/siteverify', { secret: 'sandbox-secret', token: issuedBefore });
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toMatchObject({ success: false, errors: ['internal-error'] });
    expect(a.logs.concat(b.logs).some((line) => line.event === 'store-down')).toBe(true);
    // The operator sees it where they look: /healthz, the gauge to alert on, the dashboard's data.
    const seen = async (instance: Instance) => {
      const base = `http://127.0.0.1:${instance.server.port}`;
      const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
      const gauge = /^carrier_verify_store_up (\d)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1];
      const stats = (await (await fetch(`${base}/api/stats`)).json()) as { store?: { state: string } };
      return [health.status, health.store, health.storeState, gauge, stats.store?.state];
    };
    expect(await seen(a)).toEqual(['ok', 'redis', 'down', '0', 'down']);

    await redis.start();
    let after: Response | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      after = await b.post('/api/siteverify', { secret: 'sandbox-secret', token: issuedBefore });
      if (after.status !== 503) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await after?.json()).toMatchObject({ success: true, code: 'FP00000' });
    expect((await a.post('/api/siteverify', { secret: 'sandbox-secret', token: issuedBefore }).then((r) => r.json()))).toMatchObject({ errors: ['timeout-or-duplicate'] });
    expect(b.logs.some((line) => line.event === 'store-up')).toBe(true);
    expect(await seen(b)).toEqual(['ok', 'redis', 'up', '1', 'up']);

    const statuses = a.logs.concat(b.logs).map((line) => line.status).filter((status): status is number => typeof status === 'number');
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
  });
});

describe("three instances on one Redis, a site's budget, and Redis killed mid-window", () => {
  it('keep the budget spent on each instance that saw it spent, grant what was left to one that saw less, and show it used', async () => {
    const own = await startRedis();
    const env = { ...(await instanceEnv('site=5/10m, ip=off, ip-day=off', 's')), REDIS_URL: own.url };
    const [a, b, c] = await Promise.all([startInstance(env), startInstance(env), startInstance(env)]);
    // Each call a new pair, so that neither the cache nor the pair limits answer in place of the budget.
    let pairs = 0;
    const verify = async (instance: Instance) => {
      pairs += 1;
      return (await instance.post('/api/verify', { name: `测试${'一二三四五六七八九十'[pairs % 10]}${'甲乙丙丁'[Math.floor(pairs / 10)]}`, phoneNumber: `1380013${String(8000 + pairs)}` })).status;
    };
    const budget = async (instance: Instance) => {
      const base = `http://127.0.0.1:${instance.server.port}`;
      const gauge = /^carrier_verify_site_budget_used\{site="sandbox"\} (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1];
      const stats = (await (await fetch(`${base}/api/stats`)).json()) as { budgets: Record<string, { used: number; limit: number }> };
      return [Number(gauge), stats.budgets.sandbox?.used, stats.budgets.sandbox?.limit];
    };
    try {
      const shared = [];
      for (const instance of [a, b, c, a, b, c, b]) shared.push(await verify(instance));
      // The fifth call spends it; c and b count a refused one after it, a last counted the fourth.
      expect(shared).toEqual([200, 200, 200, 200, 200, 429, 429]);
      await own.stop();

      const during = [];
      for (const instance of [a, b, c]) for (let i = 0; i < 3; i++) during.push(await verify(instance));
      // a had seen 4 of 5: one more; b and c had seen it spent: none. Six calls in a window that allows 5, where a
      // whole budget again on each instance let all nine through.
      expect(during).toEqual([200, 429, 429, 429, 429, 429, 429, 429, 429]);
      for (const instance of [a, b, c]) {
        expect(instance.logs.filter((line) => line.route === '/api/verify').at(-1)).toMatchObject({ degraded: true, status: 429, limit: 'site' });
        expect(await budget(instance)).toEqual([5, 5, 5]);
      }
    } finally {
      await Promise.all([a.server.close(), b.server.close(), c.server.close()]);
      await own.dispose();
    }
  });
});

describe('two instances on one Redis, one address over a day', () => {
  it('share the daily per-address limit: its fourth request of the day is refused on either, named ip, logged ip-day', async () => {
    // A fill of its own: the hash secret differs from the other blocks', so no count of theirs is shared.
    const env = await instanceEnv('ip=off, ip-day=3/1d', 'd');
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    try {
      const statuses = [];
      for (const instance of [a, b, a, b]) statuses.push((await instance.post('/api/verify', { name: '张三', phoneNumber: '13800138000' }, '203.0.113.40')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await a.post('/api/verify', { name: '张三', phoneNumber: '13800138000' }, '203.0.113.40');
      expect([refused.status, Number(refused.headers.get('retry-after'))]).toEqual([429, expect.toSatisfy((s: number) => s > 86_000)]);
      expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED', limit: 'ip' });
      expect(a.logs.filter((line) => line.route === '/api/verify').at(-1)).toMatchObject({ status: 429, limit: 'ip-day' });
      // Another address is counted apart.
      expect((await b.post('/api/verify', { name: '张三', phoneNumber: '13800138000' }, '203.0.113.41')).status).toBe(200);
    } finally {
      await Promise.all([a.server.close(), b.server.close()]);
    }
  });
});

describe('two instances on one Redis, a number whose names are spent', () => {
  it('refuse a pair the shared cache answers once the names are spent on the other instance, unless it was tried in the window', async () => {
    const env = await instanceEnv('ip=off, number=3/2s', 'y');
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    try {
      const verify = (instance: Instance, name: string) => instance.post('/api/verify', { name, phoneNumber: '13312345678' });
      expect((await verify(a, '王五')).status).toBe(200);
      // The number's window ends; 王五 stays in the cache both share (a match, for a day).
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const tried = [];
      for (const name of ['张三', '李四', '赵六']) tried.push((await verify(b, name)).status);
      expect(tried).toEqual([200, 200, 200]);
      expect([(await verify(a, '周八')).status, (await verify(a, '王五')).status, (await verify(a, '李四')).status]).toEqual([429, 429, 200]);
    } finally {
      await Promise.all([a.server.close(), b.server.close()]);
    }
  });
});

/** A promise and the function that resolves it. */
function released(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * A RedisStore that lets a test see two instances meet on a pair's call: it keeps the values it claimed the pair's
 * call with (the cache's flights), counts its reads and tells when one finds another store's claim, and can hold its
 * instance back after a claim until the test lets it go on.
 */
class WatchedStore extends RedisStore {
  /** Reads so far. */
  reads = 0;
  private readonly flights = new Set<string>();
  private readonly claimedFlight = released();
  private readonly found: { readonly of: WatchedStore; readonly resolve: () => void }[] = [];
  private hold: Promise<unknown> | undefined;

  /** Resolves once this store has claimed a pair's call for its instance. */
  get claimed(): Promise<void> {
    return this.claimedFlight.promise;
  }

  /** Its next claim of a pair's call answers only once `until` has settled: the instance has claimed it, and waits. */
  holdAfterClaim(until: Promise<unknown>): void {
    this.hold = until;
  }

  /** Resolves once a read of this store finds a pair's call that `other` claimed: its instance waits on that call. */
  finds(other: WatchedStore): Promise<void> {
    return new Promise((resolve) => this.found.push({ of: other, resolve }));
  }

  override async claim(key: string, ttlMs: number, value?: string): Promise<boolean> {
    const claimed = await super.claim(key, ttlMs, value);
    if (claimed && key.startsWith('cache-flight:') && value !== undefined) {
      this.flights.add(value);
      this.claimedFlight.resolve();
      const hold = this.hold;
      this.hold = undefined;
      await hold?.catch(() => undefined);
    }
    return claimed;
  }

  override async get(key: string): Promise<string | null> {
    const value = await super.get(key);
    this.reads += 1;
    for (const { of, resolve } of this.found) if (value !== null && of.flights.has(value)) resolve();
    return value;
  }
}

describe('two instances on one Redis, asked for the same pair at once', () => {
  /** Two proxies on one Redis, calling a loopback vendor; each with its own connection, as two processes have. */
  async function pairOfInstances(timeoutMs = 2000) {
    const vendor = await startMockUpstream();
    const transport = createNodeTransport();
    const prefix = `flight${Date.now()}${Math.random()}:`;
    const shared = await sharedSecrets('flight');
    // A command that takes over the default 500 ms on a loaded machine would count Redis as down, and each instance
    // would go on alone: these tests are about a Redis that answers, slowly or not.
    const options = { prefix, commandTimeoutMs: 5000 };
    const stores = [new WatchedStore(redis.url, options), new WatchedStore(redis.url, options)] as const;
    await Promise.all(stores.map((store) => store.ready()));
    const apps = stores.map((store) => testApp({ store, ...shared, providers: [providerFor(vendor, { id: 'main', transport, timeoutMs })] }));
    const close = async () => {
      await Promise.all(stores.map((store) => store.close()));
      await transport.close();
      await vendor.close();
    };
    return { vendor, apps, stores, close };
  }

  /**
   * Asks the first instance for the pair, holding it back once it has claimed the pair's call, then the second: the
   * first goes on to call the vendor only once the second waits on that call (or, should it not wait, has answered).
   * However slow the machine, the second finds the call under way. Resolves with both answers.
   */
  async function secondJoiningFirst(apps: readonly ReturnType<typeof testApp>[], stores: readonly [WatchedStore, WatchedStore]) {
    const [first, second] = stores;
    const release = released();
    first.holdAfterClaim(release.promise);
    const firstAnswer = postJson(apps[0]!, '/api/verify', pair);
    await first.claimed;
    const waiting = second.finds(first);
    const secondAnswer = postJson(apps[1]!, '/api/verify', pair);
    await Promise.race([waiting, secondAnswer]);
    release.resolve();
    return { firstAnswer, secondAnswer };
  }
  const pair = { name: '张三', phoneNumber: '13800138000' };

  it('pay for it once: the second waits for the first one’s answer and gives it too', async () => {
    const { vendor, apps, close } = await pairOfInstances();
    try {
      vendor.fail({ kind: 'slow', delayMs: 400 });
      const first = postJson(apps[0]!, '/api/verify', pair);
      // The first has claimed the pair's call once the vendor has it.
      await expect.poll(() => vendor.calls).toBe(1);
      const answers = await Promise.all([first, postJson(apps[1]!, '/api/verify', pair)]);
      expect(answers.map((res) => res.status)).toEqual([200, 200]);
      const bodies = (await Promise.all(answers.map((res) => res.json()))) as { code: string; token: string }[];
      expect(bodies.map((body) => body.code)).toEqual(['FP00000', 'FP00000']);
      expect(bodies[1]!.token).not.toBe(bodies[0]!.token);
      expect(vendor.calls).toBe(1);
      expect([apps[0]!.logs.at(-1)?.cache, apps[1]!.logs.at(-1)?.cache]).toEqual(['miss', 'hit']);
    } finally {
      await close();
    }
  });

  it('fail with the first call when it fails, as soon as it has failed: no second call that may be billed again', async () => {
    const { vendor, apps, stores, close } = await pairOfInstances(1000);
    try {
      vendor.fail({ kind: 'no-answer' }, 1);
      const { firstAnswer, secondAnswer } = await secondJoiningFirst(apps, stores);
      const ended: string[] = [];
      let readsBeforeFirstEnded = 0;
      const first = firstAnswer.then((res) => ((readsBeforeFirstEnded = stores[1].reads), ended.push('first'), res));
      const second = await secondAnswer.then((res) => (ended.push('second'), res));
      const reads = stores[1].reads;
      expect([(await first).status, second.status]).toEqual([504, 504]);
      expect(await second.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
      expect(vendor.calls).toBe(1);
      expect(apps[1]!.logs.at(-1)).toMatchObject({ status: 504, outcome: 'upstream-timeout', provider: 'main', cache: 'miss' });
      // The first call gives up at its 1 s timeout, and the second, which waited on it, ends with it: within a few of
      // its looks at the shared store (each round two reads, every 100 ms), not at the 2 s deadline it would otherwise
      // wait out. Counted in reads, not in milliseconds, which would count the machine's load as well.
      expect(ended).toEqual(['first', 'second']);
      expect(reads - readsBeforeFirstEnded).toBeLessThanOrEqual(8);
      // A retry sent after the failure, on either instance, was waiting on nothing: it is a call of its own.
      expect((await postJson(apps[1]!, '/api/verify', pair)).status).toBe(200);
      expect(vendor.calls).toBe(2);
    } finally {
      await close();
    }
  });

  it('ask again at once after a failed call, on the instance that made it, within the moment its failure is kept', async () => {
    const { vendor, apps, close } = await pairOfInstances(1000);
    try {
      vendor.fail({ kind: 'status', status: 500 }, 1);
      expect((await postJson(apps[0]!, '/api/verify', pair)).status).toBe(502);
      const retries = [await postJson(apps[0]!, '/api/verify', pair)];
      expect(retries.map((res) => res.status)).toEqual([200]);
      expect(vendor.calls).toBe(2);
    } finally {
      await close();
    }
  });

  it('share one call again among the requests that come after a failed one, across instances', async () => {
    const { vendor, apps, close } = await pairOfInstances(1000);
    try {
      vendor.fail({ kind: 'status', status: 500 }, 1);
      expect((await postJson(apps[0]!, '/api/verify', pair)).status).toBe(502);
      // Within the moment the failure is kept for those that waited on it: these two did not, and share a call of their own.
      vendor.fail({ kind: 'slow', delayMs: 300 }, 1);
      const answers = await Promise.all([postJson(apps[0]!, '/api/verify', pair), postJson(apps[1]!, '/api/verify', pair)]);
      expect(answers.map((res) => res.status)).toEqual([200, 200]);
      expect(vendor.calls).toBe(2);
      expect([apps[0]!.logs.at(-1)?.cache, apps[1]!.logs.at(-1)?.cache].sort()).toEqual(['hit', 'miss']);
    } finally {
      await close();
    }
  });

  // A 400 refuses the first call's input: it billed nothing, and says nothing of the next call. A 500 may have billed.
  it.each([
    ['leave a failure that billed nothing to each instance to try: the one waiting asks the vendor itself', 400, [502, 200], 2],
    ['fail with the first call when the vendor answers it with an error: one call, the same 502 on both', 500, [502, 502], 1],
  ] as const)('%s', async (_, status, statuses, calls) => {
    const { vendor, apps, stores, close } = await pairOfInstances();
    try {
      vendor.fail({ kind: 'status', status }, 1);
      // The second waits on the first's call before the vendor has it, let alone answers it.
      const { firstAnswer, secondAnswer } = await secondJoiningFirst(apps, stores);
      expect([(await firstAnswer).status, (await secondAnswer).status]).toEqual(statuses);
      expect(vendor.calls).toBe(calls);
    } finally {
      await close();
    }
  });
});

describe('a Redis that refuses the password', () => {
  it('takes a password written percent-encoded, whatever it holds (@ : / # % ?), and says it nowhere', async () => {
    const admin = new Redis(redis.url);
    const password = 'S3cret@:/#%?pw';
    await admin.config('SET', 'requirepass', password);
    const url = redis.url.replace('redis://', `redis://:${encodeURIComponent(password)}@`);
    const logs: LogLine[] = [];
    let server: RunningServer | undefined;
    try {
      server = await startServer({ ...(await instanceEnv('ip=off', 'p')), REDIS_URL: url }, { log: (line) => logs.push(line) });
      await expect.poll(() => logs.find((line) => line.event === 'store-up')).toBeDefined();
      const base = `http://127.0.0.1:${server.port}`;
      const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const { token } = (await (await post('/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()) as { token: string };
      expect(await (await post('/api/siteverify', { secret: 'sandbox-secret', token })).json()).toMatchObject({ success: true });
      expect(JSON.stringify(logs)).not.toContain('S3cret');
    } finally {
      await server?.close();
      await admin.config('SET', 'requirepass', '');
      admin.disconnect();
    }
  });

  it('is down with the refusal as its reason, WRONGPASS, as a command refused with OOM says OOM', async () => {
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', 'right-password');
    const { store, changes } = storeTellingChanges(redis.url.replace('redis://', 'redis://:wrong-password@'));
    try {
      await store.ready(1000);
      await expect.poll(() => changes[0]).toBe('down: WRONGPASS');
    } finally {
      await store.close();
      await admin.config('SET', 'requirepass', '');
      admin.disconnect();
    }
  });

  it('says the password, not the database, when a URL that names a database has a wrong password or none', async () => {
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', 'right-password');
    const withDatabase = `${redis.url.replace(/\/\d*$/, '')}/2`;
    try {
      for (const [url, reason] of [
        [withDatabase.replace('redis://', 'redis://:wrong-password@'), 'WRONGPASS'],
        [withDatabase, 'NOAUTH'],
      ] as const) {
        const { store, changes } = storeTellingChanges(url);
        try {
          // Started as with a wrong password and no database: down, not a bad setting of the database.
          await store.ready(1000);
          await expect.poll(() => changes[0]).toBe(`down: ${reason}`);
          await new Promise((r) => setTimeout(r, 200));
          expect(changes.every((change) => !change.includes('database')), changes.join(', ')).toBe(true);
          expect(store.health()).toMatchObject({ state: 'down', reason });
        } finally {
          await store.close();
        }
      }
    } finally {
      await admin.config('SET', 'requirepass', '');
      admin.disconnect();
    }
  });
});

describe('a Redis restarted with a password while instances are connected', () => {
  it('is down with the refusal as its reason, NOAUTH or WRONGPASS, once it is known, in /healthz, /api/stats and one line more', async () => {
    const own = await startRedis();
    const running: RunningServer[] = [];
    const start = async (url: string) => {
      const logs: LogLine[] = [];
      const server = await startServer({ ...(await instanceEnv('ip=off', 'r')), REDIS_URL: url }, { log: (line) => logs.push(line) });
      running.push(server);
      await expect.poll(() => logs.some((line) => line.event === 'store-up')).toBe(true);
      return { server, logs };
    };
    const reasons = async ({ server }: { server: RunningServer }) => {
      const base = `http://127.0.0.1:${server.port}`;
      const health = (await (await fetch(`${base}/healthz`)).json()) as { storeReason?: string };
      const stats = (await (await fetch(`${base}/api/stats`)).json()) as { store?: { reason?: string } };
      return [health.storeReason, stats.store?.reason];
    };
    const downLines = (logs: LogLine[]) => logs.filter((line) => line.event === 'store-down').map((line) => line.reason);
    try {
      // Without a password in its URL, then Redis asks for one: the connection closes first, and that is all the
      // instance knows until it connects again and is refused.
      const none = await start(own.url);
      await own.stop();
      await own.start(['--requirepass', 'first-password']);
      await expect.poll(() => reasons(none), { timeout: 5000 }).toEqual(['NOAUTH', 'NOAUTH']);
      // With the password, then Redis asks for another.
      const old = await start(own.url.replace('redis://', 'redis://:first-password@'));
      await own.stop();
      await own.start(['--requirepass', 'second-password']);
      await expect.poll(() => reasons(old), { timeout: 5000 }).toEqual(['WRONGPASS', 'WRONGPASS']);
      // Reconnections go on (a back-off of up to 2 s), each refused and closed: neither is said again, nor a closed
      // connection in place of the refusal.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await reasons(none)).toEqual(['NOAUTH', 'NOAUTH']);
      expect(await reasons(old)).toEqual(['WRONGPASS', 'WRONGPASS']);
      // The first line says what the kill showed (the connection closed, or reset): the second, the refusal.
      expect(downLines(none.logs)).toEqual([expect.stringMatching(/^(connection closed|ECONNRESET)$/), 'NOAUTH']);
      expect(downLines(old.logs)).toEqual([expect.stringMatching(/^(connection closed|ECONNRESET)$/), 'WRONGPASS']);
      expect(JSON.stringify([none.logs, old.logs])).not.toMatch(/password@|first-password|second-password/);
    } finally {
      await Promise.all(running.map((server) => server.close()));
      await own.dispose();
    }
  });
});

describe('a Redis that hangs', () => {
  it('costs one command timeout now and then, not one per command: answers go on, token redemption says 503', async () => {
    const { store, changes } = storeTellingChanges(redis.url, { prefix: `hang${Date.now()}:` });
    await store.ready();
    const shared = await sharedSecrets('hang');
    const app = testApp({ store, ...shared, limits: parseLimits('ip=3/1m'), remoteAddress: () => '192.0.2.80' });
    const verify = () => postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' });
    try {
      const { token } = (await (await verify()).json()) as { token: string };
      redis.pause();
      const started = performance.now();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await verify()).status);
      // Five requests of several commands each: waiting out every 500 ms timeout would take over ten seconds.
      expect(performance.now() - started).toBeLessThan(5000);
      // The instance's own count starts when Redis stops answering: three more pass, then the limit holds.
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(app.logs.at(-1)).toMatchObject({ degraded: true, limit: 'ip' });
      const redeem = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
      expect(redeem.status).toBe(503);
      // The connection never dropped: the timeout alone says Redis is down, and the first answer after it that it is back.
      expect(changes).toEqual(['up', 'down: command timed out']);
      redis.resume();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await verify()).status).toBe(200);
      expect(changes).toEqual(['up', 'down: command timed out', 'up']);
    } finally {
      redis.resume();
      await store.close();
    }
  });
});

describe('a Redis that hangs when the proxy starts', () => {
  it('is down, the reason "command timed out": its connection opens and its ready check is never answered', async () => {
    redis.pause();
    const { store, changes } = storeTellingChanges(redis.url);
    try {
      expect(await store.ready(700)).toBe(false);
      await expect.poll(() => changes[0], { timeout: 3000 }).toBe('down: command timed out');
      expect(store.health()).toMatchObject({ state: 'down', reason: 'command timed out' });
      redis.resume();
      await expect.poll(() => store.health().state, { timeout: 5000 }).toBe('up');
    } finally {
      redis.resume();
      await store.close();
    }
  });
});

/**
 * A TCP relay to the test Redis on a port of its own. `cut()` makes the connections open now go silent for good,
 * both ways, without closing them: a connection that died without a word (a NAT or firewall that forgot it, Redis
 * moved to another host by a failover), which only TCP's own timeout would close, a quarter of an hour later. New
 * connections go through as before: Redis answers, on a new connection.
 */
async function silentRelay(): Promise<{ readonly url: string; cut(): void; close(): Promise<void> }> {
  const live = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  const cutOff: Socket[] = [];
  const server = createServer((client) => {
    const pair = { client, upstream: connect(redis.port, '127.0.0.1'), silent: false };
    live.add(pair);
    client.on('data', (data) => void (pair.silent || pair.upstream.write(data)));
    pair.upstream.on('data', (data) => void (pair.silent || client.write(data)));
    const end = () => {
      if (pair.silent) return;
      live.delete(pair);
      client.destroy();
      pair.upstream.destroy();
    };
    for (const socket of [client, pair.upstream]) socket.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      for (const pair of live) {
        pair.silent = true;
        pair.upstream.destroy();
        cutOff.push(pair.client);
      }
      live.clear();
    },
    async close() {
      for (const socket of [...cutOff, ...[...live].flatMap((pair) => [pair.client, pair.upstream])]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a claim whose answer is lost with its connection', () => {
  it('is withdrawn on the next connection: the token reported unspent can be redeemed when its backend asks again', async () => {
    // A relay that passes the commands on and, once `deafen()` is called, loses Redis's answers on the connections
    // open then; `drop()` closes them. New connections go through as before.
    const deaf = new Set<Socket>();
    const open = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect(redis.port, '127.0.0.1');
      open.add(client);
      client.on('data', (data) => void upstream.write(data));
      upstream.on('data', (data) => void (deaf.has(client) || client.write(data)));
      const end = () => {
        open.delete(client);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) socket.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const prefix = `lost${Date.now()}:`;
    const store = new RedisStore(`redis://127.0.0.1:${(server.address() as { port: number }).port}`, { prefix });
    const admin = new Redis(redis.url);
    await store.ready();
    try {
      for (const client of open) deaf.add(client);
      const claim = store.claim('token:a', 60_000);
      // Redis carried out the SET; its answer is lost, and then the connection.
      await expect.poll(() => admin.get(`${prefix}token:a`), { timeout: 2000, interval: 10 }).not.toBeNull();
      for (const client of [...open]) client.destroy();
      await expect(claim).rejects.toBeInstanceOf(StoreUnavailableError);
      // Once the store has a new connection, the claim is withdrawn, and the token can be claimed once, as never spent.
      await expect.poll(() => admin.get(`${prefix}token:a`), { timeout: 5000, interval: 20 }).toBeNull();
      expect(await store.claim('token:a', 60_000)).toBe(true);
      expect(await store.claim('token:a', 60_000)).toBe(false);
    } finally {
      await store.close();
      admin.disconnect();
      for (const client of open) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a claim that timed out while Redis hung', () => {
  it('is withdrawn once, on its own connection, and not again later over a new claim holding the same value', async () => {
    const own = await startRedis(['--enable-debug-command', 'yes']);
    const store = new RedisStore(own.url, { prefix: 'hung:' });
    const admin = new Redis(own.url);
    await store.ready();
    try {
      // Redis sleeps 1.2 s: the claim, and its withdrawal written after it, time out; Redis carries out both later.
      const sleeping = admin.call('DEBUG', 'SLEEP', '1.2');
      await expect(store.claim('count:pair', 5000, 'client-x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await sleeping;
      await expect.poll(async () => {
        try {
          return await store.claim('count:pair', 5000, 'client-x');
        } catch {
          return 'down';
        }
      }, { timeout: 5000, interval: 100 }).toBe(true);
      // The same client's new claim, the same value: it stays.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await admin.get('hung:count:pair')).toBe('client-x');
    } finally {
      await store.close();
      admin.disconnect();
      await own.dispose();
    }
  });
});

describe('a connection to Redis that dies without a word', () => {
  it('is dropped once its commands have gone on timing out, and a new one opened: the store is up again, no restart', async () => {
    const relay = await silentRelay();
    const prefix = `silent${Date.now()}:`;
    const { store, changes } = storeTellingChanges(relay.url, { prefix, reconnectAfterMs: 1000 });
    await store.ready();
    try {
      expect(await store.claim('token:a', 60_000)).toBe(true);
      relay.cut();
      // The connection still looks open: only the timeout says anything is wrong.
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(store.health().state).toBe('down');
      // No request from here on: the store's own look now and then finds the connection dead, and opens another.
      await expect.poll(() => store.health().state, { timeout: 10_000, interval: 100 }).toBe('up');
      expect(changes).toEqual(['up', 'down: command timed out', 'up']);
      // The same Redis, the same used-token mark.
      expect(await store.claim('token:a', 60_000)).toBe(false);
      expect(await store.claim('token:b', 60_000)).toBe(true);
    } finally {
      await store.close();
      await relay.close();
    }
  });

  it('keeps answering siteverify with 503 meanwhile, and redeems the token once it is back', async () => {
    const relay = await silentRelay();
    const store = new RedisStore(relay.url, { prefix: `silentapp${Date.now()}:`, reconnectAfterMs: 1000 });
    await store.ready();
    const app = testApp({ store, ...(await sharedSecrets('silent')), remoteAddress: () => '192.0.2.83' });
    try {
      const { token } = (await (await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()) as { token: string };
      relay.cut();
      const during = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      expect((await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).status).toBe(200);
      await expect.poll(() => store.health().state, { timeout: 10_000, interval: 100 }).toBe('up');
      expect(await (await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token })).json()).toMatchObject({ success: true });
      expect(await (await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token })).json()).toMatchObject({ errors: ['timeout-or-duplicate'] });
      expect(app.logs.filter((line) => typeof line.status === 'number' && line.status >= 500 && line.status !== 503)).toEqual([]);
    } finally {
      await store.close();
      await relay.close();
    }
  });
});

describe('a Redis that hung and answers again', () => {
  it('is found up again by the store itself, with no request to find out', async () => {
    const { store, changes } = storeTellingChanges(redis.url, { prefix: `idle${Date.now()}:` });
    await store.ready();
    try {
      redis.pause();
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(store.health().state).toBe('down');
      redis.resume();
      // No command from here on: an idle instance behind a load balancer.
      await expect.poll(() => store.health().state, { timeout: 5000 }).toBe('up');
      expect(changes).toEqual(['up', 'down: command timed out', 'up']);
    } finally {
      redis.resume();
      await store.close();
    }
  });
});

describe('a Redis that may evict keys', () => {
  it('says so, while it holds, in its health, /healthz, /metrics and the log: a used-token mark it drops lets the token in again', async () => {
    const own = await startRedis();
    const admin = new Redis(own.url);
    const told: string[] = [];
    const store = new RedisStore(own.url, { prefix: `evict${Date.now()}:`, evictionCheckMs: 50, onEviction: (state) => told.push(state) });
    await store.ready();
    const app = testApp({ store, ...(await sharedSecrets('evict')) });
    const healthz = async () => (await (await app.request('/healthz')).json()) as Record<string, unknown>;
    const gauge = async () => /^carrier_verify_store_evicting (\d)$/m.exec(await (await app.request('/metrics')).text())?.[1];
    try {
      // No memory limit: nothing is ever evicted, whatever the policy says; a first look that finds that says nothing.
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      // A look that surely comes after the policy was set: the one taken before it would find noeviction.
      await store.watchEviction();
      expect(store.health().evicting).toBe(false);
      expect(told).toEqual([]);
      expect(await gauge()).toBe('0');

      await admin.config('SET', 'maxmemory', '100mb');
      await expect.poll(() => store.health().warning).toBe('maxmemory-policy allkeys-lru may evict used-token marks and limit counts; set noeviction');
      expect(await healthz()).toMatchObject({ storeState: 'up', storeWarning: store.health().warning });
      expect(await gauge()).toBe('1');
      // volatile-ttl too: every key here expires, the used-token marks first of all. The same state: told once.
      await admin.config('SET', 'maxmemory-policy', 'volatile-ttl');
      await expect.poll(() => store.health().warning).toMatch(/^maxmemory-policy volatile-ttl /);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await expect.poll(() => store.health().evicting).toBe(false);
      expect(await healthz()).not.toHaveProperty('storeWarning');
      expect(await gauge()).toBe('0');

      // Keys evicted since the last look: said until the policy no longer evicts, and told no more than once.
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect.poll(() => store.health().evicting).toBe(true);
      const used = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
      for (let i = 0; i < 300; i++) await admin.set(`filler:${i}`, 'x'.repeat(10_000));
      await admin.config('SET', 'maxmemory', String(used + 500_000));
      await admin.set('filler:last', 'x');
      const evicted = 'keys evicted (maxmemory-policy allkeys-lru): used tokens may be accepted again; set maxmemory-policy noeviction';
      await expect.poll(() => store.health().warning).toBe(evicted);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(store.health().warning).toBe(evicted);
      // A count reset since (CONFIG RESETSTAT) hides no eviction after it.
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await expect.poll(() => store.health().evicting).toBe(false);
      await admin.config('RESETSTAT');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      for (let i = 0; i < 100; i++) await admin.set(`more:${i}`, 'x'.repeat(10_000));
      await expect.poll(() => store.health().warning).toBe(evicted);
      expect(told).toEqual(['evicting', 'safe', 'evicting', 'safe', 'evicting']);
    } finally {
      admin.disconnect();
      await store.close();
      await own.dispose();
    }
  });

  it('keeps saying so while Redis hangs: a look that got no answer is no refusal of INFO, and the hang is an outage', async () => {
    const own = await startRedis();
    const admin = new Redis(own.url);
    await admin.config('SET', 'maxmemory', '100mb');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const told: string[] = [];
    const { store, changes } = storeTellingChanges(own.url, { prefix: `evicthang${Date.now()}:`, evictionCheckMs: 50, onEviction: (state) => told.push(state) });
    await store.ready();
    const app = testApp({ store, ...(await sharedSecrets('evicthang')) });
    try {
      await expect.poll(() => told).toEqual(['evicting']);
      own.pause();
      // No request: the eviction look alone meets the hang, which makes the store down as a command's timeout does.
      await expect.poll(() => store.health().state, { timeout: 3000 }).toBe('down');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(told).toEqual(['evicting']);
      expect(store.health()).toMatchObject({ state: 'down', reason: 'command timed out', evicting: true });
      expect(await (await app.request('/metrics')).text()).toMatch(/^carrier_verify_store_evicting 1$/m);
      own.resume();
      await expect.poll(() => store.health().state, { timeout: 5000 }).toBe('up');
      expect(told).toEqual(['evicting']);
      expect(changes).toEqual(['up', 'down: command timed out', 'up']);
    } finally {
      own.resume();
      admin.disconnect();
      await store.close();
      await own.dispose();
    }
  });

  it('says it cannot tell, once, when Redis refuses INFO: no gauge that would pass for safe', async () => {
    const own = await startRedis();
    const admin = new Redis(own.url);
    await admin.config('SET', 'maxmemory', '100mb');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await admin.acl('SETUSER', 'noinfo', 'on', '>noinfo-password', '~*', '+@all', '-info');
    const told: string[] = [];
    const store = new RedisStore(own.url.replace('redis://', 'redis://noinfo:noinfo-password@'), { evictionCheckMs: 50, onEviction: (state) => told.push(state) });
    await store.ready();
    const app = testApp({ store, ...(await sharedSecrets('noinfo')) });
    try {
      await expect.poll(() => told).toEqual(['unchecked']);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(told).toEqual(['unchecked']);
      expect(store.health()).not.toHaveProperty('evicting');
      expect(await (await app.request('/metrics')).text()).not.toMatch(/^carrier_verify_store_evicting /m);
    } finally {
      admin.disconnect();
      await store.close();
      await own.dispose();
    }
  });
});

describe('a Redis that hangs, once its second of failing fast is over', () => {
  it('is asked by one command at a time: the others fail at once until that one has its answer', async () => {
    const store = new RedisStore(redis.url, { prefix: `probe${Date.now()}:` });
    await store.ready();
    try {
      redis.pause();
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const settledIn = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const started = performance.now();
          await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
          return performance.now() - started;
        }),
      );
      // One waits out the 500 ms command timeout; seven are told at once.
      expect(settledIn.filter((ms) => ms >= 400)).toHaveLength(1);
      expect(settledIn.filter((ms) => ms < 100)).toHaveLength(7);
      redis.resume();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await store.get('k')).toBeNull();
    } finally {
      redis.resume();
      await store.close();
    }
  });
});

describe('a Redis whose writes pause (as in a failover)', () => {
  it('leaves a token unspent when its redemption timed out with 503, though Redis carries out the claim later', async () => {
    const store = new RedisStore(redis.url, { prefix: `pause${Date.now()}:` });
    await store.ready();
    const admin = new Redis(redis.url);
    const app = testApp({ store, ...(await sharedSecrets('pause')), remoteAddress: () => '192.0.2.81' });
    try {
      const { token } = (await (await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()) as { token: string };
      // Reads go on, writes wait: the wrong-secret bar and count are read in time, the claim of the token waits past its timeout.
      await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE');
      const first = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
      expect(first.status).toBe(503);
      expect(await first.json()).toMatchObject({ success: false, errors: ['internal-error'] });
      // Past the pause and the store's second of failing fast: the backend retries, as the 503 tells it to.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const retry = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
      expect(await retry.json()).toMatchObject({ success: true, code: 'FP00000' });
      const again = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
      expect(await again.json()).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
      await store.close();
    }
  });
});

describe('a Redis that answers but refuses writes', () => {
  it('keeps the wrong-secret limit, and one answer for a right secret and a wrong one, while Redis reads but refuses writes', async () => {
    for (const before of [1, 3]) {
      const own = await startRedis();
      const store = new RedisStore(own.url, { prefix: `oombar${Date.now()}:` });
      await store.ready();
      const admin = new Redis(own.url);
      const app = testApp({ store, ...(await sharedSecrets('oombar')), limits: parseLimits('secret=3/10m'), remoteAddress: () => '192.0.2.82' });
      const answer = async (secret: string) => {
        const res = await postJson(app, '/api/siteverify', { secret, token: 'x.y.z' });
        return { said: `${res.status} ${((await res.json()) as { errors: string[] }).errors[0]}`, after: Number(res.headers.get('retry-after')) };
      };
      try {
        // `before` wrong secrets reach Redis; then writes fail, the rest are counted in this instance.
        for (let i = 0; i < before; i++) expect((await answer(`guess-${i}`)).said).toBe('200 invalid-input-secret');
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        await admin.config('SET', 'maxmemory', '1');
        for (let i = before; i < 3; i++) expect((await answer(`guess-${i}`)).said, `guess ${i}`).toBe('200 invalid-input-secret');
        const answers = [await answer('guess-3'), await answer('sandbox-secret'), await answer('guess-4'), await answer('sandbox-secret')];
        expect(answers.map((each) => each.said), `${before} before`).toEqual(Array(4).fill('429 rate-limited'));
        // The same wait (to the second it is counted down in) for each.
        const waits = answers.map((each) => each.after);
        expect(Math.max(...waits) - Math.min(...waits)).toBeLessThanOrEqual(1);
      } finally {
        await admin.config('SET', 'maxmemory', '0').catch(() => undefined);
        admin.disconnect();
        await store.close();
        await own.dispose();
      }
    }
  });

  it('is down (reason OOM) until a write succeeds again: reads that still work are no recovery, a wrong command no outage', async () => {
    const own = await startRedis();
    const prefix = `oom${Date.now()}:`;
    const { store, changes } = storeTellingChanges(own.url, { prefix });
    await store.ready();
    const admin = new Redis(own.url);
    try {
      await store.set('cache:kept', 'v', 60_000);
      await admin.lpush(`${prefix}list`, 'x');
      // An error about the command itself (WRONGTYPE) fails that command, and says nothing of Redis.
      await expect(store.get('list')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(changes).toEqual(['up']);

      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.claim('token:a', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.set('cache:k', 'v', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      // Out of memory, Redis still answers reads: that is not a recovery, and the outage is reported once.
      expect(await store.get('cache:kept')).toBe('v');
      await expect(store.set('cache:k', 'v', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(changes).toEqual(['up', 'down: OOM']);

      await admin.config('SET', 'maxmemory', '0');
      expect(await store.claim('token:a', 60_000)).toBe(true);
      expect(changes).toEqual(['up', 'down: OOM', 'up']);

      // A read-only replica refuses writes the same way.
      await admin.replicaof('127.0.0.1', '1');
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(changes).toEqual(['up', 'down: OOM', 'up', 'down: READONLY']);
      await admin.replicaof('NO', 'ONE');
      expect((await store.hit('w', 60_000)).count).toBe(1);
      expect(changes).toEqual(['up', 'down: OOM', 'up', 'down: READONLY', 'up']);
    } finally {
      admin.disconnect();
      await store.close();
      await own.dispose();
    }
  });
});

describe('a Redis that runs no scripts', () => {
  it('is down for the limits while an ACL refuses scripts, without flapping on the plain commands that work, and up once they are allowed', async () => {
    const user = `noscripts${Date.now()}`;
    const admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', user, 'on', '>a-long-password-1', '~*', '&*', '+@all', '-eval', '-evalsha');
    const { store, changes } = storeTellingChanges(`redis://${user}:a-long-password-1@127.0.0.1:${redis.port}`, { prefix: `${user}:` });
    await store.ready();
    try {
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      // Claims and the cache's reads and writes work: they do not say the store is back, request after request.
      expect(await store.claim('token:a', 60_000)).toBe(true);
      await store.set('cache:k', 'v', 60_000);
      expect(await store.get('cache:k')).toBe('v');
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(changes).toEqual(['up', 'down: scripts refused (NOPERM)']);
      expect(store.health()).toMatchObject({ state: 'down', reason: 'scripts refused (NOPERM)' });
      // Allowed again: the store's own look, a script, finds it up, with no request to find out.
      await admin.call('ACL', 'SETUSER', user, '+eval', '+evalsha');
      await expect.poll(() => store.health().state, { timeout: 5000, interval: 50 }).toBe('up');
      expect((await store.hit('w', 60_000)).count).toBe(1);
      expect(changes).toEqual(['up', 'down: scripts refused (NOPERM)', 'up']);
    } finally {
      await store.close();
      await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
    }
  });

  it('is down for the limits while EVAL and EVALSHA are renamed away', async () => {
    const own = await startRedis(['--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', '']);
    const { store, changes } = storeTellingChanges(own.url, { prefix: 'renamed:' });
    await store.ready();
    try {
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.claim('token:a', 60_000)).toBe(true);
      expect(changes).toEqual(['up', 'down: scripts refused (EVAL unknown)']);
    } finally {
      await store.close();
      await own.dispose();
    }
  });
});

describe('REDIS_URL naming a database the server does not have', () => {
  it('stops the proxy at start-up with a ConfigError naming REDIS_URL', async () => {
    const env = {
      REDIS_URL: `${redis.url}/99`,
      CARRIER_VERIFY_HASH_SECRET: 'test-hash-secret-'.padEnd(48, 'x'),
      CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([await generateTokenKey('db')]),
    };
    const lines: LogLine[] = [];
    const started = nodeAppConfig(env, { log: (line) => lines.push(line) });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/^REDIS_URL: database 99 does not exist on this server$/);
    // Said once, by the error that stops the proxy: no store-down line before it telling the same.
    expect(lines).toEqual([]);
  });

  it('keeps the store down, never on database 0, when Redis comes up after the proxy started', async () => {
    const own = await startRedis();
    await own.stop();
    const { store, changes } = storeTellingChanges(`${own.url}/99`);
    try {
      expect(await store.ready(300)).toBe(false);
      await own.start();
      await expect.poll(() => changes.at(-1), { timeout: 5000 }).toBe('down: database 99 does not exist on this server');
      // Reported once, though the connection was already down: Redis is back, and the setting is what is wrong.
      expect(changes.filter((change) => change.includes('database 99'))).toHaveLength(1);
      await expect(store.ready(100)).rejects.toThrow(/database 99 does not exist/);
      await expect(store.set('k', 'v', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.hit('w', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(changes).not.toContain('up');
      expect(await store.client.call('DBSIZE')).toBe(0);
    } finally {
      await store.close();
      await own.dispose();
    }
  });
});
