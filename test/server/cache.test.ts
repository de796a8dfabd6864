// The result cache: a repeated pair costs one upstream call, TTLs follow the result, the size stays bounded, keys are HMACs.
import { beforeEach, describe, expect, it } from 'vitest';
import { createResultCache, defaultCacheTtls, type CacheOutcome, type ResultCache } from '../../server/cache.js';
import type { ResultCode } from '../../widget/codes.js';
import { createHasher } from '../../server/privacy.js';
import { MemoryStore } from '../../server/stores/memory.js';
import type { Store, WindowCount } from '../../server/stores/types.js';
import type { NodeTransport } from '../../server/transport-node.js';
import { postJson, sharedSecrets, testApp } from '../support/app.js';
import { eachVendorAndTransport, providerFor, type MockUpstream } from '../support/mock-upstream.js';

const match = { name: '张三', phoneNumber: '13800138000' };

type Pair = typeof match;
type Answer = { readonly code: ResultCode; readonly providerId: string };

/** The pair's cached answer, as the proxy looks it up. */
const lookUp = async (cache: ResultCache, pair: Pair): Promise<CacheOutcome | null> => (await cache.find(pair)).hit;
/** The cached answer, or `load`'s answer stored, as the proxy does for each request. */
const through = async (cache: ResultCache, pair: Pair, load: () => Promise<Answer>): Promise<CacheOutcome> => {
  const place = await cache.find(pair);
  return place.hit ?? place.fill(load);
};
/** Stores `answer` for a pair the cache does not hold, as an upstream answer would be. */
const storeAnswer = async (cache: ResultCache, pair: Pair, answer: Answer): Promise<void> => {
  await through(cache, pair, async () => answer);
};

/** A Store that keeps everything in a visible map, to look at what the cache writes. */
class VisibleStore implements Store {
  readonly entries = new Map<string, string>();
  failing = false;
  async hit(): Promise<WindowCount> {
    return { count: 1, resetMs: 1 };
  }
  async claim(key: string, _ttlMs: number, value = '1'): Promise<boolean> {
    if (this.entries.has(key)) return false;
    this.entries.set(key, value);
    return true;
  }
  async get(key: string): Promise<string | null> {
    if (this.failing) throw new Error('store down');
    return this.entries.get(key) ?? null;
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.failing) throw new Error('store down');
    // A key set for a millisecond is gone by the next look.
    if (ttlMs <= 1) this.entries.delete(key);
    else this.entries.set(key, value);
  }
  async close(): Promise<void> {}
}

describe('remember, for an answer that came after its timeout', () => {
  const late = { code: 'KYC1101', providerId: 'late' } as const;

  it('stores it where the pair has no answer', async () => {
    const cache = createResultCache({ store: new MemoryStore(), hash: createHasher('s'.repeat(40)) });
    await cache.remember(match, late);
    expect(await lookUp(cache, match)).toEqual({ code: 'KYC1101', providerId: 'late', cached: true });
  });

  it('never over an answer stored since, nor while a call for the pair is under way: those are newer', async () => {
    const cache = createResultCache({ store: new MemoryStore(), hash: createHasher('s'.repeat(40)) });
    await storeAnswer(cache, match, { code: 'FP00000', providerId: 'retry' });
    await cache.remember(match, late);
    expect(await lookUp(cache, match)).toMatchObject({ code: 'FP00000', providerId: 'retry' });

    const other = { name: '李四', phoneNumber: '18612345678' };
    let answer!: (value: Answer) => void;
    let calling!: () => void;
    const called = new Promise<void>((resolve) => (calling = resolve));
    const retry = through(cache, other, () => new Promise<Answer>((resolve) => ((answer = resolve), calling())));
    // The late answer comes while the retry's call is under way (its look-up and claim take turns of their own).
    await called;
    await cache.remember(other, late);
    answer({ code: 'FP00000', providerId: 'retry' });
    await retry;
    expect(await lookUp(cache, other)).toMatchObject({ code: 'FP00000', providerId: 'retry' });
  });
});

