// Reads every line a real proxy process writes during a whole run, and the metrics, and finds no raw name, number, token or secret.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirectory, sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { MAX_BODY_BYTES } from '../../server/app.js';
import { generateTokenKey } from '../../server/tokens.js';
import { postJson, testApp } from '../support/app.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const HASH_SECRET = 'hash-secret-for-the-log-test-0123456789abcdef';
const GUESSED_SECRET = 'guessed-secret-Zq81';
const CLIENT_IP = '203.0.113.58';

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  /** Everything that must never be written: raw names, numbers, tokens, secrets, full client addresses. */
  readonly secrets: string[];
  readonly metrics: string;
}

/** Starts `node server/node.ts` like `npm start` does, on a free port, and resolves with it once it listens. */
function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: { stdout: string; stderr: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/node.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the proxy did not start: ${output.stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.stderr)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, port: Number(port), output });
      }
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}: ${output.stderr}`)));
  });
}

/** A whole run: every sandbox pair, refusals of each kind, faults, limits, token checks, a Redis outage. */
async function wholeRun(redis: TestRedis): Promise<Run> {
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    CARRIER_VERIFY_HASH_SECRET: HASH_SECRET,
    CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([await generateTokenKey('log-test')]),
    CARRIER_VERIFY_LIMITS: 'ip=40/1m, number=3/10m',
    CARRIER_VERIFY_TRUST_PROXY: 'loopback',
  };
  const { child, port, output } = await startProcess(env);
  const base = `http://127.0.0.1:${port}`;
  const secrets = [HASH_SECRET, GUESSED_SECRET, 'sandbox-secret', 'sandbox-key', CLIENT_IP];
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': CLIENT_IP, ...headers }, body: JSON.stringify(body) });
  const tokens: string[] = [];
  try {
    for (const { name, phoneNumber } of sandboxDirectory) {
      secrets.push(name, phoneNumber, `${phoneNumber.slice(0, 3)} ${phoneNumber.slice(3, 7)} ${phoneNumber.slice(7)}`);
      const res = await post('/api/verify', { name, phoneNumber: `+86 ${phoneNumber}` });
      const body = (await res.json()) as { token?: string };
      if (body.token) tokens.push(body.token);
    }
    const others: [string, string][] = [
      ['李四', '13800138000'],
      ['赵钱孙', '13900139000'],
      ['张', '13800138000'],
      ['张三', '1380013800'],
      ['Zhang San', '13712345678'],
      ['钱多多', sandboxFaults.serverError],
      ['孙小小', '18700001111'],
      ['周大大', '18700001111'],
      ['吴老二', '18700001111'],
      ['郑十一', '18700001111'],
    ];
    for (const [name, phoneNumber] of others) {
      secrets.push(name, phoneNumber);
      await post('/api/verify', { name, phoneNumber });
    }
    await fetch(`${base}/api/13800138000?phoneNumber=13800138000&name=${encodeURIComponent('张三')}`);
    await post('/api/verify', { name: '张三', phoneNumber: '13800138000' }, { origin: 'https://evil.example' });
    await post('/api/siteverify', { secret: GUESSED_SECRET, token: tokens[0] });
    await post('/api/siteverify', { secret: 'sandbox-secret', token: tokens[0], name: '张三', phoneNumber: '13800138000' });
    await post('/api/siteverify', { secret: 'sandbox-secret', token: tokens[0] });
    await post('/api/siteverify', { secret: 'sandbox-secret', token: tokens[1], name: '王五', phoneNumber: '13800138000' });
    await redis.stop();
    await post('/api/verify', { name: '王五', phoneNumber: '13312345678' });
    await post('/api/siteverify', { secret: 'sandbox-secret', token: tokens[2] });
    await redis.start();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    await fetch(`${base}/healthz`);
    for (const token of tokens) secrets.push(token, ...token.split('.').slice(1));
    return { stdout: output.stdout, stderr: output.stderr, secrets, metrics };
  } finally {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

describe('logs of a whole run', () => {
  let redis: TestRedis;
  let run: Run;

  beforeAll(async () => {
    redis = await startRedis();
    run = await wholeRun(redis);
  }, 60_000);

  afterAll(async () => {
    await redis?.dispose();
  });

  it('are one JSON object a line', () => {
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(25);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('hold masked numbers and names, and the outcome of each request', () => {
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/verify', status: 200, outcome: 'FP00000', phone: '138****8000', name: '张*', provider: 'sandbox', site: 'sandbox', ip: '203.0.113.0/24' }));
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/verify', status: 429, outcome: 'rate-limited', limit: 'number', phone: '187****1111' }));
    // A long name, a minority name, one beyond the BMP: the first character and one star, never the length.
    for (const [phone, name] of [['192****5678', '买*'], ['170****5678', '欧*'], ['159****5678', '𠮷*']]) {
      expect(lines).toContainEqual(expect.objectContaining({ route: '/api/verify', status: 200, phone, name }));
    }
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/verify', status: 502, phone: '138****0500' }));
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/siteverify', outcome: 'token-accepted' }));
    expect(lines).toContainEqual(expect.objectContaining({ event: 'store-down', store: 'redis' }));
    for (const line of lines.filter((l) => l.route === '/api/verify' || l.route === '/api/siteverify')) {
      expect(line).toMatchObject({ requestId: expect.any(String), latencyMs: expect.any(Number), status: expect.any(Number) });
    }
  });

  it('never hold a raw name, number, token, secret or client address', () => {
    const written = `${run.stdout}\n${run.stderr}`;
    // A one-character value (the invalid name 张) is also the visible part of a masked name (张*): not a leak.
    const found = run.secrets.filter((secret) => Array.from(secret).length > 1 && written.includes(secret));
    console.log(`log check: ${written.split('\n').length} lines, ${run.secrets.length} raw values looked for, ${found.length} found`);
    expect(found).toEqual([]);
  });

  it('keep the metrics free of them too', () => {
    expect(run.metrics.length).toBeGreaterThan(0);
    expect(run.secrets.filter((secret) => run.metrics.includes(secret))).toEqual([]);
  });
});

describe('the access-log line of a refusal', () => {
  const pair = { name: '张三', phoneNumber: '13800138000' };
  type App = ReturnType<typeof testApp>;
  /** A token for the sandbox site, redeemed once already when `used`. */
  const tokenFor = async (app: App, used = false): Promise<string> => {
    const { token } = (await (await postJson(app, '/api/verify', pair)).json()) as { token: string };
    if (used) await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
    return token;
  };
  const refusals: [string, (app: App) => Response | Promise<Response>][] = [
    ['a bad origin', (app) => postJson(app, '/api/verify', pair, { origin: 'https://evil.example' })],
    ['an unknown site key', (app) => postJson(app, '/api/verify', { ...pair, siteKey: 'no-such-site' })],
    ['a body that is not JSON', (app) => postJson(app, '/api/verify', '{"name":')],
    ['a body that is no object', (app) => postJson(app, '/api/verify', '[1]')],
    ['another content type', (app) => app.request('/api/verify', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(pair) })],
    ['a body over the limit', (app) => postJson(app, '/api/verify', { ...pair, pad: 'x'.repeat(MAX_BODY_BYTES) })],
    ['another method on verify', (app) => app.request('/api/verify', { method: 'PUT' })],
    ['another method on siteverify', (app) => app.request('/api/siteverify')],
    ['an unknown API path', (app) => app.request('/api/13800138000')],
    ['siteverify with a wrong secret', async (app) => postJson(app, '/api/siteverify', { secret: 'guessed-secret', token: await tokenFor(app) })],
    ['siteverify without a secret', (app) => postJson(app, '/api/siteverify', { token: 'x' })],
    ['siteverify without a token', (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret' })],
    ['siteverify with a body that is not JSON', (app) => postJson(app, '/api/siteverify', 'secret=')],
    ['siteverify with a body over the limit', (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret', pad: 'x'.repeat(MAX_BODY_BYTES) })],
    ['siteverify with a token that is not one', (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token: 'not-a-token' })],
    ['siteverify with a token used already', async (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token: await tokenFor(app, true) })],
    ['siteverify with another pair', async (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token: await tokenFor(app), name: '李四', phoneNumber: '13800138000' })],
    ['the operator data without the operator token', (app) => app.request('/api/stats')],
    ['siteverify with a good token', async (app) => postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token: await tokenFor(app) })],
  ];

  it.each(refusals)('names the code of the answer to %s', async (_, send) => {
    const app = testApp({ operatorToken: 'o'.repeat(32) });
    const res = await send(app);
    const body = (await res.json()) as { code?: string; success?: boolean; errors?: string[] };
    // The answer's own code: an error code, siteverify's first error, or token-accepted (as the metrics label it).
    const code = body.success === true ? 'token-accepted' : (body.errors?.[0] ?? body.code);
    expect(code).toEqual(expect.any(String));
    expect(app.logs.at(-1)).toMatchObject({ status: res.status, outcome: code });
  });

  it('names an object of the wrong shape invalid-request, whichever field is not a string, the site key too', async () => {
    const app = testApp();
    for (const body of [{ ...pair, name: 1 }, { ...pair, phoneNumber: null }, { ...pair, siteKey: 1 }, { ...pair, siteKey: null }, { ...pair, siteKey: ['sandbox'] }]) {
      const res = await postJson(app, '/api/verify', body);
      expect([body, res.status, ((await res.json()) as { code: string }).code]).toEqual([body, 400, 'INVALID_REQUEST']);
      expect([body, app.logs.at(-1)?.outcome]).toEqual([body, 'invalid-request']);
    }
  });
});

describe('the error line of a failure the app did not expect', () => {
  it('carries its time and the request id, beside the access line of the 500 it answered', async () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const app = testApp({
      now: () => now,
      assets: () => {
        throw new TypeError('the disk went away');
      },
    });
    const res = await app.request('/dashboard');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    const [error, access] = app.logs;
    expect(error).toEqual({ time: '2026-01-02T03:04:05.678Z', level: 'error', requestId: res.headers.get('x-request-id'), route: '/dashboard', error: 'TypeError' });
    expect(access).toMatchObject({ time: error?.time, requestId: error?.requestId, status: 500, outcome: 'INTERNAL_ERROR' });
  });
});

describe('a proxy whose stdout goes away', () => {
  it('serves on when the reader of its access log is gone (EPIPE), and says so once on stderr', async () => {
    const { child, port, output } = await startProcess({ PORT: '0', HOST: '127.0.0.1' });
    try {
      const verify = () => fetch(`http://127.0.0.1:${port}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '张三', phoneNumber: '13800138000' }) });
      expect((await verify()).status).toBe(200);
      await expect.poll(() => output.stdout).toContain('"outcome":"FP00000"');
      // The log shipper, `head` or `tee` at the other end of the pipe exits.
      child.stdout!.destroy();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await verify()).status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(child.exitCode).toBe(null);
      await expect.poll(() => output.stderr).toContain('carrier-verify: the access log cannot be written to stdout (EPIPE): its lines are dropped from now on; the proxy serves on');
      expect(output.stderr.match(/access log cannot be written/g)).toHaveLength(1);
    } finally {
      child.kill();
    }
  });
});
