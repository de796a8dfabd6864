// The script-tag bundle, built with Vite's own `bundle` mode into any folder, and how its size is measured.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_FILE = 'carrier-verify.js';
/** Most the script-tag bundle may weigh gzipped, everything included: 24 KB. */
export const BUNDLE_GZIP_LIMIT = 24 * 1024;
/** What the bundle aims at, gzipped. */
export const BUNDLE_GZIP_AIM = 20 * 1024;

/** Gzip (level 9) and brotli (quality 11) sizes, in bytes, as a CDN would serve the file. */
export function compressedSizes(code) {
  const bytes = typeof code === 'string' ? Buffer.from(code) : code;
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** The Subresource Integrity value of a file, `sha384-<base64>`, for `<script integrity="…">`. */
export function integrityOf(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/**
 * Builds the script-tag bundle into `outDir` with vite.config.ts in `bundle` mode; returns the path, its sizes
 * and its integrity value.
 */
export async function buildScriptTagBundle(outDir) {
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), mode: 'bundle', logLevel: 'warn', build: { outDir, emptyOutDir: false } });
  const file = join(outDir, BUNDLE_FILE);
  const bytes = await readFile(file);
  return { file, integrity: integrityOf(bytes), ...compressedSizes(bytes) };
}

/** Builds the demo and dashboard pages into `outDir` with vite.config.ts in its default mode. */
export async function buildPages(outDir) {
  const { build } = await import('vite');
  // No `root` here: the config's own (demo/) places the pages at the top of `outDir`.
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/** `12 345 B (12.1 KB)`: bytes, and kibibytes to one decimal. */
export function formatBytes(bytes) {
  return `${bytes.toLocaleString('en-US')} B (${(bytes / 1024).toFixed(1)} KB)`;
}
