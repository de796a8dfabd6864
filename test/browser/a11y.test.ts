// axe-core over <carrier-verify> in every state, each language, light and dark: no violation anywhere.
import 'axe-core/axe.min.js';
import { expect, html } from '@open-wc/testing';
import type { AxeResults } from 'axe-core';
import type { CarrierVerify } from '../../widget/carrier-verify.js';
import type { Lang } from '../../widget/locales.js';
import { attempt, fill, parts, widget } from './helpers.js';

const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;

type Shown =
  | 'idle'
  | 'filled'
  | 'hint-virtual'
  | 'hint-refused'
  | 'invalid-name'
  | 'invalid-phone'
  | 'proxy-refused-phone'
  | 'verifying'
  | 'verified'
  | 'mismatch'
  | 'not-found'
  | 'error'
  | 'rate-limited'
  | 'disabled';

/** Brings a fresh widget to what a person would see in `state`. */
async function show(state: Shown, lang: Lang, theme: 'light' | 'dark'): Promise<CarrierVerify> {
  const endpoint =
    state === 'rate-limited' ? '/test/rate-limited' : state === 'proxy-refused-phone' ? '/test/refused?code=INVALID_PHONE&field=phone&reason=not-mobile' : '/api/verify';
  const el = await widget(html`<carrier-verify lang=${lang} theme=${theme} endpoint=${endpoint} ?disabled=${state === 'disabled'}></carrier-verify>`);
  switch (state) {
    case 'filled':
      await fill(el, '张三', '13800138000');
      break;
    case 'hint-virtual':
      await fill(el, '', '170 1234');
      break;
    case 'hint-refused':
      await fill(el, '', '145 1234');
      break;
    case 'invalid-name':
      await attempt(el, 'Zhang San', '13800138000', 'cv-invalid');
      break;
    case 'invalid-phone':
      await attempt(el, '张三', '13800', 'cv-invalid');
      break;
    case 'proxy-refused-phone':
      await attempt(el, '张三', '13800138000', 'cv-error');
      break;
    case 'verifying':
      await fill(el, '张三', '13800000504');
      parts(el).button.click();
      await el.updateComplete;
      break;
    case 'verified':
      await attempt(el, '张三', '13800138000', 'cv-verified');
      break;
    case 'mismatch':
      await attempt(el, '李四', '13800138000', 'cv-mismatch');
      break;
    case 'not-found':
      await attempt(el, '张三', '13900139000', 'cv-not-found');
      break;
    case 'error':
      await attempt(el, '张三', '13800000500', 'cv-error');
      break;
    case 'rate-limited':
      await attempt(el, '张三', '13800138000', 'cv-error');
      break;
    default:
      break;
  }
  return el;
}

function describeViolations(results: AxeResults): string {
  return results.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
}

const states: readonly Shown[] = ['idle', 'filled', 'hint-virtual', 'hint-refused', 'invalid-name', 'invalid-phone', 'proxy-refused-phone', 'verifying', 'verified', 'mismatch', 'not-found', 'error', 'rate-limited', 'disabled'];
const langs: readonly Lang[] = ['zh-CN', 'zh-TW', 'en'];

