// Vendor dialects over real HTTP: Tencent and Aliyun codes onto the three results, unknown codes refused, the key kept inside.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { startServer } from '../../server/node.js';
import type { AdapterName } from '../../server/providers/adapters.js';
import { sandboxDirectory } from '../../server/providers/sandbox-directory.js';
import { createNodeTransport, type NodeTransport } from '../../server/transport-node.js';
import { postJson, testApp } from '../support/app.js';
import { providerFor, startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';

const pairs = [
  ['a registered pair', { name: '李四', phoneNumber: '18612345678' }, 'FP00000'],
  ['another name', { name: '张三', phoneNumber: '18612345678' }, 'FP03333'],
  ['an unknown number', { name: '张三', phoneNumber: '13900139000' }, 'KYC1101'],
] as const;

let transport: NodeTransport;
let upstreams: MockUpstream[] = [];

beforeEach(() => {
  transport = createNodeTransport();
});

afterEach(async () => {
  await Promise.all([...upstreams.map((u) => u.close()), transport.close()]);
  upstreams = [];
});

async function upstream(dialect: AdapterName = 'standard') {
  const started = await startMockUpstream({ dialect });
  upstreams.push(started);
  return started;
}

/** An app whose providers speak the given dialects, tried in the order given. */
function appOver(...providers: [MockUpstream, AdapterName][]) {
  return testApp({
    providers: providers.map(([u, adapter], index) => providerFor(u, { id: `p${index + 1}`, adapter, transport, timeoutMs: 2000 })),
    routing: { random: () => 0 },
  });
}

const verify = async (app: ReturnType<typeof appOver>, body: unknown) => {
  const res = await postJson(app, '/api/verify', body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe.each(['tencent', 'aliyun', 'standard'] as const)('the %s dialect', (dialect) => {
  it.each(pairs)('maps %s to %s', async (_, pair, code) => {
    const vendor = await upstream(dialect);
    const { status, body } = await verify(appOver([vendor, dialect]), pair);
    expect(status).toBe(200);
    expect(body.code).toBe(code);
    expect(vendor.calls).toBe(1);
  });
});

describe('what each vendor is sent', () => {
  it('speaks each vendor\'s field names, with the provider\'s key as a bearer token', async () => {
    const [tencent, aliyun] = await Promise.all([upstream('tencent'), upstream('aliyun')]);
    tencent.fail({ kind: 'status', status: 503 });
    await verify(appOver([tencent, 'tencent'], [aliyun, 'aliyun']), { name: '李四', phoneNumber: '18612345678' });
    expect(tencent.requests).toEqual([{ authorization: 'Bearer key-p1', body: { Mobile: '18612345678', Name: '李四' } }]);
    expect(aliyun.requests).toEqual([{ authorization: 'Bearer key-p2', body: { InputNumber: '18612345678', Mask: 'NORMAL', Name: '李四' } }]);
  });
});

describe('vendor codes that are not a result', () => {
  const tencent = (Result: unknown) => ({ Response: { Result, Description: 'x', RequestId: 'r' } });
  const aliyun = (Code: string, IsConsistent?: unknown) => ({ Code, Message: 'x', RequestId: 'r', Data: { IsConsistent } });

  it.each([
    ['Tencent -2 (engine error)', 'tencent', tencent('-2')],
    ['Tencent -3 (engine service error)', 'tencent', tencent('-3')],
    ['Tencent -4 (name rejected)', 'tencent', tencent('-4')],
    ['Tencent -5 (number rejected)', 'tencent', tencent('-5')],
    ['Tencent -6 (daily limit)', 'tencent', tencent('-6')],
    ['a Tencent error object', 'tencent', { Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'x' }, RequestId: 'r' } }],
    ['Aliyun OperatorLimit', 'aliyun', aliyun('OperatorLimit')],
    ['Aliyun throttling', 'aliyun', aliyun('Throttling.User')],
  ] as const)('fails over on %s, which the vendor does not bill', async (_, dialect, vendorBody) => {
    const [first, second] = await Promise.all([upstream(dialect), upstream(dialect)]);
    first.fail({ kind: 'json', body: vendorBody });
    const { status, body } = await verify(appOver([first, dialect], [second, dialect]), { name: '李四', phoneNumber: '18612345678' });
    expect({ status, code: body.code }).toEqual({ status: 200, code: 'FP00000' });
    expect([first.calls, second.calls]).toEqual([1, 1]);
  });

  it('reads a Tencent Result beside an `Error: null`, as a gateway serialising a typed struct writes it, as the result', async () => {
    const [first, second] = await Promise.all([upstream('tencent'), upstream('tencent')]);
    first.fail({ kind: 'json', body: { Response: { Result: '1', Description: 'x', RequestId: 'r', Error: null } } });
    const { status, body } = await verify(appOver([first, 'tencent'], [second, 'tencent']), { name: '李四', phoneNumber: '18612345678' });
    // The billed mismatch is the answer, not an error to fail over from and pay the second vendor for.
    expect({ status, code: body.code }).toEqual({ status: 200, code: 'FP03333' });
    expect([first.calls, second.calls]).toEqual([1, 0]);
  });

  it('keeps a Tencent provider in service however many names or numbers it rejects (-4, -5): input is no fault of its own', async () => {
    const vendor = await upstream('tencent');
    const app = appOver([vendor, 'tencent']);
    // Each code five times in a row, as many as the failures that open a breaker: the next person is still answered.
    vendor.fail({ kind: 'json', body: tencent('-4') }, 5);
    for (let i = 0; i < 5; i++) expect((await verify(app, { name: '张三', phoneNumber: `1390013900${i}` })).status).toBe(502);
    vendor.fail({ kind: 'json', body: tencent('-5') }, 5);
    for (let i = 5; i < 10; i++) expect((await verify(app, { name: '张三', phoneNumber: `1390013900${i}` })).status).toBe(502);
    const { status, body } = await verify(app, { name: '李四', phoneNumber: '18612345678' });
    expect({ status, code: body.code }).toEqual({ status: 200, code: 'FP00000' });
    expect(vendor.calls).toBe(11);
  });

  it('takes a Tencent provider out of service once its daily limit is spent (-6) five times in a row: no call until its breaker lets one', async () => {
    const vendor = await upstream('tencent');
    const app = appOver([vendor, 'tencent']);
    vendor.fail({ kind: 'json', body: tencent('-6') });
    for (let i = 0; i < 5; i++) expect((await verify(app, { name: '张三', phoneNumber: `1390013900${i}` })).status).toBe(502);
    const res = await postJson(app, '/api/verify', { name: '李四', phoneNumber: '18612345678' });
    expect([res.status, res.headers.get('retry-after'), vendor.calls]).toEqual([502, '10', 5]);
  });

  it('keeps an Aliyun provider in service however many numbers the carrier will not let it look up (OperatorLimit, RequestFrequencyLimit)', async () => {
    const vendor = await upstream('aliyun');
    const app = appOver([vendor, 'aliyun']);
    // Aliyun verifies no virtual operator's number (170, 171, 162, 165), which passes every check of the proxy's, and
    // refuses a number asked about too often: anyone can send such numbers.
    // Each code five times in a row, as many as the failures that open a breaker: the next person is still answered.
    vendor.fail({ kind: 'json', body: aliyun('OperatorLimit') }, 5);
    for (let i = 0; i < 5; i++) expect((await verify(app, { name: '张三', phoneNumber: `1700013900${i}` })).status).toBe(502);
    vendor.fail({ kind: 'json', body: aliyun('RequestFrequencyLimit') }, 5);
    for (let i = 5; i < 10; i++) expect((await verify(app, { name: '张三', phoneNumber: `1390013900${i}` })).status).toBe(502);
    const { status, body } = await verify(app, { name: '李四', phoneNumber: '18612345678' });
    expect({ status, code: body.code }).toEqual({ status: 200, code: 'FP00000' });
    expect(vendor.calls).toBe(11);
  });

  it.each([
    ['a Tencent Result no table has', 'tencent', tencent('2')],
    ['a Tencent answer without Result', 'tencent', { Response: { RequestId: 'r' } }],
    ['an Aliyun IsConsistent of 3', 'aliyun', aliyun('OK', 3)],
    ['an Aliyun answer without Data', 'aliyun', { Code: 'OK', Message: 'OK' }],
    ['a standard code no one knows', 'standard', { code: 'FP09999', message: '?', idData: {}, mobData: {} }],
    ['a standard answer that is a JSON array', 'standard', []],
  ] as const)('answers 502 UPSTREAM_ERROR for %s, never a guess', async (_, dialect, vendorBody) => {
    const vendor = await upstream(dialect);
    vendor.fail({ kind: 'json', body: vendorBody });
    const app = appOver([vendor, dialect]);
    const { status, body } = await verify(app, { name: '李四', phoneNumber: '18612345678' });
    expect(status).toBe(502);
    expect(body).toEqual({ code: 'UPSTREAM_ERROR', message: expect.any(String) });
  });
});

describe('what reaches the browser', () => {
  it('holds no idData, mobData or upstream key, for any result', async () => {
    const vendor = await upstream('standard');
    const app = appOver([vendor, 'standard']);
    for (const pair of [...sandboxDirectory, { name: '张三', phoneNumber: '18612345678' }, { name: '张三', phoneNumber: '13900139000' }]) {
      const res = await postJson(app, '/api/verify', pair);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toMatch(/idData|mobData|raw-id-data|raw-mob-data|certType|key-p1|Bearer/);
    }
    expect(vendor.requests.every((r) => r.authorization === 'Bearer key-p1')).toBe(true);
  });

  it('shows provider health in /healthz without URLs or keys', async () => {
    const [first, second] = await Promise.all([upstream(), upstream('tencent')]);
    first.fail({ kind: 'status', status: 500 });
    const app = appOver([first, 'standard'], [second, 'tencent']);
    await verify(app, { name: '李四', phoneNumber: '18612345678' });
    const res = await app.request('/healthz');
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      providers: [
        { id: 'p1', adapter: 'standard', breaker: 'closed', calls: 1, failures: 1, lastFailure: { failure: 'server-error' } },
        { id: 'p2', adapter: 'tencent', breaker: 'closed', calls: 1, failures: 0, errorRate: 0, latencyMs: expect.any(Number), lastFailure: null },
      ],
    });
    expect(text).not.toMatch(/127\.0\.0\.1|key-p|Bearer/);
  });
});

