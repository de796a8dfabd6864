// The npm package as published: built into a temporary folder, its exports resolved by name, imported in Node (SSR) and type-checked.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { ClassDeclaration, ClassField, CustomElement, Package } from 'custom-elements-manifest/schema';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../scripts/build.mjs';
import { generateTokenKey } from '../../server/tokens.js';
import { snippetsFor } from '../../demo/snippets.js';
import { root } from '../../scripts/bundle.mjs';

type ExportTarget = string | { readonly [condition: string]: ExportTarget };

let pkg: string;
let manifest: Package;
const packageJson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, ExportTarget>;
  main: string;
  types: string;
  unpkg: string;
  jsdelivr: string;
  customElements: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  engines: { node: string };
};

/** The titles of the demo and dashboard pages, as their sources have them. */
const titleOf = async (page: string) => /<title>([^<]*)/.exec(await readFile(join(root, 'demo', page), 'utf8'))![1];
const HOME_TITLE = await titleOf('index.html');
const DASHBOARD_TITLE = await titleOf('dashboard.html');

const targets = (target: ExportTarget): string[] => (typeof target === 'string' ? [target] : Object.values(target).flatMap(targets));

function node(script: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  return { status: run.status, out: run.stdout + run.stderr };
}

beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'carrier-verify-package-'));
  await copyFile(join(root, 'package.json'), join(pkg, 'package.json'));
  await symlink(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  await buildPackage(join(pkg, 'dist'), { regenerate: false });
  manifest = JSON.parse(await readFile(join(pkg, 'dist', 'custom-elements.json'), 'utf8')) as Package;
}, 180_000);

afterAll(async () => {
  if (pkg) await rm(pkg, { recursive: true, force: true });
});

