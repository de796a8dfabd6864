// The Node transport and the HTTP provider: keep-alive reuse, and each transport failure named for the billing policy.
import { describe, expect, it, vi } from 'vitest';
import { createHttpProvider } from '../../server/providers/http.js';
import { callWithTimeout, createRouter } from '../../server/providers/router.js';
import { callControlKey, UpstreamError, type CallControl, type Provider, type Transport, type TransportInit } from '../../server/providers/types.js';
import { createNodeTransport, type NodeTransport } from '../../server/transport-node.js';
import { eachVendorAndTransport, handshakeReset, providerFor, refusedUrl, type MockUpstream } from '../support/mock-upstream.js';

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

  it('reads the answer of a vendor that compresses whatever a request does not refuse: it asks for no coding', async () => {
    vendor.fail({ kind: 'gzip' });
    const provider = providerFor(vendor, { id: 'main', transport });
    expect((await callWithTimeout(provider, match)).code).toBe('FP00000');
    expect(vendor.calls).toBe(1);
  });

  it('opens a few connections for calls in parallel and answers each', async () => {
    const provider = providerFor(vendor, { id: 'main', transport });
    const answers = await Promise.all(Array.from({ length: 10 }, () => callWithTimeout(provider, match)));
    expect(answers.every((a) => a.code === 'FP00000')).toBe(true);
    expect(vendor.connections).toBeGreaterThanOrEqual(1);
    expect(vendor.connections).toBeLessThanOrEqual(10);
  });

  /** A CallControl given up by hand, and an init whose signal must never be read. */
  function handControl() {
    const listeners: (() => void)[] = [];
    let givenUp = false;
    const control: CallControl = {
      get signal(): AbortSignal {
        throw new Error('the signal was read');
      },
      get aborted() {
        return givenUp;
      },
      onAbort: (listener) => void (givenUp ? listener() : listeners.push(listener)),
    };
    const init: TransportInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(match),
      get signal(): AbortSignal {
        throw new Error('the signal was read');
      },
      [callControlKey]: control,
    };
    const giveUp = () => {
      givenUp = true;
      for (const listener of listeners) listener();
    };
    return { init, giveUp };
  }

  it('abandons a call when its CallControl gives it up, without ever reading an AbortSignal', async () => {
    vendor.fail({ kind: 'no-answer' });
    const { init, giveUp } = handControl();
    const pending = transport(vendor.url, init);
    await expect.poll(() => vendor.calls).toBe(1);
    giveUp();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('cancels a timed-out call through a site\'s own transport that copies the init, as fetch wrappers do', async () => {
    vendor.fail({ kind: 'no-answer' });
    const wrapped: Transport = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-trace': 'abc' } });
    // Time enough for the first use of fetch (which loads lazily) and the connect on a loaded machine; the vendor never answers.
    const provider = providerFor(vendor, { id: 'main', transport: wrapped, timeoutMs: 1000 });
    expect(await failureOf(callWithTimeout(provider, match))).toEqual({ failure: 'timeout', maybeBilled: true });
    expect(vendor.calls).toBe(1);
    // The copy kept the signal: the connection is closed at the timeout, not left open until undici's own.
    await expect.poll(() => vendor.open, { timeout: 1000 }).toBe(0);
  });

  it('names a TLS handshake reset unreachable, never billed: the request was not written', async () => {
    const reset = await handshakeReset();
    try {
      const provider = providerFor(reset, { id: 'main', transport, timeoutMs: 1000 });
      expect(await failureOf(callWithTimeout(provider, match))).toEqual({ failure: 'unreachable', maybeBilled: false });
      expect(reset.resets).toBe(1);
    } finally {
      await reset.close();
    }
  });

  it('sends nothing for a call given up before it starts', async () => {
    const { init, giveUp } = handControl();
    giveUp();
    await expect(transport(vendor.url, init)).rejects.toMatchObject({ name: 'AbortError' });
    expect(vendor.calls).toBe(0);
  });

  it('sends the calls that wait for its one connection in turn, each as the one before is answered', async () => {
    const oneConnection = createNodeTransport({ connections: 1 });
    try {
      vendor.fail({ kind: 'slow', delayMs: 100 });
      const provider = providerFor(vendor, { id: 'main', transport: oneConnection, timeoutMs: 1500 });
      // The third waits some 200 ms, well short of the 750 ms after which a call still waiting is given up.
      const answers = await Promise.all(Array.from({ length: 3 }, () => callWithTimeout(provider, match)));
      expect(answers.map((answer) => answer.code)).toEqual(['FP00000', 'FP00000', 'FP00000']);
      expect([vendor.calls, vendor.connections]).toEqual([3, 1]);
    } finally {
      await oneConnection.close();
    }
  });

  it('does not send a call that waited for a free connection past half its timeout: unreachable, never billed', async () => {
    const oneConnection = createNodeTransport({ connections: 1 });
    try {
      vendor.fail({ kind: 'slow', delayMs: 1000 });
      const provider = providerFor(vendor, { id: 'main', transport: oneConnection, timeoutMs: 1500 });
      // The second call waits 1,000 ms for the one connection: past its 750 ms, with 500 ms left for a 1,000 ms answer.
      const [first, second] = await Promise.all([failureOf(callWithTimeout(provider, match)), failureOf(callWithTimeout(provider, match))]);
      expect(first).toBeNull();
      expect(second).toEqual({ failure: 'unreachable', maybeBilled: false });
      expect(vendor.calls).toBe(1);
      // The call left the queue without touching the connection, which serves the next call.
      vendor.fail(null);
      expect((await callWithTimeout(provider, match)).code).toBe('FP00000');
      expect(vendor.connections).toBe(1);
    } finally {
      await oneConnection.close();
    }
  });

  it("does not open a provider's breaker for calls given up in the pool's own queue: the provider answered every call it got", async () => {
    const oneConnection = createNodeTransport({ connections: 1 });
    try {
      vendor.fail({ kind: 'slow', delayMs: 600 });
      const router = createRouter([providerFor(vendor, { id: 'main', transport: oneConnection, timeoutMs: 1000 })]);
      // One call on the connection, six behind it: each waits past its 500 ms, more than the five failures in a row
      // that open a breaker.
      const burst = await Promise.all(Array.from({ length: 7 }, () => failureOf(router.verify(match))));
      expect(burst.filter((outcome) => outcome === null)).toHaveLength(1);
      expect(burst.filter((outcome) => outcome !== null)).toEqual(Array(6).fill({ failure: 'unreachable', maybeBilled: false }));
      expect(vendor.calls).toBe(1);
      const [health] = router.health();
      expect(health).toMatchObject({ breaker: 'closed', failures: 6, lastFailure: { failure: 'unreachable' } });
      // The next call is sent, not skipped.
      vendor.fail(null);
      expect((await router.verify(match)).code).toBe('FP00000');
      expect(vendor.calls).toBe(2);
    } finally {
      await oneConnection.close();
    }
  });

  it('gives a connection slow to open the whole timeout: only a wait for a free one counts against it', async () => {
    // The call's clock and timers are the test's: a loaded machine that pauses the process between the handshake
    // and the answer must not turn 700 ms of a 1,000 ms timeout into a timeout (fake timers below).
    const slowToConnect: Provider = {
      id: 'slow-tls',
      adapter: 'standard',
      breaker: true,
      weight: 1,
      timeoutMs: 1000,
      // A handshake that takes 60% of the timeout, past the half a wait for a free connection may take, then a quick answer.
      verify: async (_, call) => {
        call.progress?.('connecting');
        await new Promise((resolve) => setTimeout(resolve, 600));
        call.progress?.('sent');
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { code: 'FP00000', message: 'SUCCESS', idData: {}, mobData: {} };
      },
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const outcome = callWithTimeout(slowToConnect, match).then((answer) => answer.code, (error: unknown) => error);
      await vi.advanceTimersByTimeAsync(700);
      expect(await outcome).toBe('FP00000');
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes the connection of a refusal whose body is larger than it reads, or not over in time: the call is answered at once all the same', async () => {
    const small = createNodeTransport({ discardBytes: 10 });
    const brief = createNodeTransport({ discardMs: 50 });
    try {
      // An HTML error page of some 120 bytes, over the 10 this transport reads of a refusal.
      vendor.fail({ kind: 'html', status: 502 }, 1);
      expect(await failureOf(callWithTimeout(providerFor(vendor, { id: 'main', transport: small }), match))).toEqual({ failure: 'server-error', maybeBilled: true });
      await expect.poll(() => vendor.open).toBe(0);
      // A 429 whose body trickles for good: answered at its status, its connection closed 50 ms on.
      vendor.fail({ kind: 'trickle', status: 429 }, 1);
      expect(await failureOf(callWithTimeout(providerFor(vendor, { id: 'main', transport: brief, timeoutMs: 60_000 }), match))).toEqual({ failure: 'refused', maybeBilled: false });
      await expect.poll(() => vendor.open).toBe(0);
    } finally {
      await Promise.all([small.close(), brief.close()]);
    }
  });

  it('closes without waiting for the body of a refusal it is still reading', async () => {
    const patient = createNodeTransport({ discardMs: 60_000 });
    vendor.fail({ kind: 'trickle', status: 503 });
    expect(await failureOf(callWithTimeout(providerFor(vendor, { id: 'main', transport: patient }), match))).toEqual({ failure: 'refused', maybeBilled: false });
    // Were it to wait for the body, which never ends, the test would time out here.
    await patient.close();
    await expect.poll(() => vendor.open).toBe(0);
  });

  it('times a silent upstream out through the CallControl: no AbortSignal made, and the pool still answers', async () => {
    vendor.fail({ kind: 'no-answer' }, 1);
    const inner = providerFor(vendor, { id: 'main', transport, timeoutMs: 200 });
    let signalReads = 0;
    const counted: Provider = {
      ...inner,
      verify: (query, call) =>
        inner.verify(query, {
          get signal() {
            signalReads += 1;
            return call.signal;
          },
          get aborted() {
            return call.aborted;
          },
          onAbort: (listener) => call.onAbort(listener),
        }),
    };
    expect(await failureOf(callWithTimeout(counted, match))).toEqual({ failure: 'timeout', maybeBilled: true });
    expect((await callWithTimeout(counted, match)).code).toBe('FP00000');
    expect(signalReads).toBe(0);
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

  it('keeps its connection through a run of refusals: their small bodies are read, no reason to connect again', async () => {
    vendor.fail({ kind: 'status', status: 429 });
    for (let i = 0; i < 10; i++) expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure: 'refused', maybeBilled: false });
    vendor.fail(null);
    expect((await callWithTimeout(provider(vendor.url), match)).code).toBe('FP00000');
    expect(vendor.calls).toBe(11);
    // The pool may open a second socket while the first is still being released, never one a call.
    expect(vendor.connections).toBeLessThanOrEqual(2);
  });

  it('keeps its connection through refusals whose small body comes a moment after their status', async () => {
    vendor.fail({ kind: 'status', status: 429, bodyDelayMs: 20 });
    for (let i = 1; i <= 10; i++) {
      expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure: 'refused', maybeBilled: false });
      // Answered at its status: the next call goes once the answer is over (sent, or cut), so that it may find the
      // connection free.
      await expect.poll(() => vendor.answered).toBe(i);
    }
    // The pool may open a second socket while the first is still being released, never one a call.
    expect(vendor.connections).toBeLessThanOrEqual(2);
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
    [403, 'refused', false],
    // The request's content refused: a name or a number the vendor would not take.
    [400, 'rejected', false],
    [422, 'rejected', false],
    // Not followed: a 303 after a POST says the call was processed; another redirect, that it went elsewhere.
    [303, 'malformed', true],
    [307, 'refused', false],
    [301, 'refused', false],
  ] as const)('names HTTP %i %s (maybe billed: %s)', async (status, failure, maybeBilled) => {
    vendor.fail({ kind: 'status', status });
    expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure, maybeBilled });
    expect(vendor.calls).toBe(1);
  });

  it('names an answer over 64 KiB in UTF-8 malformed, though it has fewer characters', async () => {
    vendor.fail({ kind: 'json', body: { code: 'FP00000', message: 'SUCCESS', idData: {}, mobData: { note: '汉'.repeat(30_000) } } });
    expect(await failureOf(callWithTimeout(provider(vendor.url), match))).toEqual({ failure: 'malformed', maybeBilled: true });
    vendor.fail({ kind: 'json', body: { code: 'FP00000', message: 'SUCCESS', idData: {}, mobData: { note: '汉'.repeat(20_000) } } });
    expect((await callWithTimeout(provider(vendor.url), match)).code).toBe('FP00000');
  });
});
