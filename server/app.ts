// The proxy as a Hono app built from its configuration: verify, siteverify, health, and the pages.
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { basePath, matchedRoutes, routePath } from 'hono/route';
import { COMPOSED_HANDLER } from 'hono/utils/constants';
import { ResultCode, resultMessages } from '../widget/codes.js';
import { checkRequest } from '../widget/validation.js';
import { maskIp, UNKNOWN_IP } from './client-ip.js';
import { addHeaders, apiSecurityHeaders, jsonAnswer, pageSecurityHeaders } from './answers.js';
import { siteCors, type CorsVariables } from './cors.js';
import { ApiError, apiError } from './errors.js';
import { formFields } from './form.js';
import { isJsonObject } from './json.js';
import { createLimiter, type LimitScope, type Verdict } from './limits.js';
import type { ApiRoute } from './metrics.js';
import { isOperator, monitoringRoutes, recordRequest } from './monitoring.js';
import { baseHref, withBase } from './pages.js';
import { maskName, maskPhone } from './privacy.js';
import { createResultCache, type CacheOutcome } from './cache.js';
import { createRouter, type AttemptRecord, type LateRoutedAnswer, type ProviderRouter } from './providers/router.js';
import { UpstreamError } from './providers/types.js';
import { resolveConfig, type AppConfig, type ResolvedConfig } from './config.js';
import { createSiteRegistry, originAllowed, SANDBOX_SITE, secretsOf, type Site } from './sites.js';
import { StoreUnavailableError, type StoreHealth } from './stores/types.js';
import { holderOf, type TokenCheck, type TokenError } from './tokens.js';

/** Largest request body accepted, in bytes: a name and a number need far less. */
export const MAX_BODY_BYTES = 4096;

type Env = {
  Variables: CorsVariables & {
    requestId: string;
    /** The answer the app built with all its headers; any other answer gets them added on the way out. */
    built?: Response;
    site?: Site;
    /**
     * The code the request was answered with, for the access log: a result code, a more precise reason a handler
     * named (`rate-limited`, `upstream-timeout`…), else the refusal's own code (an error code, siteverify's first error).
     */
    outcome?: string;
    providerId?: string;
    /** The provider calls this request made (or skipped), when it made any: the log names them after a failover. */
    attempts?: AttemptRecord[];
    masked?: { phone: string; name: string };
    /** The limit that refused the request. */
    limited?: LimitScope;
    /** The HTTP status the upstream answered a failed call with, when it answered one outside 2xx. */
    upstreamStatus?: number;
    /** Set when the shared store failed and limits fell back to this instance's memory. */
    degraded?: boolean;
    /** Whether the result came from the result cache (no upstream call). */
    cache?: 'hit' | 'miss';
    /** siteverify's first error, when it refused. */
    answered?: string;
    /** The client's address, worked out once a request. */
    clientIp?: string;
    /** The API route answering, set by its handler: metrics count by it, wherever the app is mounted. */
    api?: ApiRoute;
    /** Set by a handler of this app that handed the request on instead of answering it. */
    passedOn?: boolean;
    /** The Origin refused with ORIGIN_NOT_ALLOWED, for the log: the one to add to the site's origins, if it is theirs. */
    refusedOrigin?: string;
  };
};

/** The CORS header of public files any site may load. */
const anyOrigin: Readonly<Record<string, string>> = Object.freeze({ 'Access-Control-Allow-Origin': '*' });

/** The site whose limit refused a provider call, by the refusal: those sharing the call may be of other sites. */
const refusedSites = new WeakMap<object, string>();

function refusedFor(error: unknown, siteKey: string): unknown {
  if (error instanceof ApiError) refusedSites.set(error, siteKey);
  return error;
}

/** How many times a request asks for a call of its own after joining calls other sites' limits refused. */
const MAX_REJOINS = 3;

/** Seconds a client is asked to wait when the shared store is down and an answer depends on it. */
const UNAVAILABLE_RETRY_AFTER = '5';

/**
 * Records a limiter verdict on the request and refuses it with 429 and Retry-After when a limit is reached. A
 * limit that is off answers at once, and is enforced at once: a promise only for a verdict still to come.
 */
function enforce(c: Context<Env>, verdict: Verdict | Promise<Verdict>): void | Promise<void> {
  if (verdict instanceof Promise) return verdict.then((settled) => enforce(c, settled));
  const refusal = noteVerdict(c, verdict);
  // Which limit refused: `number` holds this number only, so a page may let the person go on with another one. The
  // address's daily count is the address's limit to the client (`ip`, a longer wait), as the widget's events name them.
  if (refusal && !verdict.ok) throw apiError('RATE_LIMITED', { limit: verdict.scope === 'ip-day' ? 'ip' : verdict.scope }, refusal);
}

/** Records a limit's verdict for the log; for a refusal, the Retry-After its answer carries. */
function noteVerdict(c: Context<Env>, verdict: Verdict): { 'Retry-After': string } | undefined {
  if (verdict.degraded) c.set('degraded', true);
  if (verdict.ok) return undefined;
  c.set('outcome', 'rate-limited');
  c.set('limited', verdict.scope);
  return { 'Retry-After': String(verdict.retryAfter) };
}

