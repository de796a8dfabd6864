// Whose address a limit counts: the socket's, forwarded ones only through trusted proxies; parsing and masking.
import type { Context } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { createClientIp, limitSubject, maskIp, MAX_FORWARDED_ENTRIES, parseIp, parseTrustProxy, formatIp, UNKNOWN_IP } from '../../server/client-ip.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { parseLimits } from '../../server/limits.js';
import { createApp } from '../../server/app.js';
import { postJson, testApp } from '../support/app.js';

/** A request context as far as the getter looks at it: the forwarding header. */
function contextWith(forwardedFor?: string): Context {
  return { req: { header: (name: string) => (name.toLowerCase() === 'x-forwarded-for' ? forwardedFor : undefined) } } as unknown as Context;
}

const clientIpOf = (trust: string | undefined, peer: string | undefined, forwardedFor?: string) =>
  createClientIp(parseTrustProxy(trust), () => peer)(contextWith(forwardedFor));

describe('parseIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7:4711 ', '203.0.113.7'],
    ['"203.0.113.7"', '203.0.113.7'],
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1'],
    ['[2001:db8::1]:443', '2001:db8:0:0:0:0:0:1'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'],
  ])('reads %j as %s', (raw, canonical) => {
    const bytes = parseIp(raw);
    expect(bytes && formatIp(bytes)).toBe(canonical);
  });

  it.each(['', 'unknown', '256.1.1.1', '1.2.3', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', 'gggg::1', '<script>', '1.2.3.4.5'])('refuses %j', (raw) => {
    expect(parseIp(raw)).toBeNull();
  });
});

describe('the client address', () => {
  it('is the socket peer when no proxy is trusted, whatever the headers say', () => {
    expect(clientIpOf(undefined, '198.51.100.9', '203.0.113.1')).toBe('198.51.100.9');
    expect(clientIpOf('false', '::ffff:198.51.100.9', '203.0.113.1')).toBe('198.51.100.9');
  });

  it('is shared by every request whose peer is unknown', () => {
    expect(clientIpOf(undefined, undefined)).toBe(UNKNOWN_IP);
    expect(createClientIp({ kind: 'none' }, () => {
      throw new Error('no socket');
    })(contextWith())).toBe(UNKNOWN_IP);
  });

  it('unknown, is said once in the log, with what to do: every such request is one client under the per-IP limit', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = createApp({ log: (line) => lines.push(line) });
    for (let i = 0; i < 3; i++) await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' });
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toEqual([{ time: expect.any(String), level: 'warn', event: 'client-address-unknown', message: expect.stringContaining('give createApp a remoteAddress') }]);
    expect(lines.filter((line) => line.route === '/api/verify').map((line) => line.ip)).toEqual(['unknown', 'unknown', 'unknown']);
    // With an address, or with the per-IP limits off, there is nothing to say; the daily one alone counts such requests as one client too.
    for (const [config, said] of [[{ remoteAddress: () => '198.51.100.9' }, 0], [{ limits: parseLimits('ip=off, ip-day=off, secret=off') }, 0], [{ limits: parseLimits('ip=off, secret=off') }, 1]] as const) {
      const quiet: Record<string, unknown>[] = [];
      await postJson(createApp({ ...config, log: (line) => quiet.push(line) }), '/api/verify', { name: '张三', phoneNumber: '13800138000' });
      expect(quiet.filter((line) => line.level === 'warn')).toHaveLength(said);
    }
  });

  it('unknown to an app given no log, is said on the console all the same (warnings and errors go there), once', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const app = createApp(loadConfig({}).app);
      for (let i = 0; i < 3; i++) expect((await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).status).toBe(200);
      // The warning, as a log would have it; no access lines.
      expect(warned.mock.calls.map(([text]) => JSON.parse(String(text)) as unknown)).toEqual([
        { time: expect.any(String), level: 'warn', event: 'client-address-unknown', message: expect.stringContaining('give createApp a remoteAddress') },
      ]);
    } finally {
      warned.mockRestore();
    }
  });

  it('with a hop count, is the entry that many proxies from the right; entries a client wrote are ignored', () => {
    expect(clientIpOf('1', '10.0.0.2', 'spoofed, 203.0.113.5')).toBe('203.0.113.5');
    expect(clientIpOf('2', '10.0.0.2', '6.6.6.6, 203.0.113.5, 10.0.0.1')).toBe('203.0.113.5');
    expect(clientIpOf('1', '10.0.0.2')).toBe('10.0.0.2');
  });

  it('with ranges, is the first address from the right outside them', () => {
    expect(clientIpOf('loopback, 10.0.0.0/8', '127.0.0.1', '6.6.6.6, 203.0.113.5, 10.1.2.3')).toBe('203.0.113.5');
    expect(clientIpOf('private', '::ffff:10.0.0.9', '2001:db8::7')).toBe('2001:db8:0:0:0:0:0:7');
  });

  it('ignores forwarding headers from a peer outside the trusted ranges', () => {
    expect(clientIpOf('10.0.0.0/8', '198.51.100.9', '203.0.113.5')).toBe('198.51.100.9');
  });

  it('trusts a range whose prefix ends inside a byte to its last bit, no further', () => {
    // 172.16.0.0/12 (in `private`) is 172.16 to 172.31: a Docker network's proxy at 172.20 is in it, 172.32 and 172.0 are not.
    expect(clientIpOf('private', '172.20.0.5', '203.0.113.5')).toBe('203.0.113.5');
    expect(clientIpOf('private', '172.31.255.254', '203.0.113.5')).toBe('203.0.113.5');
    expect(clientIpOf('private', '172.32.0.1', '203.0.113.5')).toBe('172.32.0.1');
    expect(clientIpOf('private', '172.0.0.1', '203.0.113.5')).toBe('172.0.0.1');
    // 100.64.0.0/10 is 100.64 to 100.127; a range written by hand the same.
    expect(clientIpOf('private', '100.127.0.1', '203.0.113.5')).toBe('203.0.113.5');
    expect(clientIpOf('private', '100.128.0.1', '203.0.113.5')).toBe('100.128.0.1');
    expect(clientIpOf('198.51.100.0/25', '198.51.100.127', '203.0.113.5')).toBe('203.0.113.5');
    expect(clientIpOf('198.51.100.0/25', '198.51.100.128', '203.0.113.5')).toBe('198.51.100.128');
  });

  it('stops at a garbled entry instead of reading past it', () => {
    expect(clientIpOf('loopback, 10.0.0.0/8', '127.0.0.1', '203.0.113.5, <garbage>, 10.0.0.4')).toBe('10.0.0.4');
  });

  it(`reads at most ${MAX_FORWARDED_ENTRIES} entries from the right, however long the header a client sent`, () => {
    // A client behind a proxy that appends to its header writes the left part: 16 KB of it would be parsed on every
    // request, 404s included (the access log names the address). The walk ends where the trusted part could end.
    const trusted = (count: number) => Array.from({ length: count }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    expect(clientIpOf('private', '10.9.9.9', [...trusted(MAX_FORWARDED_ENTRIES - 1), '203.0.113.5'].reverse().join(', '))).toBe('203.0.113.5');
    const long = ['203.0.113.5', ...trusted(MAX_FORWARDED_ENTRIES + 8)].join(',');
    expect(clientIpOf('private', '10.9.9.9', long)).toBe(trusted(MAX_FORWARDED_ENTRIES + 8)[8]);
    const spoofed = `${'1.1.1.1,'.repeat(1900)}203.0.113.5`;
    expect(clientIpOf('1', '10.9.9.9', spoofed)).toBe('203.0.113.5');
    expect(clientIpOf('2', '10.9.9.9', spoofed)).toBe('1.1.1.1');
    expect(clientIpOf('loopback', '127.0.0.1', `${'::1,'.repeat(3500)}203.0.113.5`)).toBe('203.0.113.5');
    // Empty entries (`a,,b`) are skipped, not counted as hops.
    expect(clientIpOf('2', '10.9.9.9', '6.6.6.6, 203.0.113.5, , 10.0.0.1')).toBe('203.0.113.5');
  });
});

