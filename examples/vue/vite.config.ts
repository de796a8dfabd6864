// The Vue example. In an app `carrier-verify` resolves from node_modules; here it is this repository's own source.
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(`../../widget/${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Vue must leave <carrier-verify> to the browser rather than look for a Vue component of that name.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'carrier-verify' } } })],
  resolve: {
    alias: [
      { find: /^carrier-verify\/vue$/, replacement: source('vue.ts') },
      { find: /^carrier-verify$/, replacement: source('index.ts') },
    ],
  },
  // `/api` goes on to the proxy: `npm start`'s port, or CARRIER_VERIFY_PROXY_URL for one elsewhere.
  server: { proxy: { '/api': process.env.CARRIER_VERIFY_PROXY_URL || 'http://localhost:8787' } },
});
