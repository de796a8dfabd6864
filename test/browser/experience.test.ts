// How <carrier-verify> feels to a person, in Chromium with real keystrokes: grouping and caret, undo, input methods, paste,
// languages, each state with its next step, keyboard use, theming and reduced motion.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, executeServerCommand, resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import type { CarrierVerify } from '../../widget/carrier-verify.js';
import type { InvalidEvent, VerifiedEvent, VerifyErrorEvent } from '../../widget/events.js';
import { attempt, clickMiddle, fill, nextFrame, parts, paste, setText, widget } from './helpers.js';

/** Presses Ctrl with `key`, as for undo (`z`) and redo (`y`). */
async function withControl(key: string): Promise<void> {
  await sendKeys({ down: 'Control' });
  await sendKeys({ press: key });
  await sendKeys({ up: 'Control' });
}

/** An input method's composition through DevTools: the text shown while composing, then the text committed. */
const compose = (text: string) => executeServerCommand('devtools', { method: 'Input.imeSetComposition', params: { text, selectionStart: text.length, selectionEnd: text.length } });
const commit = (text: string) => executeServerCommand('devtools', { method: 'Input.insertText', params: { text } });

/** Puts the caret in the number field at `at`, as a click there would. */
async function caretAt(el: CarrierVerify, value: string, at: number): Promise<HTMLInputElement> {
  const { phone } = parts(el);
  setText(phone, value);
  await el.updateComplete;
  phone.setSelectionRange(at, at);
  return phone;
}

describe('typing a number', () => {
  it('groups the digits as they are typed, keeping the caret at the end', async () => {
    const el = await widget();
    parts(el).phone.focus();
    await sendKeys({ type: '1380013' });
    expect(parts(el).phone.value).to.equal('138 0013');
    await sendKeys({ type: '8000' });
    const { phone } = parts(el);
    expect(phone.value).to.equal('138 0013 8000');
    expect(phone.selectionStart).to.equal(13);
  });

  it('keeps the caret after a digit inserted in the middle', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 0013 800', 4);
    await sendKeys({ type: '5' });
    expect(phone.value).to.equal('138 5001 3800');
    expect(phone.selectionStart).to.equal(5);
    await sendKeys({ type: '6' });
    expect(phone.value).to.equal('138 5600 13800');
    expect(phone.selectionStart).to.equal(6);
  });

  it('deletes the digit before a group space on Backspace, and the one after it on Delete', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 0013 8000', 4);
    await sendKeys({ press: 'Backspace' });
    expect(phone.value).to.equal('130 0138 000');
    expect(phone.selectionStart).to.equal(2);
    phone.setSelectionRange(3, 3);
    await sendKeys({ press: 'Delete' });
    expect(phone.value).to.equal('130 1380 00');
    expect(phone.selectionStart).to.equal(3);
  });

  it('puts back a group space that was selected and deleted, and deletes no digit with it', async () => {
    const el = await widget();
    for (const key of ['Backspace', 'Delete']) {
      const phone = await caretAt(el, '138 0013 8000', 3);
      phone.setSelectionRange(3, 4);
      await sendKeys({ press: key });
      expect([key, phone.value, phone.selectionStart]).to.deep.equal([key, '138 0013 8000', 3]);
    }
  });

  it('keeps the caret after a digit that completes a +86 number in the middle, the prefix gone from before it', async () => {
    const el = await widget();
    const phone = await caretAt(el, '+86 1380138000', 8);
    await sendKeys({ type: '0' });
    expect(phone.value).to.equal('138 0013 8000');
    expect(phone.selectionStart).to.equal(6);
  });

  it('keeps the caret where a digit in the middle was deleted', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 0013 8000', 7);
    await sendKeys({ press: 'Backspace' });
    expect(phone.value).to.equal('138 0038 000');
    expect(phone.selectionStart).to.equal(6);
  });

  it('replaces a selection with what is typed', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 0013 8000', 0);
    phone.setSelectionRange(0, phone.value.length);
    await sendKeys({ type: '186' });
    expect(phone.value).to.equal('186');
    expect(phone.selectionStart).to.equal(3);
  });

  it('takes back one edit at a time with undo, grouped as it was, the caret where it was, and puts each back with redo', async () => {
    const el = await widget();
    const { phone, hint } = parts(el);
    phone.focus();
    await sendKeys({ type: '13800138000' });
    phone.setSelectionRange(7, 7);
    await sendKeys({ press: 'Backspace' });
    expect(phone.value).to.equal('138 0038 000');
    const steps: [string, number | null][] = [];
    for (let i = 0; i < 12; i++) {
      await withControl('z');
      steps.push([phone.value, phone.selectionStart]);
    }
    // The deleted digit comes back with the caret after it, then each typed digit goes, across the group spaces.
    expect(steps).to.deep.equal([
      ['138 0013 8000', 7],
      ['138 0013 800', 12],
      ['138 0013 80', 11],
      ['138 0013 8', 10],
      ['138 0013', 8],
      ['138 001', 7],
      ['138 00', 6],
      ['138 0', 5],
      ['138', 3],
      ['13', 2],
      ['1', 1],
      ['', 0],
    ]);
    for (let i = 0; i < 4; i++) await withControl('y');
    await el.updateComplete;
    expect(phone.value).to.equal('138 0');
    // The element follows the field through its history: the carrier of 138 is named again.
    expect(hint.textContent).to.equal('中国移动号段');
  });

  it('leaves digits an input method is composing as they are, and groups them once committed', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 0013 800', 4);
    await compose('５');
    await compose('５６');
    // Mid-composition nothing is regrouped or moved under the input method.
    expect([phone.value, phone.selectionStart]).to.deep.equal(['138 ５６0013 800', 6]);
    await commit('５６');
    expect([phone.value, phone.selectionStart]).to.deep.equal(['138 5600 13800', 6]);
  });

  it('neither checks nor moves a name while an input method composes it, a refusal shown before included', async () => {
    const el = await widget();
    await attempt(el, '张', '13800138000', 'cv-invalid');
    const { name } = parts(el);
    expect([el.shadowRoot!.activeElement, parts(el).nameError.textContent]).to.deep.equal([name, '姓名至少 2 个汉字']);
    await compose('s');
    await compose('san');
    await el.updateComplete;
    expect([name.value, name.selectionStart, parts(el).nameError.textContent, name.getAttribute('aria-invalid')]).to.deep.equal(['张san', 4, '', 'false']);
    await compose('三');
    await commit('三');
    await el.updateComplete;
    expect([name.value, name.selectionStart, parts(el).nameError.textContent]).to.deep.equal(['张三', 2, '']);
  });

  it('asks for a phone keypad and offers autofill of the name and the number', async () => {
    const el = await widget();
    expect(parts(el).phone.inputMode).to.equal('tel');
    expect(parts(el).phone.type).to.equal('tel');
    expect(parts(el).phone.autocomplete).to.equal('tel-national');
    expect(parts(el).name.autocomplete).to.equal('name');
  });
});

