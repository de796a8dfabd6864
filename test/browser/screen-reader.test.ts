// What a screen reader is told: Chromium's own accessibility tree (DevTools `Accessibility.getFullAXTree`), the
// names, descriptions, states and live regions it computes across the shadow root, in each state a person meets.
import { expect, html } from '@open-wc/testing';
import { executeServerCommand, resetMouse, sendKeys } from '@web/test-runner-commands';
import { attempt, clickMiddle, fill, parts, widget } from './helpers.js';
import type { CarrierVerify } from '../../widget/carrier-verify.js';
import type { CarrierVerifyEventMap } from '../../widget/events.js';

interface AXValue {
  readonly value?: unknown;
}
interface AXNode {
  readonly nodeId: string;
  readonly ignored: boolean;
  readonly role?: AXValue;
  readonly name?: AXValue;
  readonly description?: AXValue;
  readonly value?: AXValue;
  readonly properties?: readonly { readonly name: string; readonly value: AXValue }[];
  readonly childIds?: readonly string[];
}

/** One control or region as assistive technology gets it. */
interface Heard {
  readonly role: string;
  readonly name: string;
  readonly description: string;
  readonly value: string;
  /** The text inside it, as a region's content is read. */
  readonly text: string;
  readonly states: Readonly<Record<string, unknown>>;
}

const SPOKEN_ROLES = new Set(['textbox', 'button', 'status', 'alert', 'link', 'checkbox']);

/** The page's accessibility tree, reduced to its controls and regions, in document order (one widget per test). */
async function heard(): Promise<Heard[]> {
  const { nodes } = (await executeServerCommand('devtools', { method: 'Accessibility.getFullAXTree', params: {} })) as { nodes: AXNode[] };
  const byId = new Map(nodes.map((node) => [node.nodeId, node]));
  const textOf = (node: AXNode): string =>
    node.role?.value === 'StaticText' ? String(node.name?.value ?? '') : (node.childIds ?? []).map((id) => (byId.has(id) ? textOf(byId.get(id)!) : '')).join('');
  return nodes
    .filter((node) => !node.ignored && (SPOKEN_ROLES.has(String(node.role?.value)) || node.properties?.some((p) => p.name === 'live' && p.value.value !== 'off')))
    .map((node) => ({
      role: String(node.role?.value),
      name: String(node.name?.value ?? ''),
      description: String(node.description?.value ?? ''),
      value: String(node.value?.value ?? ''),
      text: textOf(node),
      states: Object.fromEntries((node.properties ?? []).map((p) => [p.name, p.value.value])),
    }));
}

const one = (all: Heard[], role: string, name?: string): Heard => {
  const found = all.filter((node) => node.role === role && (name === undefined || node.name === name));
  expect(found.map((node) => node.name), `${role} ${name ?? ''}`).to.have.length(1);
  return found[0]!;
};
const status = (all: Heard[]) => one(all, 'status');

/** An English widget after one attempt with this pair, and what a screen reader is then told. */
async function heardAfter<K extends keyof CarrierVerifyEventMap>(name: string, phone: string, event: K): Promise<{ el: CarrierVerify; all: Heard[] }> {
  const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
  await attempt(el, name, phone, event);
  return { el, all: await heard() };
}

