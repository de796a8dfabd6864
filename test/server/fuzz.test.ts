// Property-based fuzzing of the proxy: malformed JSON, wrong types, huge strings, every Unicode plane, __proto__ keys.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../server/app.js';
import { sandboxProvider } from '../../server/config.js';
import { parseLimits } from '../../server/limits.js';
import { parseTrustProxy } from '../../server/client-ip.js';
import { sandboxDirectory } from '../../server/providers/sandbox-directory.js';
import type { Provider } from '../../server/providers/types.js';
import { checkRequest } from '../../widget/validation.js';
import { testApp, TEST_TIMEOUT_MS } from '../support/app.js';

/** Every property of Object.prototype with its descriptor, to prove afterwards that nothing was added or changed. */
function prototypeSnapshot(): Map<string | symbol, PropertyDescriptor | undefined> {
  return new Map(Reflect.ownKeys(Object.prototype).map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key)]));
}

const figures = {
  cases: 0,
  requests: 0,
  statuses: new Map<number, number>(),
  atLeast500: 0,
  invalidInputs: 0,
  providerCallsForInvalid: 0,
  providerCallsForValid: 0,
  planes: new Set<number>(),
};

/** A provider that counts its calls and answers as the sandbox does. */
function countingProvider(): Provider & { calls: number } {
  const base = sandboxProvider(TEST_TIMEOUT_MS);
  const counting = {
    ...base,
    calls: 0,
    verify: (...args: Parameters<Provider['verify']>) => {
      counting.calls += 1;
      return base.verify(...args);
    },
  };
  return counting;
}

const provider = countingProvider();
const app = testApp({
  providers: [provider],
  // Limits off, so that every case reaches the checks that decide whether the provider is called.
  limits: parseLimits('ip=off, ip-day=off, number=off, name=off, site=off, secret=off'),
  trustProxy: parseTrustProxy('loopback'),
  remoteAddress: () => '127.0.0.1',
});
const limitedApp = testApp({ providers: [provider], trustProxy: parseTrustProxy('loopback'), remoteAddress: () => '127.0.0.1' });
const prototypeBefore = prototypeSnapshot();

interface Case {
  readonly path: '/api/verify' | '/api/siteverify';
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Whether the proxy may call the provider for this case: a JSON body within the limit that passes the shared checks. */
function isValidVerify(c: Case): boolean {
  if (c.path !== '/api/verify' || !/^application\/json\s*(;|$)/i.test(c.contentType)) return false;
  if (new TextEncoder().encode(c.body).byteLength > MAX_BODY_BYTES) return false;
  const parsed = parsedJson(c.body);
  if (!parsed.ok || !checkRequest(parsed.value).ok) return false;
  const { siteKey } = parsed.value as { siteKey?: unknown };
  return siteKey === undefined || siteKey === 'sandbox';
}

/** Sends one case and checks what must hold for every answer; returns the status. */
async function send(c: Case, target = app): Promise<number> {
  const callsBefore = provider.calls;
  const res = await target.request(c.path, { method: 'POST', headers: { 'content-type': c.contentType, ...c.headers }, body: c.body });
  const text = await res.text();
  const called = provider.calls - callsBefore;
  const valid = isValidVerify(c);
  figures.requests += 1;
  figures.statuses.set(res.status, (figures.statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) figures.atLeast500 += 1;
  if (valid) figures.providerCallsForValid += called;
  else {
    figures.invalidInputs += 1;
    figures.providerCallsForInvalid += called;
  }
  expect(res.status, `${c.path} ${c.body.slice(0, 120)}`).toBeLessThan(500);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = JSON.parse(text) as Record<string, unknown>;
  if (c.path === '/api/verify' && res.status !== 200) expect(typeof json.code).toBe('string');
  if (c.path === '/api/siteverify') expect(typeof json.success === 'boolean' || typeof json.code === 'string').toBe(true);
  if (!valid) expect(called, `provider called for ${c.body.slice(0, 120)}`).toBe(0);
  expect(text).not.toMatch(/idData|mobData|sandbox-key/);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return res.status;
}

/** Text of code points from one Unicode plane; lone surrogates included on plane 0. */
const planeText = (plane: number) =>
  fc
    .array(fc.integer({ min: plane * 0x10000, max: plane * 0x10000 + 0xffff }), { minLength: 1, maxLength: 40 })
    .map((points) => String.fromCodePoint(...points));
const anyPlaneText = fc.integer({ min: 0, max: 16 }).chain(planeText);

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), anyPlaneText);
const registered = fc.constantFrom(...sandboxDirectory);
const nameLike = fc.oneof(anyText, registered.map((e) => e.name), fc.constantFrom('张', '张三·', '·李四', '张 三', '王'.repeat(51)));
const phoneLike = fc.oneof(anyText, registered.map((e) => e.phoneNumber), fc.stringMatching(/^\+?[0-9０-９ ()-]{0,20}$/));
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: wrongType });

/** Header values a real client could send: printable, but otherwise anything. */
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, ''));
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', '', 'application/x-www-form-urlencoded', 'application/jsonp');

/** JSON text with a key JSON.stringify would never write as an own property: `__proto__`, and `constructor.prototype`. */
const pollutingBody = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), nameLike, phoneLike, fc.boolean())
  .map(([key, name, phoneNumber, nested]) => {
    const payload = nested ? '{"prototype":{"polluted":"yes"}}' : '{"polluted":"yes","name":"张三","siteKey":"sandbox"}';
    return `{"${key}":${payload},"name":${JSON.stringify(name)},"phoneNumber":${JSON.stringify(phoneNumber)}}`;
  });

