// The result and error codes of the verify protocol: one list shared by the widget, the proxy and the tests.

/** Result codes relayed from the upstream provider (docs/providers.md). */
export const ResultCode = {
  match: 'FP00000',
  mismatch: 'FP03333',
  notFound: 'KYC1101',
} as const;
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

export const resultCodes: readonly ResultCode[] = Object.values(ResultCode);

export function isResultCode(value: unknown): value is ResultCode {
  return typeof value === 'string' && (resultCodes as readonly string[]).includes(value);
}

/** Upstream messages for each result code, as the provider words them. */
export const resultMessages: Record<ResultCode, string> = {
  FP00000: 'SUCCESS',
  FP03333: '认证信息不一致',
  KYC1101: '信息不存在',
};

/** Error codes of the proxy, each with its HTTP status. */
export const errorStatus = {
  INVALID_REQUEST: 400,
  INVALID_NAME: 400,
  INVALID_PHONE: 400,
  ORIGIN_NOT_ALLOWED: 403,
  INVALID_SITE_KEY: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;
export type ErrorCode = keyof typeof errorStatus;

/** Error codes the widget itself reports when the proxy cannot be reached or answers nonsense. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE' | 'ABORTED';

/**
 * Whether trying the same request again later may succeed. Not `ABORTED`: the page cancelled that attempt, and a
 * handler that retries whatever is retryable must not undo what the page did.
 */
export function isRetryable(code: ErrorCode | ClientErrorCode): boolean {
  return (
    code === 'RATE_LIMITED' ||
    code === 'REQUEST_TIMEOUT' ||
    code === 'UPSTREAM_ERROR' ||
    code === 'UPSTREAM_TIMEOUT' ||
    code === 'SERVICE_UNAVAILABLE' ||
    code === 'INTERNAL_ERROR' ||
    code === 'NETWORK_ERROR' ||
    code === 'BAD_RESPONSE'
  );
}
