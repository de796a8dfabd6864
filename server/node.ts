// The Node entry: reads the environment, builds the app and serves it on PORT (8787 by default).
import { getRequestListener, RequestError, type ServerType } from '@hono/node-server';
import { createServer, ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { maskIp, parseIp, parseTrustProxy } from './client-ip.js';
import { ConfigError, unknownSettings, type AppConfig, type LogLine } from './config.js';
import { apiSecurityHeaders, jsonAnswer } from './answers.js';
import { apiError, type ApiError } from './errors.js';
import { printKeygen } from './keygen.js';
import { nodeAppConfig } from './node-setup.js';
import { SANDBOX_SITE, secretsOf } from './sites.js';
import type { StoreHealth } from './stores/types.js';

export interface RunningServer {
  readonly server: ServerType;
  readonly port: number;
  /** Where limits, used-token marks and the cache live: this process's memory, or the Redis of REDIS_URL. */
  readonly storeKind: 'memory' | 'redis';
  /** The address it listens on. */
  readonly host: string;
  /**
   * Whether a site with the public sandbox secret (the default test site) stands in front of billed providers:
   * anyone who reaches the port can spend them, and redeem the tokens. Outside production only (there it is refused).
   */
  readonly publicSiteBilled: boolean;
  /** Whether it listens on a loopback address (127.0.0.0/8, ::1), so that only this machine reaches it. */
  readonly loopbackOnly: boolean;
  /** The shared store's state now (Redis: up, down and why); undefined with state in memory. */
  storeHealth(): StoreHealth | undefined;
  close(): Promise<void>;
}

/**
 * How long a client has to send its whole request, headers and body, in ms. A name and a number take a few hundred
 * bytes; without this, a connection that trickles its body (or never ends it) holds a handler for Node's default
 * five minutes, before any limit has counted it. Such a client gets the proxy's JSON `408` `REQUEST_TIMEOUT` and
 * the connection closes.
 */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * How long `close()` lets the requests under way finish, in ms, before it cuts the connections still open: past
 * the provider timeout, short of the 30 s an orchestrator usually gives a stopping process before killing it.
 */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * How long, in ms, a connection may go without a byte moving either way before it is closed, unless the app is still
 * working on its request (an upstream call may take longer). The request timeout covers a client that stops sending;
 * this covers one that stops taking its answer: an answer the client does not read waits in the proxy for its
 * turn to be sent, and Node's other timeouts have all stopped by then, so that such a connection, and its file
 * descriptor, would be held for as long as the client liked. Twice the request timeout, so that a request still on
 * its way in gets its 408 first.
 */
const STALLED_FACTOR = 2;

/** How long after a stop begins a connection that has sent nothing is closed, in ms (see stopServing). */
const UNUSED_CONNECTION_MS = 200;

/**
 * A response whose `end()` is carried out at the end of the event loop's turn, with every other answer finished in
 * that turn, rather than at once. Under load a turn reads many requests, and each answer's write is a system call
 * that also wakes the client waiting for it: a reverse proxy or load balancer on the same host, on the loopback
 * interface, does that work in the same call. Sent together, one after the other, the writes find that client
 * already awake: on loopback the kernel's share of an answer fell from about 21 to 8 µs here, and the proxy answered
 * about 45% more requests a second, at a lower CPU cost each. A request handled alone waits for the turn's end too:
 * some 20 µs here, beside the provider's call of tens of milliseconds or more.
 * The order of a connection's answers is kept, and a body written in parts (a page, the bundle) goes out as it
 * is written: only the last part waits.
 */
export class BatchedResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  override end(...args: unknown[]): this {
    if (endings.push({ response: this, args }) === 1) setImmediate(endQueued);
    return this;
  }
}

const endNow = ServerResponse.prototype.end as (this: ServerResponse, ...args: unknown[]) => unknown;

/** The answers ended in this turn, in the order they were ended. */
let endings: { readonly response: ServerResponse; readonly args: unknown[] }[] = [];

