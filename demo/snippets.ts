// The embedding code shown on the demo page, ready to copy: it names this proxy and its sandbox site, so that it
// works as pasted into a page served from localhost, and says what to change for a site of one's own.
import { SANDBOX_SITE } from '../server/sites.js';

export const snippetIds = ['html', 'react', 'vue', 'backend'] as const;
export type SnippetId = (typeof snippetIds)[number];

/**
 * The code for each tab, for the app at `proxy`: the absolute address where it is mounted, ending in `/`
 * (`http://localhost:8787/`, `https://shop.example/kyc/`).
 */
export function snippetsFor(address: string): Record<SnippetId, string> {
  // The address is the page's, which a link chose (a mount under a route parameter takes any path): each character
  // that could end the string, attribute or comment it is written into, or start code there, is percent-encoded,
  // which names the same place. A URL's `href` is ASCII (anything else it holds percent-encoded already), so each
  // character is one byte.
  const proxy = address.replace(/[^\w\-.~:/[\]@%]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const { siteKey, secret } = SANDBOX_SITE;
  const element = `site-key="${siteKey}" endpoint="${proxy}api/verify" required`;
  return {
    html: `<!-- On a page served from localhost or 127.0.0.1, which the sandbox site allows (a file:// page is refused).
     On your site: your site key, and your proxy's address. -->
<form method="post" action="/signup">
  <!-- posts carrier-verify-token, and the verified pair as real_name and mobile: your backend checks all three
       with siteverify (see the backend code) -->
  <carrier-verify ${element}
    name-field="real_name" phone-field="mobile"></carrier-verify>
  <button>Sign up</button>
</form>
<script src="${proxy}carrier-verify.js"></script>
<script>
  document.querySelector('carrier-verify').addEventListener('cv-verified', (event) => {
    console.log('verified', event.detail.phoneMasked);
  });
</script>`,
    react: `// React 19 (npm install carrier-verify-<version>.tgz, packed from the checkout: see the README): the /react entry defines the element and types it in JSX, events included.
// The form posts carrier-verify-token, real_name and mobile: your backend checks them with siteverify (see the backend code).
import 'carrier-verify/react';

export function Signup() {
  return (
    <form method="post" action="/signup">
      {/* camelCase props, which TypeScript checks (a dashed attribute's spelling it does not) */}
      <carrier-verify
        siteKey="${siteKey}"
        endpoint="${proxy}api/verify"
        required
        nameField="real_name"
        phoneField="mobile"
        oncv-verified={(event) => console.log('verified', event.detail.phoneMasked)}
      />
      <button>Sign up</button>
    </form>
  );
}`,
    vue: `<!-- vite.config.ts: vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'carrier-verify' } } }) -->
<script setup lang="ts">
// Vue 3 (npm install carrier-verify-<version>.tgz, packed from the checkout: see the README): the /vue entry defines the element and types it in templates, events included.
// The form posts carrier-verify-token, real_name and mobile: your backend checks them with siteverify (see the backend code).
import 'carrier-verify/vue';
import type { VerifiedEvent } from 'carrier-verify';
const onVerified = (event: VerifiedEvent) => console.log('verified', event.detail.phoneMasked);
</script>

<template>
  <form method="post" action="/signup">
    <carrier-verify ${element}
      name-field="real_name" phone-field="mobile" @cv-verified="onVerified" />
    <button>Sign up</button>
  </form>
</template>`,
    backend: `// Your backend, where the form posts (POST /signup), with a web-standard Request (Hono, Next.js, Deno, Bun; Node 18+).
// A cv-verified event proves nothing to a server: the token does, once, within 300 s, for the pair that was verified.
export async function signup(request) {
  const form = await request.formData();
  const token = form.get('carrier-verify-token');
  const name = form.get('real_name');
  const phoneNumber = form.get('mobile');
  if (!token || !name || !phoneNumber) return new Response('Verify your name and mobile number first', { status: 400 });
  const response = await fetch('${proxy}api/siteverify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The sandbox site's secret is public; your site's secret stays on your server (process.env, say).
    body: JSON.stringify({ secret: '${secret}', token, name, phoneNumber }),
  });
  const answer = await response.json().catch(() => null);
  // { success: true, code: 'FP00000', phoneMasked: '138****8000', carrier: 'china-mobile', siteKey, issuedAt, errors: [] }
  // A wrong address, or a gateway in front of the proxy, answers without success: no verdict, so no yes.
  if (typeof answer?.success !== 'boolean') return new Response(\`No answer from siteverify (HTTP \${response.status})\`, { status: 502 });
  if (!answer.success) return new Response(\`Not verified: \${answer.errors.join(', ')}\`, { status: 403 });
  return new Response(\`Verified \${answer.phoneMasked}\`);
}`,
  };
}
