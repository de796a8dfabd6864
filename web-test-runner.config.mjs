// Browser suites in a real Chromium; /api/* is answered by the proxy itself, in process, on the sandbox.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { writeFileSync } from 'node:fs';
import { createApp } from './server/app.ts';
import { sandboxProvider } from './server/config.ts';
import { parseLimits } from './server/limits.ts';
import { apiError } from './server/errors.ts';

const chromePath = process.env.CHROME_PATH || '/usr/bin/chromium';
// Every browser suite posts from the one test page, so the per-IP limit is off here; the Node suites test it.
const app = createApp({ providers: [sandboxProvider(400)], limits: parseLimits('ip=off'), log: () => undefined });

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Fixtures the widget tests post to: the real proxy, and answers the sandbox cannot give on demand. */
async function api(ctx, next) {
  if (ctx.path === '/test/rate-limited') {
    ctx.status = 429;
    ctx.set('Retry-After', /^\d+$/.test(ctx.query.after ?? '') ? ctx.query.after : '7');
    // `?limit=` names the limit that refused, as the proxy does; without it, an older proxy or a gateway's 429.
    ctx.body = { code: 'RATE_LIMITED', message: 'Too many requests', ...(ctx.query.limit ? { limit: ctx.query.limit } : {}) };
    return;
  }
  if (ctx.path === '/test/cookie-told') {
    // Tells apart a request that carried the page's cookies: the widget must send none, its answer is no business
    // of the page's session. Without a cookie a mismatch, with one an error the widget shows otherwise.
    const cookie = ctx.get('cookie');
    ctx.status = cookie ? 400 : 200;
    ctx.body = cookie ? { code: 'INVALID_REQUEST', message: 'a cookie came with the request' } : { code: 'FP03333', message: '信息不一致', phoneMasked: '138****8000', carrier: 'china-mobile' };
    return;
  }
  if (ctx.path === '/test/html-error') {
    ctx.status = 502;
    ctx.type = 'text/html';
    ctx.body = '<html><body>Bad Gateway</body></html>';
    return;
  }
  if (ctx.path === '/test/plain-status' || ctx.path === '/test/json-status') {
    // What a load balancer, CDN or API gateway in front of the proxy answers itself: a bare status, as text or
    // as JSON of its own shape (an API gateway's throttle, a serverless host's error).
    ctx.status = Number(ctx.query.status ?? 500);
    if (ctx.query.after) ctx.set('Retry-After', ctx.query.after);
    if (ctx.path === '/test/json-status') {
      ctx.body = { error: 'answered by the gateway', statusCode: ctx.status };
    } else {
      ctx.type = 'text/plain';
      ctx.body = 'Service temporarily unavailable';
    }
    return;
  }
  if (ctx.path === '/test/refused') {
    // A proxy a version apart that refuses a field this widget accepts: the proxy's own error, as it sends it.
    const { code = 'INVALID_NAME', field = 'name', reason, delay = '0' } = ctx.query;
    await new Promise((resolve) => setTimeout(resolve, Number(delay)));
    const error = apiError(code, reason === undefined ? {} : { field, reason });
    ctx.status = error.status;
    ctx.body = error.body;
    return;
  }
  if (ctx.path === '/test/no-answer') {
    // A request held without an answer until the client gives up (a stalled network).
    await new Promise((resolve) => ctx.req.once('close', resolve));
    return;
  }
  if (ctx.path === '/test/stalled-body') {
    // An answer whose body stops coming after its first bytes, until the client gives up.
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'application/json' });
    ctx.res.write('{"code":"FP0');
    await new Promise((resolve) => ctx.req.once('close', resolve));
    ctx.res.end();
    return;
  }
  if (ctx.path === '/test/cut-body') {
    // An answer whose connection is cut after its first bytes (a proxy restarting, a mobile network dropping).
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
    ctx.res.write('{"code":"FP0');
    setTimeout(() => ctx.res.destroy(), 50);
    return;
  }
  if (ctx.path === '/test/no-token') {
    // A match without its token: not the protocol, so no success.
    ctx.body = { code: 'FP00000', message: 'SUCCESS', phoneMasked: '138****8000', carrier: 'china-mobile' };
    return;
  }
  if (ctx.path === '/test/strict-csp') {
    // A page with a strict Content-Security-Policy and Trusted Types enforced, as the README says the element works on.
    ctx.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; connect-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html");
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><html lang="en"><carrier-verify></carrier-verify><script type="module" src="/test/browser/strict-csp-page.ts"></script>';
    return;
  }
  if (ctx.path === '/test/odd-match') {
    // A match in the protocol's shape whose fields a broken proxy got wrong: `?token=` the token as given (empty),
    // `?masked=` phoneMasked as JSON (a number, an object), `?carrier=` the carrier as given (one a newer proxy knows).
    const { token = 'a.b.c', masked = '"138****8000"', carrier = 'china-mobile' } = ctx.query;
    ctx.body = { code: 'FP00000', message: 'SUCCESS', carrier, token, phoneMasked: JSON.parse(masked) };
    return;
  }
  if (ctx.path === '/test/new-carrier') {
    ctx.body = { code: 'FP03333', message: '认证信息不一致', phoneMasked: '138****8000', carrier: 'china-satnet', extra: 1 };
    return;
  }
  if (ctx.path === '/test/skewed-token') {
    // A fresh 300 s token signed by a server whose clock is years behind this browser's.
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = 1_600_000_000;
    ctx.body = { code: 'FP00000', message: 'SUCCESS', phoneMasked: '138****8000', carrier: 'china-mobile', token: `${b64({ alg: 'ES256' })}.${b64({ iat, exp: iat + 300 })}.c2ln` };
    return;
  }
  if (ctx.path === '/test/short-token') {
    // A match whose token expires in one second, to watch the widget expire it; `?jti=` adds a token id to its
    // payload, as the proxy's tokens have one (`~~~` writes a `-` into the base64url).
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + 1;
    const jti = ctx.query.jti ? { jti: ctx.query.jti } : {};
    ctx.body = { code: 'FP00000', message: 'SUCCESS', phoneMasked: '138****8000', carrier: 'china-mobile', token: `${b64({ alg: 'ES256' })}.${b64({ iat, exp, ...jti })}.c2ln` };
    return;
  }
  if (!ctx.path.startsWith('/api/')) return next();
  const headers = new Headers();
  for (const [key, value] of Object.entries(ctx.req.headers)) if (typeof value === 'string') headers.set(key, value);
  const body = ctx.method === 'GET' || ctx.method === 'HEAD' ? undefined : await readBody(ctx.req);
  const res = await app.fetch(new Request(`http://localhost${ctx.url}`, { method: ctx.method, headers, body }));
  ctx.status = res.status;
  res.headers.forEach((value, key) => ctx.set(key, value));
  ctx.body = Buffer.from(await res.arrayBuffer());
}

