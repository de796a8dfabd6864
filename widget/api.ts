// Everything the element entries export but the element itself: events, codes, checks and types. The browser entry
// (index.ts) adds the element; the entry for runtimes without a DOM (no-dom.ts) adds a placeholder for it.
export type { Status, VerifiedPair } from './carrier-verify.js';
export type { Outcome } from './client.js';
export * from './events.js';
export { ResultCode, resultCodes, type ErrorCode, type ClientErrorCode } from './codes.js';
export { carrierOf, segmentOf, type CarrierId, type SegmentKind } from './carriers.js';
export { checkName, checkPhone, normalizeName, normalizePhone, formatPhone, type NameReason, type PhoneReason, type Field } from './validation.js';
export type { Lang } from './locales.js';
