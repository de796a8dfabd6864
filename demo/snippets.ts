// The embedding code shown on the demo page, ready to copy.

export const snippets = {
  html: `<form method="post" action="/signup">
  <!-- posts carrier-verify-token, and the verified pair as real_name and mobile: check all three with siteverify -->
  <carrier-verify site-key="YOUR_SITE_KEY" endpoint="https://YOUR_PROXY/api/verify" required
    name-field="real_name" phone-field="mobile"></carrier-verify>
  <button>Sign up</button>
</form>
<script src="https://YOUR_PROXY/carrier-verify.js"></script>
<script>
  document.querySelector('carrier-verify').addEventListener('cv-verified', (event) => {
    console.log('verified', event.detail.phoneMasked);
  });
</script>`,
  react: `// React 19: the /react entry defines the element and types it in JSX, events included.
import 'carrier-verify/react';

export function Signup() {
  return (
    <form method="post" action="/signup">
      <carrier-verify
        site-key="YOUR_SITE_KEY"
        endpoint="https://YOUR_PROXY/api/verify"
        required
        name-field="real_name"
        phone-field="mobile"
        oncv-verified={(event) => console.log(event.detail.phoneMasked)}
      />
      <button>Sign up</button>
    </form>
  );
}`,
  vue: `<!-- vite.config.ts: vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'carrier-verify' } } }) -->
<script setup lang="ts">
// Vue 3: the /vue entry defines the element and types it in templates, events included.
import 'carrier-verify/vue';
import type { VerifiedEvent } from 'carrier-verify';
const onVerified = (event: VerifiedEvent) => console.log(event.detail.phoneMasked);
</script>

<template>
  <form method="post" action="/signup">
    <carrier-verify site-key="YOUR_SITE_KEY" endpoint="https://YOUR_PROXY/api/verify" required
      name-field="real_name" phone-field="mobile" @cv-verified="onVerified" />
    <button>Sign up</button>
  </form>
</template>`,
} as const;

export type SnippetId = keyof typeof snippets;
