// Tokens and /api/siteverify: a good token is accepted once; replayed, expired, tampered, alg-none, wrong-site,
// wrong-secret and wrongly-bound tokens are refused; nothing raw is inside a token.
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig, ConfigError, sandboxProvider } from '../../server/config.js';
import { SANDBOX_SITE, type Site } from '../../server/sites.js';
import { checkTokenKeys, createTokenService, generateTokenKey, holderOf, MAX_TOKEN_LENGTH, TOKEN_TTL_SECONDS, verifyToken, type VerifyTokenOptions } from '../../server/tokens.js';
import { MemoryStore } from '../../server/stores/memory.js';
import { parseLimits } from '../../server/limits.js';
import { postJson, testApp } from '../support/app.js';

const shop: Site = { siteKey: 'shop', secret: 'shop-secret-0123456789abcdef0123456789', origins: ['https://shop.example'] };
const bank: Site = { siteKey: 'bank', secret: 'bank-secret-0123456789abcdef0123456789', origins: ['https://bank.example'] };

function clock(start = Date.UTC(2026, 10, 29, 12)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function verified(app: ReturnType<typeof testApp>, siteKey?: string, pair = { name: '张三', phoneNumber: '13800138000' }) {
  const res = await postJson(app, '/api/verify', { ...pair, ...(siteKey ? { siteKey } : {}) });
  const body = await res.json();
  expect(body.code).toBe('FP00000');
  return body.token as string;
}

/** siteverify's status and answer to a body of the type given, as a site's backend posts it. */
async function postSiteverify(app: ReturnType<typeof testApp>, type: string, body: BodyInit): Promise<[number, unknown]> {
  const res = await app.request('/api/siteverify', { method: 'POST', headers: { 'content-type': type }, body });
  return [res.status, await res.json()];
}

/**
 * An app on a key of the test's own, the claims of a token it issued, and `sign`, which signs those claims with
 * `extra` over them by the same key: tokens the proxy did not issue, that its key signed all the same.
 */
async function signingAsTheProxy() {
  const key = await generateTokenKey('k1');
  const app = testApp({ tokenKeys: [key] });
  const jwks = await (await app.request('/.well-known/jwks.json')).json();
  const claims = decodeJwt(await verified(app));
  const { importJWK } = await import('jose');
  const privateKey = await importJWK(key.jwk, 'ES256');
  const sign = (extra: Record<string, unknown>) => new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
  return { app, claims, sign, options: { jwks, siteKey: 'sandbox' } };
}

const siteverify = (app: ReturnType<typeof testApp>, body: unknown) => postJson(app, '/api/siteverify', body).then(async (res) => ({ status: res.status, body: await res.json() }));

describe('the token', () => {
  it('is an ES256 JWS with a kid, issuer, audience, keyed subject, code, carrier, masked number, 300 s life and an id', async () => {
    const app = testApp();
    const token = await verified(app);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([header.kid]);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'carrier-verify', aud: 'sandbox', code: 'FP00000', carrier: 'china-mobile', pm: '138****8000' });
    // Whole seconds: iat rounded down, exp up, so the life is at least 300 s and less than 301.
    expect(claims.exp! - claims.iat!).toBeGreaterThanOrEqual(TOKEN_TTL_SECONDS);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(TOKEN_TTL_SECONDS + 1);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sub).toMatch(/^[\w-]{43}$/);
  });

  it('holds no raw name, number or secret', async () => {
    const app = testApp();
    const token = await verified(app);
    const decoded = JSON.stringify([decodeProtectedHeader(token), decodeJwt(token)]);
    for (const raw of ['13800138000', '张三', 'sandbox-secret', '\\u5f20\\u4e09']) expect(decoded).not.toContain(raw);
  });

  it('is not issued for a mismatch or a number not found', async () => {
    const app = testApp();
    for (const pair of [{ name: '李四', phoneNumber: '13800138000' }, { name: '张三', phoneNumber: '13900139000' }]) {
      const body = await (await postJson(app, '/api/verify', pair)).json();
      expect(body.token).toBeUndefined();
    }
  });

  it('is published with its public key only at /.well-known/jwks.json', async () => {
    const app = testApp();
    const token = await verified(app);
    const res = await app.request('/.well-known/jwks.json');
    // Backends may keep it 300 s, as the rotation steps count on (docs/configuration.md).
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = await res.json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: decodeProtectedHeader(token).kid });
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe('POST /api/siteverify', () => {
  it('accepts a good token once, then answers timeout-or-duplicate', async () => {
    const app = testApp();
    const token = await verified(app);
    const first = await siteverify(app, { secret: 'sandbox-secret', token });
    expect(first).toEqual({
      status: 200,
      body: { success: true, code: 'FP00000', phoneMasked: '138****8000', carrier: 'china-mobile', siteKey: 'sandbox', issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), errors: [] },
    });
    // When the token was issued: its iat, a moment ago.
    const issuedAt = Date.parse((first.body as { issuedAt: string }).issuedAt);
    expect(issuedAt).toBe(decodeJwt(token).iat! * 1000);
    expect(Math.abs(Date.now() - issuedAt)).toBeLessThan(60_000);
    const replay = await siteverify(app, { secret: 'sandbox-secret', token });
    expect(replay.body).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
  });

  it('accepts form-encoded bodies as Turnstile does', async () => {
    const app = testApp();
    const token = await verified(app);
    const res = await app.request('/api/siteverify', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ secret: 'sandbox-secret', token }).toString(),
    });
    expect(await res.json()).toMatchObject({ success: true });
  });

  it('reads JSON labelled otherwise, or not at all, as a backend\'s HTTP client may send it; refuses multipart', async () => {
    const app = testApp();
    const post = async (headers: Record<string, string>, body: BodyInit) => {
      const res = await app.request('/api/siteverify', { method: 'POST', headers, body });
      return [res.status, ((await res.json()) as { success: boolean; errors: string[] })] as const;
    };
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', undefined]) {
      const token = await verified(app);
      const json = JSON.stringify({ secret: 'sandbox-secret', token });
      // Bytes go without a Content-Type (a string would be labelled text/plain on its way).
      const [status, answer] = await post(type ? { 'content-type': type } : {}, type ? json : new TextEncoder().encode(json).buffer);
      expect([type, status, answer.success]).toEqual([type, 200, true]);
    }
    const form = new FormData();
    form.set('secret', 'sandbox-secret');
    form.set('token', await verified(app));
    const [status, answer] = await post({}, form);
    expect([status, answer.errors]).toEqual([400, ['bad-request']]);
  });

  it('refuses an expired token (injected clock)', async () => {
    const time = clock();
    const app = testApp({ now: time.now });
    const token = await verified(app);
    time.advance((TOKEN_TTL_SECONDS + 1) * 1000);
    expect((await siteverify(app, { secret: 'sandbox-secret', token })).body).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
  });

  it('lives its full 300 s when issued late in a second, and not a second more', async () => {
    const time = clock(Date.UTC(2026, 10, 29, 12) + 900);
    const app = testApp({ now: time.now });
    const token = await verified(app);
    const claims = decodeJwt(token);
    expect([claims.iat, claims.exp]).toEqual([Date.UTC(2026, 10, 29, 12) / 1000, Date.UTC(2026, 10, 29, 12) / 1000 + TOKEN_TTL_SECONDS + 1]);
    time.advance(TOKEN_TTL_SECONDS * 1000 - 50);
    expect((await siteverify(app, { secret: 'sandbox-secret', token })).body).toMatchObject({ success: true });
    const again = await verified(app, undefined, { name: '李四', phoneNumber: '18612345678' });
    time.advance(TOKEN_TTL_SECONDS * 1000 + 150);
    expect((await siteverify(app, { secret: 'sandbox-secret', token: again })).body).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
  });

  it('accepts a token just before it expires', async () => {
    const time = clock();
    const app = testApp({ now: time.now });
    const token = await verified(app);
    time.advance((TOKEN_TTL_SECONDS - 1) * 1000);
    expect((await siteverify(app, { secret: 'sandbox-secret', token })).body).toMatchObject({ success: true });
  });

  it('refuses a tampered token', async () => {
    const app = testApp();
    const token = await verified(app);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, pm: '139****0000' })).toString('base64url');
    for (const bad of [`${header}.${forged}.${signature}`, `${header}.${payload}.${signature!.slice(0, -4)}AAAA`, 'not-a-token']) {
      expect((await siteverify(app, { secret: 'sandbox-secret', token: bad })).body).toMatchObject({ success: false, errors: ['invalid-input-response'] });
    }
  });

  it('refuses alg none and a token signed with another algorithm or key', async () => {
    const app = testApp();
    const claims = decodeJwt(await verified(app));
    const none = new UnsecuredJWT(claims).encode();
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'ephemeral' }).sign(new TextEncoder().encode('x'.repeat(32)));
    const otherKey = await generateTokenKey('ephemeral');
    const { importJWK } = await import('jose');
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'ephemeral' }).sign(await importJWK(otherKey.jwk, 'ES256'));
    for (const bad of [none, hs256, foreign]) {
      expect((await siteverify(app, { secret: 'sandbox-secret', token: bad })).body).toMatchObject({ success: false, errors: ['invalid-input-response'] });
    }
  });

  it('refuses a token issued to another site, and a wrong or missing secret', async () => {
    const app = testApp({ sites: [shop, bank] });
    const token = await verified(app, 'shop');
    expect((await siteverify(app, { secret: bank.secret, token })).body).toMatchObject({ success: false, errors: ['invalid-input-response'] });
    expect((await siteverify(app, { secret: 'wrong-secret', token })).body).toMatchObject({ success: false, errors: ['invalid-input-secret'] });
    expect((await siteverify(app, { token })).body).toMatchObject({ success: false, errors: ['missing-input-secret'] });
    for (const empty of ['', null]) expect((await siteverify(app, { secret: empty, token })).body).toMatchObject({ success: false, errors: ['missing-input-secret'] });
    // A secret that is not text was posted, wrongly, as a token can be: not missing.
    for (const notText of [5, { secret: shop.secret }, [shop.secret]]) {
      expect((await siteverify(app, { secret: notText, token })).body).toMatchObject({ success: false, errors: ['invalid-input-secret'] });
    }
    expect((await siteverify(app, { secret: shop.secret })).body).toMatchObject({ success: false, errors: ['missing-input-response'] });
    for (const empty of ['', null]) expect((await siteverify(app, { secret: shop.secret, token: empty })).body).toMatchObject({ success: false, errors: ['missing-input-response'] });
    // A token that is not text was posted, wrongly: not missing.
    for (const notText of [5, { token }, [token]]) {
      expect((await siteverify(app, { secret: shop.secret, token: notText })).body).toMatchObject({ success: false, errors: ['invalid-input-response'] });
    }
    // the refusals did not use it up
    expect((await siteverify(app, { secret: shop.secret, token })).body).toMatchObject({ success: true, siteKey: 'shop' });
  });

  it('calls another site\'s token invalid-input-response once it has expired too, with the secret limit on or off', async () => {
    for (const limits of [undefined, parseLimits('secret=off')]) {
      const time = clock();
      const app = testApp({ sites: [shop, bank], now: time.now, ...(limits ? { limits } : {}) });
      const token = await verified(app, 'shop');
      time.advance((TOKEN_TTL_SECONDS + 1) * 1000);
      expect((await siteverify(app, { secret: bank.secret, token })).body).toMatchObject({ success: false, errors: ['invalid-input-response'] });
      expect((await siteverify(app, { secret: shop.secret, token })).body).toMatchObject({ success: false, errors: ['timeout-or-duplicate'] });
      const jwks = await (await app.request('/.well-known/jwks.json')).json();
      expect(await verifyToken(token, { jwks, siteKey: 'bank', now: time.now })).toEqual({ ok: false, error: 'invalid-input-response' });
    }
  });

  it('checks the binding to the verified name and number, normalised', async () => {
    const app = testApp();
    const token = await verified(app);
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: '李四', phoneNumber: '13800138000' })).body).toMatchObject({ success: false, errors: ['binding-mismatch'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: '张三', phoneNumber: '13800138001' })).body).toMatchObject({ success: false, errors: ['binding-mismatch'] });
    // Half a pair, or a field that is not text: binding-mismatch, then the field at fault.
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: '张三' })).body).toMatchObject({ success: false, errors: ['binding-mismatch', 'missing-input-phone-number'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: '张三', phone: '13800138000' })).body).toMatchObject({ success: false, errors: ['binding-mismatch', 'missing-input-phone-number'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, phoneNumber: '13800138000' })).body).toMatchObject({ success: false, errors: ['binding-mismatch', 'missing-input-name'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: 3, phoneNumber: 13800138000 })).body).toMatchObject({ success: false, errors: ['binding-mismatch', 'invalid-input-name', 'invalid-input-phone-number'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: ' 张 三 ', phoneNumber: '+86 138-0013-8000' })).body).toMatchObject({ success: true });
  });

  it('answers bad-request for a body it cannot read, never a 500', async () => {
    const app = testApp();
    for (const raw of ['{', '[]', 'null', '"x"']) {
      const res = await postJson(app, '/api/siteverify', raw);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ success: false, errors: ['bad-request'] });
    }
  });

  it('answers bad-request for a pair that is not UTF-8, not binding-mismatch, and leaves the token unspent', async () => {
    const app = testApp();
    const token = await verified(app, undefined, { name: '王五', phoneNumber: '13312345678' });
    const encoder = new TextEncoder();
    // 王五 in GBK, from a backend that writes GBK without saying so.
    const body = new Uint8Array([...encoder.encode(`{"secret":"sandbox-secret","token":"${token}","name":"`), 0xcd, 0xf5, 0xce, 0xe5, ...encoder.encode('","phoneNumber":"13312345678"}')]);
    const res = await app.request('/api/siteverify', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, errors: ['bad-request'] });
    expect((await siteverify(app, { secret: 'sandbox-secret', token, name: '王五', phoneNumber: '13312345678' })).body).toMatchObject({ success: true });
  });

  it('reads a name a GBK form wrote with character references for what GBK lacks (𠮷 in 𠮷祥), as browsers write them', async () => {
    const app = testApp();
    const pair = { name: '𠮷祥', phoneNumber: '15912345678' };
    const post = (type: string, body: BodyInit) => postSiteverify(app, type, body);
    // What a page in GBK posts: 𠮷 as &#134071;, 祥 in GBK (CF E9).
    let token = await verified(app, undefined, pair);
    const form = `secret=sandbox-secret&token=${token}&name=%26%23134071%3B%CF%E9&phoneNumber=15912345678`;
    expect(await post('application/x-www-form-urlencoded; charset=GBK', form)).toEqual([200, expect.objectContaining({ success: true })]);
    // Passed on by a backend as text, in JSON, decimal or hexadecimal.
    token = await verified(app, undefined, pair);
    expect(await post('application/json', JSON.stringify({ secret: 'sandbox-secret', token, name: '&#x20BB7;祥', phoneNumber: '15912345678' }))).toEqual([
      200,
      expect.objectContaining({ success: true }),
    ]);
    // A reference to another character, or to none, is not the name verified; the token stays unspent.
    token = await verified(app, undefined, pair);
    for (const name of ['&#21513;祥', '&#1114112;祥', '&#134071祥', '吉祥']) {
      expect(await post('application/json', JSON.stringify({ secret: 'sandbox-secret', token, name, phoneNumber: '15912345678' })), name).toEqual([
        200,
        expect.objectContaining({ success: false, errors: ['binding-mismatch'] }),
      ]);
    }
    expect(await post('application/json', JSON.stringify({ secret: 'sandbox-secret', token, ...pair }))).toEqual([200, expect.objectContaining({ success: true })]);
  });

  it('gives a backend that stores the verified name the name the proxy verified from what a GBK form posted: checkName(nameFromForm(name))', async () => {
    const { checkName, nameFromForm } = await import('../../server/index.js');
    // checkName alone refuses the references a GBK form writes for 𠮷: what to store is not that.
    expect(checkName('&#134071;祥')).toEqual({ ok: false, reason: 'bad-character' });
    for (const posted of ['&#134071;祥', '&#x20BB7;祥', '&#X20bb7; 祥', '𠮷祥']) expect(checkName(nameFromForm(posted)), posted).toEqual({ ok: true, value: '𠮷祥' });
    // A reference to no character, or one not ended by its semicolon, stays as written (and is no name).
    for (const posted of ['&#1114112;祥', '&#134071祥']) expect(nameFromForm(posted)).toBe(posted);
    // The stored name binds the token as the posted one does.
    const app = testApp();
    const token = await verified(app, undefined, { name: '𠮷祥', phoneNumber: '15912345678' });
    const stored = checkName(nameFromForm('&#134071;祥'));
    expect(stored.ok && (await siteverify(app, { secret: 'sandbox-secret', token, name: stored.value, phoneNumber: '15912345678' })).body).toMatchObject({ success: true });
  });

  it('reads the pair in the charset the body declares, as a backend that writes GBK sends it', async () => {
    const app = testApp();
    const pair = { name: '王五', phoneNumber: '13312345678' };
    const encoder = new TextEncoder();
    const gbkName = [0xcd, 0xf5, 0xce, 0xe5]; // 王五 in GBK
    const post = (type: string, body: BodyInit) => postSiteverify(app, type, body);
    let token = await verified(app, undefined, pair);
    const json = new Uint8Array([...encoder.encode(`{"secret":"sandbox-secret","token":"${token}","name":"`), ...gbkName, ...encoder.encode('","phoneNumber":"13312345678"}')]);
    expect(await post('application/json; charset=GBK', json)).toEqual([200, expect.objectContaining({ success: true })]);
    const escaped = gbkName.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    // Also UTF-8 that calls itself UTF-16, as HTML sends a form for a page in UTF-16.
    token = await verified(app, undefined, pair);
    expect(await post('application/x-www-form-urlencoded; charset=utf-16', `secret=sandbox-secret&token=${token}&name=${encodeURIComponent('王五')}&phoneNumber=13312345678`)).toEqual([200, expect.objectContaining({ success: true })]);
    for (const type of ['application/x-www-form-urlencoded; charset=gb2312', 'application/x-www-form-urlencoded;charset="GB18030"']) {
      token = await verified(app, undefined, pair);
      expect(await post(type, `secret=sandbox-secret&token=${token}&name=${escaped}&phoneNumber=133+1234+5678`)).toEqual([200, expect.objectContaining({ success: true })]);
    }
    // UTF-8 as before, declared or not, with + for a space and a stray % kept as it is.
    token = await verified(app, undefined, pair);
    const form = `secret=sandbox-secret&token=${token}&name=${encodeURIComponent('王五')}&phoneNumber=133+1234+5678&note=100%&`;
    expect(await post('application/x-www-form-urlencoded; charset=UTF-8', form)).toEqual([200, expect.objectContaining({ success: true })]);
    // A charset no decoder knows is not guessed at; the token stays unspent.
    token = await verified(app, undefined, pair);
    expect(await post('application/json; charset=x-unheard-of', JSON.stringify({ secret: 'sandbox-secret', token, ...pair }))).toEqual([400, expect.objectContaining({ errors: ['bad-request'] })]);
    expect(await post('application/json', JSON.stringify({ secret: 'sandbox-secret', token, ...pair }))).toEqual([200, expect.objectContaining({ success: true })]);
  });

  it('reads a pair labelled US-ASCII or ISO-8859-1 as UTF-8, as verify reads US-ASCII: no such charset holds the name', async () => {
    const app = testApp();
    const pair = { name: '王五', phoneNumber: '13312345678' };
    const post = (type: string, body: BodyInit) => postSiteverify(app, type, body);
    // Apache HttpCore's form type labels ISO-8859-1 what its encoder escaped as UTF-8.
    let token = await verified(app, undefined, pair);
    const form = `secret=sandbox-secret&token=${token}&name=${encodeURIComponent(pair.name)}&phoneNumber=${pair.phoneNumber}`;
    expect(await post('application/x-www-form-urlencoded; charset=ISO-8859-1', form)).toEqual([200, expect.objectContaining({ success: true })]);
    for (const type of ['application/json; charset=us-ascii', 'application/json; charset=latin1']) {
      token = await verified(app, undefined, pair);
      expect(await post(type, JSON.stringify({ secret: 'sandbox-secret', token, ...pair }))).toEqual([200, expect.objectContaining({ success: true })]);
    }
    // Bytes that are not UTF-8 under such a label are refused as any others, the token unspent.
    token = await verified(app, undefined, pair);
    expect(await post('application/x-www-form-urlencoded; charset=ISO-8859-1', `secret=sandbox-secret&token=${token}&name=%CD%F5%CE%E5&phoneNumber=${pair.phoneNumber}`)).toEqual([400, expect.objectContaining({ errors: ['bad-request'] })]);
    expect(await post('application/x-www-form-urlencoded', form.replace(/token=[^&]*/, `token=${token}`))).toEqual([200, expect.objectContaining({ success: true })]);
  });

  it('keeps no raw token or secret in its logs', async () => {
    const app = testApp();
    const token = await verified(app);
    await siteverify(app, { secret: 'sandbox-secret', token });
    await siteverify(app, { secret: 'guess-secret', token });
    const logs = JSON.stringify(app.logs);
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain('sandbox-secret');
    expect(logs).not.toContain('guess-secret');
  });
});

