// A real HTTP upstream on 127.0.0.1 for tests: answers like a vendor from the sandbox directory, or fails on demand.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ResultCode, resultMessages, type ResultCode as Code } from '../../widget/codes.js';
import type { AdapterName } from '../../server/providers/adapters.js';
import { createHttpProvider } from '../../server/providers/http.js';
import type { Provider, Transport } from '../../server/providers/types.js';
import { sandboxDirectory } from '../../server/providers/sandbox-directory.js';
import { createNodeTransport, type NodeTransport } from '../../server/transport-node.js';
import { afterEach, beforeEach } from 'vitest';

/** How the next answers go wrong; `null` answers normally. */
export type Fault =
  /**
   * A bare error status with these `headers` (a Retry-After, say), after `delayMs` if given; with `bodyDelayMs`, the
   * headers go at once and the short body that many ms later.
   */
  | { readonly kind: 'status'; readonly status: number; readonly delayMs?: number; readonly headers?: Readonly<Record<string, string>>; readonly bodyDelayMs?: number }
  /** An HTML error page, as a gateway in front of the vendor sends it. */
  | { readonly kind: 'html'; readonly status?: number }
  /** `application/json` that is not JSON (cut off mid-way). */
  | { readonly kind: 'malformed-json' }
  /** The request is read, then the connection is reset before any byte of the answer. */
  | { readonly kind: 'reset' }
  /** The normal answer, after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** The request is read and never answered. */
  | { readonly kind: 'no-answer' }
  /** The normal answer, preceded by a UTF-8 byte-order mark, as some vendors' stacks write JSON. */
  | { readonly kind: 'bom' }
  /** This JSON body, whatever was asked (for vendor codes), labelled `contentType` if given (a PHP gateway says text/html). */
  | { readonly kind: 'json'; readonly body: unknown; readonly status?: number; readonly contentType?: string }
  /** A JSON answer of `bytes` bytes, streamed without a Content-Length (chunked), as a runaway upstream sends it. */
  | { readonly kind: 'huge'; readonly bytes: number }
  /** Headers that declare a Content-Length of `bytes`, then one byte of the body, and nothing more. */
  | { readonly kind: 'declared'; readonly bytes: number }
  /**
   * The normal answer gzipped unless the request's Accept-Encoding rules gzip out: a request without one accepts any
   * coding (RFC 9110, 12.5.3), and some gateways take it at its word.
   */
  | { readonly kind: 'gzip' }
  /** Headers with this status at once, then a body that trickles in, a byte every 50 ms, and never ends. */
  | { readonly kind: 'trickle'; readonly status: number };

