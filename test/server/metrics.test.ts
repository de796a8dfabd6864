// GET /metrics and GET /api/stats: counters that move with verifications, labels without personal data, the operator token.
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, sandboxProvider } from '../../server/config.js';
import { promRegistry } from '../../server/metrics-prom.js';
import { createTimeline, LatencySketch } from '../../server/metrics-timeline.js';
import type { AttemptRecord } from '../../server/providers/router.js';
import { createMetrics, safeLabel, type MetricRegistryFactory, type Stats } from '../../server/metrics.js';
import { sandboxDirectory, sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { SANDBOX_SITE } from '../../server/sites.js';
import { parseLimits } from '../../server/limits.js';
import { createApp } from '../../server/app.js';
import { postJson, TEST_TIMEOUT_MS, testApp } from '../support/app.js';
import { createHttpProvider } from '../../server/providers/http.js';
import type { Transport } from '../../server/providers/types.js';
import type { StoreHealth } from '../../server/stores/types.js';

type App = ReturnType<typeof testApp>;

const verify = (app: App, body: unknown) => postJson(app, '/api/verify', body);

async function metricsText(app: App, headers: Record<string, string> = {}): Promise<string> {
  const res = await app.request('/metrics', { headers });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series in a text exposition; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

async function stats(app: App, query = ''): Promise<Stats> {
  const res = await app.request(`/api/stats${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

const registries: [string, MetricRegistryFactory | undefined][] = [
  ['the web-standard registry', undefined],
  ['the Node registry, with the process metrics', promRegistry()],
];

describe('a metric registry of the site\'s own that throws', () => {
  it('leaves the dashboard its figures', () => {
    const throwing: MetricRegistryFactory = () => ({
      contentType: 'text/plain',
      inc: () => {
        throw new TypeError('no such counter');
      },
      set: () => undefined,
      observe: () => {
        throw new TypeError('no such histogram');
      },
      exposition: async () => '',
    });
    const metrics = createMetrics({ pricePerCall: 0.3, registry: throwing });
    expect(() => metrics.upstreamCall({ providerId: 'p1', outcome: 'FP00000', latencyMs: 12, maybeBilled: true })).toThrow(TypeError);
    const { totals } = metrics.stats({ windowMs: 60_000 });
    expect(totals).toMatchObject({ billedCalls: 1, cost: 0.3, latency: { p1: expect.objectContaining({ count: 1 }) } });
  });
});

describe.each(registries)('GET /metrics with %s', (_, metricRegistry) => {
  const app = () => testApp({ pricePerCall: 0.5, ...(metricRegistry ? { metricRegistry } : {}) });

  it('counts each verification by result code, site and provider, and its billed call and cost', async () => {
    const proxy = app();
    const before = await metricsText(proxy);
    const match = { route: 'verify', code: 'FP00000', site: 'sandbox', provider: 'sandbox' };
    expect(sample(before, 'carrier_verify_requests_total', match)).toBe(0);

    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    await verify(proxy, { name: '李四', phoneNumber: '13800138000' });
    await verify(proxy, { name: '王五', phoneNumber: '13900139000' });
    const after = await metricsText(proxy);

    expect(sample(after, 'carrier_verify_requests_total', match)).toBe(1);
    expect(sample(after, 'carrier_verify_requests_total', { ...match, code: 'FP03333' })).toBe(1);
    expect(sample(after, 'carrier_verify_requests_total', { ...match, code: 'KYC1101' })).toBe(1);
    expect(sample(after, 'carrier_verify_upstream_duration_seconds_count', { provider: 'sandbox', result: 'FP00000' })).toBe(1);
    expect(sample(after, 'carrier_verify_upstream_duration_seconds_bucket', { provider: 'sandbox', result: 'FP00000', le: '+Inf' })).toBe(1);
    // Buckets fine enough between 1 s and 3 s to tell a 1.5 s timeout from a 3 s one.
    const bounds = [...after.matchAll(/^carrier_verify_upstream_duration_seconds_bucket\{provider="sandbox",result="FP00000",le="([^"]+)"\}/gm)].map((m) => m[1]);
    expect(bounds.filter((le) => Number(le) >= 1 && Number(le) <= 3)).toEqual(['1', '1.5', '2', '2.5', '3']);
    expect(sample(after, 'carrier_verify_request_duration_seconds_count', { route: 'verify' })).toBe(3);
    // Only match and mismatch are billed: two calls at 0.5.
    expect(sample(after, 'carrier_verify_billed_calls_total', { provider: 'sandbox' })).toBe(2);
    expect(sample(after, 'carrier_verify_estimated_cost_total', { provider: 'sandbox' })).toBe(1);
    expect(sample(after, 'carrier_verify_price_per_call')).toBe(0.5);
    // The sandbox has no breaker: said as such, not as a closed one that could open.
    expect(sample(after, 'carrier_verify_circuit_state', { provider: 'sandbox', state: 'off' })).toBe(1);
    expect(sample(after, 'carrier_verify_circuit_state', { provider: 'sandbox', state: 'closed' })).toBe(0);
    expect(sample(after, 'carrier_verify_circuit_state', { provider: 'sandbox', state: 'open' })).toBe(0);
  });

  it('writes the cost without the drift of adding the price up', async () => {
    const metrics = createMetrics({ pricePerCall: 0.3, ...(metricRegistry ? { registry: metricRegistry } : {}) });
    for (let i = 0; i < 10; i++) metrics.upstreamCall({ providerId: 'p1', outcome: 'FP03333', latencyMs: 1, maybeBilled: true });
    const text = (await metrics.exposition()).body;
    expect(text).toContain('carrier_verify_estimated_cost_total{provider="p1"} 3\n');
  });

  it("puts each call's time, in seconds, in the first bucket whose bound it does not pass, and counts a call past the last one", async () => {
    const metrics = createMetrics({ ...(metricRegistry ? { registry: metricRegistry } : {}) });
    for (const latencyMs of [1000, 1200, 12_000]) metrics.upstreamCall({ providerId: 'p1', outcome: 'FP00000', latencyMs, maybeBilled: true });
    const text = (await metrics.exposition()).body;
    const series = { provider: 'p1', result: 'FP00000' };
    const bucket = (le: string) => sample(text, 'carrier_verify_upstream_duration_seconds_bucket', { ...series, le });
    // A call of exactly 1 s is within le="1"; one of 12 s is past the last bound (10 s), in +Inf alone.
    expect(['0.5', '1', '1.5', '10', '+Inf'].map(bucket)).toEqual([0, 1, 2, 2, 3]);
    expect(sample(text, 'carrier_verify_upstream_duration_seconds_count', series)).toBe(3);
    expect(sample(text, 'carrier_verify_upstream_duration_seconds_sum', series)).toBe(14.2);
  });

  it('counts among the failures that may have been billed only those that may have reached the vendor', async () => {
    const metrics = createMetrics({ ...(metricRegistry ? { registry: metricRegistry } : {}) });
    metrics.upstreamCall({ providerId: 'p1', outcome: 'unreachable', latencyMs: 3, maybeBilled: false });
    metrics.upstreamCall({ providerId: 'p1', outcome: 'refused', latencyMs: 5, maybeBilled: false, status: 429 });
    metrics.upstreamCall({ providerId: 'p1', outcome: 'timeout', latencyMs: 3000, maybeBilled: true });
    const text = (await metrics.exposition()).body;
    expect(sample(text, 'carrier_verify_maybe_billed_failures_total', { provider: 'p1' })).toBe(1);
    expect(metrics.stats({ windowMs: 60_000 }).totals.maybeBilled).toBe(1);
  });

  it('bills the late answer of a timed-out call only when it is a match or a mismatch', async () => {
    const metrics = createMetrics({ pricePerCall: 0.5, ...(metricRegistry ? { registry: metricRegistry } : {}) });
    for (let i = 0; i < 2; i++) metrics.upstreamCall({ providerId: 'p1', outcome: 'timeout', latencyMs: 3000, maybeBilled: true });
    metrics.lateAnswer('p1', 'KYC1101');
    metrics.lateAnswer('p1', 'FP03333');
    const text = (await metrics.exposition()).body;
    expect(sample(text, 'carrier_verify_billed_calls_total', { provider: 'p1' })).toBe(1);
    expect(sample(text, 'carrier_verify_estimated_cost_total', { provider: 'p1' })).toBe(0.5);
    expect(metrics.stats({ windowMs: 60_000 }).totals).toMatchObject({ billedCalls: 1, cost: 0.5, maybeBilled: 1 });
  });

  it('counts refusals and failures by the code the client saw, and a repeat as a cache hit', async () => {
    const proxy = app();
    await verify(proxy, { name: 'Zhang San', phoneNumber: '13800138000' });
    await verify(proxy, { name: '张三', phoneNumber: sandboxFaults.serverError });
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    const text = await metricsText(proxy);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'verify', code: 'INVALID_NAME', provider: 'none' })).toBe(1);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'verify', code: 'UPSTREAM_ERROR' })).toBe(1);
    expect(sample(text, 'carrier_verify_upstream_duration_seconds_count', { provider: 'sandbox', result: 'server-error' })).toBe(1);
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'hit' })).toBe(1);
    // The failed call's look-up missed too: an upstream outage must not raise the hit rate.
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'miss' })).toBe(2);
    // The cached answer made no second upstream call, so it is billed once.
    expect(sample(text, 'carrier_verify_billed_calls_total', { provider: 'sandbox' })).toBe(1);
    // A refusal for bad input and an upstream failure are no rate limit.
    expect(text).not.toMatch(/^carrier_verify_rate_limited_total\{.*\} [1-9]/m);
  });

  it('counts a request that shared another\'s call for the same pair (a double click) as a cache hit: it paid nothing', async () => {
    const proxy = app();
    const answers = await Promise.all([1, 2].map(() => verify(proxy, { name: '张三', phoneNumber: '13800138000' })));
    expect(answers.map((res) => res.status)).toEqual([200, 200]);
    const text = await metricsText(proxy);
    expect(sample(text, 'carrier_verify_billed_calls_total', { provider: 'sandbox' })).toBe(1);
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(proxy.logs.filter((line) => line.route === '/api/verify').map((line) => line.cache).sort()).toEqual(['hit', 'miss']);
  });

  it('counts rate-limit refusals by the limit that refused', async () => {
    const proxy = testApp({ limits: parseLimits('ip=2/1m'), ...(metricRegistry ? { metricRegistry } : {}) });
    for (let i = 0; i < 3; i += 1) await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    const text = await metricsText(proxy);
    expect(sample(text, 'carrier_verify_rate_limited_total', { scope: 'ip' })).toBe(1);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'verify', code: 'RATE_LIMITED' })).toBe(1);
  });

  it("shows a site's budget filling before it is spent, and whose budget refused", async () => {
    let time = Date.UTC(2026, 11, 3, 12);
    const proxy = testApp({ now: () => time, limits: parseLimits('ip=off, ip-day=off, site=3/1h'), ...(metricRegistry ? { metricRegistry } : {}) });
    const budget = async () => {
      const text = await metricsText(proxy);
      return [sample(text, 'carrier_verify_site_budget_used', { site: 'sandbox' }), sample(text, 'carrier_verify_site_budget_limit', { site: 'sandbox' })];
    };
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    // A repeat the cache answers asks no provider, and spends nothing of the budget.
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    await verify(proxy, { name: '李四', phoneNumber: '18612345678' });
    expect(await budget()).toEqual([2, 3]);
    await verify(proxy, { name: '王五', phoneNumber: '13312345678' });
    expect((await verify(proxy, { name: '王五', phoneNumber: '13912345678' })).status).toBe(429);
    const text = await metricsText(proxy);
    expect(await budget()).toEqual([3, 3]);
    expect(sample(text, 'carrier_verify_rate_limited_total', { scope: 'site', site: 'sandbox' })).toBe(1);
    expect((await stats(proxy)).budgets).toEqual({ sandbox: { used: 3, limit: 3, resetsAt: new Date(Date.UTC(2026, 11, 3, 13)).toISOString() } });
    // Once its window has ended, nothing of it is used, though no call has been counted since.
    time += 3_600_000;
    expect(await budget()).toEqual([0, 3]);
    expect((await stats(proxy)).budgets).toEqual({ sandbox: { used: 0, limit: 3, resetsAt: null } });
  });

  it('counts a look-up that missed as a miss when a limit then refused its call, and a wrong method on its route', async () => {
    const proxy = testApp({ limits: parseLimits('ip=off, number=off, site=1/1d'), ...(metricRegistry ? { metricRegistry } : {}) });
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    await verify(proxy, { name: '李四', phoneNumber: '18612345678' });
    await proxy.request('/api/verify');
    await proxy.request('/api/siteverify', { method: 'PUT' });
    const text = await metricsText(proxy);
    // Three look-ups: the first missed and called, the repeat hit, the third missed and its call was refused.
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(sample(text, 'carrier_verify_cache_lookups_total', { result: 'miss' })).toBe(2);
    expect(proxy.logs.filter((line) => line.route === '/api/verify').map((line) => line.cache)).toEqual(['miss', 'hit', 'miss', undefined]);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'verify', code: 'METHOD_NOT_ALLOWED' })).toBe(1);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'METHOD_NOT_ALLOWED' })).toBe(1);
  });

  it('counts siteverify answers by their verdict', async () => {
    const proxy = app();
    const { token } = (await (await verify(proxy, { name: '张三', phoneNumber: '13800138000' })).json()) as { token: string };
    const siteverify = (body: unknown) => postJson(proxy, '/api/siteverify', body);
    await siteverify({ secret: SANDBOX_SITE.secret, token });
    await siteverify({ secret: SANDBOX_SITE.secret, token });
    const text = await metricsText(proxy);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'token-accepted' })).toBe(1);
    expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'timeout-or-duplicate' })).toBe(1);
  });

  it("counts a wrong or missing secret sent with a token of this proxy's under that token's site, whatever the secret limit", async () => {
    for (const limits of [undefined, parseLimits('secret=off')]) {
      const proxy = testApp({ ...(limits ? { limits } : {}), ...(metricRegistry ? { metricRegistry } : {}) });
      const { token } = (await (await verify(proxy, { name: '张三', phoneNumber: '13800138000' })).json()) as { token: string };
      const siteverify = (body: unknown) => postJson(proxy, '/api/siteverify', body);
      await siteverify({ secret: 'a-secret-after-a-rotation-gone-wrong', token });
      await siteverify({ token });
      await siteverify({ secret: 12345, token });
      // A token this proxy did not sign names no site.
      await siteverify({ secret: 'a-secret-after-a-rotation-gone-wrong', token: `${token.slice(0, -4)}AAAA` });
      const text = await metricsText(proxy);
      expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'invalid-input-secret', site: 'sandbox' })).toBe(2);
      expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'missing-input-secret', site: 'sandbox' })).toBe(1);
      expect(sample(text, 'carrier_verify_requests_total', { route: 'siteverify', code: 'invalid-input-secret', site: 'none' })).toBe(1);
      expect(proxy.logs.filter((line) => line.route === '/api/siteverify').map((line) => line.site)).toEqual(['sandbox', 'sandbox', 'sandbox', undefined]);
    }
  });

  it('never puts a name, number, token or secret into the metrics or the stats', async () => {
    const proxy = app();
    const res = await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    const { token } = (await res.json()) as { token: string };
    for (const { name, phoneNumber } of sandboxDirectory) await verify(proxy, { name, phoneNumber });
    await verify(proxy, { name: '欧阳娜娜', phoneNumber: '13900139000' });
    await verify(proxy, { name: 'Robert', phoneNumber: '13800138000' });
    await verify(proxy, { name: '张三', phoneNumber: '12345678901' });
    await postJson(proxy, '/api/siteverify', { secret: SANDBOX_SITE.secret, token, name: '张三', phoneNumber: '13800138000' });
    const exposed = `${await metricsText(proxy)}\n${JSON.stringify(await stats(proxy))}`;
    for (const { name, phoneNumber } of sandboxDirectory) {
      expect(exposed).not.toContain(phoneNumber);
      expect(exposed).not.toContain(name);
    }
    for (const raw of ['13900139000', '12345678901', 'Robert', token, token.split('.')[2]!, SANDBOX_SITE.secret]) expect(exposed).not.toContain(raw);
    expect(exposed).not.toMatch(/\p{Script=Han}/u);
  });
});

describe('safeLabel', () => {
  it('keeps configured ids and codes, and turns anything that could be personal into "other"', () => {
    expect(safeLabel('FP00000')).toBe('FP00000');
    expect(safeLabel('primary-vendor.cn')).toBe('primary-vendor.cn');
    expect(safeLabel(undefined)).toBe('none');
    expect(safeLabel('张三')).toBe('other');
    expect(safeLabel('13800138000')).toBe('other');
    expect(safeLabel('site-13800138000')).toBe('other');
    expect(safeLabel('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tbG9vay1yZWFs')).toBe('other');
    expect(safeLabel('a"b')).toBe('other');
  });
});

describe('prom-client on Node', () => {
  it('adds the process metrics beside the proxy’s own', async () => {
    const text = await metricsText(testApp({ metricRegistry: promRegistry() }));
    expect(text).toMatch(/^carrier_verify_process_cpu_seconds_total \d/m);
    expect(text).toContain('# TYPE carrier_verify_requests_total counter');
  });
});

describe('GET /api/stats', () => {
  it('counts the refusals of each limit apart, as the dashboard names them', async () => {
    const proxy = testApp({ limits: parseLimits('ip=3/1m, number=1/10m, name=1/1h'), remoteAddress: (c) => c.req.header('x-peer') });
    const from = (peer: string, name: string, phoneNumber: string) => proxy.request('/api/verify', { method: 'POST', headers: { 'content-type': 'application/json', 'x-peer': peer }, body: JSON.stringify({ name, phoneNumber }) });
    expect((await from('192.0.2.1', '张三', '13800138000')).status).toBe(200);
    // Another name for the number; another number of that mask for the name; then the address's fourth request.
    expect((await from('192.0.2.2', '李四', '13800138000')).status).toBe(429);
    expect((await from('192.0.2.3', '张三', '13811118000')).status).toBe(429);
    for (const status of [200, 200, 429]) expect((await from('192.0.2.1', '张三', '13800138000')).status).toBe(status);
    expect((await stats(proxy)).totals).toMatchObject({ rateLimited: 3, limitedBy: { number: 1, name: 1, ip: 1 } });
  });

  it('counts siteverify answers by code, and the failed calls that may have been billed apart from the billed ones', async () => {
    const proxy = testApp({ pricePerCall: 0.4 });
    const match = await (await verify(proxy, { name: '张三', phoneNumber: '13800138000' })).json();
    const check = (secret: string) => postJson(proxy, '/api/siteverify', { secret, token: match.token });
    expect(await (await check(SANDBOX_SITE.secret)).json()).toMatchObject({ success: true });
    expect(await (await check(SANDBOX_SITE.secret)).json()).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
    expect(await (await check('not-the-secret-'.padEnd(40, 'x'))).json()).toMatchObject({ success: false, errors: ['invalid-input-secret'] });
    // A call that ran out of time may have been billed: counted apart from the billed calls and their cost.
    expect((await verify(proxy, { name: '张三', phoneNumber: sandboxFaults.noAnswer })).status).toBe(504);
    const { totals } = await stats(proxy);
    expect(totals.tokenChecks).toEqual({ 'token-accepted': 1, 'timeout-or-duplicate': 1, 'invalid-input-secret': 1 });
    expect(totals).toMatchObject({ billedCalls: 1, cost: 0.4, maybeBilled: 1 });
    // Token checks are no verify requests.
    expect(totals.requests).toEqual({ FP00000: 1, UPSTREAM_TIMEOUT: 1 });
  });

  it('puts verifications into 10-second points with p50 and p95 per provider, and keeps the window asked for', async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const proxy = testApp({ now: () => now, pricePerCall: 0.4 });
    await verify(proxy, { name: '张三', phoneNumber: '13800138000' });
    now += 10_000;
    await verify(proxy, { name: '李四', phoneNumber: '13800138000' });
    await verify(proxy, { name: '张三', phoneNumber: sandboxFaults.serverError });

    const body = await stats(proxy, '?minutes=1');
    expect(body.series).toHaveLength(6);
    expect(body.series.at(-1)!.t).toBe(now);
    expect(body.series.at(-2)!.requests).toEqual({ FP00000: 1 });
    expect(body.series.at(-1)!.requests).toEqual({ FP03333: 1, UPSTREAM_ERROR: 1 });
    expect(body.series.at(-1)!.errors).toEqual({ UPSTREAM_ERROR: 1 });
    expect(body.totals).toMatchObject({ billedCalls: 2, cost: 0.8, rateLimited: 0 });
    // The call that answered 500 is a failed one; the two answers are not.
    expect(body.totals.latency.sandbox).toEqual({ count: 3, failed: 1, p50: expect.any(Number), p95: expect.any(Number) });
    expect(body.series.at(-2)!.latency.sandbox!.failed).toBe(0);
    expect(body.providers).toEqual(['sandbox']);
    expect(body.circuits).toEqual({ sandbox: 'off' });
    // The latest failure, as /healthz gives it.
    expect(body.lastFailures).toEqual({ sandbox: { failure: 'server-error', at: expect.any(String), status: 500 } });
    // The instance that answered, the same on every call, and another for another instance.
    // startedAt: its first request, not when the app was built (an edge runtime's clock stands still at build time).
    expect(body.instance).toEqual({ id: expect.stringMatching(/^[0-9a-f]{8}$/), startedAt: Date.UTC(2026, 0, 1, 12, 0, 0) });
    expect((await stats(proxy)).instance).toEqual(body.instance);
    expect((await stats(testApp({ now: () => now }))).instance.id).not.toBe(body.instance.id);

    now += 2 * 60_000;
    const later = await stats(proxy, '?minutes=1');
    expect(later.totals.requests).toEqual({});
    const wider = await stats(proxy, '?minutes=5&step=60');
    expect(wider.stepMs).toBe(60_000);
    expect(wider.series).toHaveLength(5);
    expect(wider.totals.requests).toEqual({ FP00000: 1, FP03333: 1, UPSTREAM_ERROR: 1 });
  });

  it('makes no random value, sets no timer and reads no clock when the app is built, as an edge runtime requires', () => {
    const spies = {
      getRandomValues: vi.spyOn(crypto, 'getRandomValues'),
      randomUUID: vi.spyOn(crypto, 'randomUUID'),
      'Date.now': vi.spyOn(Date, 'now'),
      'performance.now': vi.spyOn(performance, 'now'),
      setTimeout: vi.spyOn(globalThis, 'setTimeout'),
      setInterval: vi.spyOn(globalThis, 'setInterval'),
    };
    const calls = () => Object.fromEntries(Object.entries(spies).map(([name, spy]) => [name, spy.mock.calls.length]));
    const clock = vi.fn(() => 0);
    try {
      // With its defaults (a random hash secret, an ephemeral token key) and with secrets of its own.
      testApp({ now: clock });
      testApp({ now: clock, hashSecret: 'h'.repeat(32) });
      expect(calls()).toEqual(Object.fromEntries(Object.keys(spies).map((name) => [name, 0])));
      expect(clock).not.toHaveBeenCalled();
    } finally {
      for (const spy of Object.values(spies)) spy.mockRestore();
    }
  });

  it('reads quantiles back within 10% of the true value', () => {
    const sketch = new LatencySketch();
    for (let ms = 1; ms <= 1000; ms += 1) sketch.add(ms);
    expect(sketch.quantile(0.5)).toBeGreaterThan(450);
    expect(sketch.quantile(0.5)).toBeLessThan(550);
    expect(sketch.quantile(0.95)).toBeGreaterThan(855);
    expect(sketch.quantile(0.95)).toBeLessThan(1000.0001);
    expect(new LatencySketch().quantile(0.5)).toBeNull();
  });

  it("gives the dashboard each provider's median and 95th percentile of the window's calls", () => {
    const timeline = createTimeline(() => Date.UTC(2026, 0, 1, 12, 0, 5));
    for (let ms = 1; ms <= 200; ms += 1) timeline.record({ kind: 'upstream', provider: 'a', ms, failed: ms > 190, timed: true, billed: true, cost: 0 });
    timeline.record({ kind: 'upstream', provider: 'b', ms: 40, failed: false, timed: true, billed: true, cost: 0 });
    const { latency } = timeline.window(60_000).totals;
    // The sketch is good to 10%: 1…200 ms has its median near 100 and its 95th percentile near 190.
    const within10 = (value: number | null | undefined, truth: number) => value !== null && value !== undefined && Math.abs(value - truth) <= truth * 0.1;
    expect(latency.a).toMatchObject({ count: 200, failed: 10 });
    expect([within10(latency.a?.p50, 100), within10(latency.a?.p95, 190)]).toEqual([true, true]);
    expect(latency.b).toMatchObject({ count: 1, failed: 0 });
    expect([within10(latency.b?.p50, 40), within10(latency.b?.p95, 40)]).toEqual([true, true]);
  });

  it('counts a call rejected for its input as no failure of the provider, as /healthz does, unless another provider matches that input', async () => {
    const rejecting: Transport = async () => ({ status: 400, headers: new Headers(), text: async () => '' });
    const proxy = testApp({
      providers: [createHttpProvider({ id: 'strict', url: 'https://strict.example/verify', key: 'k', transport: rejecting }), sandboxProvider(TEST_TIMEOUT_MS)],
      routing: { random: () => 0 },
    });
    const failures = async () => {
      const health = (await (await proxy.request('/healthz')).json()) as { providers: { id: string; failures: number; rejected: number }[] };
      const { failures, rejected } = health.providers.find((provider) => provider.id === 'strict')!;
      return { healthz: { failures, rejected }, dashboard: (await stats(proxy)).totals.latency.strict };
    };
    // No record: the input may be what the strict vendor refuses, so its refusal is no failure of its own.
    expect((await verify(proxy, { name: '赵六', phoneNumber: '13900139000' })).status).toBe(200);
    expect(await failures()).toEqual({ healthz: { failures: 0, rejected: 1 }, dashboard: expect.objectContaining({ count: 1, failed: 0 }) });
    // A match proves the input good: the refusal was a failure after all, counted once, and no second call.
    expect((await verify(proxy, { name: '张三', phoneNumber: '13800138000' })).status).toBe(200);
    expect(await failures()).toEqual({ healthz: { failures: 1, rejected: 2 }, dashboard: expect.objectContaining({ count: 2, failed: 1 }) });
  });

  it('times a provider by its answers and timeouts, not by connections it refused: a provider down is not the fastest', () => {
    const metrics = createMetrics({ now: () => Date.UTC(2026, 0, 1, 12, 0, 5) });
    const call = (providerId: string, outcome: AttemptRecord['outcome'], latencyMs: number) => metrics.upstreamCall({ providerId, outcome, latencyMs, maybeBilled: false });
    for (const outcome of ['refused', 'unreachable', 'reset'] as const) call('down', outcome, 3);
    call('slow', 'timeout', 3000);
    call('slow', 'server-error', 900);
    call('slow', 'FP00000', 1000);
    const { latency } = metrics.stats({ windowMs: 60_000 }).totals;
    expect(latency.down).toEqual({ count: 3, failed: 3, p50: null, p95: null });
    expect(latency.slow).toMatchObject({ count: 3, failed: 2 });
    expect(latency.slow!.p50! >= 900 && latency.slow!.p95! >= 2700).toBe(true);
  });

  it('counts a 500 among the server-side failures, as it does a 502 and a 504, and a refusal not', () => {
    const metrics = createMetrics({ now: () => Date.UTC(2026, 0, 1, 12, 0, 5) });
    for (const [status, code] of [[500, 'INTERNAL_ERROR'], [502, 'UPSTREAM_ERROR'], [504, 'UPSTREAM_TIMEOUT'], [429, 'RATE_LIMITED'], [400, 'INVALID_NAME']] as const) {
      metrics.request({ route: 'verify', status, code, seconds: 0.01, ...(status === 429 ? { limit: 'ip' } : {}) });
    }
    expect(metrics.stats({ windowMs: 60_000 }).totals.errors).toEqual({ INTERNAL_ERROR: 1, UPSTREAM_ERROR: 1, UPSTREAM_TIMEOUT: 1 });
  });

  it('counts a timed-out call as one that may have been billed until its late answer says it was, once', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 5);
    const metrics = createMetrics({ now: () => now, pricePerCall: 0.5 });
    metrics.upstreamCall({ providerId: 'p1', outcome: 'timeout', latencyMs: 3000, maybeBilled: true });
    expect(metrics.stats({ windowMs: 60_000 }).totals).toMatchObject({ maybeBilled: 1, billedCalls: 0, cost: 0 });
    // Its answer comes in the next bucket: billed, and no longer among those that may be.
    now += 10_000;
    metrics.lateAnswer('p1', 'FP00000');
    expect(metrics.stats({ windowMs: 60_000 }).totals).toMatchObject({ maybeBilled: 0, billedCalls: 1, cost: 0.5 });
    // A window that holds the answer alone does not count below nothing.
    now += 10_000;
    expect(metrics.stats({ windowMs: 20_000 }).totals).toMatchObject({ maybeBilled: 0, billedCalls: 1 });
  });

  it('begins the instance\'s figures with its first event, a request\'s upstream call before its answer', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 9);
    const metrics = createMetrics({ now: () => now });
    metrics.cacheLookup(false);
    metrics.upstreamCall({ providerId: 'p1', outcome: 'FP00000', latencyMs: 1500, maybeBilled: true });
    // The answer is logged in the next bucket; the figures began with the look-up, in the one before.
    now += 1500;
    metrics.request({ route: 'verify', status: 200, code: 'FP00000', site: 'sandbox', provider: 'p1', seconds: 1.5 });
    expect(metrics.stats({ windowMs: 60_000 }).instance.startedAt).toBe(Date.UTC(2026, 0, 1, 12, 0, 9));
  });

  it('keeps each provider\'s latest failure on its own clock, the latest of those sharing a label', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const metrics = createMetrics({ now: () => now });
    metrics.upstreamCall({ providerId: 'a', outcome: 'timeout', latencyMs: 3000, maybeBilled: true });
    now += 60_000;
    metrics.upstreamCall({ providerId: 'a', outcome: 'refused', latencyMs: 5, maybeBilled: false, status: 429 });
    // An answer, and input refused, are no failures of the provider's.
    metrics.upstreamCall({ providerId: 'a', outcome: 'FP00000', latencyMs: 5, maybeBilled: true });
    metrics.upstreamCall({ providerId: 'a', outcome: 'rejected', latencyMs: 5, maybeBilled: false, status: 400 });
    expect(metrics.stats({ windowMs: 60_000 }).lastFailures).toEqual({ a: { failure: 'refused', at: '2026-01-01T12:01:00.000Z', status: 429 } });
  });

  it('writes the store gauges only once the store has said: none before it first answers, nor evicting while that is not known', async () => {
    const metrics = createMetrics();
    let health: StoreHealth = { state: 'unknown', since: 0 };
    metrics.watchStore(() => health);
    const gauges = async () => (await metrics.exposition()).body.split('\n').filter((line) => /^carrier_verify_store_(up|evicting) /.test(line));
    // An alert on store_up == 0 must not fire while the proxy starts and Redis has not answered yet.
    expect(await gauges()).toEqual([]);
    health = { state: 'down', since: 1, reason: 'ECONNREFUSED' };
    expect(await gauges()).toEqual(['carrier_verify_store_up 0']);
    health = { state: 'up', since: 2 };
    expect(await gauges()).toEqual(['carrier_verify_store_up 1']);
    health = { state: 'up', since: 2, evicting: true, warning: 'maxmemory-policy allkeys-lru may evict used-token marks and limit counts; set noeviction' };
    expect(await gauges()).toEqual(['carrier_verify_store_up 1', 'carrier_verify_store_evicting 1']);
  });

  it('gives every provider the same circuit state series, off among them, 1 for the state it is in', async () => {
    const metrics = createMetrics();
    metrics.watchCircuits(() => [{ id: 'sandbox', breaker: 'off' }, { id: 'vendor', breaker: 'closed' }]);
    const { body } = await metrics.exposition();
    // Each series written out, a 0 included: an alert on a series that is absent for some providers never fires for them.
    const series = body.split('\n').filter((line) => line.startsWith('carrier_verify_circuit_state{'));
    for (const [provider, inState] of [['sandbox', 'off'], ['vendor', 'closed']] as const) {
      for (const state of ['closed', 'half-open', 'open', 'off']) {
        expect(series, `${provider} ${state}`).toContain(`carrier_verify_circuit_state{provider="${provider}",state="${state}"} ${state === inState ? 1 : 0}`);
      }
    }
  });
});

describe('the operator token', () => {
  const token = 'op-7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e';

  async function productionApp(env: Record<string, string> = {}) {
    const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const jwk = await crypto.subtle.exportKey('jwk', key.privateKey);
    const settings = loadConfig({
      NODE_ENV: 'production',
      CARRIER_VERIFY_ALLOW_SANDBOX: 'true',
      CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([{ kid: 'k1', jwk }]),
      CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(40),
      ...env,
    });
    return createApp({ ...settings.app, providers: [sandboxProvider(300)], log: () => undefined });
  }

  it('is demanded in production for /metrics and /api/stats, as a bearer or ?token=', async () => {
    const app = await productionApp({ CARRIER_VERIFY_OPERATOR_TOKEN: token });
    for (const path of ['/metrics', '/api/stats']) {
      const none = await app.request(path);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await app.request(path, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await app.request(`${path}?token=${token.slice(0, -1)}`)).status).toBe(401);
      expect((await app.request(path, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await app.request(`${path}?token=${token}`)).status).toBe(200);
    }
  });

  it('is refused when wrong, however many characters it has', async () => {
    const app = await productionApp({ CARRIER_VERIFY_OPERATOR_TOKEN: token });
    const wrong = `${token.slice(0, -1)}${token.endsWith('e') ? 'f' : 'e'}`;
    expect(wrong).toHaveLength(token.length);
    for (const path of ['/metrics', '/api/stats']) {
      expect((await app.request(path, { headers: { authorization: `Bearer ${wrong}` } })).status).toBe(401);
      expect((await app.request(`${path}?token=${wrong}`)).status).toBe(401);
    }
    expect(await (await app.request('/healthz', { headers: { authorization: `Bearer ${wrong}` } })).json()).toEqual({ status: 'ok' });
  });

  it('lets no cache keep the figures or a refusal: a scrape always reads them as they are', async () => {
    const app = await productionApp({ CARRIER_VERIFY_OPERATOR_TOKEN: token });
    for (const path of ['/metrics', '/api/stats']) {
      const open = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
      const refused = await app.request(path);
      expect([path, open.status, open.headers.get('cache-control'), refused.status, refused.headers.get('cache-control')]).toEqual([path, 200, 'no-store', 401, 'no-store']);
    }
  });

  it('keeps the operator routes closed in production until a token is configured', async () => {
    const app = await productionApp();
    const res = await app.request('/metrics', { headers: { authorization: 'Bearer anything-at-all' } });
    expect(res.status).toBe(401);
    // `closed` tells the dashboard that no token can open the routes, so that it asks for none.
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('CARRIER_VERIFY_OPERATOR_TOKEN'), closed: true });
    const withToken = await productionApp({ CARRIER_VERIFY_OPERATOR_TOKEN: token });
    expect(await (await withToken.request('/api/stats')).json()).not.toHaveProperty('closed');
  });

  it('leaves the routes open in development, and the verify route never needs it', async () => {
    expect((await testApp().request('/metrics')).status).toBe(200);
    const app = await productionApp({ CARRIER_VERIFY_OPERATOR_TOKEN: token });
    expect((await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).status).toBe(200);
  });

  it('and the price are checked at start-up, naming the setting', () => {
    expect(() => loadConfig({ CARRIER_VERIFY_OPERATOR_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ CARRIER_VERIFY_OPERATOR_TOKEN: 'short' })).toThrow(/CARRIER_VERIFY_OPERATOR_TOKEN/);
    // 128 bits in hex at least: one character short of 32 is refused, 32 taken.
    expect(() => loadConfig({ CARRIER_VERIFY_OPERATOR_TOKEN: 'a'.repeat(31) })).toThrow(/CARRIER_VERIFY_OPERATOR_TOKEN/);
    expect(() => loadConfig({ CARRIER_VERIFY_OPERATOR_TOKEN: 'a'.repeat(32) })).not.toThrow();
    // A browser cannot send anything but ASCII in the header that carries it.
    expect(() => loadConfig({ CARRIER_VERIFY_OPERATOR_TOKEN: `运营商令牌_${'a'.repeat(32)}` })).toThrow(/CARRIER_VERIFY_OPERATOR_TOKEN.*ASCII/);
    expect(() => loadConfig({ CARRIER_VERIFY_PRICE_PER_CALL: '-1' })).toThrow(/CARRIER_VERIFY_PRICE_PER_CALL/);
    expect(() => loadConfig({ CARRIER_VERIFY_PRICE_PER_CALL: 'cheap' })).toThrow(/CARRIER_VERIFY_PRICE_PER_CALL/);
    expect(loadConfig({ CARRIER_VERIFY_PRICE_PER_CALL: '0.45' }).app.pricePerCall).toBe(0.45);
  });
});

describe('GET /healthz in production', () => {
  it('tells a load balancer only the status, and an operator the detail', async () => {
    const token = 'o'.repeat(40);
    const app = testApp({ operatorToken: token, requireOperatorToken: true });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const detail = await (await app.request('/healthz', { headers: { authorization: `Bearer ${token}` } })).json();
    expect(detail).toMatchObject({ status: 'ok', providers: [{ id: 'sandbox' }] });
  });

  it('keeps the detail for the operator whenever a token is set, outside production too', async () => {
    const token = 'o'.repeat(40);
    const app = testApp({ operatorToken: token });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await app.request('/healthz', { headers: { authorization: `Bearer ${token}` } })).json()).toMatchObject({ status: 'ok', providers: [{ id: 'sandbox' }] });
  });
});