describe('pasting a number', () => {
  for (const pasted of ['+86 138-0013-8000', '＋８６ １３８ ００１３ ８０００', '0086 (138) 0013.8000', '8613800138000', '手机：13800138000', 'Tel: 138 0013 8000']) {
    it(`turns a pasted ${pasted} into 138 0013 8000`, async () => {
      const el = await widget();
      const { phone } = parts(el);
      phone.focus();
      paste(phone, pasted);
      await el.updateComplete;
      expect(phone.value).to.equal('138 0013 8000');
      expect(phone.selectionStart).to.equal(13);
      expect(parts(el).hint.textContent).to.contain('中国移动');
    });
  }

  it('verifies a pasted +86 number as typed by hand', async () => {
    const el = await widget();
    setText(parts(el).name, '张三');
    parts(el).phone.focus();
    paste(parts(el).phone, '+86 138-0013-8000');
    await el.updateComplete;
    const verified = oneEvent<VerifiedEvent>(el, 'cv-verified');
    parts(el).button.click();
    expect((await verified).detail.phoneMasked).to.equal('138****8000');
  });

  it('groups digits pasted into the middle and puts the caret after them', async () => {
    const el = await widget();
    const phone = await caretAt(el, '138 8000', 3);
    paste(phone, '0013');
    await el.updateComplete;
    expect(phone.value).to.equal('138 0013 8000');
    expect(phone.selectionStart).to.equal(8);
  });

  it('groups a paste where the browser\'s insertText edits nothing, the element following the field', async () => {
    const el = await widget();
    const { phone } = parts(el);
    const command = document.execCommand;
    // Says it did, and did nothing: whatever the command does, the field ends grouped and the element knows it.
    document.execCommand = () => true;
    try {
      setText(parts(el).name, '张三');
      phone.focus();
      paste(phone, '+86 138-0013-8000');
      await el.updateComplete;
      expect([phone.value, phone.selectionStart]).to.deep.equal(['138 0013 8000', 13]);
      const verified = oneEvent<VerifiedEvent>(el, 'cv-verified');
      parts(el).button.click();
      expect((await verified).detail.phoneMasked).to.equal('138****8000');
    } finally {
      document.execCommand = command;
    }
  });

  it('takes a paste back with one undo, and the page hears it as an input event', async () => {
    const el = await widget();
    const phone = parts(el).phone;
    const heard: string[] = [];
    el.addEventListener('input', (event) => heard.push((event as InputEvent).inputType));
    phone.focus();
    await sendKeys({ type: '139' });
    phone.select();
    paste(phone, '+86 138-0013-8000');
    await el.updateComplete;
    expect(phone.value).to.equal('138 0013 8000');
    expect(heard).to.deep.equal(['insertText', 'insertText', 'insertText', 'insertText']);
    await sendKeys({ down: 'Control' });
    await sendKeys({ press: 'z' });
    await sendKeys({ up: 'Control' });
    await el.updateComplete;
    expect(phone.value).to.equal('139');
    // What the paste replaced is selected again, as after the undo of a paste in any field.
    expect([phone.selectionStart, phone.selectionEnd]).to.deep.equal([0, 3]);
    // The widget follows the field back: its hint is the carrier of 139, and a check sees 139.
    expect(parts(el).hint.textContent).to.contain('中国移动');
    expect(el.shadowRoot!.activeElement).to.equal(phone);
  });

  it('leaves a verified number as it is when another is pasted into it: the pair stays locked until Change', async () => {
    const el = await widget();
    await attempt(el, '张三', '13800138000', 'cv-verified');
    const { phone } = parts(el);
    phone.focus();
    paste(phone, '186 1234 5678');
    await el.updateComplete;
    expect([phone.value, el.status, el.verifiedPair?.phoneNumber]).to.deep.equal(['138 0013 8000', 'verified', '13800138000']);
    expect(parts(el).hint.textContent).to.contain('中国移动');
  });

  it('puts the caret back where a paste began when the paste is undone, so that typing goes on from there', async () => {
    const el = await widget();
    const phone = parts(el).phone;
    phone.focus();
    await sendKeys({ type: '138' });
    paste(phone, '0013 8000');
    await el.updateComplete;
    expect(phone.value).to.equal('138 0013 8000');
    await sendKeys({ down: 'Control' });
    await sendKeys({ press: 'z' });
    await sendKeys({ up: 'Control' });
    await el.updateComplete;
    expect([phone.value, phone.selectionStart, phone.selectionEnd]).to.deep.equal(['138', 3, 3]);
    await sendKeys({ type: '9' });
    await el.updateComplete;
    expect([phone.value, phone.selectionStart]).to.deep.equal(['138 9', 5]);
  });
});

describe('leaving a field', () => {
  for (const [lang, nameReason, phoneReason] of [
    ['zh-CN', '目前仅支持中文姓名（可含间隔号“·”）', '手机号应为 11 位数字'],
    ['zh-TW', '目前僅支援中文姓名（可含間隔號「·」）', '手機號碼應為 11 碼'],
    ['en', 'Only names in Chinese characters are supported (a middle dot · may separate parts)', 'Enter all 11 digits of the mobile number'],
  ] as const) {
    it(`says what is wrong with a field as the person leaves it, never while they type (${lang})`, async () => {
      const page = await fixture<HTMLDivElement>(html`<div><carrier-verify lang=${lang}></carrier-verify><input id="next" /></div>`);
      const el = page.querySelector<CarrierVerify>('carrier-verify')!;
      await el.updateComplete;
      const heard: string[] = [];
      for (const type of ['cv-invalid', 'cv-verified', 'cv-mismatch', 'cv-not-found', 'cv-error']) el.addEventListener(type, () => heard.push(type));
      const { name, phone, nameError, phoneError } = parts(el);
      el.focus();
      await sendKeys({ type: 'Zhang' });
      await el.updateComplete;
      expect(nameError.textContent).to.equal('');
      await sendKeys({ press: 'Tab' });
      await el.updateComplete;
      expect([nameError.textContent, name.getAttribute('aria-invalid'), el.shadowRoot!.activeElement]).to.deep.equal([nameReason, 'true', phone]);
      // The start of a number is no mistake while it is being typed; left unfinished, it is.
      await sendKeys({ type: '138001' });
      await el.updateComplete;
      expect([phone.value, phoneError.textContent]).to.deep.equal(['138 001', '']);
      await clickMiddle(page.querySelector('#next')!);
      await resetMouse();
      await el.updateComplete;
      expect([phoneError.textContent, phone.getAttribute('aria-invalid')]).to.deep.equal([phoneReason, 'true']);
      // Nothing was sent or tried: no event, and the element waits for the person's Verify.
      expect([heard, el.status]).to.deep.equal([[], 'idle']);
      // Back in the field, the first keystroke takes the error away.
      phone.focus();
      await sendKeys({ type: '3' });
      await el.updateComplete;
      expect([phoneError.textContent, phone.getAttribute('aria-invalid')]).to.deep.equal(['', 'false']);
    });
  }

  it('lets a press on what is below the element land: a field left by it says what is wrong once the press is over', async () => {
    // A number cut short before its carrier hint: its reason takes a line the field did not have, pushing down what is below.
    const page = await fixture<HTMLDivElement>(html`<div><carrier-verify lang="en"></carrier-verify><button id="below" type="button">Next</button></div>`);
    const el = page.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    const below = page.querySelector<HTMLButtonElement>('#below')!;
    let clicks = 0;
    below.addEventListener('click', () => (clicks += 1));
    const { phone, phoneError } = parts(el);
    phone.focus();
    await sendKeys({ type: '13' });
    const box = below.getBoundingClientRect();
    try {
      await sendMouse({ type: 'move', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
      await sendMouse({ type: 'down' });
      await el.updateComplete;
      expect([document.activeElement, below.getBoundingClientRect().top]).to.deep.equal([below, box.top]);
      await sendMouse({ type: 'up' });
    } finally {
      await resetMouse();
    }
    await el.updateComplete;
    expect([clicks, phoneError.textContent, phone.getAttribute('aria-invalid')]).to.deep.equal([1, 'Enter all 11 digits of the mobile number', 'true']);
  });

  it('checks the text a field shows as it is left, also when an autofill put it there without an input event', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { name, phone, nameError, phoneError } = parts(el);
    el.focus();
    name.value = 'Zhang San';
    phone.value = '138 0013';
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await el.updateComplete;
    expect(nameError.textContent).to.equal('Only names in Chinese characters are supported (a middle dot · may separate parts)');
    // Tabbed from to Verify, the number is checked as Tab is up, as typed text is.
    expect([el.shadowRoot!.activeElement, phoneError.textContent]).to.deep.equal([parts(el).button, 'Enter all 11 digits of the mobile number']);
    const invalid = oneEvent<InvalidEvent>(el, 'cv-invalid');
    await sendKeys({ press: 'Enter' });
    expect((await invalid).detail).to.deep.equal({ field: 'name', reason: 'bad-character' });
  });

  it('stops waiting for the key or press to be up when it leaves the page: no listener left on the window keeps it', async () => {
    const waits: AbortSignal[] = [];
    const add = window.addEventListener;
    window.addEventListener = function (this: Window, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) {
      if ((type === 'mouseup' || type === 'keyup') && typeof options === 'object' && options.signal) waits.push(options.signal);
      return add.call(this, type, listener, options);
    } as typeof window.addEventListener;
    try {
      const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
      const { name, phone } = parts(el);
      name.focus();
      await sendKeys({ type: 'Zhang' });
      // Focus moved by script (a dialog closing, a route change), then the element removed: no key or press comes up.
      phone.focus();
      expect(waits.length).to.equal(2);
      expect(waits.some((signal) => signal.aborted)).to.equal(false);
      el.remove();
      expect(waits.every((signal) => signal.aborted)).to.equal(true);
    } finally {
      window.addEventListener = add;
    }
  });

  it('says nothing of a field tabbed through empty or as the window loses the focus; tabbed on to Verify, which the keyboard may pass, a field says so', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { phone, nameError, phoneError } = parts(el);
    el.focus();
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '13800' });
    // The person looks at another app for the rest of the number: the field keeps the focus as the window loses it.
    phone.dispatchEvent(new FocusEvent('blur'));
    await el.updateComplete;
    expect([nameError.textContent, phoneError.textContent]).to.deep.equal(['', '']);
    await sendKeys({ press: 'Tab' });
    await el.updateComplete;
    expect([el.shadowRoot!.activeElement, nameError.textContent, phoneError.textContent]).to.deep.equal([parts(el).button, '', 'Enter all 11 digits of the mobile number']);
    expect(phone.getAttribute('aria-invalid')).to.equal('true');
    // Verify says what is wrong with both, with the event of the attempt, and takes the person to the first wrong field.
    const invalid = oneEvent<InvalidEvent>(el, 'cv-invalid');
    await sendKeys({ press: 'Enter' });
    expect((await invalid).detail).to.deep.equal({ field: 'name', reason: 'empty' });
    await el.updateComplete;
    expect([nameError.textContent, phoneError.textContent]).to.deep.equal(['Enter your name', 'Enter all 11 digits of the mobile number']);
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).name);
  });

  it('leaves the check of a field left by a press on Verify to that press, which says it once', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { phone, phoneError } = parts(el);
    phone.focus();
    await sendKeys({ type: '13800' });
    const shown: string[] = [];
    new MutationObserver(() => shown.push(phoneError.textContent ?? '')).observe(phoneError, { childList: true, subtree: true, characterData: true });
    const invalid = oneEvent<InvalidEvent>(el, 'cv-invalid');
    try {
      await clickMiddle(parts(el).button);
    } finally {
      await resetMouse();
    }
    expect((await invalid).detail).to.deep.equal({ field: 'name', reason: 'empty' });
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve));
    expect([phoneError.textContent, shown.filter(Boolean).length]).to.deep.equal(['Enter all 11 digits of the mobile number', 1]);
  });
});

