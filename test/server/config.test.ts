// The environment as the proxy reads it: production refusals each on its own, sites that can never match,
// duplicates, and start-up failures that name the setting to change.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { listeningUrl, startNotes, startServer } from '../../server/node.js';
import { keygenLines } from '../../server/keygen.js';
import { MemoryStore } from '../../server/stores/memory.js';
import { StoreUnavailableError, type Store } from '../../server/stores/types.js';
import { generateTokenKey } from '../../server/tokens.js';
import { postJson, sharedSecrets, testApp } from '../support/app.js';

const provider = JSON.stringify([{ id: 'vendor', url: 'https://vendor.example/verify', key: 'k' }]);
const site = (overrides: Record<string, unknown> = {}) => ({ siteKey: 'shop', secret: 's'.repeat(32), origins: ['https://shop.example'], ...overrides });
const sites = (...list: unknown[]) => JSON.stringify(list.length ? list : [site()]);
const hashSecret = 'h'.repeat(32);

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

/** Whether this machine can listen on IPv6's loopback (a container may have no IPv6 at all). */
function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

describe('production', () => {
  it('refuses each missing setting on its own', async () => {
    const keys = JSON.stringify([await generateTokenKey('k1')]);
    const complete = { NODE_ENV: 'production', CARRIER_VERIFY_PROVIDERS: provider, CARRIER_VERIFY_SITES: sites(), CARRIER_VERIFY_TOKEN_KEYS: keys, CARRIER_VERIFY_HASH_SECRET: hashSecret };
    expect(() => loadConfig(complete)).not.toThrow();
    const without = (name: keyof typeof complete) => Object.fromEntries(Object.entries(complete).filter(([key]) => key !== name));
    expect(refusal(without('CARRIER_VERIFY_PROVIDERS'))).toMatch(/^CARRIER_VERIFY_PROVIDERS: is required in production/);
    expect(refusal(without('CARRIER_VERIFY_SITES'))).toMatch(/^CARRIER_VERIFY_SITES: is required in production/);
    // The two secrets say where they come from.
    expect(refusal(without('CARRIER_VERIFY_TOKEN_KEYS'))).toMatch(/^CARRIER_VERIFY_TOKEN_KEYS: is required in production.* \(npx carrier-verify keygen prints one\)$/);
    expect(refusal(without('CARRIER_VERIFY_HASH_SECRET'))).toMatch(/^CARRIER_VERIFY_HASH_SECRET: is required in production \(npx carrier-verify keygen prints one\)$/);
    // Set to nothing (a compose file's `${VAR}` with the variable unset) is the same as not set.
    const emptied = (name: keyof typeof complete) => ({ ...complete, [name]: '' });
    expect(refusal(emptied('CARRIER_VERIFY_HASH_SECRET'))).toMatch(/^CARRIER_VERIFY_HASH_SECRET: is required in production/);
    expect(refusal(emptied('CARRIER_VERIFY_SITES'))).toMatch(/^CARRIER_VERIFY_SITES: is required in production/);
    // The hash secret's floor is 32 characters, exactly.
    expect(refusal({ ...complete, CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(31) })).toMatch(/^CARRIER_VERIFY_HASH_SECRET: must have at least 32/);
    expect(() => loadConfig({ ...complete, CARRIER_VERIFY_HASH_SECRET: 'h'.repeat(32) })).not.toThrow();
  });

  it('refuses a NODE_ENV that means production but is not spelt so, rather than run in development', () => {
    for (const spelling of ['Production', 'PRODUCTION', 'prod', 'production ', ' production', 'production\r', '"production"', "'production'", 'production;']) {
      // The value as JSON, so that a stray space or return can be seen.
      expect(refusal({ NODE_ENV: spelling, CARRIER_VERIFY_PROVIDERS: provider })).toBe(`NODE_ENV: ${JSON.stringify(spelling)} is not "production": write it so, exactly, for the production checks`);
    }
    for (const other of ['development', 'test', 'staging', 'productive']) expect(loadConfig({ NODE_ENV: other }).app.requireOperatorToken).toBe(false);
  });

  it('takes a variable set to nothing as not set, every one alike', () => {
    const names = ['PORT', 'HOST', 'CARRIER_VERIFY_PROVIDERS', 'CARRIER_VERIFY_SITES', 'CARRIER_VERIFY_TOKEN_KEYS', 'CARRIER_VERIFY_HASH_SECRET', 'CARRIER_VERIFY_LIMITS', 'CARRIER_VERIFY_TRUST_PROXY', 'REDIS_URL', 'CARRIER_VERIFY_PRICE_PER_CALL', 'CARRIER_VERIFY_OPERATOR_TOKEN', 'CARRIER_VERIFY_ALLOW_SANDBOX', 'NODE_ENV'];
    const empty = loadConfig(Object.fromEntries(names.map((name) => [name, ''])));
    const unset = loadConfig({});
    expect({ port: empty.port, redisUrl: empty.redisUrl, limits: empty.app.limits, keys: Object.keys(empty.app).sort() }).toEqual({
      port: unset.port,
      redisUrl: unset.redisUrl,
      limits: unset.app.limits,
      keys: Object.keys(unset.app).sort(),
    });
    expect(empty.port).toBe(8787);
  });

  it('runs on the sandbox only when told so, and never puts the sandbox site before a paid provider', async () => {
    const keys = JSON.stringify([await generateTokenKey('k1')]);
    const base = { NODE_ENV: 'production', CARRIER_VERIFY_TOKEN_KEYS: keys, CARRIER_VERIFY_HASH_SECRET: hashSecret };
    expect(refusal(base)).toMatch(/^CARRIER_VERIFY_PROVIDERS: /);
    expect(loadConfig({ ...base, CARRIER_VERIFY_ALLOW_SANDBOX: 'true' }).app.providers).toBeUndefined();
    expect(refusal({ ...base, CARRIER_VERIFY_ALLOW_SANDBOX: 'true', CARRIER_VERIFY_PROVIDERS: provider })).toMatch(/^CARRIER_VERIFY_SITES: /);
    expect(refusal({ ...base, CARRIER_VERIFY_ALLOW_SANDBOX: 'yes' })).toMatch(/^CARRIER_VERIFY_ALLOW_SANDBOX: must be true or false/);
  });
});