describe('find, then fill', () => {
  it('computes the key once for a miss and calls once, and answers a hit without loading', async () => {
    const store = new VisibleStore();
    const reads: string[] = [];
    const get = store.get.bind(store);
    store.get = async (key) => (reads.push(key), get(key));
    let hashes = 0;
    const hash = createHasher('s'.repeat(40));
    const cache = createResultCache({ store, hash: (...parts) => (hashes++, hash(...parts)) });
    const query = { ...match };
    const place = await cache.find(query);
    expect(place.hit).toBeNull();
    let loads = 0;
    const answer = await place.fill(async () => (loads++, { code: 'FP00000', providerId: 'main' }));
    expect(answer).toEqual({ code: 'FP00000', providerId: 'main', cached: false });
    // The key once; the slot at the look-up and once more when the call is claimed (in a store several instances
    // may share, another may have stored the answer in between); the upstream once.
    expect([reads, hashes, loads]).toEqual([[reads[0], reads[0]], 1, 1]);
    expect((await cache.find({ ...match })).hit).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    // The store failing, an answer this instance has not seen is a miss, not a failed request.
    store.failing = true;
    const other = { name: '李四', phoneNumber: '18612345678' };
    expect((await cache.find(other)).hit).toBeNull();
    // A store that throws instead of rejecting too.
    store.get = () => {
      throw new Error('store down');
    };
    expect((await cache.find(other)).hit).toBeNull();
  });

  it('answers from its copy what the shared store lost: a write it refused (out of memory, read-only), a restart empty', async () => {
    const store = new VisibleStore();
    const cache = createResultCache({ store, hash: createHasher('s'.repeat(40)) });
    const set = store.set.bind(store);
    // Redis answering reads and refusing writes: the answer never reaches it.
    store.set = async () => {
      throw new Error('OOM command not allowed when used memory > maxmemory');
    };
    let loads = 0;
    const load = async () => (loads++, { code: 'FP00000' as const, providerId: 'main' });
    await through(cache, match, load);
    expect(await through(cache, match, load)).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    store.set = set;
    const other = { name: '李四', phoneNumber: '18612345678' };
    await through(cache, other, load);
    store.entries.clear();
    expect(await through(cache, other, load)).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    expect(loads).toBe(2);
  });

  it('answers, while its shared store fails, what this instance stored or read there, for the rest of its time', async () => {
    let now = 1_000_000;
    const store = new VisibleStore();
    const hash = createHasher('s'.repeat(40));
    const cache = createResultCache({ store, hash, now: () => now });
    const other = { name: '李四', phoneNumber: '18612345678' };
    // One answer this instance paid for; another that a second instance stored, which this one then read.
    await storeAnswer(cache, match, { code: 'FP00000', providerId: 'main' });
    await storeAnswer(createResultCache({ store, hash, now: () => now }), other, { code: 'FP03333', providerId: 'backup' });
    now += 30 * 60_000;
    expect((await cache.find(other)).hit).toEqual({ code: 'FP03333', providerId: 'backup', cached: true });
    store.failing = true;
    expect((await cache.find({ ...match })).hit).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    expect((await cache.find(other)).hit).toEqual({ code: 'FP03333', providerId: 'backup', cached: true });
    // The copy goes when the answer would have: the mismatch an hour after it was stored, not after it was read.
    now += 30 * 60_000 + 1;
    expect((await cache.find(other)).hit).toBeNull();
    expect((await cache.find({ ...match })).hit).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
  });

  it('makes one upstream call when a second request found its place before the first stored the answer', async () => {
    // A double click: both look up and miss, then the first is answered and stored while the second waits on its limits.
    const cache = createResultCache({ store: new VisibleStore(), hash: createHasher('s'.repeat(40)) });
    const first = await cache.find({ ...match });
    const second = await cache.find({ ...match });
    let loads = 0;
    const load = async () => (loads++, { code: 'FP00000' as const, providerId: 'main' });
    expect(await first.fill(load)).toEqual({ code: 'FP00000', providerId: 'main', cached: false });
    expect(await second.fill(load)).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    expect(loads).toBe(1);
  });

  it('makes one upstream call in memory too when a second request found its place before the first stored the answer', async () => {
    // The default store: a double click whose second request missed, then waited on its limits while the first was
    // answered and stored. Its fill must find that answer rather than pay for the pair again.
    const cache = createResultCache({ store: new MemoryStore(), hash: createHasher('s'.repeat(40)) });
    const first = await cache.find({ ...match });
    const second = await cache.find({ ...match });
    expect([first.hit, second.hit]).toEqual([null, null]);
    let loads = 0;
    const load = async () => (loads++, { code: 'FP00000' as const, providerId: 'main' });
    expect(await first.fill(load)).toEqual({ code: 'FP00000', providerId: 'main', cached: false });
    expect(await second.fill(load)).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    expect(loads).toBe(1);
  });

  it('makes one upstream call when another instance stored the answer between this one’s look-up and its call', async () => {
    // Two instances on one shared store: both look up and miss; the first pays and stores while the second waits
    // on its limits; the second's claim then succeeds, and it must look again rather than pay.
    const store = new VisibleStore();
    const hash = createHasher('s'.repeat(40));
    const [first, second] = [createResultCache({ store, hash }), createResultCache({ store, hash })];
    const [firstPlace, secondPlace] = [await first.find({ ...match }), await second.find({ ...match })];
    let loads = 0;
    const load = async () => (loads++, { code: 'FP00000' as const, providerId: 'main' });
    expect(await firstPlace.fill(load)).toMatchObject({ cached: false });
    expect(await secondPlace.fill(load)).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
    expect(loads).toBe(1);
  });

  it('finds and fills a pair in memory without waiting a turn, when the hasher answers at once', async () => {
    const store = new MemoryStore();
    const hash = (...parts: string[]) => parts.join('|');
    const cache = createResultCache({ store, hash });
    const place = cache.find({ ...match });
    expect(place).not.toBeInstanceOf(Promise);
    await (place as Awaited<typeof place>).fill(async () => ({ code: 'FP00000', providerId: 'main' }));
    const again = cache.find({ ...match });
    expect(again).not.toBeInstanceOf(Promise);
    expect((again as Awaited<typeof again>).hit).toEqual({ code: 'FP00000', providerId: 'main', cached: true });
  });
});

