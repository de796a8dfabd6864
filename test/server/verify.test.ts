// POST /api/verify in process: every result code, every error status and code, and what never leaves the proxy.
import { describe, expect, it } from 'vitest';
import { sandboxDirectory, sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { createApp } from '../../server/app.js';
import { postJson, testApp, TEST_TIMEOUT_MS } from '../support/app.js';

const verify = (body: unknown, headers?: Record<string, string>, app = testApp()) => postJson(app, '/api/verify', body, headers);

describe('POST /api/verify on the sandbox', () => {
  it.each(sandboxDirectory)('matches $phoneNumber with $name', async ({ phoneNumber, name }) => {
    const res = await verify({ name, phoneNumber });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'FP00000', message: 'SUCCESS', phoneMasked: `${phoneNumber.slice(0, 3)}****${phoneNumber.slice(-4)}` });
    expect(typeof body.token).toBe('string');
    expect(Object.keys(body).sort()).toEqual(['carrier', 'code', 'message', 'phoneMasked', 'token']);
  });

  it('answers FP03333 without a token for another name', async () => {
    const res = await verify({ name: '李四', phoneNumber: '13800138000' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ code: 'FP03333', message: '认证信息不一致', phoneMasked: '138****8000', carrier: 'china-mobile' });
  });

  it('answers KYC1101 for a valid number the directory does not have', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13900139000' });
    expect(await res.json()).toEqual({ code: 'KYC1101', message: '信息不存在', phoneMasked: '139****9000', carrier: 'china-mobile' });
  });

  it('normalises before asking: full-width digits, +86 and a look-alike dot still match', async () => {
    const res = await verify({ name: ' 买买提•艾力 ', phoneNumber: '＋86 192-1234-5678' });
    expect(await res.json()).toMatchObject({ code: 'FP00000', carrier: 'china-broadnet' });
  });

  it('relays an upstream HTTP 500 as 502 UPSTREAM_ERROR', async () => {
    const res = await verify({ name: '张三', phoneNumber: sandboxFaults.serverError });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ code: 'UPSTREAM_ERROR', message: expect.any(String) });
  });

  it('answers 504 UPSTREAM_TIMEOUT soon after the timeout when the upstream never answers', async () => {
    const started = performance.now();
    const res = await verify({ name: '张三', phoneNumber: sandboxFaults.noAnswer });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ code: 'UPSTREAM_TIMEOUT', message: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(TEST_TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TEST_TIMEOUT_MS + 1000);
  });

  it('gives up on the sandbox\'s number that never answers after 3 s by default, as the trial page says, well within the widget\'s own 30 s', async () => {
    const started = performance.now();
    const res = await postJson(createApp({ log: () => undefined }), '/api/verify', { name: '张三', phoneNumber: sandboxFaults.noAnswer });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ code: 'UPSTREAM_TIMEOUT', message: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(2995);
    expect(elapsed).toBeLessThan(4000);
  }, 10_000);
});