function endQueued(): void {
  const due = endings;
  endings = [];
  for (const { response, args } of due) {
    try {
      endNow.apply(response, args);
    } catch (error) {
      // What Node would have thrown to the handler (a body of a wrong type): that answer fails, not the others.
      response.destroy(error as Error);
    }
  }
}

export interface ServerOptions {
  /** See REQUEST_TIMEOUT_MS. */
  readonly requestTimeoutMs?: number;
  /** See SHUTDOWN_GRACE_MS. */
  readonly shutdownGraceMs?: number;
}

/** Starts the proxy; `overrides` replace what the environment says (tests use it). */
export async function startServer(env: Record<string, string | undefined>, overrides: AppConfig = {}, options: ServerOptions = {}): Promise<RunningServer> {
  const setup = await nodeAppConfig(env, overrides);
  let app: ReturnType<typeof createApp>;
  try {
    app = createApp(setup.app);
  } catch (error) {
    await setup.close();
    throw error;
  }
  // The dashboard's figures count from the program's start: a quiet time before its first request was counted, quiet.
  app.config.metrics.countFrom(app.config.now());
  return new Promise((resolve, reject) => {
    const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    // Node looks at open requests only every `connectionsCheckingInterval` (30 s by default), which would let a slow
    // client keep its request up to 30 s past the timeout: once a second keeps the timeout what it says.
    // An HTTP/1.1 request without Host is refused here, in the proxy's JSON (see `unbuildable`), not by Node's bare 400.
    const serverOptions = { ServerResponse: BatchedResponse, requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout), requireHostHeader: false };
    // One stop however often close() is called (a signal handler and a test's cleanup, say).
    let closing: Promise<void> | undefined;
    /** The open connections: a stop closes at once those that have not sent a byte. */
    const sockets = new Set<Socket>();
    // The public test site in front of billed providers (development with CARRIER_VERIFY_PROVIDERS and no sites of
    // its own): anyone who reaches the port could spend them, so only this machine may, unless HOST says otherwise.
    const publicSiteBilled = !app.config.sandbox && app.config.sites.some((site) => secretsOf(site).includes(SANDBOX_SITE.secret));
    // Unset, every address, IPv6 as well as IPv4 (Node's `::`, or `0.0.0.0` on a machine without IPv6): the test
    // site's `http://[::1]` origin is reached too.
    const host = env.HOST || (publicSiteBilled ? '127.0.0.1' : undefined);
    const log = setup.app.log;
    // What the program answers itself has its access-log line and is counted in /metrics, by its code; a fault of
    // the proxy's own (an error line) is not a request that could not be read.
    const report = (line: LogLine) => {
      log?.(line);
      if (typeof line.outcome === 'string' && line.level !== 'error') app.config.metrics.unreadable(line.outcome);
    };
    // The adapter's error handler is not told the request. A request of which no URL can be made reaches it at once,
    // within the listener's call: the request of that call is the one.
    let current: IncomingMessage | undefined;
    /** Each connection's latest answer, for closeStalled to tell the app's time from the client's. */
    const answers = new WeakMap<object, ServerResponse>();
    const listener = getRequestListener(app.fetch, { hostname: host ?? '0.0.0.0', errorHandler: (error) => unbuildable(error, current, report) });
    const server = createServer(serverOptions, (request, response) => {
      // HTTP/1.1 requires a Host (RFC 9112, 3.2); an HTTP/1.0 request may lack one, and is served.
      if (request.headers.host === undefined && request.httpVersion !== '1.0') return answerWith(response, unbuildable(new RequestError('Missing host header'), request, report));
      answers.set(request.socket, response);
      current = request;
      const handled = listener(request, response);
      current = undefined;
      return handled;
    });
    server.listen(setup.port, host, () => {
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        storeKind: app.config.storeKind,
        host: host ?? (server.address() as AddressInfo).address,
        publicSiteBilled,
        loopbackOnly: isLoopback((server.address() as AddressInfo).address),
        storeHealth: app.config.storeHealth,
        close: () => (closing ??= stop(server, sockets, app, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS).then(() => setup.close())),
      });
    });
    // Read as the connection opens (Node keeps it): once a client resets its connection the system no longer tells
    // its address, and a request still being handled, an upstream call included, would be counted under no
    // client's own limit but the one all unknown addresses share.
    server.on('connection', (socket: Socket) => {
      void socket.remoteAddress;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.setTimeout(STALLED_FACTOR * requestTimeout, (socket: Socket) => closeStalled(socket, answers.get(socket)));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerUnreadable(error, socket, report));
    // An expectation Node does not know (it answers `100-continue` itself) would get its bare 417. HTTP lets a server
    // ignore it: the request is answered as any other, by every listener a request has.
    server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
    // CONNECT asks for a tunnel, which this server never opens: Node would close the connection without a word.
    server.on('connect', (request: IncomingMessage, socket: Duplex) => refuseTunnel(request, socket, report));
    server.once('error', (error: NodeJS.ErrnoException) => {
      void setup.close();
      reject(listenError(error, setup.port, env.HOST));
    });
  });
}

