// The React and Vue examples and the script-tag bundle, built with Vite and used in Chromium against the proxy.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScriptTagBundle, root } from '../../scripts/bundle.mjs';
import { startSiteServer, type SiteServer } from '../support/site-server.js';
import { launchChromium } from '../support/chromium.js';
import { checkPhone } from '../../widget/validation.js';

const scriptTagPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>carrier-verify from a script tag</title></head>
  <body>
    <form>
      <carrier-verify lang="en" site-key="sandbox" required name-field="real_name" phone-field="mobile"></carrier-verify>
    </form>
    <p role="status" data-testid="outcome">Not verified yet</p>
    <script src="./carrier-verify.js"></script>
    <script>
      const outcome = document.querySelector('[data-testid="outcome"]');
      const widget = document.querySelector('carrier-verify');
      widget.addEventListener('cv-verified', (e) => { outcome.textContent = 'Verified ' + e.detail.phoneMasked + ' (' + e.detail.carrier + ')'; });
      widget.addEventListener('cv-mismatch', (e) => { outcome.textContent = 'Mismatch: ' + e.detail.code; });
      widget.addEventListener('cv-not-found', (e) => { outcome.textContent = 'Not found: ' + e.detail.code; });
      widget.addEventListener('cv-invalid', (e) => { outcome.textContent = 'Invalid ' + e.detail.field + ': ' + e.detail.reason; });
      widget.addEventListener('cv-error', (e) => { outcome.textContent = 'Error: ' + e.detail.code; });
      widget.addEventListener('cv-cleared', (e) => { outcome.textContent = 'Not verified (' + e.detail.reason + ')'; });
    </script>
  </body>
