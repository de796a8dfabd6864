// The monitoring page in Chromium against a real proxy: it draws its charts, and updates after a verification.
import type { AxeResults } from 'axe-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.js';
import type { DashboardStats } from '../../server/monitoring.js';
import { startServer, type RunningServer } from '../../server/node.js';
import { createNodeTransport } from '../../server/transport-node.js';
import { buildSite, type BuiltSite } from '../support/site.js';
import { launchChromium } from '../support/chromium.js';
import { providerFor, startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';

const OPERATOR_TOKEN = 'op-0123456789abcdef0123456789abcdef';

let site: BuiltSite;
let browser: Browser;
const servers: RunningServer[] = [];
/** Sites of their own that mount the app. */
const hosts: ServerType[] = [];
const upstreams: MockUpstream[] = [];

async function proxy(overrides: Parameters<typeof startServer>[1] = {}, env: Record<string, string> = {}): Promise<string> {
  const running = await startServer({ PORT: '0', HOST: '127.0.0.1', ...env }, { assets: site.assets, log: () => undefined, ...overrides });
  servers.push(running);
  return `http://127.0.0.1:${running.port}`;
}

function verify(base: string, name: string, phoneNumber: string): Promise<Response> {
  return fetch(`${base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, phoneNumber }) });
}

const tile = (page: Page, name: string) => page.locator(`[data-tile="${name}"] .value`);

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's failures of one rule (colour contrast unless told) on the page as it is now, as `selector: message` lines. */
async function contrastFailures(page: Page, rule = 'color-contrast'): Promise<string[]> {
  // Evaluated rather than added as a <script>, which the page's Content-Security-Policy refuses.
  await page.evaluate(axeSource);
  const results = await page.evaluate((only) => (window as unknown as { axe: typeof import('axe-core') }).axe.run(document, { runOnly: [only] }), rule);
  expect((results as AxeResults).passes.length, 'axe checked nothing').toBeGreaterThan(0);
  return (results as AxeResults).violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.any[0]?.message ?? v.help}`));
}

/** WCAG's contrast ratio of two computed colours, `rgb(r, g, b)`. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, blue] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => Number(c) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * blue!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/**
 * An answer with a little of everything in every point: every result code the page names and five it does not,
 * four kinds of 5xx error, refusals, cache look-ups, a billed call and six providers' latency.
 */
function everySeries(stats: DashboardStats): DashboardStats {
  const ones = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, 1]));
  const codes = ['FP00000', 'FP03333', 'KYC1101', 'RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR', 'BAD_REQUEST', 'INVALID_NAME', 'INVALID_PHONE', 'ORIGIN_NOT_ALLOWED', 'HTTP_404'];
  const errors = ['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR', 'HTTP_500'];
  const providers = ['one', 'two', 'three', 'four', 'five', 'six'];
  const latency = Object.fromEntries(providers.map((provider, i) => [provider, { count: 1, failed: 0, p50: 40 + 30 * i, p95: 90 + 60 * i }]));
  const counts = { requests: ones(codes), errors: ones(errors), rateLimited: 1, limitedBy: { ip: 1 }, cacheHits: 1, cacheLookups: 2, billedCalls: 1, cost: 0.3, maybeBilled: 1, tokenChecks: { 'token-accepted': 1, 'invalid-input-secret': 1 }, latency };
  return { ...stats, providers, circuits: {}, totals: counts, series: stats.series.map((point) => ({ ...point, ...counts })) };
}

/** Answers the page's stats requests with the proxy's own answer, as `change` leaves it (or gives it back). */
async function rewriteStats(page: Page, change: (stats: DashboardStats) => DashboardStats | void): Promise<void> {
  await page.route('**/api/stats*', async (route) => {
    const response = await route.fetch();
    const stats = (await response.json()) as DashboardStats;
    await route.fulfill({ response, json: change(stats) ?? stats });
  });
}

/**
 * Closes a page that refreshes its stats through a route of the test's: a refresh the route is handling as the page
 * closes (more likely the slower the machine) would otherwise end in an unhandled rejection, its answer disposed
 * under it, which fails the run though every test passed.
 */
async function closeRefreshing(page: Page): Promise<void> {
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.close();
}

/** The window's points with a cost in the last two only: `before`, then `last`. */
function costInLastTwo(stats: DashboardStats, before: number, last: number): DashboardStats['series'] {
  return stats.series.map((point, i, all) => ({ ...point, cost: i === all.length - 2 ? before : i === all.length - 1 ? last : 0 }));
}

/**
 * A dashboard on a proxy of its own, drawn from its stats as `change` leaves them, the instance counting over the
 * whole window (as one that started before it); no refresh during the test.
 */
async function drawnWith(change: (stats: DashboardStats) => DashboardStats | void, width = 1200): Promise<Page> {
  const base = await proxy();
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await rewriteStats(page, (stats) => {
    const changed = change(stats) ?? stats;
    return { ...changed, instance: { ...changed.instance, startedAt: changed.from } };
  });
  await page.goto(`${base}/dashboard?refresh=600`);
  await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
  return page;
}

/** A proxy in production without an operator token: its monitoring data is closed to everyone. */
async function closedProxy(): Promise<string> {
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', key.privateKey);
  return proxy({}, {
    NODE_ENV: 'production',
    CARRIER_VERIFY_ALLOW_SANDBOX: 'true',
    CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([{ kid: 'k1', jwk }]),
    CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(64),
  });
}

beforeAll(async () => {
  site = await buildSite();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  for (const host of hosts) host.close();
  await Promise.all(upstreams.map((u) => u.close()));
  await site?.remove();
});

