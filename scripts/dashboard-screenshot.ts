// npm run screenshot:dashboard: replays half an hour of mixed verify traffic through a real proxy, then captures
// the dashboard in Chromium to docs/screenshots/dashboard.png, in English, and dashboard-zh-CN.png, in 简体中文.
//
// The proxy's clock is injected and moved 10 seconds per round, so that half an hour of history takes about a
// minute; every request is a real HTTP request through the whole proxy (limits, cache, router, sandbox).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { sandboxDirectory, sandboxFaults } from '../server/providers/sandbox-directory.js';
import { createSandboxProvider } from '../server/providers/sandbox.js';
import type { Provider } from '../server/providers/types.js';
import { startServer } from '../server/node.js';
import { buildSite } from '../test/support/site.js';
// @ts-expect-error: a plain ES module of the project's scripts, without types.
import { ensureChromium, ensureCjkFonts } from './ensure-deps.mjs';

const screenshots = resolve(import.meta.dirname, '../docs/screenshots');
/** Each capture: the browser's language, the file, and the status's first word once the data is drawn. */
const captures = [
  { locale: 'en-US', file: 'dashboard.png', updated: 'Updated' },
  { locale: 'zh-CN', file: 'dashboard-zh-CN.png', updated: '更新于' },
] as const;
const MINUTES = 30;
const ROUND_MS = 10_000;

/** A deterministic generator, so that the screenshot changes only when the product does. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(8);
/** Which tokens the site's backend checks: drawn apart, so that the verify traffic stays what it was. */
const redeems = seeded(9);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/**
 * The sandbox behind a real wait, as a remote vendor would answer: `base` ms plus a long tail. A provider of the
 * operator's own to the dashboard (a breaker, not the sandbox), as a proxy in production shows it.
 */
function slowSandbox(id: string, weight: number, baseMs: number, tailMs: number): Provider {
  const sandbox = createSandboxProvider(id, 2000);
  return {
    ...sandbox,
    sandbox: false,
    breaker: true,
    weight,
    async verify(query, call) {
      const wait = baseMs + tailMs * random() ** 3;
      await new Promise((done) => setTimeout(done, wait));
      return sandbox.verify(query, call);
    },
  };
}

const otherNames = ['王小明', '陈静', '刘洋', '赵磊', '孙悦', '周杰', '吴敏'];

/** One request of the mix: mostly matches, some mismatches and unknown numbers, a little bad input, rare faults. */
function nextPair(minute: number): { name: string; phoneNumber: string } {
  const roll = random();
  const entry = pick(sandboxDirectory);
  const faulty = minute >= 17 && minute < 20;
  if (faulty && roll < 0.08) return { name: '张三', phoneNumber: sandboxFaults.serverError };
  if (roll < 0.55) return entry;
  if (roll < 0.72) return { name: pick(otherNames), phoneNumber: entry.phoneNumber };
  if (roll < 0.92) return { name: pick(otherNames), phoneNumber: `139${String(Math.floor(random() * 1e8)).padStart(8, '0')}` };
  return { name: 'Zhang San', phoneNumber: entry.phoneNumber };
}

async function main(): Promise<void> {
  const site = await buildSite();
  const end = Math.floor(Date.now() / ROUND_MS) * ROUND_MS;
  let now = end - MINUTES * 60_000;
  const providers = [
    slowSandbox('primary', 3, 45, 160),
    slowSandbox('backup', 1, 110, 380),
  ];
  // One address sends what a site's many visitors would: its per-minute limit meets the burst, its daily one is off.
  const running = await startServer(
    { PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_LIMITS: 'ip=45/1m, ip-day=off', CARRIER_VERIFY_PRICE_PER_CALL: '0.35' },
    { providers, assets: site.assets, now: () => now, log: () => undefined },
  );
  const base = `http://127.0.0.1:${running.port}`;
  try {
    for (let round = 0; now < end; round += 1, now += ROUND_MS) {
      const minute = round / 6;
      // Traffic that rises and falls over the half hour, with a burst that meets the per-IP limit.
      const perRound = Math.round(4 + 3 * Math.sin(minute / 4) + (minute >= 8 && minute < 10 ? 6 : 0) + random() * 2);
      const answers = await Promise.all(
        Array.from({ length: perRound }, () =>
          fetch(`${base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(nextPair(minute)) }).then((res) => res.json() as Promise<{ token?: string }>),
        ),
      );
      // The site's backend checks most tokens (a person may leave before the form is sent); for a minute, a backend
      // deployed with a wrong secret tries too.
      const secret = minute >= 22 && minute < 23 ? 'a-secret-from-another-deployment-0000000' : 'sandbox-secret';
      await Promise.all(
        answers
          .filter((answer) => answer.token && redeems() < 0.9)
          .map(({ token }) => fetch(`${base}/api/siteverify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, token }) }).then((res) => res.arrayBuffer())),
      );
    }
    ensureCjkFonts();
    const browser = await chromium.launch({ executablePath: ensureChromium(), args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
    try {
      await mkdir(screenshots, { recursive: true });
      for (const { locale, file, updated } of captures) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2, colorScheme: 'light', locale });
        await page.goto(`${base}/dashboard`);
        await page.locator('#chart-requests rect.bar').first().waitFor();
        await page.locator('#status', { hasText: updated }).waitFor();
        const out = resolve(screenshots, file);
        await page.screenshot({ path: out, fullPage: true });
        process.stdout.write(`wrote ${out}\n`);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await running.close();
    await site.remove();
  }
}

await main();