describe('verifyToken for backends that check offline', () => {
  it('checks signature, site, expiry and binding with the published key set, but cannot see reuse', async () => {
    const time = clock();
    const app = testApp({ now: time.now });
    const token = await verified(app);
    const jwks = await (await app.request('/.well-known/jwks.json')).json();
    const options = { jwks, siteKey: 'sandbox', now: time.now };
    expect(await verifyToken(token, options)).toMatchObject({ ok: true, claims: { code: 'FP00000', phoneMasked: '138****8000' } });
    expect(await verifyToken(token, options)).toMatchObject({ ok: true });
    expect(await verifyToken(token, { ...options, siteKey: 'shop' })).toEqual({ ok: false, error: 'invalid-input-response' });
    expect(await verifyToken(token, { ...options, binding: { secret: 'sandbox-secret', name: '张三', phoneNumber: '13800138000' } })).toMatchObject({ ok: true });
    expect(await verifyToken(token, { ...options, binding: { secret: 'sandbox-secret', name: '李四', phoneNumber: '13800138000' } })).toEqual({ ok: false, error: 'binding-mismatch' });
    // The pair as a signup form holds it is normalised as the proxy normalised it, as siteverify does.
    for (const [name, phoneNumber] of [['张三', '138 0013 8000'], [' 张 三 ', '+86 138-0013-8000']]) {
      expect(await verifyToken(token, { ...options, binding: { secret: 'sandbox-secret', name: name!, phoneNumber: phoneNumber! } })).toMatchObject({ ok: true });
    }
    expect(await verifyToken(token, { ...options, binding: { secret: 'sandbox-secret', name: 'Zhang San', phoneNumber: '13800138000' } })).toEqual({ ok: false, error: 'binding-mismatch' });
    time.advance((TOKEN_TTL_SECONDS + 1) * 1000);
    expect(await verifyToken(token, options)).toEqual({ ok: false, error: 'timeout-or-duplicate' });
  });

  // Integrators call it from plain JavaScript too: whatever they pass, it resolves with a result, never throws.
  async function offline() {
    const app = testApp();
    const token = await verified(app);
    const jwks = await (await app.request('/.well-known/jwks.json')).json();
    return { token, jwks, options: { jwks, siteKey: 'sandbox' } };
  }

  it('answers binding-mismatch, as siteverify does, for a binding that is not a text pair', async () => {
    const { token, options } = await offline();
    const bindings: unknown[] = [
      { secret: 'sandbox-secret', name: undefined, phoneNumber: undefined }, // the documentation's sample when the form did not post the pair
      { secret: 'sandbox-secret', name: '张三', phoneNumber: undefined },
      { secret: 'sandbox-secret', name: '张三', phoneNumber: 13800138000 },
      { secret: undefined, name: '张三', phoneNumber: '13800138000' },
      { secret: '', name: '张三', phoneNumber: '13800138000' },
      {},
      null,
      'sandbox-secret',
    ];
    for (const binding of bindings) {
      const check = verifyToken(token, { ...options, binding } as unknown as VerifyTokenOptions);
      await expect(check, JSON.stringify(binding) ?? String(binding)).resolves.toEqual({ ok: false, error: 'binding-mismatch' });
    }
    // Without a binding (left out or undefined) the pair is not checked, as siteverify without name and phoneNumber.
    await expect(verifyToken(token, options)).resolves.toMatchObject({ ok: true });
    await expect(verifyToken(token, { ...options, binding: undefined })).resolves.toMatchObject({ ok: true });
  });

  it('answers invalid-input-response for a token that is not a string, and for a missing site key', async () => {
    const { token, options } = await offline();
    const [header, payload] = token.split('.');
    for (const bad of [undefined, null, 42, {}, ['a.b.c'], Buffer.from(token), '', `${header}.${payload}.AAAA`]) {
      await expect(verifyToken(bad as unknown as string, options)).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
    }
    // jose skips the audience check without one: a token for any site would pass.
    for (const siteKey of [undefined, '', ['sandbox'], 1]) {
      await expect(verifyToken(token, { ...options, siteKey } as unknown as VerifyTokenOptions)).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
    }
    for (const now of [Date.now(), () => Number.NaN, () => 'now']) {
      await expect(verifyToken(token, { ...options, now } as unknown as VerifyTokenOptions)).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
    }
  });

  it('refuses unread a token longer than any the proxy issues, even one its key signed (siteverify has its body limit)', async () => {
    const { sign, options } = await signingAsTheProxy();
    // The same claims signed by the same key: accepted at a normal length, refused past MAX_TOKEN_LENGTH.
    expect((await verifyToken(await sign({ extra: 'x' }), options)).ok).toBe(true);
    const long = await sign({ extra: 'x'.repeat(MAX_TOKEN_LENGTH) });
    await expect(verifyToken(long, options)).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
  });

  it('refuses a token its key signed with a longer life than the proxy gives, offline and at siteverify', async () => {
    const { app, claims, sign: signWith, options } = await signingAsTheProxy();
    const sign = (life: number) => signWith({ jti: crypto.randomUUID(), exp: claims.iat! + life });
    expect((await verifyToken(await sign(TOKEN_TTL_SECONDS + 1), options)).ok).toBe(true);
    for (const life of [TOKEN_TTL_SECONDS + 2, 3600]) {
      const token = await sign(life);
      await expect(verifyToken(token, options), `${life} s`).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
      expect(await siteverify(app, { secret: 'sandbox-secret', token }), `${life} s`).toMatchObject({ body: { success: false, errors: ['invalid-input-response'] } });
    }
  });

  it('takes a fresh token on a clock up to a minute behind the issuer\'s, at another instance or offline', async () => {
    const time = clock();
    const keys = [await generateTokenKey('k1')];
    const issuer = createTokenService(keys, new MemoryStore({ now: time.now }), time.now);
    const token = await issuer.issue({ siteKey: 'sandbox', subject: 's', code: 'FP00000', carrier: null, phoneMasked: '138****8000' });
    const jwks = await issuer.jwks();
    for (const behind of [1_500, 59_000]) {
      const checker = () => time.now() - behind;
      expect((await verifyToken(token, { jwks, siteKey: 'sandbox', now: checker })).ok, `${behind} ms behind`).toBe(true);
      const instance = createTokenService(keys, new MemoryStore({ now: checker }), checker);
      expect((await instance.redeem(token, { siteKey: 'sandbox' })).ok, `${behind} ms behind`).toBe(true);
    }
    // Further apart than any clocks the proxy allows for: not a token it issued as the clocks stand.
    await expect(verifyToken(token, { jwks, siteKey: 'sandbox', now: () => time.now() - 61_000 })).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
    // The life is still 300 s from the issue, by the issuer's clock and by one behind it.
    time.advance(TOKEN_TTL_SECONDS * 1000);
    await expect(verifyToken(token, { jwks, siteKey: 'sandbox', now: time.now })).resolves.toEqual({ ok: false, error: 'timeout-or-duplicate' });
    expect((await verifyToken(token, { jwks, siteKey: 'sandbox', now: () => time.now() - 1_500 })).ok).toBe(true);
  });

  it('keeps a redeemed token\'s mark for as long as any instance may take it, clocks a minute ahead and a minute behind', async () => {
    const time = clock();
    const keys = [await generateTokenKey('k1')];
    // Redis keeps the mark by its own clock; the instances read theirs, one ahead of the issuer's, one behind.
    const shared = new MemoryStore({ now: time.now });
    const issuer = createTokenService(keys, shared, time.now);
    const token = await issuer.issue({ siteKey: 'sandbox', subject: 's', code: 'FP00000', carrier: null, phoneMasked: '138****8000' });
    const ahead = createTokenService(keys, shared, () => time.now() + 59_000);
    const behind = createTokenService(keys, shared, () => time.now() - 59_000);
    expect((await ahead.redeem(token, { siteKey: 'sandbox' })).ok).toBe(true);
    // Past the expiry by the issuer's clock, not yet by the one behind it, which still takes it for fresh.
    time.advance((TOKEN_TTL_SECONDS + 30) * 1000);
    expect(await behind.redeem(token, { siteKey: 'sandbox' })).toEqual({ ok: false, error: 'timeout-or-duplicate' });
  });

  it('publishes the public half alone of a key exported by Web Crypto with what the private key may do', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK;
    expect(jwk.key_ops).toEqual(['sign']);
    await expect(checkTokenKeys([{ kid: 'webcrypto', jwk }])).resolves.toBeUndefined();
    const service = createTokenService([{ kid: 'webcrypto', jwk }], new MemoryStore(), Date.now);
    const { keys } = await service.jwks();
    expect(keys).toEqual([{ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: 'webcrypto', alg: 'ES256', use: 'sig' }]);
    const token = await service.issue({ siteKey: 'sandbox', subject: 's', code: 'FP00000', carrier: null, phoneMasked: '138****8000' });
    expect((await verifyToken(token, { jwks: { keys }, siteKey: 'sandbox' })).ok).toBe(true);
  });

  it('proves its keys before the first paid call when built without the Node program: 503 and one error line, no call', async () => {
    const [one, other] = await Promise.all([generateTokenKey('k1'), generateTokenKey('k2')]);
    // x and y of one key, d of another: a P-256 key in shape, which cannot sign a token its public half verifies.
    const broken = { kid: 'k1', jwk: { ...one.jwk, d: other.jwk.d } };
    const sandbox = sandboxProvider(300);
    let calls = 0;
    const counted = { ...sandbox, verify: (...args: Parameters<typeof sandbox.verify>) => ((calls += 1), sandbox.verify(...args)) };
    const app = testApp({ providers: [counted], tokenKeys: [broken] });
    for (let i = 0; i < 2; i++) {
      const res = await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    }
    expect((await app.request('/.well-known/jwks.json')).status).toBe(503);
    expect(calls).toBe(0);
    const errors = app.logs.filter((line) => line.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ error: 'token-keys', message: expect.stringContaining('key "k1"') })]);
    expect(JSON.stringify(app.logs)).not.toContain(other.jwk.d);
    // The same app with a good key verifies.
    const good = testApp({ providers: [counted], tokenKeys: [one] });
    expect(await (await postJson(good, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()).toMatchObject({ code: 'FP00000' });
    expect(calls).toBe(1);
  });

  it('answers siteverify in its own shape, 503 internal-error, while a key cannot be used: no 500', async () => {
    const key = await generateTokenKey('k1');
    // x and y swapped: no point of the curve, which Web Crypto refuses to import at all.
    const unusable = { kid: 'k1', jwk: { ...key.jwk, x: key.jwk.y, y: key.jwk.x } };
    const good = testApp({ tokenKeys: [key] });
    const token = await verified(good);
    for (const limits of [undefined, parseLimits('secret=off')]) {
      const app = testApp({ tokenKeys: [unusable], ...(limits ? { limits } : {}) });
      for (let i = 0; i < 2; i++) {
        const { status, body } = await siteverify(app, { secret: 'sandbox-secret', token });
        expect(status).toBe(503);
        expect(body).toEqual({ success: false, code: null, phoneMasked: null, carrier: null, siteKey: null, issuedAt: null, errors: ['internal-error'] });
      }
      expect(app.logs.filter((line) => line.level === 'error')).toEqual([expect.objectContaining({ error: 'token-keys', message: expect.stringContaining('key "k1"') })]);
    }
    // Unspent: the proxy with its key fixed takes it.
    expect((await siteverify(good, { secret: 'sandbox-secret', token })).body).toMatchObject({ success: true });
  });

  it('keeps a used-token mark two minutes past the expiry, for an instance a minute behind after one a minute ahead', async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now, whenFull: 'refuse' });
    const service = createTokenService(undefined, store, time.now);
    const token = await service.issue({ siteKey: 'sandbox', subject: 's', code: 'FP00000', carrier: null, phoneMasked: '138****8000' });
    const { exp, jti } = decodeJwt(token);
    expect((await service.redeem(token, { siteKey: 'sandbox' })).ok).toBe(true);
    time.advance(((exp as number) * 1000 - time.now()) + 119_000);
    expect(await store.get(`token:${jti}`)).not.toBeNull();
    time.advance(2000);
    expect(await store.get(`token:${jti}`)).toBeNull();
  });

  it('names the holder of an unexpired token it signed (its site and pair), used or not, and of nothing else', async () => {
    const time = clock();
    const service = createTokenService(undefined, new MemoryStore({ now: time.now }), time.now);
    const holderOfToken = async (token: unknown) => holderOf(await service.read(token));
    const issue = (on: ReturnType<typeof createTokenService>, siteKey: string, subject: string) =>
      on.issue({ siteKey, subject, code: 'FP00000', carrier: null, phoneMasked: '138****8000' });
    const token = await issue(service, 'shop', 'pair-1');
    const holder = await holderOfToken(token);
    expect(holder).toEqual(expect.stringContaining('shop'));
    expect((await service.redeem(token, { siteKey: 'shop' })).ok).toBe(true);
    expect(await holderOfToken(token)).toBe(holder);
    // Another token of the same pair has the same holder; another pair or another site, another.
    expect(await holderOfToken(await issue(service, 'shop', 'pair-1'))).toBe(holder);
    const others = [await holderOfToken(await issue(service, 'shop', 'pair-2')), await holderOfToken(await issue(service, 'blog', 'pair-1'))];
    expect(new Set([holder, ...others]).size).toBe(3);
    const [head, body, signature] = token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'pair-2' })).toString('base64url')}.${signature}`;
    const foreign = await issue(createTokenService(undefined, new MemoryStore(), time.now), 'shop', 'pair-1');
    for (const other of [forged, foreign, `${head}.${body}`, 'x.y.z', '', 'a'.repeat(5000), undefined, 42]) expect(await holderOfToken(other)).toBeUndefined();
    time.advance(301_000);
    expect(await holderOfToken(token)).toBeUndefined();
  });

  it('answers invalid-jwks, not a bad token, for a key set that is not the proxy\'s', async () => {
    const { token, jwks, options } = await offline();
    const [key] = jwks.keys as JWK[];
    const other = await generateTokenKey(key!.kid!);
    const sets: unknown[] = [
      {}, // fetch(wrong URL).json() on the proxy answers { code: 'NOT_FOUND' }
      { code: 'NOT_FOUND' },
      null,
      undefined,
      'https://verify.example.com/.well-known/jwks.json',
      [key],
      { keys: [] },
      { keys: key },
      { keys: [null] },
      { keys: [{ kty: 'RSA', kid: key!.kid, n: 'AQAB', e: 'AQAB' }] }, // a key of the wrong kind
      { keys: [{ kty: 'oct', kid: key!.kid, k: 'c2VjcmV0' }] },
      { keys: [{ ...key, crv: 'P-384' }] },
      { keys: [{ ...key, alg: 'RS256' }] },
      { keys: [{ ...other.jwk, kid: key!.kid }] }, // the private signing key pasted in
      { keys: [{ ...key, x: 'AAAA' }] }, // a point Web Crypto cannot import
    ];
    for (const set of sets) {
      const check = verifyToken(token, { ...options, jwks: set } as unknown as VerifyTokenOptions);
      await expect(check, JSON.stringify(set) ?? String(set)).resolves.toEqual({ ok: false, error: 'invalid-jwks' });
    }
    await expect(verifyToken(token, null as unknown as VerifyTokenOptions)).resolves.toEqual({ ok: false, error: 'invalid-jwks' });
    await expect(verifyToken(token, undefined as unknown as VerifyTokenOptions)).resolves.toEqual({ ok: false, error: 'invalid-jwks' });
    // Keys of other kinds beside the proxy's are ignored; another key under the same kid is a bad token, not a bad set.
    await expect(verifyToken(token, { ...options, jwks: { keys: [{ kty: 'oct', kid: 'x', k: 'c2VjcmV0' }, key] } } as unknown as VerifyTokenOptions)).resolves.toMatchObject({ ok: true });
    const { d: _private, ...otherPublic } = other.jwk;
    await expect(verifyToken(token, { ...options, jwks: { keys: [{ ...otherPublic, kid: key!.kid }] } })).resolves.toEqual({ ok: false, error: 'invalid-input-response' });
  });

  it('verifies tokens of a retiring key after a rotation', async () => {
    const oldKey = await generateTokenKey('2026-10');
    const newKey = await generateTokenKey('2026-11');
    const before = testApp({ tokenKeys: [oldKey] });
    const token = await verified(before);
    const after = createApp({ tokenKeys: [newKey, oldKey], log: () => undefined });
    const res = await postJson(after, '/api/siteverify', { secret: 'sandbox-secret', token });
    expect(await res.json()).toMatchObject({ success: true });
    const fresh = await verified(Object.assign(after, { logs: [] }));
    expect(decodeProtectedHeader(fresh).kid).toBe('2026-11');
  });
});

describe('a site secret being replaced', () => {
  const oldSecret = shop.secret;
  const newSecret = 'shop-secret-2026-12-0123456789abcdef0123';
  const rotated: Site = { ...shop, secret: newSecret, previousSecrets: [oldSecret] };
  const pair = { name: '张三', phoneNumber: '13800138000' };
  const bound = { name: '张 三', phoneNumber: '138 0013 8000' };

  it('redeems a token issued before the change, with the new secret or the old, bound to its pair', async () => {
    const key = await generateTokenKey('k1');
    const before = testApp({ sites: [shop], tokenKeys: [key] });
    const early = await verified(before, 'shop', pair);
    const during = testApp({ sites: [rotated], tokenKeys: [key] });
    expect(await siteverify(during, { secret: newSecret, token: early, ...bound })).toMatchObject({ status: 200, body: { success: true, siteKey: 'shop' } });
    // A backend not yet given the new secret still redeems a token issued now.
    const late = await verified(during, 'shop', pair);
    expect(await siteverify(during, { secret: oldSecret, token: late, ...bound })).toMatchObject({ body: { success: true } });
    // Bound to another pair it is still refused, whichever secret is sent.
    const third = await verified(during, 'shop', pair);
    expect(await siteverify(during, { secret: oldSecret, token: third, name: '李四', phoneNumber: '13800138000' })).toMatchObject({ body: { success: false, errors: ['binding-mismatch'] } });
  });

  it('refuses the old secret once it is no longer listed', async () => {
    const after = testApp({ sites: [{ ...shop, secret: newSecret }] });
    const token = await verified(after, 'shop', pair);
    expect(await siteverify(after, { secret: oldSecret, token })).toMatchObject({ body: { success: false, errors: ['invalid-input-secret'] } });
    expect(await siteverify(after, { secret: newSecret, token })).toMatchObject({ body: { success: true } });
  });

  it('lets a backend that checks offline bind under both secrets', async () => {
    const key = await generateTokenKey('k1');
    const before = testApp({ sites: [shop], tokenKeys: [key] });
    const jwks = await (await before.request('/.well-known/jwks.json')).json();
    const token = await verified(before, 'shop', pair);
    const options = { jwks, siteKey: 'shop' };
    await expect(verifyToken(token, { ...options, binding: { secret: [newSecret, oldSecret], ...bound } })).resolves.toMatchObject({ ok: true });
    await expect(verifyToken(token, { ...options, binding: { secret: newSecret, ...bound } })).resolves.toEqual({ ok: false, error: 'binding-mismatch' });
    for (const secret of [[], [''], [newSecret, 7], Array(6).fill(oldSecret)]) {
      await expect(verifyToken(token, { ...options, binding: { secret, ...bound } as never })).resolves.toEqual({ ok: false, error: 'binding-mismatch' });
    }
  });

  it('is configured in CARRIER_VERIFY_SITES, each secret a site\'s alone', () => {
    const env = (sites: unknown) => ({ CARRIER_VERIFY_SITES: JSON.stringify(sites) });
    expect(loadConfig(env([rotated])).app.sites).toEqual([rotated]);
    expect(() => loadConfig(env([rotated, { ...bank, secret: oldSecret }]))).toThrow(/^CARRIER_VERIFY_SITES: two sites share a secret/);
    expect(() => loadConfig(env([{ ...shop, previousSecrets: [shop.secret] }]))).toThrow(/^CARRIER_VERIFY_SITES: site "shop" lists a secret twice/);
    expect(() => loadConfig(env([{ ...rotated, previousSecrets: [oldSecret, oldSecret] }]))).toThrow(/lists a secret twice/);
    expect(() => loadConfig(env([{ ...shop, previousSecrets: ['short'] }]))).toThrow(/^CARRIER_VERIFY_SITES: .*previousSecrets/);
    expect(() => loadConfig(env([{ ...shop, previousSecrets: 'old' }]))).toThrow(/^CARRIER_VERIFY_SITES: .*previousSecrets/);
  });
});

describe('sites in the configuration', () => {
  it('refuses the sandbox site and an ephemeral key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'a', url: 'https://a.example/v', key: 'k' }]) })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'a', url: 'https://a.example/v', key: 'k' }]) })).toThrow(/CARRIER_VERIFY_SITES/);
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig({ CARRIER_VERIFY_SITES: '[{"siteKey":"a"}]' })).toThrow(/^CARRIER_VERIFY_SITES: /);
    expect(() => loadConfig({ CARRIER_VERIFY_SITES: 'nope' })).toThrow(/CARRIER_VERIFY_SITES: is not valid JSON/);
    expect(() => loadConfig({ CARRIER_VERIFY_TOKEN_KEYS: '[{"kid":"a","jwk":{"kty":"oct","k":"x"}}]' })).toThrow(/^CARRIER_VERIFY_TOKEN_KEYS: /);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^PORT: /);
  });

  it('answers CORS only for a site\'s origins, and refuses a site key used from another site\'s origin', async () => {
    const app = testApp({ sites: [shop, bank] });
    const fromShop = await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000', siteKey: 'shop' }, { origin: 'https://shop.example' });
    expect(fromShop.status).toBe(200);
    expect(fromShop.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const crossed = await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000', siteKey: 'shop' }, { origin: 'https://bank.example' });
    expect(crossed.status).toBe(403);
    expect(await crossed.json()).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    const noKey = await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' });
    expect(noKey.status).toBe(403);
    expect(await noKey.json()).toMatchObject({ code: 'INVALID_SITE_KEY' });
    const localhost = await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000', siteKey: 'shop' }, { origin: 'http://localhost:8787' });
    expect(localhost.status).toBe(403);
  });

  it('keeps the sandbox site out of a configured list', () => {
    expect(createApp({ sites: [shop] }).config.sites.map((s) => s.siteKey)).toEqual(['shop']);
    expect(createApp().config.sites).toEqual([SANDBOX_SITE]);
  });
});