/**
 * Stops serving (see stopServing), then waits, for what is left of the grace period, for the upstream calls kept
 * going for a late answer: billed, their answers are cached for the person's retry, which would otherwise be paid
 * for again on another instance. The store and the transport are closed after.
 */
async function stop(server: ServerType, sockets: ReadonlySet<Socket>, app: { settled(): Promise<void> }, graceMs: number): Promise<void> {
  const started = performance.now();
  await stopServing(server, sockets, graceMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, graceMs - (performance.now() - started)))));
  await Promise.race([app.settled(), graceOver]);
  clearTimeout(timer);
}

/**
 * Stops taking connections and lets the requests under way finish. A client that keeps its connection alive and
 * goes on sending on it (a load balancer's pool does) would hold a stopping server open for as long as it likes:
 * a request that comes in from now on is answered with `Connection: close`, and those still open when the grace
 * period ends are cut. Idle connections close now (Node's `close()` does that), and one that falls idle later
 * when its keep-alive timeout runs out, as the server announced: closing it sooner could cut off a request the
 * client is sending at that moment, which a client that heeds `Keep-Alive: timeout` never does at the timeout. A
 * connection that has sent nothing at all closes UNUSED_CONNECTION_MS after the stop begins.
 */
function stopServing(server: ServerType, sockets: ReadonlySet<Socket>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()));
  // A connection that has not sent a byte carries no request, and Node's close() leaves it open (it is not idle
  // after a request, only unused): it would hold the stop for the whole grace period. Looked at a moment later, so
  // that a request already on its way, not yet read, is read and answered rather than cut.
  setTimeout(() => {
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  }, UNUSED_CONNECTION_MS).unref();
  if (!('closeAllConnections' in server)) return closed;
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    response.shouldKeepAlive = false;
  });
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  return closed.finally(() => clearTimeout(cut));
}

/**
 * Called when nothing has moved on a connection for its timeout: the stall timeout (see STALLED_FACTOR), or the
 * keep-alive timeout once it is idle after an answer. Closes it, as Node does when no one listens, unless the app is
 * still working on its request with nothing waiting to be sent, which is the upstream's time, not the client's: the
 * timeout starts again with the answer. `answer` is the latest the connection was given (kept by the request handler).
 */
function closeStalled(socket: Socket, answer: ServerResponse | undefined): void {
  if (answer && !answer.writableEnded && socket.writableLength === 0) return;
  socket.destroy();
}

/** The proxy's error for each way Node finds a request unreadable; anything else it cannot parse is INVALID_REQUEST. */
const unreadable = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'PAYLOAD_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
} as const;