describe('sites', () => {
  it.each([
    ['https://Example.com', 'upper case'],
    ['https://example.org:443', 'a default port'],
    ['https://*.example.com', 'a wildcard host'],
    ['https://example.com/', 'a path'],
    ['example.com', 'no scheme'],
  ])('refuses the origin %s (%s), which no browser sends', (origin) => {
    expect(refusal({ CARRIER_VERIFY_SITES: sites(site({ origins: [origin] })) })).toMatch(/^CARRIER_VERIFY_SITES: 0\.origins\.0: an origin exactly as a browser sends it/);
  });

  it('accepts exact origins and a port wildcard', () => {
    expect(() => loadConfig({ CARRIER_VERIFY_SITES: sites(site({ origins: ['https://shop.example', 'http://localhost:*', 'http://127.0.0.1:5173'] })) })).not.toThrow();
  });

  it('refuses a provider weight or timeout outside its range, naming the provider and the field', () => {
    const with_ = (fields: object) => refusal({ CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'main', url: 'https://upstream.example/verify', key: 'k', ...fields }]) });
    // A weight of 0 would never be chosen; a timeout of minutes would hold a person at the form, and a handler, as long.
    for (const fields of [{ weight: 0 }, { weight: -1 }, { weight: 1001 }, { timeoutMs: 49 }, { timeoutMs: 60_001 }, { timeoutMs: 1500.5 }]) {
      expect([fields, with_(fields)]).toEqual([fields, expect.stringMatching(new RegExp(`^CARRIER_VERIFY_PROVIDERS: 0\\.${Object.keys(fields)[0]}: `))]);
    }
    for (const fields of [{ weight: 0.5 }, { weight: 1000 }, { timeoutMs: 50 }, { timeoutMs: 60_000 }]) {
      expect(() => loadConfig({ CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'main', url: 'https://upstream.example/verify', key: 'k', ...fields }]) })).not.toThrow();
    }
  });

  it('refuses a site key or a secret used twice, a kid used twice and a provider id used twice, naming it', async () => {
    const provider = (id: string) => ({ id, url: 'https://upstream.example/verify', key: 'k' });
    expect(refusal({ CARRIER_VERIFY_PROVIDERS: JSON.stringify([provider('main'), provider('backup'), provider('main')]) })).toBe('CARRIER_VERIFY_PROVIDERS: provider id "main" is listed twice');
    expect(refusal({ CARRIER_VERIFY_SITES: sites(site(), site({ secret: 't'.repeat(32) })) })).toBe('CARRIER_VERIFY_SITES: site key "shop" is listed twice');
    expect(refusal({ CARRIER_VERIFY_SITES: sites(site(), site({ siteKey: 'bank' })) })).toMatch(/^CARRIER_VERIFY_SITES: two sites share a secret/);
    // A secret read from a file with its line break, or pasted with a space, is one the backend never sends.
    for (const secret of [`${'s'.repeat(40)}\n`, ` ${'s'.repeat(40)}`, ' '.repeat(34)]) {
      expect(refusal({ CARRIER_VERIFY_SITES: sites(site({ secret })) })).toBe('CARRIER_VERIFY_SITES: 0.secret: must be printable ASCII without spaces or line breaks');
    }
    const key = await generateTokenKey('same');
    expect(refusal({ CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([key, key]) })).toBe('CARRIER_VERIFY_TOKEN_KEYS: kid "same" is listed twice');
  });

  it('says where JSON stopped, and names a trailing comma, without repeating any of the text', () => {
    const secret = 'trailing-comma-secret-'.padEnd(40, 'x');
    const withComma = JSON.stringify([site({ secret })]).replace(/}]$/, ',}]');
    expect(refusal({ CARRIER_VERIFY_SITES: withComma })).toBe(
      `CARRIER_VERIFY_SITES: is not valid JSON (line 1, column ${withComma.length - 2}: a comma before }, which JSON does not allow; remove it)`,
    );
    // The parser gives no place for a comma before `]`; a list written over several lines is told by its line.
    expect(refusal({ CARRIER_VERIFY_SITES: `[\n  ${JSON.stringify(site({ secret }))},\n]` })).toMatch(/^CARRIER_VERIFY_SITES: is not valid JSON \(line 2, column \d+: a comma before \], which JSON does not allow; remove it\)$/);
    expect(refusal({ CARRIER_VERIFY_SITES: `[{siteKey: "${secret}"}]` })).toBe('CARRIER_VERIFY_SITES: is not valid JSON (at line 1, column 3)');
    expect(refusal({ CARRIER_VERIFY_SITES: 'nope' })).toBe('CARRIER_VERIFY_SITES: is not valid JSON');
    for (const message of [refusal({ CARRIER_VERIFY_SITES: withComma }), refusal({ CARRIER_VERIFY_SITES: `[{"secret": "${secret}" "x"}]` })]) {
      expect(message).not.toContain('trailing-comma-secret');
    }
  });

  it('asks for a provider URL with its scheme', () => {
    for (const url of ['verify.example.com/v1', '127.0.0.1:9101/check', 'localhost:9101/check', 'ftp://verify.example.com/']) {
      expect([url, refusal({ CARRIER_VERIFY_PROVIDERS: JSON.stringify([{ id: 'main', url, key: 'k' }]) })]).toEqual([
        url,
        'CARRIER_VERIFY_PROVIDERS: 0.url: must be an http:// or https:// URL with its scheme, such as https://verify.example.com/v1/two-elements',
      ]);
    }
  });

  it('takes a port of digits only', () => {
    for (const port of ['0x50', '-1', '65536', '80.5']) expect(refusal({ PORT: port })).toMatch(/^PORT: /);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });
});

