// <carrier-verify> as a form control: required until verified, the token as the form value, reset, disable, expiry.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../widget/define.js';
import type { CarrierVerify } from '../../widget/carrier-verify.js';

async function signupForm(widget = html`<carrier-verify required></carrier-verify>`) {
  const form = await fixture<HTMLFormElement>(html`<form action="/nowhere" method="post">${widget}<button>Sign up</button></form>`);
  const el = form.querySelector<CarrierVerify>('carrier-verify')!;
  await el.updateComplete;
  return { form, el };
}

function submitted(form: HTMLFormElement): Promise<boolean> {
  return new Promise((resolve) => {
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      resolve(true);
    };
    form.addEventListener('submit', onSubmit, { once: true });
    form.requestSubmit();
    setTimeout(() => {
      form.removeEventListener('submit', onSubmit);
      resolve(false);
    }, 100);
  });
}

/**
 * Holds the page's timers of a minute or more (a token's expiry) instead of running them: `elapse()` runs those still
 * held, as if their time had come, so that a test need not wait minutes. Shorter ones run as ever.
 */
function holdLongTimers() {
  const { setTimeout: set, clearTimeout: clear } = window;
  const held = new Map<number, () => void>();
  let id = -1;
  window.setTimeout = ((handler: () => void, delay = 0, ...rest: unknown[]) => {
    if (delay < 60_000) return set(handler, delay, ...rest);
    held.set(id, handler);
    return id--;
  }) as typeof window.setTimeout;
  window.clearTimeout = ((timer?: number) => (held.delete(timer!) ? undefined : clear(timer))) as typeof window.clearTimeout;
  return {
    elapse: () => {
      // Each runs once, and not if an earlier one cleared it.
      for (const [timer, handler] of [...held]) if (held.delete(timer)) handler();
    },
    restore: () => Object.assign(window, { setTimeout: set, clearTimeout: clear }),
  };
}

async function verify(el: CarrierVerify, name = '张三', phoneNumber = '13800138000') {
  el.fill({ name, phoneNumber });
  const outcome = await el.verify();
  await el.updateComplete;
  return outcome;
}

