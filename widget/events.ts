// The events <carrier-verify> fires: one typed class per outcome, all bubbling and composed.
import type { ClientErrorCode, ErrorCode, ResultCode } from './codes.js';
import type { CarrierId } from './carriers.js';
import type { Field, NameReason, PhoneReason } from './validation.js';

export interface VerifiedDetail {
  readonly code: 'FP00000';
  readonly message: string;
  /** Signed single-use token for the site's backend to check with `/api/siteverify`. */
  readonly token: string;
  /** Carrier the number segment was issued to (a hint: numbers can be ported). */
  readonly carrier: CarrierId | null;
  /** The number with its middle digits hidden: `138****8000`. */
  readonly phoneMasked: string;
}

export interface ResultDetail<C extends ResultCode = ResultCode> {
  readonly code: C;
  readonly message: string;
}

export type InvalidDetail =
  | { readonly field: Extract<Field, 'name'>; readonly reason: NameReason }
  | { readonly field: Extract<Field, 'phone'>; readonly reason: PhoneReason };

export interface ErrorDetail {
  readonly code: ErrorCode | ClientErrorCode;
  readonly message: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** Seconds to wait before trying again, when the proxy said so. */
  readonly retryAfter?: number;
  /**
   * With `RATE_LIMITED`, the limit that refused, when the proxy said: `number` (names tried for this number: the
   * widget lets the person go on with another number at once), `name` (numbers tried for this name), `ip` (this
   * address) or `site` (the site's budget).
   */
  readonly limit?: RateLimit;
}

/** A limit of the proxy's that can refuse a verification. */
export type RateLimit = 'ip' | 'number' | 'name' | 'site';

/** Why a verified element dropped its token; see ClearedEvent. */
export type ClearedReason = 'expired' | 'change' | 'reset' | 'fill' | 'verify' | 'restored' | 'reconfigured';

export interface ClearedDetail {
  /**
   * `expired`: its lifetime ran out; `change`: the person pressed Change to edit the pair; `reset`, `fill`,
   * `verify`: the page called that method (a form reset calls `reset()`); `restored`: the page came back from the
   * browser's back/forward cache, perhaps from the page its form sent the token to; `reconfigured`: the page set
   * another `site-key` or `endpoint`, for whose site the token was not issued.
   */
  readonly reason: ClearedReason;
}

abstract class CarrierVerifyEvent<T> extends Event {
  readonly detail: T;
  constructor(type: string, detail: T) {
    super(type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

/** The name matches the registration of the number (`FP00000`). */
export class VerifiedEvent extends CarrierVerifyEvent<VerifiedDetail> {
  static readonly eventName = 'cv-verified';
  constructor(detail: VerifiedDetail) {
    super(VerifiedEvent.eventName, detail);
  }
}

/** The name does not match the registration of the number (`FP03333`). */
export class MismatchEvent extends CarrierVerifyEvent<ResultDetail<'FP03333'>> {
  static readonly eventName = 'cv-mismatch';
  constructor(detail: ResultDetail<'FP03333'>) {
    super(MismatchEvent.eventName, detail);
  }
}

/** The carrier has no record for the number (`KYC1101`). */
export class NotFoundEvent extends CarrierVerifyEvent<ResultDetail<'KYC1101'>> {
  static readonly eventName = 'cv-not-found';
  constructor(detail: ResultDetail<'KYC1101'>) {
    super(NotFoundEvent.eventName, detail);
  }
}

/** A client-side check failed; nothing was sent. */
export class InvalidEvent extends CarrierVerifyEvent<InvalidDetail> {
  static readonly eventName = 'cv-invalid';
  constructor(detail: InvalidDetail) {
    super(InvalidEvent.eventName, detail);
  }
}

/** The proxy could not be reached, refused the request, or its upstream failed. */
export class VerifyErrorEvent extends CarrierVerifyEvent<ErrorDetail> {
  static readonly eventName = 'cv-error';
  constructor(detail: ErrorDetail) {
    super(VerifyErrorEvent.eventName, detail);
  }
}

/**
 * The element dropped the token it held: `token` and the form value are null again, and the status is no longer
 * `verified`. Not an outcome of an attempt: a page that keeps "verified" state from `cv-verified` clears it here.
 */
export class ClearedEvent extends CarrierVerifyEvent<ClearedDetail> {
  static readonly eventName = 'cv-cleared';
  constructor(detail: ClearedDetail) {
    super(ClearedEvent.eventName, detail);
  }
}

/** Every event <carrier-verify> fires, by name. */
export interface CarrierVerifyEventMap {
  'cv-verified': VerifiedEvent;
  'cv-mismatch': MismatchEvent;
  'cv-not-found': NotFoundEvent;
  'cv-invalid': InvalidEvent;
  'cv-error': VerifyErrorEvent;
  'cv-cleared': ClearedEvent;
}

/** The names of the outcome events, exactly one of which ends each verification attempt (not `cv-cleared`). */
export const eventNames: readonly Exclude<keyof CarrierVerifyEventMap, 'cv-cleared'>[] = [
  VerifiedEvent.eventName,
  MismatchEvent.eventName,
  NotFoundEvent.eventName,
  InvalidEvent.eventName,
  VerifyErrorEvent.eventName,
];

declare global {
  interface GlobalEventHandlersEventMap extends CarrierVerifyEventMap {}
}