describe('start-up', () => {
  it('writes keys only under an id it can put in a shell line and the configuration takes, for every caller', async () => {
    for (const kid of ["it's", '', '--help', 'a b', 'k'.repeat(65)]) await expect(keygenLines(kid), kid).rejects.toThrow(RangeError);
    expect(await keygenLines('2026-11-30.k1')).toMatch(/^CARRIER_VERIFY_TOKEN_KEYS='\[\{"kid":"2026-11-30\.k1",/);
  });

  it('says where to open the proxy: localhost when it listens on every address, else the HOST it was given', () => {
    expect([undefined, '', '0.0.0.0', '::'].map((host) => listeningUrl(host, 8787))).toEqual(Array(4).fill('http://localhost:8787'));
    expect(listeningUrl('127.0.0.1', 8787)).toBe('http://127.0.0.1:8787');
    expect(listeningUrl('::1', 8787)).toBe('http://[::1]:8787');
    expect(listeningUrl('kyc.internal', 9000)).toBe('http://kyc.internal:9000');
  });

  it('listens on IPv6 as well as IPv4 when HOST is unset, so that the test site\'s http://[::1] origin is reached', async (context) => {
    if (!(await ipv6Loopback())) return context.skip();
    const running = await startServer({ PORT: '0' }, { log: () => undefined });
    try {
      for (const address of ['127.0.0.1', '[::1]']) {
        const res = await fetch(`http://${address}:${running.port}/api/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: `http://${address}:${running.port}` },
          body: JSON.stringify({ name: '张三', phoneNumber: '13800138000' }),
        });
        expect([address, res.status]).toEqual([address, 200]);
      }
    } finally {
      await running.close();
    }
  });

  it('keeps the public test site in front of billed providers to this machine, and says so, unless HOST says otherwise', async () => {
    const providers = JSON.stringify([{ id: 'vendor', url: 'http://127.0.0.1:9/verify', key: 'vendor-key' }]);
    const sites = JSON.stringify([{ siteKey: 'shop', secret: 's'.repeat(32), origins: ['https://shop.example'] }]);
    const started = async (env: Record<string, string>) => {
      const running = await startServer({ PORT: '0', ...env }, { log: () => undefined });
      const bound = (running.server.address() as { address: string }).address;
      await running.close();
      return { host: running.host, bound, publicSiteBilled: running.publicSiteBilled };
    };
    expect(await started({ CARRIER_VERIFY_PROVIDERS: providers })).toEqual({ host: '127.0.0.1', bound: '127.0.0.1', publicSiteBilled: true });
    expect(await started({ CARRIER_VERIFY_PROVIDERS: providers, HOST: '0.0.0.0' })).toMatchObject({ bound: '0.0.0.0', publicSiteBilled: true });
    // Every address, IPv6 as well (`::`) where the machine has it.
    const everyAddress = (await ipv6Loopback()) ? '::' : '0.0.0.0';
    expect(await started({ CARRIER_VERIFY_PROVIDERS: providers, CARRIER_VERIFY_SITES: sites })).toEqual({ host: everyAddress, bound: everyAddress, publicSiteBilled: false });
    expect(await started({})).toEqual({ host: everyAddress, bound: everyAddress, publicSiteBilled: false });
    // What the program says, on stderr: where it listens, and why only there (the secret itself is never written).
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/node.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, PORT: '0', HOST: '', CARRIER_VERIFY_PROVIDERS: providers },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('CARRIER_VERIFY_SITES')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
    } finally {
      child.kill();
    }
    expect(stderr).toMatch(/^carrier-verify listening on http:\/\/127\.0\.0\.1:\d+; state in this process's memory \(no REDIS_URL\)\n/);
    expect(stderr).toContain('stands in front of billed providers, so it listens on 127.0.0.1 only: set CARRIER_VERIFY_SITES for your sites (or HOST to listen elsewhere)');
    expect(stderr).not.toContain('sandbox-secret');
  });

  it('warns of the public test site in front of billed providers only when HOST opens it wider than this machine', async () => {
    const providers = JSON.stringify([{ id: 'vendor', url: 'http://127.0.0.1:9/verify', key: 'vendor-key' }]);
    const notes = async (HOST: string) => {
      const env = { PORT: '0', HOST, CARRIER_VERIFY_PROVIDERS: providers };
      const running = await startServer(env, { log: () => undefined });
      await running.close();
      return startNotes(env, running).split('\n')[1];
    };
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect([host, await notes(host)]).toEqual([host, expect.stringMatching(/stands in front of billed providers; HOST keeps it to this machine \(http:\/\/\S+\): set CARRIER_VERIFY_SITES for your sites$/)]);
    }
    expect(await notes('0.0.0.0')).toMatch(/^carrier-verify: warning: .* anyone who reaches http:\/\/localhost:\d+ can spend them and redeem its tokens; set CARRIER_VERIFY_SITES$/);
    expect(await notes('')).toMatch(/so it listens on 127\.0\.0\.1 only: set CARRIER_VERIFY_SITES for your sites \(or HOST to listen elsewhere\)$/);
  });

  it('warns at start of billed providers outside production, naming what production would have refused', async () => {
    const providers = JSON.stringify([{ id: 'vendor', url: 'http://127.0.0.1:9/verify', key: 'vendor-key' }]);
    const sites = JSON.stringify([{ siteKey: 'shop', secret: 'shop-secret-'.padEnd(40, 'x'), origins: ['https://shop.example'] }]);
    const warning = async (env: Record<string, string>) => {
      const full = { PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_PROVIDERS: providers, CARRIER_VERIFY_SITES: sites, ...env };
      const running = await startServer(full, { log: () => undefined });
      await running.close();
      return startNotes(full, running).split('\n').filter((line) => line.includes('NODE_ENV'));
    };
    expect(await warning({})).toEqual([
      'carrier-verify: warning: billed providers are set and NODE_ENV is not "production": tokens are signed by a key made at start (a restart or another instance refuses them); the hash secret is made at start; /metrics, /api/stats and /healthz\'s details are open to anyone who reaches it; set NODE_ENV=production for its checks',
    ]);
    const keys = JSON.stringify([await generateTokenKey('fixed')]);
    const hashSecret = 'h'.repeat(48);
    const operator = 'o'.repeat(40);
    expect(await warning({ CARRIER_VERIFY_TOKEN_KEYS: keys, CARRIER_VERIFY_HASH_SECRET: hashSecret, CARRIER_VERIFY_OPERATOR_TOKEN: operator })).toEqual([
      'carrier-verify: warning: billed providers are set and NODE_ENV is not "production"; set NODE_ENV=production for its checks',
    ]);
    expect(await warning({ NODE_ENV: 'production', CARRIER_VERIFY_TOKEN_KEYS: keys, CARRIER_VERIFY_HASH_SECRET: hashSecret })).toEqual([]);
    // On the sandbox nothing is billed: nothing to warn of.
    const sandbox = { PORT: '0', HOST: '127.0.0.1' };
    const running = await startServer(sandbox, { log: () => undefined });
    await running.close();
    expect(startNotes(sandbox, running)).not.toContain('NODE_ENV');
  });

  it('warns at start of a provider called over plain http beyond this machine, by its id and host only', () => {
    const running = { host: '127.0.0.1', port: 8787, storeKind: 'memory', publicSiteBilled: false, loopbackOnly: true } as const;
    const providers = JSON.stringify([
      { id: 'vendor', url: 'http://kyc.vendor.example:8080/verify?app=1', key: 'vendor-key' },
      { id: 'secure', url: 'https://kyc.vendor.example/verify', key: 'vendor-key' },
      { id: 'local', url: 'http://127.0.0.1:9/verify', key: 'vendor-key' },
      { id: 'local6', url: 'http://[::1]:9/verify', key: 'vendor-key' },
      { id: 'named', url: 'http://localhost:9/verify', key: 'vendor-key' },
    ]);
    const notes = startNotes({ NODE_ENV: 'production', CARRIER_VERIFY_PROVIDERS: providers }, running);
    expect(notes.split('\n').filter((line) => line.includes('plain http'))).toEqual([
      'carrier-verify: warning: provider vendor is called over plain http (kyc.vendor.example): names, numbers and its key cross the network unencrypted; give it an https URL',
    ]);
    expect(notes).not.toContain('vendor-key');
    expect(notes).not.toContain('app=1');
  });

  it('warns at start of each CARRIER_VERIFY_ variable it does not read, with the setting it likely misspells', async () => {
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      CARRIER_VERIFY_SITE: '[]',
      carrier_verify_limits: 'ip=off',
      CARRIER_VERIFY_TRUSTPROXY: 'true',
      CARRIER_VERIFY_COLOUR: 'blue',
      // Short names are not taken for each other (SITEKEY is three edits from SITES), nor is a variable set to nothing.
      CARRIER_VERIFY_SITEKEY: 'shop',
      CARRIER_VERIFY_EMPTY: '',
      // A setting without the prefix, written with it.
      CARRIER_VERIFY_PORT: '9000',
      // A site's backend's names, as the documentation gives them, may share the env file.
      CARRIER_VERIFY_SECRET: 'x',
      CARRIER_VERIFY_PROXY_URL: 'http://localhost:8787',
      CARRIER_VERIFY_OPERATOR_TOKEN: 'o'.repeat(40),
    };
    const running = await startServer(env, { log: () => undefined });
    await running.close();
    expect(startNotes(env, running).split('\n').filter((line) => line.includes('not a setting'))).toEqual([
      'carrier-verify: warning: CARRIER_VERIFY_COLOUR is not a setting of carrier-verify and is ignored',
      'carrier-verify: warning: CARRIER_VERIFY_PORT is not a setting of carrier-verify and is ignored (did you mean PORT?)',
      'carrier-verify: warning: CARRIER_VERIFY_SITE is not a setting of carrier-verify and is ignored (did you mean CARRIER_VERIFY_SITES?)',
      'carrier-verify: warning: CARRIER_VERIFY_SITEKEY is not a setting of carrier-verify and is ignored',
      'carrier-verify: warning: CARRIER_VERIFY_TRUSTPROXY is not a setting of carrier-verify and is ignored (did you mean CARRIER_VERIFY_TRUST_PROXY?)',
      'carrier-verify: warning: carrier_verify_limits is not a setting of carrier-verify and is ignored (did you mean CARRIER_VERIFY_LIMITS?)',
    ]);
  });

  it('warns at start that a hop count takes X-Forwarded-For from any peer, where the proxy listens beyond this machine', async () => {
    const notes = async (env: Record<string, string>) => {
      const full = { PORT: '0', ...env };
      const running = await startServer(full, { log: () => undefined });
      await running.close();
      return startNotes(full, running).split('\n').filter((line) => line.includes('X-Forwarded-For'));
    };
    expect(await notes({ HOST: '0.0.0.0', CARRIER_VERIFY_TRUST_PROXY: '1' })).toEqual([
      "carrier-verify: warning: CARRIER_VERIFY_TRUST_PROXY=1 reads X-Forwarded-For from any peer, and the proxy listens beyond this machine: a client that reaches it directly names its own address to the limits; list the load balancer's addresses instead (private, or its CIDR), or let only it reach the port",
    ]);
    // Trusted by address, or reachable from this machine only: nothing to say.
    expect(await notes({ HOST: '0.0.0.0', CARRIER_VERIFY_TRUST_PROXY: 'private' })).toEqual([]);
    expect(await notes({ HOST: '127.0.0.1', CARRIER_VERIFY_TRUST_PROXY: '2' })).toEqual([]);
  });

  it('says at start that a restart forgets the redeemed tokens when their keys outlive the process and the record is in memory', async () => {
    const keys = JSON.stringify([await generateTokenKey('fixed')]);
    const notes = async (env: Record<string, string>) => {
      const running = await startServer({ PORT: '0', ...env }, { log: () => undefined });
      await running.close();
      return startNotes(env, running);
    };
    expect(await notes({ CARRIER_VERIFY_TOKEN_KEYS: keys })).toMatch(
      /\ncarrier-verify: note: redeemed tokens are remembered in this memory only: after a restart, one redeemed in the 5 minutes before it could be redeemed again; set REDIS_URL \(with persistence\)/,
    );
    // An ephemeral key's tokens die with the process: nothing to say.
    expect((await notes({})).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('stops with the setting named when the port is taken or a token key is broken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startServer({ PORT: String(port), HOST: '127.0.0.1' }, { log: () => undefined })).rejects.toThrow(`PORT: port ${port} is already in use`);
    } finally {
      blocker.close();
    }
    const broken = { kid: 'bad', jwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43), d: 'A'.repeat(43) } };
    await expect(startServer({ PORT: '0', HOST: '127.0.0.1', CARRIER_VERIFY_TOKEN_KEYS: JSON.stringify([broken]) }, { log: () => undefined })).rejects.toThrow(
      /^CARRIER_VERIFY_TOKEN_KEYS: key "bad" is not a usable P-256 private key/,
    );
  });

  it('refuses an option when run as the server file, as the production docs start it, rather than listen on another port', async () => {
    // `node dist/server/node.js` (and `npm start`, `npm run serve`, which run this file) takes the commands of
    // `npx carrier-verify`: `--port 9000` is refused with a pointer to PORT, never ignored.
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/node.ts', '--port', '9000'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // A proxy that started instead would run until killed.
      if (stderr.includes('listening on')) child.kill();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^carrier-verify: unknown command "--port 9000"\nset PORT in the environment instead \(PORT=… npx carrier-verify\)\nUsage:/);
  });

  it('stops cleanly on SIGHUP as on SIGTERM, and says on stderr when the stop begins and ends', async () => {
    // A terminal closed, or `kill -HUP` meant as a reload, would otherwise end the process at once, cutting requests
    // whose paid calls are under way.
    for (const signal of ['SIGHUP', 'SIGTERM'] as const) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/node.ts'], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const first = !stderr.includes('listening on');
        stderr += chunk.toString();
        if (first && stderr.includes('listening on')) child.kill(signal);
      });
      const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (...end) => resolve(end)));
      expect([signal, code, killedBy]).toEqual([signal, 0, null]);
      expect(stderr).toMatch(new RegExp(`\\ncarrier-verify: ${signal}: stopping; requests under way are answered first \\(at most 10 s\\)\\ncarrier-verify: stopped\\n$`));
    }
  });

  it('warns at start that Redis does not answer, with its reason, and notes monitoring closed in production without an operator token', () => {
    const running = { host: '127.0.0.1', port: 8787, storeKind: 'redis', publicSiteBilled: false, loopbackOnly: true } as const;
    const down = { ...running, storeHealth: () => ({ state: 'down', since: 0, reason: 'ECONNREFUSED' }) as const };
    const env = { NODE_ENV: 'production', CARRIER_VERIFY_OPERATOR_TOKEN: 'o'.repeat(40) };
    expect(startNotes(env, down).split('\n').filter((line) => line.includes('Redis'))).toEqual([
      'carrier-verify listening on http://127.0.0.1:8787 on the sandbox provider; state shared in Redis',
      'carrier-verify: warning: Redis does not answer yet (ECONNREFUSED): until it does, each instance counts the limits on its own, the cache answers only what this one has seen, and /api/siteverify answers 503; it is tried again until it answers (see REDIS_URL)',
    ]);
    // Up, or not yet known: nothing more to say.
    expect(startNotes(env, { ...running, storeHealth: () => ({ state: 'up', since: 0 }) })).not.toContain('does not answer');
    expect(startNotes(env, running)).not.toContain('does not answer');
    const closed = 'carrier-verify: note: no CARRIER_VERIFY_OPERATOR_TOKEN: /metrics, /api/stats and the dashboard are closed to everyone (401), a Prometheus scrape included; set it (32 characters or more) to open them to whoever sends it';
    expect(startNotes({ NODE_ENV: 'production' }, running).split('\n')).toContain(closed);
    // Outside production monitoring is open, and the warning about billed providers says so.
    expect(startNotes({}, running)).not.toContain('OPERATOR_TOKEN');
  });
});