describe('the carrier hint', () => {
  for (const [typed, lang, shown] of [
    ['138', 'zh-CN', '中国移动号段'],
    ['186 1234', 'zh-CN', '中国联通号段'],
    ['199', 'en', 'China Telecom prefix'],
    ['192 1234 5678', 'zh-TW', '中國廣電號段'],
    ['170 1234', 'en', 'Virtual operator prefix: numbers like this may not be verifiable'],
    ['145', 'zh-CN', '不支持上网卡号码，请使用手机号'],
    ['140', 'en', 'IoT numbers cannot be verified; use a mobile number'],
    ['1349', 'zh-TW', '不支援衛星電話號碼，請使用手機號碼'],
  ] as const) {
    it(`shows "${shown}" for ${typed} in ${lang}`, async () => {
      const el = await widget(html`<carrier-verify lang=${lang}></carrier-verify>`);
      setText(parts(el).phone, typed);
      await el.updateComplete;
      expect(parts(el).hint.textContent?.trim()).to.equal(shown);
    });
  }

  it('says nothing before the segment is known', async () => {
    const el = await widget();
    setText(parts(el).phone, '13');
    await el.updateComplete;
    expect(parts(el).hint.textContent?.trim()).to.equal('');
  });

  it('says of a landline or a number no carrier issues what to type instead, in each language', async () => {
    for (const [lang, text] of [
      ['zh-CN', '号码有误，请输入中国大陆手机号'],
      ['zh-TW', '號碼有誤，請輸入中國大陸手機號碼'],
      ['en', 'Check the number: enter a mainland China mobile number'],
    ]) {
      for (const number of ['010 1234 5678', '12345678901']) {
        const el = await widget(html`<carrier-verify lang=${lang}></carrier-verify>`);
        const { detail } = await attempt(el, '张三', number, 'cv-invalid');
        expect(detail).to.deep.equal({ field: 'phone', reason: 'not-mobile' });
        expect(parts(el).phoneError.textContent).to.equal(text);
      }
    }
  });

  it('refuses a data-only number with its own reason and the pinned not-mobile code', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { detail } = await attempt(el, '张三', '14512345678', 'cv-invalid');
    expect(detail).to.deep.equal({ field: 'phone', reason: 'not-mobile' });
    expect(parts(el).phoneError.textContent).to.equal('Data-only SIM numbers cannot be verified; use a mobile number');
    expect(parts(el).phone.getAttribute('aria-invalid')).to.equal('true');
  });
});