describe('POST /api/verify refusals', () => {
  it.each([
    ['张', '13800138000', 'INVALID_NAME', 'name', 'too-short'],
    ['', '13800138000', 'INVALID_NAME', 'name', 'empty'],
    ['Zhang San', '13800138000', 'INVALID_NAME', 'name', 'bad-character'],
    ['·张三', '13800138000', 'INVALID_NAME', 'name', 'bad-separator'],
    ['张'.repeat(51), '13800138000', 'INVALID_NAME', 'name', 'too-long'],
    ['张三', '', 'INVALID_PHONE', 'phone', 'empty'],
    ['张三', '1380013800', 'INVALID_PHONE', 'phone', 'too-short'],
    ['张三', '138001380001', 'INVALID_PHONE', 'phone', 'too-long'],
    ['张三', '12345678901', 'INVALID_PHONE', 'phone', 'not-mobile'],
    ['张三', '14412345678', 'INVALID_PHONE', 'phone', 'not-mobile'],
    ['张三', '138abc', 'INVALID_PHONE', 'phone', 'invalid'],
  ])('%j / %j → 400 %s (%s %s)', async (name, phoneNumber, code, field, reason) => {
    const res = await verify({ name, phoneNumber });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code, message: expect.any(String), field, reason });
  });

  it.each([
    ['not JSON', '{"name":'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a number for the name', JSON.stringify({ name: 1, phoneNumber: '13800138000' })],
    ['a missing number', JSON.stringify({ name: '张三' })],
    ['a non-string site key', JSON.stringify({ name: '张三', phoneNumber: '13800138000', siteKey: 5 })],
  ])('answers 400 INVALID_REQUEST for %s', async (_, raw) => {
    const res = await verify(raw);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it.each(['[]', 'null', '5', '"张三"'])('answers 400 INVALID_REQUEST for %s with several sites too, not a site-key refusal', async (raw) => {
    const sites = [
      { siteKey: 'shop', secret: 'shop-secret-of-some-length', origins: ['https://shop.example'] },
      { siteKey: 'bank', secret: 'bank-secret-of-some-length', origins: ['https://bank.example'] },
    ];
    const res = await testApp({ sites }).request('/api/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const app = testApp();
    const res = await app.request('/api/verify', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=张三' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 415 for a compressed body, or one in another charset than UTF-8, rather than misread it', async () => {
    const app = testApp();
    const body = JSON.stringify({ name: '张三', phoneNumber: '13800138000' });
    const gzipped = await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    const post = (headers: Record<string, string>, payload: BodyInit = body) => app.request('/api/verify', { method: 'POST', headers, body: payload });
    for (const [headers, payload, message] of [
      [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipped, 'The request body must not be compressed (no Content-Encoding)'],
      // The header alone: a body said to be compressed is not taken as plain either.
      [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, body, 'The request body must not be compressed (no Content-Encoding)'],
      [{ 'content-type': 'application/json; charset=gbk' }, body, 'The request body must be JSON in UTF-8'],
      [{ 'content-type': 'application/json; charset=utf-16' }, body, 'The request body must be JSON in UTF-8'],
    ] as const) {
      const res = await post(headers, payload);
      expect([headers, res.status]).toEqual([headers, 415]);
      expect(await res.json()).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message });
    }
    for (const headers of [
      { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' } as Record<string, string>,
      { 'content-type': 'application/json;charset="UTF-8"' },
      { 'content-type': 'application/json; charset=utf8' },
      { 'content-type': 'application/json; charset= utf-8' },
      { 'content-type': 'application/json; charset=us-ascii' },
      // Other names of the same two charsets.
      { 'content-type': 'application/json; charset=ascii' },
      { 'content-type': 'application/json; charset=ANSI_X3.4-1968' },
      { 'content-type': 'application/json; charset=unicode-1-1-utf-8' },
    ]) {
      const res = await post(headers);
      expect([headers, res.status]).toEqual([headers, 200]);
    }
  });

  it('answers 400 INVALID_REQUEST for a body that is not UTF-8, rather than call a name in GBK invalid', async () => {
    const app = testApp();
    // 王五 in GBK, as a backend that writes GBK sends it without saying so.
    const gbkName = Uint8Array.from([0xcd, 0xf5, 0xce, 0xe5]);
    const encoder = new TextEncoder();
    const body = new Uint8Array([...encoder.encode('{"name":"'), ...gbkName, ...encoder.encode('","phoneNumber":"13312345678"}')]);
    const res = await app.request('/api/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'INVALID_REQUEST', message: 'The request body is not valid UTF-8' });
    // A byte-order mark is UTF-8 all the same.
    const marked = await app.request('/api/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `\ufeff${JSON.stringify({ name: '王五', phoneNumber: '13312345678' })}` });
    expect(await marked.json()).toMatchObject({ code: 'FP00000' });
  });

  it('answers 413 for a body over 4 KiB', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13800138000', padding: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 403 INVALID_SITE_KEY for an unknown site key', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13800138000', siteKey: 'nope' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'INVALID_SITE_KEY' });
  });

  it('answers 403 ORIGIN_NOT_ALLOWED for a browser origin outside the site', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13800138000' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each(['http://localhost:5173/evil', 'http://user@localhost:5173', 'HTTP://LOCALHOST:5173', 'http://localhost:5173/'])(
    'refuses %s, which no browser sends as an Origin, and never echoes it back',
    async (origin) => {
      const res = await verify({ name: '张三', phoneNumber: '13800138000' }, { origin });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    },
  );

  it('serves any localhost origin on the sandbox site, with CORS for it', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13800138000' }, { origin: 'http://localhost:5173' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('answers a CORS preflight only for allowed origins', async () => {
    const app = testApp();
    const preflight = (origin: string) =>
      app.request('/api/verify', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect((await preflight('http://127.0.0.1:8787')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8787');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('carries CORS headers on refusals too, so that the page can read why', async () => {
    const app = testApp();
    const origin = 'http://localhost:5173';
    const badJson = await app.request('/api/verify', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('access-control-allow-origin')).toBe(origin);
    const wrongMethod = await app.request('/api/verify', { method: 'PUT', headers: { origin } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('access-control-allow-origin')).toBe(origin);
    const elsewhere = await app.request('/api/verify', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{' });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(elsewhere.headers.get('vary')).toContain('Origin');
  });

  it('answers 405 for GET and 404 JSON for unknown routes', async () => {
    const app = testApp();
    const get = await app.request('/api/verify');
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    for (const [method, path] of [['PURGE', '/api/verify'], ['PROPFIND', '/api/verify'], ['OPTIONS', '/api/siteverify'], ['HEAD', '/api/siteverify'], ['SEARCH', '/api/siteverify']]) {
      const res = await app.request(path!, { method });
      // Verify also answers OPTIONS, its CORS preflight; siteverify, for backends, only POST.
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, path === '/api/verify' ? 'POST, OPTIONS' : 'POST']);
    }
    // The read-only routes exist: another method there is 405 with what they answer, not 404.
    for (const path of ['/healthz', '/metrics', '/api/stats', '/dashboard', '/carrier-verify.js', '/.well-known/jwks.json']) {
      const res = await app.request(path, { method: 'POST' });
      expect([path, res.status, res.headers.get('allow'), (await res.json()).code]).toEqual([path, 405, 'GET, HEAD', 'METHOD_NOT_ALLOWED']);
    }
    expect((await app.request('/healthz', { method: 'HEAD' })).status).toBe(200);
    const missing = await app.request('/api/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('what leaves the proxy', () => {
  it('never relays idData, mobData or the upstream key, and sets secure headers', async () => {
    for (const { name, phoneNumber } of sandboxDirectory) {
      const res = await verify({ name, phoneNumber });
      const text = await res.text();
      expect(text).not.toMatch(/idData|mobData|sandbox-key|certType|nameMatched/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
    }
  });

  it('logs masked values only', async () => {
    const app = testApp();
    await verify({ name: '张三', phoneNumber: '13800138000' }, {}, app);
    await verify({ name: '张', phoneNumber: '13800138000' }, {}, app);
    const text = JSON.stringify(app.logs);
    expect(app.logs[0]).toMatchObject({ phone: '138****8000', name: '张*', outcome: 'FP00000', provider: 'sandbox', status: 200 });
    expect(text).not.toContain('13800138000');
    expect(text).not.toContain('张三');
  });

  it('does not trust a client-sent request id', async () => {
    const res = await verify({ name: '张三', phoneNumber: '13800138000' }, { 'x-request-id': 'forged-id' });
    expect(res.headers.get('x-request-id')).not.toBe('forged-id');
  });
});

describe('GET /healthz', () => {
  it('reports the sandbox provider', async () => {
    const res = await testApp().request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', providers: [{ id: 'sandbox' }] });
  });
});