describe('across instances on one store', () => {
  /** Two or more caches, as instances, on one store that shares the flights; the same key secret. */
  const instances = (store: Store, count: number) => Array.from({ length: count }, () => createResultCache({ store, hash: createHasher('s'.repeat(40)), callMs: 2000 }));
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * A first instance's call that ends without an answer after `failAfterMs`, and two other instances asked for the
   * same pair meanwhile, whose own calls take `loadMs`: how many calls they made, and their answers.
   */
  async function refusedThenTwoWaiting(failAfterMs: number, loadMs: number) {
    const [first, second, third] = instances(new VisibleStore(), 3);
    const refused = Object.assign(new Error('a limit refused the call'), { code: 'RATE_LIMITED' });
    const leader = through(first!, match, () => wait(failAfterMs).then(() => Promise.reject(refused)));
    await wait(20);
    let calls = 0;
    const load = async (): Promise<Answer> => (calls++, await wait(loadMs), { code: 'FP00000', providerId: 'main' });
    const waiters = Promise.all([through(second!, match, load), through(third!, match, load)]);
    await expect(leader).rejects.toBe(refused);
    const answers = await waiters;
    return { calls, answers };
  }

  it('has those that waited on a call that ended without an answer claim again: one of them calls, the others share it', async () => {
    const { calls, answers } = await refusedThenTwoWaiting(200, 150);
    expect(calls).toBe(1);
    expect(answers.map((answer) => answer.cached).sort()).toEqual([false, true]);
  });

  it('gives each flight its own deadline: those that claim again late in the first one\'s still share one call', async () => {
    // The first call ends without an answer just before the deadline (2 s).
    const { calls } = await refusedThenTwoWaiting(1850, 300);
    expect(calls).toBe(1);
  });

  it('has those waiting on a call whose instance is gone claim again once its claim expires: one of them calls, not each', async () => {
    // A store shared by instances that keeps time, as Redis does, on a clock the test moves (a MemoryStore behind plain
    // methods, which the cache takes for a shared store). It tells the claims won, those refused, and the reads that
    // find the first claim: a request waiting on that flight.
    let now = 0;
    const memory = new MemoryStore({ now: () => now });
    const won: string[] = [];
    let refused = 0;
    let foundFirst = 0;
    const store: Store = {
      hit: (key, windowMs) => memory.hit(key, windowMs),
      claim: async (key, ttlMs, value) => {
        const claimed = await memory.claim(key, ttlMs, value);
        if (claimed) won.push(value ?? '');
        else refused += 1;
        return claimed;
      },
      get: async (key) => {
        const value = await memory.get(key);
        if (value !== null && value === won[0]) foundFirst += 1;
        return value;
      },
      set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
      close: () => memory.close(),
    };
    // A deadline the machine never reaches: those waiting act on the claim's end, never on a deadline of their own.
    const callMs = 10_000;
    const [gone, ...waiting] = Array.from({ length: 4 }, () => createResultCache({ store, hash: createHasher('s'.repeat(40)), callMs }));
    // The instance that claimed the pair's call never lands it: it was killed mid-call.
    void through(gone!, match, () => new Promise<Answer>(() => undefined));
    await expect.poll(() => won.length).toBe(1);
    let calls = 0;
    const load = async (): Promise<Answer> => (calls++, await wait(50), { code: 'FP00000', providerId: 'main' });
    const answers = Promise.all(waiting.map((cache) => through(cache, match, load)));
    // The claim holds for the deadline and a second. To its last millisecond, those waiting look at it and call no one.
    now = callMs + 1000 - 1;
    await expect.poll(() => refused).toBe(3);
    const looked = foundFirst;
    await expect.poll(() => foundFirst).toBeGreaterThanOrEqual(looked + 6);
    expect(calls).toBe(0);
    // Once it is over, they claim again: one of them calls, and the others share its answer.
    now += 1;
    expect((await answers).map((answer) => answer.code)).toEqual(['FP00000', 'FP00000', 'FP00000']);
    expect(calls).toBe(1);
  });

  it('does not ask a store in a loop when its landing mark lingers: a pause before each claim', async () => {
    const store = new VisibleStore();
    // A store whose shortest life is a second: the landing mark outlives the flight it ends.
    const set = store.set.bind(store);
    store.set = (key, value, ttlMs) => set(key, value, Math.max(ttlMs, 1000));
    let operations = 0;
    for (const name of ['claim', 'get'] as const) {
      const method = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (operations++, method(...args));
    }
    const [first, second] = instances(store, 2);
    const refused = new Error('a limit refused the call');
    const leader = through(first!, match, () => wait(100).then(() => Promise.reject(refused)));
    await wait(20);
    const waiter = through(second!, match, async () => ({ code: 'FP00000', providerId: 'main' }));
    await expect(leader).rejects.toBe(refused);
    await wait(1000);
    expect(operations).toBeLessThan(60);
    await waiter;
  });
});