/** A JSON error written on the connection itself, head and body; no CORS, since the request's origin is not known. */
function rawAnswer(answer: ApiError, requestId: string | undefined, extra = ''): string {
  const body = JSON.stringify(answer.body);
  return (
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json; charset=UTF-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${requestId ? `X-Request-Id: ${requestId}\r\n` : ''}${extra}` +
    `${RAW_SECURITY_HEADERS}Connection: close\r\n\r\n${body}`
  );
}

/** The API's security headers (no-store among them), as every JSON answer of the app carries them. */
const RAW_SECURITY_HEADERS = Object.entries(apiSecurityHeaders)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** The access-log line of a request the program answered itself, the app never seeing it. */
function rawLine(requestId: string, answer: ApiError, ip: string | undefined, method?: string): LogLine {
  return { time: new Date().toISOString(), requestId, method, status: answer.status, ip: ip && maskIp(ip), outcome: answer.code };
}

/** Calls `then` once, when `response` has been sent or its connection has closed, whichever comes first. */
function whenAnswered(response: ServerResponse, then: () => void): void {
  let once = false;
  const later = () => void (once || ((once = true), then()));
  response.once('finish', later);
  response.once('close', later);
}

/**
 * A request Node cannot read (not HTTP, headers over its 16 KB, not sent within the request timeout) is answered by
 * Node itself, in bare text. Here it gets the proxy's JSON error with its code, as every other answer does; then
 * the connection closes, as Node closes it, since what follows on it cannot be trusted. Nothing is written over an
 * answer already begun on the connection, nor to one already gone; a connection that failed otherwise (not in
 * parsing, nor by the timeout) just closes.
 *
 * The access log has one line a request, and a line only for a request: this one's when nothing else on the
 * connection stands for it. Not while the app is reading the body this came in: that request's line does (a body
 * that stopped coming, or chunk extensions past the limit: the app's 400, the body incomplete), and the answer
 * carries no request id, having no line of its own. Bytes that come after a request read whole (pipelined, or a
 * body longer than its Content-Length said) are not that request's: its answer goes out first, as the client asked
 * (Node's own 400 would take its place, and a paid verification's token with it), then this one, with its line.
 * Nor for a connection that never sent a byte (a browser's preconnect, a health check's probe).
 */
function answerUnreadable(error: NodeJS.ErrnoException, socket: Duplex, log: ((line: LogLine) => void) | undefined, waited = false): void {
  const parsing = error.code?.startsWith('HPE_') || error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  // What could not be read came after a request read whole (pipelined, or a body longer than its Content-Length): that
  // request's answer goes out first, then this one on its own, with its line, and the connection closes.
  if (parsing && !waited && inFlight && !inFlight.writableFinished && inFlight.req.complete) {
    return whenAnswered(inFlight, () => answerUnreadable(error, socket, log, true));
  }
  if (parsing && socket.writable && !inFlight?.headersSent) {
    const code = unreadable[error.code as keyof typeof unreadable];
    const answer = code ? apiError(code) : apiError('INVALID_REQUEST', { message: 'The request is not valid HTTP' });
    const { remoteAddress, bytesRead } = socket as Duplex & { remoteAddress?: string; bytesRead?: number };
    const requestId = !inFlight && bytesRead ? crypto.randomUUID() : undefined;
    socket.write(rawAnswer(answer, requestId));
    if (requestId) log?.(rawLine(requestId, answer, remoteAddress));
  }
  socket.destroy();
}

/**
 * A request Node read but of which no web Request can be made (`OPTIONS *`, a backslash in the path, a Host that
 * is not a host name, none at all in HTTP/1.1) never reaches the app: the Node adapter would answer a bare 400 and log nothing. It gets the
 * proxy's JSON error with its code and its line in the access log, and the connection closes: its body, if any,
 * is not read.
 */
function unbuildable(error: unknown, incoming: IncomingMessage | undefined, log: ((line: LogLine) => void) | undefined): Response {
  const requestId = crypto.randomUUID();
  if (!(error instanceof RequestError)) {
    // Anything else the adapter catches would be the app failing, which it never does: a fault of the proxy's own.
    const answer = apiError('INTERNAL_ERROR');
    log?.({ time: new Date().toISOString(), level: 'error', requestId, status: answer.status, outcome: answer.code, error: error instanceof Error ? error.name : typeof error });
    return jsonAnswer(answer.body, answer.status, { 'X-Request-Id': requestId });
  }
  const answer = apiError('INVALID_REQUEST', { message: 'The request target or its Host is not valid' });
  log?.(rawLine(requestId, answer, incoming?.socket.remoteAddress, incoming?.method));
  return jsonAnswer(answer.body, answer.status, { 'X-Request-Id': requestId, Connection: 'close' });
}

/** Writes an answer the program made itself to Node's response. */
function answerWith(response: ServerResponse, answer: Response): void {
  void answer.text().then((text) => {
    response.writeHead(answer.status, { ...Object.fromEntries(answer.headers), 'Content-Length': String(Buffer.byteLength(text)) });
    response.end(text);
  });
}

/**
 * A CONNECT gets the proxy's JSON 405 and its line in the access log; the connection closes, nothing is tunnelled.
 * Sent behind another request on the connection (pipelined), it is answered after that request's answer, which
 * must not be taken for its own.
 */
function refuseTunnel(request: IncomingMessage, socket: Duplex, log: ((line: LogLine) => void) | undefined, waited = false): void {
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!waited && inFlight && !inFlight.writableFinished) return whenAnswered(inFlight, () => refuseTunnel(request, socket, log, true));
  const answer = apiError('METHOD_NOT_ALLOWED', { message: 'This server opens no tunnels' });
  const requestId = crypto.randomUUID();
  log?.(rawLine(requestId, answer, request.socket.remoteAddress, request.method));
  if (!socket.writable) return void socket.destroy();
  // A 405 names the methods that are allowed: those the proxy answers on its routes. The connection closes once
  // the answer is written.
  socket.end(rawAnswer(answer, requestId, 'Allow: GET, HEAD, POST, OPTIONS\r\n'), () => socket.destroy());
}

/** Why the proxy could not listen, as a ConfigError naming the setting to change. */
function listenError(error: NodeJS.ErrnoException, port: number, host: string | undefined): Error {
  if (error.code === 'EADDRINUSE') return new ConfigError('PORT', `port ${port} is already in use`);
  if (error.code === 'EACCES') return new ConfigError('PORT', `port ${port} needs privileges this process does not have`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new ConfigError('HOST', `cannot listen on "${host}": not an address of this machine`);
  }
  return error;
}

/**
 * Where to open the proxy, for the start line: `localhost` when it listens on every address (HOST unset,
 * `0.0.0.0` or `::`), else the HOST it was given, an IPv6 address in brackets.
 */
export function listeningUrl(host: string | undefined, port: number): string {
  const shown = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** The providers configured with an `http:` URL to a host other than this machine, by id and host. */
function plainHttpProviders(setting: string | undefined): { id: string; host: string }[] {
  let providers: unknown;
  try {
    providers = JSON.parse(setting ?? '[]');
  } catch {
    // The proxy would not have started with it.
    return [];
  }
  if (!Array.isArray(providers)) return [];
  return providers.flatMap((provider: { id?: unknown; url?: unknown }) => {
    if (typeof provider?.url !== 'string' || typeof provider.id !== 'string') return [];
    try {
      const url = new URL(provider.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      return url.protocol === 'http:' && host !== 'localhost' && !isLoopback(host) ? [{ id: provider.id, host: url.hostname }] : [];
    } catch {
      return [];
    }
  });
}

/** Whether an address the server is bound to takes only this machine's own connections (127.0.0.0/8, ::1). */
function isLoopback(address: string): boolean {
  const bytes = parseIp(address);
  if (!bytes) return false;
  return bytes.length === 4 ? bytes[0] === 127 : bytes.every((byte, i) => byte === (i === 15 ? 1 : 0));
}

/**
 * What the program says on stderr once it listens: where to open it, whether it runs on the sandbox, where its
 * state lives (and, in memory with fixed token keys, that a restart forgets the tokens redeemed), and, when the public test site stands in front of billed providers, who can reach it: this machine
 * only (the default HOST, or a loopback one), else a warning, since anyone who reaches it can spend them; and a
 * warning when billed providers run outside production, naming what production would not run with (a key or secret
 * made at start) or would close (monitoring without an operator token); in production without that token, that
 * monitoring is closed; and a Redis that does not answer, with its reason.
 */
export function startNotes(
  env: Record<string, string | undefined>,
  running: Pick<RunningServer, 'host' | 'port' | 'storeKind' | 'publicSiteBilled' | 'loopbackOnly'> & Partial<Pick<RunningServer, 'storeHealth'>>,
): string {
  const where = listeningUrl(running.host, running.port);
  const sandbox = env.CARRIER_VERIFY_PROVIDERS ? '' : ' on the sandbox provider';
  // Said at start: an instance of several that missed its REDIS_URL would otherwise enforce limits and single use alone.
  const state = running.storeKind === 'redis' ? 'state shared in Redis' : "state in this process's memory (no REDIS_URL)";
  const lines = [`carrier-verify listening on ${where}${sandbox}; ${state}`];
  // A REDIS_URL with a wrong host, port or password starts the proxy (Redis may come later): said here too, not only
  // in the access log's store-down line, since until it answers every siteverify is refused.
  const store = running.storeHealth?.();
  if (store?.state === 'down') {
    lines.push(
      `carrier-verify: warning: Redis does not answer yet${store.reason ? ` (${store.reason})` : ''}: until it does, each instance counts the limits on its own, the cache answers only what this one has seen, and /api/siteverify answers 503; it is tried again until it answers (see REDIS_URL)`,
    );
  }
  // A misspelt setting is no setting: the proxy runs without it (on the sandbox site, with the default limits).
  for (const { name, meant } of unknownSettings(env)) {
    lines.push(`carrier-verify: warning: ${name} is not a setting of carrier-verify and is ignored${meant ? ` (did you mean ${meant}?)` : ''}`);
  }
  // A hop count takes X-Forwarded-For from whatever peer connects: reachable beyond this machine, a client that goes
  // around the load balancer names its own address to the limits (and can spend another's).
  // Read as the proxy read it when it started, which it would not have done had the setting been bad.
  const trust = parseTrustProxy(env.CARRIER_VERIFY_TRUST_PROXY);
  if (trust.kind === 'hops' && !running.loopbackOnly) {
    lines.push(
      `carrier-verify: warning: CARRIER_VERIFY_TRUST_PROXY=${trust.hops} reads X-Forwarded-For from any peer, and the proxy listens beyond this machine: a client that reaches it directly names its own address to the limits; list the load balancer's addresses instead (private, or its CIDR), or let only it reach the port`,
    );
  }
  // Tokens signed by fixed keys outlive the process; the record of those redeemed does not.
  if (running.storeKind === 'memory' && env.CARRIER_VERIFY_TOKEN_KEYS) {
    lines.push(
      'carrier-verify: note: redeemed tokens are remembered in this memory only: after a restart, one redeemed in the 5 minutes before it could be redeemed again; set REDIS_URL (with persistence) to keep single use across restarts and instances',
    );
  }
  if (running.publicSiteBilled) {
    const site = 'the public test site (site key sandbox, its secret published) stands in front of billed providers';
    lines.push(
      !env.HOST
        ? `carrier-verify: ${site}, so it listens on 127.0.0.1 only: set CARRIER_VERIFY_SITES for your sites (or HOST to listen elsewhere)`
        : running.loopbackOnly
          ? `carrier-verify: ${site}; HOST keeps it to this machine (${where}): set CARRIER_VERIFY_SITES for your sites`
          : `carrier-verify: warning: ${site}: anyone who reaches ${where} can spend them and redeem its tokens; set CARRIER_VERIFY_SITES`,
    );
  }
  // A provider called over plain HTTP beyond this machine: the names, the numbers and its key cross the network as
  // they are. Said by id and host only (its URL may hold more).
  for (const { id, host } of plainHttpProviders(env.CARRIER_VERIFY_PROVIDERS)) {
    lines.push(`carrier-verify: warning: provider ${id} is called over plain http (${host}): names, numbers and its key cross the network unencrypted; give it an https URL`);
  }
  // Billed providers outside production: the checks production makes at start are not made, and nothing else says
  // so (a deployment that forgot NODE_ENV runs, with what it lets through).
  if (env.CARRIER_VERIFY_PROVIDERS && env.NODE_ENV !== 'production') {
    const loose = [
      env.CARRIER_VERIFY_TOKEN_KEYS ? '' : 'tokens are signed by a key made at start (a restart or another instance refuses them)',
      env.CARRIER_VERIFY_HASH_SECRET ? '' : 'the hash secret is made at start',
      env.CARRIER_VERIFY_OPERATOR_TOKEN ? '' : "/metrics, /api/stats and /healthz's details are open to anyone who reaches it",
    ].filter(Boolean);
    lines.push(`carrier-verify: warning: billed providers are set and NODE_ENV is not "production"${loose.map((what, i) => `${i ? ';' : ':'} ${what}`).join('')}; set NODE_ENV=production for its checks`);
  }
  // In production, monitoring without an operator token is closed to everyone: a Prometheus scrape gets 401 too.
  if (env.NODE_ENV === 'production' && !env.CARRIER_VERIFY_OPERATOR_TOKEN) {
    lines.push('carrier-verify: note: no CARRIER_VERIFY_OPERATOR_TOKEN: /metrics, /api/stats and the dashboard are closed to everyone (401), a Prometheus scrape included; set it (32 characters or more) to open them to whoever sends it');
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Runs the proxy as a program: reads the environment, listens, logs one line to stderr, stops cleanly on SIGINT,
 * SIGTERM and SIGHUP (saying so on stderr when it begins and ends), and exits with 1 and one line naming the setting when the configuration is bad.
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningServer | undefined> {
  try {
    const running = await startServer(env);
    // SIGHUP too: a terminal closed, or a `kill -HUP` meant as a reload (the proxy reads its settings only at start),
    // would otherwise end the process at once, cutting requests whose paid upstream calls are under way. Each stops
    // it cleanly, as SIGTERM does; a supervisor starts it again with the settings it has then.
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`carrier-verify: ${signal}: stopping; requests under way are answered first (at most ${SHUTDOWN_GRACE_MS / 1000} s)\n`);
      void running.close().then(() => {
        process.stderr.write('carrier-verify: stopped\n');
        process.exit(0);
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
    // Once it stops cleanly: what reads these lines (a supervisor, a test) may signal it as soon as it reads them.
    process.stderr.write(startNotes(env, running));
    return running;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`carrier-verify: bad configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** What `--help` prints, and what a mistyped command is shown. */
const USAGE = `Usage:
  carrier-verify               run the proxy, configured by the environment (PORT, HOST, CARRIER_VERIFY_*, REDIS_URL)
  carrier-verify keygen [kid]  print a token signing key and a hash secret for production
  carrier-verify --help        print this
`;

/**
 * Runs the command `args` names, for the program however it is started (`npx carrier-verify`, `node
 * dist/server/node.js`, `npm start`, `npm run serve`). Anything but the proxy, `keygen` or help is refused with the
 * usage and exit code 2: a mistyped command (`--port 9000`, `keygen` misspelt) must not start a proxy on the default
 * port instead, nor an option after keygen (`keygen --help`) be taken for a key id and print secrets.
 */
export async function runCommand(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === undefined) {
    await main();
  } else if (command === 'keygen' && rest.length <= 1 && !rest[0]?.startsWith('-')) {
    // The key id is checked there, for `npm run keygen` too.
    await printKeygen(rest[0]);
  } else if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
  } else {
    // The proxy takes no options: its settings are the environment's, PORT among them.
    const option = /^--?([a-z-]+)/i.exec(command)?.[1]?.toLowerCase();
    const variable = option && new Map([['port', 'PORT'], ['host', 'HOST'], ['redis', 'REDIS_URL'], ['redis-url', 'REDIS_URL']]).get(option);
    const hint = variable ? `set ${variable} in the environment instead (${variable}=… npx carrier-verify)\n` : '';
    process.stderr.write(`carrier-verify: unknown command ${JSON.stringify(args.join(' '))}\n${hint}${USAGE}`);
    process.exitCode = 2;
  }
}

// Run as a file (`node dist/server/node.js`, which the production docs start, `npm start`, `npm run serve`), the
// program takes the same arguments as `npx carrier-verify`: `--port 9000` is refused rather than ignored.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runCommand(process.argv.slice(2));
