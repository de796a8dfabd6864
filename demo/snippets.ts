// The embedding code shown on the demo page, ready to copy.

export const snippets = {
  html: `<form method="post" action="/signup">
  <carrier-verify site-key="YOUR_SITE_KEY" required></carrier-verify>
  <button>Sign up</button>
</form>
<script src="https://YOUR_PROXY/carrier-verify.js"></script>
<script>
  document.querySelector('carrier-verify').addEventListener('cv-verified', (event) => {
    console.log('verified', event.detail.phoneMasked); // the token is posted with the form
  });
</script>`,
  react: `import 'carrier-verify';

export function Signup() {
  return (
    <form method="post" action="/signup">
      <carrier-verify
        site-key="YOUR_SITE_KEY"
        endpoint="https://YOUR_PROXY/api/verify"
        required
        oncv-verified={(event) => console.log(event.detail.phoneMasked)}
      />
      <button>Sign up</button>
    </form>
  );
}`,
  vue: `<script setup lang="ts">
import 'carrier-verify';
const onVerified = (event: CustomEvent) => console.log(event.detail.phoneMasked);
</script>

<template>
  <form method="post" action="/signup">
    <carrier-verify site-key="YOUR_SITE_KEY" endpoint="https://YOUR_PROXY/api/verify" required @cv-verified="onVerified" />
    <button>Sign up</button>
  </form>
</template>`,
} as const;

export type SnippetId = keyof typeof snippets;