/** The request id and CORS headers every answer to this request carries, then `extra`. */
function answerHeaders(c: Context<Env>, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return { 'X-Request-Id': c.get('requestId'), ...c.get('cors'), ...extra };
}

/**
 * An error answer with its code: the access log names the code unless the handler named a more precise outcome
 * (`rate-limited`, `invalid-name`, `upstream-timeout`…) before refusing.
 */
function refuse(c: Context<Env>, error: ApiError): Response {
  c.set('outcome', c.get('outcome') ?? error.code);
  return reply(c, error.body, error.status, error.headers);
}

/** A JSON answer with every header it needs, built in one go (see answers.ts). */
function reply(c: Context<Env>, body: unknown, status = 200, extra?: Readonly<Record<string, string>>): Response {
  const response = jsonAnswer(body, status, answerHeaders(c, extra));
  c.set('built', response);
  return response;
}

/** siteverify's answer when it cannot say yes: Turnstile's shape, with the reasons in `errors`. */
function siteverifyFailure(c: Context<Env>, errors: readonly string[], status: 200 | 400 | 413 | 429 | 503 = 200, headers?: Record<string, string>) {
  const first = errors[0];
  if (first !== undefined) {
    c.set('answered', first);
    c.set('outcome', c.get('outcome') ?? first);
  }
  return reply(c, { success: false, code: null, phoneMasked: null, carrier: null, siteKey: null, issuedAt: null, errors }, status, headers);
}

/**
 * Decodes request bodies: JSON between systems is UTF-8. Bytes that are not (a name in GBK from a backend that did
 * not say so) are refused as such rather than read as U+FFFD, which would pass for a wrong name. One instance
 * serves every request.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The request body as UTF-8 text, refused with 400 when it is not (see bodyBytes for the rest). */
async function bodyText(c: Context): Promise<string> {
  const bytes = await bodyBytes(c);
  try {
    return utf8.decode(bytes);
  } catch {
    throw apiError('INVALID_REQUEST', { message: 'The request body is not valid UTF-8' });
  }
}

/**
 * The request body, refused with 413 past MAX_BODY_BYTES. A declared Content-Length is enforced by the HTTP
 * parser, so the header alone decides and the body is read in one step; a chunked body is counted as it streams
 * and never held whole past the limit.
 */
function bodyBytes(c: Context): Promise<Uint8Array> {
  // A compressed body would be read as text and refused as bad JSON, or its header ignored: neither is what was sent.
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined && !/^\s*identity\s*$/i.test(encoding)) {
    throw apiError('UNSUPPORTED_MEDIA_TYPE', { message: 'The request body must not be compressed (no Content-Encoding)' });
  }
  // The same for a transfer coding: the HTTP parser undoes `chunked` only, and would hand over a gzip as it came.
  const transfer = c.req.header('transfer-encoding');
  if (transfer !== undefined && !/^\s*chunked\s*$/i.test(transfer)) {
    throw apiError('UNSUPPORTED_MEDIA_TYPE', { message: 'The request body must not be compressed (Transfer-Encoding chunked only)' });
  }
  if (declaredLength(c) !== undefined) return c.req.arrayBuffer().then((buffer) => new Uint8Array(buffer), bodyEndedEarly);
  return streamedBytes(c).catch((error: unknown) => {
    if (error instanceof ApiError) throw error;
    return bodyEndedEarly();
  });
}

/** The client stopped sending before the end of its body: a bad request, not a failure of the proxy. */
function bodyEndedEarly(): never {
  throw apiError('INVALID_REQUEST', { message: 'The request body ended before it was complete' });
}

/**
 * The Content-Length the HTTP parser enforces, refused with 413 past MAX_BODY_BYTES; undefined when the body is
 * chunked and has to be counted as it streams.
 */
function declaredLength(c: Context): number | undefined {
  const length = c.req.header('content-length');
  if (length === undefined || c.req.header('transfer-encoding') !== undefined) return undefined;
  const bytes = Number(length);
  if (bytes > MAX_BODY_BYTES) throw apiError('PAYLOAD_TOO_LARGE');
  return bytes;
}