describe('a store of the site’s own, given to createApp', () => {
  /** A store as a site might write one over its own shared database: here a MemoryStore behind a wrapper. */
  const sharedStore = () => {
    const inner = new MemoryStore();
    return { hit: inner.hit.bind(inner), claim: inner.claim.bind(inner), get: inner.get.bind(inner), set: inner.set.bind(inner), close: inner.close.bind(inner) };
  };

  it('is taken as shared, and then needs the secrets the instances must share, each named', async () => {
    expect(() => testApp({ store: sharedStore() })).toThrow(
      new ConfigError('hashSecret', 'is required with a shared store (at least 32 characters), so that instances share limit and cache keys'),
    );
    expect(() => testApp({ store: sharedStore(), hashSecret: '', tokenKeys: [] })).toThrow(/^hashSecret: is required/);
    expect(() => testApp({ store: sharedStore(), hashSecret: 'h'.repeat(40) })).toThrow(/^tokenKeys: is required with a shared store/);
    expect(() => testApp({ store: sharedStore(), hashSecret: 'h'.repeat(40), tokenKeys: [] })).toThrow(/^tokenKeys: is required with a shared store/);
    const app = testApp({ store: sharedStore(), ...(await sharedSecrets()) });
    expect(app.config.storeKind).toBe('redis');
    expect((await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).status).toBe(200);
  });

  it('says its backend is down with the server entry’s StoreUnavailableError: siteverify a 503 that spends nothing, verify unhindered', async () => {
    const { StoreUnavailableError: Unavailable } = await import('../../server/index.js');
    const inner = sharedStore();
    let down = false;
    const guard = <T>(use: () => Promise<T>) => (down ? Promise.reject(new Unavailable('the site’s database is away')) : use());
    const store: Store = {
      ...inner,
      hit: (key, ms) => guard(() => inner.hit(key, ms)),
      claim: (key, ms, value) => guard(() => inner.claim(key, ms, value)),
      get: (key) => guard(() => inner.get(key)),
      set: (key, value, ms) => guard(() => inner.set(key, value, ms)),
    };
    const app = testApp({ store, ...(await sharedSecrets()) });
    const token = (await (await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()).token as string;
    down = true;
    // Limits fall back to this instance's memory and the cache to a miss, as with Redis away.
    expect((await postJson(app, '/api/verify', { name: '李四', phoneNumber: '18612345678' })).status).toBe(200);
    const refused = await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token });
    expect([refused.status, refused.headers.get('retry-after'), (await refused.json()).errors]).toEqual([503, '5', ['internal-error']]);
    down = false;
    expect((await (await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token })).json()).errors).toEqual([]);
  });

  it('is this instance’s own when storeKind says memory, or when it is a MemoryStore: no secrets asked, the cache apart', () => {
    for (const [store, storeKind] of [[sharedStore(), 'memory'], [new MemoryStore(), 'redis']] as const) {
      const app = testApp({ store, storeKind });
      expect(app.config.storeKind).toBe('memory');
      expect(app.config.cache.store).not.toBe(store);
    }
    // A store of the site's own holds the limits; a MemoryStore is memory as none is, a bounded store for each limit.
    const custom = sharedStore();
    expect(testApp({ store: custom, storeKind: 'memory' }).config.limitStores('site')).toBe(custom);
    const memory = new MemoryStore();
    const { limitStores } = testApp({ store: memory }).config;
    expect([limitStores('ip') === memory, limitStores('ip') === limitStores('site')]).toEqual([false, false]);
  });
});