describe('the built package', () => {
  it('has a file behind every export, main, types, unpkg, jsdelivr and customElements', () => {
    const files = [...Object.values(packageJson.exports).flatMap(targets), packageJson.main, packageJson.types, packageJson.unpkg, packageJson.jsdelivr, packageJson.customElements];
    const missing = files.filter((file) => !existsSync(join(pkg, file)));
    expect(missing).toEqual([]);
    expect(packageJson.unpkg).toBe('./dist/carrier-verify.js');
  });

  it('names its program by a path npm keeps, and a Node version on which every dependency runs', async () => {
    // npm publish drops (and warns about) a bin path it has to rewrite, `./dist/…` included.
    for (const target of Object.values(packageJson.bin)) expect(target).toBe(posix.normalize(target));
    // The lowest version `engines` allows must satisfy each dependency's own `engines.node` (undici 7 needs 20.18.1).
    const version = (text: string) => text.split('.').map(Number).concat(0, 0).slice(0, 3);
    const compare = (a: number[], b: number[]) => a.map((part, i) => part - b[i]!).find((diff) => diff !== 0) ?? 0;
    const satisfies = (have: number[], range: string) =>
      range.split('||').some((alternative) =>
        alternative.trim().split(/\s+/).every((comparator) => {
          const [, operator, wanted] = /^(>=|\^)?(\d+(?:\.\d+){0,2})$/.exec(comparator) ?? [];
          if (!wanted) throw new Error(`a range this test does not read: ${range}`);
          const floor = version(wanted);
          return operator === '^' ? have[0] === floor[0] && compare(have, floor) >= 0 : operator === '>=' ? compare(have, floor) >= 0 : compare(have, floor) === 0;
        }),
      );
    const lowest = version(/^>=(\d+(?:\.\d+){0,2})$/.exec(packageJson.engines.node)![1]!);
    const unmet: string[] = [];
    for (const name of Object.keys(packageJson.dependencies)) {
      const dependency = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } };
      const range = dependency.engines?.node;
      if (range && !satisfies(lowest, range)) unmet.push(`${name} wants node ${range}`);
    }
    expect(unmet).toEqual([]);
  });

  it('packs every file its entries name, with its licence, README and documents, and nothing of the sources or tests', async () => {
    await copyFile(join(root, 'README.md'), join(pkg, 'README.md'));
    await copyFile(join(root, 'LICENSE'), join(pkg, 'LICENSE'));
    await cp(join(root, 'docs'), join(pkg, 'docs'), { recursive: true });
    const documents = (await readdir(join(root, 'docs'))).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`);
    // What `npm publish` would upload, listed by npm itself from the `files` field.
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const packed = new Set((JSON.parse(run.stdout) as [{ files: { path: string }[] }])[0].files.map((file) => file.path));
    const named = [
      ...Object.values(packageJson.exports).flatMap(targets),
      packageJson.main,
      packageJson.types,
      packageJson.unpkg,
      packageJson.jsdelivr,
      packageJson.customElements,
      ...Object.values(packageJson.bin),
    ].map((file) => file.replace(/^\.\//, ''));
    expect(named.filter((file) => !packed.has(file))).toEqual([]);
    // The README's links to docs/ resolve in node_modules too; the screenshots stay in the repository.
    expect(['LICENSE', 'README.md', 'package.json', ...documents].filter((file) => !packed.has(file))).toEqual([]);
    expect(await readFile(join(pkg, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    // Built files only: JavaScript, its maps and declarations, the manifest, and the pages' HTML and CSS.
    const stray = [...packed].filter((file) => !['LICENSE', 'README.md', 'package.json', ...documents].includes(file) && !/^dist\/.+\.(js|js\.map|d\.ts|json|html|css)$/.test(file));
    expect(stray).toEqual([]);
  });

  it('imports every entry in Node without throwing, as server-side rendering does', () => {
    const run = node(`
      const element = await import('carrier-verify');
      const react = await import('carrier-verify/react');
      const vue = await import('carrier-verify/vue');
      const server = await import('carrier-verify/server');
      const onNode = await import('carrier-verify/node');
      // The script-tag bundle is a script for pages, but an export all the same: imported off a browser it defines nothing.
      await import('carrier-verify/carrier-verify.js');
      const health = await server.createApp().request('/healthz');
      const setup = await onNode.nodeAppConfig({}, { log: () => undefined });
      const embedded = server.createApp(setup.app);
      const nodeHealth = await embedded.request('/healthz');
      const script = await embedded.request('/carrier-verify.js');
      const home = await embedded.request('/');
      const dashboard = await embedded.request('/dashboard');
      await setup.close();
      console.log(JSON.stringify({
        element: typeof element.CarrierVerify, event: new element.VerifiedEvent({ code: 'FP00000' }).type,
        react: typeof react.CarrierVerify, vue: typeof vue.CarrierVerify,
        createApp: typeof server.createApp, verifyToken: typeof server.verifyToken, health: health.status,
        node: [typeof onNode.RedisStore, typeof onNode.createNodeTransport, typeof onNode.nodeHasher, typeof onNode.fileAssets, nodeHealth.status],
        script: [script.status, script.headers.get('content-type'), script.headers.get('access-control-allow-origin'), (await script.text()).includes('carrier-verify')],
        pages: [home.status, home.headers.get('content-type'), (await home.text()).match(/<title>([^<]*)/)[1], dashboard.status, (await dashboard.text()).match(/<title>([^<]*)/)[1]],
      }));
    `);
    expect(run.status, run.out).toBe(0);
    // Beside the app's warning, on the console (an app given no log): no client address off app.request.
    expect(JSON.parse(run.out.trim().split('\n').find((line) => line.startsWith('{"element"'))!)).toEqual({
      element: 'function', event: 'cv-verified', react: 'function', vue: 'function', createApp: 'function', verifyToken: 'function', health: 200,
      node: ['function', 'function', 'function', 'function', 200],
      script: [200, 'text/javascript; charset=utf-8', '*', true],
      pages: [200, 'text/html; charset=utf-8', HOME_TITLE, 200, DASHBOARD_TITLE],
    });
  });

  // The resolutions an app's tsconfig names: Node's (node16, nodenext) and a bundler's (Vite, esbuild, webpack).
  it.each([
    ['nodenext', 'nodenext'],
    ['node16', 'node16'],
    ['bundler', 'esnext'],
  ])('has types that a TypeScript app resolves through the exports map (%s resolution), its declarations checked too', async (resolution, module) => {
    await writeFile(
      join(pkg, 'consumer.tsx'),
      `import { CarrierVerify, VerifiedEvent, type VerifiedDetail } from 'carrier-verify';
import 'carrier-verify/react';
import 'carrier-verify/vue';
import { createApp, verifyToken, StoreUnavailableError, type TokenCheck, type Store, type WindowCount } from 'carrier-verify/server';
import { nodeAppConfig, type NodeAppSetup } from 'carrier-verify/node';

document.querySelector('carrier-verify')?.addEventListener('cv-verified', (event) => {
  const detail: VerifiedDetail = event.detail;
  console.log(detail.phoneMasked, event instanceof VerifiedEvent);
});
const widget: CarrierVerify | null = document.querySelector('carrier-verify');
export const element = <carrier-verify siteKey="k" oncv-invalid={(event) => event.detail.reason} />;
// @ts-expect-error the event detail of cv-error has no token
export const wrong = <carrier-verify oncv-error={(event) => event.detail.token} />;
export const app = createApp();
export const check: Promise<TokenCheck> = verifyToken('t', { keys: [] } as unknown as Parameters<typeof verifyToken>[1]);
// A store of the site's own says its backend is away as the Redis store does.
export const away: Store['hit'] = async (): Promise<WindowCount> => {
  throw new StoreUnavailableError('the database is away');
};
export const setup: (env: Record<string, string | undefined>) => Promise<NodeAppSetup> = nodeAppConfig;
console.log(widget?.status);
`,
    );
    const config = join(pkg, `tsconfig.${resolution}.json`);
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'es2022', jsx: 'react-jsx', lib: ['es2023', 'dom'], types: [], skipLibCheck: false },
        files: ['consumer.tsx'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: pkg, encoding: 'utf8' });
    // Only the consumer and the package's own declarations are judged: the libraries it depends on answer for theirs.
    const ours = (tsc.stdout + tsc.stderr).split('\n').filter((line) => line.trim() !== '' && !line.includes('node_modules/'));
    expect(ours).toEqual([]);
  }, 120_000);

  it("type-checks the trial page's React code as copied, strict: its props are the ones TypeScript checks", async () => {
    await writeFile(join(pkg, 'snippet-react.tsx'), snippetsFor('http://localhost:8787/').react);
    const config = join(pkg, 'tsconfig.snippet.json');
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', jsx: 'react-jsx', lib: ['es2023', 'dom'], types: [], skipLibCheck: false },
        files: ['snippet-react.tsx'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: pkg, encoding: 'utf8' });
    expect((tsc.stdout + tsc.stderr).split('\n').filter((line) => line.trim() !== '' && !line.includes('node_modules/'))).toEqual([]);
    // A dashed attribute's spelling is not checked: the snippet uses none but the event handler's.
    expect(snippetsFor('http://localhost:8787/').react).not.toMatch(/\s(site-key|name-field|phone-field)=/);
  }, 120_000);

  it('resolves the types of every entry under the older node10 resolution too, through typesVersions', async () => {
    // An app of its own beside the package, which node10 finds in its node_modules (it knows no self-reference).
    const legacy = join(pkg, 'legacy');
    await mkdir(join(legacy, 'node_modules'), { recursive: true });
    await symlink(pkg, join(legacy, 'node_modules', 'carrier-verify'), 'dir');
    await writeFile(
      join(legacy, 'consumer.ts'),
      `import { CarrierVerify } from 'carrier-verify';
import 'carrier-verify/react';
import 'carrier-verify/vue';
import { createApp, type TokenCheck } from 'carrier-verify/server';
import { nodeAppConfig } from 'carrier-verify/node';
import manifest from 'carrier-verify/custom-elements.json';

export const element: typeof CarrierVerify = CarrierVerify;
export const modules: number = manifest.modules.length;
export const app = createApp();
export const setup = nodeAppConfig;
export type Check = TokenCheck;
`,
    );
    await writeFile(
      join(legacy, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'node10', target: 'es2022', lib: ['es2023', 'dom'], types: [], skipLibCheck: true, resolveJsonModule: true, esModuleInterop: true },
        files: ['consumer.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', legacy], { cwd: legacy, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it.each(['nodenext', 'node16', 'bundler', 'node10'])('types the script-tag global for a page that scripts it in TypeScript (%s resolution)', async (resolution) => {
    // A page's own script beside <script src="carrier-verify.js">: one reference brings the global's types, no import.
    const page = join(pkg, `page-${resolution}`);
    await mkdir(join(page, 'node_modules'), { recursive: true });
    await symlink(pkg, join(page, 'node_modules', 'carrier-verify'), 'dir');
    await writeFile(
      join(page, 'page.ts'),
      `/// <reference types="carrier-verify/carrier-verify.js" />
CarrierVerify.timeout = 10_000;
const phone: boolean = CarrierVerify.checkPhone('138 0013 8000').ok;
const widget: CarrierVerify | null = document.querySelector('carrier-verify');
widget?.addEventListener('cv-verified', (event) => console.log(event.detail.phoneMasked, phone));
window.CarrierVerify.CarrierVerify.timeout = 15_000;
console.log(widget?.status, CarrierVerify.ClearedEvent.eventName === 'cv-cleared');
// @ts-expect-error the global carries the package's checks, and this is none of them
CarrierVerify.checkEmail('a@b.c');
`,
    );
    const module = resolution === 'nodenext' || resolution === 'node16' ? resolution : 'esnext';
    await writeFile(
      join(page, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'es2022', lib: ['es2023', 'dom'], types: [], skipLibCheck: true },
        files: ['page.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', page], { cwd: page, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('names in its declarations only modules it depends on, so that a strict installation resolves them all', async () => {
    // The modules a .d.ts needs: what it imports or re-exports, `import("…")` types, the modules it augments and
    // `/// <reference types>`. One that is neither a dependency nor a peer (nor their @types) resolves only where a
    // package manager happens to hoist it, and fails with TS2307 under a nested or strict installation.
    const needed = (file: ts.SourceFile): string[] => {
      const found = file.typeReferenceDirectives.map((directive) => directive.fileName);
      const visit = (node: ts.Node): void => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
        else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text);
        else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) found.push(node.name.text);
        else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) found.push(node.expression.text);
        ts.forEachChild(node, visit);
      };
      visit(file);
      return found;
    };
    const declared = new Set([...Object.keys(packageJson.dependencies), ...Object.keys(packageJson.peerDependencies)]);
    const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const typesOf = (name: string) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
    const stray: string[] = [];
    let files = 0;
    for (const folder of ['widget', 'server']) {
      const entries = (await readdir(join(pkg, 'dist', folder), { recursive: true })).filter((path) => path.endsWith('.d.ts'));
      for (const path of entries) {
        files += 1;
        const file = ts.createSourceFile(path, await readFile(join(pkg, 'dist', folder, path), 'utf8'), ts.ScriptTarget.ES2022, true);
        for (const specifier of needed(file)) {
          if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
          const name = packageOf(specifier);
          if (!declared.has(name) && !declared.has(typesOf(name))) stray.push(`dist/${folder}/${path}: ${specifier}`);
        }
      }
    }
    expect(files).toBeGreaterThan(10);
    expect(stray).toEqual([]);
  });

  it('types its server entry for a Node backend without the DOM library, its declarations checked too', async () => {
    const backend = join(pkg, 'backend');
    await mkdir(backend, { recursive: true });
    await writeFile(
      join(backend, 'server.mts'),
      `import { createApp, createHttpProvider, verifyToken, type TokenKeySet, type Transport } from 'carrier-verify/server';
import { createNodeTransport, nodeAppConfig, RedisStore, type NodeAppSetup } from 'carrier-verify/node';

const transport: Transport = fetch;
export const app = createApp({ providers: [createHttpProvider({ id: 'main', url: 'https://vendor.example/verify', key: 'k', transport })] });
export const check = verifyToken('t', { jwks: { keys: [] }, siteKey: 'site' });
// As docs/backend.md fetches it: Node's fetch types json() as unknown.
const jwks = (await (await fetch('https://verify.example.com/.well-known/jwks.json')).json()) as TokenKeySet;
export const offline = verifyToken('t', { jwks, siteKey: 'site' });
const setup: NodeAppSetup = await nodeAppConfig(process.env);
export const onNode = createApp({ ...setup.app, store: new RedisStore('redis://127.0.0.1:6379'), storeKind: 'redis' });
export const pooled: Transport = createNodeTransport({ connections: 16 });
`,
    );
    await writeFile(
      join(backend, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023'], types: ['node'], skipLibCheck: false },
        files: ['server.mts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', backend], { cwd: backend, encoding: 'utf8' });
    // Only the package's own declarations are judged: the libraries it depends on answer for theirs.
    const ours = (tsc.stdout + tsc.stderr).split('\n').filter((line) => line.trim() !== '' && !line.includes('node_modules/'));
    expect(ours).toEqual([]);
  });
});

