// The proxy as a Hono app built from its configuration: verify, siteverify, health, and the pages.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId, type RequestIdVariables } from 'hono/request-id';
import { routePath } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import { ResultCode, resultMessages } from '../widget/codes.js';
import { checkName, checkPhone, checkRequest } from '../widget/validation.js';
import { maskIp } from './client-ip.js';
import { siteCors } from './cors.js';
import { apiError } from './errors.js';
import { createLimiter, type LimitScope, type Verdict } from './limits.js';
import { isOperator, monitoringRoutes, recordRequests } from './monitoring.js';
import { maskName, maskPhone } from './privacy.js';
import { createResultCache, DEFAULT_CACHE_ENTRIES, type CacheOutcome } from './cache.js';
import { createRouter } from './providers/router.js';
import { UpstreamError } from './providers/types.js';
import { resolveConfig, type AppConfig, type ResolvedConfig } from './config.js';
import { createSiteRegistry, originAllowed, type Site } from './sites.js';
import { MemoryStore } from './stores/memory.js';
import { StoreUnavailableError } from './stores/types.js';
import type { TokenError } from './tokens.js';

/** Largest request body accepted, in bytes: a name and a number need far less. */
export const MAX_BODY_BYTES = 4096;

type Env = {
  Variables: RequestIdVariables & {
    site?: Site;
    outcome?: string;
    providerId?: string;
    masked?: { phone: string; name: string };
    /** The limit that refused the request. */
    limited?: LimitScope;
    /** Set when the shared store failed and limits fell back to this instance's memory. */
    degraded?: boolean;
    /** Whether the result came from the result cache (no upstream call). */
    cache?: 'hit' | 'miss';
    /** siteverify's first error, when it refused. */
    answered?: string;
    /** The client's address, worked out once a request. */
    clientIp?: string;
  };
};

/**
 * Content-Security-Policy of every answer: the demo and dashboard load only their own scripts, styles and
 * data; JSON answers are inert anyway. Lit's constructed stylesheets are not subject to style-src.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
};

/** Seconds a client is asked to wait when the shared store is down and an answer depends on it. */
const UNAVAILABLE_RETRY_AFTER = '5';

/** Records a limiter verdict on the request and refuses it with 429 and Retry-After when a limit is reached. */
function enforce(c: Context<Env>, verdict: Verdict): void {
  if (verdict.degraded) c.set('degraded', true);
  if (verdict.ok) return;
  c.set('outcome', 'rate-limited');
  c.set('limited', verdict.scope);
  throw apiError('RATE_LIMITED', {}, { 'Retry-After': String(verdict.retryAfter) });
}

/** siteverify's answer when it cannot say yes: Turnstile's shape, with the reasons in `errors`. */
function siteverifyFailure(c: Context<Env>, errors: readonly string[], status: 200 | 400 | 413 | 429 | 503 = 200, headers: Record<string, string> = {}) {
  if (errors[0] !== undefined) c.set('answered', errors[0]);
  return c.json({ success: false, code: null, phoneMasked: null, carrier: null, siteKey: null, issuedAt: null, errors }, status, headers);
}

const requireJson: MiddlewareHandler = async function requireJson(c, next) {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw apiError('UNSUPPORTED_MEDIA_TYPE');
  await next();
};

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw apiError('INVALID_REQUEST', { message: 'The request body is not valid JSON' });
  }
}

function siteKeyOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'siteKey')) return undefined;
  const { siteKey } = body as { siteKey: unknown };
  if (siteKey === undefined) return undefined;
  if (typeof siteKey !== 'string') throw apiError('INVALID_REQUEST');
  return siteKey;
}

function upstreamFailure(error: unknown): HTTPException {
  if (error instanceof UpstreamError && error.failure === 'timeout') return apiError('UPSTREAM_TIMEOUT');
  return apiError('UPSTREAM_ERROR');
}

