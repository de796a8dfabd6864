// The element on a page with a strict Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval') and Trusted Types enforced.
import { expect } from '@open-wc/testing';

describe('<carrier-verify> under a strict CSP with Trusted Types', () => {
  it('is styled (its stylesheet is no inline style), verifies, and causes no violation', async () => {
    const frame = document.createElement('iframe');
    const report = new Promise<{ status: string; display: string; violations: string[] }>((resolve) => {
      addEventListener('message', (event: MessageEvent) => event.source === frame.contentWindow && resolve(event.data));
    });
    frame.src = '/test/strict-csp';
    document.body.append(frame);
    try {
      expect(await report).to.deep.equal({ status: 'verified', display: 'block', violations: [] });
    } finally {
      frame.remove();
    }
  });
});
