// The operator's routes: GET /metrics for Prometheus and GET /api/stats for the dashboard, behind the operator token.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { ApiRoute, Metrics, Stats } from './metrics.js';
import { BUCKET_MS, RETENTION_MS } from './metrics-timeline.js';
import { timingSafeEqual } from './privacy.js';
import { ApiError } from './errors.js';

export interface OperatorAccess {
  /** The token the operator routes demand, as `Authorization: Bearer <token>` or `?token=`. */
  readonly token: string | undefined;
  /** Whether the routes are closed without a token (production); with a token set they always demand it. */
  readonly required: boolean;
}

/** Fewest characters of an operator token: 128 bits written in hex. */
const OPERATOR_TOKEN_MIN_LENGTH = 32;

/** Reads CARRIER_VERIFY_OPERATOR_TOKEN; absent is allowed (the routes are then open, or closed in production). */
export function parseOperatorToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  // Printable ASCII only: it travels in an Authorization header, which a browser refuses to send with anything else.
  if (raw.length < OPERATOR_TOKEN_MIN_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new Error(`must be at least ${OPERATOR_TOKEN_MIN_LENGTH} printable ASCII characters without spaces (e.g. openssl rand -hex 16)`);
  }
  return raw;
}

const encoder = new TextEncoder();

/**
 * Compares two secrets in time that does not depend on where they differ: both are hashed first, so that the
 * comparison runs over equal lengths whatever was sent.
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (text: string) => String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return timingSafeEqual(a, b);
}

function tokenOf(authorization: string | undefined, query: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return bearer ?? (query || undefined);
}

/** Whether a request may see operator data: always when no token is set up and none is required. */
export async function isOperator(access: OperatorAccess, c: Context): Promise<boolean> {
  if (access.token === undefined && !access.required) return true;
  const given = tokenOf(c.req.header('authorization'), c.req.query('token'));
  return access.token !== undefined && given !== undefined && (await sameSecret(given, access.token));
}

/** Lets a request through only with the operator token, when one is needed. */
function operatorOnly(access: OperatorAccess): MiddlewareHandler {
  return async function operatorOnly(c, next) {
    if (await isOperator(access, c)) return next();
    c.set('outcome', 'UNAUTHORIZED');
    c.header('WWW-Authenticate', 'Bearer realm="carrier-verify operator"');
    c.header('Cache-Control', 'no-store');
    // `closed`: no token is set up, so none sent can open the routes; the dashboard then asks for none.
    if (access.token === undefined) {
      return c.json({ code: 'UNAUTHORIZED', message: 'The operator routes are closed: set CARRIER_VERIFY_OPERATOR_TOKEN', closed: true }, 401);
    }
    return c.json({ code: 'UNAUTHORIZED', message: 'The operator token is missing or wrong: send it as Authorization: Bearer <token> or ?token=' }, 401);
  };
}

/** A whole number from a query parameter, kept within [min, max]; `fallback` when absent or not a number. */
function wholeParam(raw: string | undefined, fallback: number, min: number, max: number): number {
  const asked = raw === undefined || raw === '' ? fallback : Number(raw);
  return Math.min(max, Math.max(min, Number.isFinite(asked) ? Math.round(asked) : fallback));
}

/** `/api/stats`: the metrics' recent history, and whether the app serves the trial page the dashboard links to. */
export type DashboardStats = Stats & { readonly trial: boolean };

export function monitoringRoutes(metrics: Metrics, access: OperatorAccess, trial: boolean): Hono {
  const routes = new Hono();
  const guard = operatorOnly(access);

  routes.get('/metrics', guard, async (c) => {
    const { contentType, body } = await metrics.exposition();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });

  routes.get('/api/stats', guard, (c) => {
    c.header('Cache-Control', 'no-store');
    // ?minutes= from 1 to the history's hour (30 by default); ?step= seconds per point, 10 to 600.
    const windowMs = wholeParam(c.req.query('minutes'), 30, 1, RETENTION_MS / 60_000) * 60_000;
    const stepMs = wholeParam(c.req.query('step'), BUCKET_MS / 1000, BUCKET_MS / 1000, 600) * 1000;
    const stats: DashboardStats = { ...metrics.stats({ windowMs, stepMs }), trial };
    return c.json(stats);
  });

  return routes;
}

/** What the app's handlers leave on the context for the access log, read here for the metrics. */
export interface RecordedVariables {
  readonly site?: { readonly siteKey: string };
  readonly outcome?: string;
  readonly providerId?: string;
  readonly limited?: string;
  readonly answered?: string;
}

/**
 * The code a request was answered with: the outcome the handler set when it answered normally (a result code,
 * or siteverify's verdict), else the code of the refusal. Only an answer nobody named (a 404, a 500) has its
 * body read.
 */
function namedCode(res: Response, vars: RecordedVariables, error: unknown): string | undefined {
  if (res.ok && vars.outcome !== undefined) return vars.outcome;
  if (vars.answered !== undefined) return vars.answered;
  if (error instanceof ApiError) return error.code;
  return undefined;
}

async function codeInBody(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { code?: unknown; errors?: unknown };
    if (typeof body.code === 'string') return body.code;
    if (Array.isArray(body.errors) && typeof body.errors[0] === 'string') return body.errors[0];
  } catch {
    // not JSON: fall through to the status
  }
  return `HTTP_${res.status}`;
}

/**
 * Records an answered verify or siteverify request into `metrics` (other routes are not counted). Synchronous
 * for every answer the proxy built itself; only an unnamed answer waits for its body to be read.
 */
export function recordRequest(metrics: Metrics, route: ApiRoute | undefined, res: Response, vars: RecordedVariables, error: unknown, seconds: number): void | Promise<void> {
  if (!route) return;
  const record = (code: string) =>
    metrics.request({ route, status: res.status, code, site: vars.site?.siteKey, provider: vars.providerId, limit: vars.limited, seconds });
  const code = namedCode(res, vars, error);
  if (code !== undefined) return record(code);
  return codeInBody(res).then(record);
}