export interface RecordedRequest {
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>/verify`. */
  readonly url: string;
  /** Requests received (whatever became of them). */
  readonly calls: number;
  /** TCP connections accepted: shows keep-alive reuse. */
  readonly connections: number;
  /** TCP connections open now: shows a call given up was closed. */
  readonly open: number;
  /** Answers over, whole or cut off: a call answered at its headers may still have its body under way. */
  readonly answered: number;
  readonly requests: readonly RecordedRequest[];
  /** Sets the fault for the answers that follow; `times` limits it to the next that many requests. */
  fail(fault: Fault | null, times?: number): void;
  close(): Promise<void>;
}

export interface MockUpstreamOptions {
  /** Which vendor's dialect to speak. */
  readonly dialect?: AdapterName;
}

const registered = new Map(sandboxDirectory.map((entry) => [entry.phoneNumber, entry.name]));

function verdict(phoneNumber: string, name: string): Code {
  const owner = registered.get(phoneNumber);
  if (owner === undefined) return ResultCode.notFound;
  return owner === name ? ResultCode.match : ResultCode.mismatch;
}

const tencentResult: Record<Code, string> = { FP00000: '0', FP03333: '1', KYC1101: '-1' };
const aliyunResult: Record<Code, number> = { FP00000: 1, FP03333: 0, KYC1101: 2 };

/** The normal answer of each dialect for a request body. */
function answerFor(dialect: AdapterName, body: Record<string, unknown>): unknown {
  switch (dialect) {
    case 'tencent': {
      const code = verdict(String(body.Mobile), String(body.Name));
      return { Response: { Result: tencentResult[code], Description: resultMessages[code], RequestId: 'mock-request' } };
    }
    case 'aliyun': {
      const code = verdict(String(body.InputNumber), String(body.Name));
      return { Code: 'OK', Message: 'OK', RequestId: 'mock-request', Data: { IsConsistent: aliyunResult[code], BasicCarrier: '中国移动' } };
    }
    case 'standard': {
      const code = verdict(String(body.phoneNumber), String(body.name));
      return { code, message: resultMessages[code], idData: { certType: 'ID_CARD', secretIdField: 'raw-id-data' }, mobData: { isp: 'mock', rawMobField: 'raw-mob-data' } };
    }
  }
}

function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch {
        resolve({});
      }
    });
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const dialect = options.dialect ?? 'standard';
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let connections = 0;
  let answered = 0;
  let fault: Fault | null = null;
  let faultsLeft = Infinity;

  function nextFault(): Fault | null {
    if (fault === null) return null;
    const current = fault;
    faultsLeft -= 1;
    if (faultsLeft <= 0) fault = null;
    return current;
  }

  /** Runs `then` in `ms`, unless the answer is over by then; the timer goes with close(). */
  const later = (response: ServerResponse, ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!response.destroyed) then();
    }, ms);
    timers.add(timer);
  };

  const server = createServer(async (request, response) => {
    response.on('close', () => (answered += 1));
    const body = await readBody(request);
    requests.push({ authorization: request.headers.authorization, body });
    const current = nextFault();
    switch (current?.kind) {
      case undefined:
        return sendJson(response, 200, answerFor(dialect, body));
      case 'status': {
        const text = 'Internal Server Error';
        const answer = () => {
          response.writeHead(current.status, { 'content-type': 'text/plain', 'content-length': String(text.length), ...current.headers });
          if (current.bodyDelayMs === undefined) return void response.end(text);
          response.flushHeaders();
          later(response, current.bodyDelayMs, () => response.end(text));
        };
        if (current.delayMs === undefined) return answer();
        return later(response, current.delayMs, answer);
      }
      case 'html':
        response.writeHead(current.status ?? 200, { 'content-type': 'text/html; charset=utf-8' });
        return response.end('<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
      case 'malformed-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end('{"code":"FP00000","message":"SUCC');
      case 'reset':
        return request.socket.resetAndDestroy();
      case 'slow':
        return later(response, current.delayMs, () => sendJson(response, 200, answerFor(dialect, body)));
      case 'no-answer':
        return;
      case 'bom':
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        return response.end(`\uFEFF${JSON.stringify(answerFor(dialect, body))}`);
      case 'json':
        return sendJson(response, current.status ?? 200, current.body, current.contentType);
      case 'huge': {
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = ' '.repeat(16 * 1024);
        for (let sent = 0; sent < current.bytes && !response.destroyed; sent += chunk.length) response.write(chunk);
        return response.end('{}');
      }
      case 'gzip': {
        const json = JSON.stringify(answerFor(dialect, body));
        const accepted = request.headers['accept-encoding'];
        if (accepted !== undefined && !/\bgzip\b/i.test(accepted)) return sendJson(response, 200, answerFor(dialect, body));
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
        return response.end(gzipSync(json));
      }
      case 'trickle': {
        response.writeHead(current.status, { 'content-type': 'text/html; charset=utf-8' });
        response.write('<');
        const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write(' ')), 50);
        timers.add(timer);
        return;
      }
      case 'declared': {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(current.bytes) });
        return void response.write('{');
      }
    }
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/verify`,
    get calls() {
      return requests.length;
    },
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    get answered() {
      return answered;
    },
    requests,
    fail(next, times = Infinity) {
      fault = next;
      faultsLeft = times;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HandshakeReset {
  /** An `https://` URL whose listener resets the connection on the TLS ClientHello, as a middlebox does. */
  readonly url: string;
  /** Connections it reset: each reached it, and none carried a request. */
  readonly resets: number;
  close(): Promise<void>;
}

/** A listener that resets every TLS handshake: the request behind it is never written. */
export async function handshakeReset(): Promise<HandshakeReset> {
  let resets = 0;
  const server = createNetServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      resets += 1;
      socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/verify`,
    get resets() {
      return resets;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A URL on 127.0.0.1 where nothing listens: connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/verify`;
}

export interface BlackHole {
  /** A URL where connecting hangs: the listener's queue is full and its process stopped, so SYNs go unanswered. */
  readonly url: string;
  close(): void;
}

/** A listener that never completes a connection: a provider behind a firewall that drops packets. */
export async function blackHole(): Promise<BlackHole> {
  const listener = spawn(
    process.execPath,
    ['-e', "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => { process.stdout.write(s.address().port + '\\n'); process.kill(process.pid, 'SIGSTOP'); });"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let port: number;
  try {
    const [chunk] = (await once(listener.stdout, 'data')) as [Buffer];
    port = Number(String(chunk).trim());
  } catch (error) {
    listener.kill('SIGKILL');
    throw error;
  }
  // Connections that fill the accept queue of the stopped process: the kernel drops every SYN after them (unless
  // net.ipv4.tcp_abort_on_overflow is set, which resets them instead; it is off by default).
  const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    url: `http://127.0.0.1:${port}/verify`,
    close() {
      for (const filler of fillers) filler.destroy();
      listener.kill('SIGKILL');
    },
  };
}

export interface MockProviderOptions {
  readonly id: string;
  readonly transport: Transport;
  readonly adapter?: AdapterName;
  readonly weight?: number;
  readonly timeoutMs?: number;
}

/** A real HTTP provider pointed at a mock upstream, its key `key-<id>`. */
export function providerFor(upstream: Pick<MockUpstream, 'url'>, options: MockProviderOptions): Provider {
  return createHttpProvider({ url: upstream.url, key: `key-${options.id}`, ...options });
}

/**
 * A fresh mock vendor and Node transport for each test of the calling suite, closed after it; `use` receives
 * them before each test.
 */
export function eachVendorAndTransport(use: (vendor: MockUpstream, transport: NodeTransport) => void): void {
  let vendor: MockUpstream | undefined;
  let transport: NodeTransport | undefined;
  beforeEach(async () => {
    transport = createNodeTransport();
    vendor = await startMockUpstream();
    use(vendor, transport);
  });
  afterEach(async () => {
    await Promise.all([vendor?.close(), transport?.close()]);
  });
}
