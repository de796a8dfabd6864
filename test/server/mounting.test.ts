// The proxy mounted in a site's own Hono app, under a prefix or at the root: its API, its metrics and its log work
// there, and the site's own routes are left alone.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { baseHref } from '../../server/pages.js';
import type { LogLine } from '../../server/config.js';
import { postJson } from '../support/app.js';

function siteWithProxy() {
  const lines: LogLine[] = [];
  const site = new Hono();
  site.get('/mine', (c) => c.html('<script>start()</script>'));
  site.route('/cv', createApp({ log: (line) => lines.push(line), remoteAddress: () => '203.0.113.7' }));
  return { site, lines };
}

const verify = (site: Hono, body: unknown, path = '/cv/api/verify') => postJson(site, path, body);

describe('createApp mounted under /cv', () => {
  it('verifies, and counts each answer in its metrics', async () => {
    const { site } = siteWithProxy();
    const res = await verify(site, { name: '张三', phoneNumber: '13800138000' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: 'FP00000', phoneMasked: '138****8000' });
    expect((await verify(site, { name: '张三', phoneNumber: '12345678901' })).status).toBe(400);
    const metrics = await (await site.request('/cv/metrics')).text();
    expect(metrics).toMatch(/^carrier_verify_requests_total\{route="verify",code="FP00000",site="sandbox",provider="sandbox"\} 1$/m);
    expect(metrics).toMatch(/^carrier_verify_requests_total\{route="verify",code="INVALID_PHONE",[^}]*\} 1$/m);
  });

  it('logs its own routes by pattern and leaves the site’s routes without its headers or log lines', async () => {
    const { site, lines } = siteWithProxy();
    await verify(site, { name: '张三', phoneNumber: '13800138000' });
    const mine = await site.request('/mine');
    expect(await mine.text()).toBe('<script>start()</script>');
    expect(mine.headers.get('content-security-policy')).toBeNull();
    expect(mine.headers.get('x-request-id')).toBeNull();
    expect(lines.map((line) => [line.route, line.status, line.ip])).toEqual([['/cv/api/verify', 200, '203.0.113.0/24']]);
  });

  it('answers a wrong method with 405 and its CORS headers', async () => {
    const { site } = siteWithProxy();
    const res = await site.request('/cv/api/verify', { headers: { origin: 'http://localhost:5173' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await site.request('/cv/api/siteverify')).status).toBe(405);
  });
});

describe('createApp mounted through an app with an error page of its own', () => {
  it('frames all it answers, the script-tag bundle and its health included', async () => {
    const lines: LogLine[] = [];
    const assets = async (path: string) => (path === '/carrier-verify.js' ? new Response('/* bundle */', { headers: { 'content-type': 'text/javascript' } }) : null);
    const api = new Hono();
    api.onError((_error, c) => c.text('the api’s error page', 500));
    api.route('/kyc', createApp({ log: (line) => lines.push(line), assets, remoteAddress: () => '203.0.113.7' }));
    const site = new Hono();
    site.route('/', api);
    const script = await site.request('/kyc/carrier-verify.js');
    expect(await script.text()).toBe('/* bundle */');
    expect(script.headers.get('access-control-allow-origin')).toBe('*');
    expect(script.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const health = await site.request('/kyc/healthz');
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((line) => [line.route, line.status])).toEqual([
      ['/kyc/carrier-verify.js', 200],
      ['/kyc/healthz', 200],
    ]);
  });
});

