// The Node transport for upstream calls: undici's pooled keep-alive Agent behind the fetch-like `Transport` the app uses.
import { Agent } from 'undici';
import { ANSWER_TOO_LARGE, callControlKey, DISCARD_MAX_BYTES, DISCARD_MAX_MS, MAX_ANSWER_BYTES, readsCallControl, REQUEST_NOT_SENT, type CallControl, type Transport, type TransportInit, type TransportResponse } from './providers/types.js';

export interface NodeTransportOptions {
  /** Most open connections per upstream origin. */
  readonly connections?: number;
  /** How long an idle connection is kept for the next call, in ms (a server's Keep-Alive hint may shorten it). */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Longest wait for a connection, in ms. Shorter than provider timeouts on purpose: a failed connect proves
   * the call never reached the vendor, so the router may fail over for free.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Largest answer body read, in bytes; the providers' own limit (MAX_ANSWER_BYTES) when absent. Over it, the call
   * fails with code ANSWER_TOO_LARGE at once: read further, an answer the provider refuses anyway could hold the
   * call until its timeout.
   */
  readonly maxResponseBytes?: number;
  /**
   * How much of the body of an answer outside 2xx is read after the call has its status (all a provider reads of
   * it), in bytes and ms, so that its connection serves the next call; DISCARD_MAX_BYTES and DISCARD_MAX_MS when
   * absent. A body that is larger, or not over by then, has its connection closed instead.
   */
  readonly discardBytes?: number;
  readonly discardMs?: number;
}

export interface NodeTransport extends Transport {
  /** Ends the calls under way and closes every pooled connection; calls fail afterwards. */
  close(): Promise<void>;
}

type Method = 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
const methods: ReadonlySet<string> = new Set<Method>(['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
/** Statuses whose Response cannot carry a body. */
const bodiless: ReadonlySet<number> = new Set([204, 205, 304]);

/** The Content-Length an answer's raw headers declare, or 0 when they declare none (chunked, or read to the close). */
function declaredLength(raw: readonly Buffer[]): number {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === 14 && raw[i]!.toString('latin1').toLowerCase() === 'content-length') return Number(raw[i + 1]!.toString('latin1')) || 0;
  }
  return 0;
}

const urls = new Map<string, URL>();

/** Decodes answers as fetch and undici's body.text() do: UTF-8, a leading byte-order mark dropped. */
const utf8 = new TextDecoder('utf-8');

/** Provider URLs are few and fixed: parse each once. */
function parsedUrl(raw: string): URL {
  let url = urls.get(raw);
  if (!url) {
    url = new URL(raw);
    if (urls.size < 64) urls.set(raw, url);
  }
  return url;
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (headers === undefined) return {};
  // The providers pass a plain record; anything else goes through Headers to be read the standard way.
  if (!(headers instanceof Headers) && !Array.isArray(headers)) return headers as Record<string, string>;
  const record: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

interface RequestParts {
  readonly url: URL;
  readonly method: Method;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  /** How the call learns it was given up: the provider's CallControl when it passed one, else the signal. */
  readonly cancel: CallControl | AbortSignal | null;
}

/** The parts of a call given as a URL and an init, the way providers make them: read without waiting. */
function partsOf(input: string | URL, init: TransportInit, request: Request | null = null, requestBody: string | null = null): RequestParts {
  const url = input instanceof URL ? input : parsedUrl(input);
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  if (!methods.has(method)) throw new TypeError(`unsupported method ${method}`);
  const headers = headerRecord(init.headers ?? request?.headers);
  const rawBody = init.body ?? requestBody;
  if (rawBody !== null && typeof rawBody !== 'string') throw new TypeError('the Node transport sends string bodies only');
  // The CallControl spares an AbortController per call; the signal is read only when there is none.
  const cancel = init[callControlKey] ?? init.signal ?? request?.signal ?? null;
  return { url, method: method as Method, headers, body: rawBody, cancel };
}

/** The parts of a call given as a Request, whose body has to be read first. */
async function partsOfRequest(request: Request, init: TransportInit): Promise<RequestParts> {
  const method = (init.method ?? request.method).toUpperCase();
  const body = init.body === undefined && method !== 'GET' && method !== 'HEAD' ? await request.text() : null;
  return partsOf(new URL(request.url), init, request, body);
}

/** The answer as providers read it: status, headers looked up by name when asked, and the body in hand. */
function answerOf(status: number, rawHeaders: readonly Buffer[], body: string): TransportResponse {
  return {
    status,
    headers: {
      get(name) {
        const wanted = name.toLowerCase();
        const values: string[] = [];
        for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
          const raw = rawHeaders[i]!;
          // Only a name of the same length is turned into text: most are not.
          if (raw.length === wanted.length && raw.toString('latin1').toLowerCase() === wanted) values.push(rawHeaders[i + 1]!.toString('latin1'));
        }
        return values.length === 0 ? null : values.join(', ');
      },
    },
    text: async () => body,
  };
}

