// <carrier-verify> in Chromium against the real proxy on the sandbox: each event and its detail, labels, status, token, reset.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../widget/define.js';
import { CarrierVerify } from '../../widget/carrier-verify.js';
import { eventNames } from '../../widget/events.js';
import type { Outcome } from '../../widget/client.js';

const inputs = (el: CarrierVerify) => ({
  name: el.shadowRoot!.querySelector<HTMLInputElement>('#name')!,
  phone: el.shadowRoot!.querySelector<HTMLInputElement>('#phone')!,
  button: el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="button"]')!,
  message: el.shadowRoot!.querySelector<HTMLElement>('[part~="message"]')!,
});

/** Types into a field as a person would: value set, then an input event. */
function type(input: HTMLInputElement, text: string): void {
  input.focus();
  input.value = text;
  input.setSelectionRange(text.length, text.length);
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: text }));
}

async function widget(attrs = html`<carrier-verify lang="zh-CN"></carrier-verify>`): Promise<CarrierVerify> {
  const el = await fixture<CarrierVerify>(attrs);
  await el.updateComplete;
  return el;
}

async function fillAndClick(el: CarrierVerify, name: string, phone: string): Promise<void> {
  const { name: nameInput, phone: phoneInput, button } = inputs(el);
  type(nameInput, name);
  type(phoneInput, phone);
  await el.updateComplete;
  button.click();
}

const accessibleName = (el: CarrierVerify, id: string) => {
  const input = el.shadowRoot!.querySelector<HTMLInputElement>(`#${id}`)!;
  return Array.from(input.labels ?? [], (label) => label.textContent?.trim()).join(' ');
};

/** The events `el` fires from now on, in order, each as `describe` words it (its type alone by default). */
function eventsHeard(el: CarrierVerify, describe: (type: string, detail: Record<string, unknown>) => string = (type) => type): string[] {
  const seen: string[] = [];
  for (const type of eventNames) el.addEventListener(type, (event) => seen.push(describe(type, (event as unknown as { detail: Record<string, unknown> }).detail)));
  return seen;
}

/** An event as its type and its code: `cv-error:ABORTED`, `cv-verified:FP00000`, `cv-invalid:`. */
const withCode = (type: string, detail: Record<string, unknown>) => `${type}:${detail.code ?? ''}`;

