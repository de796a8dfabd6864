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

async function requestParts(input: RequestInfo | URL, init: RequestInit = {}) {
  const request = input instanceof Request ? input : null;
  const url = request ? new URL(request.url) : input instanceof URL ? input : parsedUrl(String(input));
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  if (!methods.has(method)) throw new TypeError(`unsupported method ${method}`);
  const headers = headerRecord(init.headers ?? request?.headers);
  const rawBody = init.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.text() : null);
  if (rawBody !== null && typeof rawBody !== 'string') throw new TypeError('the Node transport sends string bodies only');
  return { url, method: method as Method, headers, body: rawBody, signal: init.signal ?? request?.signal ?? null };
}

/** The answer as providers read it: status, headers by lower-case name, and the body already in hand. */
function answerOf(status: number, raw: Record<string, string | string[] | undefined>, body: string): TransportResponse {
  return {
    status,
    headers: {
      get(name) {
        const value = raw[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: async () => body,
  };
}

export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 1500 },
    // Provider timeouts (AbortSignal) decide; these only stop a connection from hanging forever.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    maxResponseSize: options.maxResponseBytes ?? 256 * 1024,
  });

  async function transport(input: RequestInfo | URL, init?: RequestInit): Promise<TransportResponse> {
    const { url, method, headers, body, signal } = await requestParts(input, init);
    const answer = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body, signal });
    // The whole body is read here, so that a reset mid-answer fails this call rather than a later read.
    const text = await answer.body.text();
    const status = answer.statusCode;
    return answerOf(status, answer.headers, bodiless.has(status) ? '' : text);
  }

  return Object.assign(transport, { close: () => agent.close() });
}