describe('used-token marks in memory', () => {
  it('are never pushed out by a flood of other keys', async () => {
    const app = testApp();
    const token = (await (await postJson(app, '/api/verify', { name: '张三', phoneNumber: '13800138000' })).json()).token as string;
    const redeem = async () => (await (await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token })).json()).errors;
    expect(await redeem()).toEqual([]);
    for (let i = 0; i < 120_000; i++) await app.config.limitStores('ip').hit(`flood:${i}`, 60_000);
    expect(await redeem()).toEqual(['timeout-or-duplicate']);
  });

  it('are kept apart from a MemoryStore passed as the store: a flood of its limit keys frees no token and blocks none', async () => {
    for (const whenFull of ['evict-oldest', 'refuse'] as const) {
      const store = new MemoryStore({ maxKeys: 1000, whenFull });
      const app = testApp({ store });
      const verified = async (phoneNumber: string) => (await (await postJson(app, '/api/verify', { name: '张三', phoneNumber })).json()).token as string;
      const redeem = async (token: string) => (await (await postJson(app, '/api/siteverify', { secret: 'sandbox-secret', token })).json()).errors;
      const first = await verified('13800138000');
      const second = await verified('13800138000');
      expect(await redeem(first)).toEqual([]);
      for (let i = 0; i < 2000; i++) await app.config.limitStores('ip').hit(`flood:${i}`, 60_000).catch(() => undefined);
      for (let i = 0; i < 2000; i++) await store.hit(`flood:${i}`, 60_000).catch(() => undefined);
      // Evicting, the flood had pushed the first mark out; refusing, it had filled the store against the second.
      expect([whenFull, await redeem(first), await redeem(second)]).toEqual([whenFull, ['timeout-or-duplicate'], []]);
    }
  });

  it('refuse a new mark rather than drop a live one when full', async () => {
    let now = 0;
    const store = new MemoryStore({ maxKeys: 2, whenFull: 'refuse', now: () => now });
    expect(await store.claim('a', 1000)).toBe(true);
    expect(await store.claim('b', 1000)).toBe(true);
    await expect(store.claim('c', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.claim('a', 1000)).toBe(false);
    now = 1001;
    expect(await store.claim('c', 1000)).toBe(true);
  });
});

describe('siteverify body limit', () => {
  it('answers in its own shape', async () => {
    const res = await postJson(testApp(), '/api/siteverify', { secret: 'sandbox-secret', token: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ success: false, errors: ['bad-request'] });
  });
});