</html>
`;

let work: string;
let server: SiteServer;
let browser: Browser;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'carrier-verify-examples-'));
  for (const name of ['react', 'vue']) {
    await build({
      configFile: join(root, 'examples', name, 'vite.config.ts'),
      base: `/${name}/`,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: join(work, name), emptyOutDir: true },
    });
  }
  await mkdir(join(work, 'script-tag'), { recursive: true });
  await buildScriptTagBundle(join(work, 'script-tag'));
  await writeFile(join(work, 'script-tag', 'index.html'), scriptTagPage);
  server = await startSiteServer(work);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function open(app: string): Promise<Page> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  await page.goto(`${server.origin}/${app}/`);
  await page.getByRole('button', { name: 'Verify' }).waitFor();
  expect(failures).toEqual([]);
  return page;
}

async function verify(page: Page, name: string, phone: string): Promise<void> {
  await page.getByRole('textbox', { name: /Name/ }).fill(name);
  await page.getByRole('textbox', { name: /Mobile number/ }).fill(phone);
  await page.getByRole('button', { name: 'Verify' }).click();
}

describe.each(['react', 'vue', 'script-tag'])('the %s example in Chromium', { timeout: 60_000 }, (app) => {
  it('shows the verified detail of the cv-verified event, and the token goes to the form', async () => {
    const page = await open(app);
    await verify(page, '张三', '13800138000');
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Verified 138****8000 (china-mobile)');
    const token = await page.locator('carrier-verify').evaluate((el) => (el as HTMLElement & { token: string | null }).token);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    if (app === 'script-tag') {
      // The plain form posts the pair beside the token, under the names its name-field and phone-field chose.
      const posted = await page.locator('body > form').evaluate((form) => [...new FormData(form as HTMLFormElement).entries()].map(([key, value]) => [key, String(value)]));
      expect(posted).toEqual([['carrier-verify-token', token], ['real_name', '张三'], ['mobile', '13800138000']]);
    } else {
      // The app reads the pair from verifiedPair to send it with the token.
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Sending 张三 13800138000 with the token');
    }
    // Change drops the token: the app hears cv-cleared, and its form can no longer be sent with the token.
    await page.getByRole('button', { name: 'Change' }).click();
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Not verified (change)');
    if (app !== 'script-tag') expect(await page.getByRole('button', { name: 'Create account' }).isDisabled()).toBe(true);
    await page.close();
  });

  it('reacts to cv-mismatch and cv-invalid', async () => {
    const page = await open(app);
    await verify(page, '李四', '13800138000');
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Mismatch: FP03333');
    await page.getByRole('textbox', { name: /Mobile number/ }).fill('1380013');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Invalid phone: too-short');
    await page.close();
  });

  it('reacts to cv-not-found and cv-error', async () => {
    const page = await open(app);
    await verify(page, '张三', '13900139000');
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Not found: KYC1101');
    // The sandbox's number whose upstream fails: the proxy answers 502.
    await verify(page, '张三', '13800000500');
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Error: UPSTREAM_ERROR');
    await page.close();
  });
});

describe('the script-tag bundle, minified', { timeout: 60_000 }, () => {
  // The bundle's minifier folds libphonenumber-js's code around the one way the widget calls it: the bundle must
  // still judge every kind of number as the source does (the proxy is stood in for, so nothing is counted).
  const numbers = [
    '13800138000', '+86 138 0013 8000', '0086 186 1234 5678', '8613312345678', '19212345678', '17012345678', '15912345678',
    '16612345678', '19912345678', '14712345678', '19012345678', '17112345678', '16212345678', '14512345678', '14412345678',
    '1440 1234 56789', '17412345678', '12345678901', '10012345678', '1380013800', '138001380001', '010 1234 5678',
    '86 10 1234 5678', '+852 9123 4567', '１３８００１３８０００',
  ];

  it('exposes the element’s class as window.CarrierVerify, the rest of the API on it', async () => {
    const page = await open('script-tag');
    const seen = await page.evaluate(() => {
      type Api = (new () => HTMLElement) & Record<string, unknown> & {
        timeout: number;
        checkPhone(raw: string): { ok: boolean };
        VerifiedEvent: new (detail: object) => Event;
      };
      const api = (window as unknown as { CarrierVerify: Api }).CarrierVerify;
      return {
        isTheClass: api === customElements.get('carrier-verify'),
        instance: document.querySelector('carrier-verify') instanceof api,
        timeout: api.timeout,
        // As when the global was the module's namespace.
        self: api.CarrierVerify === api,
        checkPhone: api.checkPhone('13800138000').ok,
        event: new api.VerifiedEvent({ code: 'FP00000' }).type,
        exported: ['ClearedEvent', 'InvalidEvent', 'MismatchEvent', 'NotFoundEvent', 'VerifyErrorEvent', 'ResultCode', 'resultCodes', 'eventNames', 'carrierOf', 'segmentOf', 'checkName', 'normalizeName', 'normalizePhone', 'formatPhone'].filter((name) => api[name] === undefined),
      };
    });
    expect(seen).toEqual({ isTheClass: true, instance: true, timeout: 30_000, self: true, checkPhone: true, event: 'cv-verified', exported: [] });
    await page.close();
  });

  it('runs on a page in GBK when served without a charset, as a self-hosted copy often is: the file is ASCII', async () => {
    // A classic script without a charset in its Content-Type (nginx, S3, a copy on the site) is decoded in the
    // page's own encoding: a Chinese site in GBK would read any UTF-8 byte of the bundle as something else.
    const bundle = await readFile(join(work, 'script-tag', 'carrier-verify.js'));
    expect(bundle.every((byte) => byte < 0x80)).toBe(true);
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    const gbkPage = '<!doctype html><html lang="zh-CN"><head><meta charset="gbk"><title>GBK</title></head><body>' +
      '<carrier-verify></carrier-verify><script src="carrier-verify.js"></script></body></html>';
    await page.route(`${server.origin}/gbk/**`, (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ body: bundle, headers: { 'content-type': 'text/javascript' } })
        : route.fulfill({ body: gbkPage, headers: { 'content-type': 'text/html' } }),
    );
    await page.goto(`${server.origin}/gbk/`);
    await page.getByRole('button', { name: '验证' }).waitFor();
    expect(failures).toEqual([]);
    await page.getByRole('textbox', { name: '姓名' }).fill('张三');
    await page.getByRole('textbox', { name: '手机号' }).fill('13800138000');
    await page.getByRole('button', { name: '验证' }).click();
    await expect.poll(() => page.locator('carrier-verify').evaluate((el) => (el as HTMLElement & { status: string }).status)).toBe('verified');
    await page.close();
  });

  it('judges every kind of number as the widget’s source does', async () => {
    const page = await open('script-tag');
    await page.route('**/api/verify', (route) => route.fulfill({ status: 200, json: { code: 'KYC1101', message: '信息不存在' } }));
    const verdicts = await page.locator('carrier-verify').evaluate(async (element, list) => {
      const widget = element as HTMLElement & { fill(pair: object): void; reset(): void; verify(): Promise<{ status: string; detail: { reason?: string } }> };
      const seen: string[] = [];
      for (const phoneNumber of list) {
        widget.reset();
        widget.fill({ name: '张三', phoneNumber });
        const outcome = await widget.verify();
        seen.push(outcome.status === 'invalid' ? (outcome.detail.reason ?? 'invalid') : 'sent');
      }
      return seen;
    }, numbers);
    expect(verdicts).toEqual(numbers.map((raw) => {
      const check = checkPhone(raw);
      return check.ok ? 'sent' : check.reason;
    }));
    expect(verdicts.filter((verdict) => verdict === 'sent').length).toBeGreaterThan(10);
    await page.close();
  });
});

describe('the examples type-check', { timeout: 60_000 }, () => {
  it('accepts the React example and refuses wrong props and event details in JSX', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'examples/react/tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('accepts the Vue example and refuses wrong attributes and handlers in templates (vue-tsc)', () => {
    const vueTsc = spawnSync(process.execPath, [join(root, 'node_modules/vue-tsc/bin/vue-tsc.js'), '--noEmit', '-p', join(root, 'examples/vue/tsconfig.json')], { encoding: 'utf8' });
    expect(vueTsc.stdout + vueTsc.stderr).toBe('');
    expect(vueTsc.status).toBe(0);
  });
});
