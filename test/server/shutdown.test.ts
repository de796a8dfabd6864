// Stopping the Node server: requests under way finish, kept-alive connections end, and none holds the stop for ever.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sandboxProvider } from '../../server/config.js';
import { sandboxFaults } from '../../server/providers/sandbox-directory.js';
import type { Provider } from '../../server/providers/types.js';
import { startServer } from '../../server/node.js';
import { MemoryStore } from '../../server/stores/memory.js';
import type { Store } from '../../server/stores/types.js';
import { startMockUpstream } from '../support/mock-upstream.js';

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
}

/** One verify request over `agent`; an error once the server is gone. */
function verify(port: number, agent: Agent, phoneNumber = '13800138000'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ name: '张三', phoneNumber });
    const req = request({ host: '127.0.0.1', port, agent, method: 'POST', path: '/api/verify', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The sandbox, answering each call after `ms`: every request is still under way for a while. */
function slowSandbox(ms: number): Provider {
  const sandbox = sandboxProvider();
  return { ...sandbox, verify: (query, call) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => sandbox.verify(query, call)) };
}

describe('stopping the server', () => {
  it('waits, within its grace period, for a call kept going past its timeout: its answer, billed, is cached and logged first', async () => {
    const vendor = await startMockUpstream();
    vendor.fail({ kind: 'slow', delayMs: 1500 });
    const providers = JSON.stringify([{ id: 'vendor', url: vendor.url, key: 'vendor-key', timeoutMs: 1000 }]);
    const lines: Record<string, unknown>[] = [];
    // The cache's store as Redis is, a round trip away (a write takes 50 ms): what it held when the stop closed it.
    const memory = new MemoryStore();
    const cached: string[] = [];
    let closed = false;
    const store: Store = {
      hit: (key, windowMs) => memory.hit(key, windowMs),
      claim: (key, ttlMs, value) => memory.claim(key, ttlMs, value),
      get: (key) => memory.get(key),
      set: async (key, value, ttlMs) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (key.startsWith('cache:') && !closed) cached.push(value.split(' ')[1]!);
        return memory.set(key, value, ttlMs);
      },
      close: async () => void (closed = true),
    };
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_PROVIDERS: providers }, { log: (line) => void lines.push(line), cache: { store } });
    try {
      const started = performance.now();
      expect((await verify(running.port, new Agent())).status).toBe(504);
      expect(vendor.open).toBe(1);
      await running.close();
      // The answer came half a second after the 504, and the stop waited for it.
      expect(performance.now() - started).toBeGreaterThan(1400);
      expect(lines.find((line) => line.event === 'late-answer')).toMatchObject({ provider: 'vendor' });
      expect(cached).toEqual(['FP00000']);
    } finally {
      await running.close();
      await vendor.close();
    }
  });

  it('waits for a call kept going for a late answer no longer than its grace period', async () => {
    const vendor = await startMockUpstream();
    vendor.fail({ kind: 'no-answer' });
    const providers = JSON.stringify([{ id: 'vendor', url: vendor.url, key: 'vendor-key', timeoutMs: 1000 }]);
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_PROVIDERS: providers }, { log: () => undefined }, { shutdownGraceMs: 300 });
    try {
      expect((await verify(running.port, new Agent())).status).toBe(504);
      // The call would go on for another second, for an answer the cache would keep; the grace period ends it.
      expect(vendor.open).toBe(1);
      const started = performance.now();
      await running.close();
      expect(performance.now() - started).toBeLessThan(800);
      await expect.poll(() => vendor.open).toBe(0);
    } finally {
      await running.close();
      await vendor.close();
    }
  });

  it('ends a connection a client keeps alive and goes on using, instead of serving it for as long as it sends', async () => {
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: () => undefined, providers: [slowSandbox(100)] });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: Answer[] = [];
    let stopped = false;
    // A pool that sends one request after another on the same connection, as a load balancer's does.
    const client = (async () => {
      while (!stopped) {
        try {
          answers.push(await verify(running.port, agent));
        } catch {
          break;
        }
      }
    })();
    try {
      while (answers.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = answers.length;
      const started = performance.now();
      await running.close();
      expect(performance.now() - started).toBeLessThan(2000);
      await client;
      expect(answers.slice(0, before).every((answer) => answer.status === 200 && answer.connection === 'keep-alive')).toBe(true);
      // The request under way as the stop began was answered; at most one more came in, and its answer said close.
      const after = answers.slice(before);
      expect(after.length).toBeLessThanOrEqual(2);
      expect(after.slice(1).every((answer) => answer.connection === 'close')).toBe(true);
    } finally {
      stopped = true;
      agent.destroy();
      await client;
    }
  });

  it('closes a connection that has sent nothing, which no request can be under way on, a moment after the stop begins', async () => {
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: () => undefined }, { shutdownGraceMs: 5000 });
    const unused = connect(running.port, '127.0.0.1');
    await once(unused, 'connect');
    const ended = once(unused, 'close');
    const started = performance.now();
    await running.close();
    await ended;
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers a first request sent on a new connection as the stop begins, not yet read when it began', async () => {
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: () => undefined }, { shutdownGraceMs: 5000 });
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    await new Promise((resolve) => setTimeout(resolve, 50));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const ended = once(socket, 'close');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const closed = running.close();
    await Promise.all([ended, closed]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('waits for a request under way, then cuts what is still open when the grace period ends', async () => {
    const running = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: () => undefined }, { shutdownGraceMs: 300 });
    const agent = new Agent({ keepAlive: true });
    try {
      // The sandbox's number that never answers keeps its request open up to the provider timeout (3 s).
      const hanging = verify(running.port, agent, sandboxFaults.noAnswer).then(
        () => 'answered',
        () => 'cut',
      );
      const quick = verify(running.port, agent);
      expect((await quick).status).toBe(200);
      const started = performance.now();
      await running.close();
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2000);
      expect(await hanging).toBe('cut');
      // Closing again, as a signal handler and a cleanup both may, is the same stop.
      await running.close();
      expect(running.server.listenerCount('request')).toBe(2);
    } finally {
      agent.destroy();
    }
  });
});
