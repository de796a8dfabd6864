// Rate limits in process: per IP, per number (distinct names), per site, wrong siteverify secrets; Retry-After and order.
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError, type AppConfig } from '../../server/config.js';
import { createLimiter, DEFAULT_LIMITS, memoryPerLimit, parseLimits } from '../../server/limits.js';
import { MemoryStore } from '../../server/stores/memory.js';
import { createHasher } from '../../server/privacy.js';
import type { Site } from '../../server/sites.js';
import { postJson, sharedSecrets, testApp } from '../support/app.js';
import { providerFor, startMockUpstream } from '../support/mock-upstream.js';
import { createNodeTransport } from '../../server/transport-node.js';

const MINUTE = 60_000;
/** The client address of the limiter's own tests. */
const IP = '192.0.2.1';
const PEER_HEADER = 'x-test-peer';

/** When the clock of a limited app starts. */
const START = Date.parse('2026-03-01T08:00:00Z');

/** An app whose clock the test moves, and whose socket address is whatever the request's test header says. */
function limitedApp(limits?: string, overrides: AppConfig = {}) {
  let now = START;
  const app = testApp({
    now: () => now,
    limits: parseLimits(limits),
    remoteAddress: (c) => c.req.header(PEER_HEADER) ?? '192.0.2.1',
    ...overrides,
  });
  return Object.assign(app, {
    advance: (ms: number) => void (now += ms),
    verify: (name: string, phoneNumber: string, peer = '192.0.2.1', extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      postJson(app, '/api/verify', { name, phoneNumber, ...extra }, { [PEER_HEADER]: peer, ...headers }),
  });
}

async function expectLimited(res: Response, retryAfter: number, limit: 'ip' | 'number' | 'name' | 'site') {
  expect(res.status).toBe(429);
  expect(await res.json()).toEqual({ code: 'RATE_LIMITED', message: expect.any(String), limit });
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
}

const names = ['张三', '李四', '王五', '赵六', '孙七', '周八', '吴九'];

/** Joins a key's parts, so that a test can write and read the limiter's keys by hand. */
const hash = async (...parts: string[]) => parts.join('|');

/** A shared store that reads but refuses every write, with `error` (Redis out of memory, a read-only replica). */
function readOnlyStore(shared: MemoryStore, error: string) {
  const refuse = () => Promise.reject(new Error(error));
  return { get: (key: string) => shared.get(key), hit: refuse, claim: refuse, set: refuse, close: () => shared.close() };
}

/** A per-number limiter (2 names in 10 minutes) on a shared store that reads but refuses writes with `error`. */
function readOnlyNumberLimiter(error: string) {
  const shared = new MemoryStore();
  return { shared, limiter: createLimiter({ limits: parseLimits('number=2/10m'), store: readOnlyStore(shared, error), hash }) };
}

/**
 * A shared store that counts in 20 ms, as over a network, and does the rest at once. A site's budget takes 300 ms:
 * long enough that requests sent a few ms after the first are sure to join its call while it is being charged.
 * Its windows run on a limited app's clock, which the tests that use it never move: the Retry-After of a window
 * read a second or more after it opened (a loaded machine) is still the whole window.
 */
function slowCountingStore() {
  const memory = new MemoryStore({ now: () => START });
  const slow = <T>(value: Promise<T>, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
  return {
    hit: (key: string, windowMs: number) => slow(memory.hit(key, windowMs), key.startsWith('limit:site:') ? 300 : 20),
    claim: (key: string, ttlMs: number, value?: string) => memory.claim(key, ttlMs, value),
    get: (key: string) => memory.get(key),
    set: (key: string, value: string, ttlMs: number) => memory.set(key, value, ttlMs),
    close: () => memory.close(),
  };
}

describe('per-IP limit (30 a minute by default)', () => {
  it('refuses the 31st request in a minute with 429 and Retry-After, then lets the address back in', async () => {
    const app = limitedApp();
    for (let i = 0; i < 30; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13800138000'), 60, 'ip');
    app.advance(15_000);
    await expectLimited(await app.verify('张三', '13800138000'), 45, 'ip');
    expect((await app.verify('张三', '13800138000', '192.0.2.2')).status).toBe(200);
    app.advance(45_000);
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
  });

  it('rounds a Retry-After of part of a second up: a client that waits as long as told is let back in', async () => {
    const app = limitedApp('ip=2/1m');
    for (let i = 0; i < 2; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    // 44.5 s of the window left: told 45, not 44, at which it would only be refused again.
    app.advance(15_500);
    await expectLimited(await app.verify('张三', '13800138000'), 45, 'ip');
    app.advance(44_000);
    await expectLimited(await app.verify('张三', '13800138000'), 1, 'ip');
    app.advance(500);
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
  });

  it('counts an IPv6 client by its /64', async () => {
    const app = limitedApp('ip=2/1m');
    expect((await app.verify('张三', '13800138000', '2001:db8:1:2::a')).status).toBe(200);
    expect((await app.verify('张三', '13800138000', '2001:db8:1:2:ffff::b')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13800138000', '2001:db8:1:2::c'), 60, 'ip');
    expect((await app.verify('张三', '13800138000', '2001:db8:1:3::a')).status).toBe(200);
  });

  it('does not spend the budget on input refused before any lookup', async () => {
    const app = limitedApp('ip=2/1m');
    for (let i = 0; i < 5; i++) expect((await app.verify('张', '13800138000')).status).toBe(400);
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13800138000'), 60, 'ip');
  });
});

describe('per-address daily limit (1,000 a day by default)', () => {
  it('refuses an address its 1,001st request of the day, named ip to the client, until the day is over', async () => {
    const app = limitedApp('ip=off');
    for (let i = 0; i < 1000; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13800138000'), 24 * 3600, 'ip');
    // The log says which of the address's limits it was.
    expect(app.logs.at(-1)).toMatchObject({ status: 429, outcome: 'rate-limited', limit: 'ip-day' });
    expect((await app.verify('张三', '13800138000', '192.0.2.2')).status).toBe(200);
    app.advance(24 * 3600_000);
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
  });

  it('is asked after the per-minute limit, which spends none of it when it refuses', async () => {
    const app = limitedApp('ip=3/1m, ip-day=5/1d');
    for (let i = 0; i < 3; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    // Refused by the minute: not counted for the day.
    await expectLimited(await app.verify('张三', '13800138000'), 60, 'ip');
    expect(app.logs.at(-1)).toMatchObject({ limit: 'ip' });
    app.advance(MINUTE);
    for (let i = 0; i < 2; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    // The day's sixth: refused until the day that began with the first request is over.
    await expectLimited(await app.verify('张三', '13800138000'), 24 * 3600 - 60, 'ip');
    expect(app.logs.at(-1)).toMatchObject({ limit: 'ip-day' });
    app.advance(MINUTE);
    await expectLimited(await app.verify('张三', '13800138000'), 24 * 3600 - 120, 'ip');
  });

  it('is turned off on its own, and counts with the per-minute limit off', async () => {
    expect(parseLimits('ip-day=off')['ip-day']).toBeNull();
    expect(parseLimits('ip-day=off').ip).toEqual(DEFAULT_LIMITS.ip);
    const app = limitedApp('ip=2/1m, ip-day=off');
    for (let i = 0; i < 2; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13800138000'), 60, 'ip');
    const daily = limitedApp('ip=off, ip-day=1/1h');
    expect((await daily.verify('张三', '13800138000')).status).toBe(200);
    await expectLimited(await daily.verify('张三', '13800138000'), 3600, 'ip');
  });
});

describe('per-number limit (5 distinct names in 10 minutes by default)', () => {
  it('refuses a 6th name for a number, but not a name the same client already tried, nor another number', async () => {
    const app = limitedApp();
    for (const name of names.slice(0, 5)) expect((await app.verify(name, '13800138000', `192.0.2.${names.indexOf(name) + 10}`)).status).toBe(200);
    await expectLimited(await app.verify('周八', '13800138000', '198.51.100.1'), 600, 'number');
    // The refused name stays refused; a name is free to the client that tried it; other numbers are untouched.
    await expectLimited(await app.verify('周八', '13800138000', '198.51.100.2'), 600, 'number');
    const repeat = await app.verify('张三', '13800138000', '192.0.2.10');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ code: 'FP00000' });
    expect((await app.verify('周八', '18612345678', '198.51.100.4')).status).toBe(200);
    app.advance(10 * MINUTE);
    expect((await app.verify('周八', '13800138000', '198.51.100.5')).status).toBe(200);
  });

  it('treats the same name written differently as the same pair (normalised before counting)', async () => {
    const app = limitedApp('number=1/10m');
    expect((await app.verify('买买提·艾力', '19212345678')).status).toBe(200);
    expect((await app.verify(' 买买提•艾力 ', '+86 192-1234-5678')).status).toBe(200);
    await expectLimited(await app.verify('欧阳娜娜', '19212345678'), 600, 'number');
  });

  it('does not count a repeat of a pair the result cache still answers, after the window has moved on', async () => {
    const app = limitedApp('number=2/1m');
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
    app.advance(2 * MINUTE);
    expect((await app.verify('李四', '13800138000')).status).toBe(200);
    // 张三 is cached for a day (a match): asking again is no new name for the number, and costs no upstream call.
    const repeat = await app.verify('张三', '13800138000');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ code: 'FP00000' });
    expect((await app.verify('王五', '13800138000')).status).toBe(200);
    await expectLimited(await app.verify('赵六', '13800138000'), 60, 'number');
  });

  it('refuses a cached pair with the rest once the number\'s names are spent: no free test of names against the cache', async () => {
    const app = limitedApp('ip=off');
    expect((await app.verify('张三', '13800138000', '203.0.113.1')).status).toBe(200);
    app.advance(11 * MINUTE);
    // Someone else tries name after name for the number, each from a new address.
    for (const [i, name] of names.slice(1, 6).entries()) expect((await app.verify(name, '13800138000', `192.0.2.${i + 10}`)).status).toBe(200);
    await expectLimited(await app.verify('吴九', '13800138000', '192.0.2.30'), 600, 'number');
    // The right name is in the cache, from the owner's verification 11 minutes ago: it must look like any other name.
    await expectLimited(await app.verify('张三', '13800138000', '192.0.2.31'), 600, 'number');
    // A name tried in this window is still free to the client that tried it; at the window's end the owner is let in.
    expect((await app.verify('李四', '13800138000', '192.0.2.10')).status).toBe(200);
    app.advance(10 * MINUTE);
    expect(await (await app.verify('张三', '13800138000', '203.0.113.1')).json()).toMatchObject({ code: 'FP00000' });
  });

  it('counts a name once whichever clients send it: retries of a failing call from new addresses, and requests at once', async () => {
    const app = limitedApp('ip=off');
    // The upstream fails for this number (not cached): each retry, from a new address as a phone's may be, is the
    // same name for the number, counted once.
    for (let i = 1; i <= 6; i++) expect((await app.verify('张三', '13800000500', `198.51.100.${i}`)).status).toBe(502);
    expect((await app.verify('张三', '13800000500', '203.0.113.9')).status).toBe(502);
    // Five clients at once with one pair: one name, and four more are left for the number.
    const together = await Promise.all([1, 2, 3, 4, 5].map((i) => app.verify('李四', '18612345678', `192.0.2.${40 + i}`)));
    expect(together.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    for (const [i, name] of ['王八', '赵六', '孙七', '周八'].entries()) expect((await app.verify(name, '18612345678', `192.0.2.${60 + i}`)).status).toBe(200);
    await expectLimited(await app.verify('吴九', '18612345678', '192.0.2.70'), 600, 'number');
  });

  it('lets a client answered from the cache in this window ask again once the number is spent, as one it counted', async () => {
    const app = limitedApp('ip=off, number=2/10m');
    expect((await app.verify('张三', '13312345678', '203.0.113.1')).status).toBe(200);
    app.advance(11 * MINUTE);
    // A new window: the owner's repeat is answered from the cache, then someone else spends the number.
    expect((await app.verify('张三', '13312345678', '203.0.113.1')).status).toBe(200);
    for (const name of ['李四', '王五']) expect((await app.verify(name, '13312345678', '198.51.100.9')).status).toBe(200);
    expect((await app.verify('张三', '13312345678', '203.0.113.1')).status).toBe(200);
    await expectLimited(await app.verify('张三', '13312345678', '198.51.100.10'), 600, 'number');
  });

  it('lets a client ask its own pair again from another IPv6 address of its /64 once the number is spent (privacy addresses rotate)', async () => {
    const app = limitedApp('ip=off, number=2/10m');
    expect(await (await app.verify('王五', '13312345678', '2001:db8:1:2::a')).json()).toMatchObject({ code: 'FP00000' });
    expect((await app.verify('李四', '13312345678', '198.51.100.9')).status).toBe(200);
    expect(await (await app.verify('王五', '13312345678', '2001:db8:1:2:ffff::b')).json()).toMatchObject({ code: 'FP00000' });
    await expectLimited(await app.verify('王五', '13312345678', '2001:db8:1:3::a'), 600, 'number');
  });

  it('does not keep a number spent under a longer window for the rest of that window after a restart with a shorter one', async () => {
    // The operator shortens the window from a day to 10 minutes and restarts on the same store: the number spent under
    // the day takes names again within two of the new windows (its mark, then its count, end within one each), not the next day.
    let now = START;
    const store = new MemoryStore({ now: () => now });
    const before = createLimiter({ limits: parseLimits('number=2/1d'), store, hash, now: () => now });
    for (const name of ['李四', '王五']) expect((await before.number('13312345678', name, IP)).ok).toBe(true);
    const after = createLimiter({ limits: parseLimits('number=2/10m'), store, hash, now: () => now });
    expect(await after.numberSpent('13312345678', '张三', '198.51.100.9')).toMatchObject({ ok: false, scope: 'number', retryAfter: 600 });
    now += 10 * MINUTE;
    expect((await after.numberSpent('13312345678', '张三', '198.51.100.9')).ok).toBe(true);
    expect(await after.number('13312345678', '张三', '198.51.100.9')).toMatchObject({ ok: false, scope: 'number', retryAfter: 600 });
    now += 10 * MINUTE;
    expect((await after.numberSpent('13312345678', '张三', '198.51.100.9')).ok).toBe(true);
    expect((await after.number('13312345678', '张三', '198.51.100.9')).ok).toBe(true);
  });

  it('refuses a pair others counted to a client that spent the number after its own check passed (a burst of names)', async () => {
    const limiter = createLimiter({ limits: parseLimits('number=2/10m'), store: new MemoryStore(), hash });
    expect((await limiter.number('13312345678', '张三', '203.0.113.1')).ok).toBe(true);
    // The guesser's 张三 passed the spent check before its 李四 spent the number.
    expect((await limiter.numberSpent('13312345678', '张三', '198.51.100.66')).ok).toBe(true);
    expect((await limiter.number('13312345678', '李四', '198.51.100.66')).ok).toBe(true);
    expect(await limiter.number('13312345678', '张三', '198.51.100.66')).toMatchObject({ ok: false, scope: 'number', retryAfter: 600 });
    expect((await limiter.number('13312345678', '张三', '203.0.113.1')).ok).toBe(true);
  });

  it('does not tell a client guessing names for a spent number which names others tried: their admissions are not its own', async () => {
    const app = limitedApp('ip=off');
    // The owner verifies from their address; someone else spends the number's names from another.
    expect(await (await app.verify('欧阳娜娜', '17012345678', '203.0.113.7')).json()).toMatchObject({ code: 'FP00000' });
    for (const name of ['赵一', '赵二', '赵三', '赵四']) expect((await app.verify(name, '17012345678', '198.51.100.9')).status).toBe(200);
    // Each guess from a new address is refused, the owner's name (and its token) among them, and any name another
    // client tried; the owner's and the guesser's own repeats still pass.
    for (const [i, name] of ['钱七', '欧阳娜娜', '赵一', '孙八'].entries()) await expectLimited(await app.verify(name, '17012345678', `198.51.100.${i + 20}`), 600, 'number');
    expect(await (await app.verify('欧阳娜娜', '17012345678', '203.0.113.7')).json()).toMatchObject({ code: 'FP00000' });
    expect((await app.verify('赵一', '17012345678', '198.51.100.9')).status).toBe(200);
  });

  it('refuses a spent number\'s pairs before the cache is looked in: the cached one takes the same way as any other', async () => {
    const cached = new MemoryStore();
    let lookups = 0;
    const look = <T>(value: T) => ((lookups += 1), value);
    const store = {
      hit: (key: string, windowMs: number) => cached.hit(key, windowMs),
      claim: (key: string, ttlMs: number) => cached.claim(key, ttlMs),
      get: (key: string) => look(cached.get(key)),
      getNow: (key: string) => look(cached.getNow(key)),
      set: (key: string, value: string, ttlMs: number) => cached.set(key, value, ttlMs),
      setNow: (key: string, value: string, ttlMs: number) => cached.setNow(key, value, ttlMs),
      close: () => cached.close(),
    };
    const app = limitedApp('ip=off, number=2/10m', { cache: { store } });
    expect((await app.verify('张三', '13800138000')).status).toBe(200);
    app.advance(11 * MINUTE);
    for (const name of ['李四', '王五']) expect((await app.verify(name, '13800138000')).status).toBe(200);
    const before = lookups;
    await expectLimited(await app.verify('张三', '13800138000'), 600, 'number');
    await expectLimited(await app.verify('赵六', '13800138000'), 600, 'number');
    expect(lookups).toBe(before);
  });

  it('holds a spent number while the shared store reads but refuses writes, the names counted in memory', async () => {
      const { shared, limiter } = readOnlyNumberLimiter('OOM command not allowed');
    // 王五 was counted, and this client let through with it, before the store stopped taking writes (a verification
    // from earlier in the window).
    await shared.set('limit:pair:limit|pair|13312345678|王五', '1', 60_000);
    await shared.set('limit:pair-client:limit|pair|13312345678|王五|192.0.2.1', '1', 60_000);
    for (const name of ['张三', '李四']) expect((await limiter.number('13312345678', name, IP)).ok).toBe(true);
    expect(await limiter.number('13312345678', '赵六', IP)).toMatchObject({ ok: false, scope: 'number', degraded: true });
    // The number is spent in this instance's memory: a pair not admitted in the window is refused, read from there.
    expect(await limiter.numberSpent('13312345678', '孙七', IP)).toMatchObject({ ok: false, scope: 'number' });
    expect((await limiter.numberSpent('13312345678', '张三', IP)).ok).toBe(true);
    expect((await limiter.numberSpent('13312345678', '王五', IP)).ok).toBe(true);
  });

  it('refuses a pair counted by another request it waited on to a client that spent the number meanwhile', async () => {
    const store = new MemoryStore();
    const limiter = createLimiter({ limits: parseLimits('number=2/10m'), store, hash });
    const owner = 'limit:pair-client:limit|pair|13312345678|张三|203.0.113.1';
    // The owner's request is counting 张三 (its claim out) when a guesser's burst comes: its 张三 passes the spent
    // check, its other names spend the number, and its 张三 waits on the owner's count.
    await store.claim('limit:pair-claim:limit|pair|13312345678|张三', 2000, owner);
    expect((await limiter.numberSpent('13312345678', '张三', '198.51.100.66')).ok).toBe(true);
    for (const name of ['李四', '王五']) expect((await limiter.number('13312345678', name, '198.51.100.66')).ok).toBe(true);
    const waiting = limiter.number('13312345678', '张三', '198.51.100.66');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.set(owner, '1', 600_000);
    await store.set('limit:pair:limit|pair|13312345678|张三', '1', 600_000);
    expect(await waiting).toMatchObject({ ok: false, scope: 'number' });
  });

  it('notes a client let through with a pair counted earlier in this instance\'s memory while the shared store refuses writes', async () => {
      const { shared, limiter } = readOnlyNumberLimiter('READONLY You can\'t write against a read only replica.');
    // 张三 was counted earlier in the window, by another client.
    await shared.set('limit:pair:limit|pair|13312345678|张三', '1', 600_000);
    expect((await limiter.number('13312345678', '张三', IP)).ok).toBe(true);
    for (const name of ['李四', '王五']) expect((await limiter.number('13312345678', name, '198.51.100.9')).ok).toBe(true);
    // Spent, in memory: the client let through with 张三 may ask it again, another may not.
    expect((await limiter.numberSpent('13312345678', '张三', IP)).ok).toBe(true);
    expect((await limiter.numberSpent('13312345678', '张三', '198.51.100.10')).ok).toBe(false);
  });

  it('does not count again in memory a pair the shared store counted when one of its reads fails', async () => {
    const shared = new MemoryStore();
    let down: 'spent-mark' | 'all' = 'spent-mark';
    const fails = (key: string) => down === 'all' || key.startsWith('limit:number-full:');
    const flaky = {
      get: (key: string) => (fails(key) ? Promise.reject(new Error('ETIMEDOUT')) : shared.get(key)),
      hit: (key: string, windowMs: number) => (down === 'all' ? Promise.reject(new Error('ECONNREFUSED')) : shared.hit(key, windowMs)),
      claim: (key: string, ttlMs: number, value?: string) => (down === 'all' ? Promise.reject(new Error('ECONNREFUSED')) : shared.claim(key, ttlMs, value)),
      set: (key: string, value: string, ttlMs: number) => (down === 'all' ? Promise.reject(new Error('ECONNREFUSED')) : shared.set(key, value, ttlMs)),
      close: () => shared.close(),
    };
    const limiter = createLimiter({ limits: parseLimits('number=1/10m'), store: flaky, hash });
    // 张三 was counted in the shared store; this instance finds it counted while one read times out.
    await shared.hit('limit:number:limit|number|13312345678', 600_000);
    await shared.set('limit:pair:limit|pair|13312345678|张三', '1', 600_000);
    expect((await limiter.number('13312345678', '张三', IP)).ok).toBe(true);
    // Then the store goes down: this instance counts on its own, from nothing, 张三 not counted there a second time.
    down = 'all';
    expect(await limiter.number('13312345678', '李四', IP)).toMatchObject({ ok: true, degraded: true });
  });

  it("goes on from a site budget's last shared count while the shared store is down, to that window's end, and tells its watcher", async () => {
    let time = Date.UTC(2026, 11, 3, 12);
    const now = () => time;
    const shared = new MemoryStore({ now });
    let down = false;
    const store = {
      get: (key: string) => shared.get(key),
      hit: (key: string, windowMs: number) => (down ? Promise.reject(new Error('ECONNREFUSED')) : shared.hit(key, windowMs)),
      claim: (key: string, ttlMs: number, value?: string) => shared.claim(key, ttlMs, value),
      set: (key: string, value: string, ttlMs: number) => shared.set(key, value, ttlMs),
      close: () => shared.close(),
    };
    const seen: [string, number, number][] = [];
    const limiter = createLimiter({ limits: parseLimits('site=5/1d'), store, hash, now, onSiteCount: (site, window, max) => seen.push([site, window.count, max]) });
    for (let i = 0; i < 3; i++) expect((await limiter.site('shop')).ok).toBe(true);
    // Another instance spends the rest: this one last saw 3 of 5.
    await shared.hit('limit:site:limit|site|shop', 86_400_000);
    await shared.hit('limit:site:limit|site|shop', 86_400_000);
    time += 3_600_000;
    down = true;
    // Two more here, then none: what was left when it last counted, not a whole budget again.
    expect(await limiter.site('shop')).toMatchObject({ ok: true, degraded: true });
    expect(await limiter.site('shop')).toMatchObject({ ok: true, degraded: true });
    expect(await limiter.site('shop')).toMatchObject({ ok: false, degraded: true, scope: 'site', retryAfter: 82_800 });
    expect(seen).toEqual([['shop', 1, 5], ['shop', 2, 5], ['shop', 3, 5], ['shop', 4, 5], ['shop', 5, 5], ['shop', 6, 5]]);
    // The window that was shared ends when it would have: the next is this instance's own, from nothing.
    time += 82_800_000;
    expect(await limiter.site('shop')).toMatchObject({ ok: true, degraded: true });
    expect(seen.at(-1)).toEqual(['shop', 1, 5]);
  });

  it('is not spent by a request the per-IP limit refused', async () => {
    const app = limitedApp('ip=1/1m, number=2/10m');
    expect((await app.verify('张三', '13800138000', '192.0.2.1')).status).toBe(200);
    await expectLimited(await app.verify('李四', '13800138000', '192.0.2.1'), 60, 'ip');
    expect((await app.verify('李四', '13800138000', '192.0.2.2')).status).toBe(200);
    await expectLimited(await app.verify('王五', '13800138000', '192.0.2.3'), 600, 'number');
  });
});

describe('per-name limit (10 distinct numbers of one mask in an hour by default)', () => {
  /** The numbers 138 10NN 8000: the middles of one masked number, 138****8000, tried in turn. */
  const candidate = (i: number) => `138${1000 + i}8000`;

  it('refuses an 11th number of one mask for a name, from any address, but not another mask, another name or a pair already tried', async () => {
    const app = limitedApp('ip=off');
    // Ten middles for 张三, each from an address of its own, as a caller with many addresses would send them.
    for (let i = 1; i <= 10; i++) expect((await app.verify('张三', candidate(i), `192.0.2.${i}`)).status).toBe(200);
    await expectLimited(await app.verify('张三', candidate(11), '198.51.100.1'), 3600, 'name');
    await expectLimited(await app.verify('张三', candidate(12), '198.51.100.2'), 3600, 'name');
    // A pair counted in the window is no new number, for the client that tried it; other masks and names go on.
    expect((await app.verify('张三', candidate(3), '192.0.2.3')).status).toBe(200);
    expect((await app.verify('张三', '13810118001', '198.51.100.3')).status).toBe(200);
    expect((await app.verify('张三', '18610118000', '198.51.100.3')).status).toBe(200);
    expect((await app.verify('李四', candidate(11), '198.51.100.4')).status).toBe(200);
    app.advance(60 * MINUTE);
    expect((await app.verify('张三', candidate(11), '198.51.100.1')).status).toBe(200);
  });

  it('refuses the cached right number with the rest once the name is spent: the cache tells no one which number it was', async () => {
    const app = limitedApp('ip=off, name=3/1h');
    // The owner verified an hour ago: the match is cached for a day.
    expect(await (await app.verify('张三', '13800138000', '203.0.113.1')).json()).toMatchObject({ code: 'FP00000' });
    app.advance(61 * MINUTE);
    const middles = (from: number) => Array.from({ length: 3 }, (_, i) => `138${from + i}8000`);
    for (const [i, number] of middles(2000).entries()) expect((await app.verify('张三', number, `192.0.2.${i}`)).status).toBe(200);
    await expectLimited(await app.verify('张三', '13830008000', '192.0.2.4'), 3600, 'name');
    // The right number, which the cache could answer, is refused as the wrong ones are.
    await expectLimited(await app.verify('张三', '13800138000', '192.0.2.5'), 3600, 'name');
    // The owner was let through in the last window, not this one: it is let in again when this one ends.
    app.advance(60 * MINUTE);
    expect(await (await app.verify('张三', '13800138000', '203.0.113.1')).json()).toMatchObject({ code: 'FP00000' });
  });

  it('does not give the cached right number to a burst of guesses sent at once from many addresses: a cached pair counts too', async () => {
    const app = limitedApp('ip=off');
    expect(await (await app.verify('张三', '13800138000', '203.0.113.1')).json()).toMatchObject({ code: 'FP00000' });
    app.advance(61 * MINUTE);
    // 200 middles at once, the right one among them late, each from an IPv6 /64 of its own: all pass the spent check
    // before any is counted.
    const middles = Array.from({ length: 200 }, (_, i) => (i === 150 ? '13800138000' : `138${2000 + i}8000`));
    const answers = await Promise.all(middles.map((number, i) => app.verify('张三', number, `2001:db8:${i.toString(16)}::1`)));
    const codes = await Promise.all(answers.map(async (res) => (await res.json()).code as string));
    expect(codes.filter((code) => code !== 'RATE_LIMITED')).toHaveLength(10);
    expect(codes[middles.indexOf('13800138000')]).toBe('RATE_LIMITED');
  });

  it('does not count cached wrong guesses again in the next window: keeping a name spent costs a stranger new calls each time', async () => {
    const app = limitedApp('ip=off, name=3/1h');
    // Wrong middles for 张三 (no record, cached for 10 minutes): one opens the window, two more near its end.
    expect(await (await app.verify('张三', candidate(1), '192.0.2.1')).json()).toMatchObject({ code: 'KYC1101' });
    app.advance(55 * MINUTE);
    for (let i = 2; i <= 3; i++) expect(await (await app.verify('张三', candidate(i), `192.0.2.${i}`)).json()).toMatchObject({ code: 'KYC1101' });
    app.advance(5 * MINUTE + 1000);
    // In the new window the two, asked again from the cache, count nothing: one new guess, and the owner, from a new
    // address, is let through.
    for (let i = 2; i <= 3; i++) expect((await app.verify('张三', candidate(i), `192.0.2.${i}`)).status).toBe(200);
    expect((await app.verify('张三', candidate(4), '192.0.2.4')).status).toBe(200);
    expect(await (await app.verify('张三', '13800138000', '203.0.113.50')).json()).toMatchObject({ code: 'FP00000' });
  });

  it('lets a client answered from the cache in this window ask again once the name is spent', async () => {
    const app = limitedApp('ip=off, name=2/1h');
    expect((await app.verify('张三', '13800138000', '203.0.113.1')).status).toBe(200);
    // Another client, answered the cached pair: counted once in the window, and noted as let through with it.
    expect((await app.verify('张三', '13800138000', '203.0.113.2')).status).toBe(200);
    expect((await app.verify('张三', candidate(1), '192.0.2.1')).status).toBe(200);
    await expectLimited(await app.verify('张三', candidate(2), '192.0.2.2'), 3600, 'name');
    expect((await app.verify('张三', '13800138000', '203.0.113.2')).status).toBe(200);
  });

  it('counts the name as the checks normalise it', async () => {
    const app = limitedApp('ip=off, name=2/1h');
    expect((await app.verify('买买提·艾力', '19212345678')).status).toBe(200);
    expect((await app.verify(' 买买提•艾力 ', '+86 192-1234-5678')).status).toBe(200);
    expect((await app.verify('买买提・艾力', '19200005678')).status).toBe(200);
    await expectLimited(await app.verify('买买提 · 艾力', '19211115678'), 3600, 'name');
  });

  it('spends none of a number\'s names on a guess it refuses, sent at once with others past the spent check', async () => {
    const app = limitedApp('ip=off, number=2/10m, name=1/1h');
    const numbers = ['13800138000', '13811118000'];
    const burst = await Promise.all(numbers.map((number, i) => app.verify('张三', number, `198.51.100.${i + 1}`)));
    // Which of the two is counted first is the store's order: one passes, the other is refused by the name's limit.
    expect(burst.map((res) => res.status).sort()).toEqual([200, 429]);
    const refused = numbers[burst.findIndex((res) => res.status === 429)]!;
    // The refused guess's number has both its names left.
    for (const name of ['李四', '王五']) expect((await app.verify(name, refused, '198.51.100.9')).status).toBe(200);
    await expectLimited(await app.verify('赵六', refused, '198.51.100.9'), 600, 'number');
  });

  it('is off when told, and keeps its default otherwise', async () => {
    expect(DEFAULT_LIMITS.name).toEqual({ max: 10, windowMs: 60 * MINUTE });
    const app = limitedApp('ip=off, name=off');
    for (let i = 1; i <= 12; i++) expect((await app.verify('张三', candidate(i), `192.0.2.${i}`)).status).toBe(200);
  });
});

describe('the per-number limit asked twice at once', () => {
  /** A store that takes a round trip for every command, as Redis does, so that requests can interleave. */
  const remoteStore = () => {
    const store = new MemoryStore();
    const later = <T>(answer: () => Promise<T>) => new Promise<T>((resolve) => setTimeout(() => resolve(answer()), 3));
    return {
      hit: (key: string, windowMs: number) => later(() => store.hit(key, windowMs)),
      claim: (key: string, ttlMs: number) => later(() => store.claim(key, ttlMs)),
      get: (key: string) => later(() => store.get(key)),
      set: (key: string, value: string, ttlMs: number) => later(() => store.set(key, value, ttlMs)),
      close: () => store.close(),
    };
  };

  it('counts a pair once, and refuses every copy of a name over the limit', async () => {
    const limiter = createLimiter({ limits: parseLimits('number=2/10m'), store: remoteStore(), hash });
    const at = async (name: string, copies = 3) => (await Promise.all(Array.from({ length: copies }, () => limiter.number('13312345678', name, IP)))).map((v) => v.ok);
    expect(await at('张三')).toEqual([true, true, true]);
    expect(await at('李四')).toEqual([true, true, true]);
    for (const name of ['王五', '赵六', '孙七']) expect([name, await at(name)]).toEqual([name, [false, false, false]]);
    expect(await at('张三', 1)).toEqual([true]);
    expect(await at('王五', 1)).toEqual([false]);
  });

  it('lets a pair being counted as the number is spent wait for its own verdict, and refuses the rest', async () => {
    const store = new MemoryStore();
    const limiter = createLimiter({ limits: parseLimits('number=2/10m'), store, hash });
    for (const name of ['李四', '王五']) expect((await limiter.number('13312345678', name, IP)).ok).toBe(true);
    // 张三's count is under way (a double click of it came as 王五 spent the number): its claim, naming this client, is out.
    await store.claim('limit:pair-claim:limit|pair|13312345678|张三', 2000, 'limit:pair-client:limit|pair|13312345678|张三|192.0.2.1');
    expect((await limiter.numberSpent('13312345678', '张三', IP)).ok).toBe(true);
    // Another client's copy of the pair does not wait on it: for that client the number is spent.
    expect(await limiter.numberSpent('13312345678', '张三', '192.0.2.99')).toMatchObject({ ok: false, scope: 'number', retryAfter: 600 });
    expect(await limiter.numberSpent('13312345678', '赵六', IP)).toMatchObject({ ok: false, scope: 'number', retryAfter: 600 });
  });

  it('keeps a spent number refused on an instance whose clock runs ahead of the one that spent it', async () => {
    const store = new MemoryStore();
    const writer = createLimiter({ limits: parseLimits('number=2/10m'), store, hash });
    const ahead = createLimiter({ limits: parseLimits('number=2/10m'), store, hash, now: () => Date.now() + 11 * MINUTE });
    for (const name of ['李四', '王五']) expect((await writer.number('13312345678', name, IP)).ok).toBe(true);
    // The window's end, by its clock, has passed; the store still holds the mark, as it holds the count.
    expect(await ahead.numberSpent('13312345678', '张三', IP)).toMatchObject({ ok: false, scope: 'number', retryAfter: 1 });
  });

  it('never lets a name through uncounted when the request counting it fails midway', async () => {
    const shared = new MemoryStore();
    let failSet = true;
    // One instance's store answers the claim and the count, then fails before the verdict is written.
    const failing = {
      hit: (key: string, windowMs: number) => shared.hit(key, windowMs),
      claim: (key: string, ttlMs: number) => shared.claim(key, ttlMs),
      get: (key: string) => shared.get(key),
      set: (key: string, value: string, ttlMs: number) => {
        if (!failSet) return shared.set(key, value, ttlMs);
        failSet = false;
        return Promise.reject(new Error('store went away'));
      },
      close: () => shared.close(),
    };
    const limits = parseLimits('number=1/10m');
    const a = createLimiter({ limits, store: failing, hash });
    const b = createLimiter({ limits, store: shared, hash });
    expect((await b.number('13312345678', '张三', IP)).ok).toBe(true);
    const [first, second] = await Promise.all([a.number('13312345678', '李四', IP), b.number('13312345678', '李四', IP)]);
    // The count was in before the write failed: the failing instance refuses (degraded), and the other one, finding
    // the claim with no verdict on it, waits it out, counts the pair itself and refuses too.
    expect(first).toMatchObject({ ok: false, degraded: true, scope: 'number' });
    expect(second).toMatchObject({ ok: false, scope: 'number' });
    expect((await b.number('13312345678', '李四', IP)).ok).toBe(false);
  });
});

describe('the per-number limit when the claims on a pair keep lapsing', () => {
  it('passes a pair admitted by the last request to claim it, rather than giving up on it', async () => {
    const shared = new MemoryStore();
    const pairKey = 'limit:pair:limit|pair|13312345678|张三';
    let claimReads = 0;
    // Every claim goes to another request, whose claim lapses after one look; the third of them admits the pair.
    const store = {
      hit: (key: string, windowMs: number) => shared.hit(key, windowMs),
      claim: async () => false,
      get: async (key: string) => {
        if (!key.startsWith('limit:pair-claim:')) return shared.get(key);
        claimReads++;
        if (claimReads === 6) await shared.set(pairKey, '1', 60_000);
        return claimReads % 2 === 1 ? '1' : null;
      },
      set: (key: string, value: string, ttlMs: number) => shared.set(key, value, ttlMs),
      close: () => shared.close(),
    };
    const limiter = createLimiter({ limits: parseLimits('number=5/10m, name=off'), store, hash });
    expect((await limiter.number('13312345678', '张三', IP)).ok).toBe(true);
  });
});

describe('the per-number limit with a window shorter than the claim on a pair', () => {
  it('lets a name refused in one window in at the next, at once', async () => {
    let now = Date.parse('2026-03-01T08:00:00Z');
    const clock = () => now;
    // A request that finds a pair claimed waits, looking at the claim: the looks are counted, not the milliseconds,
    // which would count the machine's load as well.
    let claimLooks = 0;
    const store = new (class extends MemoryStore {
      override get(key: string) {
        if (key.startsWith('limit:pair-claim:')) claimLooks++;
        return super.get(key);
      }
    })({ now: clock });
    const limiter = createLimiter({ limits: parseLimits('number=1/1s'), store, hash, now: clock });
    expect((await limiter.number('13312345678', '张三', IP)).ok).toBe(true);
    now += 100;
    expect(await limiter.number('13312345678', '李四', IP)).toMatchObject({ ok: false, retryAfter: 1 });
    now += 1100;
    expect((await limiter.number('13312345678', '李四', IP)).ok).toBe(true);
    expect((await limiter.number('13312345678', '张三', IP)).ok).toBe(false);
    expect(claimLooks, 'no wait for a claim left over from the last window').toBe(0);
  });
});

describe('limits kept in memory', () => {
  const flood = async (limiter: ReturnType<typeof createLimiter>, addresses: number) => {
    for (let i = 0; i < addresses; i++) await limiter.ip(`2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`);
  };
  const guessNames = async (limiter: ReturnType<typeof createLimiter>) => {
    const verdicts = [];
    for (const name of names) verdicts.push((await limiter.number('13312345678', name, IP)).ok);
    return verdicts;
  };

  it('keep the per-number count through a flood of cache hits from new addresses: the notes of who was let through have a store of their own', async () => {
    const limiter = createLimiter({ limits: parseLimits('ip=off, number=2/10m'), store: memoryPerLimit(undefined, 50), hash });
    for (const name of ['李四', '王五']) expect((await limiter.number('13312345678', name, '198.51.100.9')).ok).toBe(true);
    expect((await limiter.numberSpent('13312345678', '赵六', '198.51.100.9')).ok).toBe(false);
    // A cached pair asked from 60 new /64s, each answered from the cache and noted as let through.
    for (let i = 0; i < 60; i++) await limiter.cachedPair('13800138000', '张三', `2001:db8:${i.toString(16)}::1`, true);
    expect((await limiter.numberSpent('13312345678', '赵六', '198.51.100.9')).ok).toBe(false);
    expect((await limiter.number('13312345678', '赵六', '198.51.100.9')).ok).toBe(false);
  });

  it('keep the per-number count through a flood of new addresses that fills the address counts', async () => {
    const limiter = createLimiter({ limits: DEFAULT_LIMITS, store: memoryPerLimit(undefined, 1000), hash });
    expect(await guessNames(limiter)).toEqual([true, true, true, true, true, false, false]);
    await flood(limiter, 1500);
    expect((await limiter.number('13312345678', '郑十', IP)).ok).toBe(false);
  });

  it('would lose it in one shared store, which is why each limit has its own', async () => {
    const limiter = createLimiter({ limits: DEFAULT_LIMITS, store: new MemoryStore({ maxKeys: 1000 }), hash });
    expect(await guessNames(limiter)).toEqual([true, true, true, true, true, false, false]);
    await flood(limiter, 1500);
    expect((await limiter.number('13312345678', '郑十', IP)).ok).toBe(true);
  });
});

describe('per-site limit (10,000 a day by default)', () => {
  const secret = 's'.repeat(40);
  const sites: Site[] = [
    { siteKey: 'shop', secret: `shop-${secret}`, origins: ['https://shop.example'] },
    { siteKey: 'bank', secret: `bank-${secret}`, origins: ['https://bank.example'] },
  ];

  it('refuses a site over its daily budget while other sites go on', async () => {
    const app = limitedApp('site=3/1d', { sites });
    for (let i = 0; i < 3; i++) {
      expect((await app.verify(names[i]!, '13800138000', `192.0.2.${i + 1}`, { siteKey: 'shop' })).status).toBe(200);
    }
    await expectLimited(await app.verify('张三', '18612345678', '192.0.2.9', { siteKey: 'shop' }), 86_400, 'site');
    expect((await app.verify('张三', '18612345678', '192.0.2.9', { siteKey: 'bank' })).status).toBe(200);
    app.advance(24 * 60 * MINUTE);
    expect((await app.verify('张三', '18612345678', '192.0.2.9', { siteKey: 'shop' })).status).toBe(200);
  });

  it('keeps the budget through a flood of new addresses when the app is given a MemoryStore: each limit still counts in a store of its own', async () => {
    const app = limitedApp('site=3/1d', { sites, store: new MemoryStore({ maxKeys: 50 }), storeKind: 'memory' });
    for (let i = 0; i < 3; i++) expect((await app.verify(names[i]!, '13800138000', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    await expectLimited(await app.verify('张三', '18612345678', '192.0.2.1', { siteKey: 'shop' }), 86_400, 'site');
    // One cached pair asked from 60 new addresses: no upstream call, a new per-address count each.
    for (let i = 0; i < 60; i++) expect((await app.verify('张三', '13800138000', `2001:db8:${i.toString(16)}::1`, { siteKey: 'shop' })).status).toBe(200);
    await expectLimited(await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' }), 86_400, 'site');
  });

  it('counts only what asks the upstream: repeats the cache answers do not spend the budget', async () => {
    const app = limitedApp('site=2/1d, ip=off', { sites });
    expect((await app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    expect((await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    await expectLimited(await app.verify('王五', '13312345678', '192.0.2.1', { siteKey: 'shop' }), 86_400, 'site');
  });

  it('counts requests for one pair that share a call once: a double click spends one unit of the budget, as it pays once', async () => {
    const vendor = await startMockUpstream();
    const transport = createNodeTransport();
    try {
      vendor.fail({ kind: 'slow', delayMs: 200 });
      const app = limitedApp('site=2/1d, ip=off', { sites, providers: [providerFor(vendor, { id: 'main', transport, timeoutMs: 2000 })] });
      const repeats = await Promise.all(Array.from({ length: 5 }, () => app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'shop' })));
      expect(repeats.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
      expect(vendor.calls).toBe(1);
      // One unit spent of two: another pair still gets its call, and the one after it is refused.
      expect((await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
      await expectLimited(await app.verify('王五', '13312345678', '192.0.2.1', { siteKey: 'shop' }), 86_400, 'site');
      expect(vendor.calls).toBe(2);
    } finally {
      await transport.close();
      await vendor.close();
    }
  });

  it('refuses every request waiting on a call the budget refuses, and logs each as the site limit', async () => {
    const vendor = await startMockUpstream();
    const transport = createNodeTransport();
    try {
      const app = limitedApp('site=1/1d, ip=off', { sites, providers: [providerFor(vendor, { id: 'main', transport, timeoutMs: 2000 })] });
      expect((await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
      const repeats = await Promise.all(Array.from({ length: 3 }, () => app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'shop' })));
      for (const res of repeats) await expectLimited(res, 86_400, 'site');
      expect(vendor.calls).toBe(1);
      expect(app.logs.slice(-3)).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ status: 429, outcome: 'rate-limited', limit: 'site' })));
    } finally {
      await transport.close();
      await vendor.close();
    }
  });

  it('lets a request from another site that joined a call its own site refused ask on its own budget', async () => {
    // The second request joins the first's call while the first's site budget is being counted. Both come from one
    // client (one person on two sites' pages), so that the second waits on the first's count of the pair, not its own.
    const store = slowCountingStore();
    const app = limitedApp('site=1/1d, ip=off', { sites, store, ...(await sharedSecrets('joined')) });
    expect((await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    const [shop, bank] = await Promise.all([
      app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'shop' }),
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => app.verify('张三', '13800138000', '192.0.2.1', { siteKey: 'bank' })),
    ]);
    await expectLimited(shop, 86_400, 'site');
    expect(bank.status).toBe(200);
    expect(app.logs.find((line) => line.site === 'bank')).toMatchObject({ status: 200, outcome: 'FP00000' });
    expect(app.logs.find((line) => line.site === 'bank')?.limit).toBeUndefined();
  });

  it('asks again on its own budget however many other sites refused the calls it joined, and on its own site refuses at once', async () => {
    const store = slowCountingStore();
    const three: Site[] = [...sites, { siteKey: 'mall', secret: `mall-${secret}`, origins: ['https://mall.example'] }];
    const app = limitedApp('site=1/1d, ip=off', { sites: three, store, ...(await sharedSecrets('three')) });
    // The shop and the bank have spent their day.
    expect((await app.verify('李四', '18612345678', '192.0.2.1', { siteKey: 'shop' })).status).toBe(200);
    expect((await app.verify('王五', '13312345678', '192.0.2.1', { siteKey: 'bank' })).status).toBe(200);
    // From one client, so that the later requests wait on the first's count of the pair and then join its call.
    const later = (ms: number, siteKey: string) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => app.verify('张三', '13800138000', '192.0.2.2', { siteKey }));
    const [shop, bank, mall, shopAgain] = await Promise.all([later(0, 'shop'), later(5, 'bank'), later(5, 'mall'), later(5, 'shop')]);
    await expectLimited(shop, 86_400, 'site');
    await expectLimited(shopAgain, 86_400, 'site');
    expect(mall.status).toBe(200);
    expect(app.logs.find((line) => line.site === 'mall')).toMatchObject({ status: 200, outcome: 'FP00000', cache: 'miss' });
    // The bank and the mall wait on the shop's call by looking at it every so often: whichever looks first once it has
    // failed asks again first. The bank first, its own day refuses it; the mall first, the bank finds the mall's
    // answer, as a cache hit, and spends nothing. Never a call of the bank's own.
    const bankLine = app.logs.find((line) => line.site === 'bank' && line.phone === '138****8000');
    if (bank.status === 200) expect(bankLine).toMatchObject({ status: 200, outcome: 'FP00000', cache: 'hit' });
    else await expectLimited(bank, 86_400, 'site');
  });

  it('keeps its default at 10,000 a day', () => {
    expect(DEFAULT_LIMITS.site).toEqual({ max: 10_000, windowMs: 24 * 60 * MINUTE });
    expect(DEFAULT_LIMITS.ip).toEqual({ max: 30, windowMs: MINUTE });
    expect(DEFAULT_LIMITS.number).toEqual({ max: 5, windowMs: 10 * MINUTE });
  });
});

describe('a refusal as a browser and the log see it', () => {
  it('carries CORS headers and exposes Retry-After to an allowed origin', async () => {
    const app = limitedApp('ip=1/1m');
    const origin = { origin: 'http://localhost:5173' };
    await app.verify('张三', '13800138000', '192.0.2.1', {}, origin);
    const res = await app.verify('张三', '13800138000', '192.0.2.1', {}, origin);
    await expectLimited(res, 60, 'ip');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase().split(/\s*,\s*/)).toEqual(expect.arrayContaining(['retry-after', 'date']));
  });

  it('logs which limit refused, with the address cut to its /24', async () => {
    const app = limitedApp('ip=1/1m');
    await app.verify('张三', '13800138000', '203.0.113.77');
    await app.verify('张三', '13800138000', '203.0.113.77');
    expect(app.logs[1]).toMatchObject({ status: 429, outcome: 'rate-limited', limit: 'ip', ip: '203.0.113.0/24', phone: '138****8000', name: '张*' });
    expect(JSON.stringify(app.logs)).not.toContain('203.0.113.77');
  });
});

describe('wrong siteverify secrets per IP (10 in 10 minutes by default)', () => {
  const siteverify = (app: ReturnType<typeof limitedApp>, secret: string, peer: string) =>
    postJson(app, '/api/siteverify', { secret, token: 'x.y.z' }, { [PEER_HEADER]: peer });

  it('bars an address after 10 wrong secrets, even with the right one, and only that address', async () => {
    const app = limitedApp();
    for (let i = 0; i < 10; i++) {
      const res = await siteverify(app, `guess-${i}`, '192.0.2.66');
      expect(await res.json()).toMatchObject({ success: false, errors: ['invalid-input-secret'] });
    }
    const barred = await siteverify(app, 'sandbox-secret', '192.0.2.66');
    expect(barred.status).toBe(429);
    expect(barred.headers.get('retry-after')).toBe('600');
    expect(await barred.json()).toMatchObject({ success: false, errors: ['rate-limited'] });
    expect(await (await siteverify(app, 'sandbox-secret', '192.0.2.67')).json()).toMatchObject({ errors: ['invalid-input-response'] });
    // The bar counts down from the tenth wrong secret: halfway through, half the wait is left.
    app.advance(5 * MINUTE);
    const later = await siteverify(app, 'sandbox-secret', '192.0.2.66');
    expect([later.status, later.headers.get('retry-after')]).toEqual([429, '300']);
    app.advance(5 * MINUTE);
    expect(await (await siteverify(app, 'sandbox-secret', '192.0.2.66')).json()).toMatchObject({ errors: ['invalid-input-response'] });
  });

  it('refuses a right secret once the wrong ones are spent, as it refuses a wrong one, before the bar is written (requests sent at once)', async () => {
    // A store whose bar is never written: as it stands between a wrong secret's count and its bar.
    const memory = new MemoryStore();
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      set: (key: string, value: string, ttlMs: number) => (key.startsWith('limit:secret-bar:') ? Promise.resolve() : memory.set(key, value, ttlMs)),
    });
    const limiter = createLimiter({ limits: parseLimits('secret=3/10m'), store, hash: createHasher('h'.repeat(40)) });
    expect(await limiter.secretAccepted('192.0.2.66')).toMatchObject({ ok: true });
    const counted = [];
    for (let i = 0; i < 4; i++) counted.push(await limiter.secretFailed('192.0.2.66'));
    // The fourth wrong secret may no longer be answered as wrong.
    expect(counted.map((verdict) => verdict.ok)).toEqual([true, true, true, false]);
    // The bar is not there to ask: the count refuses the right secret, and says the same as to the wrong one.
    expect(await limiter.secretBarred('192.0.2.66')).toMatchObject({ ok: true });
    const right = await limiter.secretAccepted('192.0.2.66');
    expect(right).toMatchObject({ ok: false, scope: 'secret', retryAfter: 600 });
    expect(right).toEqual(counted[3]);
    expect(await limiter.secretAccepted('192.0.2.67')).toMatchObject({ ok: true });
  });

  it('answers a right secret sent among wrong ones at once as it answers them at siteverify, before the bar is written', async () => {
    // A shared store whose bar is never written: as it stands between the count of a wrong secret and its bar.
    const memory = new MemoryStore();
    const store = {
      hit: (key: string, windowMs: number) => memory.hit(key, windowMs),
      claim: (key: string, ttlMs: number, value?: string) => memory.claim(key, ttlMs, value),
      get: (key: string) => memory.get(key),
      set: (key: string, value: string, ttlMs: number) => (key.startsWith('limit:secret-bar:') ? Promise.resolve() : memory.set(key, value, ttlMs)),
      close: () => memory.close(),
    };
    const app = limitedApp('secret=3/10m', { store, ...(await sharedSecrets('secret')) });
    for (let i = 0; i < 3; i++) expect(await (await siteverify(app, `guess-${i}`, '192.0.2.66')).json()).toMatchObject({ errors: ['invalid-input-secret'] });
    const wrong = await siteverify(app, 'guess-3', '192.0.2.66');
    const right = await siteverify(app, 'sandbox-secret', '192.0.2.66');
    for (const res of [wrong, right]) {
      expect([res.status, res.headers.get('retry-after')]).toEqual([429, '600']);
      expect(await res.json()).toMatchObject({ success: false, errors: ['rate-limited'] });
    }
    expect(await (await siteverify(app, 'sandbox-secret', '192.0.2.67')).json()).toMatchObject({ errors: ['invalid-input-response'] });
  });

  it("counts them per token holder: a stranger on a backend's address cannot bar the redemptions of its users' tokens", async () => {
    const app = limitedApp();
    const tokenOf = async (name: string, phoneNumber: string) => ((await (await app.verify(name, phoneNumber, '198.51.100.1')).json()) as { token: string }).token;
    const post = (secret: string, token: string) => postJson(app, '/api/siteverify', { secret, token }, { [PEER_HEADER]: '192.0.2.66' });
    const said = async (res: Response) => `${res.status} ${((await res.json()) as { errors: string[] }).errors.join()}`;
    const user = await tokenOf('张三', '13800138000');
    // A stranger on the backend's address (a cloud NAT) spends the wrong secrets of tokens of no one…
    for (let i = 0; i < 10; i++) expect(await said(await post(`guess-${i}`, 'x.y.z'))).toBe('200 invalid-input-secret');
    expect(await said(await post('sandbox-secret', 'x.y.z'))).toBe('429 rate-limited');
    // …and, having verified its own pair at the site (a cached match gives it a new token at no cost), of its own.
    const own = await tokenOf('李四', '18612345678');
    for (let i = 0; i < 10; i++) expect(await said(await post(`guess-${i}`, own))).toBe('200 invalid-input-secret');
    expect(await said(await post('sandbox-secret', await tokenOf('李四', '18612345678')))).toBe('429 rate-limited');
    // The backend, on the same address, still redeems its users' tokens.
    expect(await said(await post('sandbox-secret', user))).toBe('200 ');
    // Past its life a token is no one's: counted with those, whose bar is over after the window, the pair's not yet.
    app.advance(4 * MINUTE);
    const later = await tokenOf('王五', '13312345678');
    for (let i = 0; i < 10; i++) expect(await said(await post(`guess-${i}`, later))).toBe('200 invalid-input-secret');
    app.advance(7 * MINUTE);
    expect(await said(await post('sandbox-secret', later))).toBe('200 timeout-or-duplicate');
  });

  it('does not count a right secret', async () => {
    const app = limitedApp('secret=2/10m');
    for (let i = 0; i < 5; i++) expect((await siteverify(app, 'sandbox-secret', '192.0.2.66')).status).toBe(200);
  });
});

describe('CARRIER_VERIFY_LIMITS', () => {
  it('keeps the defaults for what it does not name', () => {
    expect(parseLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(parseLimits('')).toEqual(DEFAULT_LIMITS);
    expect(parseLimits('ip=100/30s')).toEqual({ ...DEFAULT_LIMITS, ip: { max: 100, windowMs: 30_000 } });
  });

  it('reads every unit, an implied 1, and off', () => {
    expect(parseLimits(' ip = 5/m , number=3/2h ')).toMatchObject({ ip: { max: 5, windowMs: MINUTE }, number: { max: 3, windowMs: 7_200_000 } });
    expect(parseLimits('site=50000/7d, secret=off')).toMatchObject({ site: { max: 50_000, windowMs: 7 * 24 * 60 * MINUTE }, secret: null });
    expect(parseLimits('ip=10/1500ms').ip).toEqual({ max: 10, windowMs: 1500 });
  });

  it('turns a limit off when told', async () => {
    const app = limitedApp('ip=off');
    for (let i = 0; i < 40; i++) expect((await app.verify('张三', '13800138000')).status).toBe(200);
  });

  it.each([
    ['ip=30', /ip: "30" is not of the form/],
    ['ip=30/1m=5', /"ip=30\/1m=5" is not of the form scope=count\/window/],
    ['ip=30/1m; number=5/10m', /"ip=30\/1m; number=5\/10m" is not of the form scope=count\/window: separate entries with commas \(ip=30\/1m, number=5\/10m\)$/],
    ['ip=30/1m number=5/10m', /: separate entries with commas/],
    ['ip=30/1y', /not of the form/],
    ['visits=3/1m', /unknown limit "visits"/],
    ['ip=0/1m', /at least 1/],
    ['ip=5/100ms', /between 1s and 7d/],
    ['site=5/8d', /between 1s and 7d/],
    ['ip=1/1m, ip=100/1m', /ip is given twice/],
  ])('stops the proxy on %j, naming the setting', (raw, message) => {
    const load = () => loadConfig({ CARRIER_VERIFY_LIMITS: raw });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^CARRIER_VERIFY_LIMITS: /);
    expect(load).toThrow(message);
  });

  it('hands the parsed limits to the app', () => {
    expect(loadConfig({ CARRIER_VERIFY_LIMITS: 'number=2/1m' }).app.limits).toMatchObject({ number: { max: 2, windowMs: MINUTE } });
  });
});
