// The privacy notice: what is sent, to whom and why, in each language, with the site's own policy link.
import { expect, fixture, html } from '@open-wc/testing';
import '../../widget/define.js';
import type { CarrierVerify } from '../../widget/carrier-verify.js';

const notice = (el: CarrierVerify) => el.shadowRoot!.querySelector<HTMLElement>('[part="privacy"]')!;

describe('<carrier-verify> privacy notice', () => {
  for (const [lang, words] of [
    ['zh-CN', ['姓名', '手机号', '验证服务', '服务商', '运营商', '仅用于']],
    ['zh-TW', ['姓名', '手機號碼', '驗證服務', '服務供應商', '電信業者', '僅用於']],
    ['en', ['name', 'number', 'verification service', 'provider', 'carrier', 'only to check']],
  ] as const) {
    it(`says what is sent, to whom and why in ${lang}`, async () => {
      const el = await fixture<CarrierVerify>(html`<carrier-verify lang=${lang}></carrier-verify>`);
      const text = notice(el).textContent ?? '';
      for (const word of words) expect(text).to.contain(word);
    });
  }

  it('links the site\'s policy from the privacy-policy attribute', async () => {
    const el = await fixture<CarrierVerify>(html`<carrier-verify lang="zh-CN" privacy-policy="https://shop.example/privacy"></carrier-verify>`);
    const link = notice(el).querySelector('a')!;
    expect(link.getAttribute('href')).to.equal('https://shop.example/privacy');
    expect(link.textContent).to.contain('隐私政策');
    expect(link.getAttribute('rel')).to.contain('noopener');
    // Straight after the Chinese full stop; after a space in English.
    expect(notice(el).textContent!.trim()).to.match(/。查看隐私政策$/);
    el.lang = 'en';
    await el.updateComplete;
    expect(notice(el).textContent!.trim()).to.match(/match\. See privacy policy$/);
  });

  it('links a policy only at an http(s) or a relative address: a javascript: or data: one gets no link', async () => {
    const el = await fixture<CarrierVerify>(html`<carrier-verify lang="en"></carrier-verify>`);
    const linked = () => notice(el).querySelector('a')?.getAttribute('href') ?? null;
    const shown: [string, string | null][] = [];
    for (const href of [
      'https://shop.example/privacy',
      'HTTP://shop.example/privacy',
      '//shop.example/privacy',
      '/privacy',
      'privacy.html',
      '../legal/privacy?v=2#data',
      'javascript:alert(document.cookie)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
    ]) {
      el.setAttribute('privacy-policy', href);
      await el.updateComplete;
      shown.push([href, linked()]);
    }
    expect(shown).to.deep.equal([
      ['https://shop.example/privacy', 'https://shop.example/privacy'],
      ['HTTP://shop.example/privacy', 'HTTP://shop.example/privacy'],
      ['//shop.example/privacy', '//shop.example/privacy'],
      ['/privacy', '/privacy'],
      ['privacy.html', 'privacy.html'],
      ['../legal/privacy?v=2#data', '../legal/privacy?v=2#data'],
      ['javascript:alert(document.cookie)', null],
      ['JavaScript:alert(1)', null],
      [' javascript:alert(1)', null],
      ['java\tscript:alert(1)', null],
      ['data:text/html,<script>alert(1)</script>', null],
      ['vbscript:msgbox(1)', null],
    ]);
    // The notice itself stays, without its link.
    expect(notice(el).textContent).to.contain('used only to check with your carrier');
  });

  it('shows no link without a policy, and the site\'s own content in the privacy slot', async () => {
    const bare = await fixture<CarrierVerify>(html`<carrier-verify></carrier-verify>`);
    expect(notice(bare).querySelector('a')).to.equal(null);
    const slotted = await fixture<CarrierVerify>(html`<carrier-verify><a slot="privacy" href="/terms">Our terms</a></carrier-verify>`);
    const slot = notice(slotted).querySelector<HTMLSlotElement>('slot[name="privacy"]')!;
    expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['Our terms']);
  });
});
