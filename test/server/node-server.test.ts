// The Node server under many requests at once: answers ended in the same turn are sent together at its end, and
// each must still reach its own client, whole, in the order its connection asked.
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/node.js';

let running: RunningServer;
beforeAll(async () => {
  running = await startServer({ PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_LIMITS: 'ip=off, ip-day=off, number=off, name=off, site=off, secret=off' }, { log: () => undefined });
});
afterAll(() => running.close());

/** A mobile number the sandbox does not know, told apart by its last four digits. */
const numberOf = (i: number) => `1390000${String(i).padStart(4, '0')}`;

interface Answer {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly body: { code: string; phoneMasked?: string };
}

function verify(agent: Agent, phoneNumber: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: running.port, agent, method: 'POST', path: '/api/verify', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, requestId: res.headers['x-request-id'] as string | undefined, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ name: '张三', phoneNumber }));
  });
}

describe('answering many requests at once', () => {
  it('gives each of 200 requests on 16 kept-alive connections its own answer, whole', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => verify(agent, numberOf(i))));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      expect(answers.map((answer) => answer.body.phoneMasked)).toEqual(answers.map((_, i) => `139****${numberOf(i).slice(-4)}`));
      expect(new Set(answers.map((answer) => answer.requestId)).size).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('answers requests pipelined on one connection in the order they were sent', async () => {
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    const raw = (i: number) => {
      const body = JSON.stringify({ name: '张三', phoneNumber: numberOf(i) });
      return `POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    // Eight requests in one write, then a GET of the health page that asks for the connection to close.
    socket.write([0, 1, 2, 3, 4, 5, 6, 7].map(raw).join('') + 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    await once(socket, 'close');
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    expect(statuses).toEqual(['200', '200', '200', '200', '200', '200', '200', '200', '200']);
    const masked = [...text.matchAll(/"phoneMasked":"([^"]+)"/g)].map((match) => match[1]);
    expect(masked).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `139****${numberOf(i).slice(-4)}`));
    // The health page's answer is last, and whole.
    expect(text.slice(text.lastIndexOf('HTTP/1.1 '))).toMatch(/"status":"ok"[\s\S]*\}$/);
  });
});

describe('the Node program\'s monitoring figures', () => {
  it('begin at its start: a quiet time before the first request is counted, quiet, not left out', async () => {
    let now = Date.UTC(2026, 0, 1, 11, 0, 0);
    const quiet = await startServer({ PORT: '0', HOST: '127.0.0.1' }, { log: () => undefined, now: () => now });
    try {
      now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const base = `http://127.0.0.1:${quiet.port}`;
      const answer = await fetch(`${base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '张三', phoneNumber: '13800138000' }) });
      expect(answer.status).toBe(200);
      const stats = (await (await fetch(`${base}/api/stats?minutes=30`)).json()) as { instance: { startedAt: number }; from: number };
      expect(stats.instance.startedAt).toBe(Date.UTC(2026, 0, 1, 11, 0, 0));
      expect(stats.instance.startedAt).toBeLessThan(stats.from);
    } finally {
      await quiet.close();
    }
  });
});