const verifyCase: fc.Arbitrary<Case> = fc.oneof(
  // Malformed JSON and arbitrary text.
  fc.record({ path: fc.constant('/api/verify' as const), contentType, body: fc.oneof(anyText, fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))) }),
  // Any JSON value at all.
  fc.record({ path: fc.constant('/api/verify' as const), contentType: fc.constant('application/json'), body: fc.json({ maxDepth: 3 }) }),
  // The right shape with wrong types and odd values.
  fc
    .record({ name: field(nameLike), phoneNumber: field(phoneLike), siteKey: fc.option(field(fc.oneof(anyText, fc.constant('sandbox'))), { nil: undefined }) }, { requiredKeys: [] })
    .map((body) => ({ path: '/api/verify' as const, contentType: 'application/json', body: JSON.stringify(body) })),
  fc.record({ path: fc.constant('/api/verify' as const), contentType: fc.constant('application/json'), body: pollutingBody }),
);

// Mostly none: a foreign Origin is refused before the body is checked, which would hide the checks from the fuzzer.
const headersCase = fc.option(fc.record({ origin: headerText, 'x-forwarded-for': headerText }, { requiredKeys: [] }), { freq: 3, nil: {} });

const siteverifyCase: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ path: fc.constant('/api/siteverify' as const), contentType, body: anyText }),
  fc
    .record({ secret: field(fc.oneof(anyText, fc.constant('sandbox-secret'))), token: field(anyText), name: field(nameLike), phoneNumber: field(phoneLike) }, { requiredKeys: [] })
    .map((body) => ({ path: '/api/siteverify' as const, contentType: 'application/json', body: JSON.stringify(body) })),
  fc
    .tuple(fc.constantFrom('__proto__', 'constructor', 'toString'), anyText)
    .map(([key, value]) => ({ path: '/api/siteverify' as const, contentType: 'application/x-www-form-urlencoded', body: `${key}=${value}&secret=sandbox-secret&token=x` })),
  fc.record({ path: fc.constant('/api/siteverify' as const), contentType: fc.constant('application/json'), body: pollutingBody.map((b) => b.replace('"name"', '"secret":"sandbox-secret","token":"a.b.c","name"')) }),
);

const RUNS = 1500;

describe('fuzzing the proxy', () => {
  it('answers every malformed or mistyped verify request below 500, without calling the provider', async () => {
    const validCallsBefore = figures.providerCallsForValid;
    await fc.assert(
      fc.asyncProperty(verifyCase, headersCase, async (c, headers) => {
        figures.cases += 1;
        await send({ ...c, headers });
      }),
      { numRuns: RUNS },
    );
    // The counter of calls is live: the valid pairs slipped into the cases did reach the provider.
    expect(figures.providerCallsForValid).toBeGreaterThan(validCallsBefore);
  });

  it('answers every siteverify request below 500', async () => {
    await fc.assert(
      fc.asyncProperty(siteverifyCase, async (c) => {
        figures.cases += 1;
        await send(c);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses huge strings with 413 before reading them, on both routes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_BODY_BYTES, max: 300_000 }), fc.constantFrom('/api/verify' as const, '/api/siteverify' as const), anyPlaneText, async (size, path, text) => {
        figures.cases += 1;
        const filler = text.repeat(Math.ceil(size / Math.max(1, text.length)));
        const status = await send({ path, contentType: 'application/json', body: JSON.stringify({ name: filler, phoneNumber: '13800138000', secret: filler }) });
        expect(status).toBe(413);
      }),
      { numRuns: 100 },
    );
  });

  it('names from every Unicode plane are checked, never sent on unchecked', async () => {
    figures.planes.clear();
    for (let plane = 0; plane <= 16; plane++) {
      await fc.assert(
        fc.asyncProperty(planeText(plane), registered, async (name, entry) => {
          figures.cases += 1;
          await send({ path: '/api/verify', contentType: 'application/json', body: JSON.stringify({ name, phoneNumber: entry.phoneNumber }) });
          // Counted once the proxy has answered a name from this plane (and send() checked the answer).
          figures.planes.add(Math.floor(name.codePointAt(0)! / 0x10000));
        }),
        { numRuns: 40 },
      );
    }
  });

  it('stays below 500 with the default limits on, refusals included', async () => {
    const refusedBefore = figures.statuses.get(429) ?? 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(verifyCase, registered.map((e) => ({ path: '/api/verify' as const, contentType: 'application/json', body: JSON.stringify(e) }))), async (c) => {
        figures.cases += 1;
        await send(c, limitedApp);
      }),
      { numRuns: 300 },
    );
    expect(figures.statuses.get(429) ?? 0).toBeGreaterThan(refusedBefore);
  });

  afterAll(() => {
    const prototypeAfter = prototypeSnapshot();
    const changed = [...new Set([...prototypeBefore.keys(), ...prototypeAfter.keys()])].filter(
      (key) => JSON.stringify(prototypeBefore.get(key)) !== JSON.stringify(prototypeAfter.get(key)) || prototypeBefore.get(key)?.value !== prototypeAfter.get(key)?.value,
    );
    const statuses = [...figures.statuses.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    console.log(
      [
        'fuzz figures:',
        `  cases run: ${figures.cases}, requests: ${figures.requests}`,
        `  statuses: ${statuses}`,
        `  answers >= 500: ${figures.atLeast500}`,
        `  invalid inputs: ${figures.invalidInputs}, provider calls for them: ${figures.providerCallsForInvalid}`,
        `  provider calls for valid inputs: ${figures.providerCallsForValid}`,
        `  Unicode planes sent: ${figures.planes.size} of 17`,
        `  Object.prototype changes: ${changed.length}`,
      ].join('\n'),
    );
    // Each answer's own checks (below 500, no provider call for an invalid input) are made as it comes, in send();
    // what is left to check once every test has run is that none of them changed Object.prototype.
    expect(changed).toEqual([]);
  });
});
