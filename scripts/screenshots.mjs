// npm run screenshots: every state of <carrier-verify> in zh-CN, zh-TW and en, light and dark, in Chromium,
// against a real proxy on the sandbox; PNGs to docs/screenshots/<lang>-<theme>-<state>.png for the README.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { register } from 'tsx/esm/api';
import { build } from 'vite';
import { ensureChromium, ensureCjkFonts } from './ensure-deps.mjs';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, 'docs/screenshots');
const langs = ['zh-CN', 'zh-TW', 'en'];
const themes = ['light', 'dark'];
const pageBackground = { light: '#f6f8fa', dark: '#0d1117' };

/** The states, each reached from a fresh widget the way a person would get there. */
const states = {
  idle: async () => {},
  typing: (w) => w.type('张三', '17012345678'),
  'invalid-name': (w) => w.submit('Zhang San', '13800138000', 'invalid'),
  'invalid-phone': (w) => w.submit('张三', '1380013', 'invalid'),
  'refused-segment': (w) => w.submit('张三', '14512345678', 'invalid'),
  verifying: (w) => w.holdWhileVerifying('张三', '13800138000'),
  verified: (w) => w.submit('张三', '13800138000', 'verified'),
  mismatch: (w) => w.submit('李四', '13800138000', 'mismatch'),
  'not-found': (w) => w.submit('张三', '13900139000', 'not-found'),
  error: (w) => w.submit('张三', '13800000500', 'error'),
  'rate-limited': (w) => w.rateLimited(),
};

/** The script-tag bundle as `npm run build` makes it, kept in memory. */
async function bundle() {
  const result = await build({ root, mode: 'bundle', logLevel: 'warn', build: { write: false, sourcemap: false, emptyOutDir: false } });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const chunk = outputs.find((o) => o.type === 'chunk');
  if (!chunk) throw new Error('the bundle build produced no script');
  return chunk.code;
}

const page = (lang, theme) => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><script src="/__screenshots/carrier-verify.js"></script></head>
<body style="margin:0;background:${pageBackground[theme]};font-family:system-ui,'Noto Sans CJK SC',sans-serif">
<div id="frame" style="display:inline-block;padding:20px;width:400px"><carrier-verify theme="${theme}"></carrier-verify></div>
</body></html>`;

/** Drives one widget on the page; `slot` tells the language-and-theme runs apart. */
function driver(tab, slot) {
  const widget = tab.locator('carrier-verify');
  const status = (expected) => tab.waitForFunction((s) => document.querySelector('carrier-verify')?.status === s, expected);
  const type = async (name, phone) => {
    await widget.locator('#name').fill(name);
    await widget.locator('#phone').pressSequentially(phone);
  };
  return {
    type,
    async submit(name, phone, expected) {
      await type(name, phone);
      await widget.locator('#phone').press('Enter');
      await status(expected);
    },
    /** Holds the request at the page until the picture is taken, so that the busy state stays on screen. */
    async holdWhileVerifying(name, phone) {
      let release;
      const held = new Promise((done) => (release = done));
      await tab.route('**/api/verify', async (route) => {
        await held;
        await route.continue();
      });
      await type(name, phone);
      await widget.locator('[part="button"]').click();
      await status('verifying');
      return async () => {
        release();
        await status('verified');
        await tab.unroute('**/api/verify');
      };
    },
    /**
     * Distinct names for one number until the proxy's per-number limit answers 429, as an enumerator would see it.
     * Each run takes its own number, so that each picture shows the limit's whole wait.
     */
    async rateLimited() {
      for (const name of ['赵一', '钱二', '孙三', '李四', '周五']) {
        await widget.locator('#name').fill(name);
        await widget.locator('#phone').fill(`1391234567${slot}`);
        await widget.locator('#phone').press('Enter');
        await tab.waitForFunction(() => !['idle', 'verifying'].includes(document.querySelector('carrier-verify')?.status));
        if (await widget.locator('[part="retry-button"]').count()) return;
      }
      throw new Error('the proxy never rate-limited the number: check CARRIER_VERIFY_LIMITS below');
    },
  };
}

async function main() {
  ensureCjkFonts();
  const script = await bundle();
  register();
  const { startServer } = await import('../server/node.ts');
  // The per-IP limit would stop this script half-way; a small per-number limit gives a real 429 to picture.
  const server = await startServer({ ...process.env, PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_LIMITS: 'ip=off, number=2/1m', NODE_ENV: 'development' }, { log: () => {} });
  const base = `http://127.0.0.1:${server.port}`;
  const browser = await chromium.launch({ executablePath: ensureChromium(), args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
  await mkdir(outDir, { recursive: true });
  let count = 0;
  let slot = 0;
  try {
    for (const lang of langs) {
      for (const theme of themes) {
        const context = await browser.newContext({ viewport: { width: 480, height: 560 }, deviceScaleFactor: 1, colorScheme: theme, locale: lang });
        for (const [state, reach] of Object.entries(states)) {
          const tab = await context.newPage();
          tab.on('pageerror', (error) => console.error(`${lang} ${theme} ${state}: ${error.message}`));
          await tab.route(`${base}/__screenshots/**`, (route) =>
            route.request().url().endsWith('.js')
              ? route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: script })
              : route.fulfill({ contentType: 'text/html; charset=utf-8', body: page(lang, theme) }),
          );
          await tab.goto(`${base}/__screenshots/${lang}-${theme}`);
          await tab.waitForFunction(() => customElements.get('carrier-verify') !== undefined);
          const after = await reach(driver(tab, slot)).catch((error) => {
            throw new Error(`${lang} ${theme} ${state}: ${error.message}`);
          });
          // Let the caret blink away and fonts settle, so that pictures differ only when the widget does.
          await tab.locator('body').evaluate(() => document.fonts.ready);
          await tab.mouse.move(0, 0);
          const file = resolve(outDir, `${lang}-${theme}-${state}.png`);
          await tab.locator('#frame').screenshot({ path: file, animations: 'disabled', caret: 'hide' });
          count += 1;
          if (typeof after === 'function') await after();
          await tab.close();
        }
        await context.close();
        slot += 1;
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`${count} screenshots in ${outDir}`);
}

main().catch((error) => {
  console.error(`screenshots: ${error.message}`);
  process.exit(1);
});
