// The React example. In an app `carrier-verify` resolves from node_modules; here it is this repository's own source.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(`../../widget/${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^carrier-verify\/react$/, replacement: source('react.ts') },
      { find: /^carrier-verify$/, replacement: source('index.ts') },
    ],
  },
  // `/api` goes on to the proxy: `npm start`'s port, or CARRIER_VERIFY_PROXY_URL for one elsewhere.
  server: { proxy: { '/api': process.env.CARRIER_VERIFY_PROXY_URL || 'http://localhost:8787' } },
});
