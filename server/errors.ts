// Errors the proxy answers with: always JSON `{ code, message }` and the status the code stands for.
import { HTTPException } from 'hono/http-exception';
import { errorStatus, type ErrorCode } from '../widget/codes.js';
import { jsonAnswer } from './answers.js';

const errorMessages: Record<ErrorCode, string> = {
  INVALID_REQUEST: 'The request body must be JSON { name, phoneNumber, siteKey? } with string values',
  INVALID_NAME: 'The name is not a valid Chinese name',
  INVALID_PHONE: 'The number is not a valid mainland China mobile number',
  ORIGIN_NOT_ALLOWED: 'This origin is not allowed for the site',
  INVALID_SITE_KEY: 'Unknown site key',
  NOT_FOUND: 'No such route',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  REQUEST_TIMEOUT: 'The request was not sent in time',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json',
  RATE_LIMITED: 'Too many requests',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  INTERNAL_ERROR: 'Internal error',
  UPSTREAM_ERROR: 'The verification provider failed',
  SERVICE_UNAVAILABLE: 'The service is unavailable',
  UPSTREAM_TIMEOUT: 'The verification provider did not answer in time',
};

/**
 * An HTTPException that carries the proxy's JSON error: its code (for the metrics), its body and its headers.
 * The answer itself is built only when it is sent, with the request's own headers.
 */
export class ApiError extends HTTPException {
  readonly body: Readonly<Record<string, unknown>>;
  constructor(
    readonly code: ErrorCode,
    extra: Record<string, unknown> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(errorStatus[code]);
    this.body = { code, message: errorMessages[code], ...extra };
  }

  override getResponse(): Response {
    return jsonAnswer(this.body, this.status, this.headers);
  }
}

export function apiError(code: ErrorCode, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): ApiError {
  return new ApiError(code, extra, headers);
}