describe('GET /dashboard in Chromium', () => {
  it('names the limits that refused on the rate-limited tile, most first, in the page\'s language', { timeout: 30_000 }, async () => {
    const base = await proxy({}, { CARRIER_VERIFY_LIMITS: 'number=1/10m, ip-day=4/1d' });
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    expect((await verify(base, '李四', '13800138000')).status).toBe(429);
    expect((await verify(base, '王五', '13800138000')).status).toBe(429);
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    // The address's fifth request today.
    expect((await verify(base, '张三', '13800138000')).status).toBe(429);
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => tile(page, 'rate-limited').textContent(), { timeout: 5000 }).toBe('3');
    expect(await page.locator('[data-tile="rate-limited"] .hint').textContent()).toBe('60% of requests · number 2 · address per day 1');
    // The errors chart counts the refusals too, in a series of their own.
    expect(await page.locator('#chart-errors .legend li').allTextContents()).toEqual(['Rate-limit refusals3']);
    expect(await page.locator('#chart-errors rect.bar[data-series="rate-limited"]').count()).toBeGreaterThanOrEqual(1);
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('[data-tile="rate-limited"] .hint').textContent()).toBe('占请求的 60% · 手机号 2 · IP 每日 1');
    await page.close();
  });

  it("shows how much of each site's budget is used before it is spent, and no table while none is counted", { timeout: 30_000 }, async () => {
    const base = await proxy({}, { CARRIER_VERIFY_LIMITS: 'site=4/1d' });
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    expect(await page.locator('#budgets').isVisible()).toBe(false);
    for (const [name, number] of [['张三', '13800138000'], ['李四', '18612345678'], ['王五', '13312345678']]) expect((await verify(base, name!, number!)).status).toBe(200);
    const table = page.getByRole('table', { name: 'Site budgets (upstream calls in each window)' });
    await expect.poll(() => table.locator('tbody tr').allInnerTexts(), { timeout: 5000 }).toEqual(['sandbox\t3 / 4 (75%)\t23 h 59 min']);
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('#budgets-title').textContent()).toBe('站点额度（每个时间窗口内的上游调用次数）');
    // The share in the page language's own brackets, as its sentences have them.
    await expect.poll(() => page.locator('#budgets tbody tr').allInnerTexts(), { timeout: 5000 }).toEqual([expect.stringMatching(/^sandbox\t3 \/ 4（75%）\t23 小时 59 分钟$/)]);
    await page.close();
  });

  it('draws every chart, then shows a verification within a refresh', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${base}/dashboard?refresh=1`);

    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated \d\d:\d\d:\d\d · instance [0-9a-f]{8}, counting for 0 min$/);
    expect(await tile(page, 'requests').textContent()).toBe('0');
    for (const chart of ['requests', 'latency', 'errors', 'cache', 'cost']) {
      const svg = page.locator(`#chart-${chart} svg`);
      // Axes are drawn even before there is traffic, with a line saying the window is empty.
      expect(await svg.locator('.grid text').count()).toBeGreaterThan(2);
      expect(await svg.locator('text.empty').count()).toBe(1);
    }
    // A screen reader reads none of an image's parts: an empty chart says so in its description, which names its note.
    const described = () => page.locator('#chart-requests svg').evaluate((svg) => (svg.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent));
    expect(await described()).toEqual(['No verify requests in this window', 'Use the left and right arrow keys, Home and End to read the values point by point.']);

    expect(await tile(page, 'tokens').textContent()).toBe('0');
    const { token } = (await (await verify(base, '张三', '13800138000')).json()) as { token: string };
    expect((await verify(base, '李四', '13800138000')).status).toBe(200);
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    // A site's backend checks the token, then a backend with the wrong secret tries: both show, the refusal by its code.
    const siteverify = (secret: string) => fetch(`${base}/api/siteverify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, token }) });
    expect((await (await siteverify('sandbox-secret')).json()).success).toBe(true);
    expect((await (await siteverify('wrong-secret-'.padEnd(40, 'x'))).json()).success).toBe(false);

    await expect.poll(() => tile(page, 'requests').textContent(), { timeout: 5000 }).toBe('3');
    await expect.poll(() => tile(page, 'tokens').textContent(), { timeout: 5000 }).toBe('2');
    expect(await page.locator('[data-tile="tokens"] .hint').textContent()).toBe('1 accepted · invalid-input-secret 1');
    // One bar a 10 s bucket: the three requests may straddle a bucket's end, so there are one or two of each.
    expect(await page.locator('#chart-requests rect.bar[data-series="FP00000"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart-requests rect.bar[data-series="FP03333"]').count()).toBe(1);
    expect(await page.locator('#chart-requests .legend').textContent()).toContain('FP00000 match2');
    expect(await page.locator('#chart-requests text.empty').count()).toBe(0);
    expect(await described()).toEqual(['Use the left and right arrow keys, Home and End to read the values point by point.']);
    // Two upstream calls (the repeat came from the cache) give the sandbox a latency point.
    expect(await page.locator('#chart-latency [data-series="sandbox-p50"]').count()).toBe(1);
    expect(await page.locator('#chart-latency .legend').textContent()).toMatch(/sandbox p95\d/);
    expect(await tile(page, 'cache').textContent()).toBe('33%');
    expect(await tile(page, 'billed').textContent()).toBe('2');
    expect(await tile(page, 'cost').textContent()).toBe('¥0.60');
    // The trial's sandbox billed nothing: the figure is what a real provider would have.
    expect(await page.locator('[data-tile="cost"] .hint').textContent()).toBe('estimated: the sandbox bills nothing');
    expect(await page.locator('#providers tbody tr').first().textContent()).toContain('off');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('announces a change of state once, not each refresh; keeps Pause one toggle; gives rare codes one series', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const announced: string[] = [];
    await page.exposeFunction('heard', (text: string) => announced.push(text));
    await page.addInitScript(() => {
      addEventListener('DOMContentLoaded', () => {
        const live = document.querySelector('#status-live')!;
        new MutationObserver(() => (window as unknown as { heard(text: string): void }).heard(live.textContent ?? '')).observe(live, { childList: true, characterData: true, subtree: true });
      });
    });
    // Rare refusals, each its own code, and one match, many times over: one error in many.
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    for (const body of [{ name: '张三' }, '[]']) {
      await fetch(`${base}/api/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
    }
    await fetch(`${base}/api/verify`, { method: 'PUT' });
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    const first = await page.locator('#status').textContent();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).not.toBe(first);
    // Refreshed at least once more: the live region spoke once, for the data shown, and is emptied a moment later.
    expect(announced.filter(Boolean)).toHaveLength(1);
    expect(announced[0]).toMatch(/^Updated/);
    await expect.poll(() => page.locator('#status-live').textContent(), { timeout: 5000 }).toBe('');
    expect(await page.locator('#status').getAttribute('role')).toBeNull();
    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.click();
    expect([await pause.getAttribute('aria-pressed'), await pause.textContent()]).toEqual(['true', 'Pause']);
    // The status says so, the figures being those of the time it gives.
    expect(await page.locator('#status').textContent()).toMatch(/^Updated .* · paused$/);
    await pause.click();
    expect(await pause.getAttribute('aria-pressed')).toBe('false');
    expect(await page.locator('#status').textContent()).not.toContain('paused');
    // UNSUPPORTED_MEDIA_TYPE and METHOD_NOT_ALLOWED: one series, named with its codes, in a colour no other has.
    const legend = await page.locator('#chart-requests .legend').textContent();
    expect(legend).toMatch(/other3 \((METHOD_NOT_ALLOWED 1, UNSUPPORTED_MEDIA_TYPE 2|UNSUPPORTED_MEDIA_TYPE 2, METHOD_NOT_ALLOWED 1)\)/);
    expect(await page.locator('#chart-requests rect.bar[data-series="other"]').count()).toBeGreaterThanOrEqual(1);
    await page.close();
  });

  it('links to the trial page where the proxy serves one, and not where it has only sites of its own', { timeout: 30_000 }, async () => {
    const own = await proxy({ sites: [{ siteKey: 'shop', secret: 'x'.repeat(40), origins: ['https://shop.example'] }] });
    // Mounted at the root of a site whose own page answers `/`: the link must not lead there either.
    const hostApp = new Hono();
    hostApp.route('/', createApp({ assets: site.assets, log: () => undefined, sites: [{ siteKey: 'shop', secret: 'x'.repeat(40), origins: ['https://shop.example'] }] }));
    hostApp.get('/', (c) => c.html('<title>home</title>'));
    const host = serve({ fetch: hostApp.fetch, port: 0, hostname: '127.0.0.1' });
    await once(host, 'listening');
    hosts.push(host);
    const hosted = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    for (const [base, shown] of [[await proxy(), true], [own, false], [hosted, false]] as const) {
      const page = await browser.newPage();
      // The data says whether the app serves the trial page; the link is judged once the data is drawn.
      await page.goto(`${base}/dashboard`);
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toMatch(/^Updated/);
      expect(await page.getByRole('link', { name: /Demo/ }).isVisible()).toBe(shown);
      expect(await page.locator('p:has(#metrics-path)').innerText()).toContain(shown ? '← Demo · Prometheus' : 'hour. Prometheus');
      if (shown) {
        // The link, shown, is readable in both colour schemes.
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          expect(await contrastFailures(page)).toEqual([]);
        }
      }
      await page.close();
    }
  });

  it('draws a 0% cache hit rate and a ¥0 cost as lines at 0, not as an empty window', { timeout: 30_000 }, async () => {
    const base = await proxy({ pricePerCall: 0 });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);

    // One look-up that missed the cache, and one billed call at a price of 0.
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    await expect.poll(() => tile(page, 'cache').textContent(), { timeout: 5000 }).toBe('0%');
    expect(await tile(page, 'billed').textContent()).toBe('1');
    expect(await tile(page, 'cost').textContent()).toBe('¥0');
    for (const [chart, series, summary] of [['cache', 'hit-rate', 'Hit rate0%'], ['cost', 'cost', 'Estimated cost¥0']] as const) {
      expect(await page.locator(`#chart-${chart} [data-series="${series}"]`).count()).toBe(1);
      expect(await page.locator(`#chart-${chart} .legend`).textContent()).toBe(summary);
      expect(await page.locator(`#chart-${chart} text.empty`).count()).toBe(0);
    }
    // No refusals is still an empty window for the errors chart, whose bars of 0 draw nothing.
    expect(await page.locator('#chart-errors text.empty').textContent()).toBe('No errors or refusals in this window');
    await page.close();
  });

  it('shows the window asked for last, even when an earlier window\'s answer comes after it', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // A long refresh: only the changes of window ask for data during the test.
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);

    // The 60-minute answer is taken from the proxy before any traffic, and held back until the 15-minute one is shown.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const fetched = new Promise<void>((resolve) => (taken = resolve));
    await page.route('**/api/stats?minutes=60*', async (route) => {
      const response = await route.fetch();
      taken();
      await held;
      await route.fulfill({ response });
    });
    await page.selectOption('#window', '60');
    await fetched;
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    await page.selectOption('#window', '15');
    await expect.poll(() => tile(page, 'requests').textContent(), { timeout: 5000 }).toBe('1');

    const late = page.waitForEvent('requestfinished', (request) => request.url().includes('minutes=60'));
    release();
    await late;
    await page.waitForTimeout(300);
    expect(await tile(page, 'requests').textContent()).toBe('1');
    expect(await page.locator('#chart-requests rect.bar').count()).toBe(1);
    expect(await page.locator('#window').inputValue()).toBe('15');
    await page.close();
  });

  it('fits a 320 px phone screen without scrolling sideways, its charts drawn at the width they are shown', { timeout: 30_000 }, async () => {
    const base = await proxy();
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    // Nor does the read-out of the newest point, at the right edge.
    await page.locator('#chart-requests svg').focus();
    await page.keyboard.press('End');
    expect(await page.locator('#chart-requests .tip').textContent()).toMatch(/FP00000 match/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    // In each language, the controls and the read-out too.
    for (const [lang, word] of [['zh-CN', '一致'], ['zh-TW', '一致']] as const) {
      await page.selectOption('#lang', lang);
      await page.locator('#chart-requests svg').focus();
      await page.keyboard.press('End');
      // Full-width, as Chinese writes the colon.
      expect(await page.locator('#chart-requests .tip').textContent()).toContain(`FP00000 ${word}：1`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      // The provider's id whole, on one line (`sandbo` over `x` it was): the Chinese headings beside it wrap instead.
      const idLines = await page.locator('#providers tbody th').first().evaluate((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      });
      expect(idLines, lang).toBe(1);
      // A note of an empty chart stays within its chart.
      for (const note of await page.locator('text.empty').all()) {
        const [left, right, svgLeft, svgRight] = await note.evaluate((text) => {
          const box = text.getBoundingClientRect();
          const chart = text.closest('svg')!.getBoundingClientRect();
          return [box.left, box.right, chart.left, chart.right];
        });
        expect(left, await note.textContent() ?? '').toBeGreaterThanOrEqual(svgLeft!);
        expect(right).toBeLessThanOrEqual(svgRight!);
      }
    }
    // One unit of the drawing is one CSS pixel: the axis text keeps its 11 px rather than shrinking with the chart.
    for (const svg of await page.locator('.plot svg').all()) {
      const [shown, drawn] = await svg.evaluate((node: SVGSVGElement) => [node.getBoundingClientRect().width, node.viewBox.baseVal.width]);
      expect(Math.abs(shown! - drawn!)).toBeLessThanOrEqual(1);
    }
    await page.close();
  });

  it('sets each tile\'s figure at the same height as the others of its row, whatever the length of their hints', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    // Tiles without a hint (errors) beside one whose hint takes three lines (the cost on the sandbox).
    const rows = await page.$$eval('.tile', (tiles) => {
      const byRow = new Map<number, number[]>();
      for (const tile of tiles) {
        const top = Math.round(tile.getBoundingClientRect().top);
        const value = tile.querySelector('.value')!.getBoundingClientRect().top - top;
        byRow.set(top, [...(byRow.get(top) ?? []), Math.round(value)]);
      }
      return [...byRow.values()];
    });
    expect(rows[0]!.length).toBeGreaterThan(3);
    for (const row of rows) expect(new Set(row).size).toBe(1);
    await page.close();
  });

  it('fits a 320 px phone screen with a 24 px default font size: its tiles and its providers\' table stay in the page', { timeout: 30_000 }, async () => {
    const base = await proxy();
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '150%';
    });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    // The table is wider than the card: it scrolls there, whole, not squeezed.
    const table = await page.locator('#providers .table-scroll').evaluate((box) => ({ scrolls: box.scrollWidth > box.clientWidth, right: box.getBoundingClientRect().right }));
    expect(table.scrolls).toBe(true);
    expect(table.right).toBeLessThanOrEqual(320);
    // Its controls in the reader's text size, and tall enough to press: a browser's own select is 13.33 px, 19 px tall.
    const controls = await page.evaluate(() =>
      ['#lang', '#window', '#pause'].map((selector) => {
        const control = document.querySelector(selector)!;
        return [selector, parseFloat(getComputedStyle(control).fontSize) >= 24, control.getBoundingClientRect().height >= 24];
      }),
    );
    expect(controls).toEqual([['#lang', true, true], ['#window', true, true], ['#pause', true, true]]);
    await page.close();
  });

  it('keeps a table of more series than a phone has room for within its card, scrolled sideways from the keyboard', { timeout: 30_000 }, async () => {
    // The widest circuit state, half-open, in the providers' table too.
    const page = await drawnWith((stats) => ({ ...everySeries(stats), circuits: { two: 'half-open' } }), 320);
    for (const summary of await page.locator('details.values summary').all()) await summary.click();
    expect(await page.locator('table.values').evaluateAll((tables) => tables.filter((table) => table.getBoundingClientRect().height > 0).length)).toBe(5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const requests = page.locator('#chart-requests details.values');
    const [scrollWidth, clientWidth] = await requests.evaluate((details) => [details.scrollWidth, details.clientWidth]);
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    // From its toggle, the arrow keys scroll it; the toggle and the times stay where they are.
    const summary = requests.locator('summary');
    const timeAt = () => requests.locator('tbody th').first().evaluate((cell) => cell.getBoundingClientRect().left);
    const [summaryLeft, timeLeft] = [await summary.evaluate((node) => node.getBoundingClientRect().left), await timeAt()];
    await summary.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => requests.evaluate((details) => details.scrollLeft)).toBeGreaterThan(0);
    expect(await summary.evaluate((node) => node.getBoundingClientRect().left)).toBe(summaryLeft);
    expect(await timeAt()).toBe(timeLeft);
    expect(await contrastFailures(page, 'scrollable-region-focusable')).toEqual([]);
    expect(await contrastFailures(page)).toEqual([]);
    await closeRefreshing(page);
  });

  it('draws every series at 3:1 or more against its chart in both colour schemes, each in a colour of its own', { timeout: 30_000 }, async () => {
    const page = await drawnWith(everySeries);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // Each bar, line and point as drawn, and each legend swatch, with the colour of the card behind it.
      const marks = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('figure.chart')].flatMap((figure) => {
          const background = getComputedStyle(figure).backgroundColor;
          const drawn = [...figure.querySelectorAll<SVGElement>('svg [data-series]')].map((mark) => {
            const style = getComputedStyle(mark);
            return { series: mark.dataset.series!, color: mark.tagName === 'path' ? style.stroke : style.fill };
          });
          const swatches = [...figure.querySelectorAll<HTMLElement>('.legend li')].map((item) => {
            const style = getComputedStyle(item.querySelector('.swatch')!);
            return { series: `swatch ${item.firstChild!.nextSibling!.textContent}`, color: style.borderTopStyle === 'dashed' ? style.borderTopColor : style.backgroundColor };
          });
          return [...drawn, ...swatches].map((mark) => ({ chart: figure.id, background, ...mark }));
        }),
      );
      expect(new Set(marks.map((m) => m.chart)).size).toBe(5);
      expect(marks.filter((m) => m.chart === 'chart-requests' && !m.series.startsWith('swatch')).length).toBeGreaterThanOrEqual(13);
      const faint = marks.filter((m) => contrast(m.color, m.background) < 3).map((m) => `${m.chart} ${m.series}: ${m.color} on ${m.background}, ${contrast(m.color, m.background).toFixed(2)}:1`);
      expect(faint, colorScheme).toEqual([]);
      // Within a chart, a colour is one series' (a provider's p50 and p95 share theirs, one line solid, one dashed).
      for (const chart of new Set(marks.map((m) => m.chart))) {
        const colors = new Map<string, Set<string>>();
        for (const { series, color } of marks.filter((m) => m.chart === chart && !m.series.startsWith('swatch'))) {
          colors.set(color, (colors.get(color) ?? new Set()).add(series.replace(/-p(50|95)$/, '')));
        }
        const shared = [...colors].filter(([, series]) => series.size > 1).map(([color, series]) => `${color}: ${[...series].join(', ')}`);
        expect(shared, `${colorScheme} ${chart}`).toEqual([]);
      }
    }
    await page.close();
  });

  it('says under a provider\'s failed calls what its latest failure was, and when', { timeout: 30_000 }, async () => {
    const base = await proxy();
    // The sandbox's number whose call the vendor answers with a 500.
    expect((await verify(base, '张三', '13800000500')).status).toBe(502);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    await page.selectOption('#lang', 'en');
    const failed = page.locator('#providers tbody tr').first().locator('td').nth(2);
    expect(await failed.textContent()).toMatch(/^1 \(100%\)last: server-error 500 at \d\d:\d\d:\d\d$/);
    await page.selectOption('#lang', 'zh-CN');
    expect(await failed.locator('.last-failure').textContent()).toMatch(/^最近一次：server-error 500，于 \d\d:\d\d:\d\d$/);
    await page.close();
    // A failure from before the window is not this window's: its count is not in the table, nor is it.
    const older = await drawnWith((stats) => ({ ...stats, lastFailures: { sandbox: { failure: 'timeout', at: new Date(stats.from - 60_000).toISOString() } } }));
    expect(await older.locator('#providers .last-failure').count()).toBe(0);
    await closeRefreshing(older);
  });

  it('says beside the cost the failed calls that may have been billed too, at most what they would cost', { timeout: 30_000 }, async () => {
    // A proxy with real providers (no trial page); then the trial's, whose sandbox bills nothing, so that nothing may be.
    let trial = false;
    const page = await drawnWith((stats) => ({ ...stats, trial, pricePerCall: 0.35, totals: { ...stats.totals, billedCalls: 4, cost: 1.4, maybeBilled: 2 } }));
    await page.selectOption('#lang', 'en');
    expect(await tile(page, 'cost').textContent()).toBe('¥1.40');
    expect(await page.locator('[data-tile="cost"] .hint').textContent()).toBe('estimated · failed calls that may have been billed too: 2, up to ¥0.70');
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('[data-tile="cost"] .hint').textContent()).toBe('估算值 · 另有 2 次失败调用可能已计费，至多 ¥0.70');
    trial = true;
    await page.reload();
    await expect.poll(() => page.locator('[data-tile="cost"] .hint').textContent()).toBe('估算值：沙盒不收费');
    await closeRefreshing(page);
  });

  it('says what the proxy\'s own codes mean beside them in Chinese, and leaves them as they are in English', { timeout: 30_000 }, async () => {
    const page = await drawnWith(everySeries);
    await page.selectOption('#lang', 'en');
    const legend = (chart: string) => page.locator(`#chart-${chart} .legend li`).allTextContents();
    expect(await legend('errors')).toContain('UPSTREAM_ERROR1');
    await page.selectOption('#lang', 'zh-CN');
    expect(await legend('errors')).toEqual(expect.arrayContaining(['UPSTREAM_ERROR 上游出错1', 'UPSTREAM_TIMEOUT 上游超时1', 'SERVICE_UNAVAILABLE 服务不可用1']));
    expect(await legend('requests')).toEqual(expect.arrayContaining(['FP00000 一致1', 'RATE_LIMITED 限流1', 'INVALID_NAME 姓名无效1', 'INVALID_PHONE 手机号无效1', 'ORIGIN_NOT_ALLOWED 来源未获允许1']));
    await page.selectOption('#lang', 'zh-TW');
    expect(await legend('errors')).toContain('UPSTREAM_TIMEOUT 上游逾時1');
    await closeRefreshing(page);
  });

  it('keeps the legend\'s colour key in forced colours, where the bars and lines keep their colours', { timeout: 30_000 }, async () => {
    const page = await drawnWith(everySeries);
    // Windows' contrast themes: the system's colours replace the page's backgrounds and borders, not a drawing's.
    await page.emulateMedia({ forcedColors: 'active' });
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure.chart')].map((figure) => {
        const drawn = [...figure.querySelectorAll<SVGElement>('svg [data-series]')].map((mark) => {
          const style = getComputedStyle(mark);
          return mark.tagName === 'path' ? style.stroke : style.fill;
        });
        const swatches = [...figure.querySelectorAll<HTMLElement>('.legend .swatch')].map((swatch) => {
          const style = getComputedStyle(swatch);
          return style.borderTopStyle === 'dashed' ? style.borderTopColor : style.backgroundColor;
        });
        const distinct = (colors: string[]) => [...new Set(colors)].sort();
        return { chart: figure.id, drawn: distinct(drawn), swatches: distinct(swatches) };
      }),
    );
    expect(charts).toHaveLength(5);
    // Each swatch in the colour of its series as drawn, so that the key still says which bar or line is which.
    for (const { chart, drawn, swatches } of charts) expect(swatches, chart).toEqual(drawn);
    expect(charts.find((c) => c.chart === 'chart-latency')!.drawn.length).toBe(6);
    await page.close();
  });

  /**
   * A dashboard on a stopped clock after one verification, which lands in the window's newest 30-second point,
   * 12:00:00 to 12:00:30 UTC; refreshed every `refreshSeconds`. Gives the page, the proxy and the first chart's read-out.
   */
  async function readoutPage(refreshSeconds: number, width = 1200) {
    // The instance counts from 11:00, when its stats were first asked for: every point of the window is counted.
    let now = Date.UTC(2026, 0, 1, 11, 0, 0);
    const base = await proxy({ now: () => now });
    expect((await fetch(`${base}/api/stats`)).status).toBe(200);
    now = Date.UTC(2026, 0, 1, 12, 0, 20);
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const page = await browser.newPage({ viewport: { width, height: 900 }, timezoneId: 'UTC' });
    await page.goto(`${base}/dashboard?refresh=${refreshSeconds}`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    /** Moves the proxy's clock on. */
    const advance = (ms: number) => void (now += ms);
    return { base, page, advance, readout: page.locator('#chart-requests').getByRole('status') };
  }

  /**
   * The newest point, read out: two refreshes later it still is, and a new verification shows in its tip at the next
   * one, while its status, what a screen reader says, is not written again (it would speak the whole read-out at
   * every refresh): moved away from and back to, the point is said with its new values.
   */
  async function keptThroughRefreshes(base: string, page: Page, readout: Locator, moveAwayAndBack: () => Promise<void>): Promise<void> {
    const tip = page.locator('#chart-requests .tip');
    let answered = 0;
    page.on('response', (response) => void (response.url().includes('/api/stats') && (answered += 1)));
    await expect.poll(() => answered, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await page.waitForTimeout(200);
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    expect(await tip.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    // Every write of the status, counted from here: a screen reader speaks each.
    await readout.evaluate((node) => {
      const counted = window as unknown as { statusWrites: number };
      counted.statusWrites = 0;
      new MutationObserver(() => void (counted.statusWrites += 1)).observe(node, { childList: true, characterData: true, subtree: true });
    });
    expect((await verify(base, '李四', '18612345678')).status).toBe(200);
    await expect.poll(() => tip.textContent(), { timeout: 5000 }).toBe('12:00:00 – 12:00:30\nFP00000 match: 2');
    const refreshed = answered;
    await expect.poll(() => answered, { timeout: 5000 }).toBeGreaterThan(refreshed);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { statusWrites: number }).statusWrites), 'the refreshes said nothing').toBe(0);
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await moveAwayAndBack();
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 2');
  }

  it('reads a chart\'s values point by point from the keyboard, into a status a screen reader announces', { timeout: 30_000 }, async () => {
    // A long refresh: no redraw clears the read-out while it is read.
    const { page, readout } = await readoutPage(600);

    // After the controls, Tab reaches the first chart.
    await page.locator('#pause').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-labelledby'))).toBe('chart-requests-title');
    expect(await readout.textContent()).toBe('');

    // The newest point holds the verification; the one before it is empty.
    await page.keyboard.press('End');
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    expect(await page.locator('#chart-requests .tip').isVisible()).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await readout.textContent()).toBe('11:59:30 – 12:00:00\nFP00000 match: 0');
    await page.keyboard.press('ArrowRight');
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await page.keyboard.press('Home');
    const first = await readout.textContent();
    expect(first).toMatch(/^11:3\d:\d\d – /);
    await page.keyboard.press('ArrowLeft');
    expect(await readout.textContent()).toBe(first);

    await page.keyboard.press('Escape');
    expect(await readout.textContent()).toBe('');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    expect(await readout.textContent()).toBe('');
    await page.close();
  });

  it('gives each chart its values as a table, newest first, whose rows stay put as the refreshes change them', { timeout: 30_000 }, async () => {
    const { base, page, advance } = await readoutPage(1);
    const table = page.locator('#chart-requests table.values');
    expect(await table.isVisible()).toBe(false);
    await page.locator('#chart-requests summary').click();
    expect(await table.isVisible()).toBe(true);
    // Named by its chart's title, so that a screen reader's list of tables tells them apart.
    expect(await page.getByRole('table', { name: 'Requests by result code, each bar 30 s' }).count()).toBe(1);
    // Each toggle named with its chart too, so that a list of the page's controls tells them apart.
    expect(await page.getByRole('group').filter({ has: page.locator('summary') }).count()).toBe(5);
    // The providers' table is named by its heading; a chart is one image, its axis labels no text of their own.
    expect(await page.getByRole('table', { name: 'Providers' }).count()).toBe(1);
    const chart = await page.locator('#chart-requests svg').ariaSnapshot();
    expect([chart.split('\n').length, chart]).toEqual([1, expect.stringMatching(/^- img "Requests by result code/)]);
    expect(await page.locator('#chart-latency summary').evaluate((summary) => summary.textContent)).toBe('Values as a table Upstream latency (p50 solid, p95 dashed; log scale)');
    expect(await table.locator('thead th').allTextContents()).toEqual(['Time', 'FP00000 match']);
    const rows = table.locator('tbody tr');
    const row = async (i: number) => rows.nth(i).locator('th, td').allTextContents();
    expect(await row(0)).toEqual(['12:00:00 – 12:00:30', '1']);
    expect(await row(1)).toEqual(['11:59:30 – 12:00:00', '0']);
    expect((await row((await rows.count()) - 1))[0]).toMatch(/^11:3\d:\d\d – /);
    // A row header a time, so that each value is read with its time.
    expect(await rows.first().locator('th').getAttribute('scope')).toBe('row');
    // An instance counting over the whole window: no point goes uncounted.
    expect(await page.locator('#counting-note').isVisible()).toBe(false);
    expect(await page.locator('.uncounted').count()).toBe(0);

    // The refreshes change the values in place: the row a reader is on is the same row, with the new value.
    const newest = await rows.first().elementHandle();
    expect((await verify(base, '李四', '18612345678')).status).toBe(200);
    await expect.poll(() => row(0), { timeout: 5000 }).toEqual(['12:00:00 – 12:00:30', '2']);
    expect(await newest!.evaluate((node) => node === document.querySelector('#chart-requests tbody tr'))).toBe(true);
    // The window moves on a point: a new row on top, the oldest gone, the others the same rows, one further down.
    const count = await rows.count();
    const oldest = await rows.last().locator('th').textContent();
    advance(30_000);
    await expect.poll(() => row(0), { timeout: 5000 }).toEqual(['12:00:30 – 12:01:00', '0']);
    expect(await rows.count()).toBe(count);
    expect(await newest!.evaluate((node) => node === document.querySelectorAll('#chart-requests tbody tr')[1])).toBe(true);
    expect(await row(1)).toEqual(['12:00:00 – 12:00:30', '2']);
    expect(await table.locator('tbody th').allTextContents()).not.toContain(oldest);

    // A point without a measure is a dash, as in the read-out.
    await page.locator('#chart-latency summary').click();
    const latency = page.locator('#chart-latency table.values');
    expect(await latency.locator('thead th').allTextContents()).toEqual(['Time', 'sandbox p50', 'sandbox p95']);
    // (The newest point, the window having moved on, had no upstream call.)
    expect(await latency.locator('tbody tr').nth(0).locator('td').allTextContents()).toEqual(['–', '–']);

    // How long a time each bar counts, after the bar charts' titles: longer in a longer window.
    for (const [minutes, step] of [['60', '1 min'], ['15', '10 s'], ['5', '10 s']]) {
      await page.selectOption('#window', minutes);
      await expect.poll(() => page.locator('#chart-errors figcaption').textContent()).toBe(`Errors and rate-limit refusals, each bar ${step}`);
    }
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('#chart-requests summary [data-text="chartTable"]').textContent()).toBe('以表格查看数值');
    expect(await table.locator('thead th').first().textContent()).toBe('时间');
    await page.close();
  });

  it('says that an instance\'s figures begin when it started, within the window after a restart, and shades the points before', { timeout: 30_000 }, async () => {
    // Started at 12:00:10, its first request ten seconds later: the figures begin at its start.
    let now = Date.UTC(2026, 0, 1, 12, 0, 10);
    const base = await proxy({ now: () => now });
    now = Date.UTC(2026, 0, 1, 12, 0, 20);
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, timezoneId: 'UTC' });
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    expect(await page.locator('#counting-note').textContent()).toBe(
      'These figures begin at 12:00:10, when this instance began counting: what came before (another instance’s traffic, or this one’s before a restart) is not included.',
    );
    // Every chart shades the points before, up to the one the first request fell in, and says what that is.
    for (const chart of ['requests', 'latency', 'errors', 'cache', 'cost']) {
      expect(await page.locator(`#chart-${chart} .uncounted text`).textContent(), chart).toBe('not counted');
    }
    const shadeEnd = await page.locator('#chart-requests .uncounted rect').evaluate((rect) => Number(rect.getAttribute('x')) + Number(rect.getAttribute('width')));
    const bar = page.locator('#chart-requests rect.bar');
    expect(await bar.count()).toBe(1);
    const barX = Number(await bar.getAttribute('x'));
    expect(shadeEnd).toBeLessThanOrEqual(barX);
    expect(barX - shadeEnd).toBeLessThan(Number(await bar.getAttribute('width')));
    // No cost line drawn at ¥0 across the points before: the one counted point is a dot.
    expect(await page.locator('#chart-cost path.line').count()).toBe(0);
    expect(await page.locator('#chart-cost circle.point').count()).toBe(1);
    // The read-out and the table say it of each point before.
    const readout = page.locator('#chart-requests').getByRole('status');
    await page.locator('#chart-requests svg').focus();
    await page.keyboard.press('End');
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await page.keyboard.press('ArrowLeft');
    expect(await readout.textContent()).toBe('11:59:30 – 12:00:00\nnot counted');
    await page.locator('#chart-requests summary').click();
    expect(await page.locator('#chart-requests tbody tr').nth(1).locator('th, td').allTextContents()).toEqual(['11:59:30 – 12:00:00', 'not counted']);
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('#counting-note').textContent()).toMatch(/^以下数据自 12:00:10 起，即本实例开始统计之时/);
    expect(await page.locator('#chart-requests .uncounted text').textContent()).toBe('未统计');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await contrastFailures(page), colorScheme).toEqual([]);
    }
    await page.close();
  });

  it('breaks a line where a point has no data, rather than draw values across it that were never measured', { timeout: 30_000 }, async () => {
    // The sandbox's latency and the cache's hit rate in three of the last six points: two in a row, then one alone
    // after an empty point; none anywhere else.
    const page = await drawnWith((stats) => {
      const n = stats.series.length;
      const measured = new Set([n - 6, n - 5, n - 3]);
      const series = stats.series.map((point, i): DashboardStats['series'][number] =>
        measured.has(i)
          ? { ...point, cacheHits: i % 2, cacheLookups: 1, latency: { sandbox: { count: 1, failed: 0, p50: 40 + 20 * (i % 3), p95: 90 + 20 * (i % 3) } } }
          : { ...point, cacheHits: 0, cacheLookups: 0, latency: {} },
      );
      const totals = { ...stats.totals, cacheHits: 1, cacheLookups: 3, latency: { sandbox: { count: 3, failed: 0, p50: 60, p95: 110 } } };
      return { ...stats, series, totals };
    });
    // The window's totals in the providers table, each column its own figure.
    expect(await page.locator('#providers tbody tr').first().locator('th, td').allTextContents()).toEqual(['sandbox', 'off', '3', '0', '60 ms', '110 ms']);
    // Each point's own hit rate: its one look-up a hit (100%) or a miss (0%); a point without one, none.
    await page.locator('#chart-cache summary').click();
    expect([...new Set(await page.locator('#chart-cache table.values tbody td').allTextContents())].sort()).toEqual(['0%', '100%', '–']);

    for (const [chart, series] of [['latency', 'sandbox-p50'], ['cache', 'hit-rate']] as const) {
      const figure = page.locator(`#chart-${chart}`);
      /** Moves the read-out to the point `back` before the newest, and says whether the series' line or dot is drawn at its x. */
      const drawnAt = async (back: number) => {
        await figure.locator('svg').focus();
        await page.keyboard.press('End');
        for (let i = 0; i < back; i += 1) await page.keyboard.press('ArrowLeft');
        return figure.evaluate((node, key) => {
          const x = Number(node.querySelector('.guide')!.getAttribute('x1'));
          const marks = [...node.querySelectorAll<SVGGeometryElement>(`[data-series="${key}"]`)];
          const height = node.querySelector('svg')!.viewBox.baseVal.height;
          for (let y = 0; y <= height; y += 0.5) {
            const point = new DOMPoint(x, y);
            if (marks.some((mark) => (mark.tagName === 'circle' ? mark.isPointInFill(point) : mark.isPointInStroke(point)))) return true;
          }
          return false;
        }, series);
      };
      expect(await drawnAt(5), `${chart}: the first of two points in a row`).toBe(true);
      expect(await drawnAt(4), `${chart}: the second`).toBe(true);
      // Nothing is drawn across the empty point between them and the next, which is read out as no value...
      expect(await drawnAt(3), `${chart}: the empty point`).toBe(false);
      expect(await figure.getByRole('status').textContent()).toMatch(chart === 'latency' ? /sandbox p50: –/ : /Hit rate: –/);
      // ...and the point alone after it is a dot.
      expect(await drawnAt(2), `${chart}: the point alone`).toBe(true);
      expect(await figure.locator(`circle[data-series="${series}"]`).count()).toBe(1);
      expect(await drawnAt(1), `${chart}: after the last point`).toBe(false);
    }
    await page.close();
  });

  for (const width of [1200, 320]) {
    it(`puts the read-out beside the point it reads, never over it, at ${width} px`, { timeout: 60_000 }, async () => {
      const { page } = await readoutPage(600, width);
      for (const chart of ['requests', 'latency']) {
        await page.locator(`#chart-${chart} svg`).focus();
        await page.keyboard.press('End');
        // From the newest point to the oldest: the read-out covers neither the point's column (the guide line, with a
        // point's radius either side) nor its bars, and stays on the screen.
        let read = 0;
        for (let last = ''; ; read += 1) {
          const { text, tip, column, bars } = await page.locator(`#chart-${chart}`).evaluate((figure) => {
            const box = (node: Element) => {
              const { left, right, top, bottom } = node.getBoundingClientRect();
              return { left, right, top, bottom };
            };
            const guide = box(figure.querySelector('.guide')!);
            const x = (guide.left + guide.right) / 2;
            const bars = [...figure.querySelectorAll('rect.bar')].map(box).filter((bar) => bar.left <= x && bar.right >= x);
            return { text: figure.querySelector('.tip')!.textContent!, tip: box(figure.querySelector('.tip')!), column: { ...guide, left: x - 3, right: x + 3 }, bars };
          });
          if (text === last) break;
          const overlaps = (a: typeof tip, b: typeof tip) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          const where = `${chart} ${text.split('\n')[0]}: read-out ${JSON.stringify(tip)}`;
          expect(overlaps(tip, column), `${where} over the point at ${column.left + 3}`).toBe(false);
          expect(bars.filter((bar) => overlaps(tip, bar)), where).toEqual([]);
          expect(tip.left, where).toBeGreaterThanOrEqual(0);
          expect(tip.right, where).toBeLessThanOrEqual(width);
          last = text;
          await page.keyboard.press('ArrowLeft');
        }
        // Every point of the half hour, at 30 seconds each.
        expect(read).toBeGreaterThanOrEqual(60);
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.close();
    });
  }

  it('keeps the point a keyboard user is reading through the refreshes, with its new values', { timeout: 30_000 }, async () => {
    const { base, page, readout } = await readoutPage(1);
    await page.locator('#pause').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('End');
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await keptThroughRefreshes(base, page, readout, async () => {
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowRight');
    });
    await page.keyboard.press('Escape');
    expect(await readout.textContent()).toBe('');
    await page.close();
  });

  it('reads out the point a finger taps on a phone, and keeps it until a tap elsewhere', { timeout: 30_000 }, async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 20);
    const base = await proxy({ now: () => now });
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    const readout = page.locator('#chart-requests').getByRole('status');
    // The newest point: the right end of the plot, scrolled to as a finger would. A tap moves no pointer over it, and
    // the finger leaves as it lifts.
    await page.locator('#chart-requests rect.hit').scrollIntoViewIfNeeded();
    const box = (await page.locator('#chart-requests rect.hit').boundingBox())!;
    await page.touchscreen.tap(box.x + box.width - 2, box.y + box.height / 2);
    await expect.poll(() => readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await page.waitForTimeout(300);
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    // A tap elsewhere on the page puts it away.
    await page.touchscreen.tap(5, 5);
    await expect.poll(() => readout.textContent()).toBe('');
    await context.close();
  });

  it('keeps the read-out under a resting pointer through the refreshes and a change of language, with the new values', { timeout: 30_000 }, async () => {
    const { base, page, readout } = await readoutPage(1);
    // The newest point: the right end of the plot.
    const box = (await page.locator('#chart-requests rect.hit').boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    expect(await readout.textContent()).toBe('12:00:00 – 12:00:30\nFP00000 match: 1');
    await keptThroughRefreshes(base, page, readout, async () => {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    });
    // Chosen with the keyboard, the pointer still resting: the read-out in the new language.
    await page.locator('#lang').focus();
    await page.keyboard.press('Home');
    expect(await page.locator('#lang').inputValue()).toBe('zh-CN');
    await expect.poll(() => page.locator('#chart-requests .tip').textContent()).toBe('12:00:00 – 12:00:30\nFP00000 一致：2');
    // The pointer gone, so is the read-out, and a refresh does not bring it back.
    await page.mouse.move(5, 5);
    expect(await readout.textContent()).toBe('');
    await page.waitForResponse((response) => response.url().includes('/api/stats'), { timeout: 5000 });
    await page.waitForTimeout(200);
    expect(await readout.textContent()).toBe('');
    await page.close();
  });

  it('refreshes every 5 seconds, or as often as ?refresh= says, and not once while paused', { timeout: 30_000 }, async () => {
    const base = await proxy();
    for (const [address, period] of [['/dashboard', 5000], ['/dashboard?refresh=2', 2000]] as const) {
      const page = await browser.newPage();
      await page.clock.install();
      let asked = 0;
      page.on('request', (request) => void (request.url().includes('/api/stats') && (asked += 1)));
      await page.goto(`${base}${address}`);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
      expect(asked).toBe(1);
      // The page's clock stopped, a moment after the first answer: from here only the test moves it on.
      await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 10);
      await page.clock.runFor(period - 1000);
      await page.waitForTimeout(200);
      expect([address, asked]).toEqual([address, 1]);
      const answered = page.waitForResponse((response) => response.url().includes('/api/stats'), { timeout: 5000 });
      await page.clock.runFor(2000);
      await answered;
      await page.waitForTimeout(200);
      expect([address, asked]).toEqual([address, 2]);
      // Paused, it asks nothing, however long it stays so.
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.clock.runFor(3 * period);
      await page.waitForTimeout(300);
      expect([address, asked]).toEqual([address, 2]);
      await page.close();
    }
  });

  it('goes on refreshing through answers of an instance that does not name itself (an earlier version, mid-upgrade)', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage();
    let answered = 0;
    // Every other answer as an earlier version gives it, without `instance`, nor the token checks it did not count.
    await rewriteStats(page, (stats) => {
      if (++answered % 2 !== 0) return;
      Reflect.deleteProperty(stats, 'instance');
      Reflect.deleteProperty(stats.totals, 'tokenChecks');
      Reflect.deleteProperty(stats.totals, 'maybeBilled');
    });
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => answered, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#status').textContent()).toMatch(/^Updated \d\d:\d\d:\d\d( · instance [0-9a-f]{8}, counting for 0 min)?$/);
    // Drawn from an earlier version's answer: no figure for what it does not count, rather than a 0.
    const tokens = () => page.locator('[data-tile="tokens"]').evaluate((node) => [node.querySelector('.value')!.textContent, node.querySelector('.hint')!.textContent]);
    await expect.poll(tokens, { timeout: 5000 }).toEqual(['–', '']);
    await closeRefreshing(page);
  });

  it('goes on refreshing after a load that gets no answer, and marks the figures as old until one comes', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    let asked = 0;
    let answered = 0;
    // From the third load, the loads hang, as behind a stalled connection, until the test lets them through.
    let holding = true;
    await page.route('**/api/stats*', async (route) => {
      if (++asked >= 3 && holding) return;
      answered += 1;
      await route.continue();
    });
    await page.goto(`${base}/dashboard?refresh=1`);
    const status = page.locator('#status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Not updated since (\d\d:\d\d:\d\d): no answer in 2 s$/);
    const shownAt = /since (\S+):/.exec((await status.textContent())!)![1];
    expect(await page.locator('#data').getAttribute('data-stale')).toBe('');
    expect(await page.locator('#data').evaluate((data) => getComputedStyle(data).filter)).toBe('grayscale(1)');
    // Said over the figures too, and kept in sight when they are scrolled to the last chart, the status long gone.
    const note = page.locator('#stale-note');
    expect(await note.textContent()).toBe(await status.textContent());
    await page.locator('#providers').scrollIntoViewIfNeeded();
    expect(await status.evaluate((node) => node.getBoundingClientRect().bottom)).toBeLessThan(0);
    const box = await note.evaluate((node) => node.getBoundingClientRect().toJSON() as DOMRect);
    expect([box.top, box.height > 0]).toEqual([0, true]);
    expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, { x: box.left + box.width / 2, y: box.top + box.height / 2 })).toBe('stale-note');
    // The status, what a screen reader is told, says it in the warning colour.
    const warning = await note.evaluate((node) => getComputedStyle(node).borderTopColor);
    expect(await status.evaluate((node) => getComputedStyle(node).color)).toBe(warning);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await contrastFailures(page), colorScheme).toEqual([]);
    }
    // The figures shown are the second answer's, the last drawn.
    expect(answered).toBe(2);
    holding = false;
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Updated \d\d:\d\d:\d\d · instance/);
    expect((await status.textContent())!).not.toContain(shownAt);
    expect(await page.locator('#data').getAttribute('data-stale')).toBeNull();
    expect(await note.isVisible()).toBe(false);
    // Current again, the status leaves the warning colour.
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await status.evaluate((node) => getComputedStyle(node).color)).not.toBe(await note.evaluate((node) => getComputedStyle(node).borderTopColor));
    await closeRefreshing(page);
  });

  it('marks the figures as old when the token stops working after they were drawn, the totals in the muted colour', { timeout: 30_000 }, async () => {
    const base = await proxy({ operatorToken: OPERATOR_TOKEN });
    const page = await browser.newPage();
    let refuse = false;
    await page.route('**/api/stats*', (route) => (refuse ? route.fulfill({ status: 401, json: { code: 'UNAUTHORIZED', message: 'operator token needed' } }) : route.continue()));
    await page.goto(`${base}/dashboard?refresh=1#token=${OPERATOR_TOKEN}`);
    const status = page.locator('#status');
    await expect.poll(() => status.textContent()).toMatch(/^Updated/);
    const value = page.locator('[data-tile="requests"] .value');
    const fresh = await value.evaluate((node) => getComputedStyle(node).color);
    // The token is rotated where the proxy runs.
    refuse = true;
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Operator token needed since \d\d:\d\d:\d\d$/);
    expect(await page.locator('#data').getAttribute('data-stale')).toBe('');
    const muted = await page.locator('[data-tile="requests"] .label').evaluate((node) => getComputedStyle(node).color);
    expect(await value.evaluate((node) => getComputedStyle(node).color)).toBe(muted);
    expect(muted).not.toBe(fresh);
    await closeRefreshing(page);
  });

  it('counts requests on its axes in whole numbers', { timeout: 30_000 }, async () => {
    const page = await drawnWith((stats) => ({
      ...stats,
      totals: { ...stats.totals, requests: { FP00000: 9 } },
      series: stats.series.map((point, i) => ({ ...point, requests: (i === stats.series.length - 1 ? { FP00000: 9 } : {}) as Record<string, number> })),
    }));
    expect(await page.locator('#chart-requests .grid text[text-anchor="end"]').allTextContents()).toEqual(['0', '5', '10']);
    await page.close();
  });

  it('stacks the codes of a point one on another, the whole stack within the plot', { timeout: 30_000 }, async () => {
    // Thirteen requests in each point: eleven codes the page names, once each, and two it counts as other.
    const page = await drawnWith(everySeries);
    const chart = page.locator('#chart-requests');
    expect(await chart.locator('.grid text[text-anchor="end"]').allTextContents()).toEqual(['0', '5', '10', '15']);
    const { bottom, top, bars } = await chart.evaluate((figure) => {
      const rules = [...figure.querySelectorAll<SVGLineElement>('.grid line')].filter((line) => line.getAttribute('y1') === line.getAttribute('y2')).map((line) => Number(line.getAttribute('y1')));
      const drawn = [...figure.querySelectorAll<SVGRectElement>('rect.bar')].map((bar) => ({ x: Number(bar.getAttribute('x')), y: Number(bar.getAttribute('y')), height: Number(bar.getAttribute('height')) }));
      const newest = Math.max(...drawn.map((bar) => bar.x));
      return { bottom: Math.max(...rules), top: Math.min(...rules), bars: drawn.filter((bar) => bar.x === newest).sort((a, b) => b.y - a.y) };
    });
    expect(bars).toHaveLength(12);
    // From the axis up, each bar on the one below it, to the height of 13 on an axis to 15.
    let base = bottom;
    for (const bar of bars) {
      expect(bar.y + bar.height).toBeCloseTo(base, 1);
      base = bar.y;
    }
    expect(base).toBeCloseTo(bottom - (13 / 15) * (bottom - top), 1);
    await closeRefreshing(page);
  });

  it('says a small share as it is, never as 0% of the requests', { timeout: 30_000 }, async () => {
    const page = await drawnWith((stats) => ({ ...stats, totals: { ...stats.totals, requests: { FP00000: 972, UPSTREAM_ERROR: 25, RATE_LIMITED: 3 }, errors: { UPSTREAM_ERROR: 25 }, rateLimited: 3, limitedBy: {} } }));
    expect(await page.locator('[data-tile="errors"] .hint').textContent()).toBe('2.5% of requests');
    expect(await page.locator('[data-tile="rate-limited"] .hint').textContent()).toBe('0.3% of requests');
    await closeRefreshing(page);
  });

  it('draws latency on a log axis, so that a provider waiting out a 3 s timeout leaves the others\' 40 ms readable', { timeout: 30_000 }, async () => {
    // One provider answers in about 40 ms; the other waits out its timeout in the last two points.
    const latency = (i: number, n: number) => ({ fast: { count: 5, failed: 0, p50: 40, p95: 60 }, ...(i >= n - 2 ? { slow: { count: 2, failed: 2, p50: 3000, p95: 3000 } } : {}) });
    const page = await drawnWith((stats) => ({
      ...stats,
      providers: ['fast', 'slow'],
      circuits: {},
      totals: { ...stats.totals, latency: latency(0, 0) },
      series: stats.series.map((point, i) => ({ ...point, latency: latency(i, stats.series.length) })),
    }));
    const chart = page.locator('#chart-latency');
    // Powers of ten from below the least value to above the greatest: 10 ms to 10 s.
    expect(await chart.locator('.grid text[text-anchor="end"]').allTextContents()).toEqual(['10 ms', '100 ms', '1 s', '10 s']);
    const heights = await chart.evaluate((figure) => {
      const grid = [...figure.querySelectorAll<SVGLineElement>('.grid line')].map((line) => Number(line.getAttribute('y1')));
      // The height of a series' line at its last point, in the drawing's units; and the plot's own top and bottom.
      const lastY = (key: string) => Number(/([\d.]+)$/.exec(figure.querySelector(`[data-series="${key}"]`)!.getAttribute('d')!)![1]);
      return { bottom: Math.max(...grid), top: Math.min(...grid), fast: lastY('fast-p50'), slow: lastY('slow-p50') };
    });
    const share = (y: number) => (heights.bottom - y) / (heights.bottom - heights.top);
    // 40 ms a little over a fifth of the way up (log 4 / 3), 3 s near the top: on a linear axis to 3 s, 40 ms would be 1%.
    expect(share(heights.fast)).toBeCloseTo(Math.log10(4) / 3, 2);
    expect(share(heights.slow)).toBeCloseTo((Math.log10(3000) - 1) / 3, 2);
    expect(await chart.locator('figcaption').first().textContent()).toContain('log scale');
    // Each provider's p50 solid and its p95 dashed, in the legend as on the chart, with the window's own p50 and p95.
    const lines = await chart.locator('path.line').evaluateAll((paths) => paths.map((path) => `${path.getAttribute('data-series')} ${path.hasAttribute('stroke-dasharray') ? 'dashed' : 'solid'}`));
    expect(lines).toEqual(['fast-p50 solid', 'fast-p95 dashed', 'slow-p50 solid', 'slow-p95 dashed']);
    const legend = await chart.locator('.legend li').evaluateAll((items) => items.map((item) => `${item.textContent} ${item.querySelector('.swatch')!.classList.contains('dashed') ? 'dashed' : 'solid'}`));
    expect(legend).toEqual(['fast p5040 ms solid', 'fast p9560 ms dashed', 'slow p503 s solid', 'slow p953 s dashed']);
    // The read-out and the table keep the values themselves.
    await chart.locator('summary').click();
    expect(await chart.locator('table.values tbody tr').first().locator('td').allTextContents()).toEqual(['40 ms', '60 ms', '3 s', '3 s']);
    await page.close();
  });

  it('puts a latency of 0 ms on the log axis\'s floor, a tenth of a millisecond, which the axis then starts from', { timeout: 30_000 }, async () => {
    const latency = { near: { count: 5, failed: 0, p50: 0, p95: 0.3 } };
    const page = await drawnWith((stats) => ({ ...stats, providers: ['near'], circuits: {}, totals: { ...stats.totals, latency }, series: stats.series.map((point) => ({ ...point, latency })) }));
    const chart = page.locator('#chart-latency');
    expect(await chart.locator('.grid text[text-anchor="end"]').allTextContents()).toEqual(['0.1 ms', '0.2 ms', '0.5 ms', '1 ms']);
    const { bottom, p50 } = await chart.evaluate((figure) => ({
      bottom: Math.max(...[...figure.querySelectorAll<SVGLineElement>('.grid line')].map((line) => Number(line.getAttribute('y1')))),
      p50: Number(/([\d.]+)$/.exec(figure.querySelector('[data-series="near-p50"]')!.getAttribute('d')!)![1]),
    }));
    expect(p50).toBeCloseTo(bottom, 1);
    await chart.locator('summary').click();
    expect(await chart.locator('table.values tbody tr').first().locator('td').allTextContents()).toEqual(['0 ms', '0.3 ms']);
    await page.close();
  });

  it('writes the cost axis in one style, the total\'s: whole yuan throughout, not ¥1,500 beside ¥500.00', { timeout: 30_000 }, async () => {
    const page = await drawnWith((stats) => ({ ...stats, series: costInLastTwo(stats, 345.48, 1654), totals: { ...stats.totals, billedCalls: 6666, cost: 1999.48 } }));
    const axis = await page.locator('#chart-cost .grid text[text-anchor="end"]').allTextContents();
    expect(axis).toEqual(['¥0', '¥500', '¥1,000', '¥1,500', '¥2,000']);
    // The cost so far at each point, newest first: the total at the last, the first part's at the one before.
    await page.locator('#chart-cost summary').click();
    const cost = await page.locator('#chart-cost table.values tbody tr').evaluateAll((rows) => rows.slice(0, 3).map((row) => row.querySelector('td')!.textContent));
    expect(cost).toEqual(['¥1,999', '¥345', '¥0']);
    await page.close();
  });

  for (const width of [360, 1280]) {
    it(`fits a large cost in its tile at ${width} px, in whole yuan, and a price a call with its own decimals`, { timeout: 30_000 }, async () => {
      // The cost comes in two points: ¥345.48, then ¥12,000 more.
      const page = await drawnWith(
        (stats) => ({ ...stats, series: costInLastTwo(stats, 345.48, 12_000), pricePerCall: 0.345, totals: { ...stats.totals, billedCalls: 35_784, cost: 12_345.48 } }),
        width,
      );
      const cost = page.locator('[data-tile="cost"]');
      expect(await cost.locator('.value').textContent()).toBe('¥12,345');
      expect(await page.locator('[data-tile="billed"] .hint').textContent()).toBe('at ¥0.345 a call');

      const [tile, text] = await cost.evaluate((node) => {
        const range = document.createRange();
        range.selectNodeContents(node.querySelector('.value')!);
        return [node.getBoundingClientRect().right, range.getBoundingClientRect().right];
      });
      expect(text).toBeLessThanOrEqual(tile);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.close();
    });
  }

  it('says above the figures when the shared store is down, since when and why, or may drop keys, and no more once it is back', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage();
    const downSince = Date.now() - 90_000;
    let mode: 'down' | 'evicting' | 'up' = 'down';
    const warning = 'maxmemory-policy allkeys-lru may evict used-token marks and limit counts; set noeviction';
    const stores = { down: { state: 'down', since: downSince, reason: 'OOM' }, evicting: { state: 'up', since: downSince, warning }, up: { state: 'up', since: downSince } } as const;
    await rewriteStats(page, (stats) => ({ ...stats, store: stores[mode] }));
    await page.goto(`${base}/dashboard?refresh=1`);
    const note = page.locator('#store-note');
    await expect.poll(() => note.isVisible(), { timeout: 10_000 }).toBe(true);
    const since = await page.evaluate((time) => new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }), downSince);
    expect(await note.textContent()).toBe(
      `The shared store (Redis) has been down since ${since} (OOM): each instance counts the rate limits on its own, answers from the cache only the pairs it has seen (others are billed again), and siteverify answers 503 until it is back.`,
    );
    expect(await contrastFailures(page)).toEqual([]);
    // Up, but able to drop keys: the note says what that risks.
    mode = 'evicting';
    await expect
      .poll(() => note.textContent(), { timeout: 10_000 })
      .toBe(`The shared store (Redis) may drop keys: ${warning}. A used token whose record is dropped could be accepted again.`);
    expect(await note.isVisible()).toBe(true);
    mode = 'up';
    await expect.poll(() => note.isVisible(), { timeout: 10_000 }).toBe(false);
    await closeRefreshing(page);
  });

  it('puts the time labels on round minutes of the page\'s own clock, in a time zone off UTC by 45 minutes too', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, timezoneId: 'Asia/Kathmandu' });
    await page.goto(`${base}/dashboard`);
    await page.selectOption('#window', '60');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    // An hour on a chart this wide: a label every 10 minutes, which UTC's round minutes would put at :05, :15…
    const labels = await page.locator('#chart-requests .grid text[text-anchor="middle"]').allTextContents();
    expect(labels.length).toBeGreaterThanOrEqual(5);
    expect(labels.filter((label) => !/^\d\d:\d0$/.test(label))).toEqual([]);
    await page.close();
  });

  it('says when the instance answering changed, so that the history starting over is explained', { timeout: 30_000 }, async () => {
    const base = await proxy();
    const page = await browser.newPage();
    // What the status's live region says, each time it says something.
    await page.addInitScript(() => {
      const heard: string[] = [];
      Object.assign(window, { heard });
      document.addEventListener('DOMContentLoaded', () => {
        const live = document.querySelector('#status-live')!;
        new MutationObserver(() => void (live.textContent && heard.push(live.textContent))).observe(live, { childList: true, characterData: true, subtree: true });
      });
    });
    let answered = 0;
    // From the third answer on, another instance (a restart) answers.
    await rewriteStats(page, (stats) => (++answered >= 3 ? { ...stats, instance: { ...stats.instance, id: 'feedbeef' } } : stats));
    await page.goto(`${base}/dashboard?refresh=1`);
    const status = page.locator('#status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Updated \d\d:\d\d:\d\d · instance [0-9a-f]{8}, counting/);
    const first = /instance ([0-9a-f]{8})/.exec((await status.textContent())!)![1];
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('instance feedbeef');
    expect(await status.textContent()).toMatch(new RegExp(`^Updated \\d\\d:\\d\\d:\\d\\d · instance feedbeef \\(was ${first}: a restart, or another behind a load balancer\\), counting for 0 min$`));
    // Said for a minute: an answer a minute later names the new instance only.
    await page.unroute('**/api/stats*');
    await rewriteStats(page, (stats) => ({ ...stats, instance: { ...stats.instance, id: 'feedbeef' }, generatedAt: stats.generatedAt + 61_000 }));
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).not.toContain('(was');
    expect(await status.textContent()).toMatch(/^Updated \d\d:\d\d:\d\d · instance feedbeef, counting for \d+ min$/);
    // Two refreshes more: announced were the first figures and the change, once each; not the note going.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const heard = await page.evaluate(() => (window as unknown as { heard: string[] }).heard);
    expect(heard.map((text) => (text.includes('(was') ? 'change' : 'first'))).toEqual(['first', 'change']);
    await closeRefreshing(page);
  });

  it('asks for the operator token when the data needs one, and keeps it out of the address bar', { timeout: 30_000 }, async () => {
    const base = await proxy({ operatorToken: OPERATOR_TOKEN, requireOperatorToken: true });
    // A context of its own, for a second tab in the same browser.
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toBe('Operator token needed');
    expect(await page.locator('#token-form').isVisible()).toBe(true);
    // No empty frames below the form to look at or tab through, and no switches that would act on nothing.
    expect(await page.locator('#data').isVisible()).toBe(false);
    // The form is the page's main content then, in its main landmark.
    expect(await contrastFailures(page, 'landmark-one-main')).toEqual([]);
    expect(await page.getByRole('main').getByRole('form', { name: 'Open the monitoring data' }).isVisible()).toBe(true);
    expect([await page.locator('#window').isDisabled(), await page.locator('#pause').isDisabled()]).toEqual([true, true]);
    // A password manager can file the token: the form names whose it is, out of sight, and Chromium has nothing to say.
    const username = page.locator('#token-form input[autocomplete="username"]');
    expect(await username.count()).toBe(1);
    expect(await username.inputValue()).toBe('carrier-verify operator');
    expect(await username.isVisible()).toBe(false);
    expect(consoleLines.filter((line) => /password form/i.test(line))).toEqual([]);
    // The one thing to do: the field has the focus, without tabbing past the page's controls.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token-input');
    // Within a landmark, as the rest of the page is: a screen reader going from one to the next comes to it.
    expect(await page.getByRole('form', { name: 'Open the monitoring data' }).isVisible()).toBe(true);
    expect(await contrastFailures(page, 'region')).toEqual([]);
    expect(await page.locator('#chart-requests .grid text').count()).toBe(0);
    // Whether the app serves the trial page is in the data: until it is read, no link that may lead nowhere.
    expect(await page.getByRole('link', { name: /Demo/ }).isVisible()).toBe(false);

    // A wrong token is refused in the form's terms, not in an API client's (a header, a query parameter).
    const field = page.getByLabel('Operator token');
    expect(await field.getAttribute('aria-invalid')).toBe('false');
    await field.fill('wrong-token-wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That is not the operator token. Enter it again.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#status').textContent()).toBe('Operator token needed');
    // Spaces only, which the field's `required` lets through: told at the field.
    await field.fill('   ');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Enter the operator token.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');

    // From the keyboard: the form goes with the focus in it, which lands on the data, and Tab goes on into it.
    await page.getByLabel('Operator token').fill(OPERATOR_TOKEN);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
    // Kept for the tab only: nothing of it in the storage that outlives the tab, and another tab asks for it.
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(OPERATOR_TOKEN);
    const tab = await context.newPage();
    await tab.goto(`${base}/dashboard`);
    await expect.poll(() => tab.locator('#status').textContent()).toBe('Operator token needed');
    await tab.close();

    await page.goto(`${base}/dashboard?token=${OPERATOR_TOKEN}`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    expect(await page.locator('#token-form').isVisible()).toBe(false);
    expect(await page.locator('#data').isVisible()).toBe(true);
    expect(page.url()).toBe(`${base}/dashboard`);
    expect(await page.locator('#chart-requests .grid text').count()).toBeGreaterThan(2);
    await context.close();
  });

  it('speaks the browser\'s language, switches all its own words at once, and keeps the choice, shared with the demo', { timeout: 30_000 }, async () => {
    const base = await proxy();
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    // A backend with the wrong secret: its refusal is named in the page's language too.
    await fetch(`${base}/api/siteverify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: 'wrong-secret-'.padEnd(40, 'x'), token: 'x' }) });
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^更新于 \d\d:\d\d:\d\d · 实例 [0-9a-f]{8}，已统计 0 分钟$/);
    expect(await page.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['zh-CN', 'carrier-verify · 监控']);
    expect(await page.locator('.tile .label').allInnerTexts()).toEqual(['请求', '错误（5xx）', '被限流', '缓存命中率', '计费调用', '费用', '令牌核对']);
    expect(await tile(page, 'requests').locator('..').locator('.hint').textContent()).toBe('其中一致 1 次');
    expect(await page.locator('[data-tile="tokens"] .hint').textContent()).toBe('通过 0 次 · invalid-input-secret 密钥错误 1');
    expect(await page.locator('figcaption').allInnerTexts()).toEqual([
      '按结果码统计的请求（每根柱子 30 秒）',
      '上游延迟（p50 实线，p95 虚线；对数刻度）',
      '错误与限流拒绝（每根柱子 30 秒）',
      '结果缓存命中率',
      '时间范围内的累计估算费用',
    ]);
    expect(await page.locator('#chart-errors text.empty').textContent()).toBe('此时间范围内没有错误或拒绝');
    expect(await page.locator('#chart-requests .legend').textContent()).toContain('FP00000 一致1');
    expect(await page.locator('#providers thead th').allInnerTexts()).toEqual(['服务商', '熔断器', '调用次数', '失败次数', 'p50', 'p95']);
    expect(await page.locator('#providers tbody td').first().textContent()).toBe('未启用');
    expect(await page.locator('#window option').allInnerTexts()).toEqual(['5 分钟', '15 分钟', '30 分钟', '60 分钟']);
    // No English left in the page's own words: names of things (the product, Prometheus, a provider id, a result
    // code or siteverify's, each glossed, the quantiles, a unit) and the language switch's own label, for an operator
    // who reads no Chinese.
    const latin = () =>
      page.evaluate(() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const words = new Set<string>();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement!.closest('code, option, [hidden]')) continue;
          for (const word of node.textContent!.match(/\b[A-Za-z][\w-]*/g) ?? []) if (!/^[0-9a-f]{8}$/.test(word)) words.add(word);
        }
        return [...words].sort();
      });
    expect(await latin()).toEqual(['FP00000', 'Language', 'Prometheus', 'carrier-verify', 'invalid-input-secret', 'ms', 'p50', 'p95', 'sandbox']);

    // Switched: the page's words, the figures' and the status's, at once, without asking the proxy again.
    await page.selectOption('#lang', 'zh-TW');
    expect(await page.locator('#status').textContent()).toMatch(/^更新於 \d\d:\d\d:\d\d · 執行個體 [0-9a-f]{8}，已統計 0 分鐘$/);
    expect(await page.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['zh-TW', 'carrier-verify · 監控']);
    expect(await page.locator('#providers thead th').allInnerTexts()).toEqual(['供應商', '斷路器', '呼叫次數', '失敗次數', 'p50', 'p95']);
    expect(await page.locator('#chart-cache figcaption').textContent()).toBe('結果快取命中率');
    expect(await page.locator('#chart-errors text.empty').textContent()).toBe('此時間範圍內沒有錯誤或拒絕');
    expect(await latin()).toEqual(['FP00000', 'Language', 'Prometheus', 'carrier-verify', 'invalid-input-secret', 'ms', 'p50', 'p95', 'sandbox']);
    await page.selectOption('#lang', 'en');
    expect(await page.locator('#status').textContent()).toMatch(/^Updated \d\d:\d\d:\d\d · instance [0-9a-f]{8}, counting for 0 min$/);
    expect(await page.locator('.tile .label').allInnerTexts()).toEqual(['Requests', 'Errors (5xx)', 'Rate-limited', 'Cache hit rate', 'Billed calls', 'Cost', 'Token checks']);
    expect(await page.locator('#providers tbody td').first().textContent()).toBe('off');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    // Kept: the page comes back in it, though the browser speaks Chinese, and so does the demo.
    await page.reload();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated /);
    expect(await page.locator('#lang').inputValue()).toBe('en');
    await page.getByRole('link', { name: '← Demo' }).click();
    await page.locator('carrier-verify').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.getByRole('heading', { level: 2 }).first().innerText()).toBe('Try it');
    // Chosen on the demo: the dashboard opens in it.
    await page.selectOption('#lang', 'zh-TW');
    await page.goto(`${base}/dashboard?refresh=600`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^更新於 /);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('carrier-verify 監控');
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const [path, script, written, chosen] of [
    ['/dashboard', 'dashboard', 'Requests', '请求'],
    ['/', 'index', 'Try it', '试一试'],
  ] as const) {
    it(`paints nothing of ${path} as written in its HTML until its script has put it in the language chosen, and all of it should the script not come`, { timeout: 30_000 }, async () => {
      const base = await proxy();
      const context = await browser.newContext({ locale: 'zh-CN' });
      const page = await context.newPage();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(`**/assets/${script}-*.js`, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${base}${path}`, { waitUntil: 'commit' });
      const text = page.getByText(written, { exact: true }).first();
      await text.waitFor({ state: 'attached' });
      // The page is there, styled, its words English as written; none of it is shown while its script is held.
      await page.waitForTimeout(300);
      expect(await text.isVisible()).toBe(false);
      release();
      await expect.poll(() => page.getByText(chosen, { exact: true }).first().isVisible()).toBe(true);
      expect(await page.getByText(written, { exact: true }).count()).toBe(0);

      // A script that never comes leaves the page as written, rather than blank.
      const other = await context.newPage();
      await other.route(`**/assets/${script}-*.js`, (route) => route.abort());
      await other.goto(`${base}${path}`);
      await expect.poll(() => other.getByText(written, { exact: true }).first().isVisible(), { timeout: 5000 }).toBe(true);
      await context.close();
    });
  }

  it('puts figures left from before a failed load in the new language too, still marked as old, and the store\'s reason in its own brackets', { timeout: 30_000 }, async () => {
    const base = await proxy();
    expect((await verify(base, '张三', '13800138000')).status).toBe(200);
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1200, height: 900 } });
    let failing = false;
    await page.route('**/api/stats*', async (route) => {
      if (failing) return route.fulfill({ status: 502, json: { code: 'BAD_GATEWAY', message: 'bad gateway' } });
      const response = await route.fetch();
      const stats = (await response.json()) as DashboardStats;
      await route.fulfill({ response, json: { ...stats, store: { state: 'down', since: stats.generatedAt - 60_000, reason: 'OOM' } } });
    });
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^更新于 /);
    expect(await page.locator('#store-note').textContent()).toMatch(/^共享存储（Redis）自 \d\d:\d\d:\d\d 起不可用（OOM）：各实例/);
    failing = true;
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toMatch(/^未更新（最后更新于 \d\d:\d\d:\d\d）：bad gateway$/);
    await page.selectOption('#lang', 'en');
    expect(await page.locator('#status').textContent()).toMatch(/^Not updated since \d\d:\d\d:\d\d: bad gateway$/);
    // The figures still shown are the old ones, in English now, and still marked as old.
    expect(await tile(page, 'requests').textContent()).toBe('1');
    expect(await page.locator('[data-tile="requests"] .hint').textContent()).toBe('1 matched');
    expect(await page.locator('#chart-errors text.empty').textContent()).toBe('No errors or refusals in this window');
    expect(await page.locator('#providers tbody td').first().textContent()).toBe('off');
    expect(await page.locator('#store-note').textContent()).toMatch(/^The shared store \(Redis\) has been down since \d\d:\d\d:\d\d \(OOM\): each instance/);
    expect(await page.locator('#data').getAttribute('data-stale')).toBe('');
    await closeRefreshing(page);
  });

  it('opens in English for a browser whose languages it does not speak, and in 繁體中文 for zh-HK', { timeout: 30_000 }, async () => {
    const base = await proxy();
    for (const [locale, status, lang] of [['fr-FR', /^Updated /, 'en'], ['zh-HK', /^更新於 /, 'zh-TW']] as const) {
      const page = await browser.newPage({ locale });
      await page.goto(`${base}/dashboard?refresh=600`);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(status);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      expect(await page.locator('#lang').inputValue()).toBe(lang);
      await page.close();
    }
  });

  it('asks for the token in the language chosen, and says what is wrong at the field again when it changes', { timeout: 30_000 }, async () => {
    const base = await proxy({ operatorToken: OPERATOR_TOKEN, requireOperatorToken: true });
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toBe('需要运维令牌');
    expect(await page.getByRole('form', { name: '打开监控数据' }).isVisible()).toBe(true);
    await page.getByLabel('运维令牌').fill('wrong-token-wrong-token-wrong-token');
    await page.getByRole('button', { name: '查看' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('运维令牌不正确，请重新输入。');
    await page.getByLabel('运维令牌').fill('   ');
    await page.getByRole('button', { name: '查看' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('请输入运维令牌。');
    // The note under the field is the last one said, in the new language, not the one before it.
    await page.selectOption('#lang', 'en');
    expect(await page.getByRole('alert').textContent()).toBe('Enter the operator token.');
    expect(await page.getByLabel('Operator token').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#status').textContent()).toBe('Operator token needed');
    await page.getByLabel('Operator token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated /);
    await page.close();
  });

  it('says that the data is closed in the language chosen, the variable and the command as they are', { timeout: 30_000 }, async () => {
    const base = await closedProxy();
    const page = await browser.newPage({ locale: 'zh-TW' });
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.locator('#status').textContent()).toBe('已關閉：未設定維運權杖');
    const note = page.getByRole('region', { name: '監控已關閉' });
    expect(await note.innerText()).toBe(
      '本代理在正式環境執行且未設定維運權杖，因此監控資料不對任何人開放。請在其執行環境中設定 CARRIER_VERIFY_OPERATOR_TOKEN（至少 32 個字元，例如以 openssl rand -hex 16 產生），重新啟動代理後重新整理本頁。',
    );
    expect(await note.locator('code').allInnerTexts()).toEqual(['CARRIER_VERIFY_OPERATOR_TOKEN', 'openssl rand -hex 16']);
    await page.selectOption('#lang', 'en');
    expect(await page.getByRole('region', { name: 'Monitoring closed' }).innerText()).toMatch(/^This proxy runs in production .* Set CARRIER_VERIFY_OPERATOR_TOKEN where it runs/);
    expect(await page.locator('#closed-note code').count()).toBe(2);
    expect(await page.locator('#status').textContent()).toBe('Closed: no operator token set');
    await page.close();
  });

  it('says at once, with no form, that a production proxy without an operator token keeps its data closed', { timeout: 30_000 }, async () => {
    const base = await closedProxy();
    const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
    let asked = 0;
    page.on('request', (request) => void (request.url().includes('/api/stats') && (asked += 1)));
    await page.goto(`${base}/dashboard?refresh=1`);
    await expect.poll(() => page.locator('#status').textContent()).toBe('Closed: no operator token set');
    // No field to guess into: no token can open the data until one is set where the proxy runs.
    expect(await page.getByLabel('Operator token').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Open' }).isVisible()).toBe(false);
    const note = page.getByText('monitoring data is closed to everyone');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toMatch(/Set CARRIER_VERIFY_OPERATOR_TOKEN where it runs .*restart it, and reload this page/s);
    expect(await page.getByRole('region', { name: 'Monitoring closed' }).isVisible()).toBe(true);
    expect(await page.locator('#data').isVisible()).toBe(false);
    expect(await contrastFailures(page, 'region')).toEqual([]);
    expect(await contrastFailures(page, 'landmark-one-main')).toEqual([]);
    expect(await page.locator('#chart-requests .grid text').count()).toBe(0);
    // Nor does it keep asking: only a restart opens the data.
    await page.waitForTimeout(1500);
    expect(asked).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.close();
  });

  it('takes a base64 token from the address as written, from #token= or ?token=, and leaves the rest of the address', { timeout: 30_000 }, async () => {
    // openssl rand -base64 writes + and /; a query's form rules would read the + as a space.
    const token = 'q3Jk8+Zx/0aB9cD1eF2gH3iJ4kL5mN6oP7qR8sT9u=';
    const base = await proxy({ operatorToken: token });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    let sent: string[] = [];
    page.on('request', (request) => void sent.push(request.url()));
    for (const [address, left, overTheWire] of [
      [`/dashboard?refresh=600#token=${encodeURIComponent(token)}`, '/dashboard?refresh=600', false],
      [`/dashboard?token=${token}&refresh=600`, '/dashboard?refresh=600', true],
      [`/dashboard#token=${token}`, '/dashboard', false],
      // Every token= goes, from both parts, the fragment's taken; other parameters and a route in the fragment stay.
      [`/dashboard?token=stale-stale-stale-stale-stale-stale&refresh=600#view&token=${token}`, '/dashboard?refresh=600#view', false],
    ] as const) {
      await page.goto('about:blank');
      await page.goto(`${base}/dashboard`);
      await page.evaluate(() => sessionStorage.clear());
      sent = [];
      await page.goto(`${base}${address}`);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
      expect([address, page.url()]).toEqual([address, `${base}${left}`]);
      // A fragment never goes over the network: nothing a proxy in front could log.
      expect([address, sent.some((url) => url.includes(token) || url.includes(encodeURIComponent(token)))]).toEqual([address, overTheWire]);
    }
    await page.close();
  });

  it('says a token that opened the data and no longer does was changed, not mistyped, and keeps the old figures', { timeout: 30_000 }, async () => {
    const base = await proxy({ operatorToken: OPERATOR_TOKEN });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/dashboard?refresh=1#token=${OPERATOR_TOKEN}`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
    // The token is changed where the proxy runs: the next refresh is refused.
    await page.route('**/api/stats*', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ code: 'UNAUTHORIZED', message: 'Operator token required' }) }));
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 5000 }).toBe('The operator token no longer opens the data: it was changed where the proxy runs. Enter the current one.');
    expect(await page.locator('#status').textContent()).toMatch(/^Operator token needed since \d\d:\d\d:\d\d$/);
    expect(await page.locator('#data').isVisible()).toBe(true);
    // A token typed now that is refused is a wrong one.
    await page.getByLabel('Operator token').fill('wrong-token-wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => alert.textContent()).toBe('That is not the operator token. Enter it again.');
    await page.close();
  });

  it('keeps the wrong-token message on a phone screen, under the field', { timeout: 30_000 }, async () => {
    const base = await proxy({ operatorToken: OPERATOR_TOKEN });
    const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await page.goto(`${base}/dashboard?token=wrong-token-wrong-token-wrong-token`);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toBe('That is not the operator token. Enter it again.');
    const [box, field] = await Promise.all([alert.boundingBox(), page.getByLabel('Operator token').boundingBox()]);
    expect(box!.x + box!.width).toBeLessThanOrEqual(320);
    expect(box!.y).toBeGreaterThan(field!.y + field!.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`keeps every text readable in ${colorScheme} mode: the token error, the link, both breaker states`, { timeout: 30_000 }, async () => {
      // Two vendors behind breakers that open at the first failure: "broken" fails and opens, "steady" stays closed.
      const transport = createNodeTransport();
      const [broken, steady] = await Promise.all([startMockUpstream(), startMockUpstream()]);
      upstreams.push(broken, steady);
      broken.fail({ kind: 'status', status: 500 });
      const base = await proxy({
        providers: [providerFor(broken, { id: 'broken', transport }), providerFor(steady, { id: 'steady', transport })],
        routing: { failureThreshold: 1, halfOpenAfterMs: 600_000, random: () => 0 },
        operatorToken: OPERATOR_TOKEN,
        requireOperatorToken: true,
      });
      expect((await verify(base, '张三', '13800138000')).status).toBe(200);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme });

      await page.goto(`${base}/dashboard`);
      await page.getByLabel('Operator token').fill('wrong-token-wrong-token-wrong-token');
      await page.getByRole('button', { name: 'Open' }).click();
      await expect.poll(() => page.locator('#token-error').textContent()).toMatch(/not the operator token/);
      expect(await contrastFailures(page)).toEqual([]);

      await page.goto(`${base}/dashboard?token=${OPERATOR_TOKEN}`);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Updated/);
      expect(await page.locator('#providers .state').allTextContents()).toEqual(['open', 'closed']);
      // The failed call the router answered from "steady" shows in the table, though no request failed.
      const row = async (i: number) => (await page.locator('#providers tbody tr').nth(i).locator('th, td').allTextContents()).slice(0, 4);
      expect([await row(0), await row(1)]).toEqual([
        ['broken', 'open', '1', expect.stringMatching(/^1 \(100%\)last: server-error 500 at \d\d:\d\d:\d\d$/)],
        ['steady', 'closed', '1', '0'],
      ]);
      // The latest failure's note under it, in the muted colour, readable too.
      expect(await contrastFailures(page)).toEqual([]);
      await page.close();
      await transport.close();
    });
  }
});
