// The Node transport and the HTTP provider: keep-alive reuse, and each transport failure named for the billing policy.
import { describe, expect, it } from 'vitest';
import { createHttpProvider } from '../../server/providers/http.js';
import { callWithTimeout } from '../../server/providers/router.js';
import { UpstreamError, type Transport } from '../../server/providers/types.js';
import type { NodeTransport } from '../../server/transport-node.js';
import { eachVendorAndTransport, providerFor, refusedUrl, type MockUpstream } from '../support/mock-upstream.js';

const match = { name: '张三', phoneNumber: '13800138000' };

let transport: NodeTransport;
let vendor: MockUpstream;
eachVendorAndTransport((v, t) => {
  vendor = v;
  transport = t;
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof UpstreamError ? { failure: error.failure, maybeBilled: error.maybeBilled } : error),
  );

describe('createNodeTransport', () => {
  it('reuses kept-alive connections for calls in sequence', async () => {
    const provider = providerFor(vendor, { id: 'main', transport });
    for (let i = 0; i < 20; i++) expect((await callWithTimeout(provider, match)).code).toBe('FP00000');
    expect(vendor.calls).toBe(20);
    // The pool may open a second socket while the first is still being released, never one a call.
    expect(vendor.connections).toBeLessThanOrEqual(2);
  });

  it('reads an answer that starts with a UTF-8 byte-order mark, as fetch does', async () => {
    vendor.fail({ kind: 'bom' });
    const provider = providerFor(vendor, { id: 'main', transport });
    expect((await callWithTimeout(provider, match)).code).toBe('FP00000');
  });

  it('opens a few connections for calls in parallel and answers each', async () => {
    const provider = providerFor(vendor, { id: 'main', transport });
    const answers = await Promise.all(Array.from({ length: 10 }, () => callWithTimeout(provider, match)));
    expect(answers.every((a) => a.code === 'FP00000')).toBe(true);
    expect(vendor.connections).toBeGreaterThanOrEqual(1);
    expect(vendor.connections).toBeLessThanOrEqual(10);
  });
});

describe.each([
  ['the pooled Node transport', () => transport],
  ['the global fetch', () => fetch as Transport],
])('failures named through %s', (_, transportOf) => {
  const provider = (url: string) => createHttpProvider({ id: 'main', url, key: 'k', timeoutMs: 1000, transport: transportOf() });

  it('names a refused connection unreachable: never billed', async () => {
    expect(await failureOf(callWithTimeout(provider(await refusedUrl()), match))).toEqual({ failure: 'unreachable', maybeBilled: false });
  });

  it('names a reset after the request was sent a reset: maybe billed', async () => {
    vendor.fail({ kind: 'reset' });
    expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure: 'reset', maybeBilled: true });
    expect(vendor.calls).toBe(1);
  });

  it('names a silent upstream a timeout: maybe billed', async () => {
    vendor.fail({ kind: 'no-answer' });
    expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure: 'timeout', maybeBilled: true });
  });

  it.each([
    [500, 'server-error', true],
    [502, 'server-error', true],
    [503, 'refused', false],
    [429, 'refused', false],
    [401, 'refused', false],
  ] as const)('names HTTP %i %s (maybe billed: %s)', async (status, failure, maybeBilled) => {
    vendor.fail({ kind: 'status', status });
    expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure, maybeBilled });
  });
});