describe('languages', () => {
  it('lays its text out left to right on a right-to-left page', async () => {
    const host = await fixture<HTMLElement>(html`<div dir="rtl" lang="ug"><carrier-verify lang="en"></carrier-verify></div>`);
    const el = host.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    expect(getComputedStyle(parts(el).message).direction).to.equal('ltr');
    expect(getComputedStyle(parts(el).name).direction).to.equal('ltr');
  });

  const labels = (el: CarrierVerify) => [parts(el).name.labels![0]!.textContent, parts(el).phone.labels![0]!.textContent, parts(el).button.textContent!.trim()];

  it('takes the nearest lang of the page when it has none of its own, and reports it as its lang', async () => {
    const host = await widget(html`<div lang="en"><section lang="zh-Hant-TW"><carrier-verify></carrier-verify></section></div>`);
    const el = host.querySelector('carrier-verify')!;
    await el.updateComplete;
    expect(labels(el)).to.deep.equal(['姓名', '手機號碼', '驗證']);
    expect(el.lang).to.equal('zh-TW');
  });

  it('reads a locale written with an underscore, as Java and PHP pages write it', async () => {
    const host = await widget(html`<div lang="zh_TW"><carrier-verify></carrier-verify></div>`);
    const el = host.querySelector('carrier-verify')!;
    await el.updateComplete;
    expect([labels(el), el.lang]).to.deep.equal([['姓名', '手機號碼', '驗證'], 'zh-TW']);
  });

  it('takes the lang around a shadow root it sits in', async () => {
    const host = await widget(html`<div lang="en-GB"></div>`);
    const shadow = (host as HTMLElement).attachShadow({ mode: 'open' });
    const el = document.createElement('carrier-verify');
    shadow.append(el);
    await el.updateComplete;
    expect(labels(el)).to.deep.equal(['Name', 'Mobile number', 'Verify']);
  });

  it('speaks zh-CN when nothing in the page says otherwise', async () => {
    const pageLang = document.documentElement.getAttribute('lang');
    document.documentElement.removeAttribute('lang');
    try {
      const el = await widget(html`<carrier-verify></carrier-verify>`);
      expect(labels(el)).to.deep.equal(['姓名', '手机号', '验证']);
      expect(el.lang).to.equal('zh-CN');
    } finally {
      if (pageLang !== null) document.documentElement.setAttribute('lang', pageLang);
    }
  });

  it('re-words everything, outcome included, when its lang attribute changes', async () => {
    const el = await widget();
    await attempt(el, '李四', '13800138000', 'cv-mismatch');
    expect(parts(el).message.textContent).to.contain('不一致');
    el.setAttribute('lang', 'en');
    await el.updateComplete;
    expect(labels(el)).to.deep.equal(['Name', 'Mobile number', 'Verify']);
    expect(parts(el).message.textContent).to.contain('does not match');
    el.lang = 'zh-TW';
    await el.updateComplete;
    expect(parts(el).message.textContent).to.contain('不一致，請檢查');
    // The property sets the attribute, as any element's does: a later change of either is the one that holds.
    expect(el.getAttribute('lang')).to.equal('zh-TW');
    el.removeAttribute('lang');
    await el.updateComplete;
    expect(parts(el).message.textContent).to.contain('不一致，请检查');
  });

  it('follows a change of the page language', async () => {
    const host = await widget(html`<div lang="zh-CN"><carrier-verify></carrier-verify></div>`);
    const el = host.querySelector('carrier-verify')!;
    await fill(el, '', '17012345678');
    expect(parts(el).hint.textContent).to.contain('虚拟运营商');
    host.setAttribute('lang', 'en');
    await nextFrame();
    await el.updateComplete;
    expect(labels(el)).to.deep.equal(['Name', 'Mobile number', 'Verify']);
    expect(parts(el).hint.textContent).to.contain('Virtual operator');
  });

  it('passes over a lang it does not speak to the nearest one around it that it does', async () => {
    const host = await widget(html`<div lang="en"><section lang="ja"><carrier-verify></carrier-verify></section></div>`);
    const el = host.querySelector('carrier-verify')!;
    await el.updateComplete;
    expect([labels(el), el.lang]).to.deep.equal([['Name', 'Mobile number', 'Verify'], 'en']);
  });

  for (const lang of ['zh-HK', 'zh-MO']) {
    it(`speaks traditional Chinese on a ${lang} page`, async () => {
      const host = await widget(html`<div lang=${lang}><carrier-verify></carrier-verify></div>`);
      const el = host.querySelector('carrier-verify')!;
      await el.updateComplete;
      expect([labels(el), el.lang]).to.deep.equal([['姓名', '手機號碼', '驗證'], 'zh-TW']);
    });
  }

  it('marks its text with the language in use', async () => {
    const el = await widget(html`<carrier-verify lang="en-US"></carrier-verify>`);
    expect(el.shadowRoot!.querySelector('form')!.getAttribute('lang')).to.equal('en');
  });
});