describe('through the proxy', () => {
  let transport: NodeTransport;
  let vendor: MockUpstream;
  eachVendorAndTransport((v, t) => {
    vendor = v;
    transport = t;
  });

  const appWith = (store?: Store) =>
    testApp({ providers: [providerFor(vendor, { id: 'main', transport, timeoutMs: 2000 })], ...(store ? { cache: { store } } : {}) });

  it('answers a repeated pair from the cache: one upstream call, the same answer, a fresh token', async () => {
    const app = appWith();
    const first = await (await postJson(app, '/api/verify', match)).json();
    const second = await (await postJson(app, '/api/verify', { name: ' 张三 ', phoneNumber: '+86 138 0013 8000' })).json();
    expect(vendor.calls).toBe(1);
    expect(second).toMatchObject({ code: 'FP00000', phoneMasked: '138****8000', carrier: first.carrier, token: expect.any(String) });
    expect(second.token).not.toBe(first.token);
    expect(app.logs.map((line) => line.cache)).toEqual(['miss', 'hit']);
  });

  it('makes one upstream call for a burst of the same pair', async () => {
    vendor.fail({ kind: 'slow', delayMs: 100 });
    const app = appWith();
    const answers = await Promise.all(Array.from({ length: 5 }, () => postJson(app, '/api/verify', match)));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    expect(vendor.calls).toBe(1);
  });

  it('keeps each pair apart and never caches a failure', async () => {
    const app = appWith();
    vendor.fail({ kind: 'status', status: 500 }, 1);
    expect((await postJson(app, '/api/verify', match)).status).toBe(502);
    expect((await postJson(app, '/api/verify', match)).status).toBe(200);
    expect(await (await postJson(app, '/api/verify', { ...match, name: '李四' })).json()).toMatchObject({ code: 'FP03333' });
    expect(vendor.calls).toBe(3);
  });

  it('stores only HMACs and result codes, never the number, the name or the vendor data', async () => {
    const store = new VisibleStore();
    await postJson(appWith(store), '/api/verify', match);
    const written = JSON.stringify([...store.entries]);
    expect(store.entries.size).toBe(1);
    expect(written).toContain('FP00000');
    expect(written).not.toMatch(/13800138000|张三|8000|raw-id-data|idData/);
  });

  it('lives in the store the proxy shares, and in bounded memory of its own beside a MemoryStore', async () => {
    const shared = new VisibleStore();
    const secrets = await sharedSecrets();
    const sharing = testApp({ providers: [providerFor(vendor, { id: 'main', transport, timeoutMs: 2000 })], store: shared, ...secrets });
    await postJson(sharing, '/api/verify', match);
    expect([...shared.entries.keys()].filter((key) => key.startsWith('cache:'))).toHaveLength(1);
    expect(sharing.config.storeKind).toBe('redis');
    const memory = new MemoryStore();
    const apart = testApp({ providers: [providerFor(vendor, { id: 'main', transport, timeoutMs: 2000 })], store: memory });
    await postJson(apart, '/api/verify', match);
    expect(apart.config.cache.store).not.toBe(memory);
    expect(apart.config.storeKind).toBe('memory');
  });

  it('still verifies when its store fails, and answers a repeat from what this instance was answered', async () => {
    const store = new VisibleStore();
    store.failing = true;
    const app = appWith(store);
    expect((await postJson(app, '/api/verify', match)).status).toBe(200);
    expect((await postJson(app, '/api/verify', match)).status).toBe(200);
    expect(vendor.calls).toBe(1);
    // Another instance, which has not seen the pair, pays for it: a store that fails costs calls.
    expect((await postJson(appWith(store), '/api/verify', match)).status).toBe(200);
    expect(vendor.calls).toBe(2);
  });
});

