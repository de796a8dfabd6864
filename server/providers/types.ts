// What a provider is to the proxy: something that answers a checked pair with one of the three result codes.
import type { ResultCode } from '../../widget/codes.js';

export interface VerifyQuery {
  /** Normalised name. */
  readonly name: string;
  /** 11-digit national mobile number. */
  readonly phoneNumber: string;
}

export interface ProviderAnswer {
  readonly code: ResultCode;
  readonly message: string;
  /** The vendor's raw data, kept inside the proxy and never relayed to the browser. */
  readonly idData: unknown;
  readonly mobData: unknown;
}

export interface Provider {
  readonly id: string;
  /** Which vendor dialect the provider speaks (`standard`, `tencent`, `aliyun`); shown in health. */
  readonly adapter?: string;
  readonly weight: number;
  readonly timeoutMs: number;
  /**
   * False for a provider whose failures say nothing of its health: the sandbox fails on purpose for its
   * fault numbers, and a visitor trying them must not open its breaker for everyone else.
   */
  readonly breaker?: boolean;
  /** True for the embedded sandbox, which answers from its directory and bills nothing. */
  readonly sandbox?: boolean;
  verify(query: VerifyQuery, call: CallControl): Promise<ProviderAnswer>;
}

/**
 * How a provider learns that its call was given up (its timeout passed). The AbortSignal is made the first time
 * it is read: an in-process transport that answers at once never reads it, and the Node transport listens with
 * `onAbort` instead, sparing the several microseconds an AbortController and its listeners cost on every call.
 */
export interface CallControl {
  /** The signal to hand to a transport; made on first read, already aborted if the call was given up by then. */
  readonly signal: AbortSignal;
  /** Whether the call was given up; reading it never makes the signal. */
  readonly aborted: boolean;
  /** Calls `listener` once if the call is given up before it settles, at once if it already was. */
  onAbort(listener: () => void): void;
  /**
   * Told by a transport that knows when a request leaves (the Node transport does): `waiting` while every
   * connection of its pool is taken, `connecting` while it gets one (a free one, or a new one), `sent` as the
   * request is about to be written. A call given up before `sent` never reached the vendor, so it fails as
   * `unreachable`, free to try elsewhere, rather than as a `timeout` that may have been billed (a pool so busy
   * that calls wait for a free connection past their timeout is counted against the provider too, as if it could
   * not be reached). A call that waited and would only go on `connecting` past half its timeout is given up there
   * (see the router's SEND_BY). A transport that says nothing leaves every call given up a `timeout`.
   */
  progress?(phase: CallPhase): void;
}

/**
 * The `code` of the error a transport fails a call with when the answer outgrows what it reads: the proxy counts
 * that answer `malformed` (no verdict is that large), not a broken connection.
 */
export const ANSWER_TOO_LARGE = 'ANSWER_TOO_LARGE';

/**
 * The `code` of the error a transport fails a call with when it knows the request was never written (a TLS
 * handshake reset or refused, say): whatever broke underneath, the call cannot have reached the vendor, so the proxy
 * counts it `unreachable`, never billed, rather than a reset.
 */
export const REQUEST_NOT_SENT = 'REQUEST_NOT_SENT';

/**
 * Largest answer read, in bytes: a verdict is a few hundred bytes; anything huge is not an answer. The provider
 * checks it, and the Node transport stops reading there, so that an answer over it never holds a call.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * How much of the body of an answer outside 2xx is read, in bytes and ms, after the call has been answered by its
 * status: only so that its keep-alive connection serves the next call, and a run of 429s pays no new connection (a
 * TLS handshake) each. A body larger or slower than that has its connection closed instead.
 */
export const DISCARD_MAX_BYTES = 16 * 1024;
export const DISCARD_MAX_MS = 1000;

/** How far an upstream call got, as its transport tells it (see CallControl.progress). */
export type CallPhase = 'waiting' | 'connecting' | 'sent';

/**
 * The key under which a provider may hand its CallControl to the transport in the request init. A transport
 * that knows it (the Node transport) listens there and never reads `signal`; `fetch` ignores it and reads the
 * signal as usual.
 */
export const callControlKey: unique symbol = Symbol.for('carrier-verify.call-control');

/**
 * Marks a transport that reads the CallControl (or reads `signal` straight off the init it was given): the Node
 * transport and the sandbox. Such a transport gets an init whose signal is made only if it is read. Any other
 * transport, `fetch` or a site's own wrapper that may copy the init with a spread, gets the signal as a plain
 * property of the init, so that a copy keeps it and a call given up is cancelled.
 */
export const readsCallControl: unique symbol = Symbol.for('carrier-verify.reads-call-control');

/** What a provider passes to its transport: a fetch RequestInit, with its CallControl beside the signal. */
export interface TransportInit extends RequestInit {
  readonly [callControlKey]?: CallControl;
}