describe('states and next steps', () => {
  it('is busy while verifying: fields locked, button marked busy, no second submission', async () => {
    const el = await widget();
    const seen: string[] = [];
    el.addEventListener('cv-error', (e) => seen.push(e.detail.code));
    await fill(el, '张三', '13800000504');
    parts(el).button.click();
    await el.updateComplete;
    expect(el.status).to.equal('verifying');
    expect(parts(el).name.readOnly).to.equal(true);
    expect(parts(el).phone.readOnly).to.equal(true);
    expect(parts(el).button.getAttribute('aria-busy')).to.equal('true');
    expect(parts(el).button.getAttribute('aria-disabled')).to.equal('true');
    expect(parts(el).message.textContent).to.contain('验证中');
    parts(el).button.click();
    await oneEvent<VerifyErrorEvent>(el, 'cv-error');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).to.deep.equal(['UPSTREAM_TIMEOUT']);
  });

  it('locks a verified pair, and Change unlocks it, drops the token and puts the person in the name field', async () => {
    const el = await widget();
    await attempt(el, '张三', '13800138000', 'cv-verified');
    expect(parts(el).name.readOnly).to.equal(true);
    expect(parts(el).phone.readOnly).to.equal(true);
    expect(parts(el).button.getAttribute('aria-disabled')).to.equal('true');
    const change = parts(el).change!;
    expect(change.textContent?.trim()).to.equal('修改');
    change.click();
    await el.updateComplete;
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(parts(el).name.readOnly).to.equal(false);
    expect(parts(el).name.value).to.equal('张三');
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).name);
    expect(parts(el).change).to.equal(null);
  });

  for (const [name, phone, event, status, text] of [
    ['李四', '13800138000', 'cv-mismatch', 'mismatch', 'The name does not match the number’s registration. Check both and try again.'],
    ['张三', '13900139000', 'cv-not-found', 'not-found', 'No registration was found for this number. Check it or try again later.'],
  ] as const) {
    it(`says what to do after ${status}, and drops the outcome once a field is edited`, async () => {
      const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
      await attempt(el, name, phone, event);
      expect(el.status).to.equal(status);
      expect(parts(el).message.textContent).to.equal(text);
      expect(parts(el).message.part.contains('message-error')).to.equal(true);
      expect(parts(el).name.readOnly).to.equal(false);
      parts(el).name.focus();
      await sendKeys({ press: 'Backspace' });
      await el.updateComplete;
      expect(el.status).to.equal('idle');
      expect(parts(el).message.textContent).to.equal('');
    });
  }

  it('offers a retry after an upstream error, and the retry is a new attempt', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    await attempt(el, '张三', '13800000500', 'cv-error');
    expect(parts(el).message.textContent).to.equal('Verification is unavailable right now. Try again later.');
    const retry = parts(el).retry!;
    expect(retry.textContent?.trim()).to.equal('Try again');
    // A script's click, or a key, at once: no double click's second.
    const again = oneEvent<VerifyErrorEvent>(el, 'cv-error');
    retry.focus();
    retry.click();
    // The retry button goes while the attempt runs; the keyboard focus stays in the widget, on Verify.
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).button);
    expect((await again).detail.code).to.equal('UPSTREAM_ERROR');
  });

  it('announces a field error as it appears, even when the focus is already in that field', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    await attempt(el, '张三', '138 0013 800', 'cv-invalid');
    for (const region of [parts(el).nameError, parts(el).phoneError]) expect(region.getAttribute('aria-live')).to.equal('polite');
    expect(parts(el).phoneError.textContent).to.contain('11');
  });

  it('offers no retry for a refusal that a retry cannot change', async () => {
    const el = await widget(html`<carrier-verify lang="en" site-key="no-such-site"></carrier-verify>`);
    const { detail } = await attempt(el, '张三', '13800138000', 'cv-error');
    expect(detail.retryable).to.equal(false);
    expect(parts(el).retry).to.equal(null);
    expect(parts(el).message.textContent).to.contain('Contact the site');
  });

  it('words a long wait in minutes, and counts it down on the button as a clock', async () => {
    const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/rate-limited?after=598"></carrier-verify>`);
    await attempt(el, '张三', '13800138000', 'cv-error');
    expect(parts(el).message.textContent).to.equal('尝试次数过多，请 10 分钟后再试');
    expect(parts(el).retry!.textContent!.replace(/\s+/g, '')).to.match(/^重试（9:5[78]）$/);
    el.lang = 'en';
    await el.updateComplete;
    expect(parts(el).message.textContent).to.equal('Too many attempts. Try again in 10 minutes.');
  });

  it('says the wait again when Enter in a field is held back by it, sending nothing: a live region speaks new text only', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?after=598"></carrier-verify>`);
    await attempt(el, '张三', '13800138000', 'cv-error');
    const { message, phone } = parts(el);
    const before = message.firstElementChild;
    let events = 0;
    for (const type of ['cv-error', 'cv-verified', 'cv-invalid']) el.addEventListener(type, () => events++);
    phone.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const after = message.firstElementChild;
    expect([message.textContent, events, after === before, document.activeElement === el && el.shadowRoot!.activeElement === phone]).to.deep.equal([
      'Too many attempts. Try again in 10 minutes.',
      0,
      false,
      true,
    ]);
    // Said once more for each Enter, not on its own: the countdown's tick leaves it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await el.updateComplete;
    expect(message.firstElementChild).to.equal(after);
  });

  it('shows a whole minute and a whole hour as a clock from their first second: 1:00 and 1:00:00, never 60 or 60:00', async () => {
    for (const [after, clock] of [[60, /^重试（(1:00|59)）$/], [3600, /^重试（(1:00:00|59:59)）$/]] as const) {
      const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/rate-limited?after=${after}"></carrier-verify>`);
      await attempt(el, '张三', '13800138000', 'cv-error');
      expect(parts(el).retry!.textContent!.replace(/\s+/g, '')).to.match(clock);
    }
  });

  it('words a wait of a day, a site budget spent, in hours, and counts it down with the hours, without blaming the person', async () => {
    const el = await widget(html`<carrier-verify lang="zh-TW" endpoint="/test/rate-limited?after=86399&limit=site"></carrier-verify>`);
    await attempt(el, '张三', '13800138000', 'cv-error');
    expect(parts(el).message.textContent).to.equal('本網站驗證次數已達上限，請於 24 小時後再試');
    expect(parts(el).retry!.textContent!.replace(/\s+/g, '')).to.match(/^重試（23:59:5[89]）$/);
    el.lang = 'en';
    await el.updateComplete;
    expect(parts(el).message.textContent).to.equal('This site has reached its verification limit. Try again in 24 hours.');
    expect(parts(el).retry!.textContent!.trim()).to.match(/^Try again \(23:59:5[89]\)$/);
    el.lang = 'zh-CN';
    await el.updateComplete;
    expect(parts(el).message.textContent).to.equal('本站验证次数已达上限，请 24 小时后再试');
  });

  it('counts down a rate limit on the retry button and allows the retry only when it is over', async () => {
    const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/rate-limited?after=2"></carrier-verify>`);
    const { detail } = await attempt(el, '张三', '13800138000', 'cv-error');
    expect(detail).to.include({ code: 'RATE_LIMITED', retryAfter: 2 });
    expect(parts(el).message.textContent).to.equal('尝试次数过多，请 2 秒后再试');
    expect(parts(el).retry!.textContent!.replace(/\s+/g, '')).to.equal('重试（2）');
    expect(parts(el).retry!.getAttribute('aria-disabled')).to.equal('true');
    parts(el).name.focus();
    await sendKeys({ type: '丰' });
    await el.updateComplete;
    expect(parts(el).message.textContent, 'an edit hides the wait').to.equal('尝试次数过多，请 2 秒后再试');
    let attempts = 0;
    el.addEventListener('cv-error', () => attempts++);
    parts(el).retry!.click();
    parts(el).phone.focus();
    await sendKeys({ press: 'Enter' });
    const retryText = () => parts(el).retry!.textContent!.replace(/\s+/g, '');
    await waitUntil(() => retryText() === '重试（1）', 'the countdown never reached 1', { timeout: 2000 });
    await waitUntil(() => !parts(el).retry!.hasAttribute('aria-disabled'), 'the retry was never allowed', { timeout: 3000 });
    await el.updateComplete;
    expect(attempts).to.equal(0);
    expect(parts(el).retry!.textContent!.trim()).to.equal('重试');
    expect(parts(el).retry!.hasAttribute('aria-disabled')).to.equal(false);
    expect(parts(el).message.textContent).to.equal('现在可以重试了');
    const again = oneEvent<VerifyErrorEvent>(el, 'cv-error');
    parts(el).retry!.click();
    expect((await again).detail.code).to.equal('RATE_LIMITED');
  });

  it('holds Try again to the end of the wait, its last half second included: the proxy would refuse it still', async () => {
    const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, at - performance.now()));
    // A wait of 2 s from the refusal: Try again pressed 1.7 s in, past the middle of its last second, sends nothing.
    // A machine too busy to press it before 1.85 s (the widget's clock started a moment before this one) tries again.
    for (let run = 1; ; run++) {
      const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/rate-limited?after=2"></carrier-verify>`);
      await attempt(el, '张三', '13800138000', 'cv-error');
      const refused = performance.now();
      let attempts = 0;
      el.addEventListener('cv-error', () => attempts++);
      await sleepUntil(refused + 1700);
      if (performance.now() - refused > 1850 && run < 4) continue;
      expect(parts(el).retry!.textContent!.replace(/\s+/g, '')).to.equal('重试（1）');
      parts(el).retry!.click();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(attempts).to.equal(0);
      return;
    }
  });
});