describe('what a screen reader is told (Chromium accessibility tree)', () => {
  it('names each field, tells what the name must be, and the one button; the status region waits empty', async () => {
    await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const all = await heard();
    const name = one(all, 'textbox', 'Name');
    const phone = one(all, 'textbox', 'Mobile number');
    expect(name.description).to.equal('Your name as registered with your mobile carrier');
    expect([name.states.required, phone.states.required, name.states.invalid, phone.states.invalid]).to.deep.equal([false, false, 'false', 'false']);
    expect(all.filter((node) => node.role === 'button').map((node) => node.name)).to.deep.equal(['Verify']);
    expect([status(all).text, status(all).states.live, status(all).states.atomic]).to.deep.equal(['', 'polite', true]);
  });

  it('speaks the page\'s language, and says the fields are required when the element is', async () => {
    await widget(html`<carrier-verify lang="zh-CN" required></carrier-verify>`);
    const all = await heard();
    const name = one(all, 'textbox', '姓名');
    const phone = one(all, 'textbox', '手机号');
    expect(name.description).to.equal('需与该手机号实名登记的姓名一致');
    expect([name.states.required, phone.states.required]).to.deep.equal([true, true]);
    one(all, 'button', '验证');
  });

  it('a number too short: the field is invalid, has the focus, and is described by the reason', async () => {
    const { all } = await heardAfter('张三', '13800', 'cv-invalid');
    const phone = one(all, 'textbox', 'Mobile number');
    expect([phone.states.invalid, phone.states.focused, phone.description]).to.deep.equal(['true', true, 'Enter all 11 digits of the mobile number']);
    expect(one(all, 'textbox', 'Name').states.invalid).to.equal('false');
    // The reason sits in a live region beside the field, so that it is read out where it appears.
    expect(all.some((node) => node.text === 'Enter all 11 digits of the mobile number' && node.states.live === 'polite')).to.equal(true);
  });

  it('a name in Latin letters: the name field is invalid, focused, and its reason replaces the hint', async () => {
    const name = one((await heardAfter('Zhang San', '13800138000', 'cv-invalid')).all, 'textbox', 'Name');
    expect([name.states.invalid, name.states.focused, name.description]).to.deep.equal(['true', true, 'Only names in Chinese characters are supported (a middle dot · may separate parts)']);
  });

  it('says each reason once: with the focus at the field it moves to, from its live region at a field the focus stays out of or is already in', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const nameReason = 'Only names in Chinese characters are supported (a middle dot · may separate parts)';
    const phoneReason = 'Enter all 11 digits of the mobile number';
    /** The texts of the live regions that speak (the status region, empty here, aside). */
    const spoken = (all: Heard[]) => all.filter((node) => node.states.live === 'polite' && node.text).map((node) => node.text);
    el.fill({ name: 'Zhang', phoneNumber: '1380' });
    await el.updateComplete;
    await clickMiddle(parts(el).button);
    await resetMouse();
    await el.updateComplete;
    let all = await heard();
    // The focus went from Verify to the name field, which is read out with its reason: that is the once for it.
    const name = one(all, 'textbox', 'Name');
    expect([name.states.focused, name.description]).to.deep.equal([true, nameReason]);
    expect(spoken(all)).to.deep.equal([phoneReason]);
    // Enter again in the name field: the focus stays, so its reason is spoken from its region this time.
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    all = await heard();
    expect(spoken(all)).to.deep.equal([nameReason, phoneReason]);
    // A reason shown as the person leaves a field (the number, back to the name) is spoken from its region, the
    // focus being elsewhere.
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'End' });
    await sendKeys({ type: '7' });
    await el.updateComplete;
    expect(spoken(await heard())).to.deep.equal([nameReason]);
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    await el.updateComplete;
    all = await heard();
    expect([one(all, 'textbox', 'Name').states.focused, spoken(all)]).to.deep.equal([true, [nameReason, phoneReason]]);
  });

  it('while the proxy is asked, the button is busy and unavailable, its name unchanged, and the status region says so', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    // The sandbox's number that never answers keeps the widget waiting.
    await fill(el, '张三', '13800000504');
    parts(el).button.click();
    await el.updateComplete;
    const all = await heard();
    // A change of the focused button's name is spoken: "verifying" is said once, by the status region.
    const button = one(all, 'button', 'Verify');
    expect([button.states.disabled, Boolean(button.states.busy)]).to.deep.equal([true, true]);
    expect(status(all).text).to.equal('Verifying…');
    el.reset();
  });

  it('a rate limit: Try again shows its countdown, which is no part of its name (it would be spoken every second)', async () => {
    const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/rate-limited"></carrier-verify>`);
    await attempt(el, '张三', '13800138000', 'cv-error');
    expect(parts(el).retry!.textContent!.replace(/\s+/g, ''), 'the countdown is shown').to.match(/^重试（\d+）$/);
    const all = await heard();
    expect(one(all, 'button', '重试').states.disabled).to.equal(true);
    expect(status(all).text).to.match(/^尝试次数过多，请 \d+ 秒后再试$/);
    el.reset();
  });

  it('verified: the status region reads the outcome, and the way to change the pair is a named button', async () => {
    const { all } = await heardAfter('张三', '13800138000', 'cv-verified');
    expect(status(all).text).to.equal('Verified: the name matches the number’s registration');
    expect(one(all, 'button', 'Verify').states.disabled).to.equal(true);
    one(all, 'button', 'Change');
  });

  it('no match, and a failed service: each outcome is read from the status region, with a named way on', async () => {
    const mismatch = await heardAfter('李四', '13800138000', 'cv-mismatch');
    let { all } = mismatch;
    expect(status(all).text).to.equal('The name does not match the number’s registration. Check both and try again.');
    expect(one(all, 'button', 'Verify').states.disabled).to.equal(undefined);
    mismatch.el.remove();

    ({ all } = await heardAfter('张三', '13800000500', 'cv-error'));
    expect(status(all).text).to.equal('Verification is unavailable right now. Try again later.');
    one(all, 'button', 'Try again');
  });

  it('a disabled element: both fields and the button are exposed as unavailable', async () => {
    await widget(html`<carrier-verify lang="en" disabled></carrier-verify>`);
    const all = await heard();
    expect([one(all, 'textbox', 'Name'), one(all, 'textbox', 'Mobile number'), one(all, 'button', 'Verify')].map((node) => node.states.disabled)).to.deep.equal([true, true, true]);
  });
});
