// Builds the demo and dashboard pages and the script-tag bundle with Vite into a temporary directory, so that page
// tests need no prior build.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { AssetFetcher } from '../../server/config.js';
import { fileAssets } from '../../server/node-assets.js';
import { buildScriptTagBundle } from '../../scripts/bundle.mjs';

const root = resolve(import.meta.dirname, '../..');

export interface BuiltSite {
  /** Serves the built pages the way node.ts serves dist/ (`/site/dashboard.html`, `/site/assets/…`, `/carrier-verify.js`). */
  readonly assets: AssetFetcher;
  remove(): Promise<void>;
}

export async function buildSite(): Promise<BuiltSite> {
  const dir = await mkdtemp(join(tmpdir(), 'carrier-verify-site-'));
  await build({
    configFile: join(root, 'vite.config.ts'),
    mode: 'production',
    logLevel: 'warn',
    build: { outDir: join(dir, 'site'), emptyOutDir: true },
  });
  // The demo loads the widget the way a site does, from the proxy: carrier-verify.js beside the page.
  await buildScriptTagBundle(dir);
  return { assets: fileAssets(dir), remove: () => rm(dir, { recursive: true, force: true }) };
}