describe('keyboard', () => {
  it('focuses the name field when the element is focused (delegatesFocus), and tabs name → number → Verify', async () => {
    const el = await widget();
    el.focus();
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).name);
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).phone);
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).button);
  });

  it("lands in the name field from the page's label for it", async () => {
    const page = await fixture<HTMLDivElement>(html`<div><label for="labelled">本人核验</label><carrier-verify id="labelled" lang="zh-CN"></carrier-verify></div>`);
    const el = page.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    const click = async (target: Element) => {
      target.scrollIntoView({ block: 'center' });
      await clickMiddle(target);
      await resetMouse();
      await el.updateComplete;
    };
    await click(page.querySelector('label')!);
    expect(el.shadowRoot!.activeElement?.id).to.equal('name');
    el.blur();
    // As for a field: a button in the label, or a label whose click the page cancels, activates nothing.
    const helped = await fixture<HTMLDivElement>(html`<div><label for="helped">本人核验 <button id="help" type="button">?</button></label><label for="helped" id="cancelled">核验</label><carrier-verify id="helped"></carrier-verify><input id="control" /></div>`);
    const other = helped.querySelector<CarrierVerify>('carrier-verify')!;
    await other.updateComplete;
    await click(helped.querySelector('#help')!);
    expect(document.activeElement?.id).to.equal('help');
    helped.querySelector('#cancelled')!.addEventListener('click', (event) => event.preventDefault());
    await click(helped.querySelector('#cancelled')!);
    expect(other.shadowRoot!.activeElement?.id ?? 'none').to.equal('none');
    await click(helped.querySelector('#control')!);
    expect(document.activeElement?.id).to.equal('control');
    // A label around the element: its text leads to the name field, a press on a field to that field.
    const wrapped = await fixture<HTMLLabelElement>(html`<label><span id="caption">本人核验</span><carrier-verify lang="zh-CN"></carrier-verify></label>`);
    const inner = wrapped.querySelector<CarrierVerify>('carrier-verify')!;
    await inner.updateComplete;
    await click(wrapped.querySelector('#caption')!);
    expect(inner.shadowRoot!.activeElement?.id).to.equal('name');
    await click(parts(inner).phone);
    expect(inner.shadowRoot!.activeElement?.id).to.equal('phone');
  });

  it('a press on one of its labels goes to that label\'s field; on its text, nowhere that would lose what was typed', async () => {
    const page = await fixture<HTMLDivElement>(html`<div><input id="outside" /><carrier-verify lang="zh-CN"></carrier-verify></div>`);
    const el = page.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    setText(parts(el).name, '张三');
    await el.updateComplete;
    const outside = page.querySelector<HTMLInputElement>('#outside')!;
    const devtools = (method: string, params: object) => executeServerCommand('devtools', { method, params });
    const at = (target: Element) => {
      const box = target.getBoundingClientRect();
      return { x: Math.round(box.x + 4), y: Math.round(box.y + box.height / 2) };
    };
    const press = async (target: Element, by: 'mouse' | 'touch') => {
      const { x, y } = at(target);
      if (by === 'mouse') {
        await sendMouse({ type: 'click', position: [x, y] });
        await resetMouse();
      } else {
        await devtools('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
        await devtools('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await el.updateComplete;
    };
    const focused = () => {
      const active = el.shadowRoot!.activeElement as HTMLInputElement | null;
      return active ? `${active.id} ${active.selectionStart}-${active.selectionEnd}` : 'outside';
    };
    const root = el.shadowRoot!;
    for (const by of ['mouse', 'touch'] as const) {
      if (by === 'touch') {
        await devtools('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
        await devtools('Emulation.setEmitTouchEventsForMouse', { enabled: true, configuration: 'mobile' });
      }
      // From outside, the number's label: the number field, the name untouched and not selected to be typed over.
      outside.focus();
      await press(root.querySelector('label[for=phone]')!, by);
      expect(focused(), by).to.equal('phone 0-0');
      await sendKeys({ type: '138' });
      expect([parts(el).name.value, parts(el).phone.value], by).to.deep.equal(['张三', '138']);
      // The notice under the fields: from outside, the name field with the caret after the name; from the number
      // field, the number field still.
      outside.focus();
      await press(root.querySelector('[part=privacy]')!, by);
      expect(focused(), by).to.equal('name 2-2');
      parts(el).phone.focus();
      await press(root.querySelector('[part=privacy]')!, by);
      expect(focused(), by).to.equal('phone 3-3');
      // The name's label, from the number field: the name field.
      await press(root.querySelector('label[for=name]')!, by);
      expect(focused().split(' ')[0], by).to.equal('name');
      setText(parts(el).phone, '');
      await el.updateComplete;
    }
    await devtools('Emulation.setEmitTouchEventsForMouse', { enabled: false });
    await devtools('Emulation.setTouchEmulationEnabled', { enabled: false });
  });

  it('moves on to the number with Enter in the name while the number is empty (a phone keyboard\'s Next), saying nothing', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    const { name, phone, phoneError } = parts(el);
    const events: string[] = [];
    for (const type of ['cv-invalid', 'cv-verified', 'cv-error']) el.addEventListener(type, () => events.push(type));
    expect([name.getAttribute('enterkeyhint'), phone.getAttribute('enterkeyhint')]).to.deep.equal(['next', 'go']);
    el.focus();
    await sendKeys({ type: '张三' });
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect([el.shadowRoot!.activeElement, phoneError.textContent, phone.getAttribute('aria-invalid'), events, el.status]).to.deep.equal([phone, '', 'false', [], 'idle']);
  });

  it('submits with Enter from the name field once the number is typed, and moves the focus to the first wrong field', async () => {
    const el = await widget();
    const { name, phone } = parts(el);
    el.fill({ phoneNumber: '1380013' });
    await el.updateComplete;
    expect(name.getAttribute('enterkeyhint'), 'Enter in the name now verifies').to.equal('go');
    name.focus();
    await sendKeys({ type: '张三' });
    const invalid = oneEvent<InvalidEvent>(el, 'cv-invalid');
    await sendKeys({ press: 'Enter' });
    expect((await invalid).detail).to.deep.equal({ field: 'phone', reason: 'too-short' });
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal(phone);
  });

  /** Types a matching pair, the number after a Tab, and presses Enter in the number field: the verified event's detail. */
  async function verifyByKeyboard(el: CarrierVerify): Promise<VerifiedEvent['detail']> {
    el.focus();
    await sendKeys({ type: '张三' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '13800138000' });
    const verified = oneEvent<VerifiedEvent>(el, 'cv-verified');
    await sendKeys({ press: 'Enter' });
    return (await verified).detail;
  }

  it('verifies with Enter from the number field', async () => {
    const el = await widget();
    expect((await verifyByKeyboard(el)).code).to.equal('FP00000');
  });

  it('sends the page\'s form with Enter in its fields once verified, as Enter in the form\'s own fields does', async () => {
    const form = await fixture<HTMLFormElement>(
      html`<form action="/nowhere"><input name="email" /><carrier-verify></carrier-verify><button type="button">Cancel</button><button>Sign up</button></form>`,
    );
    const el = form.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    const sent: string[] = [];
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      sent.push(event.submitter?.textContent ?? 'no submitter');
    });
    const enterIn = async (field: HTMLInputElement) => {
      field.focus();
      await sendKeys({ press: 'Enter' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    // The first Enter verifies, and sends nothing.
    await verifyByKeyboard(el);
    // Nor does a second press at once, taken for the first one's bounce.
    await enterIn(parts(el).phone);
    expect(sent).to.deep.equal([]);
    // Past that moment:
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Verified: Enter in either field sends the form by its default button, as in the page's own field.
    await enterIn(parts(el).phone);
    await enterIn(parts(el).name);
    await enterIn(form.querySelector<HTMLInputElement>('[name=email]')!);
    expect(sent).to.deep.equal(['Sign up', 'Sign up', 'Sign up']);
    expect(el.status).to.equal('verified');
    // A disabled default button sends nothing, from either.
    form.querySelector<HTMLButtonElement>('button:not([type])')!.disabled = true;
    await enterIn(parts(el).phone);
    await enterIn(form.querySelector<HTMLInputElement>('[name=email]')!);
    expect(sent).to.have.length(3);
    expect(el.status).to.equal('verified');
  });

  it('leaves Enter to an input method while it composes: nothing half-typed is checked or sent', async () => {
    const el = await widget();
    const heard: string[] = [];
    for (const type of ['cv-invalid', 'cv-verified', 'cv-mismatch', 'cv-not-found', 'cv-error']) el.addEventListener(type, () => heard.push(type));
    const ime = (method: string, text: string) => executeServerCommand('devtools', { method, params: { text, selectionStart: text.length, selectionEnd: text.length } });
    setText(parts(el).phone, '13800138000');
    parts(el).name.focus();
    // Pinyin, with its candidate shown before it is chosen: the Enter commits nothing here, and submits nothing.
    await ime('Input.imeSetComposition', 'zhang');
    await sendKeys({ press: 'Enter' });
    await ime('Input.imeSetComposition', '张三');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(heard).to.deep.equal([]);
    expect(el.status).to.equal('idle');
    // Chosen: Enter verifies what was committed.
    await ime('Input.insertText', '张三');
    const verified = oneEvent<VerifiedEvent>(el, 'cv-verified');
    await sendKeys({ press: 'Enter' });
    expect((await verified).detail.code).to.equal('FP00000');
    expect(heard).to.deep.equal(['cv-verified']);
  });

  it('makes one attempt of a held Enter: its repeats neither verify again nor unlock and verify a verified pair', async () => {
    const key = (type: 'keyDown' | 'keyUp', autoRepeat = false) =>
      executeServerCommand('devtools', {
        method: 'Input.dispatchKeyEvent',
        params: { type, key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, ...(type === 'keyDown' ? { text: '\r', autoRepeat } : {}) },
      });
    const el = await widget();
    const heard: string[] = [];
    for (const type of ['cv-invalid', 'cv-verified', 'cv-mismatch', 'cv-not-found', 'cv-error', 'cv-cleared']) el.addEventListener(type, () => heard.push(type));
    await fill(el, '李四', '13800138000');
    parts(el).name.focus();
    const mismatch = oneEvent(el, 'cv-mismatch');
    await key('keyDown');
    await mismatch;
    // Held past the moment in which the same fields are taken for a double click: the repeats alone are ignored.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (let i = 0; i < 5; i++) await key('keyDown', true);
    await key('keyUp');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).to.deep.equal(['cv-mismatch']);
    // Held on Change: the pair is unlocked once, and the repeats that reach the name field send nothing.
    await fill(el, '张三', '13800138000');
    const verified = oneEvent(el, 'cv-verified');
    parts(el).button.click();
    await verified;
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 600));
    parts(el).change!.focus();
    await key('keyDown');
    for (let i = 0; i < 5; i++) await key('keyDown', true);
    await key('keyUp');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).to.deep.equal(['cv-mismatch', 'cv-verified', 'cv-cleared']);
    expect(el.status).to.equal('idle');
  });

  it('takes the second click of a double click for the first: the same fields are not sent again as the answer comes back', async () => {
    const el = await widget();
    const heard: string[] = [];
    el.addEventListener('cv-mismatch', () => heard.push('cv-mismatch'));
    el.addEventListener('cv-not-found', () => heard.push('cv-not-found'));
    await fill(el, '李四', '13800138000');
    const click = () => clickMiddle(parts(el).button);
    const answered = oneEvent(el, 'cv-mismatch');
    await click();
    await answered;
    await click();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).to.deep.equal(['cv-mismatch']);
    // Other fields are another attempt at once; the same ones, asked again a moment later, too.
    await fill(el, '张三', '13900139000');
    const notFound = oneEvent(el, 'cv-not-found');
    await click();
    await notFound;
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = oneEvent(el, 'cv-not-found');
    await click();
    await again;
    await resetMouse();
    expect(heard).to.deep.equal(['cv-mismatch', 'cv-not-found', 'cv-not-found']);
  });

  it('takes Enter on Try again, just after the answer, for an attempt: a key is no double click', async () => {
    // /test/html-error answers 502 at once: UPSTREAM_ERROR, which offers Try again.
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/html-error"></carrier-verify>`);
    await attempt(el, '张三', '13800138000', 'cv-error');
    parts(el).retry!.focus();
    const again = oneEvent(el, 'cv-error');
    await sendKeys({ press: 'Enter' });
    expect((await again).detail.code).to.equal('UPSTREAM_ERROR');
  });

  it('takes a double click on Try again for one attempt: a failed call that may have been billed is not made twice', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/html-error"></carrier-verify>`);
    const heard: string[] = [];
    el.addEventListener('cv-error', (event) => heard.push(event.detail.code));
    await attempt(el, '张三', '13800138000', 'cv-error');
    // The person reads the message, then double-clicks Try again: its answer is back before the second click lands.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const click = () => clickMiddle(parts(el).retry!);
    const retried = oneEvent(el, 'cv-error');
    await click();
    await retried;
    await el.updateComplete;
    await click();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(heard).to.deep.equal(['UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
    // Asked again a moment later, it is another attempt.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = oneEvent(el, 'cv-error');
    await click();
    await again;
    await resetMouse();
    expect(heard).to.have.length(3);
  });

  it('verifies again at once after Change, the fields as they were: a press after Change is no double click', async () => {
    const el = await widget();
    await attempt(el, '张三', '13800138000', 'cv-verified');
    parts(el).change!.click();
    await el.updateComplete;
    const again = oneEvent<VerifiedEvent>(el, 'cv-verified');
    parts(el).button.click();
    await el.updateComplete;
    expect(el.status).to.equal('verifying');
    expect((await again).detail.code).to.equal('FP00000');
  });

  it('speaks a refusal again when the same wrong fields are sent again: its error is new text in the live region', async () => {
    const el = await widget();
    el.focus();
    await sendKeys({ type: '张' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '138' });
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const { nameError, phoneError } = parts(el);
    const first = [nameError.textContent, phoneError.textContent];
    expect(first.every((text) => text !== '')).to.equal(true);
    const added: string[] = [];
    const observer = new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) added.push(`${(record.target as Element).id}:${node.textContent}`);
    });
    for (const region of [nameError, phoneError]) observer.observe(region, { childList: true, subtree: true });
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    observer.disconnect();
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).name);
    expect([nameError.textContent, phoneError.textContent]).to.deep.equal(first);
    expect(added).to.include.members([`name-error:${first[0]}`, `phone-error:${first[1]}`]);
  });

  it('names the first of two wrong fields first', async () => {
    const el = await widget();
    await attempt(el, 'Zhang', '123', 'cv-invalid');
    expect(el.shadowRoot!.activeElement).to.equal(parts(el).name);
    expect(parts(el).name.getAttribute('aria-invalid')).to.equal('true');
    expect(parts(el).phone.getAttribute('aria-invalid')).to.equal('true');
  });
});

