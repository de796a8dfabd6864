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
  readonly weight: number;
  readonly timeoutMs: number;
  verify(query: VerifyQuery, signal: AbortSignal): Promise<ProviderAnswer>;
}

/**
 * How an upstream call failed. `maybeBilled` says whether the vendor may have charged for it: only a failure
 * that provably happened before the request reached the vendor is safe to repeat elsewhere.
 */
export type UpstreamFailure =
  | 'timeout'
  | 'transport'
  | 'http-status'
  | 'malformed'
  | 'unknown-code';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    readonly providerId: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The fetch function providers call, injected so that Node can use a pooled keep-alive transport. */
export type Transport = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