/** Builds the proxy. Every part of the configuration has a default: `createApp()` runs on the sandbox. */
export function createApp(options: AppConfig = {}): Hono<Env> & { readonly config: ResolvedConfig } {
  const config = resolveConfig(options);
  const sites = createSiteRegistry(config.sites);
  const clientIpOf = (c: Context<Env>): string => {
    let ip = c.get('clientIp');
    if (ip === undefined) {
      ip = config.clientIp(c);
      c.set('clientIp', ip);
    }
    return ip;
  };
  // One keyed hasher a site, made once: the token subject is the HMAC of the pair under the site's secret.
  const subjectOf = new Map(config.sites.map((site) => [site.siteKey, config.hasher(site.secret)]));
  const router = createRouter(config.providers, options.routing);
  const cacheEntries = options.cache?.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  const cache = createResultCache({
    // In memory the cache gets its own bounded store, so that it can never crowd out used-token marks.
    store: options.cache?.store ?? (config.storeKind === 'redis' ? config.store : new MemoryStore({ maxKeys: cacheEntries, now: config.now })),
    hash: config.hash,
    maxEntries: cacheEntries,
    now: config.now,
    ...(options.cache?.ttlMs ? { ttlMs: options.cache.ttlMs } : {}),
  });
  router.observe(config.metrics.upstreamCall);
  config.metrics.watchCircuits(router.health);
  const limiter = createLimiter({ limits: config.limits, store: config.store, hash: config.hash, now: config.now });
  const app = new Hono<Env>();

  app.use('*', requestId({ headerName: '' }));
  app.use('*', async function exposeRequestId(c, next) {
    await next();
    // Set on the finished response's own headers: c.header() here would re-wrap the body as a stream.
    c.res.headers.set('X-Request-Id', c.get('requestId'));
  });
  app.use(
    '*',
    secureHeaders({
      crossOriginResourcePolicy: 'cross-origin',
      crossOriginEmbedderPolicy: false,
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
    }),
  );
  app.use('*', async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const masked = c.get('masked');
    config.log({
      time: new Date(config.now()).toISOString(),
      requestId: c.get('requestId'),
      method: c.req.method,
      // The route pattern, not the raw path: a path is client text and could carry a number or a name.
      route: routePath(c, -1),
      status: c.res.status,
      ip: maskIp(clientIpOf(c)),
      site: c.get('site')?.siteKey,
      outcome: c.get('outcome'),
      limit: c.get('limited'),
      provider: c.get('providerId'),
      phone: masked?.phone,
      name: masked?.name,
      degraded: c.get('degraded'),
      cache: c.get('cache'),
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  app.use('/api/*', recordRequests(config.metrics));

  const verifyCors = siteCors({
    allows: (origin) => sites.anyAllows(origin),
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    exposeHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
  const streamingLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw apiError('PAYLOAD_TOO_LARGE');
    },
  });
  // A declared Content-Length is enforced by the HTTP parser, so the header alone decides. Only a chunked body
  // goes through Hono's bodyLimit, which counts the stream: touching the raw body stream costs every request
  // on @hono/node-server a full Request object, so the common case keeps off it.
  const limitBody: MiddlewareHandler = async function limitBody(c, next) {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamingLimit(c, next);
    if (Number(length) > MAX_BODY_BYTES) throw apiError('PAYLOAD_TOO_LARGE');
    return next();
  };

  app.use('/api/verify', verifyCors);
  app.post('/api/verify', requireJson, limitBody, async function verify(c) {
    const body = await readJson(c);
    const site = sites.resolve(siteKeyOf(body));
    if (!site) throw apiError('INVALID_SITE_KEY');
    c.set('site', site);
    const origin = c.req.header('origin');
    if (origin !== undefined && !originAllowed(site, origin)) throw apiError('ORIGIN_NOT_ALLOWED');
    const check = checkRequest(body);
    if (!check.ok) {
      c.set('outcome', check.field ? `invalid-${check.field}` : 'invalid-request');
      if (check.field === 'name') throw apiError('INVALID_NAME', { field: 'name', reason: check.reason });
      if (check.field === 'phone') throw apiError('INVALID_PHONE', { field: 'phone', reason: check.reason });
      throw apiError('INVALID_REQUEST');
    }
    const phoneMasked = maskPhone(check.phoneNumber);
    c.set('masked', { phone: phoneMasked, name: maskName(check.name) });
    // Limits after the checks that need no store, and the narrowest first, so a refusal spends no wider budget.
    enforce(c, await limiter.ip(clientIpOf(c)));
    enforce(c, await limiter.number(check.phoneNumber, check.name));
    enforce(c, await limiter.site(site.siteKey));
    const query = { name: check.name, phoneNumber: check.phoneNumber };
    let answer: CacheOutcome;
    try {
      answer = await cache.through(query, () => router.verify(query));
    } catch (error) {
      c.set('outcome', error instanceof UpstreamError ? `upstream-${error.failure}` : 'upstream-error');
      if (error instanceof UpstreamError) c.set('providerId', error.providerId);
      throw upstreamFailure(error);
    }
    config.metrics.cacheLookup(answer.cached);
    c.set('cache', answer.cached ? 'hit' : 'miss');
    c.set('providerId', answer.providerId);
    c.set('outcome', answer.code);
    const result = { code: answer.code, message: resultMessages[answer.code], phoneMasked, carrier: check.carrier };
    if (answer.code !== ResultCode.match) return c.json(result);
    const subject = await subjectOf.get(site.siteKey)!(check.phoneNumber, check.name);
    const token = await config.tokens.issue({ siteKey: site.siteKey, subject, code: answer.code, carrier: check.carrier, phoneMasked });
    return c.json({ ...result, token });
  });

  app.post('/api/siteverify', limitBody, async function siteverify(c) {
    const failure = (errors: (TokenError | string)[], status: 200 | 400 = 200) => siteverifyFailure(c, errors, status);
    const type = c.req.header('content-type') ?? '';
    let body: Record<string, unknown>;
    try {
      body = /^application\/x-www-form-urlencoded/i.test(type)
        ? Object.fromEntries(new URLSearchParams(await c.req.text()))
        : ((await c.req.json()) as Record<string, unknown>);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TypeError('not an object');
    } catch {
      return failure(['bad-request'], 400);
    }
    const { secret, token, name, phoneNumber } = body;
    if (typeof secret !== 'string' || secret === '') return failure(['missing-input-secret']);
    const ip = clientIpOf(c);
    const barred = await limiter.secretBarred(ip);
    if (barred.degraded) c.set('degraded', true);
    if (!barred.ok) {
      c.set('outcome', 'rate-limited');
      c.set('limited', barred.scope);
      return siteverifyFailure(c, ['rate-limited'], 429, { 'Retry-After': String(barred.retryAfter) });
    }
    const site = sites.bySecret(secret);
    if (!site) {
      await limiter.secretFailed(ip);
      return failure(['invalid-input-secret']);
    }
    c.set('site', site);
    if (typeof token !== 'string' || token === '') return failure(['missing-input-response']);
    let binding: { secret: string; name: string; phoneNumber: string } | undefined;
    if (name !== undefined || phoneNumber !== undefined) {
      const nameCheck = typeof name === 'string' ? checkName(name) : null;
      const phoneCheck = typeof phoneNumber === 'string' ? checkPhone(phoneNumber) : null;
      if (!nameCheck?.ok || !phoneCheck?.ok) return failure(['binding-mismatch']);
      binding = { secret: site.secret, name: nameCheck.value, phoneNumber: phoneCheck.value };
    }
    const check = await config.tokens.redeem(token, { siteKey: site.siteKey, ...(binding ? { binding } : {}) });
    c.set('outcome', check.ok ? 'token-accepted' : check.error);
    if (!check.ok) return failure([check.error]);
    const { claims } = check;
    return c.json({
      success: true,
      code: claims.code,
      phoneMasked: claims.phoneMasked,
      carrier: claims.carrier,
      siteKey: claims.siteKey,
      issuedAt: new Date(claims.issuedAt * 1000).toISOString(),
      errors: [],
    });
  });

  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await config.tokens.jwks());
  });

  // Load balancers get the status; the detail is for operators (open in development, the operator token in production).
  app.get('/healthz', async (c) => {
    if (!(await isOperator(config.operator, c))) return c.json({ status: 'ok' });
    return c.json({
      status: 'ok',
      sandbox: config.sandbox,
      store: config.storeKind,
      // Breaker state, error rate and latency per provider; never a URL or key.
      providers: router.health(),
    });
  });

  app.route('/', monitoringRoutes(config.metrics, config.operator));

  const page = (file: string) =>
    async function servePage() {
      return (await config.assets(file)) ?? apiError('NOT_FOUND', { message: 'The pages are not built: run npm run build' }).getResponse();
    };
  app.get('/', page('/site/index.html'));
  app.get('/dashboard', page('/site/dashboard.html'));
  app.get('/carrier-verify.js', page('/carrier-verify.js'));
  app.get('/carrier-verify.js.map', page('/carrier-verify.js.map'));
  app.get('/assets/*', async (c, next) => (await config.assets(`/site${c.req.path}`)) ?? next());

  app.on(['GET', 'PUT', 'DELETE', 'PATCH'], ['/api/verify', '/api/siteverify'], () => {
    throw apiError('METHOD_NOT_ALLOWED', {}, { Allow: 'POST' });
  });
  app.notFound(() => apiError('NOT_FOUND').getResponse());
  app.onError((error, c) => {
    // siteverify keeps Turnstile's shape even for a body over the limit: backends read `success`.
    if (error instanceof HTTPException && error.status === 413 && c.req.path === '/api/siteverify') return siteverifyFailure(c, ['bad-request'], 413);
    if (error instanceof HTTPException) return error.getResponse();
    // A store outage where the answer depends on shared state (a single-use token claim): refuse, never 500.
    if (error instanceof StoreUnavailableError) {
      c.set('outcome', 'store-unavailable');
      const headers = { 'Retry-After': UNAVAILABLE_RETRY_AFTER };
      if (c.req.path === '/api/siteverify') return siteverifyFailure(c, ['internal-error'], 503, headers);
      return apiError('SERVICE_UNAVAILABLE', {}, headers).getResponse();
    }
    config.log({ level: 'error', requestId: c.get('requestId'), route: routePath(c, -1), error: error.name });
    return apiError('INTERNAL_ERROR').getResponse();
  });

  return Object.assign(app, { config });
}