describe('<carrier-verify> in a form', () => {
  it('keeps a required form from submitting until verified, then submits the token', async () => {
    const { form, el } = await signupForm();
    expect(form.checkValidity()).to.equal(false);
    expect(el.validationMessage).to.contain('验证');
    expect(await submitted(form)).to.equal(false);
    await verify(el);
    expect(form.checkValidity()).to.equal(true);
    expect(await submitted(form)).to.equal(true);
    const token = new FormData(form).get('carrier-verify-token');
    expect(token).to.equal(el.token);
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('has a validity as every form control has, for a script that checks each of the form\'s elements', async () => {
    const { form, el } = await signupForm();
    const invalid = () => Array.from(form.elements as Iterable<Element & { validity: ValidityState }>, (control) => control.validity.valid ? '' : control.localName).filter(Boolean);
    expect(invalid()).to.deep.equal(['carrier-verify']);
    expect(el.validity?.valueMissing).to.equal(true);
    await verify(el);
    expect(invalid()).to.deep.equal([]);
  });

  it('submits nothing for a mismatch, and stays invalid', async () => {
    const { form, el } = await signupForm();
    await verify(el, '李四');
    expect(new FormData(form).has('carrier-verify-token')).to.equal(false);
    expect(form.checkValidity()).to.equal(false);
  });

  it('uses the name attribute as the field name', async () => {
    const { form, el } = await signupForm(html`<carrier-verify name="kyc"></carrier-verify>`);
    expect(form.checkValidity()).to.equal(true);
    await verify(el);
    expect(new FormData(form).get('kyc')).to.equal(el.token);
  });

  it('submits the verified pair, normalised, beside the token under the field names the site chose', async () => {
    const { form, el } = await signupForm(html`<carrier-verify name="kyc" name-field="realName" phone-field="mobile"></carrier-verify>`);
    expect(el.verifiedPair).to.equal(null);
    await verify(el, ' 张 三 ', '+86 138-0013-8000');
    const entries = [...new FormData(form).entries()];
    expect(entries).to.deep.equal([
      ['kyc', el.token],
      ['realName', '张三'],
      ['mobile', '13800138000'],
    ]);
    expect(el.verifiedPair).to.deep.equal({ name: '张三', phoneNumber: '13800138000' });
    el.phoneField = undefined;
    await el.updateComplete;
    expect([...new FormData(form).keys()]).to.deep.equal(['kyc', 'realName']);
    form.reset();
    await el.updateComplete;
    expect([...new FormData(form).keys()]).to.deep.equal([]);
    expect(el.verifiedPair).to.equal(null);
  });

  it('submits the token alone when no field names are given, and gives the pair to script', async () => {
    const { form, el } = await signupForm();
    await verify(el, '王五', '133 1234 5678');
    expect([...new FormData(form).keys()]).to.deep.equal(['carrier-verify-token']);
    expect(el.verifiedPair).to.deep.equal({ name: '王五', phoneNumber: '13312345678' });
    await verify(el, '李四', '13800138000');
    expect(el.status).to.equal('mismatch');
    expect(el.verifiedPair).to.equal(null);
  });

  it('takes disabled = false at once: verify() in the same turn runs', async () => {
    const { el } = await signupForm();
    el.disabled = true;
    expect(el.hasAttribute('disabled')).to.equal(true);
    await el.updateComplete;
    el.fill({ name: '张三', phoneNumber: '13800138000' });
    let refused: unknown = null;
    await el.verify().catch((error: unknown) => (refused = error));
    expect((refused as DOMException | null)?.name).to.equal('InvalidStateError');
    el.disabled = false;
    expect(el.hasAttribute('disabled')).to.equal(false);
    expect((await el.verify()).status).to.equal('verified');
  });

  it('is cleared by form.reset()', async () => {
    const { form, el } = await signupForm();
    await verify(el);
    form.reset();
    await el.updateComplete;
    expect(el.token).to.equal(null);
    expect(el.status).to.equal('idle');
    expect(new FormData(form).has('carrier-verify-token')).to.equal(false);
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#name')!.value).to.equal('');
    expect(form.checkValidity()).to.equal(false);
  });

  it('is disabled by a disabled fieldset, and then submits nothing', async () => {
    const form = await fixture<HTMLFormElement>(html`<form><fieldset><carrier-verify></carrier-verify></fieldset></form>`);
    const el = form.querySelector<CarrierVerify>('carrier-verify')!;
    await verify(el);
    form.querySelector('fieldset')!.disabled = true;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#phone')!.disabled).to.equal(true);
    expect(el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="change-button"]')!.disabled).to.equal(true);
    expect(new FormData(form).has('carrier-verify-token')).to.equal(false);
  });

  it('says when the token has expired and lets the person verify again', async () => {
    const { form, el } = await signupForm(html`<carrier-verify required endpoint="/test/short-token"></carrier-verify>`);
    setTimeout(() => void verify(el));
    await oneEvent(el, 'cv-verified');
    expect(form.checkValidity()).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(form.checkValidity()).to.equal(false);
    const message = el.shadowRoot!.querySelector('[part~="message"]')!.textContent;
    expect(message).to.contain('已过期');
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="button"]')!;
    expect(button.disabled).to.equal(false);
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#name')!.readOnly).to.equal(false);
    el.lang = 'en';
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~="message"]')!.textContent).to.contain('expired');
  });

  it('expires a token whose payload has a - or _ in it, as base64url writes one, on time', async () => {
    const { form, el } = await signupForm(html`<carrier-verify required endpoint="/test/short-token?jti=~~~"></carrier-verify>`);
    setTimeout(() => void verify(el));
    const { detail } = await oneEvent(el, 'cv-verified');
    expect(detail.token.split('.')[1]).to.match(/[-_]/);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await el.updateComplete;
    expect([el.status, el.token, form.checkValidity()]).to.deep.equal(['idle', null, false]);
    expect(el.shadowRoot!.querySelector('[part~="message"]')!.textContent).to.contain('已过期');
  });

  it('keeps a token whose lifetime it cannot read (no JWS payload) until something drops it', async () => {
    const { form, el } = await signupForm(html`<carrier-verify required endpoint="/test/odd-match"></carrier-verify>`);
    const heard: string[] = [];
    el.addEventListener('cv-cleared', (event) => heard.push(event.detail.reason));
    await verify(el);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await el.updateComplete;
    expect([el.status, el.token, form.checkValidity(), heard]).to.deep.equal(['verified', 'a.b.c', true, []]);
    expect(new FormData(form).get('carrier-verify-token')).to.equal('a.b.c');
    expect(el.shadowRoot!.querySelector('[part~="message"]')!.textContent).to.contain('验证通过');
  });

  it('times the token only while in the page: out of it no timer runs; put back, it goes when its time is up, at once if that has passed', async () => {
    const { form, el } = await signupForm();
    const heard: string[] = [];
    el.addEventListener('cv-cleared', (event) => heard.push(event.detail.reason));
    const timers = holdLongTimers();
    const now = Date.now;
    try {
      await verify(el);
      // Out of the page when the token's time comes: nothing runs for it (a timer would hold the element in memory).
      el.remove();
      timers.elapse();
      expect([el.status, heard]).to.deep.equal(['verified', []]);
      // Put back 100 s on, within its 290 s: kept, and it goes when what is left of its time has passed.
      Date.now = () => now() + 100_000;
      form.prepend(el);
      expect([el.status, heard, form.checkValidity()]).to.deep.equal(['verified', [], true]);
      timers.elapse();
      expect(heard).to.deep.equal(['expired']);
      // Out of the page past its time: put back, it goes as expired at once, before the form can send it.
      Date.now = now;
      await verify(el);
      el.remove();
      Date.now = () => now() + 292_000;
      // Read by a script meanwhile, a token whose time is up is not handed out.
      expect([el.token, el.verifiedPair]).to.deep.equal([null, null]);
      form.prepend(el);
      expect([el.token, heard, form.checkValidity()]).to.deep.equal([null, ['expired', 'expired'], false]);
    } finally {
      Date.now = now;
      timers.restore();
    }
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.shadowRoot!.querySelector('[part~="message"]')!.textContent).to.contain('已过期');
  });

  it('fires cv-cleared whenever a token it held goes, and says why, with the token already gone', async () => {
    const { form, el } = await signupForm(html`<carrier-verify required endpoint="/test/short-token"></carrier-verify>`);
    const heard: string[] = [];
    el.addEventListener('cv-cleared', (event) => {
      // What a page reads in its listener: the element no longer verified, the form no longer valid.
      heard.push(`${event.detail.reason}:${el.status}:${el.token}:${form.checkValidity()}`);
    });
    // Each step settles before the next, so that the listener reads the state the step left.
    await verify(el);
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="change-button"]')!.click();
    await el.updateComplete;
    await verify(el);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await verify(el);
    el.reset();
    await el.updateComplete;
    await verify(el);
    el.fill({ name: '李四' });
    await el.updateComplete;
    await verify(el);
    await el.verify();
    // Nothing was held: no event.
    el.reset();
    el.reset();
    expect(heard).to.deep.equal([
      'change:idle:null:false',
      'expired:idle:null:false',
      'reset:idle:null:false',
      'fill:idle:null:false',
      'verify:idle:null:false',
      'reset:idle:null:false',
    ]);
  });

  it('lets a cv-cleared listener call verify(), reset() or fill(): one outcome an attempt, for the pair the fields show', async () => {
    const { el } = await signupForm(html`<carrier-verify></carrier-verify>`);
    const posted: string[] = [];
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      posted.push(String(init?.body));
      return realFetch(input, init);
    };
    const outcomes: string[] = [];
    for (const type of ['cv-verified', 'cv-mismatch', 'cv-error'] as const) el.addEventListener(type, (event) => outcomes.push(`${type}:${event.detail.code}`));
    el.addEventListener('cv-invalid', (event) => outcomes.push(`cv-invalid:${event.detail.field}:${event.detail.reason}`));
    const onceCleared = (act: () => unknown) => el.addEventListener('cv-cleared', () => void act(), { once: true });
    try {
      // verify() over a verified pair, its listener verifying too: they share the one attempt.
      await verify(el);
      posted.length = 0;
      outcomes.length = 0;
      let inner: Promise<unknown> | undefined;
      onceCleared(() => (inner = el.verify()));
      const outer = await el.verify();
      expect(await inner).to.equal(outer);
      expect([posted.length, outcomes]).to.deep.equal([1, ['cv-verified:FP00000']]);
      // reset() from the listener empties the fields before they are checked: nothing is sent.
      posted.length = 0;
      outcomes.length = 0;
      onceCleared(() => el.reset());
      await el.verify();
      await el.updateComplete;
      expect([posted.length, outcomes, el.status, el.token]).to.deep.equal([0, ['cv-invalid:name:empty'], 'invalid', null]);
      // fill() from the listener: the pair it filled is the one checked and verified.
      await verify(el);
      outcomes.length = 0;
      onceCleared(() => el.fill({ name: '李四', phoneNumber: '18612345678' }));
      await el.verify();
      expect([outcomes, el.verifiedPair]).to.deep.equal([['cv-verified:FP00000'], { name: '李四', phoneNumber: '18612345678' }]);
      // A listener that disables the element, or takes it out: the verify() under way is refused, nothing sent.
      for (const act of [() => (el.disabled = true), () => el.remove()]) {
        const parent = el.parentElement!;
        await verify(el);
        posted.length = 0;
        outcomes.length = 0;
        onceCleared(act);
        const refused = await el.verify().then(
          () => 'resolved',
          (error: DOMException) => error.name,
        );
        expect([refused, posted.length, outcomes, el.token]).to.deep.equal(['InvalidStateError', 0, [], null]);
        el.disabled = false;
        if (!el.isConnected) parent.append(el);
        await el.updateComplete;
      }
      // verify() from the listener of a fill() verifies the pair filled, not the one replaced.
      await verify(el);
      onceCleared(() => el.verify());
      el.fill({ name: '李四', phoneNumber: '18612345678' });
      await oneEvent(el, 'cv-verified');
      expect(el.verifiedPair).to.deep.equal({ name: '李四', phoneNumber: '18612345678' });
    } finally {
      window.fetch = realFetch;
    }
  });

  it('tells the document of a token dropped by a reset even when the element leaves the page in the same turn', async () => {
    const { form, el } = await signupForm();
    await verify(el);
    const heard: string[] = [];
    const onCleared = (event: Event) => heard.push((event as CustomEvent<{ reason: string }>).detail.reason);
    document.addEventListener('cv-cleared', onCleared);
    try {
      // A dialog that resets its form and closes.
      form.reset();
      form.remove();
      expect(heard).to.deep.equal(['reset']);
    } finally {
      document.removeEventListener('cv-cleared', onCleared);
    }
  });

  it('drops the token of a verified pair for a new attempt even when that attempt is refused before it is sent', async () => {
    const { form, el } = await signupForm();
    await verify(el);
    const cleared = oneEvent(el, 'cv-cleared');
    // A page script that sets a site key that is not text: the request's shape is refused in the browser.
    (el as unknown as { siteKey: unknown }).siteKey = 42;
    const outcome = await el.verify();
    expect([outcome.status, (await cleared).detail.reason]).to.deep.equal(['error', 'verify']);
    expect([el.status, el.token, form.checkValidity()]).to.deep.equal(['error', null, false]);
  });

  it('keeps the focus within when the Change button it is on goes, with the expired token or a reset', async () => {
    const { el } = await signupForm(html`<carrier-verify required endpoint="/test/short-token"></carrier-verify>`);
    const focused = () => el.shadowRoot!.activeElement?.id || el.shadowRoot!.activeElement?.getAttribute('part') || 'outside';
    const focusChange = async () => {
      await verify(el);
      el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="change-button"]')!.focus();
      expect(focused()).to.equal('change-button');
    };
    await focusChange();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(focused()).to.equal('name');
    await focusChange();
    el.reset();
    await el.updateComplete;
    expect(focused()).to.equal('name');
  });

  it('times the token from its arrival, not by the device clock', async () => {
    const { form, el } = await signupForm(html`<carrier-verify required endpoint="/test/skewed-token"></carrier-verify>`);
    await verify(el);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await el.updateComplete;
    expect(el.status).to.equal('verified');
    expect(form.checkValidity()).to.equal(true);
  });

  it('drops the token when the page comes back from the back/forward cache, where it may have been spent', async () => {
    const { form, el } = await signupForm();
    await verify(el);
    const heard: string[] = [];
    el.addEventListener('cv-cleared', (event) => heard.push(event.detail.reason));
    // A page shown for the first time keeps its token; one restored from the cache does not.
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
    expect([el.status, heard.length]).to.deep.equal(['verified', 0]);
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await el.updateComplete;
    expect(heard).to.deep.equal(['restored']);
    expect([el.status, el.token, form.checkValidity()]).to.deep.equal(['idle', null, false]);
    // The fields stay as they were, ready to verify again.
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#name')!.value).to.equal('张三');
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#name')!.readOnly).to.equal(false);
    // Taken out of the page, it no longer listens.
    await verify(el);
    el.remove();
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    expect([el.status, heard.length]).to.deep.equal(['verified', 1]);
  });

  it('expires the token as the page is shown again once its time has run out by the clock, timers asleep or not', async () => {
    const { form, el } = await signupForm();
    await verify(el);
    const heard: string[] = [];
    el.addEventListener('cv-cleared', (event) => heard.push(event.detail.reason));
    const now = Date.now;
    try {
      // Shown again within the time the widget keeps the token, its 300 s less 10 s for the form to reach the backend: kept.
      Date.now = () => now() + 289_000;
      document.dispatchEvent(new Event('visibilitychange'));
      expect([el.status, heard.length]).to.deep.equal(['verified', 0]);
      // A device that slept past them: the timer has not fired, the clock says the token is gone.
      Date.now = () => now() + 292_000;
      document.dispatchEvent(new Event('visibilitychange'));
    } finally {
      Date.now = now;
    }
    await el.updateComplete;
    expect(heard).to.deep.equal(['expired']);
    expect([el.status, el.token, form.checkValidity()]).to.deep.equal(['idle', null, false]);
    expect(el.shadowRoot!.querySelector('[part~="message"]')!.textContent).to.contain('已过期');
  });

  it('restores the fields, not a token that may be spent, when the browser restores the form', async () => {
    const { form, el } = await signupForm();
    el.formStateRestoreCallback(JSON.stringify({ name: '张三', phone: '13800138000' }));
    // Handed back at once, shown once the update it makes is over.
    await el.updateComplete;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#name')!.value).to.equal('张三');
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('#phone')!.value).to.equal('138 0013 8000');
    expect(el.status).to.equal('idle');
    expect(el.token).to.equal(null);
    expect(form.checkValidity()).to.equal(false);
  });
});