describe('createApp mounted at the root of a site’s app', () => {
  function siteAtRoot() {
    const lines: LogLine[] = [];
    const site = new Hono();
    site.get('/', (c) => c.html('<p>home</p>'));
    site.get('/before', (c) => c.html('<p>before</p>'));
    site.route('/', createApp({ log: (line) => lines.push(line), remoteAddress: () => '203.0.113.7' }));
    site.get('/after', (c) => c.html('<p>after</p>'));
    site.get('/broken', () => {
      throw new Error('the site’s own failure');
    });
    site.onError((_error, c) => c.text('the site’s error page', 500));
    return { site, lines };
  }

  it('answers verify at the widget’s default path with its own headers', async () => {
    const { site } = siteAtRoot();
    const res = await verify(site, { name: '张三', phoneNumber: '13800138000' }, '/api/verify');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: 'FP00000' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('leaves the site’s routes registered before and after it, its home page, its 404 and its errors as the site made them', async () => {
    const { site, lines } = siteAtRoot();
    await verify(site, { name: '张三', phoneNumber: '13800138000' }, '/api/verify');
    for (const [path, status, text] of [
      ['/', 200, '<p>home</p>'],
      ['/before', 200, '<p>before</p>'],
      ['/after', 200, '<p>after</p>'],
      ['/nothing', 404, '404 Not Found'],
      ['/assets/logo.png', 404, '404 Not Found'],
      ['/broken', 500, 'the site’s error page'],
    ] as const) {
      const res = await site.request(path);
      expect([path, res.status, await res.text()]).toEqual([path, status, text]);
      expect(res.headers.get('content-security-policy'), path).toBeNull();
      expect(res.headers.get('x-request-id'), path).toBeNull();
    }
    expect(lines.map((line) => [line.route, line.status])).toEqual([['/api/verify', 200]]);
    const metrics = await (await site.request('/metrics')).text();
    expect(metrics).not.toMatch(/route="(?!verify")[^"]*"[^}]*code="NOT_FOUND"/);
  });
});

describe('the demo and monitoring pages wherever the app is mounted', () => {
  /** The built pages as fileAssets serves them: each head opens with the relative URLs of its files. */
  const assets = async (path: string) => {
    const headers = { 'content-type': path.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript', 'cache-control': 'no-cache' };
    if (path === '/site/index.html') return new Response('<!doctype html><html><head><script src="carrier-verify.js"></script></head><body>demo</body></html>', { headers });
    if (path === '/site/dashboard.html') return new Response('<!doctype html>\n<html lang="en">\n  <head>\n    <title>monitoring</title>\n  </head></html>', { headers });
    if (path === '/site/assets/index-abc.js') return new Response('/* the demo */', { headers });
    return null;
  };
  const baseOf = async (res: Response) => /<base href="([^"]*)" \/>/.exec(await res.text())?.[1];

  it('names the mount in a base element at the top of each page’s head, its headers kept', async () => {
    const site = new Hono();
    site.route('/kyc', createApp({ assets, log: () => undefined }));
    const demo = await site.request('/kyc');
    expect(demo.status).toBe(200);
    expect(await demo.clone().text()).toBe('<!doctype html><html><head><base href="/kyc/" /><script src="carrier-verify.js"></script></head><body>demo</body></html>');
    expect(demo.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(demo.headers.get('cache-control')).toBe('no-cache');
    expect(demo.headers.get('content-security-policy')).toContain("base-uri 'self'");
    expect(await baseOf(await site.request('/kyc/dashboard'))).toBe('/kyc/');
    // The path as Hono routes it, decoded: a page reached by an encoded spelling of its path gets the same base.
    expect(await baseOf(await site.request('/kyc/%64ashboard'))).toBe('/kyc/');
    expect(await (await site.request('/kyc/assets/index-abc.js')).text()).toBe('/* the demo */');
    expect((await site.request('/kyc/assets/x/y/assets/index-abc.js')).status).toBe(404);
  });

  it('names the root at the root, a mount with a parameter as the request spells it, and a mount in a lenient site', async () => {
    const root = new Hono();
    root.route('/', createApp({ assets, log: () => undefined }));
    expect(await baseOf(await root.request('/'))).toBe('/');
    expect(await baseOf(await root.request('/dashboard'))).toBe('/');
    expect(await (await root.request('/assets/index-abc.js')).text()).toBe('/* the demo */');
    const tenants = new Hono();
    tenants.route('/:tenant/kyc', createApp({ assets, log: () => undefined }));
    expect(await baseOf(await tenants.request('/acme/kyc/dashboard'))).toBe('/acme/kyc/');
    expect(await baseOf(await tenants.request('/a%20%22b/kyc/dashboard'))).toBe('/a%20%22b/kyc/');
    expect(await (await tenants.request('/acme/kyc/assets/index-abc.js')).text()).toBe('/* the demo */');
    const lenient = new Hono({ strict: false });
    lenient.route('/kyc', createApp({ assets, log: () => undefined }));
    expect(await baseOf(await lenient.request('/kyc/'))).toBe('/kyc/');
    expect(await baseOf(await lenient.request('/kyc/dashboard/'))).toBe('/kyc/');
  });

  it('never names another origin, and writes the mount as a URL path', () => {
    expect(baseHref('/')).toBe('/');
    expect(baseHref('//evil.example/kyc')).toBe('/evil.example/kyc/');
    expect(baseHref('/a"b&c')).toBe('/a%22b&c/');
    expect(baseHref('/核验')).toBe('/%E6%A0%B8%E9%AA%8C/');
  });

  it('leaves a page from an assets fetcher that is not plain HTML as it is, and keeps a page without a head in its mode', async () => {
    const gzipped = new Uint8Array([0x1f, 0x8b, 8, 0]);
    const fetcher = async (path: string) =>
      path === '/site/index.html'
        ? new Response(gzipped, { headers: { 'content-type': 'text/html', 'content-encoding': 'gzip', etag: '"v1"' } })
        : path === '/site/dashboard.html'
          ? new Response('<!DOCTYPE html><title>monitoring</title>', { headers: { 'content-type': 'text/html', etag: '"v1"' } })
          : null;
    const site = new Hono();
    site.route('/kyc', createApp({ assets: fetcher, log: () => undefined }));
    const demo = await site.request('/kyc');
    expect(new Uint8Array(await demo.arrayBuffer())).toEqual(gzipped);
    expect(demo.headers.get('etag')).toBe('"v1"');
    const dashboard = await site.request('/kyc/dashboard');
    expect(await dashboard.text()).toBe('<!DOCTYPE html><base href="/kyc/" /><title>monitoring</title>');
    expect(dashboard.headers.get('etag')).toBeNull();
  });

  it('leaves a page that is not built as its 404', async () => {
    const site = new Hono();
    site.route('/kyc', createApp({ log: () => undefined }));
    const res = await site.request('/kyc/dashboard');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('createApp inside an Express app, as docs/install.md shows', () => {
  it('verifies under the prefix, gives the pages their base, and leaves the site its body parser', async () => {
    const { default: express } = await import('express');
    const { getRequestListener } = await import('@hono/node-server');
    const { nodeAppConfig } = await import('../../server/node-setup.js');
    const pages = async (path: string) => (path === '/site/dashboard.html' ? new Response('<!doctype html><html><head><title>d</title></head></html>', { headers: { 'content-type': 'text/html; charset=utf-8' } }) : null);
    const lines: LogLine[] = [];
    const kyc = await nodeAppConfig({}, { log: (line) => lines.push(line), assets: pages });
    // The lines of docs/install.md: the proxy before any body parser, with the path as the browser sent it.
    const proxy = getRequestListener(new Hono().route('/kyc', createApp(kyc.app)).fetch);
    const site = express();
    site.use('/kyc', (req, res) => {
      req.url = req.originalUrl;
      void proxy(req, res);
    });
    site.use(express.json());
    site.post('/signup', (req, res) => res.json({ got: (req.body as { name: string }).name }));
    const server = site.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    try {
      const post = (path: string, body: unknown) => fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const verified = await post('/kyc/api/verify', { name: '张三', phoneNumber: '13800138000' });
      expect([verified.status, (await verified.json()).code]).toEqual([200, 'FP00000']);
      expect(await (await post('/signup', { name: 'site' })).json()).toEqual({ got: 'site' });
      const dashboard = await fetch(`${origin}/kyc/dashboard`);
      expect(await dashboard.text()).toMatch(/<base href="\/kyc\/"/);
      // The client address is the socket's, through Express.
      expect(lines.find((line) => line.route === '/kyc/api/verify')).toMatchObject({ status: 200, ip: '127.0.0.0/24' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await kyc.close();
    }
  });
});
