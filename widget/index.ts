// The package's browser entry: defines <carrier-verify> and exports its class, events, checks and types.
import './define.js';

export { CarrierVerify, type Status, type VerifiedPair } from './carrier-verify.js';
export type { Outcome } from './client.js';
export * from './events.js';
export { ResultCode, resultCodes, type ErrorCode, type ClientErrorCode } from './codes.js';
export { carrierOf, segmentOf, type CarrierId, type SegmentKind } from './carriers.js';
export { checkName, checkPhone, normalizeName, normalizePhone, formatPhone, type NameReason, type PhoneReason, type Field } from './validation.js';
export type { Lang } from './locales.js';