describe('CARRIER_VERIFY_TRUST_PROXY', () => {
  it('reads none, hop counts and ranges', () => {
    expect(parseTrustProxy('')).toEqual({ kind: 'none' });
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy('loopback,192.0.2.0/24,2001:db8::/32')).toMatchObject({ kind: 'ranges' });
  });

  it.each([['0', /between 1 and 10 \(to trust no proxy, leave it unset or write false\)$/], ['11', /between 1 and 10$/], ['proxy.example', /not an address/], ['10.0.0.0/33', /not an address/], ['loopback, 0.0.0.0/0', /trusts every address/], ['::/0', /trusts every address/]])('stops the proxy on %j, naming the setting', (raw, message) => {
    const load = () => loadConfig({ CARRIER_VERIFY_TRUST_PROXY: raw });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^CARRIER_VERIFY_TRUST_PROXY: /);
    expect(load).toThrow(message);
  });
});

describe('what is kept of an address', () => {
  it('counts IPv6 by its /64 and IPv4 whole', () => {
    expect(limitSubject('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(limitSubject('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });

  it('logs a /24 or a /48 only', () => {
    expect(maskIp('203.0.113.77')).toBe('203.0.113.0/24');
    expect(maskIp('2001:db8:1:2::99')).toBe('2001:db8:1::/48');
    // Written as addresses are (RFC 5952): its zeros run together.
    expect(['::1', '2001:db8::5', '2001:0:1::9', '0:0:1::9'].map(maskIp)).toEqual(['::/48', '2001:db8::/48', '2001:0:1::/48', '0:0:1::/48']);
    expect(maskIp(UNKNOWN_IP)).toBe(UNKNOWN_IP);
  });
});

describe('limits behind a trusted proxy', () => {
  it('count each forwarded client apart, and ignore forged headers from untrusted peers', async () => {
    const app = testApp({ limits: parseLimits('ip=1/1m'), trustProxy: parseTrustProxy('loopback'), remoteAddress: (c) => c.req.header('x-test-peer') });
    const send = (peer: string, forwardedFor: string) =>
      postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' }, { 'x-test-peer': peer, 'x-forwarded-for': forwardedFor });
    expect((await send('127.0.0.1', '203.0.113.1')).status).toBe(200);
    expect((await send('127.0.0.1', '203.0.113.2')).status).toBe(200);
    expect((await send('127.0.0.1', '203.0.113.1')).status).toBe(429);
    // A client talking to the proxy directly cannot buy a fresh budget by writing the header.
    expect((await send('198.51.100.4', '203.0.113.3')).status).toBe(200);
    expect((await send('198.51.100.4', '203.0.113.4')).status).toBe(429);
  });
});
