// The Node transport for upstream calls: undici's pooled keep-alive Agent behind the fetch-like `Transport` the app uses.
import { Agent } from 'undici';
import type { Transport } from './providers/types.js';

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

async function requestParts(input: RequestInfo | URL, init: RequestInit = {}) {
  const request = input instanceof Request ? input : null;
  const url = new URL(request ? request.url : String(input));
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  if (!methods.has(method)) throw new TypeError(`unsupported method ${method}`);
  const headers: Record<string, string> = {};
  new Headers(init.headers ?? request?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const rawBody = init.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.text() : null);
  if (rawBody !== null && typeof rawBody !== 'string') throw new TypeError('the Node transport sends string bodies only');
  return { url, method: method as Method, headers, body: rawBody, signal: init.signal ?? request?.signal ?? null };
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
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

  async function transport(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const { url, method, headers, body, signal } = await requestParts(input, init);
    const answer = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body, signal });
    // The whole body is read here, so that a reset mid-answer fails this call rather than a later read.
    const bytes = await answer.body.arrayBuffer();
    const status = answer.statusCode;
    return new Response(bodiless.has(status) ? null : bytes, { status, statusText: answer.statusText, headers: responseHeaders(answer.headers) });
  }

  return Object.assign(transport, { close: () => agent.close() });
}