/** Writes the counts of passed and failed tests for scripts/test.mjs to add up. */
function countingReporter(file) {
  const count = (suite, totals) => {
    for (const test of suite.tests) totals[test.skipped ? 'skipped' : test.passed ? 'passed' : 'failed'] += 1;
    for (const child of suite.suites) count(child, totals);
  };
  return {
    onTestRunFinished({ sessions }) {
      if (!file) return;
      const totals = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        const own = { passed: 0, failed: 0, skipped: 0 };
        if (session.testResults) count(session.testResults, own);
        for (const key of Object.keys(totals)) totals[key] += own[key];
        // A file that fails to load or throws outside a test has errors but no failed test, and a file whose tests
        // all went (a loop over an empty list, a describe left empty) has none at all: either counts once.
        if (session.errors.length > 0 || (own.failed === 0 && (!session.passed || own.passed + own.skipped === 0))) {
          if (own.passed + own.skipped + own.failed === 0 && session.errors.length === 0) console.error(`web-test-runner: ${session.testFile} ran no test`);
          totals.failed += 1;
        }
      }
      writeFileSync(file, JSON.stringify(totals));
    },
  };
}

/**
 * One DevTools Protocol command sent to the test page, for what the stock commands cannot do: forced colours
 * (Windows' contrast themes) and an input method's compositions. `executeServerCommand('devtools', { method,
 * params })`; each test page has its own DevTools session, which holds what it set.
 */
function devtoolsPlugin() {
  const sessions = new Map();
  return {
    name: 'devtools',
    async executeCommand({ command, payload, session }) {
      if (command !== 'devtools') return undefined;
      let devtools = sessions.get(session.id);
      if (!devtools) {
        devtools = await session.browser.getPage(session.id).createCDPSession();
        sessions.set(session.id, devtools);
      }
      return (await devtools.send(payload.method, payload.params)) ?? true;
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  concurrency: 1,
  testsFinishTimeout: 120_000,
  testFramework: { config: { timeout: 10_000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }), devtoolsPlugin()],
  middleware: [api],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: chromePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      },
    }),
  ],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countingReporter(process.env.WTR_RESULTS)],
};