describe('accessibility (axe-core)', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const state of states) {
      for (const lang of langs) {
        it(`has no violation when ${state}, ${lang}, ${theme}`, async () => {
          const el = await show(state, lang, theme);
          // `region` asks that page content sit in landmarks: that is the embedding page's business, not the widget's.
          const results = await axe.run(el, { rules: { region: { enabled: false } } });
          el.reset();
          expect(results.passes.length, 'axe checked nothing').to.be.greaterThan(0);
          expect(results.violations, describeViolations(results)).to.deep.equal([]);
        });
      }
    }
  }

  it('gives every field and button a touch target 44 px tall at least, in every language, verified or not', async () => {
    for (const lang of ['zh-CN', 'zh-TW', 'en'] as const) {
      const el = await widget(html`<carrier-verify lang=${lang}></carrier-verify>`);
      await attempt(el, '张三', '13800000500', 'cv-error');
      const sizes = () => [...el.shadowRoot!.querySelectorAll('input, button')].map((control) => Math.round(control.getBoundingClientRect().height));
      expect(Math.min(...sizes()), `${lang}, after an error: ${sizes()}`).to.be.at.least(44);
      await attempt(el, '张三', '13800138000', 'cv-verified');
      expect(Math.min(...sizes()), `${lang}, verified: ${sizes()}`).to.be.at.least(44);
    }
  });

  it('keeps every field and button 44 px tall at a smaller font size a site sets, and no taller at the usual one', async () => {
    for (const size of ['13px', '16px']) {
      const el = await widget(html`<carrier-verify lang="en" style="--cv-font-size: ${size}"></carrier-verify>`);
      await attempt(el, '张三', '13800000500', 'cv-error');
      const sizes = [...el.shadowRoot!.querySelectorAll('input, button')].map((control) => Math.round(control.getBoundingClientRect().height));
      expect(sizes, size).to.deep.equal([44, 44, 44, 44]);
    }
  });

  it('links each wrong field to its reason and announces outcomes politely', async () => {
    const el = await show('invalid-phone', 'en', 'light');
    const { phone, phoneError, message } = parts(el);
    expect(phone.getAttribute('aria-invalid')).to.equal('true');
    const describedBy = phone.getAttribute('aria-describedby')!.split(' ');
    expect(describedBy).to.include(phoneError.id);
    expect(phoneError.textContent).to.equal('Enter all 11 digits of the mobile number');
    expect(message.getAttribute('role')).to.equal('status');
    expect(message.getAttribute('aria-live')).to.equal('polite');
  });

  it('says what the name must be under its field, not in a placeholder, shows no example number that passes for one typed, and puts the name\'s error in its place', async () => {
    const idle = await show('idle', 'en', 'light');
    const hint = idle.shadowRoot!.querySelector<HTMLElement>('#name-hint')!;
    const { name } = parts(idle);
    expect(name.getAttribute('aria-describedby')!.split(' ')).to.include('name-hint');
    expect(hint.textContent).to.equal('Your name as registered with your mobile carrier');
    expect(hint.getBoundingClientRect().height).to.be.greaterThan(0);
    expect(name.placeholder).to.equal('');
    // Nor an example number in the empty number field, which, in grey, was taken for one already filled in.
    expect(parts(idle).phone.placeholder).to.equal('');
    // Typing keeps it in view (a placeholder goes with the first character).
    const filled = await show('filled', 'zh-CN', 'light');
    expect(filled.shadowRoot!.querySelector('#name-hint')!.textContent).to.equal('需与该手机号实名登记的姓名一致');
    const wrong = await show('invalid-name', 'en', 'light');
    expect(wrong.shadowRoot!.querySelector('#name-hint')!.textContent).to.equal('');
    expect(parts(wrong).nameError.textContent).to.not.equal('');
  });

  it('announces "verifying": no busy region holds back the live region while the proxy is asked', async () => {
    const el = await show('verifying', 'en', 'light');
    const { message } = parts(el);
    expect(message.textContent).to.equal('Verifying…');
    for (let node: Element | null = message; node; node = node.parentElement) expect(node.getAttribute('aria-busy'), node.tagName).to.not.equal('true');
  });

  it('marks the name field Chinese in the English widget, and leaves it to the widget\'s language in Chinese', async () => {
    const en = await show('filled', 'en', 'light');
    expect(parts(en).name.lang).to.equal('zh');
    const tw = await show('filled', 'zh-TW', 'light');
    expect(parts(tw).name.hasAttribute('lang')).to.equal(false);
    expect(parts(tw).name.closest('[lang]')!.getAttribute('lang')).to.equal('zh-TW');
  });

  it('tells assistive technology the fields are required when the element is', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { name, phone } = parts(el);
    expect([name.getAttribute('aria-required'), phone.getAttribute('aria-required')]).to.deep.equal(['false', 'false']);
    el.required = true;
    await el.updateComplete;
    expect([name.getAttribute('aria-required'), phone.getAttribute('aria-required')]).to.deep.equal(['true', 'true']);
  });

  it('keeps the live region in the page while empty, so that its first outcome is announced', async () => {
    const el = await show('idle', 'zh-CN', 'light');
    const { message } = parts(el);
    expect(message.isConnected).to.equal(true);
    expect(getComputedStyle(message).display).to.not.equal('none');
    expect(getComputedStyle(message).visibility).to.equal('visible');
  });
});
