// Serves built pages from a folder and the proxy (on the sandbox) under /api, on 127.0.0.1, for browser-driven tests.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { createApp } from '../../server/app.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface SiteServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startSiteServer(folder: string): Promise<SiteServer> {
  const api = createApp();
  const site = new Hono();
  site.all('/api/*', (c) => api.fetch(c.req.raw, c.env));
  site.get('*', async (c) => {
    const path = normalize(decodeURIComponent(c.req.path)).replace(/^(\.\.[/\\])+/, '');
    const file = join(folder, path.endsWith('/') ? `${path}index.html` : path);
    try {
      return c.body(await readFile(file), 200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    } catch {
      return c.notFound();
    }
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: site.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