/** A chunked body, counted as it streams. */
async function streamedBytes(c: Context): Promise<Uint8Array> {
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      void reader.cancel().catch(() => undefined);
      throw apiError('PAYLOAD_TOO_LARGE');
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;
/** The charset a Content-Type names, if any. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
/**
 * Charsets a JSON body is read in: JSON between systems is UTF-8 (US-ASCII is a part of it), under the names
 * clients give them (`unicode-1-1-utf-8` is a WHATWG label of UTF-8; `ascii` and `ANSI_X3.4-1968`, Python's
 * name, IANA aliases of US-ASCII).
 */
const UTF8 = /^(utf-?8|unicode-1-1-utf-8|us-ascii|ascii|ansi_x3\.4-1968)$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded/i;

/**
 * The decoder of the charset a siteverify body's Content-Type names, UTF-8 when it names none, refusing bytes not
 * valid in it: a site's backend that still writes GBK (`charset=GBK`, `gb2312`, `gb18030`) has its pair read as it
 * wrote it, not compared as mojibake and refused as another pair. Throws a RangeError for a charset no decoder knows.
 *
 * A Western single-byte charset (`us-ascii`, `iso-8859-1`, `latin1`: all windows-1252 to a decoder) is read as
 * UTF-8, as verify reads US-ASCII: no name the proxy verifies can be written in it, so a body that holds one under
 * such a label is UTF-8 labelled by habit (Apache HttpCore's form type says ISO-8859-1 over UTF-8 escapes), and
 * decoding it as labelled would make the very pair that was verified a binding-mismatch.
 */
function declaredDecoder(type: string): TextDecoder {
  const charset = CHARSET.exec(type)?.[1];
  if (charset === undefined || UTF8.test(charset)) return utf8;
  const declared = new TextDecoder(charset, { fatal: true });
  return declared.encoding === 'windows-1252' || declared.encoding === 'utf-8' ? utf8 : declared;
}

/**
 * The route pattern that answered, for the access log: never the raw path, which is client text and could carry a
 * number or a name. Read through Hono's route helper, which only works with the Hono copy that routed the request;
 * should a site end up with two copies, the log says `unknown` rather than the request failing.
 */
function routeOf(c: Context): string {
  try {
    return routePath(c, -1) || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Where the site mounted the app, as Hono routed the request: `''` at the site's root, `/kyc` under
 * `site.route('/kyc', app)`. Read through the same route helper as `routeOf`, with the same fallback.
 */
function mountOf(c: Context): string {
  try {
    const mount = basePath(c);
    return mount === '/' ? '' : mount;
  } catch {
    return '';
  }
}

/** The JSON body of a verify request: 415 for another type, 413 past the limit, 400 when it does not parse. */
async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type)) throw apiError('UNSUPPORTED_MEDIA_TYPE');
  const charset = CHARSET.exec(type)?.[1];
  if (charset !== undefined && !UTF8.test(charset)) throw apiError('UNSUPPORTED_MEDIA_TYPE', { message: 'The request body must be JSON in UTF-8' });
  const text = await bodyText(c);
  try {
    return JSON.parse(text);
  } catch {
    throw apiError('INVALID_REQUEST', { message: 'The request body is not valid JSON' });
  }
}

/** The shared store's state for /healthz: `storeState` and, for a store down, since when and why; what makes it unfit. */
function healthOfStore(health: StoreHealth | undefined): Record<string, string> {
  if (!health) return {};
  return {
    storeState: health.state,
    storeSince: new Date(health.since).toISOString(),
    ...(health.reason ? { storeReason: health.reason } : {}),
    ...(health.warning ? { storeWarning: health.warning } : {}),
  };
}

/** NOT_FOUND's message to a page of an allowed origin: most likely a widget whose endpoint is mistyped. */
const WIDGET_NOT_FOUND = "No such route: a widget's endpoint is the full address of the proxy's /api/verify";

/** INVALID_SITE_KEY's message for a request that named no site, to a proxy with sites of its own. */
const NO_SITE_KEY = 'No site key: this proxy has sites of its own, so each request names one (the widget\'s site-key attribute)';

/**
 * A refused Origin as the log gives it: one a browser sends (scheme, host and port, or `null` from a file or a
 * sandboxed frame), else only that it was not one. The header is client text all the same: a run of seven digits
 * or more in it (a number, where a site's host has none) is starred out.
 */
function loggedOrigin(origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (origin === 'null') return origin;
  try {
    if (origin.length <= 200 && new URL(origin).origin === origin) return origin.replace(/\d{7,}/g, (digits) => '*'.repeat(digits.length));
  } catch {
    // Not a URL.
  }
  return '(not an origin)';
}

/** A siteverify field not sent at all, or sent empty: missing, where one of another type is invalid. */
const absent = (value: unknown): boolean => value === undefined || value === null || value === '';

/** The body's site key; a key that is not a string is the wrong shape, logged as `invalid-request` as any field's is. */
function siteKeyOf(c: Context<Env>, body: object): string | undefined {
  if (!Object.hasOwn(body, 'siteKey')) return undefined;
  const { siteKey } = body as { siteKey: unknown };
  if (siteKey === undefined) return undefined;
  if (typeof siteKey !== 'string') {
    c.set('outcome', 'invalid-request');
    throw apiError('INVALID_REQUEST');
  }
  return siteKey;
}

/**
 * The answer of a request no provider answered. While every provider is kept out (its breaker open, or the rest its
 * vendor asked for), it says with `Retry-After` when one will be asked again: a retry sooner would fail at once.
 */
function upstreamFailure(error: unknown, keptOutMs: number | undefined): HTTPException {
  const headers: Record<string, string> = keptOutMs === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(keptOutMs / 1000))) };
  return apiError(error instanceof UpstreamError && error.failure === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR', {}, headers);
}