describe('CARRIER_VERIFY_PROVIDERS', () => {
  const providers = (list: unknown) => loadConfig({ CARRIER_VERIFY_PROVIDERS: JSON.stringify(list) }, transport).app.providers ?? [];

  it('chooses the adapter per provider, standard by default', () => {
    const list = providers([
      { id: 'main', url: 'https://a.example/verify', key: 'k1', weight: 3, timeoutMs: 2000 },
      { id: 'tc', url: 'https://b.example/verify', key: 'k2', adapter: 'tencent' },
      { id: 'ali', url: 'https://c.example/verify', key: 'k3', adapter: 'aliyun' },
    ]);
    expect(list.map((p) => [p.id, p.adapter, p.weight, p.timeoutMs])).toEqual([
      ['main', 'standard', 3, 2000],
      ['tc', 'tencent', 1, 5000],
      ['ali', 'aliyun', 1, 5000],
    ]);
  });

  it('refuses an adapter it does not have, naming the setting', () => {
    expect(() => providers([{ id: 'x', url: 'https://a.example/verify', key: 'k', adapter: 'baidu' }])).toThrow(ConfigError);
    expect(() => providers([{ id: 'x', url: 'https://a.example/verify', key: 'k', adapter: 'baidu' }])).toThrow(/CARRIER_VERIFY_PROVIDERS/);
  });

  it.each([['主通道'], ['main provider'], ['vendor-20261129'], ['1st']])('refuses a provider id that the metrics could not label (%j)', (id) => {
    expect(() => providers([{ id, url: 'https://a.example/verify', key: 'k' }])).toThrow(/^CARRIER_VERIFY_PROVIDERS: 0\.id: must /);
  });

  it.each([['secret-key\n'], ['secret key'], ['密钥']])('refuses a key that cannot go in the Authorization header (%j), without repeating it', (key) => {
    let message = '';
    try {
      providers([{ id: 'x', url: 'https://a.example/verify', key }]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CARRIER_VERIFY_PROVIDERS: 0\.key: must be printable ASCII/);
    expect(message).not.toContain(key.trim());
  });
});

describe('the Node server on CARRIER_VERIFY_PROVIDERS', () => {
  it('routes over the configured providers through its pooled transport, the Tencent one answering when the other fails', async () => {
    const [main, backup] = await Promise.all([upstream('standard'), upstream('tencent')]);
    main.fail({ kind: 'status', status: 500 });
    const CARRIER_VERIFY_PROVIDERS = JSON.stringify([
      { id: 'main', url: main.url, key: 'sk-main', weight: 1000, timeoutMs: 1000 },
      { id: 'backup', url: backup.url, key: 'sk-backup', weight: 1, timeoutMs: 1000, adapter: 'tencent' },
    ]);
    const server = await startServer({ PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_PROVIDERS }, { log: () => undefined });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const post = () => fetch(`${base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '李四', phoneNumber: '18612345678' }) });
      const first = await post();
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ code: 'FP00000', token: expect.any(String) });
      expect((await post()).status).toBe(200);
      expect(backup.requests).toEqual([{ authorization: 'Bearer sk-backup', body: { Mobile: '18612345678', Name: '李四' } }]);
      // Whichever the weighted draw put first, the answer came from backup, once: the repeat was cached.
      const health = (await (await fetch(`${base}/healthz`)).json()) as { providers: { id: string; adapter: string; calls: number }[] };
      expect(health.providers.map((p) => [p.id, p.adapter])).toEqual([['main', 'standard'], ['backup', 'tencent']]);
      expect(health.providers[1]!.calls).toBe(1);
    } finally {
      await server.close();
    }
  });
});
