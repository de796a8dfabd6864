// Posts a checked name and number to the proxy and turns whatever comes back into one outcome.
import { errorStatus, isResultCode, isRetryable, ResultCode, type ErrorCode } from './codes.js';
import type { ErrorDetail, InvalidDetail, RateLimit, ResultDetail, VerifiedDetail } from './events.js';
import { carrierIds, type CarrierId } from './carriers.js';
import { messages } from './locales.js';
import type { VerifyRequest } from './validation.js';

/** What one verification attempt ended in: the status the widget takes, and the detail of its event. */
export type Outcome =
  | { readonly status: 'verified'; readonly detail: VerifiedDetail }
  | { readonly status: 'mismatch'; readonly detail: ResultDetail<'FP03333'> }
  | { readonly status: 'not-found'; readonly detail: ResultDetail<'KYC1101'> }
  | { readonly status: 'invalid'; readonly detail: InvalidDetail }
  | {
      readonly status: 'error';
      readonly detail: ErrorDetail;
      /**
       * For `INVALID_NAME` and `INVALID_PHONE`: the field the proxy refused and why, when it says so in words this
       * widget has. A proxy a version apart may refuse what this widget's own check let through.
       */
      readonly refused?: InvalidDetail;
    };

interface ResultBody {
  code: string;
  message?: string;
  reason?: unknown;
  limit?: unknown;
  token?: unknown;
  carrier?: unknown;
  phoneMasked?: unknown;
}

const errorCodes = new Set(Object.keys(errorStatus));

/**
 * What an answer that is not the proxy's means, from its status alone: a load balancer, CDN or API gateway in
 * front of the proxy answers these itself, as text, HTML or JSON of its own shape.
 */
const statusCodes: Partial<Record<number, ErrorCode>> = { 429: 'RATE_LIMITED', 502: 'UPSTREAM_ERROR', 503: 'SERVICE_UNAVAILABLE', 504: 'UPSTREAM_TIMEOUT' };

/** The outcome of an answer that is not the proxy's: the error its status names, else BAD_RESPONSE. */
function foreignOutcome(response: Response, message: string): Outcome {
  const code = statusCodes[response.status];
  return code ? errorOutcome(code, message, retryAfterOf(response)) : errorOutcome('BAD_RESPONSE', message);
}

/** The limits a proxy's 429 may name. */
const limits: readonly unknown[] = ['ip', 'number', 'name', 'site'] satisfies RateLimit[];

/** An `error` outcome; retryable as its code says. */
export function errorOutcome(code: ErrorDetail['code'], message: string, retryAfter?: number, refused?: InvalidDetail, limit?: unknown): Outcome {
  const detail: ErrorDetail = { code, message, retryable: isRetryable(code) };
  const outcome = {
    status: 'error',
    detail: { ...detail, ...(retryAfter === undefined ? {} : { retryAfter }), ...(limits.includes(limit) ? { limit: limit as RateLimit } : {}) },
  } as const;
  return refused ? { ...outcome, refused } : outcome;
}

/**
 * The outcome of an attempt cancelled by the page (`reset()`, `fill()`, the element taken out of the page). The
 * one wording of it, for the event and the promise alike.
 */
export function cancelledOutcome(): Outcome {
  return errorOutcome('ABORTED', 'The verification was cancelled');
}

/** The longest wait honoured, 7 days (the proxy's longest window): a gateway's nonsense must not lock the widget for years. */
const MAX_RETRY_AFTER = 604_800;

/**
 * `Retry-After` in seconds, from either of its forms, the first where a gateway added its own: a number of seconds,
 * or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`) counted from the answer's own `Date` where the page may read
 * it, so that a device clock that is off does not stretch the wait.
 */
function retryAfterOf(response: Response): number | undefined {
  const [, delay, date] = /^\s*(?:(\d+)|(\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT))\s*(,|$)/.exec(response.headers.get('retry-after') ?? '') ?? [];
  const sent = Date.parse(response.headers.get('date') ?? '') || Date.now();
  const seconds = delay ? Number(delay) : date ? (Date.parse(date) - sent) / 1000 : 0;
  return seconds > 0 ? Math.ceil(Math.min(seconds, MAX_RETRY_AFTER)) : undefined;
}

/** An operator this widget does not know yet (a newer proxy) is shown as none. */
function knownCarrier(carrier: unknown): CarrierId | null {
  return (carrierIds as readonly unknown[]).includes(carrier) ? (carrier as CarrierId) : null;
}

function resultOutcome(body: ResultBody): Outcome | null {
  const message = typeof body.message === 'string' ? body.message : '';
  switch (body.code) {
    case ResultCode.match:
      // An empty token is none: the element would say verified while its form stayed invalid and sent nothing.
      if (typeof body.token !== 'string' || !body.token) return null;
      return {
        status: 'verified',
        detail: { code: ResultCode.match, message, token: body.token, carrier: knownCarrier(body.carrier), phoneMasked: typeof body.phoneMasked === 'string' ? body.phoneMasked : '' },
      };
    case ResultCode.mismatch:
      return { status: 'mismatch', detail: { code: ResultCode.mismatch, message } };
    case ResultCode.notFound:
      return { status: 'not-found', detail: { code: ResultCode.notFound, message } };
    default:
      return null;
  }
}

/**
 * The field a proxy's `INVALID_NAME` or `INVALID_PHONE` refused and its reason, if this widget has words for that
 * reason (its messages are keyed by the reasons it knows).
 */
function refusedField(code: string, reason: unknown): InvalidDetail | undefined {
  const field = code === 'INVALID_NAME' ? 'name' : code === 'INVALID_PHONE' ? 'phone' : null;
  if (!field || typeof reason !== 'string' || !Object.hasOwn(messages.en[field], reason)) return undefined;
  return { field, reason } as InvalidDetail;
}

/** A request cancelled by the page, or one that got no whole answer: the proxy not reached, or too slow. */
function unreached(cause: unknown): Outcome {
  const aborted = cause instanceof DOMException && cause.name === 'AbortError';
  return aborted ? cancelledOutcome() : errorOutcome('NETWORK_ERROR', 'The verification service could not be reached');
}

/** Posts to the proxy. Never throws: a network failure or an unreadable answer is an `error` outcome. */
export async function postVerify(endpoint: string, body: VerifyRequest, signal: AbortSignal): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
      credentials: 'omit',
    });
  } catch (cause) {
    return unreached(cause);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    // A body that stopped coming until the wait ran out (or the page cancelled), or whose connection was cut, is no
    // answer, not a wrong one: only one read whole that is not JSON (a SyntaxError) is.
    if (signal.aborted) return unreached(signal.reason);
    return cause instanceof SyntaxError ? foreignOutcome(response, `The verification service answered HTTP ${response.status} without JSON`) : unreached(cause);
  }
  const parsed = typeof json === 'object' && json !== null ? (json as ResultBody) : null;
  if (response.ok && parsed && isResultCode(parsed.code)) {
    return resultOutcome(parsed) ?? errorOutcome('BAD_RESPONSE', 'The verification service answered without a token');
  }
  if (parsed && errorCodes.has(parsed.code)) {
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    return errorOutcome(parsed.code as ErrorCode, message, retryAfterOf(response), refusedField(parsed.code, parsed.reason), parsed.limit);
  }
  return foreignOutcome(response, `The verification service answered HTTP ${response.status}`);
}