describe('<carrier-verify>', () => {
  it('writes no attribute of its own into the markup it was given, verified or not (a page rendered on the server hydrates against it)', async () => {
    const el = await widget(html`<carrier-verify site-key="sandbox" required></carrier-verify>`);
    expect(el.getAttributeNames()).to.deep.equal(['site-key', 'required']);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    expect((await el.verify()).status).to.equal('verified');
    await el.updateComplete;
    expect(el.getAttributeNames()).to.deep.equal(['site-key', 'required']);
  });

  it('has the pinned defaults', async () => {
    const el = await widget();
    expect(el.endpoint).to.equal('/api/verify');
    expect(el.name).to.equal('carrier-verify-token');
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(el.required).to.equal(false);
    expect(el.disabled).to.equal(false);
  });

  for (const [lang, name, phone, button] of [
    ['zh-CN', '姓名', '手机号', '验证'],
    ['zh-TW', '姓名', '手機號碼', '驗證'],
    ['en', 'Name', 'Mobile number', 'Verify'],
  ] as const) {
    it(`labels its fields and button in ${lang}`, async () => {
      const el = await fixture<CarrierVerify>(html`<carrier-verify lang=${lang}></carrier-verify>`);
      await el.updateComplete;
      expect(accessibleName(el, 'name')).to.contain(name);
      expect(accessibleName(el, 'phone')).to.contain(phone);
      expect(inputs(el).button.textContent).to.contain(button);
    });
  }

  it('fires cv-verified with a token for a directory pair, and holds the token', async () => {
    const el = await widget();
    setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
    const event = await oneEvent(el, 'cv-verified');
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
    expect(event.detail).to.include({ code: 'FP00000', message: 'SUCCESS', carrier: 'china-mobile', phoneMasked: '138****8000' });
    expect(event.detail.token).to.be.a('string').and.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await el.updateComplete;
    expect(el.status).to.equal('verified');
    expect(el.token).to.equal(event.detail.token);
    expect(inputs(el).message.textContent).to.contain('验证通过');
    expect(inputs(el).name.readOnly).to.equal(true);
  });

  for (const [name, phone] of [
    ['李四', '18612345678'],
    ['王五', '13312345678'],
    ['买买提·艾力', '19212345678'],
    ['欧阳娜娜', '17012345678'],
    ['𠮷祥', '15912345678'],
  ]) {
    it(`verifies ${name} / ${phone}`, async () => {
      const el = await widget();
      setTimeout(() => void fillAndClick(el, name, phone));
      const event = await oneEvent(el, 'cv-verified');
      expect(event.detail.code).to.equal('FP00000');
    });
  }

  it('sends the text the fields show even when it was put there without an input event, as some autofills do', async () => {
    const el = await widget();
    const { name, phone } = inputs(el);
    name.value = '张三';
    phone.value = '+86 138-0013-8000';
    const outcome = await el.verify();
    expect(outcome.status).to.equal('verified');
    expect(el.verifiedPair).to.deep.equal({ name: '张三', phoneNumber: '13800138000' });
    await el.updateComplete;
    // The number is grouped as typed text is, and a field emptied that way is empty to the check too.
    expect(phone.value).to.equal('138 0013 8000');
    el.reset();
    await el.updateComplete;
    type(name, '张三');
    type(phone, '13800138000');
    await el.updateComplete;
    name.value = '';
    expect((await el.verify()).detail).to.deep.equal({ field: 'name', reason: 'empty' });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('#name-error')!.textContent).to.contain('姓名');
  });

  it('drops its token when the page sets another site key or endpoint, for whose site it was not issued', async () => {
    for (const change of [(el: CarrierVerify) => (el.siteKey = 'another-site'), (el: CarrierVerify) => el.setAttribute('endpoint', '/elsewhere/api/verify')]) {
      const el = await widget();
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      expect((await el.verify()).status).to.equal('verified');
      const cleared = oneEvent(el, 'cv-cleared');
      change(el);
      expect((await cleared).detail.reason).to.equal('reconfigured');
      await el.updateComplete;
      expect([el.status, el.token]).to.deep.equal(['idle', null]);
    }
    // An attempt under way ends as ABORTED: its answer would be for the site it was sent for.
    const el = await widget();
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const outcome = el.verify();
    await el.updateComplete;
    el.siteKey = 'another-site';
    expect((await outcome).detail).to.include({ code: 'ABORTED' });
    expect(el.token).to.equal(null);
    // Set just before verify(), in the same task, before any render: the attempt is sent with them, and goes on.
    const fresh = document.createElement('carrier-verify');
    document.body.append(fresh);
    fresh.fill({ name: '张三', phoneNumber: '13800138000' });
    fresh.siteKey = 'sandbox';
    fresh.endpoint = '/api/verify';
    expect((await fresh.verify()).status).to.equal('verified');
    await fresh.updateComplete;
    expect(fresh.token).to.be.a('string');
    fresh.remove();
  });

  it('keeps status and token read-only: a page cannot set a verification it did not get', async () => {
    const el = await widget();
    const writable = el as unknown as { status: string; token: string | null };
    expect(() => (writable.status = 'verified')).to.throw(TypeError);
    expect(() => (writable.token = 'forged')).to.throw(TypeError);
    el.setAttribute('status', 'verified');
    el.setAttribute('token', 'forged');
    await el.updateComplete;
    expect([el.status, el.token]).to.deep.equal(['idle', null]);
    // Nor does a form see one.
    const form = document.createElement('form');
    form.append(el);
    document.body.append(form);
    expect(new FormData(form).get(el.name)).to.equal(null);
    form.remove();
  });

  it('fires cv-mismatch for another name, with no token', async () => {
    const el = await widget();
    setTimeout(() => void fillAndClick(el, '李四', '13800138000'));
    const event = await oneEvent(el, 'cv-mismatch');
    expect(event.detail).to.deep.equal({ code: 'FP03333', message: '认证信息不一致' });
    await el.updateComplete;
    expect(el.status).to.equal('mismatch');
    expect(el.token).to.equal(null);
    expect(inputs(el).message.textContent).to.contain('不一致');
  });

  it('sends none of the page\'s cookies with a verification', async () => {
    document.cookie = 'session=page-session-of-the-site; path=/';
    try {
      const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/cookie-told"></carrier-verify>`);
      const heard = eventsHeard(el, withCode);
      await fillAndClick(el, '李四', '13800138000');
      await waitUntil(() => heard.length > 0);
      expect(heard).to.deep.equal(['cv-mismatch:FP03333']);
    } finally {
      document.cookie = 'session=; path=/; max-age=0';
    }
  });

  it('fires cv-not-found for an unknown number', async () => {
    const el = await widget();
    setTimeout(() => void fillAndClick(el, '张三', '13900139000'));
    const event = await oneEvent(el, 'cv-not-found');
    expect(event.detail).to.deep.equal({ code: 'KYC1101', message: '信息不存在' });
    await el.updateComplete;
    expect(el.status).to.equal('not-found');
  });

  it('fires cv-error UPSTREAM_ERROR for the 500 fault number', async () => {
    const el = await widget();
    setTimeout(() => void fillAndClick(el, '张三', '13800000500'));
    const event = await oneEvent(el, 'cv-error');
    expect(event.detail).to.include({ code: 'UPSTREAM_ERROR', retryable: true });
    await el.updateComplete;
    expect(el.status).to.equal('error');
    expect(inputs(el).message.textContent).to.contain('暂时不可用');
  });

  it('fires cv-error UPSTREAM_TIMEOUT for the no-answer fault number, busy meanwhile', async () => {
    const el = await widget();
    setTimeout(() => void fillAndClick(el, '张三', '13800000504'));
    await new Promise((r) => setTimeout(r, 100));
    await el.updateComplete;
    expect(el.status).to.equal('verifying');
    expect(inputs(el).button.getAttribute('aria-busy')).to.equal('true');
    expect(inputs(el).button.textContent!.trim(), 'its name holds still while busy').to.equal('验证');
    expect(inputs(el).message.textContent).to.equal('验证中…');
    // Shown, not only announced: a spinner that reduced motion stills says nothing on its own.
    expect(inputs(el).message.getBoundingClientRect().height, 'the message is seen').to.be.greaterThan(20);
    const event = await oneEvent(el, 'cv-error');
    expect(event.detail).to.include({ code: 'UPSTREAM_TIMEOUT', retryable: true });
  });

  it('fires cv-error RATE_LIMITED with retryAfter from the proxy', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited"></carrier-verify>`);
    setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
    const event = await oneEvent(el, 'cv-error');
    expect(event.detail).to.deep.equal({ code: 'RATE_LIMITED', message: 'Too many requests', retryable: true, retryAfter: 7 });
    await el.updateComplete;
    expect(inputs(el).message.textContent).to.contain('Try again in 7 seconds');
  });

  it('fires cv-error for an answer that is not JSON, and for a proxy that cannot be reached', async () => {
    const teapot = await widget(html`<carrier-verify endpoint="/test/plain-status?status=418"></carrier-verify>`);
    setTimeout(() => void fillAndClick(teapot, '张三', '13800138000'));
    expect((await oneEvent(teapot, 'cv-error')).detail).to.include({ code: 'BAD_RESPONSE', retryable: true });
    const unreachable = await widget(html`<carrier-verify endpoint="http://127.0.0.1:9/api/verify"></carrier-verify>`);
    setTimeout(() => void fillAndClick(unreachable, '张三', '13800138000'));
    expect((await oneEvent(unreachable, 'cv-error')).detail).to.include({ code: 'NETWORK_ERROR', retryable: true });
  });

  /** The detail of a verification against `endpoint`, one of the test server's stand-ins for a gateway. */
  const outcomeOf = async (endpoint: string) => {
    const el = await widget(html`<carrier-verify endpoint=${endpoint}></carrier-verify>`);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    return (await el.verify()).detail;
  };

  it('reads what a gateway in front of the proxy meant from its status when it answers without JSON', async () => {
    expect(await outcomeOf('/test/html-error')).to.include({ code: 'UPSTREAM_ERROR', retryable: true });
    expect(await outcomeOf('/test/plain-status?status=504')).to.include({ code: 'UPSTREAM_TIMEOUT', retryable: true });
    expect(await outcomeOf('/test/plain-status?status=503')).to.include({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(await outcomeOf('/test/plain-status?status=429&after=12')).to.include({ code: 'RATE_LIMITED', retryable: true, retryAfter: 12 });
  });

  it('reads the status of a gateway that answers in JSON of its own shape, and of nothing else', async () => {
    expect(await outcomeOf('/test/json-status?status=429&after=9')).to.include({ code: 'RATE_LIMITED', retryable: true, retryAfter: 9 });
    expect(await outcomeOf('/test/json-status?status=502')).to.include({ code: 'UPSTREAM_ERROR', retryable: true });
    expect(await outcomeOf('/test/json-status?status=503')).to.include({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    // A status that says nothing the widget can act on stays a bad response.
    expect(await outcomeOf('/test/json-status?status=418')).to.include({ code: 'BAD_RESPONSE' });
  });

  for (const [endpoint, what] of [
    ['/test/no-answer', 'never answers'],
    ['/test/stalled-body', 'stops sending its answer after the first bytes'],
    ['/test/cut-body', 'cuts the connection after the first bytes of its answer'],
  ]) {
    it(`gives up on a proxy that ${what}, with one retryable cv-error NETWORK_ERROR`, async () => {
      const el = await widget(html`<carrier-verify endpoint=${endpoint}></carrier-verify>`);
      const { timeout } = CarrierVerify;
      CarrierVerify.timeout = 300;
      try {
        const seen = eventsHeard(el);
        el.fill({ name: '张三', phoneNumber: '13800138000' });
        const outcome = await el.verify();
        expect(outcome.detail).to.include({ code: 'NETWORK_ERROR', retryable: true });
        await el.updateComplete;
        expect(seen).to.deep.equal(['cv-error']);
        expect(el.status).to.equal('error');
        expect(inputs(el).message.textContent).to.contain('网络');
      } finally {
        CarrierVerify.timeout = timeout;
      }
    });
  }

  it('posts to the default endpoint, and keeps the default field name, when a script or binding unsets them', async () => {
    const el = await widget(html`<carrier-verify endpoint="/somewhere" name="kyc"></carrier-verify>`);
    const sent: string[] = [];
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      sent.push(new URL(String(input), location.href).pathname);
      return realFetch(input, init);
    };
    try {
      el.removeAttribute('endpoint');
      el.removeAttribute('name');
      await el.updateComplete;
      expect(el.name).to.equal('carrier-verify-token');
      // The default is no attribute of the element's own making: a page rendered on the server would not match it.
      expect(el.getAttribute('name')).to.equal(null);
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      expect((await el.verify()).status).to.equal('verified');
      (el as { endpoint: unknown }).endpoint = undefined;
      await el.updateComplete;
      expect(el.endpoint).to.equal('/api/verify');
      el.fill({ name: '李四', phoneNumber: '18612345678' });
      expect((await el.verify()).status).to.equal('verified');
      expect(sent).to.deep.equal(['/api/verify', '/api/verify']);
    } finally {
      window.fetch = realFetch;
    }
  });

  it('drops the attribute of a name or lang a binding unsets (React sets a prop it no longer has to undefined), and its default holds', async () => {
    const form = await fixture<HTMLFormElement>(html`<form><carrier-verify name="kyc" lang="en"></carrier-verify></form>`);
    const el = form.querySelector<CarrierVerify>('carrier-verify')!;
    await el.updateComplete;
    (el as { name: unknown }).name = undefined;
    (el as { lang: unknown }).lang = null;
    await el.updateComplete;
    expect([el.getAttribute('name'), el.getAttribute('lang'), el.name, el.lang]).to.deep.equal([null, null, 'carrier-verify-token', 'zh-CN']);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    expect((await el.verify()).status).to.equal('verified');
    expect([...new FormData(form).keys()]).to.deep.equal(['carrier-verify-token']);
    el.name = 'kyc';
    await el.updateComplete;
    expect([el.getAttribute('name'), ...new FormData(form).keys()]).to.deep.equal(['kyc', 'kyc']);
  });

  for (const [field, name, phone, reason, text] of [
    ['name', '', '13800138000', 'empty', '请输入姓名'],
    ['name', '张', '13800138000', 'too-short', '至少 2 个汉字'],
    ['name', '张'.repeat(51), '13800138000', 'too-long', '最多 50'],
    ['name', 'Zhang', '13800138000', 'bad-character', '仅支持中文姓名'],
    ['name', '·张三', '13800138000', 'bad-separator', '间隔号'],
    ['phone', '张三', '', 'empty', '请输入手机号'],
    ['phone', '张三', '1380013800', 'too-short', '11 位'],
    ['phone', '张三', '138001380001', 'too-long', '11 位'],
    ['phone', '张三', '12345678901', 'not-mobile', '请输入中国大陆手机号'],
    ['phone', '张三', '138abc', 'invalid', '请输入中国大陆手机号（+86）'],
  ] as const) {
    it(`fires cv-invalid ${field} ${reason}, sends nothing, and shows the reason at the field`, async () => {
      const el = await widget();
      let posted = false;
      const realFetch = window.fetch;
      window.fetch = (...args) => {
        posted = true;
        return realFetch(...args);
      };
      try {
        setTimeout(() => void fillAndClick(el, name, phone));
        const event = await oneEvent(el, 'cv-invalid');
        expect(event.detail).to.deep.equal({ field, reason });
      } finally {
        window.fetch = realFetch;
      }
      await el.updateComplete;
      expect(posted).to.equal(false);
      expect(el.status).to.equal('invalid');
      const input = el.shadowRoot!.querySelector<HTMLInputElement>(`#${field}`)!;
      expect(input.getAttribute('aria-invalid')).to.equal('true');
      const error = el.shadowRoot!.querySelector(`#${field}-error`)!;
      expect(error.textContent).to.contain(text);
      expect(input.getAttribute('aria-describedby')).to.contain(`${field}-error`);
    });
  }

  /** Runs `act` with window.fetch recording each body the widget posts. */
  async function recordingPosts<T>(act: () => Promise<T>): Promise<{ result: T; bodies: unknown[] }> {
    const bodies: unknown[] = [];
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return realFetch(input, init);
    };
    try {
      return { result: await act(), bodies };
    } finally {
      window.fetch = realFetch;
    }
  }

  it('posts the request as the shared checks leave it: the name and the national number normalised, and the site key', async () => {
    const el = await widget(html`<carrier-verify lang="zh-CN" site-key="sandbox"></carrier-verify>`);
    const { result, bodies } = await recordingPosts(async () => {
      setTimeout(() => void fillAndClick(el, ' 买买提•艾力 ', '+86 192-1234-5678'));
      return oneEvent(el, 'cv-verified');
    });
    expect(result.detail.code).to.equal('FP00000');
    expect(bodies).to.deep.equal([{ name: '买买提·艾力', phoneNumber: '19212345678', siteKey: 'sandbox' }]);
  });

  it('sends nothing when a script sets a site key that is not a string, and says the page cannot use the service', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    (el as unknown as { siteKey: unknown }).siteKey = 42;
    const { result, bodies } = await recordingPosts(async () => {
      setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
      return oneEvent(el, 'cv-error');
    });
    expect(result.detail).to.include({ code: 'INVALID_REQUEST', retryable: false });
    expect(bodies).to.deep.equal([]);
    await el.updateComplete;
    expect(el.status).to.equal('error');
    expect(inputs(el).message.textContent).to.equal('This page cannot use the verification service. Contact the site’s support team.');
    expect(el.shadowRoot!.querySelector('[part="retry-button"]')).to.equal(null);
  });

  it('says the page cannot use the service when its endpoint is no verify route: a retry cannot mend that', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/api/verfy"></carrier-verify>`);
    setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
    const event = await oneEvent(el, 'cv-error');
    expect(event.detail).to.include({ code: 'NOT_FOUND', retryable: false });
    await el.updateComplete;
    expect(inputs(el).message.textContent).to.equal('This page cannot use the verification service. Contact the site’s support team.');
    expect(el.shadowRoot!.querySelector('[part~="retry-button"]')).to.equal(null);
  });

  for (const [code, field, reason, text] of [
    ['INVALID_NAME', 'name', 'too-long', 'Enter at most 50 characters'],
    ['INVALID_PHONE', 'phone', 'not-mobile', 'Check the number: enter a mainland China mobile number'],
  ] as const) {
    it(`shows a proxy ${code} with a reason at the field, as its own check would, and fires cv-error`, async () => {
      const el = await widget(html`<carrier-verify lang="en" endpoint=${`/test/refused?code=${code}&field=${field}&reason=${reason}`}></carrier-verify>`);
      setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
      const event = await oneEvent(el, 'cv-error');
      expect(event.detail).to.deep.equal({ code, message: event.detail.message, retryable: false });
      await el.updateComplete;
      await el.updateComplete;
      expect(el.status).to.equal('error');
      const input = el.shadowRoot!.querySelector<HTMLInputElement>(`#${field}`)!;
      expect(input.getAttribute('aria-invalid')).to.equal('true');
      expect(el.shadowRoot!.querySelector(`#${field}-error`)!.textContent).to.contain(text);
      expect(el.shadowRoot!.activeElement === input, 'the focus is on the refused field').to.equal(true);
      // Said once, at the field: the status line stays empty.
      expect(inputs(el).message.textContent!.trim()).to.equal('');
      // An edit of the field takes the refusal away, as it does the widget's own.
      type(input, field === 'name' ? '张三丰' : '13800138001');
      await el.updateComplete;
      expect(input.getAttribute('aria-invalid')).to.equal('false');
      expect(el.status).to.equal('idle');
      expect(inputs(el).message.textContent!.trim()).to.equal('');
      // The outcome of verify() says which field and why.
      const outcome = await el.verify();
      expect(outcome.status).to.equal('error');
      expect(outcome.status === 'error' && outcome.refused).to.deep.equal({ field, reason });
    });
  }

  it('leaves the focus where the person moved it while a proxy refusal was on its way', async () => {
    const outside = await fixture<HTMLInputElement>(html`<input aria-label="elsewhere" />`);
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/refused?code=INVALID_NAME&field=name&reason=too-long&delay=300"></carrier-verify>`);
    setTimeout(() => {
      void fillAndClick(el, '张三', '13800138000');
      setTimeout(() => outside.focus(), 50);
    });
    await oneEvent(el, 'cv-error');
    await el.updateComplete;
    await el.updateComplete;
    expect(document.activeElement === outside, 'the focus is still outside the element').to.equal(true);
    expect(inputs(el).name.getAttribute('aria-invalid')).to.equal('true');
  });

  it('shows a proxy INVALID_NAME without a reason it knows in the status line, the field left as its own check found it', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/refused?code=INVALID_NAME&field=name&reason=too-rare"></carrier-verify>`);
    setTimeout(() => void fillAndClick(el, '张三', '13800138000'));
    await oneEvent(el, 'cv-error');
    await el.updateComplete;
    expect(inputs(el).name.getAttribute('aria-invalid')).to.equal('false');
    expect(inputs(el).message.textContent).to.contain('Chinese characters');
  });

  it('fires exactly one event per attempt', async () => {
    const el = await widget();
    const seen = eventsHeard(el);
    await fillAndClick(el, '张三', '13800138000');
    await el.verify();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).to.deep.equal(['cv-verified']);
  });

  it('joins the attempt under way when verify() is called again: one request, one event, one outcome for both calls', async () => {
    const el = await widget();
    const seen = eventsHeard(el, withCode);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const { result, bodies } = await recordingPosts(async () => {
      const first = el.verify();
      const second = el.verify();
      return Promise.all([second, first]);
    });
    expect(bodies).to.deep.equal([{ name: '张三', phoneNumber: '13800138000' }]);
    expect(result[0]).to.equal(result[1]);
    expect(result[0].status).to.equal('verified');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).to.deep.equal(['cv-verified:FP00000']);
  });

  it('verify() resolves with the outcome', async () => {
    const el = await widget();
    el.fill({ name: '王五', phoneNumber: '133 1234 5678' });
    const outcome = await el.verify();
    expect(outcome.status).to.equal('verified');
    expect(el.token).to.be.a('string');
  });

  it('reset() clears the fields, the status and the token', async () => {
    const el = await widget();
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    await el.verify();
    expect(el.token).to.be.a('string');
    el.reset();
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(inputs(el).name.value).to.equal('');
    expect(inputs(el).phone.value).to.equal('');
    expect(inputs(el).message.textContent?.trim()).to.equal('');
  });

  it('formats the number as it is typed and shows the carrier', async () => {
    const el = await widget();
    type(inputs(el).phone, '13800138000');
    await el.updateComplete;
    expect(inputs(el).phone.value).to.equal('138 0013 8000');
    expect(el.shadowRoot!.querySelector('#phone-hint')!.textContent).to.contain('中国移动');
  });

  it('submits with Enter', async () => {
    const el = await widget();
    type(inputs(el).name, '张三');
    type(inputs(el).phone, '13800138000');
    await el.updateComplete;
    setTimeout(() => inputs(el).phone.form!.requestSubmit());
    const event = await oneEvent(el, 'cv-verified');
    expect(event.detail.code).to.equal('FP00000');
  });

  it('does nothing while disabled', async () => {
    const el = await widget(html`<carrier-verify disabled></carrier-verify>`);
    expect(inputs(el).button.disabled).to.equal(true);
    expect(inputs(el).name.disabled).to.equal(true);
  });

  it('refuses verify() from a script while disabled: nothing sent, no event, InvalidStateError', async () => {
    const el = await widget(html`<carrier-verify disabled></carrier-verify>`);
    const seen = eventsHeard(el);
    const sent: string[] = [];
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      sent.push(String(input));
      return realFetch(input, init);
    };
    try {
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      const error = await el.verify().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DOMException);
      expect((error as DOMException).name).to.equal('InvalidStateError');
      await el.updateComplete;
      expect(sent).to.deep.equal([]);
      expect(seen).to.deep.equal([]);
      expect(el.status).to.equal('idle');
      // Enabled again, the same call goes through.
      el.disabled = false;
      await el.updateComplete;
      expect((await el.verify()).status).to.equal('verified');
      expect(sent).to.have.length(1);
      expect(seen).to.deep.equal(['cv-verified']);
    } finally {
      window.fetch = realFetch;
    }
  });

  it('ends an attempt cancelled by reset() with one cv-error ABORTED, and is idle', async () => {
    const el = await widget();
    const seen = eventsHeard(el, withCode);
    el.fill({ name: '张三', phoneNumber: '13800000504' });
    const outcome = el.verify();
    el.reset();
    expect((await outcome).status).to.equal('error');
    await el.updateComplete;
    expect(seen).to.deep.equal(['cv-error:ABORTED']);
    expect(el.status).to.equal('idle');
  });

  // Against a proxy that holds the request until the client gives up: whatever the machine's load, the request is
  // still out when the attempt is cancelled.
  for (const [how, name, cancel] of [
    ['reset()', '周一', (el: CarrierVerify) => el.reset()],
    ['fill()', '吴二', (el: CarrierVerify) => el.fill({ name: '李四', phoneNumber: '18612345678' })],
    ['removal from the page', '郑三', (el: CarrierVerify) => el.remove()],
  ] as const) {
    it(`resolves verify() with the very outcome its cv-error carried when cancelled by ${how}`, async () => {
      const el = await widget(html`<carrier-verify lang="zh-CN" endpoint="/test/no-answer"></carrier-verify>`);
      const heard: { status: string; detail: unknown }[] = [];
      for (const type of eventNames) el.addEventListener(type, (e) => heard.push({ status: type === 'cv-error' ? 'error' : type, detail: { ...(e as CustomEvent).detail } }));
      el.fill({ name, phoneNumber: '13800000504' });
      const outcome = el.verify();
      await el.updateComplete;
      expect(el.status).to.equal('verifying');
      await new Promise((resolve) => setTimeout(resolve, 200));
      cancel(el);
      const settled = await outcome;
      expect(heard).to.have.length(1);
      // Not retryable: the page cancelled it, and a handler that retries whatever is retryable must not undo that.
      expect(heard[0].detail).to.deep.include({ code: 'ABORTED', retryable: false });
      expect({ status: settled.status, detail: { ...settled.detail } }).to.deep.equal(heard[0]);
    });
  }

  it('refuses verify() out of the document, so a listener that verifies again after a removal posts nothing', async () => {
    const el = await widget();
    const { result: refusal, bodies } = await recordingPosts(async () => {
      let again: Promise<DOMException | null> | undefined;
      el.addEventListener('cv-error', () => (again = el.verify().then(() => null, (error: DOMException) => error)), { once: true });
      el.fill({ name: '褚六', phoneNumber: '13800000504' });
      void el.verify();
      el.remove();
      await new Promise((resolve) => setTimeout(resolve));
      return again!;
    });
    expect(refusal?.name).to.equal('InvalidStateError');
    expect(bodies).to.have.length(1);
    expect(el.status).to.equal('idle');
  });

  it('refuses fill() with a value that is not text before changing anything, the attempt under way included', async () => {
    const el = await widget();
    const seen = eventsHeard(el);
    el.fill({ name: '陈五', phoneNumber: '13800138000' });
    const outcome = el.verify();
    for (const wrong of [{ name: '李四', phoneNumber: null }, { name: '李四', phoneNumber: 18612345678 }, { name: 42 }]) {
      expect(() => el.fill(wrong as unknown as { name?: string; phoneNumber?: string })).to.throw(TypeError, 'as text');
    }
    await el.updateComplete;
    expect(inputs(el).name.value).to.equal('陈五');
    expect(inputs(el).phone.value).to.equal('138 0013 8000');
    expect((await outcome).status).to.equal('mismatch');
    expect(seen).to.deep.equal(['cv-mismatch']);
  });

  it('fires ABORTED once reset() or fill() has changed the fields, so a listener that verifies again sends the new ones', async () => {
    const el = await widget();
    const seen = eventsHeard(el, (type, detail) => `${type}:${detail.code ?? detail.field ?? ''}`);
    let again: Promise<Outcome> | undefined;
    el.addEventListener('cv-error', () => (again = el.verify()), { once: true });
    el.fill({ name: '冯四', phoneNumber: '13800000504' });
    void el.verify();
    el.fill({ name: '李四', phoneNumber: '18612345678' });
    expect((await again!).status).to.equal('verified');
    expect(el.verifiedPair).to.deep.equal({ name: '李四', phoneNumber: '18612345678' });
    el.addEventListener('cv-error', () => (again = el.verify()), { once: true });
    el.fill({ name: '冯四', phoneNumber: '13800000504' });
    void el.verify();
    el.reset();
    expect((await again!).status).to.equal('invalid');
    expect(seen).to.deep.equal(['cv-error:ABORTED', 'cv-verified:FP00000', 'cv-error:ABORTED', 'cv-invalid:name']);
    expect(el.token).to.equal(null);
  });

  it('goes on verifying when moved within the page (into a dialog, say)', async () => {
    const el = await widget();
    const seen = eventsHeard(el);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const outcome = el.verify();
    await el.updateComplete;
    expect(el.status).to.equal('verifying');
    const dialog = document.createElement('div');
    el.parentElement!.append(dialog);
    dialog.append(el);
    expect((await outcome).status).to.equal('verified');
    await el.updateComplete;
    expect(seen).to.deep.equal(['cv-verified']);
    expect(el.token).to.be.a('string');
  });

  it('does not stay busy when removed while verifying, and verifies again once put back', async () => {
    const el = await widget();
    const errors: string[] = [];
    el.addEventListener('cv-error', (e) => errors.push(e.detail.code));
    el.fill({ name: '张三', phoneNumber: '13800000504' });
    void el.verify();
    await el.updateComplete;
    expect(el.status).to.equal('verifying');
    const parent = el.parentElement!;
    el.remove();
    await new Promise((resolve) => setTimeout(resolve));
    parent.append(el);
    await el.updateComplete;
    // Back to idle: the page took it away, nothing failed that the person should read about.
    expect(el.status).to.equal('idle');
    expect(el.shadowRoot!.querySelector('[role="status"]')?.textContent?.trim() ?? '').to.equal('');
    expect(errors).to.deep.equal(['ABORTED']);
    expect(inputs(el).name.readOnly).to.equal(false);
    const outcome = await el.verify();
    expect(outcome.status).to.equal('error');
    expect(errors).to.deep.equal(['ABORTED', 'UPSTREAM_TIMEOUT']);
  });

  for (const limit of ['', 'ip', 'name', 'site']) {
  it(`keeps the wait of a rate limit whatever is edited when the limit is ${limit || 'not named'}: any pair would be refused`, async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint=${`/test/rate-limited?limit=${limit}`}></carrier-verify>`);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    expect((await el.verify()).detail).to.deep.equal({ code: 'RATE_LIMITED', message: 'Too many requests', retryable: true, retryAfter: 7, ...(limit ? { limit } : {}) });
    await el.updateComplete;
    const { name, phone, button, message } = inputs(el);
    const refused = () => button.disabled || button.getAttribute('aria-disabled') === 'true';
    type(name, '李四');
    await el.updateComplete;
    expect(refused()).to.equal(true);
    type(phone, '18612345678');
    await el.updateComplete;
    expect(refused()).to.equal(true);
    expect(message.textContent).to.contain('7');
    button.click();
    expect(el.status, 'a click during the wait sends nothing').to.equal('error');
    el.fill({ name: '王五', phoneNumber: '13312345678' });
    await el.updateComplete;
    expect(refused(), 'fill() is an edit too').to.equal(true);
    expect(message.textContent).to.contain('7');
  });
  }

  it("lets another number be tried at once after the number's own limit, and keeps the wait for that number's names", async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?limit=number"></carrier-verify>`);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const outcome = await el.verify();
    expect(outcome.detail).to.deep.equal({ code: 'RATE_LIMITED', message: 'Too many requests', retryable: true, retryAfter: 7, limit: 'number' });
    await el.updateComplete;
    const { name, phone, button, message } = inputs(el);
    const refused = () => button.disabled || button.getAttribute('aria-disabled') === 'true';
    // Another name for the same number: still that number's limit.
    type(name, '李四');
    await el.updateComplete;
    expect([refused(), message.textContent]).to.deep.equal([true, 'Too many attempts for this number. Try again in 7 seconds.']);
    el.fill({ phoneNumber: '138 0013 8000' });
    await el.updateComplete;
    expect(refused(), 'the same number, written otherwise').to.equal(true);
    // Another number, one digit short of it on the way: the wait goes.
    type(phone, '1380013800');
    await el.updateComplete;
    expect([refused(), el.status, message.textContent]).to.deep.equal([false, 'idle', '']);
    expect(el.shadowRoot!.querySelector('[part=retry-button]')).to.equal(null);
    // Typed back to the refused number, its wait is back, and a press sends nothing.
    const heard: string[] = [];
    el.addEventListener('cv-error', (event) => heard.push(event.detail.code));
    type(phone, '13800138000');
    await el.updateComplete;
    expect([refused(), el.status, message.textContent]).to.deep.equal([true, 'error', 'Too many attempts for this number. Try again in 7 seconds.']);
    button.click();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard, 'a press on the refused number during its wait').to.deep.equal([]);
    // Another number is sent at once, and answered (by the sandbox); typed back a moment later, the refused number
    // still waits, and says how long is left.
    el.endpoint = '/api/verify';
    type(name, '王五');
    type(phone, '18612345678');
    await el.updateComplete;
    const answered = oneEvent(el, 'cv-mismatch');
    button.click();
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    type(phone, '13800138000');
    await el.updateComplete;
    expect([refused(), el.status]).to.deep.equal([true, 'error']);
    expect(message.textContent).to.match(/^Too many attempts for this number\. Try again in [56] seconds\.$/);
    button.click();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard, 'a press on the refused number after another was answered').to.deep.equal([]);
    // Another number refused by its own limit: each keeps its wait.
    el.endpoint = '/test/rate-limited?limit=number';
    type(phone, '18612345678');
    await el.updateComplete;
    const again = oneEvent(el, 'cv-error');
    button.click();
    expect((await again).detail).to.include({ code: 'RATE_LIMITED', limit: 'number' });
    await el.updateComplete;
    type(phone, '13800138000');
    await el.updateComplete;
    expect(refused(), 'the first refused number, after a second was refused').to.equal(true);
    el.fill({ phoneNumber: '13312345678' });
    await el.updateComplete;
    expect(refused(), 'fill() with another number too').to.equal(false);
    el.fill({ phoneNumber: '186 1234 5678' });
    await el.updateComplete;
    expect(refused(), 'fill() back to the number last refused').to.equal(true);
  });

  it("shows a number's wait when fill() puts that number in place of a verified pair", async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?limit=number&after=600"></carrier-verify>`);
    el.fill({ name: '李三', phoneNumber: '18612345678' });
    await el.verify();
    // Another number verified meanwhile.
    el.endpoint = '/api/verify';
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    expect((await el.verify()).status).to.equal('verified');
    // The page fills the refused number again (from a profile, say): the wait says why Verify is unavailable.
    el.fill({ name: '李四', phoneNumber: '18612345678' });
    await el.updateComplete;
    const { button, message } = inputs(el);
    expect([button.getAttribute('aria-disabled'), el.status, message.textContent]).to.deep.equal(['true', 'error', 'Too many attempts for this number. Try again in 10 minutes.']);
    expect(el.shadowRoot!.querySelector('[part=retry-button]')).to.not.equal(null);
  });

  it('ends a wait that ran out while the element was out of the page as soon as it is back', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?after=1"></carrier-verify>`);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    await el.verify();
    await el.updateComplete;
    expect(inputs(el).message.textContent).to.equal('Too many attempts. Try again in 1 second.');
    const parent = el.parentElement!;
    el.remove();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    parent.append(el);
    await el.updateComplete;
    const retry = el.shadowRoot!.querySelector<HTMLButtonElement>('[part=retry-button]')!;
    expect(retry.hasAttribute('aria-disabled')).to.equal(false);
    expect(retry.textContent!.trim()).to.equal('Try again');
    expect(inputs(el).message.textContent).to.equal('You can try again now');
  });

  it('keeps counting the wait of a rate limit down when moved within the page', async () => {
    const el = await widget(html`<carrier-verify lang="en" endpoint="/test/rate-limited?after=3"></carrier-verify>`);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    await el.verify();
    await el.updateComplete;
    const retry = () => el.shadowRoot!.querySelector<HTMLButtonElement>('[part=retry-button]')!;
    expect(retry().textContent!.replace(/\s+/g, '')).to.equal('Tryagain(3)');
    const dialog = document.createElement('div');
    el.parentElement!.append(dialog);
    dialog.append(el);
    await waitUntil(() => retry().textContent!.replace(/\s+/g, '') === 'Tryagain(1)', 'the countdown stopped when the element moved', { timeout: 3000 });
    await waitUntil(() => !retry().hasAttribute('aria-disabled'), 'the retry was never allowed', { timeout: 2000 });
  });

  it('takes a Retry-After given as an HTTP date, as gateways send it', async () => {
    const el = await widget(html`<carrier-verify lang="en"></carrier-verify>`);
    el.endpoint = `/test/plain-status?status=429&after=${encodeURIComponent(new Date(Date.now() + 30_000).toUTCString())}`;
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const outcome = await el.verify();
    expect(outcome.status).to.equal('error');
    const { retryAfter } = (outcome as Extract<typeof outcome, { status: 'error' }>).detail;
    expect(retryAfter).to.be.within(28, 31);
    // Two gateways, two values: the first counts. A date in no HTTP form is no wait at all; nonsense is cut to a week.
    const date = new Date(Date.now() + 90_000).toUTCString();
    const cases: [string, number | undefined][] = [['60, 60', 60], [`${date}, ${date}`, 90], [`${date}, 5`, 90], ['later 2030 GMT', undefined], ['9'.repeat(25), 604_800]];
    for (const [after, expected] of cases) {
      el.endpoint = `/test/plain-status?status=429&after=${encodeURIComponent(after)}`;
      const again = await el.verify();
      const got = again.status === 'error' ? again.detail.retryAfter : 'no error';
      // A date is a whole second off at most, counted from the fixture server's clock.
      expect([after, typeof got === 'number' && expected === 90 ? Math.abs(got - 90) <= 2 : got]).to.deep.equal([after, expected === 90 ? true : expected]);
      el.reset();
      el.fill({ name: '张三', phoneNumber: '13800138000' });
    }
  });

  it('ends a verification under way when fill() replaces the pair, so the old answer never shows beside the new pair', async () => {
    const el = await widget();
    const seen = eventsHeard(el, withCode);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    const first = el.verify();
    el.fill({ name: '李四', phoneNumber: '18612345678' });
    expect((await first).status).to.equal('error');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await el.updateComplete;
    expect(seen).to.deep.equal(['cv-error:ABORTED']);
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(inputs(el).name.value).to.equal('李四');
    expect(inputs(el).phone.value).to.equal('186 1234 5678');
  });

  it('reads the attribute names a server renderer writes for camelCase props (React renders siteKey as sitekey)', async () => {
    const host = document.createElement('div');
    host.innerHTML = '<form><carrier-verify siteKey="no-such-site" nameField="real_name" phoneField="mobile" privacyPolicy="/privacy"></carrier-verify></form>';
    document.body.append(host);
    try {
      const el = host.querySelector('carrier-verify')!;
      await el.updateComplete;
      expect([el.siteKey, el.nameField, el.phoneField, el.privacyPolicy]).to.deep.equal(['no-such-site', 'real_name', 'mobile', '/privacy']);
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      const outcome = await el.verify();
      expect(outcome.status === 'error' && outcome.detail.code).to.equal('INVALID_SITE_KEY');
    } finally {
      host.remove();
    }
  });

  it('has the properties a page set before its definition loaded as soon as the page hears it is defined', async () => {
    // A tag of its own stands for the element before the script tag has run: the page sets properties on a plain
    // element (Angular's bindings do, as does a script above the script tag), then waits for the definition.
    const tag = 'carrier-verify-late';
    const form = document.createElement('form');
    const el = document.createElement(tag) as CarrierVerify;
    Object.assign(el, { siteKey: 'no-such-site', endpoint: '/test/no-answer', required: true, disabled: true });
    form.append(el);
    document.body.append(form);
    const realFetch = window.fetch;
    const posted: string[] = [];
    window.fetch = (input, init) => (posted.push(String(input)), realFetch(input, init));
    try {
      const seen = customElements.whenDefined(tag).then(async () => {
        const settings = [el.siteKey, el.endpoint, el.disabled, el.hasAttribute('disabled'), form.checkValidity()];
        el.fill({ name: '张三', phoneNumber: '13800138000' });
        const refused = await el.verify().then(
          () => null,
          (error: DOMException) => error.name,
        );
        return { settings, refused };
      });
      customElements.define(tag, class extends CarrierVerify {});
      // Disabled as the page asked: nothing posted to the default endpoint, unbound to the page's site.
      expect(await seen).to.deep.equal({ settings: ['no-such-site', '/test/no-answer', true, true, true], refused: 'InvalidStateError' });
      el.disabled = false;
      expect(form.checkValidity()).to.equal(false);
      expect(posted).to.deep.equal([]);
    } finally {
      window.fetch = realFetch;
      form.remove();
    }
  });

  it('refuses a match whose token is empty: no verified state, and the form stays invalid under required', async () => {
    const el = await widget(html`<carrier-verify required endpoint="/test/odd-match?token="></carrier-verify>`);
    const heard = eventsHeard(el, withCode);
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    expect((await el.verify()).detail).to.include({ code: 'BAD_RESPONSE', retryable: true });
    await el.updateComplete;
    expect(heard).to.deep.equal(['cv-error:BAD_RESPONSE']);
    expect(el.status).to.equal('error');
    expect(el.token).to.equal(null);
    expect(el.checkValidity()).to.equal(false);
  });

  it('gives phoneMasked as text, empty when the proxy sent anything else', async () => {
    for (const masked of ['13800138000', '{"digits":"13800138000"}', 'null']) {
      const el = await widget(html`<carrier-verify endpoint=${`/test/odd-match?masked=${encodeURIComponent(masked)}`}></carrier-verify>`);
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      setTimeout(() => void el.verify());
      expect((await oneEvent(el, 'cv-verified')).detail).to.include({ token: 'a.b.c', phoneMasked: '' });
    }
  });

  it('gives the carrier of a match as one of the operators it knows, none for one a newer proxy names', async () => {
    for (const [carrier, expected] of [['china-broadnet', 'china-broadnet'], ['china-satnet', null]] as const) {
      const el = await widget(html`<carrier-verify endpoint=${`/test/odd-match?carrier=${carrier}`}></carrier-verify>`);
      el.fill({ name: '张三', phoneNumber: '13800138000' });
      setTimeout(() => void el.verify());
      expect((await oneEvent(el, 'cv-verified')).detail).to.include({ token: 'a.b.c', carrier: expected });
    }
  });

  it('refuses a success that does not fit the protocol, and keeps only the pinned detail fields', async () => {
    const broken = await widget(html`<carrier-verify endpoint="/test/no-token"></carrier-verify>`);
    broken.fill({ name: '张三', phoneNumber: '13800138000' });
    setTimeout(() => void broken.verify());
    expect((await oneEvent(broken, 'cv-error')).detail).to.include({ code: 'BAD_RESPONSE', retryable: true });
    expect(broken.token).to.equal(null);
    const newer = await widget(html`<carrier-verify endpoint="/test/new-carrier"></carrier-verify>`);
    newer.fill({ name: '张三', phoneNumber: '13800138000' });
    setTimeout(() => void newer.verify());
    expect((await oneEvent(newer, 'cv-mismatch')).detail).to.deep.equal({ code: 'FP03333', message: '认证信息不一致' });
  });
});