/** Why a call was given up, as the error it fails with: an AbortSignal's reason, or an AbortError. */
function abortReason(cancel: CallControl | AbortSignal): Error {
  const reason: unknown = cancel instanceof AbortSignal ? cancel.reason : undefined;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Listens for the end of a call: on the CallControl when there is one (no listener to remove), else on the signal. */
function listen(cancel: CallControl | AbortSignal, onAbort: () => void): (() => void) | undefined {
  if (!(cancel instanceof AbortSignal)) {
    cancel.onAbort(onAbort);
    return undefined;
  }
  cancel.addEventListener('abort', onAbort, { once: true });
  return () => cancel.removeEventListener('abort', onAbort);
}

/** The calls under way to one upstream origin, and those waiting for one of its connections, first come first. */
interface Lane {
  active: number;
  readonly waiting: (() => void)[];
}

/**
 * The transport for upstream calls on Node. As a provider reads answers: a 2xx answer comes with its whole body,
 * any other with its status and headers alone, its body empty (see `call`).
 */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const maxResponseBytes = options.maxResponseBytes ?? MAX_ANSWER_BYTES;
  const discardBytes = options.discardBytes ?? DISCARD_MAX_BYTES;
  const discardMs = options.discardMs ?? DISCARD_MAX_MS;
  /** How to cut each body being discarded now, so that closing the transport need not wait for them. */
  const discarding = new Set<() => void>();
  const connections = options.connections ?? 128;
  const lanes = new Map<string, Lane>();
  const laneOf = (origin: string): Lane => {
    let lane = lanes.get(origin);
    if (!lane) lanes.set(origin, (lane = { active: 0, waiting: [] }));
    return lane;
  };
  /** Starts waiting calls while the origin has connections for them; one given up meanwhile just leaves the queue. */
  const startWaiting = (lane: Lane): void => {
    while (lane.active < connections) {
      const start = lane.waiting.shift();
      if (!start) return;
      start();
    }
  };
  const agent = new Agent({
    connections,
    // Under the 5 s after which many servers (Node's own among them) close an idle connection, often without saying
    // so: a call written on a connection the upstream is closing fails as a reset, which may have been billed.
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 1500 },
    // Provider timeouts (AbortSignal) decide; these only stop a connection from hanging forever.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });

  /**
   * One call through undici's dispatcher with a handler of its own: the answer is collected as it arrives,
   * without the stream object and body mixin `agent.request` puts around every answer. The whole body of a 2xx
   * answer is read before the call resolves, so that a reset mid-answer fails this call rather than a later read;
   * any other answer resolves at its headers with an empty body, and its body is discarded as it comes (see
   * `discardBytes`). The call keeps its place among the origin's connections until undici is done with it.
   *
   * No more calls are handed to undici than an origin has connections: the others wait here, `waiting`, where one
   * given up (its timeout passed, or too late to be sent: see the router's SEND_BY) leaves without a trace. Handed
   * to undici to wait in its own queue, such a call could only be dropped once it had a connection, and dropping
   * it there closes that connection.
   */
  function call(url: URL, method: Method, headers: Record<string, string>, body: string | null, cancel: CallControl | AbortSignal | null): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (cancel?.aborted) return reject(abortReason(cancel));
      let abort: ((reason: Error) => void) | undefined;
      let settled = false;
      let status = 0;
      let rawHeaders: Buffer[] = [];
      const chunks: Buffer[] = [];
      let size = 0;
      let dispatched = false;
      /** Set while the body of an answer outside 2xx is discarded, the call already answered: how to cut it. */
      let cutDiscard: (() => void) | undefined;
      let discardTimer: ReturnType<typeof setTimeout> | undefined;
      /** Gives the call up as malformed: its answer is, or says it will be, larger than an answer may be. */
      const tooLarge = (): false => {
        abort?.(Object.assign(new Error(`answer larger than ${maxResponseBytes} bytes`), { code: ANSWER_TOO_LARGE }));
        return false;
      };
      const origin = url.origin;
      const lane = laneOf(origin);
      const finish = (error: Error | null, answer?: TransportResponse) => {
        if (settled) return;
        settled = true;
        unlisten?.();
        if (error) reject(error);
        else resolve(answer!);
      };
      /** undici is done with the call: its connection is free (or closed), and a waiting call may start. */
      const done = (error: Error | null, answer?: TransportResponse) => {
        if (cutDiscard) {
          clearTimeout(discardTimer);
          discarding.delete(cutDiscard);
          cutDiscard = undefined;
        }
        lane.active -= 1;
        startWaiting(lane);
        finish(error, answer);
      };
      /**
       * Reads the rest of an answer outside 2xx, already handed over, only to keep its connection: closed instead if
       * its body says it is larger than `discardBytes`, grows past them, or is not over within `discardMs`.
       */
      const discard = (raw: readonly Buffer[]): boolean => {
        const cut = () => abort?.(new Error('body of an answer outside 2xx not read'));
        if (declaredLength(raw) > discardBytes) {
          cut();
          return false;
        }
        size = 0;
        cutDiscard = cut;
        discarding.add(cut);
        discardTimer = setTimeout(cut, discardMs);
        return true;
      };
      // Given up while it waits here, a call just ends; once handed to undici, undici ends it. Once answered, it is
      // no longer the caller's to give up (a body being discarded has its own limits).
      const onAbort = () => settled || (abort ? abort(abortReason(cancel!)) : dispatched || finish(abortReason(cancel!)));
      const unlisten = cancel ? listen(cancel, onAbort) : undefined;
      // undici writes a request once it has a connection for it, and calls onConnect just before: until then the
      // call is only waiting to connect, and has not reached the vendor.
      const control = cancel instanceof AbortSignal ? null : cancel;
      const start = () => {
        // Given up while it waited (it has ended), or by the CallControl as it leaves the queue, too late to be
        // answered in time.
        if (cancel?.aborted) return;
        control?.progress?.('connecting');
        if (cancel?.aborted) return;
        dispatched = true;
        lane.active += 1;
        agent.dispatch(
          { origin, path: `${url.pathname}${url.search}`, method, headers, body },
          {
            onConnect(abortCall: (reason: Error) => void) {
              abort = abortCall;
              if (cancel?.aborted) abortCall(abortReason(cancel));
              else control?.progress?.('sent');
            },
            onHeaders(statusCode: number, raw: Buffer[]) {
              // A final answer outside 2xx is read by its status alone (a provider never reads its body): handed
              // over now, not held for a body that may trickle until the timeout, which would make a call the vendor
              // refused, free to try elsewhere, a timeout that may have been billed. Its body is then discarded as it
              // comes, so that a run of 429s does not pay a new connection (a TLS handshake) each.
              if (statusCode >= 300) {
                finish(null, answerOf(statusCode, raw, ''));
                return discard(raw);
              }
              status = statusCode;
              rawHeaders = raw;
              // An answer that says it is too large is given up now, not once its bytes have trickled in.
              if (!bodiless.has(statusCode) && declaredLength(raw) > maxResponseBytes) return tooLarge();
              return true;
            },
            onData(chunk: Buffer) {
              size += chunk.length;
              if (cutDiscard) {
                if (size <= discardBytes) return true;
                cutDiscard();
                return false;
              }
              if (size > maxResponseBytes) return tooLarge();
              chunks.push(chunk);
              return true;
            },
            onComplete() {
              // A discarded body: the call was answered at its headers.
              if (cutDiscard) return done(null);
              const text = bodiless.has(status) ? '' : utf8.decode(Buffer.concat(chunks, size));
              done(null, answerOf(status, rawHeaders, text));
            },
            onError(error: Error) {
              // undici calls onConnect just before it writes the request: an error before it (a TLS handshake
              // reset or refused, which Node names no differently from a reset mid-call) left nothing sent.
              done(abort ? error : Object.assign(new Error('the request was not sent', { cause: error }), { code: REQUEST_NOT_SENT }));
            },
          },
        );
      };
      if (lane.active < connections) return start();
      control?.progress?.('waiting');
      lane.waiting.push(start);
    });
  }

  const send = ({ url, method, headers, body, cancel }: RequestParts) => call(url, method, headers, body, cancel);

  async function transport(input: string | URL | Request, init: TransportInit = {}): Promise<TransportResponse> {
    return send(input instanceof Request ? await partsOfRequest(input, init) : partsOf(input, init));
  }

  /**
   * Cuts the bodies still being discarded (the calls they came with are answered) and ends the calls still under
   * way, then closes the pool. A stopping proxy has answered its requests by then: what is left is a call kept going
   * past its timeout for a late answer (see callWithTimeout), which a stop does not wait for.
   */
  function close(): Promise<void> {
    for (const cut of [...discarding]) cut();
    return agent.destroy();
  }

  return Object.assign(transport, { close, [readsCallControl]: true as const });
}
