// Serves the built demo, dashboard and script-tag bundle from dist/ on Node.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AssetFetcher } from './config.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Reads files below `root`; a path that climbs out of it, or a missing file, is null. */
export function fileAssets(root: string): AssetFetcher {
  const base = resolve(root) + sep;
  return async (path) => {
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return null;
    try {
      const body = await readFile(file);
      const immutable = /\/assets\//.test(path);
      return new Response(body, {
        headers: {
          'content-type': types[extname(file)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    } catch {
      return null;
    }
  };
}
