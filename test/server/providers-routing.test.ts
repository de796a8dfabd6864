// The router over real HTTP upstreams: circuit breakers opening, half-opening and closing, weights, health, the billing budget.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, ProviderHealthState } from '../../server/providers/health.js';
import { callWithTimeout, createRouter, type AttemptRecord, type RouterOptions } from '../../server/providers/router.js';
import { sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { UpstreamError, type Provider, type Transport } from '../../server/providers/types.js';
import { createNodeTransport, type NodeTransport } from '../../server/transport-node.js';
import { postJson, testApp } from '../support/app.js';
import { providerFor, startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';

// Generous: these tests are about order and state, not time, and a loaded machine must not turn them into timeouts.
const TIMEOUT_MS = 1000;
const HALF_OPEN_AFTER_MS = 150;
const match = { name: '张三', phoneNumber: '13800138000' };

let transport: NodeTransport;
let upstreams: MockUpstream[];

beforeEach(async () => {
  transport = createNodeTransport();
  upstreams = await Promise.all([startMockUpstream(), startMockUpstream(), startMockUpstream()]);
});

afterEach(async () => {
  await Promise.all([...upstreams.map((u) => u.close()), transport.close()]);
});

/** A router over the first `count` mock upstreams, named a, b, c, with the given weights. */
function routerOver(weights: number[], options: RouterOptions = {}) {
  const providers = weights.map((weight, index) =>
    providerFor(upstreams[index]!, { id: 'abc'[index]!, transport, weight, timeoutMs: TIMEOUT_MS }),
  );
  return createRouter(providers, { random: () => 0, failureThreshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS, ...options });
}

const stateOf = (router: ReturnType<typeof routerOver>, id: string) => router.health().find((p) => p.id === id)?.breaker;

describe('circuit breaker per provider', () => {
  // The breakers' clock is the test's: only wait() moves it, however long the calls take. On the machine's, a pause
  // of a loaded machine between two calls passed for the breaker's wait, and a probe went where the test expects none.
  let now = 0;
  beforeEach(() => void (now = 0));
  const wait = (ms: number) => void (now += ms);
  const routerWithClock = (weights: number[], options: RouterOptions = {}) => routerOver(weights, { now: () => now, ...options });

  it('opens after consecutive failures and then routes to the others without calling the broken one', async () => {
    const [a, b] = upstreams as [MockUpstream, MockUpstream];
    a.fail({ kind: 'status', status: 500 });
    const router = routerWithClock([1, 1]);
    for (let i = 0; i < 3; i++) expect((await router.verify(match)).providerId).toBe('b');
    expect(stateOf(router, 'a')).toBe('open');
    const answer = await router.verify(match);
    expect(answer).toMatchObject({ providerId: 'b', code: 'FP00000' });
    expect(answer.attempts.map((t) => [t.providerId, t.outcome])).toEqual([['a', 'circuit-open'], ['b', 'FP00000']]);
    expect([a.calls, b.calls]).toEqual([3, 4]);
  });

  it('counts only failures in a row: an answer between them starts the count again', async () => {
    const [a] = upstreams as [MockUpstream];
    const router = routerWithClock([1]);
    const failTwice = async () => {
      a.fail({ kind: 'status', status: 500 }, 2);
      for (let i = 0; i < 2; i++) await expect(router.verify(match)).rejects.toMatchObject({ failure: 'server-error' });
    };
    await failTwice();
    expect((await router.verify(match)).code).toBe('FP00000');
    await failTwice();
    // Four failures in all, never three in a row: still closed, and the next request reaches the provider.
    expect(stateOf(router, 'a')).toBe('closed');
    expect((await router.verify(match)).code).toBe('FP00000');
    expect(a.calls).toBe(6);
  });

  it('is not opened by a client whose input the vendor rejects, however often, and keeps answering others', async () => {
    const [a] = upstreams as [MockUpstream];
    a.fail({ kind: 'status', status: 400 }, 6);
    const router = routerWithClock([1]);
    for (let i = 0; i < 6; i++) await expect(router.verify(match)).rejects.toMatchObject({ failure: 'rejected' });
    expect(router.health()[0]).toMatchObject({ breaker: 'closed', calls: 6, failures: 0, errorRate: 0, lastFailure: null });
    expect((await router.verify(match)).code).toBe('FP00000');
    expect(a.calls).toBe(7);
  });

  it('counts real failures in a row across rejected input, and lets rejected input neither close a probe nor move the share', async () => {
    const [a] = upstreams as [MockUpstream];
    const router = routerWithClock([1]);
    // Failures, then input the vendor rejects between them: neither resets the count nor adds to it.
    a.fail({ kind: 'status', status: 500 }, 2);
    for (let i = 0; i < 2; i++) await router.verify(match).catch(() => undefined);
    a.fail({ kind: 'status', status: 422 }, 2);
    for (let i = 0; i < 2; i++) await router.verify(match).catch(() => undefined);
    expect(stateOf(router, 'a')).toBe('closed');
    a.fail({ kind: 'status', status: 500 }, 1);
    await router.verify(match).catch(() => undefined);
    expect(stateOf(router, 'a')).toBe('open');
    wait(HALF_OPEN_AFTER_MS);
    // A probe answered with a rejection ends, the breaker still half-open: the next call probes at once, and its answer closes it.
    a.fail({ kind: 'status', status: 400 }, 1);
    await router.verify(match).catch(() => undefined);
    expect(stateOf(router, 'a')).toBe('half-open');
    expect((await router.verify(match)).code).toBe('FP00000');
    expect(stateOf(router, 'a')).toBe('closed');
    expect(router.health()[0]).toMatchObject({ calls: 7, failures: 3, rejected: 3 });
  });

  it('takes no mismatch or missing record as proof against a rejection: a lenient vendor answers those to anything', async () => {
    const [a] = upstreams as [MockUpstream];
    a.fail({ kind: 'status', status: 400 });
    const router = routerWithClock([1, 1]);
    for (const phoneNumber of ['13800138000', '13900139000']) {
      const answer = await router.verify({ name: '李四', phoneNumber });
      expect(answer.code).not.toBe('FP00000');
    }
    expect(router.health().find((p) => p.id === 'a')).toMatchObject({ breaker: 'closed', failures: 0, rejected: 2 });
  });

  it('keeps a slow provider\'s share where its calls put it, however many quick rejections come in between', () => {
    const state = new ProviderHealthState({ id: 'slow', weight: 1, timeoutMs: 1000, verify: () => Promise.reject(new Error('unused')) });
    state.record(state.allow()!, 900);
    const factor = state.healthFactor();
    expect(factor).toBeCloseTo(0.2);
    for (let i = 0; i < 10; i++) state.record(state.allow()!, 1, 'rejected');
    expect(state.healthFactor()).toBe(factor);
  });

  it('counts a rejection as the provider\'s failure when another provider answers the same input', async () => {
    const [a, b] = upstreams as [MockUpstream, MockUpstream];
    // a refuses every call as bad input (a wrong adapter, a gateway's 400); b answers them.
    a.fail({ kind: 'status', status: 400 });
    const router = routerWithClock([1, 1]);
    for (let i = 0; i < 3; i++) expect((await router.verify(match)).providerId).toBe('b');
    expect(router.health().find((p) => p.id === 'a')).toMatchObject({ breaker: 'open', failures: 3, rejected: 3, lastFailure: { failure: 'rejected', status: 400 } });
    expect([a.calls, b.calls]).toEqual([3, 3]);
  });

  it('half-opens after the wait, and closes when the probe succeeds', async () => {
    const [a] = upstreams as [MockUpstream];
    a.fail({ kind: 'status', status: 500 }, 3);
    const router = routerWithClock([1, 1]);
    for (let i = 0; i < 3; i++) await router.verify(match);
    expect(stateOf(router, 'a')).toBe('open');
    wait(HALF_OPEN_AFTER_MS);
    const answer = await router.verify(match);
    expect(answer.providerId).toBe('a');
    expect(stateOf(router, 'a')).toBe('closed');
    expect(a.calls).toBe(4);
  });

  it('opens again when the probe fails, and the request still gets an answer elsewhere', async () => {
    const [a, b] = upstreams as [MockUpstream, MockUpstream];
    a.fail({ kind: 'status', status: 500 });
    const router = routerWithClock([1, 1]);
    for (let i = 0; i < 3; i++) await router.verify(match);
    wait(HALF_OPEN_AFTER_MS);
    expect((await router.verify(match)).providerId).toBe('b');
    expect(a.calls).toBe(4);
    expect(stateOf(router, 'a')).toBe('open');
    await router.verify(match);
    expect([a.calls, b.calls]).toEqual([4, 5]);
  });

  it('waits twice as long before probing again after a failed probe', async () => {
    const [a] = upstreams as [MockUpstream];
    a.fail({ kind: 'status', status: 500 });
    const first = 300;
    const router = routerWithClock([1, 1], { halfOpenAfterMs: first });
    for (let i = 0; i < 3; i++) await router.verify(match);
    wait(first);
    await router.verify(match);
    expect(a.calls).toBe(4);
    // The failed probe reopened the breaker for 2 × 300 ms: not probed 1 ms before they are over, probed once they are.
    wait(2 * first - 1);
    await router.verify(match);
    expect(a.calls).toBe(4);
    wait(1);
    await router.verify(match);
    expect(a.calls).toBe(5);
  });

  it('lets no request wait on another request\'s probe', async () => {
    const [a, b] = upstreams as [MockUpstream, MockUpstream];
    a.fail({ kind: 'status', status: 500 }, 3);
    const router = routerWithClock([1, 1]);
    for (let i = 0; i < 3; i++) await router.verify(match);
    wait(HALF_OPEN_AFTER_MS);
    a.fail({ kind: 'slow', delayMs: 200 });
    const finished: string[] = [];
    const probe = router.verify(match).then((answer) => finished.push(`probe by ${answer.providerId}`));
    expect(stateOf(router, 'a')).toBe('half-open');
    const other = router.verify(match).then((answer) => finished.push(`other by ${answer.providerId}`));
    await Promise.all([probe, other]);
    expect(finished).toEqual(['other by b', 'probe by a']);
    expect(stateOf(router, 'a')).toBe('closed');
    expect([a.calls, b.calls]).toEqual([4, 4]);
  });

  it('answers UPSTREAM_ERROR without calling anyone when every breaker is open', async () => {
    for (const upstream of upstreams) upstream.fail({ kind: 'status', status: 503 });
    // Breakers that stay open for the test, however slow the machine: a probe after 150 ms would be a call.
    const router = routerWithClock([1, 1], { maxBilledCalls: 10, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 3; i++) await expect(router.verify(match)).rejects.toBeInstanceOf(UpstreamError);
    const calls = upstreams.map((u) => u.calls);
    const error = await router.verify(match).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'circuit-open', attempts: [{ outcome: 'circuit-open' }, { outcome: 'circuit-open' }] });
    expect(upstreams.map((u) => u.calls)).toEqual(calls);
  });

  it('shows in /healthz and /metrics what the next request would meet, before any call and in each state', async () => {
    const [a] = upstreams as [MockUpstream];
    const app = testApp({
      providers: ['a', 'b'].map((id, index) => providerFor(upstreams[index]!, { id, transport, timeoutMs: TIMEOUT_MS })),
      routing: { random: () => 0, now: () => now, failureThreshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    });
    let numbers = 0;
    // A number of its own each time: the cache would answer a pair asked before without a call.
    const verify = () => postJson(app, '/api/verify', { name: '张三', phoneNumber: `1390013${String(9000 + numbers++)}` });
    const shown = async () => {
      const { providers } = (await (await app.request('/healthz')).json()) as { providers: { id: string; breaker: string; retryInMs: number | null }[] };
      const metrics = await (await app.request('/metrics')).text();
      const gauge = /carrier_verify_circuit_state\{provider="a",state="([\w-]+)"\} 1/.exec(metrics)?.[1];
      const { breaker, retryInMs } = providers.find((p) => p.id === 'a')!;
      return { breaker, retryInMs, gauge };
    };
    expect(await shown()).toEqual({ breaker: 'closed', retryInMs: null, gauge: 'closed' });
    a.fail({ kind: 'status', status: 500 }, 3);
    for (let i = 0; i < 3; i++) expect((await verify()).status).toBe(200);
    expect(await shown()).toEqual({ breaker: 'open', retryInMs: HALF_OPEN_AFTER_MS, gauge: 'open' });
    wait(HALF_OPEN_AFTER_MS - 1);
    expect(await shown()).toEqual({ breaker: 'open', retryInMs: 1, gauge: 'open' });
    // The wait is over: the next request probes the provider, however long none comes. Said `open` until one came.
    wait(1);
    expect(await shown()).toEqual({ breaker: 'half-open', retryInMs: null, gauge: 'half-open' });
    a.fail({ kind: 'slow', delayMs: 100 }, 1);
    const probe = verify();
    await expect.poll(() => a.calls).toBe(4);
    expect(await shown()).toEqual({ breaker: 'half-open', retryInMs: null, gauge: 'half-open' });
    expect((await probe).status).toBe(200);
    expect(await shown()).toEqual({ breaker: 'closed', retryInMs: null, gauge: 'closed' });
  });

  it('never opens the sandbox\'s breaker: its faults are on purpose, per number', async () => {
    const app = testApp();
    for (let i = 0; i < 7; i++) expect((await postJson(app, '/api/verify', { name: '张三', phoneNumber: sandboxFaults.serverError })).status).toBe(502);
    expect((await postJson(app, '/api/verify', match)).status).toBe(200);
    expect(await (await app.request('/healthz')).json()).toMatchObject({ providers: [{ id: 'sandbox', breaker: 'off', failures: 7 }] });
  });
});

/** A vendor on loopback that refuses its first `refusals` calls with `status` and this Retry-After, then answers. */
async function startRestingVendor(status: number, retryAfter: string, refusals: number): Promise<MockUpstream> {
  const vendor = await startMockUpstream();
  vendor.fail({ kind: 'status', status, headers: { 'retry-after': retryAfter } }, refusals);
  return vendor;
}

describe('a vendor that asks for a rest (429 or 503 with Retry-After)', () => {
  let now = 0;
  beforeEach(() => void (now = 0));
  const wait = (ms: number) => void (now += ms);
  let vendor: MockUpstream | undefined;
  afterEach(async () => {
    await vendor?.close();
    vendor = undefined;
  });

  /** A router over the resting vendor (a) and a mock upstream (b), a first, on the test's clock. */
  async function restingRouter(status: number, retryAfter: string, options: RouterOptions = {}) {
    vendor = await startRestingVendor(status, retryAfter, 1);
    const providers = [providerFor(vendor, { id: 'a', transport, timeoutMs: TIMEOUT_MS }), providerFor(upstreams[1]!, { id: 'b', transport, timeoutMs: TIMEOUT_MS })];
    return createRouter(providers, { random: () => 0, now: () => now, failureThreshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS, ...options });
  }

  it.each([429, 503])('is left alone after its %i for as long as it asked, then probed, and /healthz says so', async (status) => {
    const restMs = 30_000;
    const router = await restingRouter(status, '30');
    expect((await router.verify(match)).providerId).toBe('b');
    // One refusal, well short of the three failures that open the breaker: the vendor's word opens it.
    expect(router.health()[0]).toMatchObject({ breaker: 'open', retryInMs: restMs, failures: 1, lastFailure: { failure: 'refused', retryAfterMs: restMs } });
    wait(restMs - 1);
    const skipped = await router.verify(match);
    expect(skipped.attempts.map((t) => [t.providerId, t.outcome])).toEqual([['a', 'circuit-open'], ['b', 'FP00000']]);
    expect(vendor!.calls).toBe(1);
    wait(1);
    expect(router.health()[0]).toMatchObject({ breaker: 'half-open', retryInMs: null });
    expect(await router.verify(match)).toMatchObject({ providerId: 'a', code: 'FP00000' });
    expect(router.health()[0]).toMatchObject({ breaker: 'closed', retryInMs: null });
    expect(vendor!.calls).toBe(2);
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    // The date has whole seconds: 20 s from now, less what the clock had of its second, less the call's few ms.
    const router = await restingRouter(503, new Date(Date.now() + 20_000).toUTCString());
    await router.verify(match);
    const { breaker, retryInMs } = router.health()[0]!;
    expect(breaker).toBe('open');
    expect(retryInMs).toBeGreaterThan(18_000);
    expect(retryInMs).toBeLessThanOrEqual(20_000);
  });

  it('rests a provider just as long as it asked when that is shorter than a breaker\'s wait: the vendor knows', async () => {
    const router = await restingRouter(429, '1', { halfOpenAfterMs: 10_000 });
    await router.verify(match);
    expect(router.health()[0]).toMatchObject({ breaker: 'open', retryInMs: 1000 });
    wait(1000);
    expect(await router.verify(match)).toMatchObject({ providerId: 'a', code: 'FP00000' });
  });

  it('rests a provider no longer than the longest wait of its breaker, whatever it asks', async () => {
    const router = await restingRouter(429, '86400', { maxHalfOpenAfterMs: 60_000 });
    await router.verify(match);
    expect(router.health()[0]).toMatchObject({ breaker: 'open', retryInMs: 60_000, lastFailure: { retryAfterMs: 86_400_000 } });
  });

  it.each([
    ['the Node transport', () => transport],
    ['the global fetch', () => fetch as Transport],
  ])('hears the Retry-After through %s', async (_, transportOf) => {
    vendor = await startRestingVendor(429, '7', 1);
    const provider = providerFor(vendor, { id: 'a', transport: transportOf(), timeoutMs: TIMEOUT_MS });
    await expect(callWithTimeout(provider, match)).rejects.toMatchObject({ failure: 'refused', retryAfterMs: 7000 });
  });
});

describe('the breaker counts only calls that began after it last opened', () => {
  /** A breaker of 3 failures and a 100 ms first wait, on a clock the test moves. */
  function breaker() {
    let now = 0;
    const b = new CircuitBreaker(3, 100, 1000, () => now);
    return { b, advance: (ms: number) => (now += ms) };
  }

  /** A breaker just gone half-open, with the ticket of a call from before it opened still out. */
  function probingWithAnOldCallOut() {
    const { b, advance } = breaker();
    const old = b.allow()!;
    for (let i = 0; i < 3; i++) b.failed(b.allow()!);
    advance(100);
    const probe = b.allow()!;
    return { b, advance, old, probe };
  }

  it('is not opened again, nor its probe pushed back, by failures that were already in flight', () => {
    const { b, advance } = breaker();
    const inFlight = Array.from({ length: 6 }, () => b.allow()!);
    for (const ticket of inFlight.slice(0, 3)) b.failed(ticket);
    expect(b.state).toBe('open');
    advance(90);
    for (const ticket of inFlight.slice(3)) b.failed(ticket);
    advance(20);
    // 110 ms after it opened, a probe goes, as if the late failures had never come.
    expect(b.allow()).not.toBeNull();
    expect(b.state).toBe('half-open');
  });

  it('is closed by its probe, not by an older call that succeeds while the probe is out', () => {
    const { b, old, probe } = probingWithAnOldCallOut();
    b.succeeded(old);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBeNull();
    b.succeeded(probe);
    expect(b.state).toBe('closed');
  });

  it('doubles its wait after a probe answered with a rejection that another provider then overrules', () => {
    const { b, advance, probe } = probingWithAnOldCallOut();
    b.answered(probe);
    expect(b.state).toBe('half-open');
    // Overruled: a failed probe after all. The next probe waits twice as long, not a moment.
    b.failed(probe);
    advance(150);
    expect(b.allow()).toBeNull();
    advance(60);
    expect(b.allow()).not.toBeNull();
  });

  it('keeps a provider out for the longer of its own wait and the rest its vendor asked for, up to its longest wait', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed(b.allow()!);
    advance(100);
    // A failed probe: twice the wait is 200 ms, the vendor asked for 500.
    b.failed(b.allow()!, 500);
    advance(499);
    expect(b.allow()).toBeNull();
    advance(1);
    // Failed again, the vendor asking for an hour: the longest wait, 1,000 ms, is all it gets.
    b.failed(b.allow()!, 3_600_000);
    expect(b.retryInMs).toBe(1000);
  });

  it('doubles its wait after each failed probe no further than its longest wait', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed(b.allow()!);
    // Probes failing one after another: 200, 400, 800 ms, then the longest wait, 1,000 ms, however many more fail.
    const waits: (number | null)[] = [];
    for (let probe = 0; probe < 6; probe++) {
      advance(b.retryInMs ?? 0);
      b.failed(b.allow()!);
      waits.push(b.retryInMs);
    }
    expect(waits).toEqual([200, 400, 800, 1000, 1000, 1000]);
  });

  it('waits its first wait again once a probe has closed it: a provider that recovered is not kept out longer next time', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed(b.allow()!);
    advance(100);
    b.failed(b.allow()!);
    advance(200);
    b.succeeded(b.allow()!);
    expect(b.state).toBe('closed');
    for (let i = 0; i < 3; i++) b.failed(b.allow()!);
    expect(b.retryInMs).toBe(100);
    // Its next failed probe doubles from there.
    advance(100);
    b.failed(b.allow()!);
    expect(b.retryInMs).toBe(200);
  });

  it('doubles its wait after a failed probe, whatever older calls report', () => {
    const { b, advance, old, probe } = probingWithAnOldCallOut();
    b.failed(probe);
    b.failed(old);
    advance(150);
    expect(b.allow()).toBeNull();
    advance(50);
    expect(b.allow()).not.toBeNull();
  });
});