/**
 * How an upstream call failed. What the router may do next depends only on this, through `failurePolicy`.
 *
 * - `unreachable`: no connection (refused, DNS, connect timeout, TLS, or none yet when the provider's timeout
 *   passed): the request never left the proxy.
 * - `refused`: the vendor answered that it did not process the request (HTTP 401, 403, 429, 503 and the other 4xx,
 *   a vendor code for throttling, a daily limit or a bad key): the provider is unfit to answer for now, and for as
 *   long as a 429's or 503's Retry-After says (see UpstreamError.retryAfterMs).
 * - `rejected`: the vendor declined this request's name or number as input (HTTP 400 or 422, Tencent -4/-5, Aliyun
 *   OperatorLimit and RequestFrequencyLimit). It says nothing against the provider's health, so that a client sending
 *   such input cannot open its breaker.
 * - `vendor-error`: the vendor answered that its own engine failed (Tencent -2/-3, any other Aliyun error code).
 * - `reset`: the connection broke after the request was written and before a whole answer came back.
 * - `server-error`: HTTP 5xx other than 503 (500, 502, 504, ...).
 * - `malformed`: an answer that cannot be read: not JSON, an HTML page, JSON of the wrong shape.
 * - `unknown-code`: well-formed JSON with a result code no adapter knows.
 * - `timeout`: no whole answer within the provider's timeout.
 * - `circuit-open`: the provider's breaker is open, so it was not called at all.
 */
export type UpstreamFailure =
  | 'unreachable'
  | 'refused'
  | 'rejected'
  | 'vendor-error'
  | 'reset'
  | 'server-error'
  | 'malformed'
  | 'unknown-code'
  | 'timeout'
  | 'circuit-open';

/**
 * Failures that end a call before its timeout without a verdict: no connection, one broken, or a refusal at its
 * status (401, 429, 503…). Their few milliseconds measure no verification of the provider's, and would make one
 * that is down, or turning every call away, look the fastest.
 */
export const UNTIMED_FAILURES: ReadonlySet<UpstreamFailure> = new Set<UpstreamFailure>(['unreachable', 'refused', 'reset']);

export interface FailurePolicy {
  /** The vendor may have charged for the call: it reached the vendor and nothing proves it was not processed. */
  readonly maybeBilled: boolean;
  /** Another provider may be asked in the same request. */
  readonly failover: boolean;
}

/**
 * The retry policy, one line per failure. It follows from billing: vendors bill a call that produced a result
 * (Aliyun: `Code=OK` and `IsConsistent` not 2; Tencent: result 0 or 1), so a call the vendor refused, or that
 * never reached it, is free to repeat elsewhere. A call that reached the vendor and whose answer was lost may
 * have been billed: the router still fails over (the user gets an answer instead of an error), but it counts
 * such calls and stops at `maxBilledCalls`. The same provider is never asked twice for one request, and a
 * definite answer (FP00000, FP03333, KYC1101) is final. A timeout does not fail over: it may have been billed,
 * the vendor may still be working on it, and the user has already waited a whole timeout.
 */
export const failurePolicy: Readonly<Record<UpstreamFailure, FailurePolicy>> = {
  unreachable: { maybeBilled: false, failover: true },
  refused: { maybeBilled: false, failover: true },
  rejected: { maybeBilled: false, failover: true },
  'vendor-error': { maybeBilled: false, failover: true },
  'circuit-open': { maybeBilled: false, failover: true },
  reset: { maybeBilled: true, failover: true },
  'server-error': { maybeBilled: true, failover: true },
  malformed: { maybeBilled: true, failover: true },
  'unknown-code': { maybeBilled: true, failover: true },
  timeout: { maybeBilled: true, failover: false },
};

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    readonly providerId: string,
    message: string,
    readonly status?: number,
    /** How long the vendor asked not to be called again (`Retry-After` on a 429 or 503), in ms. */
    readonly retryAfterMs?: number,
    /**
     * Given up while it waited for a free connection of the proxy's own pool: the provider was not asked, and its
     * breaker does not count it (a burst that fills the pool must not shut out a provider answering every call).
     */
    readonly queued = false,
  ) {
    super(message);
  }

  get maybeBilled(): boolean {
    return failurePolicy[this.failure].maybeBilled;
  }
}

/**
 * What a provider reads of an upstream answer. A web `Response` has all of it, so `fetch` is a transport; the
 * Node transport and the sandbox hand back just this, sparing a Response and its body stream on every call.
 */
export interface TransportResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
  /** Present on a streaming Response, so that a body the provider does not read can be drained or released. */
  readonly body?: ReadableStream<Uint8Array> | null;
}

/** The fetch-like function providers call, injected so that Node can use a pooled keep-alive transport. */
export type Transport = ((input: string | URL | Request, init?: TransportInit) => Promise<TransportResponse>) & {
  readonly [readsCallControl]?: true;
};
