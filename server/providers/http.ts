// A provider over HTTP: posts the pair in its vendor's dialect with the bearer key and reads the answer, naming each failure.
import { adapters, type AdapterName } from './adapters.js';
import { ANSWER_TOO_LARGE, callControlKey, DISCARD_MAX_BYTES, DISCARD_MAX_MS, MAX_ANSWER_BYTES, readsCallControl, REQUEST_NOT_SENT, UpstreamError, type CallControl, type Provider, type ProviderAnswer, type Transport, type TransportInit, type TransportResponse, type UpstreamFailure, type VerifyQuery } from './types.js';

export interface HttpProviderOptions {
  readonly id: string;
  readonly url: string;
  readonly key: string;
  readonly weight?: number;
  readonly timeoutMs?: number;
  /** Vendor dialect; `standard` (docs/providers.md) when absent. */
  readonly adapter?: AdapterName;
  /** False to exempt the provider from its circuit breaker (see Provider.breaker). */
  readonly breaker?: boolean;
  readonly transport: Transport;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** Error codes (Node, undici, a transport's own) raised before a connection existed: the request cannot have reached the vendor. */
const connectCodes = new Set([
  REQUEST_NOT_SENT,
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const { code } = current as Error & { code?: unknown };
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** A transport failure is `unreachable` when it provably happened while connecting, else a `reset` mid-call. */
function transportFailure(error: unknown): UpstreamFailure {
  return errorCodes(error).some((code) => connectCodes.has(code)) ? 'unreachable' : 'reset';
}

/**
 * 503 and 4xx say the vendor did not process the call; other 5xx say it failed while it may have. Of the 4xx, 400
 * and 422 refuse the request's content, a name or a number the vendor would not take: not the provider's ill health,
 * which input sent on purpose must not be able to fake (see `rejected`). A redirect is
 * never followed: a 303 after a POST says the call was processed and its answer is elsewhere (no answer of the
 * provider's shape, which may stand in for a billed one); any other sends the call elsewhere unprocessed.
 */
export function statusFailure(status: number): UpstreamFailure {
  if (status === 303) return 'malformed';
  if (status === 400 || status === 422) return 'rejected';
  return status >= 500 && status !== 503 ? 'server-error' : 'refused';
}

/**
 * How long a 429 or 503 asks not to be called again, in ms, from its `Retry-After` (seconds, or an HTTP date);
 * undefined when it does not say, or says something unreadable or already past. Other statuses' Retry-After is
 * no rest of the provider's (a redirect's, say).
 */
function retryAfterOf(response: TransportResponse): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * Lets go of the body of an answer the provider reads by its status alone, without waiting on it. A streaming body
 * (fetch's) is read to its end in the background while it keeps within DISCARD_MAX_BYTES and DISCARD_MAX_MS, which
 * keeps its keep-alive connection for the next call (a body cancelled before its end closes it); past them it is
 * cancelled. The Node transport hands over no body here: it does the same itself.
 */
function discard(response: TransportResponse): void {
  const { body } = response;
  if (!body) return;
  const release = () => void body.cancel().catch(() => undefined);
  if (Number(response.headers.get('content-length') ?? 0) > DISCARD_MAX_BYTES) return release();
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    return release();
  }
  let read = 0;
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), DISCARD_MAX_MS);
  const next = (): Promise<void> =>
    reader.read().then(({ done, value }) => {
      if (done) return clearTimeout(timer);
      read += value.byteLength;
      if (read <= DISCARD_MAX_BYTES) return next();
      clearTimeout(timer);
      return reader.cancel();
    });
  next().catch(() => clearTimeout(timer));
}

/** Whether a text takes more than MAX_ANSWER_BYTES in UTF-8; encoded only when its length leaves a doubt. */
function tooLarge(text: string): boolean {
  // A UTF-16 code unit takes one to three bytes in UTF-8.
  return text.length > MAX_ANSWER_BYTES || (text.length * 3 > MAX_ANSWER_BYTES && new TextEncoder().encode(text).byteLength > MAX_ANSWER_BYTES);
}

async function readBody(id: string, response: TransportResponse, call: CallControl): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new UpstreamError('malformed', id, `answer of ${declared} bytes is too large`);
  }
  try {
    const text = await response.text();
    if (tooLarge(text)) throw new UpstreamError('malformed', id, 'answer is too large');
    return text;
  } catch (cause) {
    if (cause instanceof UpstreamError) throw cause;
    if (call.aborted) throw new UpstreamError('timeout', id, 'answer did not finish before the timeout');
    throw new UpstreamError(transportFailure(cause), id, 'connection broke while reading the answer');
  }
}