describe("a provider's latency, as /healthz shows it and routing weighs it", () => {
  it('moves with answers and timeouts, not with connections refused, unreachable or reset', () => {
    const health = new ProviderHealthState({ id: 'p', verify: async () => ({ code: 'FP00000', message: '' }) } as unknown as ConstructorParameters<typeof ProviderHealthState>[0], { failureThreshold: 100 });
    for (const failure of ['refused', 'unreachable', 'reset'] as const) health.record(health.allow()!, 2, failure);
    expect(health.snapshot()).toMatchObject({ latencyMs: null, failures: 3 });
    health.record(health.allow()!, 400);
    health.record(health.allow()!, 2, 'refused');
    health.record(health.allow()!, 400, 'timeout');
    expect(health.snapshot()).toMatchObject({ latencyMs: 400, failures: 5 });
  });
});

describe('callWithTimeout', () => {
  it('fails at once, and keeps no timer, when a provider throws instead of rejecting', async () => {
    const throwing = { id: 'broken', weight: 1, timeoutMs: 60_000, verify: () => { throw new Error('not a promise'); } };
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    await expect(callWithTimeout(throwing, match)).rejects.toThrow('not a promise');
    expect(timers()).toBe(before);
  });
});

describe("the router's late calls, as a stopping server waits for them", () => {
  it('are settled once the late answer is cached, and once given up, even by a provider that ignores its abort', async () => {
    let cached = false;
    const slow: Provider = { id: 'slow', weight: 1, timeoutMs: 50, verify: () => new Promise((resolve) => setTimeout(() => resolve({ code: 'FP00000', message: 'SUCCESS', idData: {}, mobData: {} }), 80)) };
    const answered = createRouter([slow]);
    await expect(answered.verify(match, [], () => new Promise<void>((resolve) => setTimeout(() => ((cached = true), resolve()), 30)))).rejects.toMatchObject({ failure: 'timeout' });
    await answered.settled();
    expect(cached).toBe(true);

    const deaf: Provider = { id: 'deaf', weight: 1, timeoutMs: 50, verify: () => new Promise(() => undefined) };
    const ignored = createRouter([deaf]);
    await expect(ignored.verify(match, [], () => undefined)).rejects.toMatchObject({ failure: 'timeout' });
    const started = performance.now();
    await ignored.settled();
    // Given up as long again after its timeout, as the call is aborted.
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('weighted routing', () => {
  /** Evenly spread numbers in [0, 1): the draw then follows the weights exactly. */
  function spread(count: number) {
    let i = 0;
    return () => ((i++ % count) + 0.5) / count;
  }

  it('sends traffic in proportion to the weights', async () => {
    const router = routerOver([3, 1], { random: spread(200) });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const { providerId } = await router.verify(match);
      counts[providerId] = (counts[providerId] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 150, b: 50 });
  });

  /** Uniform numbers in [0, 1) from a seed (mulberry32): a random draw, the same on every run. */
  function seeded(seed: number) {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
  }

  it('splits traffic among the others by their weights while one provider\'s breaker is open', async () => {
    const [a] = upstreams as [MockUpstream];
    a.fail({ kind: 'status', status: 500 });
    // The breakers on a clock that stands still: a's stays open for the test.
    const router = routerOver([2, 1, 3], { random: seeded(7), now: () => 0 });
    while (stateOf(router, 'a') !== 'open') await router.verify(match);
    const calls = a.calls;
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 800; i++) counts[(await router.verify(match)).providerId]! += 1;
    expect(a.calls).toBe(calls);
    expect(counts.a).toBe(0);
    // b and c as 1 to 3, within 5 points.
    expect(counts.b! / 800).toBeCloseTo(0.25, 1);
    expect(counts.c! / 800).toBeCloseTo(0.75, 1);
  });

  it('gives a provider with recent errors less than its weight', async () => {
    const [a] = upstreams as [MockUpstream];
    // 0.7 picks a while a has its full 3 of 4 share (0.75), b once errors cut it below 0.7.
    const router = routerOver([3, 1], { random: () => 0.7 });
    expect((await router.verify(match)).providerId).toBe('a');
    a.fail({ kind: 'status', status: 500 }, 2);
    await router.verify(match);
    await router.verify(match);
    const health = router.health().find((p) => p.id === 'a')!;
    expect(health).toMatchObject({ breaker: 'closed', failures: 2 });
    expect(health.healthFactor).toBeLessThan(0.9);
    expect((await router.verify(match)).providerId).toBe('b');
  });
});

describe('billing-safe failover', () => {
  /**
   * The provider, each of its calls taking `ms` on the router's clock (moved by that much as the call ends) rather
   * than on the machine's, whose load could turn a slow answer into a timeout.
   */
  function taking(ms: number, clock: { now: number }, provider: Provider): Provider {
    return { ...provider, verify: (query, call) => provider.verify(query, call).finally(() => (clock.now += ms)) };
  }

  it('stops after two calls that may have been billed', async () => {
    for (const upstream of upstreams) upstream.fail({ kind: 'status', status: 500 });
    const router = routerOver([1, 1, 1]);
    await expect(router.verify(match)).rejects.toMatchObject({ failure: 'server-error', attempts: [{ maybeBilled: true }, { maybeBilled: true }] });
    expect(upstreams.map((u) => u.calls)).toEqual([1, 1, 0]);
  });

  it('tries every provider while failures cannot have been billed', async () => {
    upstreams[0]!.fail({ kind: 'status', status: 503 });
    upstreams[1]!.fail({ kind: 'status', status: 429 });
    const answer = await routerOver([1, 1, 1]).verify(match);
    expect(answer.providerId).toBe('c');
    expect(answer.attempts.map((t) => [t.outcome, t.maybeBilled])).toEqual([['refused', false], ['refused', false], ['FP00000', true]]);
  });

  it('calls no provider with less than half its timeout left before the deadline: its answer would come too late, billed', async () => {
    // Two slow refusals spend 1.6 s of the 2 s deadline on the router's clock: 0.4 s is left, under half of c's timeout.
    upstreams[0]!.fail({ kind: 'status', status: 503 });
    upstreams[1]!.fail({ kind: 'status', status: 429 });
    const clock = { now: 0 };
    const providers = upstreams.map((upstream, index) => {
      const provider = providerFor(upstream, { id: 'abc'[index]!, transport, timeoutMs: TIMEOUT_MS });
      return index < 2 ? taking(TIMEOUT_MS * 0.8, clock, provider) : provider;
    });
    const router = createRouter(providers, { random: () => 0, now: () => clock.now });
    await expect(router.verify(match)).rejects.toMatchObject({ failure: 'refused', attempts: [{ outcome: 'refused' }, { outcome: 'refused' }] });
    expect(upstreams.map((u) => u.calls)).toEqual([1, 1, 0]);
  });

  it('still tries a provider whose shorter timeout fits in what is left', async () => {
    const quick = await startMockUpstream();
    upstreams.push(quick);
    upstreams[0]!.fail({ kind: 'status', status: 503 });
    upstreams[1]!.fail({ kind: 'status', status: 429 });
    // Five times the usual timeouts, and d the usual one: on the router's clock, a and b spend 8 s of the 10 s deadline.
    const long = TIMEOUT_MS * 5;
    const clock = { now: 0 };
    const providers = [...upstreams.slice(0, 3), quick].map((upstream, index) => {
      const provider = providerFor(upstream, { id: 'abcd'[index]!, transport, timeoutMs: index === 3 ? TIMEOUT_MS : long });
      return index < 2 ? taking(long * 0.8, clock, provider) : provider;
    });
    // 2 s left after a and b: under half of c's timeout, twice d's.
    const answer = await createRouter(providers, { random: () => 0, now: () => clock.now }).verify(match);
    expect(answer).toMatchObject({ code: 'FP00000', providerId: 'd' });
    expect(upstreams.map((u) => u.calls)).toEqual([1, 1, 0, 1]);
  });

  it('gives a provider called after a failover only what is left of the deadline, not its whole timeout', async () => {
    // A slow refusal spends 1.4 s of the 2 s deadline on the router's clock: b, whose timeout is 1 s, has 0.6 s of it.
    upstreams[0]!.fail({ kind: 'status', status: 503 });
    upstreams[1]!.fail({ kind: 'no-answer' });
    const clock = { now: 0 };
    const [a, b] = upstreams.slice(0, 2).map((upstream, index) => providerFor(upstream, { id: 'ab'[index]!, transport, timeoutMs: TIMEOUT_MS }));
    const router = createRouter([taking(TIMEOUT_MS * 1.4, clock, a!), b!], { random: () => 0, now: () => clock.now, deadlineMs: 2 * TIMEOUT_MS });
    await expect(router.verify(match)).rejects.toMatchObject({
      failure: 'timeout',
      message: `no answer within ${TIMEOUT_MS * 0.6} ms`,
      attempts: [{ providerId: 'a', outcome: 'refused' }, { providerId: 'b', outcome: 'timeout' }],
    });
  });

  it('calls the first provider with a deadline set shorter than half its timeout: the deadline is the time it has', async () => {
    const router = createRouter([providerFor(upstreams[0]!, { id: 'a', transport, timeoutMs: TIMEOUT_MS })], { deadlineMs: TIMEOUT_MS * 0.4 });
    expect(await router.verify(match)).toMatchObject({ code: 'FP00000', providerId: 'a' });
    upstreams[0]!.fail({ kind: 'no-answer' });
    await expect(router.verify({ name: '李四', phoneNumber: '18612345678' })).rejects.toMatchObject({ failure: 'timeout', attempts: [{ providerId: 'a', outcome: 'timeout' }] });
  });

  it('reports every attempt to observers with its latency', async () => {
    upstreams[0]!.fail({ kind: 'malformed-json' });
    const router = routerOver([1, 1]);
    const seen: AttemptRecord[] = [];
    router.observe((attempt) => seen.push(attempt));
    await router.verify({ name: '王五', phoneNumber: '18612345678' });
    expect(seen).toEqual([
      { providerId: 'a', outcome: 'malformed', latencyMs: expect.any(Number), maybeBilled: true },
      { providerId: 'b', outcome: 'FP03333', latencyMs: expect.any(Number), maybeBilled: true },
    ]);
    expect(seen[1]!.latencyMs).toBeGreaterThan(0);
  });
});