describe('the carrier-verify program (package.json bin)', () => {
  it('runs the proxy from the built package: listens, verifies, and stops on SIGTERM', { timeout: 30_000 }, async () => {
    const bin = (packageJson as unknown as { bin: Record<string, string> }).bin['carrier-verify']!;
    const child = spawn(process.execPath, [join(pkg, bin)], { cwd: pkg, env: { ...process.env, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      const port = await new Promise<number>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // The start line says where it listens (the HOST it was given) and where the state lives, so that an
          // instance that missed its REDIS_URL is seen.
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+) on the sandbox provider; state in this process's memory \(no REDIS_URL\)\n/.exec(stderr);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/api/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '张三', phoneNumber: '13800138000' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ code: 'FP00000', phoneMasked: '138****8000', carrier: 'china-mobile' });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('prints production secrets with keygen, which the proxy then accepts', () => {
    const bin = (packageJson as unknown as { bin: Record<string, string> }).bin['carrier-verify']!;
    const run = spawnSync(process.execPath, [join(pkg, bin), 'keygen', 'k1'], { cwd: pkg, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const env = Object.fromEntries(run.stdout.trim().split('\n').map((line) => {
      const [, name, value] = /^(\w+)=(.*)$/.exec(line)!;
      return [name!, value!.replace(/^'|'$/g, '')];
    }));
    expect(Object.keys(env)).toEqual(['CARRIER_VERIFY_TOKEN_KEYS', 'CARRIER_VERIFY_HASH_SECRET']);
    expect(JSON.parse(env.CARRIER_VERIFY_TOKEN_KEYS!)).toMatchObject([{ kid: 'k1', jwk: { kty: 'EC', crv: 'P-256' } }]);
    expect(env.CARRIER_VERIFY_HASH_SECRET).toMatch(/^[0-9a-f]{64}$/);
    // The production refusal that sends people to keygen is satisfied by what it printed.
    const start = node(
      `import { loadConfig } from 'carrier-verify/server';
       const env = ${JSON.stringify({ ...env, NODE_ENV: 'production', CARRIER_VERIFY_ALLOW_SANDBOX: 'true', CARRIER_VERIFY_SITES: JSON.stringify([{ siteKey: 's', secret: 'x'.repeat(40), origins: ['https://shop.example'] }]) })};
       loadConfig(env); console.log('accepted');`,
    );
    expect(start.out.trim().split('\n').at(-1)).toBe('accepted');
  });

  it('prints its usage for --help, and refuses a command it does not know rather than start a proxy', () => {
    const bin = (packageJson as unknown as { bin: Record<string, string> }).bin['carrier-verify']!;
    // A proxy started by mistake would keep running: the timeout would end it, and the status says so.
    const command = (...args: string[]) => spawnSync(process.execPath, [join(pkg, bin), ...args], { cwd: pkg, encoding: 'utf8', timeout: 10_000, env: { ...process.env, PORT: '0', HOST: '127.0.0.1' } });
    const help = command('--help');
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage:\n {2}carrier-verify {2}.*\n {2}carrier-verify keygen \[kid\]/);
    for (const args of [['--port', '9000'], ['start'], ['keygen', 'a', 'b'], ['keygen', '--help'], ['--constructor']]) {
      const refused = command(...args);
      expect([args, refused.status, refused.stdout]).toEqual([args, 2, '']);
      // An option the proxy takes from the environment says so.
      const hint = args[0] === '--port' ? 'set PORT in the environment instead (PORT=… npx carrier-verify)\n' : '';
      expect(refused.stderr).toContain(`carrier-verify: unknown command "${args.join(' ')}"\n${hint}Usage:`);
    }
    // A key id that would break the printed shell line, or that the configuration refuses, is no key id.
    for (const kid of ["it's", '', 'k'.repeat(65), '—help']) {
      const refused = command('keygen', kid);
      expect([kid, refused.status, refused.stdout]).toEqual([kid, 2, '']);
      expect(refused.stderr).toContain('carrier-verify: a key id is a letter, digit or _');
    }
  });

  it('stops with one line naming the setting when the configuration is bad', () => {
    const bin = (packageJson as unknown as { bin: Record<string, string> }).bin['carrier-verify']!;
    const run = spawnSync(process.execPath, [join(pkg, bin)], { cwd: pkg, encoding: 'utf8', env: { ...process.env, PORT: 'eighty' } });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('PORT');
  });
});

describe('the server entry on an edge runtime (Cloudflare workerd, through Miniflare)', () => {
  /** Bundles a worker module that imports the built server entry, as a worker's build would, and runs it in workerd. */
  async function worker(source: string): Promise<Miniflare> {
    const entry = join(pkg, 'worker.mjs');
    await writeFile(entry, source.replaceAll('SERVER_ENTRY', JSON.stringify(join(pkg, 'dist/server/index.js'))));
    const bundled = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', conditions: ['worker', 'browser'], mainFields: ['module', 'main'], write: false, logLevel: 'silent' });
    // No nodejs_compat flag: the entry uses web-standard APIs only.
    const mf = new Miniflare({ modules: true, script: bundled.outputFiles[0]!.text, compatibilityDate: '2026-04-01' });
    try {
      await mf.ready;
    } catch (error) {
      await mf.dispose();
      throw error;
    }
    return mf;
  }

  it('serves verify, siteverify, the key set and health from an app built in the global scope with its defaults', { timeout: 60_000 }, async () => {
    // The global scope of a worker refuses random values and timers: building the app must need neither.
    const mf = await worker(`import { createApp } from SERVER_ENTRY;
      const app = createApp();
      export default { fetch: (request) => app.fetch(request) };`);
    try {
      const post = async (path: string, body: unknown) => {
        const res = await mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const verified = await post('/api/verify', { name: '张三', phoneNumber: '13800138000' });
      expect(verified).toMatchObject({ status: 200, body: { code: 'FP00000', phoneMasked: '138****8000', carrier: 'china-mobile' } });
      expect(await post('/api/verify', { name: '李四', phoneNumber: '13800138000' })).toMatchObject({ status: 200, body: { code: 'FP03333' } });
      expect(await post('/api/verify', { name: '张三', phoneNumber: '12345' })).toMatchObject({ status: 400, body: { code: 'INVALID_PHONE' } });
      const redeem = () => post('/api/siteverify', { secret: 'sandbox-secret', token: verified.body.token });
      expect(await redeem()).toMatchObject({ status: 200, body: { success: true, code: 'FP00000' } });
      expect(await redeem()).toMatchObject({ body: { success: false, errors: ['timeout-or-duplicate'] } });
      const keys = (await (await mf.dispatchFetch('http://localhost/.well-known/jwks.json')).json()) as { keys: { kty: string; d?: string }[] };
      expect(keys.keys.map((key) => [key.kty, key.d])).toEqual([['EC', undefined]]);
      expect((await mf.dispatchFetch('http://localhost/healthz')).status).toBe(200);
    } finally {
      await mf.dispose();
    }
  });

  it('serves with the token keys and hash secret a deployed worker is given, its tokens signed by the configured key', { timeout: 60_000 }, async () => {
    const tokenKeys = [await generateTokenKey('edge-1')];
    const mf = await worker(`import { createApp } from SERVER_ENTRY;
      const app = createApp({ tokenKeys: ${JSON.stringify(tokenKeys)}, hashSecret: ${JSON.stringify('e'.repeat(40))} });
      export default { fetch: (request) => app.fetch(request) };`);
    try {
      const res = await mf.dispatchFetch('http://localhost/api/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '张三', phoneNumber: '13800138000' }) });
      const { token } = (await res.json()) as { token: string };
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'edge-1' });
      const keys = (await (await mf.dispatchFetch('http://localhost/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
      expect(keys.keys.map((key) => key.kid)).toEqual(['edge-1']);
    } finally {
      await mf.dispose();
    }
  });

  it('checks a token offline with verifyToken in a backend worker', { timeout: 60_000 }, async () => {
    const mf = await worker(`import { createApp, verifyToken } from SERVER_ENTRY;
      const proxy = createApp();
      export default {
        async fetch() {
          const post = (body) => proxy.fetch(new Request('http://proxy/api/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
          const { token } = await (await post({ name: '张三', phoneNumber: '13800138000' })).json();
          const jwks = await (await proxy.fetch(new Request('http://proxy/.well-known/jwks.json'))).json();
          const binding = (name) => ({ secret: 'sandbox-secret', name, phoneNumber: '138 0013 8000' });
          const checks = [await verifyToken(token, { jwks, siteKey: 'sandbox', binding: binding('张三') }), await verifyToken(token, { jwks, siteKey: 'sandbox', binding: binding('李四') })];
          return Response.json(checks.map((check) => (check.ok ? check.claims.phoneMasked : check.error)));
        },
      };`);
    try {
      expect(await (await mf.dispatchFetch('http://localhost/')).json()).toEqual(['138****8000', 'binding-mismatch']);
    } finally {
      await mf.dispose();
    }
  });
});

describe('the element entries on an edge runtime (server-side rendering in workerd, through Miniflare)', () => {
  it('export every name the element entry exports', () => {
    const run = node(`const [main, noDom] = await Promise.all([import('carrier-verify'), import('./dist/widget/no-dom.js')]);
      console.log(JSON.stringify([Object.keys(main).sort(), Object.keys(noDom).sort()]));`);
    expect(run.status, run.out).toBe(0);
    const [main, noDom] = JSON.parse(run.out) as [string[], string[]];
    expect(noDom).toEqual(main);
  });

  it('import without throwing, with the checks and events working and the element a placeholder that says why', { timeout: 60_000 }, async () => {
    // Resolved by name from an app beside the package, with the conditions wrangler gives a Worker's build: Lit's
    // browser build, which those conditions pick, would define its element class on an HTMLElement workerd lacks.
    const app = join(pkg, 'edge-app');
    await mkdir(join(app, 'node_modules'), { recursive: true });
    if (!existsSync(join(app, 'node_modules', 'carrier-verify'))) await symlink(pkg, join(app, 'node_modules', 'carrier-verify'), 'dir');
    await writeFile(
      join(app, 'worker.mjs'),
      `import { CarrierVerify, VerifiedEvent, checkPhone, checkName, ResultCode } from 'carrier-verify';
      import * as react from 'carrier-verify/react';
      import * as vue from 'carrier-verify/vue';
      export default {
        fetch() {
          let made;
          try { new CarrierVerify(); made = 'made'; } catch (error) { made = error.message; }
          return Response.json({
            phone: checkPhone('138 0013 8000'), name: checkName('张三'), event: new VerifiedEvent({ code: ResultCode.match }).type,
            element: made, entries: [typeof react.checkPhone, typeof vue.checkPhone, typeof react.CarrierVerify, typeof vue.CarrierVerify],
          });
        },
      };`,
    );
    const bundled = await build({ entryPoints: [join(app, 'worker.mjs')], bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], write: false, logLevel: 'silent' });
    const mf = new Miniflare({ modules: true, script: bundled.outputFiles[0]!.text, compatibilityDate: '2026-04-01' });
    try {
      const answer = await (await mf.dispatchFetch('http://localhost/')).json();
      expect(answer).toEqual({
        phone: { ok: true, value: '13800138000', carrier: 'china-mobile' },
        name: { ok: true, value: '张三' },
        event: 'cv-verified',
        element: '<carrier-verify> needs a DOM: this runtime has none, so only the markup is rendered here',
        entries: ['function', 'function', 'function', 'function'],
      });
    } finally {
      await mf.dispose();
    }
  });
});

describe('custom-elements.json', () => {
  const element = () => manifest.modules.flatMap((m) => m.declarations ?? []).find((d): d is ClassDeclaration & CustomElement => 'customElement' in d && d.customElement === true);

  it('describes <carrier-verify> with its pinned attributes, its five outcome events, cv-cleared, and their classes', () => {
    const el = element();
    expect(el?.tagName).toBe('carrier-verify');
    expect(el?.attributes?.map((a) => a.name)).toEqual(expect.arrayContaining(['endpoint', 'site-key', 'lang', 'name', 'required', 'disabled']));
    expect(el?.attributes?.some((a) => a.name.startsWith('_'))).toBe(false);
    // The pinned defaults as values, not as the names of the constants that hold them.
    const defaults = Object.fromEntries((el?.attributes ?? []).map((a) => [a.name, a.default]));
    expect([defaults.endpoint, defaults.name, defaults.required]).toEqual(["'/api/verify'", "'carrier-verify-token'", 'false']);
    expect(Object.fromEntries((el?.events ?? []).map((e) => [e.name, e.type?.text]))).toEqual({
      'cv-verified': 'VerifiedEvent',
      'cv-mismatch': 'MismatchEvent',
      'cv-not-found': 'NotFoundEvent',
      'cv-invalid': 'InvalidEvent',
      'cv-error': 'VerifyErrorEvent',
      'cv-cleared': 'ClearedEvent',
    });
  });

  it('says which properties reflect to their attribute, the default of disabled, and the spellings of a server renderer', async () => {
    const el = element();
    // `reflects` came to the manifest schema after the version whose types this test imports.
    const fields = (el?.members ?? []).filter((member) => member.kind === 'field') as (ClassField & { reflects?: boolean })[];
    // Lit reflects those declared with `reflect: true`; disabled, lang and name set their attribute themselves, at once.
    expect(fields.filter((field) => field.reflects).map((field) => field.name).sort()).toEqual(['disabled', 'lang', 'name', 'required', 'theme']);
    const attributes = Object.fromEntries((el?.attributes ?? []).map((a) => [a.name, a]));
    expect([attributes.disabled?.default, fields.find((field) => field.name === 'disabled')?.default]).toEqual(['false', 'false']);
    // No single default where there is none: lang follows the page, theme is unset (the light look); each says so.
    expect(attributes.lang?.default).toBeUndefined();
    expect(attributes.lang?.description).toContain('else `zh-CN`');
    expect(attributes.theme?.description).toContain('`light` (default)');
    // Every attribute the element observes beyond its properties' own: the names React's server renderer writes.
    const source = await readFile(join(root, 'widget', 'carrier-verify.ts'), 'utf8');
    const aliases = /const RENDERED_ATTRIBUTES[^=]*=\s*\{([^}]*)\}/.exec(source)![1]!;
    const observed = Object.fromEntries([...aliases.matchAll(/(\w+): '([\w-]+)'/g)].map((match) => [match[1]!, match[2]!]));
    expect(Object.keys(observed)).toEqual(['sitekey', 'privacypolicy', 'namefield', 'phonefield']);
    for (const [alias, attribute] of Object.entries(observed)) {
      expect([alias, attributes[attribute]?.name]).toEqual([alias, attribute]);
      expect([alias, attributes[alias]?.description]).toEqual([alias, expect.stringContaining(`\`${attribute}\``)]);
    }
  });

  it('writes types an editor can offer: the values of lang and status, and where VerifiedPair and the event classes are', () => {
    const el = element();
    const field = (name: string) => el?.members?.find((member) => member.kind === 'field' && member.name === name) as ClassField | undefined;
    const lang = "'zh-CN' | 'zh-TW' | 'en'";
    expect([field('lang')?.type?.text, el?.attributes?.find((a) => a.name === 'lang')?.type?.text]).toEqual([lang, lang]);
    expect(field('status')?.type?.text).toBe("'idle' | 'invalid' | 'verifying' | 'verified' | 'mismatch' | 'not-found' | 'error'");
    expect(field('verifiedPair')?.type).toEqual({ text: 'VerifiedPair | null', references: [{ name: 'VerifiedPair', module: 'dist/widget/carrier-verify.js', start: 0, end: 12 }] });
    for (const event of el?.events ?? []) {
      expect([event.name, event.type?.references?.map((r) => [r.name, r.module])]).toEqual([event.name, [[event.type?.text, 'dist/widget/events.js']]]);
    }
  });

  it('names one custom state per status, and every part the element renders', async () => {
    const el = element();
    // Custom states came to the manifest schema after the version whose types this test imports.
    const states = (el as { cssStates?: { name: string }[] } | undefined)?.cssStates;
    expect(states?.map((state) => state.name)).toEqual(['idle', 'invalid', 'verifying', 'verified', 'mismatch', 'not-found', 'error']);
    // The parts in the element's template, read from its source: each must be described for editors and docs.
    const source = await readFile(join(root, 'widget', 'carrier-verify.ts'), 'utf8');
    // Names written out, then those an expression gives: a wrong field's `invalid`, and the hint's and the outcome's tone.
    const withoutExpressions = (value: string): string => {
      // Innermost first (an expression may hold a template with one of its own), each with a `name-` it completes.
      for (let previous = ''; previous !== value; ) [previous, value] = [value, value.replace(/(?:[\w-]*-)?\$\{[^{}]*\}/g, ' ')];
      return value;
    };
    const written = [...source.matchAll(/part="([^"]+)"/g)].flatMap((match) => withoutExpressions(match[1]!).split(' '));
    expect(source.match(/\$\{\w+Error \? ' invalid' : ''\}/g)).toHaveLength(2);
    expect(source).toContain('part="hint${phoneError || !hint ? \'\' : ` hint-${hint.tone}`}"');
    expect(source).toContain('part="message message-${message?.tone');
    const toned = [...['info', 'warning'].map((tone) => `hint-${tone}`), ...['info', 'busy', 'success', 'error', 'warning'].map((tone) => `message-${tone}`)];
    const rendered = new Set([...written.filter(Boolean), 'invalid', ...toned]);
    expect([...rendered].filter((part) => !el?.cssParts?.some((described) => described.name === part))).toEqual([]);
    expect(el?.cssParts?.find((part) => part.name === 'message')?.description).toContain('`message-busy`');
  });

  it("gives each custom property the default the element's styles fall back to, in the light theme", async () => {
    const el = element();
    const props = Object.fromEntries((el?.cssProperties ?? []).map((prop) => [prop.name, prop.default]));
    const styles = await readFile(join(root, 'widget', 'styles.ts'), 'utf8');
    // Sizes are read as `var(--cv-x, default)`; colours from the light palette, `x: 'default'`.
    const light = /const light = palette\(\{([^}]*)\}\)/.exec(styles)![1]!;
    const fromStyles = (name: string) =>
      /var\(--cv-[\w-]+, ([^)]+)\)/.exec(styles.slice(styles.indexOf(`var(${name},`)))?.[1] ??
      new RegExp(`(?:^|\\s|')${name.slice(5)}'?: '([^']+)'`).exec(light)?.[1];
    const described = Object.entries(props).filter(([, value]) => value !== undefined);
    expect(described.length).toBe(16);
    for (const [name, value] of described) expect([name, value]).toEqual([name, fromStyles(name)]);
  });

  it('points at modules the package ships', () => {
    const missing = manifest.modules.map((m) => m.path).filter((path) => !existsSync(join(pkg, path)));
    expect(manifest.modules.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('declares what its modules export, and the classes those inherit from: no local of a function', () => {
    type Ref = { name?: string } | undefined;
    const declarations = manifest.modules.flatMap((m) => m.declarations ?? []) as { name: string; superclass?: Ref; members?: { inheritedFrom?: Ref }[] }[];
    const exported = new Set(manifest.modules.flatMap((m) => (m.exports ?? []).map((e) => e.declaration.name)));
    const inherited = new Set(declarations.flatMap((d) => [d.superclass?.name, ...(d.members ?? []).map((m) => m.inheritedFrom?.name)]));
    expect(declarations.map((d) => d.name).filter((name) => !exported.has(name) && !inherited.has(name))).toEqual([]);
  });
});

describe('the repository', () => {
  // The TypeScript of the sources, the tests, the scripts and the pages, as `npm run typecheck` checks it: a type
  // error anywhere (a test's stats of the wrong shape, say) fails the suite, not only an editor.
  it('type-checks as a whole (tsc --noEmit)', { timeout: 120_000 }, () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(root, 'tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