function parseAnswer(id: string, response: TransportResponse, text: string): unknown {
  if (/^\s*</.test(text)) throw new UpstreamError('malformed', id, 'answer is an HTML page');
  // The body decides, not its type: a PHP gateway labels every answer text/html, its verdicts in JSON included, and
  // refusing one of those would throw away a billed verdict and pay another provider for it.
  try {
    return JSON.parse(text);
  } catch {
    const html = /text\/html/i.test(response.headers.get('content-type') ?? '');
    throw new UpstreamError('malformed', id, html ? 'answer is an HTML page' : 'answer is not JSON');
  }
}

/**
 * The request init of one upstream call to a transport that reads the CallControl (see `readsCallControl`). A
 * class so that `signal` is an accessor on its prototype, made only if read: on an object literal an accessor
 * is rebuilt on every call, at a cost of several microseconds.
 */
class UpstreamInit implements TransportInit {
  readonly method = 'POST';
  // A redirect is not followed: re-posting a paid call to another address is a decision, not a default.
  readonly redirect = 'manual';
  readonly [callControlKey]: CallControl;

  constructor(
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string,
    call: CallControl,
  ) {
    this[callControlKey] = call;
  }

  /** Read by a transport that takes a signal (an in-process one, a test's); the Node transport listens on the CallControl instead. */
  get signal(): AbortSignal {
    return this[callControlKey].signal;
  }
}

export function createHttpProvider(options: HttpProviderOptions): Provider {
  const { id, url, key, transport } = options;
  const adapterName = options.adapter ?? 'standard';
  const adapter = adapters[adapterName];
  // Identity said outright: a request without Accept-Encoding accepts any coding (RFC 9110, 12.5.3), and the Node
  // transport reads the answer as it comes; a gzipped verdict would be unreadable, and paid for again elsewhere.
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'accept-encoding': 'identity', authorization: `Bearer ${key}` };
  /** The init of one call: its signal made only if read, or, for fetch and other transports, given outright. */
  const initOf: (body: string, call: CallControl) => TransportInit =
    transport[readsCallControl] === true
      ? (body, call) => new UpstreamInit(headers, body, call)
      : (body, call) => ({ method: 'POST', headers, body, redirect: 'manual', signal: call.signal, [callControlKey]: call });

  /** Why the transport threw: the timeout, or a failure named by whether the request can have left. */
  function sendFailure(cause: unknown, call: CallControl): UpstreamError {
    if (call.aborted) return new UpstreamError('timeout', id, 'no answer before the timeout');
    if (errorCodes(cause).includes(ANSWER_TOO_LARGE)) return new UpstreamError('malformed', id, 'answer is too large');
    const failure = transportFailure(cause);
    return new UpstreamError(failure, id, failure === 'unreachable' ? 'could not connect' : 'connection broke before an answer');
  }

  return {
    id,
    adapter: adapterName,
    breaker: options.breaker ?? true,
    weight: options.weight ?? 1,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    async verify(query: VerifyQuery, call: CallControl): Promise<ProviderAnswer> {
      let response: TransportResponse;
      try {
        response = await transport(url, initOf(JSON.stringify(adapter.request(query)), call));
      } catch (cause) {
        throw sendFailure(cause, call);
      }
      if (response.status < 200 || response.status > 299) {
        discard(response);
        throw new UpstreamError(statusFailure(response.status), id, `HTTP ${response.status}`, response.status, retryAfterOf(response));
      }
      const text = await readBody(id, response, call);
      return adapter.read(id, parseAnswer(id, response, text));
    },
  };
}
