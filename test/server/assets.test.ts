// The built files as the Node program serves them (fileAssets behind startServer): real HTTP on loopback, the
// bytes on the wire read as they come, compressed or not.
import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../../server/config.js';
import { fileAssets } from '../../server/node-assets.js';
import { startServer, type RunningServer } from '../../server/node.js';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The bytes as sent, not decoded. */
  readonly body: Buffer;
}

/** A script of some size with the repetition of real code, so that gzip and brotli have something to do. */
const script = Buffer.from(
  Array.from({ length: 600 }, (_, i) => `export function part${i}(value) { return value === ${i} ? 'part ${i}' : part${(i * 7) % 600}(value - 1); }\n`).join(''),
);
const sourceMap = Buffer.from(JSON.stringify({ version: 3, sources: ['widget/bundle.ts'], sourcesContent: [script.toString()], mappings: 'AAAA;'.repeat(400) }));
const pageScript = Buffer.from(`console.log(${JSON.stringify('the demo '.repeat(400))});\n`);
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('the built files over HTTP', () => {
  let dir: string;
  let running: RunningServer;
  const logs: LogLine[] = [];

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<Answer>((resolve, reject) => {
      request({ host: '127.0.0.1', port: running.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carrier-verify-assets-'));
    await mkdir(join(dir, 'site', 'assets'), { recursive: true });
    await writeFile(join(dir, 'carrier-verify.js'), script);
    await writeFile(join(dir, 'carrier-verify.js.map'), sourceMap);
    await writeFile(join(dir, 'site', 'assets', 'index-1a2b.js'), pageScript);
    await writeFile(join(dir, 'site', 'assets', 'logo-3c4d.png'), png);
    await writeFile(join(dir, 'site', 'index.html'), `<!doctype html><html><head><script src="carrier-verify.js"></script></head><body>${'demo '.repeat(400)}</body></html>`);
    running = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: (line) => logs.push(line), assets: fileAssets(dir) });
  });
  afterAll(async () => {
    await running?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends the bundle whole to a client that takes no compression, with a strong ETag and its headers', async () => {
    const res = await get('/carrier-verify.js');
    expect(res.status).toBe(200);
    expect(res.body.equals(script)).toBe(true);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(script.length));
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(res.headers.vary).toMatch(/\bAccept-Encoding\b/i);
    // Revalidated on every use (the URL names no version), readable from any origin, with the security headers.
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The same bytes, the same tag.
    expect((await get('/carrier-verify.js')).headers.etag).toBe(res.headers.etag);
  });

  it('sends brotli or gzip as Accept-Encoding asks, each decoding to the same bytes under an ETag of its own', async () => {
    const identity = await get('/carrier-verify.js', { 'accept-encoding': 'identity' });
    const br = await get('/carrier-verify.js', { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await get('/carrier-verify.js', { 'accept-encoding': 'gzip' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.equals(script)).toBe(true);

    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(script)).toBe(true);
    expect(br.headers['content-length']).toBe(String(br.body.length));
    expect(br.body.length).toBeLessThan(script.length / 4);

    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(script)).toBe(true);
    expect(gzip.headers['content-length']).toBe(String(gzip.body.length));

    const tags = [identity, br, gzip].map((res) => res.headers.etag);
    expect(new Set(tags).size).toBe(3);
    for (const res of [br, gzip]) {
      expect(res.headers.vary).toMatch(/\bAccept-Encoding\b/i);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
  });

  it('weighs the codings as the client does: q=0 refuses one, * takes the rest', async () => {
    const codingFor = async (accept: string) => (await get('/carrier-verify.js', { 'accept-encoding': accept })).headers['content-encoding'] ?? 'identity';
    expect(await codingFor('br;q=0, gzip')).toBe('gzip');
    expect(await codingFor('gzip;q=0.5, br;q=0.4')).toBe('gzip');
    expect(await codingFor('gzip;q=0, br;q=0')).toBe('identity');
    expect(await codingFor('*')).toBe('br');
    expect(await codingFor('*;q=0')).toBe('identity');
    expect(await codingFor('deflate')).toBe('identity');
  });

  it('answers 304 with no body when If-None-Match names the representation the client would get', async () => {
    for (const accept of ['', 'gzip', 'br, gzip']) {
      const first = await get('/carrier-verify.js', { 'accept-encoding': accept });
      const again = await get('/carrier-verify.js', { 'accept-encoding': accept, 'if-none-match': first.headers.etag! });
      expect([accept, again.status]).toEqual([accept, 304]);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['cache-control']).toBe('no-cache');
      expect(again.headers['access-control-allow-origin']).toBe('*');
      expect(again.headers.vary).toMatch(/\bAccept-Encoding\b/i);
      // A list of tags, and a weak one, are compared as the header wants.
      expect((await get('/carrier-verify.js', { 'accept-encoding': accept, 'if-none-match': `"other", W/${first.headers.etag}` })).status).toBe(304);
    }
    // A tag of another representation, or of no representation at all, gets the bytes.
    const identityTag = (await get('/carrier-verify.js')).headers.etag!;
    const gzip = await get('/carrier-verify.js', { 'accept-encoding': 'gzip', 'if-none-match': identityTag });
    expect(gzip.status).toBe(200);
    expect(gunzipSync(gzip.body).equals(script)).toBe(true);
    expect((await get('/carrier-verify.js', { 'if-none-match': '"not-this-one"' })).status).toBe(200);
  });

  it('logs each answer as the client got it: a 304 as a 304', async () => {
    const tag = (await get('/carrier-verify.js')).headers.etag!;
    await get('/carrier-verify.js', { 'if-none-match': tag });
    expect(logs.at(-1)).toMatchObject({ method: 'GET', status: 304 });
  });

  it('answers HEAD with the headers a GET would have, and no body', async () => {
    const get_ = await get('/carrier-verify.js', { 'accept-encoding': 'br' });
    const head = await get('/carrier-verify.js', { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of ['etag', 'content-encoding', 'content-length', 'vary', 'cache-control']) expect([name, head.headers[name]]).toEqual([name, get_.headers[name]]);
    expect((await get('/carrier-verify.js', { 'if-none-match': (await get('/carrier-verify.js')).headers.etag! }, 'HEAD')).status).toBe(304);
    // The same for a file sent as it is, and for a client that takes no compression.
    for (const [path, accept] of [['/assets/logo-3c4d.png', 'gzip, br'], ['/carrier-verify.js', 'identity']] as const) {
      const whole = await get(path, { 'accept-encoding': accept });
      const bare = await get(path, { 'accept-encoding': accept }, 'HEAD');
      expect([path, bare.headers['content-length']]).toEqual([path, String(whole.body.length)]);
    }
  });

  it('serves the source map and the pages’ files the same way; a PNG as it is', async () => {
    const map = await get('/carrier-verify.js.map', { 'accept-encoding': 'gzip' });
    expect(map.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(map.body).equals(sourceMap)).toBe(true);
    expect(map.headers['access-control-allow-origin']).toBe('*');
    expect((await get('/carrier-verify.js.map', { 'if-none-match': map.headers.etag!, 'accept-encoding': 'gzip' })).status).toBe(304);

    const file = await get('/assets/index-1a2b.js', { 'accept-encoding': 'br' });
    expect(file.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(file.body).equals(pageScript)).toBe(true);
    expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/assets/index-1a2b.js', { 'if-none-match': file.headers.etag!, 'accept-encoding': 'br' })).status).toBe(304);

    const logo = await get('/assets/logo-3c4d.png', { 'accept-encoding': 'gzip, br' });
    expect(logo.headers['content-encoding']).toBeUndefined();
    expect(logo.headers.vary).toBeUndefined();
    expect(logo.body.equals(png)).toBe(true);
    expect((await get('/assets/logo-3c4d.png', { 'if-none-match': logo.headers.etag! })).status).toBe(304);
  });

  it('sends a page with its base element, whole, whatever the request carries', async () => {
    const page = await get('/', { 'accept-encoding': 'gzip, br', 'if-none-match': '*' });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.body.toString()).toContain('<base href="/" />');
  });

  it('gives a file changed on disk a new ETag, and its new bytes to a client holding the old tag', async () => {
    await writeFile(join(dir, 'carrier-verify.js.map'), sourceMap);
    const before = await get('/carrier-verify.js.map');
    const changed = Buffer.concat([sourceMap.subarray(0, -1), Buffer.from(', "file": "carrier-verify.js"}')]);
    await writeFile(join(dir, 'carrier-verify.js.map'), changed);
    const after = await get('/carrier-verify.js.map', { 'if-none-match': before.headers.etag! });
    expect(after.status).toBe(200);
    expect(after.body.equals(changed)).toBe(true);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const br = await get('/carrier-verify.js.map', { 'accept-encoding': 'br' });
    expect(brotliDecompressSync(br.body).equals(changed)).toBe(true);
  });
});

describe('fileAssets given a file: URL', () => {
  it("finds the files of a folder whose path has a space, which a URL's pathname would spell %20", async () => {
    const parent = await mkdtemp(join(tmpdir(), 'carrier-verify-assets-'));
    try {
      const folder = join(parent, 'my app', 'public');
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'carrier-verify.js'), 'customElements;');
      const url = pathToFileURL(`${folder}/`);
      expect(url.pathname).toContain('my%20app');
      const found = await fileAssets(url)('/carrier-verify.js');
      expect(found?.status).toBe(200);
      expect(await found?.text()).toBe('customElements;');
      expect(await fileAssets(url.pathname)('/carrier-verify.js')).toBeNull();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