/** How long until the first provider kept out may be asked again; undefined while any provider may be asked now. */
function keptOutForMs(router: ProviderRouter): number | undefined {
  let soonest = Infinity;
  for (const provider of router.health()) {
    if (provider.retryInMs === null) return undefined;
    soonest = Math.min(soonest, provider.retryInMs);
  }
  return soonest === Infinity ? undefined : soonest;
}

/**
 * The provider calls of a request that made more than one, as its log line lists them: a failover, and whether the
 * call it left may have been billed. A request answered by its first call says it in `provider` and `outcome`.
 */
function loggedAttempts(attempts: readonly AttemptRecord[] | undefined): object[] | undefined {
  if (attempts === undefined || attempts.length < 2) return undefined;
  return attempts.map(({ providerId, outcome, latencyMs, maybeBilled, status }) => ({ provider: providerId, outcome, status, latencyMs: Math.round(latencyMs * 10) / 10, maybeBilled }));
}

/** Builds the proxy. Every part of the configuration has a default: `createApp()` runs on the sandbox. */
export function createApp(options: AppConfig = {}): Hono<Env> & { readonly config: ResolvedConfig; settled(): Promise<void> } {
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
  const cache = createResultCache({ ...config.cache, hash: config.hash, now: config.now, callMs: router.deadlineMs });
  router.observe(config.metrics.upstreamCall);
  config.metrics.watchCircuits(router.health);
  config.metrics.watchStore(config.storeHealth);
  const limiter = createLimiter({
    limits: config.limits,
    store: config.limitStores,
    hash: config.hash,
    now: config.now,
    onSiteCount: (siteKey, window, max) => config.metrics.siteBudget(siteKey, window.count, max, window.resetMs),
  });
  const app = new Hono<Env>();
  /**
   * The token keys, proved able to sign before the first upstream call, key set served and token checked: a key that
   * cannot sign (x, y and d that do not belong together) would otherwise fail a match after the paid call. The
   * Node program proves them at start; a backend that builds the app itself (an edge worker) finds out here, with
   * an error line in the log, once, and a 503 for each request until the keys are fixed (siteverify's in its own shape).
   */
  let keysProved = false;
  let proving: Promise<void> | undefined;
  const proveKeys = (): Promise<void> =>
    (proving ??= config.tokens.ready().then(
      () => void (keysProved = true),
      (error: Error) => {
        config.log({ time: timestamp(config.now()), level: 'error', error: 'token-keys', message: error.message });
        throw apiError('SERVICE_UNAVAILABLE', { message: 'The proxy cannot sign tokens: a key in its token keys is unusable' });
      },
    ));
  // The log's timestamp is written once a millisecond, not once a request: under load many share it.
  let stampedAt = Number.NaN;
  let stamp = '';
  const timestamp = (ms: number): string => {
    if (ms !== stampedAt) {
      stampedAt = ms;
      stamp = new Date(ms).toISOString();
    }
    return stamp;
  };

  /**
   * The frame of every request: its id, the headers of answers built elsewhere (pages, metrics, 404s), then one
   * access-log line and, for the API routes, the metrics. Answers the app built itself already carry every header.
   */
  let warnedUnknownClient = false;
  app.use('*', async function frame(c, next) {
    const started = performance.now();
    const at = c.req.routeIndex;
    c.set('requestId', crypto.randomUUID());
    await next();
    // Mounted at the root of a site's app, this frame also sees the site's own requests: those pass untouched.
    if (!answeredHere(c, at)) return;
    const res = c.res;
    if (c.get('built') !== res) addHeaders(res, { ...pageSecurityHeaders, ...answerHeaders(c) });
    const latencyMs = performance.now() - started;
    const site = c.get('site');
    const outcome = c.get('outcome');
    const providerId = c.get('providerId');
    const limited = c.get('limited');
    const masked = c.get('masked');
    config.log({
      time: timestamp(config.now()),
      requestId: c.get('requestId'),
      method: c.req.method,
      // The route pattern, not the raw path: a path is client text and could carry a number or a name.
      route: routeOf(c),
      status: res.status,
      ip: maskIp(clientIpOf(c)),
      site: site?.siteKey,
      outcome,
      limit: limited,
      origin: loggedOrigin(c.get('refusedOrigin')),
      provider: providerId,
      upstreamStatus: c.get('upstreamStatus'),
      attempts: loggedAttempts(c.get('attempts')),
      phone: masked?.phone,
      name: masked?.name,
      degraded: c.get('degraded'),
      cache: c.get('cache'),
      latencyMs: Math.round(latencyMs * 10) / 10,
    });
    // A server that gives the app no client address (no `remoteAddress` off @hono/node-server) makes every request
    // one client: the per-IP limit then lets 30 requests a minute through for everyone together, and wrong siteverify
    // secrets bar every backend together. Said once.
    if (!warnedUnknownClient && (config.limits.ip || config.limits['ip-day'] || config.limits.secret) && c.get('clientIp') === UNKNOWN_IP) {
      warnedUnknownClient = true;
      config.log({ time: timestamp(config.now()), level: 'warn', event: 'client-address-unknown', message: 'no client address for this request: every such request counts as one client under the per-IP limits; give createApp a remoteAddress that returns it' });
    }
    const vars = { site, outcome, providerId, limited, answered: c.get('answered') };
    const recording = recordRequest(config.metrics, c.get('api'), res, vars, c.error, latencyMs / 1000);
    if (recording) await recording;
  });

  // The trial page says it runs on the sandbox, and verifies on the sandbox site: a proxy with real providers, or
  // with only sites of its own (production), would show a directory whose rows are refused or, worse, paid for.
  // Such a proxy has no route at `/`, which stays free for a site that mounts the app at its root.
  // The page's backend check posts the sandbox site's public secret: a site of the operator's own named `sandbox`,
  // with a secret of its own, gets no trial page, which would spend that address's wrong-secret budget.
  const trial = config.sandbox && config.sites.some((site) => site.siteKey === SANDBOX_SITE.siteKey && site.secret === SANDBOX_SITE.secret);
  const verifyCors = siteCors({
    allows: (origin) => sites.anyAllows(origin),
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    // Date too: the widget counts a Retry-After given as a date from the answer's clock, not the device's.
    exposeHeaders: ['Retry-After', 'Date', 'X-Request-Id'],
    maxAge: 600,
  });

  /** Puts the verify route's CORS headers for the request's Origin on the context, and returns that Origin. */
  const verifyCorsOf = (c: Context<Env>): string | undefined => {
    const origin = c.req.header('origin');
    c.set('cors', verifyCors.headersFor(origin));
    return origin;
  };

  /** A preflight the proxy allows, answered as an answer of the API, with its headers: the frame would give a bodiless 204 a page's. */
  const preflightAnswer = (c: Context<Env>, answer: Response): Response => {
    addHeaders(answer, { ...apiSecurityHeaders, ...answerHeaders(c) });
    c.set('built', answer);
    // Logged with an outcome as every answer of the API is; not counted, being no verification.
    c.set('outcome', 'preflight');
    return answer;
  };

  /**
   * The preflight of a browser's verification. From an origin no site allows, it is that verification refused: the
   * browser sends nothing more, so the refusal is answered, logged and counted here, as `403 ORIGIN_NOT_ALLOWED`
   * (a failed preflight to the browser, as one without the allow headers is).
   */
  app.options('/api/verify', (c) => {
    const answer = verifyCors.preflight(c.req.header('origin'));
    if (answer) return preflightAnswer(c, answer);
    c.set('api', 'verify');
    c.set('refusedOrigin', c.req.header('origin'));
    throw apiError('ORIGIN_NOT_ALLOWED');
  });
  app.post('/api/verify', async function verify(c) {
    c.set('api', 'verify');
    const origin = verifyCorsOf(c);
    const body = await readJson(c);
    // A body that is no object is the wrong shape whatever the sites: 400 before any site is looked for.
    if (!isJsonObject(body)) throw apiError('INVALID_REQUEST');
    const siteKey = siteKeyOf(c, body);
    const site = sites.resolve(siteKey);
    // None sent, where the proxy has sites of its own: the widget's site-key attribute is missing, not mistyped.
    if (!site) throw apiError('INVALID_SITE_KEY', siteKey === undefined ? { message: NO_SITE_KEY } : {});
    c.set('site', site);
    if (origin !== undefined && !originAllowed(site, origin)) {
      c.set('refusedOrigin', origin);
      throw apiError('ORIGIN_NOT_ALLOWED');
    }
    const check = checkRequest(body);
    if (!check.ok) {
      c.set('outcome', check.field ? `invalid-${check.field}` : 'invalid-request');
      if (check.field === 'name') throw apiError('INVALID_NAME', { field: 'name', reason: check.reason });
      if (check.field === 'phone') throw apiError('INVALID_PHONE', { field: 'phone', reason: check.reason });
      throw apiError('INVALID_REQUEST');
    }
    const phoneMasked = maskPhone(check.phoneNumber);
    c.set('masked', { phone: phoneMasked, name: maskName(check.name) });
    if (!keysProved) await proveKeys();
    // Limits after the checks that need no store, and the narrowest first, so a refusal spends no wider budget.
    const byIp = enforce(c, limiter.ip(clientIpOf(c)));
    if (byIp) await byIp;
    const query = { name: check.name, phoneNumber: check.phoneNumber };
    // A number whose names are spent (or a name whose numbers are) refuses every pair this client was not let through
    // with in its window, before the cache is looked in, so that a pair the cache holds (another client's) is refused
    // as any other is.
    const spent = enforce(c, limiter.numberSpent(check.phoneNumber, check.name, clientIpOf(c)));
    if (spent) await spent;
    // A pair the cache can answer asks the upstream nothing new: its repeat is not another name tried for the number,
    // nor a call on the site's budget.
    const found = cache.find(query);
    const place = found instanceof Promise ? await found : found;
    if (place.hit) {
      const counted = enforce(c, limiter.cachedPair(check.phoneNumber, check.name, clientIpOf(c), place.hit.code === ResultCode.match));
      if (counted) await counted;
    }
    // The site's budget is spent by the call alone: requests for the same pair that share one call (a double click, a
    // retry sent to another instance) spend it once, as they pay once.
    let called = false;
    const callProvider = () => {
      called = true;
      let bySite: void | Promise<void>;
      try {
        bySite = enforce(c, limiter.site(site.siteKey));
      } catch (error) {
        return Promise.reject(refusedFor(error, site.siteKey));
      }
      const attempts: AttemptRecord[] = [];
      c.set('attempts', attempts);
      // An answer that came after its call's timeout, the request already answered 504: the vendor billed it, so the
      // cache keeps it, and the person's retry is answered from there. Its own log line says so (no pair in it).
      const lateAnswer = (answer: LateRoutedAnswer) => {
        config.metrics.lateAnswer(answer.providerId, answer.code);
        config.log({ time: timestamp(config.now()), level: 'info', event: 'late-answer', requestId: c.get('requestId'), provider: answer.providerId, outcome: answer.code, latencyMs: Math.round(answer.latencyMs * 10) / 10 });
        return cache.remember(query, answer);
      };
      const ask = () => router.verify(query, attempts, lateAnswer);
      return bySite ? bySite.then(ask, (error: unknown) => Promise.reject(refusedFor(error, site.siteKey))) : ask();
    };
    // A request that joined another's call for the same pair, refused by that request's site's limit (another site's
    // page), asks again on its own site's budget: a few times at most, should it keep joining other sites' calls.
    let rejoins = 0;
    const askAgain = (error: unknown): Promise<CacheOutcome> => {
      if (called || rejoins >= MAX_REJOINS || !(error instanceof ApiError) || refusedSites.get(error) === site.siteKey) return Promise.reject(error);
      rejoins += 1;
      return place.fill(callProvider).catch(askAgain);
    };
    if (!place.hit) {
      try {
        const byNumber = enforce(c, limiter.number(check.phoneNumber, check.name, clientIpOf(c)));
        if (byNumber) await byNumber;
      } catch (error) {
        // The look-up missed: a refusal must not make the hit rate look better.
        config.metrics.cacheLookup(false);
        c.set('cache', 'miss');
        throw error;
      }
    }
    let answer: CacheOutcome;
    try {
      answer = place.hit ?? (await place.fill(callProvider).catch(askAgain));
    } catch (error) {
      // The look-up missed: a limit that refused the call, or a failing upstream, must not make the hit rate look better.
      config.metrics.cacheLookup(false);
      c.set('cache', 'miss');
      if (error instanceof ApiError) {
        // A site's limit refused the call: this request's own, or, joined again, one it was waiting on.
        if (c.get('limited') === undefined) {
          c.set('outcome', 'rate-limited');
          c.set('limited', 'site');
        }
        throw error;
      }
      c.set('outcome', error instanceof UpstreamError ? `upstream-${error.failure}` : 'upstream-error');
      if (error instanceof UpstreamError) {
        c.set('providerId', error.providerId);
        if (error.status !== undefined) c.set('upstreamStatus', error.status);
      }
      throw upstreamFailure(error, keptOutForMs(router));
    }
    config.metrics.cacheLookup(answer.cached);
    c.set('cache', answer.cached ? 'hit' : 'miss');
    c.set('providerId', answer.providerId);
    c.set('outcome', answer.code);
    const message = resultMessages[answer.code];
    if (answer.code !== ResultCode.match) return reply(c, { code: answer.code, message, phoneMasked, carrier: check.carrier });
    const subject = await subjectOf.get(site.siteKey)!(check.phoneNumber, check.name);
    const token = await config.tokens.issue({ siteKey: site.siteKey, subject, code: answer.code, carrier: check.carrier, phoneMasked });
    return reply(c, { code: answer.code, message, phoneMasked, carrier: check.carrier, token });
  });

  app.post('/api/siteverify', async function siteverify(c) {
    c.set('api', 'siteverify');
    const failure = (errors: (TokenError | string)[], status: 200 | 400 = 200) => siteverifyFailure(c, errors, status);
    const type = c.req.header('content-type') ?? '';
    let body: Record<string, unknown>;
    try {
      const bytes = await bodyBytes(c);
      const decoder = declaredDecoder(type);
      const parsed: unknown = FORM_TYPE.test(type) ? formFields(bytes, decoder) : JSON.parse(decoder.decode(bytes));
      if (!isJsonObject(parsed)) throw new TypeError('not an object');
      body = parsed;
    } catch (error) {
      // Turnstile's shape even for a body over the limit: backends read `success`.
      if (error instanceof ApiError && error.status === 413) return siteverifyFailure(c, ['bad-request'], 413);
      return failure(['bad-request'], 400);
    }
    const { secret, token, name, phoneNumber } = body;
    /**
     * A refusal before a secret names the site is logged and counted under the site of the token, when it is one this
     * proxy signed: a backend whose secret broke (a rotation gone wrong) shows up under its own site.
     */
    const underTokenSite = async (read?: TokenCheck) => {
      // Only for the log: a key set that cannot be read here fails the request no differently.
      const checked = read ?? (await config.tokens.read(token).catch(() => undefined));
      const site = checked?.ok ? sites.resolve(checked.claims.siteKey) : null;
      if (site) c.set('site', site);
    };
    if (typeof secret !== 'string' || secret === '') {
      await underTokenSite();
      // As for the token: a secret that is not text (a backend's bug posting a number or an object) is there, and no
      // secret, not missing. It is not counted against the secret limit: no site's secret is anything but text.
      return failure([absent(secret) ? 'missing-input-secret' : 'invalid-input-secret']);
    }
    // Keys that cannot be used fail every token check: said as siteverify says an outage, not with a 500.
    if (!keysProved) {
      try {
        await proveKeys();
      } catch {
        return siteverifyFailure(c, ['internal-error'], 503);
      }
    }
    const ip = clientIpOf(c);
    /** The secret limit's verdict: recorded, and answered with 429 when it refuses. */
    const limited = (verdict: Verdict) => {
      const refusal = noteVerdict(c, verdict);
      return refusal && siteverifyFailure(c, ['rate-limited'], 429, refusal);
    };
    // Wrong secrets are counted per address and per whom the token was issued to (site and pair): one sharing a
    // backend's address (a cloud NAT) can bar the tokens it sends, not that backend's redemptions of its users' tokens.
    const read = config.limits.secret ? await config.tokens.read(token) : undefined;
    const holder = read && holderOf(read);
    const barred = limited(await limiter.secretBarred(ip, holder));
    if (barred) return barred;
    const site = sites.bySecret(secret);
    if (!site) {
      await underTokenSite(read);
      return limited(await limiter.secretFailed(ip, holder)) ?? failure(['invalid-input-secret']);
    }
    const spent = limited(await limiter.secretAccepted(ip, holder));
    if (spent) return spent;
    c.set('site', site);
    // A token that is not text (a backend's bug posting an object or a number) is there, and no token: not missing.
    if (absent(token)) return failure(['missing-input-response']);
    if (typeof token !== 'string') return failure(['invalid-input-response']);
    let binding: { secret: readonly string[]; name: string; phoneNumber: string } | undefined;
    if (name !== undefined || phoneNumber !== undefined) {
      // Half a pair, or one that is not text, was never verified. The token check normalises the pair as posted. After
      // binding-mismatch, which a backend may key on, the field at fault: a form field posted under another name
      // (`phone`, `mobile`) is missing here, not a wrong number.
      if (typeof name !== 'string' || typeof phoneNumber !== 'string') {
        const fault = (value: unknown, field: string) => (value === undefined ? [`missing-input-${field}`] : typeof value === 'string' ? [] : [`invalid-input-${field}`]);
        return failure(['binding-mismatch', ...fault(name, 'name'), ...fault(phoneNumber, 'phone-number')]);
      }
      // Under any of the site's secrets: a token issued before its secret was replaced was bound under the old one.
      binding = { secret: secretsOf(site), name, phoneNumber };
    }
    const check = await config.tokens.redeem(token, { siteKey: site.siteKey, ...(binding ? { binding } : {}) }, read);
    c.set('outcome', check.ok ? 'token-accepted' : check.error);
    if (!check.ok) return failure([check.error]);
    const { claims } = check;
    return reply(c, {
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
    if (!keysProved) await proveKeys();
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await config.tokens.jwks());
  });

  // Load balancers get the status; the detail is for operators (open in development, the operator token in production).
  app.get('/healthz', async (c) => {
    // A health is the moment's: no cache in between may answer for it, and the operator's detail is kept by none.
    c.header('Cache-Control', 'no-store');
    if (!(await isOperator(config.operator, c))) return c.json({ status: 'ok' });
    return c.json({
      status: 'ok',
      sandbox: config.sandbox,
      store: config.storeKind,
      ...healthOfStore(config.storeHealth()),
      // Breaker state, error rate and latency per provider; never a URL or key.
      providers: router.health(),
    });
  });

  app.route('/', monitoringRoutes(config.metrics, config.operator, trial));

  const page = (file: string) =>
    async function servePage(request?: Request) {
      return (await config.assets(file, request)) ?? apiError('NOT_FOUND', { message: 'Not where this proxy looks for it: the built files are in the package\'s dist/ (npm run build in a checkout); a backend bundled into one file passes assets: fileAssets(folder)' }).getResponse();
    };
  /** A page with the base its relative URLs resolve against: where the site mounted the app. */
  const htmlPage = (file: string) => {
    const serve = page(file);
    return async function serveHtmlPage(c: Context<Env>) {
      const found = await serve();
      return found.ok ? withBase(found, baseHref(mountOf(c))) : found;
    };
  };
  if (trial) app.get('/', htmlPage('/site/index.html'));
  app.get('/dashboard', htmlPage('/site/dashboard.html'));
  /**
   * The script-tag bundle and its map are public files other sites load: any origin may read them, which a
   * `<script integrity=… crossorigin>` needs (Subresource Integrity on another origin is checked over CORS).
   */
  const script = (file: string) => {
    const serve = page(file);
    return function serveScript(c: Context<Env>) {
      c.set('cors', anyOrigin);
      return serve(c.req.raw);
    };
  };
  app.get('/carrier-verify.js', script('/carrier-verify.js'));
  app.get('/carrier-verify.js.map', script('/carrier-verify.js.map'));
  app.get('/assets/*', async (c, next) => {
    // The file's path in the app, wherever the site mounted it.
    const file = await config.assets(`/site${c.req.path.slice(mountOf(c).length)}`, c.req.raw);
    if (file) return file;
    // Not one of its files: whoever answers next (its 404, or a site's route) answers, not this handler.
    c.set('passedOn', true);
    return next();
  });

  // Every other method (GET, PUT, TRACE, PROPFIND, OPTIONS on siteverify…): the routes above answer theirs first.
  // Allow names what the route answers: verify its CORS preflight too, siteverify (for backends) only POST.
  const notAllowed = (allow: string) => apiError('METHOD_NOT_ALLOWED', {}, { Allow: allow });
  // Counted on their route, as every answer of the API is.
  app.all('/api/verify', (c) => {
    c.set('api', 'verify');
    verifyCorsOf(c);
    throw notAllowed('POST, OPTIONS');
  });
  app.all('/api/siteverify', (c) => {
    c.set('api', 'siteverify');
    throw notAllowed('POST');
  });
  // The monitoring routes, the key set, the dashboard and the bundle are read-only: a POST to /healthz is the wrong
  // method on a route that exists, not a missing route. HEAD is answered wherever GET is. Not `/`: a site that
  // mounts the app at its root may answer other methods there itself.
  for (const path of ['/.well-known/jwks.json', '/healthz', '/metrics', '/api/stats', '/dashboard', '/carrier-verify.js', '/carrier-verify.js.map']) {
    app.all(path, () => {
      throw notAllowed('GET, HEAD');
    });
  }
  // A path of no route. From a page of an allowed origin, its preflight passes and the 404 carries CORS headers, so
  // that a widget whose endpoint is mistyped (the proxy's base URL, /api/verfy) says NOT_FOUND, and what its endpoint
  // should be, where it would otherwise say it could not connect. A path of a route, with a method it does not
  // answer, is answered above. (Mounted in a site's own app, the site's not-found handler answers instead.)
  app.notFound((c) => {
    const origin = c.req.header('origin');
    if (origin === undefined || !sites.anyAllows(origin)) return refuse(c, apiError('NOT_FOUND'));
    if (c.req.method === 'OPTIONS') return preflightAnswer(c, verifyCors.preflight(origin)!);
    verifyCorsOf(c);
    return refuse(c, apiError('NOT_FOUND', { message: WIDGET_NOT_FOUND }));
  });
  app.onError((error, c) => {
    if (error instanceof ApiError) return refuse(c, error);
    if (error instanceof HTTPException) return error.getResponse();
    // A store outage where the answer depends on shared state (a single-use token claim): refuse, never 500.
    if (error instanceof StoreUnavailableError) {
      c.set('outcome', 'store-unavailable');
      const headers = { 'Retry-After': UNAVAILABLE_RETRY_AFTER };
      if (c.get('api') === 'siteverify') return siteverifyFailure(c, ['internal-error'], 503, headers);
      return refuse(c, apiError('SERVICE_UNAVAILABLE', {}, headers));
    }
    config.log({ time: timestamp(config.now()), level: 'error', requestId: c.get('requestId'), route: routeOf(c), error: error.name });
    // Whatever the handler had named before it failed (a result code) is not what was answered.
    c.set('outcome', 'INTERNAL_ERROR');
    return refuse(c, apiError('INTERNAL_ERROR'));
  });

  /** Every handler of this app, as Hono holds them: a site that mounts the app matches copies that point back here. */
  const handlers = new WeakSet<object>(app.routes.map((route) => route.handler));
  /**
   * Whether this app answered the request whose frame sits at route index `at`: an answer it built (its own 404 and
   * errors included), or one from a handler it registered. Neither is true of a route the site registered itself.
   */
  const answeredHere = (c: Context<Env>, at: number): boolean => {
    if (c.get('built')) return true;
    const index = c.req.routeIndex;
    if (index === at || c.get('passedOn')) return false;
    // Each app between the site and this one that has an error handler of its own wraps the handler once more.
    type Wrapped = { [COMPOSED_HANDLER]?: Wrapped };
    for (let handler = matchedRoutes(c)[index]?.handler as Wrapped | undefined; handler; handler = handler[COMPOSED_HANDLER]) {
      if (handlers.has(handler)) return true;
    }
    return false;
  };

  return Object.assign(app, {
    config,
    /**
     * Settles once the work left after the last answer is done: upstream calls kept going for a late answer (billed,
     * so cached for the person's retry; see callWithTimeout) and the caching of those answers. A server that stops
     * waits for it, within its grace period, before it closes the store and the transport.
     */
    settled: () => router.settled(),
  });
}