/** Windows' contrast themes, emulated through DevTools. */
const forcedColors = (value: 'active' | 'none') =>
  executeServerCommand('devtools', { method: 'Emulation.setEmulatedMedia', params: { features: [{ name: 'forced-colors', value }] } });

describe('look', () => {
  afterEach(() => emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' }));

  const background = (el: CarrierVerify) => getComputedStyle(el.shadowRoot!.querySelector('form')!).backgroundColor;

  it('is light by default, dark with theme="dark", and follows the system with theme="auto"', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const plain = await widget();
    expect(background(plain)).to.equal('rgb(255, 255, 255)');
    const dark = await widget(html`<carrier-verify theme="dark"></carrier-verify>`);
    expect(background(dark)).to.equal('rgb(22, 27, 34)');
    const auto = await widget(html`<carrier-verify theme="auto"></carrier-verify>`);
    expect(background(auto)).to.equal('rgb(22, 27, 34)');
    await emulateMedia({ colorScheme: 'light' });
    expect(background(auto)).to.equal('rgb(255, 255, 255)');
  });

  it('takes the site’s custom properties from an ancestor, in any theme', async () => {
    const host = await widget(html`<div style="--cv-accent: rgb(200, 0, 90); --cv-bg: rgb(250, 250, 240)"><carrier-verify theme="dark"></carrier-verify></div>`);
    const el = host.querySelector('carrier-verify')!;
    await el.updateComplete;
    expect(getComputedStyle(parts(el).button).backgroundColor).to.equal('rgb(200, 0, 90)');
    expect(background(el)).to.equal('rgb(250, 250, 240)');
  });

  it('exposes its fields, button and messages as parts', async () => {
    const host = await widget(html`<div>
      <style>
        .styled::part(name-input) { border-color: rgb(1, 2, 3); }
        .styled::part(button) { background-color: rgb(4, 5, 6); }
        .styled::part(message) { color: rgb(7, 8, 9); }
        .styled::part(error) { color: rgb(10, 11, 12); }
      </style>
      <carrier-verify class="styled" lang="en"></carrier-verify>
    </div>`);
    const el = host.querySelector('carrier-verify')!;
    await attempt(el, 'Zhang', '13800138000', 'cv-invalid');
    expect(getComputedStyle(parts(el).name).borderTopColor).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(parts(el).button).backgroundColor).to.equal('rgb(4, 5, 6)');
    expect(getComputedStyle(parts(el).message).color).to.equal('rgb(7, 8, 9)');
    expect(getComputedStyle(parts(el).nameError).color).to.equal('rgb(10, 11, 12)');
  });

  it('names a wrong field and the tone of its hint and outcome in parts, for a site that styles its own fields', async () => {
    // A site's own field style (a Bootstrap-like border) replaces the widget's red border: it puts its own on `invalid`.
    const host = await widget(html`<div>
      <style>
        .styled::part(input) { border-color: rgb(1, 2, 3); }
        .styled::part(invalid) { border-color: rgb(200, 0, 0); }
        .styled::part(hint-warning) { color: rgb(4, 5, 6); }
        .styled::part(message-error) { color: rgb(7, 8, 9); }
        .styled::part(message-success) { color: rgb(10, 11, 12); }
      </style>
      <carrier-verify class="styled" lang="en"></carrier-verify>
    </div>`);
    const el = host.querySelector('carrier-verify')!;
    const border = (input: HTMLElement) => getComputedStyle(input).borderTopColor;
    await attempt(el, 'Zhang', '1440', 'cv-invalid');
    expect([border(parts(el).name), border(parts(el).phone)]).to.deep.equal(['rgb(200, 0, 0)', 'rgb(200, 0, 0)']);
    await attempt(el, '张三', '14412345678', 'cv-invalid');
    expect([border(parts(el).name), border(parts(el).phone)]).to.deep.equal(['rgb(1, 2, 3)', 'rgb(200, 0, 0)']);
    // The hint says nothing while the number's error does: no tone for a page to draw an empty box around.
    expect(el.shadowRoot!.querySelector('#phone-hint')!.getAttribute('part')).to.equal('hint');
    await attempt(el, '李四', '13800138000', 'cv-mismatch');
    expect([border(parts(el).name), border(parts(el).phone)]).to.deep.equal(['rgb(1, 2, 3)', 'rgb(1, 2, 3)']);
    expect(getComputedStyle(parts(el).message).color).to.equal('rgb(7, 8, 9)');
    el.fill({ phoneNumber: '1440' });
    await el.updateComplete;
    expect(getComputedStyle(el.shadowRoot!.querySelector('#phone-hint')!).color).to.equal('rgb(4, 5, 6)');
    await attempt(el, '张三', '13800138000', 'cv-verified');
    expect(getComputedStyle(parts(el).message).color).to.equal('rgb(10, 11, 12)');
  });

  it("colours a rate limit's wait as a warning and a failed service as an error", async () => {
    const limited = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?after=30"></carrier-verify>`);
    await attempt(limited, '张三', '13800138000', 'cv-error');
    expect([parts(limited).message.getAttribute('part'), getComputedStyle(parts(limited).message).color]).to.deep.equal(['message message-warning', 'rgb(138, 92, 0)']);
    const failed = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    await attempt(failed, '张三', '13800000500', 'cv-error');
    expect([parts(failed).message.getAttribute('part'), getComputedStyle(parts(failed).message).color]).to.deep.equal(['message message-error', 'rgb(198, 40, 40)']);
  });

  it('exposes its status as a custom state for the page to style', async () => {
    const host = await widget(html`<div>
      <style>
        carrier-verify:state(verified) { outline: 3px solid rgb(0, 128, 0); }
      </style>
      <carrier-verify></carrier-verify>
    </div>`);
    const el = host.querySelector('carrier-verify')!;
    expect(el.matches(':state(idle)')).to.equal(true);
    expect(getComputedStyle(el).outlineStyle).to.equal('none');
    await attempt(el, '张三', '13800138000', 'cv-verified');
    expect(el.matches(':state(verified)')).to.equal(true);
    expect(el.matches(':state(idle)')).to.equal(false);
    expect(getComputedStyle(el).outlineColor).to.equal('rgb(0, 128, 0)');
  });

  it('shows a focus ring on the focused field', async () => {
    const el = await widget();
    el.focus();
    await sendKeys({ press: 'Tab' });
    const style = getComputedStyle(parts(el).phone);
    expect(style.outlineStyle).to.equal('solid');
    expect(style.outlineWidth).to.equal('2px');
  });

  it('marks a wrong field, a button that cannot be used and the turning spinner in forced colours, where colours and shadows are the system’s', async () => {
    await forcedColors('active');
    try {
      expect(matchMedia('(forced-colors: active)').matches).to.equal(true);
      const el = await widget();
      await attempt(el, 'Zhang', '13800138000', 'cv-invalid');
      parts(el).button.focus();
      expect(getComputedStyle(parts(el).name).borderTopStyle).to.equal('double');
      expect(getComputedStyle(parts(el).phone).borderTopStyle).to.equal('solid');
      await fill(el, '张三', '13800138000');
      parts(el).button.click();
      await el.updateComplete;
      const spinner = getComputedStyle(el.shadowRoot!.querySelector('.spinner')!);
      expect(spinner.borderRightColor).to.equal('rgba(0, 0, 0, 0)');
      expect(spinner.borderTopColor).not.to.equal('rgba(0, 0, 0, 0)');
      el.reset();
      // A button that cannot be used is in the system's grey, as a disabled one is, though it keeps the focus.
      const grey = await fixture<HTMLElement>(html`<span style="color: GrayText">grey</span>`);
      await attempt(el, '张三', '13800138000', 'cv-verified');
      expect(parts(el).button.getAttribute('aria-disabled')).to.equal('true');
      expect(getComputedStyle(parts(el).button).color).to.equal(getComputedStyle(grey).color);
      expect(getComputedStyle(el.shadowRoot!.querySelector('[part="change-button"]')!).color).not.to.equal(getComputedStyle(grey).color);
    } finally {
      await forcedColors('none');
    }
  });

  it('fades a button that cannot be used by its colours, so that its focus ring stays whole', async () => {
    const el = await widget();
    const enabled = getComputedStyle(parts(el).button).backgroundColor;
    await attempt(el, '张三', '13800138000', 'cv-verified');
    parts(el).button.focus();
    const style = getComputedStyle(parts(el).button);
    expect(parts(el).button.getAttribute('aria-disabled')).to.equal('true');
    expect(style.opacity).to.equal('1');
    expect(style.backgroundColor).not.to.equal(enabled);
    expect(style.outlineStyle).to.equal('solid');
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`fades the fields of a disabled element, in its own attribute or a disabled fieldset, so that they do not look editable (${theme})`, async () => {
      const host = await widget(html`<div>
        <carrier-verify theme=${theme}></carrier-verify>
        <fieldset disabled><carrier-verify theme=${theme}></carrier-verify></fieldset>
        <carrier-verify theme=${theme} disabled></carrier-verify>
      </div>`);
      const [enabled, inFieldset, disabled] = [...host.querySelectorAll('carrier-verify')].map((el) => parts(el));
      await Promise.all([...host.querySelectorAll('carrier-verify')].map((el) => el.updateComplete));
      const look = (input: HTMLInputElement) => {
        const style = getComputedStyle(input);
        return { color: style.color, background: style.backgroundColor, border: style.borderTopColor, cursor: style.cursor };
      };
      for (const off of [inFieldset!, disabled!]) {
        for (const field of ['name', 'phone'] as const) {
          expect(off[field].disabled, field).to.equal(true);
          const [on, faded] = [look(enabled![field]), look(off[field])];
          expect(faded.color, `${field} text`).not.to.equal(on.color);
          expect(faded.background, `${field} background`).not.to.equal(on.background);
          expect(faded.border, `${field} border`).not.to.equal(on.border);
          expect(faded.cursor, `${field} cursor`).to.equal('not-allowed');
        }
      }
    });
  }

  it('keeps the error regions in the page while empty, taking no room', async () => {
    const el = await widget();
    const field = el.shadowRoot!.querySelector('[part~="name-field"]')!.getBoundingClientRect();
    expect(getComputedStyle(parts(el).nameError).display).to.equal('block');
    expect(getComputedStyle(parts(el).phoneError).display).to.equal('block');
    // The field ends where its last shown line, the name's hint, ends: the empty error region under it adds nothing.
    const hint = el.shadowRoot!.querySelector('#name-hint')!.getBoundingClientRect();
    expect(Math.abs(field.bottom - hint.bottom) < 0.5).to.equal(true);
  });

  it('stops the busy spinner turning when the person asks for reduced motion', async () => {
    const spinning = async () => {
      const el = await widget();
      await fill(el, '张三', '13800138000');
      parts(el).button.click();
      await el.updateComplete;
      // Read while the request is still under way: the spinner goes with the answer.
      const name = getComputedStyle(el.shadowRoot!.querySelector('.spinner')!).animationName;
      el.reset();
      return name;
    };
    expect(await spinning()).to.equal('spin');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(await spinning()).to.equal('none');
  });
});