describe('<carrier-verify> handed its fields back as it upgrades', () => {
  /**
   * Defines `tag` as the element whose first render is handed the fields back, as Chromium hands them to a page whose
   * script comes after the element, reloaded on Back: among the reactions of that render's DOM calls, before the
   * update is over. `then` runs once, right after (the page's own script).
   */
  function handedBackAsItUpgrades(tag: string, then?: (el: CarrierVerify) => void): { readonly handedBack: boolean } {
    const state = JSON.stringify({ name: '张三', phone: '13800138000' });
    const seen = { handedBack: false };
    class Upgraded extends (customElements.get('carrier-verify') as typeof CarrierVerify) {
      override render() {
        const template = super.render();
        if (!seen.handedBack) {
          seen.handedBack = true;
          this.formStateRestoreCallback(state);
          if (then) queueMicrotask(() => then(this));
        }
        return template;
      }
    }
    customElements.define(tag, Upgraded);
    return seen;
  }
  const fields = (el: CarrierVerify) => ['#name', '#phone'].map((id) => el.shadowRoot!.querySelector<HTMLInputElement>(id)!.value);

  it('shows them though the browser hands them back in the middle of its first update', async () => {
    const seen = handedBackAsItUpgrades('carrier-verify-upgraded');
    const form = await fixture<HTMLFormElement>(html`<form><carrier-verify-upgraded required></carrier-verify-upgraded></form>`);
    const el = form.querySelector<CarrierVerify>('carrier-verify-upgraded')!;
    await el.updateComplete;
    await el.updateComplete;
    expect(seen.handedBack).to.equal(true);
    expect(fields(el)).to.deep.equal(['张三', '138 0013 8000']);
    expect(form.checkValidity()).to.equal(false);
  });

  it('leaves what the page filled in as it defined the element, rather than hand the old fields back over it', async () => {
    // The page's script, right after the definition: a profile it already has.
    handedBackAsItUpgrades('carrier-verify-prefilled', (el) => el.fill({ name: '李四', phoneNumber: '18612345678' }));
    const el = await fixture<CarrierVerify>(html`<carrier-verify-prefilled></carrier-verify-prefilled>`);
    await el.updateComplete;
    await el.updateComplete;
    expect(fields(el)).to.deep.equal(['李四', '186 1234 5678']);
  });
});
