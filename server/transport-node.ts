// The Node transport for upstream calls: undici's pooled keep-alive Agent behind the fetch-like `Transport` the app uses.
import { Agent } from 'undici';
import type { Transport, TransportResponse } from './providers/types.js';

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
  /** Largest answer body read, in bytes. */
  readonly maxResponseBytes?: number;
}

export interface NodeTransport extends Transport {
  /** Closes every pooled connection; calls fail afterwards. */
  close(): Promise<void>;
}

type Method = 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
const methods: ReadonlySet<string> = new Set<Method>(['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
/** Statuses whose Response cannot carry a body. */
const bodiless: ReadonlySet<number> = new Set([204, 205, 304]);

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
  readonly signal: AbortSignal | null;
}

/** The parts of a call given as a URL and an init, the way providers make them: read without waiting. */
function partsOf(input: string | URL, init: RequestInit, request: Request | null = null, requestBody: string | null = null): RequestParts {
  const url = input instanceof URL ? input : parsedUrl(input);
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  if (!methods.has(method)) throw new TypeError(`unsupported method ${method}`);
  const headers = headerRecord(init.headers ?? request?.headers);
  const rawBody = init.body ?? requestBody;
  if (rawBody !== null && typeof rawBody !== 'string') throw new TypeError('the Node transport sends string bodies only');
  return { url, method: method as Method, headers, body: rawBody, signal: init.signal ?? request?.signal ?? null };
}

/** The parts of a call given as a Request, whose body has to be read first. */
async function partsOfRequest(request: Request, init: RequestInit): Promise<RequestParts> {
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
          if (rawHeaders[i]!.toString('latin1').toLowerCase() === wanted) values.push(rawHeaders[i + 1]!.toString('latin1'));
        }
        return values.length === 0 ? null : values.join(', ');
      },
    },
    text: async () => body,
  };
}

/** An AbortSignal's reason as the error a call fails with. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const maxResponseBytes = options.maxResponseBytes ?? 256 * 1024;
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 1500 },
    // Provider timeouts (AbortSignal) decide; these only stop a connection from hanging forever.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });

  /**
   * One call through undici's dispatcher with a handler of its own: the answer is collected as it arrives,
   * without the stream object and body mixin `agent.request` puts around every answer. The whole body is read
   * before the call resolves, so that a reset mid-answer fails this call rather than a later read.
   */
  function call(url: URL, method: Method, headers: Record<string, string>, body: string | null, signal: AbortSignal | null): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      let abort: ((reason: Error) => void) | undefined;
      let settled = false;
      let status = 0;
      let rawHeaders: Buffer[] = [];
      const chunks: Buffer[] = [];
      let size = 0;
      const onAbort = () => abort?.(abortReason(signal!));
      const finish = (error: Error | null, answer?: TransportResponse) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(answer!);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      agent.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body },
        {
          onConnect(abortCall: (reason: Error) => void) {
            abort = abortCall;
            if (signal?.aborted) abortCall(abortReason(signal));
          },
          onHeaders(statusCode: number, raw: Buffer[]) {
            status = statusCode;
            rawHeaders = raw;
            return true;
          },
          onData(chunk: Buffer) {
            size += chunk.length;
            if (size > maxResponseBytes) {
              abort?.(new Error(`answer larger than ${maxResponseBytes} bytes`));
              return false;
            }
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            const text = bodiless.has(status) ? '' : utf8.decode(Buffer.concat(chunks, size));
            finish(null, answerOf(status, rawHeaders, text));
          },
          onError(error: Error) {
            finish(error);
          },
        },
      );
    });
  }

  const send = ({ url, method, headers, body, signal }: RequestParts) => call(url, method, headers, body, signal);

  async function transport(input: RequestInfo | URL, init: RequestInit = {}): Promise<TransportResponse> {
    return send(input instanceof Request ? await partsOfRequest(input, init) : partsOf(input, init));
  }

  return Object.assign(transport, { close: () => agent.close() });
}