describe('createResultCache', () => {
  let now = 0;
  const hash = createHasher('cache-test-secret-of-at-least-32-chars');
  const cacheOver = (store: Store = new MemoryStore({ now: () => now }), maxEntries?: number) =>
    createResultCache({ store, hash, now: () => now, ...(maxEntries ? { maxEntries } : {}) });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers a repeat from the cache on a clock with fractions of a millisecond', async () => {
    now = 1_000_000.25;
    const cache = cacheOver();
    const pair = { name: '张三', phoneNumber: '13800138000' };
    let calls = 0;
    const load = async () => ({ code: 'FP00000' as const, providerId: `main-${++calls}` });
    expect(await through(cache, pair, load)).toMatchObject({ cached: false, providerId: 'main-1' });
    expect(await through(cache, pair, load)).toMatchObject({ cached: true, providerId: 'main-1' });
    expect(calls).toBe(1);
  });

  it.each([
    ['FP00000', '24 hours', 24 * 60 * 60_000],
    ['FP03333', 'an hour', 60 * 60_000],
    ['KYC1101', '10 minutes: carrier data lags new numbers', 10 * 60_000],
  ] as const)('keeps %s for %s', async (code, _, ttlMs) => {
    expect(defaultCacheTtls[code]).toBe(ttlMs);
    const cache = cacheOver();
    await storeAnswer(cache, match, { code, providerId: 'main' });
    now += ttlMs - 1;
    expect(await lookUp(cache, match)).toMatchObject({ code, providerId: 'main' });
    now += 1;
    expect(await lookUp(cache, match)).toBeNull();
  });

  it('takes TTLs per result from its options', async () => {
    const cache = createResultCache({ store: new MemoryStore({ now: () => now }), hash, ttlMs: { KYC1101: 1000 } });
    await storeAnswer(cache, match, { code: 'KYC1101', providerId: 'main' });
    now += 1000;
    expect(await lookUp(cache, match)).toBeNull();
  });

  it('stays within its size in any store, however many pairs pass', async () => {
    const store = new VisibleStore();
    const cache = cacheOver(store, 8);
    for (let i = 0; i < 200; i++) await storeAnswer(cache, { name: '张三', phoneNumber: `138${String(i).padStart(8, '0')}` }, { code: 'FP03333', providerId: 'main' });
    expect(store.entries.size).toBeLessThanOrEqual(8);
    expect(store.entries.size).toBeGreaterThan(1);
  });

  it('never answers one pair with another pair that shares its slot', async () => {
    const cache = cacheOver(new VisibleStore(), 1);
    await storeAnswer(cache, match, { code: 'FP00000', providerId: 'main' });
    await storeAnswer(cache, { ...match, name: '李四' }, { code: 'FP03333', providerId: 'main' });
    expect(await lookUp(cache, match)).toBeNull();
    expect(await lookUp(cache, { ...match, name: '李四' })).toMatchObject({ code: 'FP03333' });
  });
});
