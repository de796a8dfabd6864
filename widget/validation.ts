// The client-side checks of a name and a Chinese mobile number, shared by the widget and the proxy.
import { PhoneNumber } from 'libphonenumber-js/core';
import * as z from 'zod/mini';
import { segmentOf, type CarrierId, type SegmentKind } from './carriers.js';
import { chinaMobileMetadata as metadata } from './phone-metadata.js';

export type PhoneReason = 'empty' | 'too-short' | 'too-long' | 'not-mobile' | 'invalid';
export type NameReason = 'empty' | 'too-short' | 'too-long' | 'bad-character' | 'bad-separator';
export type Field = 'name' | 'phone';

export type PhoneCheck =
  | { readonly ok: true; readonly value: string; readonly carrier: CarrierId | null }
  | {
      readonly ok: false;
      readonly reason: PhoneReason;
      /** For `not-mobile`: the kind of segment refused (data-only, IoT, satellite), when that is why. */
      readonly segment?: Exclude<SegmentKind, 'mobile'>;
    };

export type NameCheck = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: NameReason };

/** Digits of a national Chinese mobile number. */
export const PHONE_DIGITS = 11;
/** Most code points a name may have, separators included. */
const NAME_MAX = 50;
/** Fewest Han characters a name may have. */
const NAME_MIN = 2;
/** Longest raw input looked at; anything longer is refused before any work is done on it. */
const RAW_MAX = 256;

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
/**
 * Characters that show nothing: direction marks and isolates (iOS Contacts wraps a copied number in U+202D…U+202C),
 * zero-width spaces and joiners, the word joiner, the variation selectors (a glyph variant asked of the font; the
 * ideographic ones below), the byte-order mark, the soft hyphen. Pasted with a number or a
 * name, they would make it fail a check the person cannot see the reason for.
 */
const INVISIBLE_RANGES = '\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFE00-\uFE0F\uFEFF';
/** The ideographic variation selectors (U+E0100…U+E01EF), which Han names use: as surrogate pairs, in no class. */
const IDEOGRAPHIC_VARIATION = '|\uDB40[\uDD00-\uDDEF]';
const INVISIBLE = new RegExp(`[${INVISIBLE_RANGES}]${IDEOGRAPHIC_VARIATION}`, 'g');
/**
 * What a number drops: spaces (`\s` takes in the no-break and ideographic ones), dashes of every width, dots and
 * parentheses, ASCII and full-width, and the invisible characters, in one pass (it runs several times a keystroke).
 */
const PHONE_SEPARATORS = new RegExp(`[\\s\\-\u2010-\u2015\u2212\uFF0D.\uFF0E()\uFF08\uFF09${INVISIBLE_RANGES}]${IDEOGRAPHIC_VARIATION}`, 'g');

/** Folds full-width digits and plus, and drops separators: `＋86 138-0013-8000` → `+8613800138000`. */
export function foldPhone(raw: string): string {
  return raw
    .replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\uFF0B/g, '+')
    .replace(PHONE_SEPARATORS, '');
}

/**
 * The national number a person meant: folded, with a `+86`, `0086` or `86` country prefix dropped
 * when 11 digits starting with 1 remain. Returns null for a number of another country.
 */
export function normalizePhone(raw: string): string | null {
  let s = foldPhone(raw);
  if (s.startsWith('+')) {
    if (!s.startsWith('+86')) return null;
    s = s.slice(3);
  } else {
    for (const prefix of ['0086', '86']) {
      const rest = s.slice(prefix.length);
      if (s.startsWith(prefix) && rest.length === PHONE_DIGITS && rest.startsWith('1')) {
        s = rest;
        break;
      }
    }
  }
  return s;
}

/**
 * The PhoneNumber class in the form libphonenumber-js builds it itself, from a country and the national number: its
 * typings name only the public `(e164, metadata)` form, which first splits the `+86` off again (a third of the time
 * the check takes, and a module of the library the script-tag bundle can leave out).
 */
const NationalNumber = PhoneNumber as unknown as new (country: 'CN', nationalNumber: string, data: typeof metadata) => PhoneNumber;

/**
 * Whether libphonenumber-js types these 11 national digits as a valid Chinese mobile number. The digits go to the
 * class directly rather than through its `parse()`: they are already clean, and the parser's own clean-up
 * (extensions, RFC 3966, national prefixes) would weigh about 2 KB gzipped in the script-tag bundle for nothing,
 * and take several times as long on the proxy for each number. `getType()` is undefined for an invalid number, so
 * it alone says both valid and mobile. A test types every prefix both ways, against the stock metadata.
 */
export function isMobileNumber(digits: string): boolean {
  return new NationalNumber('CN', digits, metadata).getType() === 'MOBILE';
}

/**
 * First digits no mainland mobile number has (they all start 13 to 19), after any `0086` or `86` in front: a number
 * that starts so is a landline or a typo, and "too short" or "too long" would send the person looking for a missing
 * or an extra digit. Only `00` and `86` may still become a `0086` or `86` prefix, and stay "too short"; a `0` before
 * `13`…`19` is the trunk prefix once dialled before out-of-town mobiles, so that number is one digit too long.
 */
const NO_MOBILE_START = /^(?:0086|86)?(?:1[0-2]|[2-79]|0(?:1[0-2]|[2-9])|8[0-57-9])/;

/** Checks a mobile number as typed; on success `value` is the 11-digit national number. */
export function checkPhone(raw: string): PhoneCheck {
  if (raw.length > RAW_MAX) return { ok: false, reason: 'too-long' };
  const digits = normalizePhone(raw);
  if (digits === null) return { ok: false, reason: 'invalid' };
  if (digits === '') return { ok: false, reason: 'empty' };
  if (!/^\d+$/.test(digits)) return { ok: false, reason: 'invalid' };
  if (digits.length < PHONE_DIGITS) return { ok: false, reason: NO_MOBILE_START.test(digits) ? 'not-mobile' : 'too-short' };
  const segment = segmentOf(digits);
  // Before the length: internet-of-things numbers have 13 digits, and "not a mobile number" says more than "too long".
  if (segment && segment.kind !== 'mobile') return { ok: false, reason: 'not-mobile', segment: segment.kind };
  // Too long, unless it starts as no mobile number does and holds none: `113800138000` has a digit too many.
  if (digits.length > PHONE_DIGITS) return { ok: false, reason: NO_MOBILE_START.test(digits) && !/1[3-9]\d{9}/.test(digits) ? 'not-mobile' : 'too-long' };
  if (!isMobileNumber(digits)) return { ok: false, reason: 'not-mobile' };
  return { ok: true, value: digits, carrier: segment?.carrier ?? null };
}

/** Groups the digits typed so far as `138 0013 8000`. */
export function formatPhone(digits: string): string {
  return [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)].filter(Boolean).join(' ');
}

const MIDDLE_DOT = '\u00B7';
// Look-alikes of the middle dot that input methods and symbol pickers produce: bullet, katakana dots, full-width full
// stop, hyphenation point, Greek ano teleia, ASCII full stop, and the bullet and dot operators of Word and Windows.
const DOT_LOOKALIKES = /[\u2022\u30FB\uFF65\uFF0E\u2027\u0387.\u2219\u22C5]/g;
/**
 * A Han character as names use them: a unified ideograph (every CJK block and extension, beyond the BMP too), or 〇.
 * The Han script holds more that no name is written with, and that a vendor would refuse after a paid call, or
 * that would be sent only to make it refuse: radicals, the iteration mark 々, the Hangzhou numerals 〡…〩, the Khitan
 * and Tangut marks. (A Kangxi radical or a compatibility ideograph never gets here: NFKC has already folded it into
 * its unified ideograph.)
 */
const HAN = /^[\p{Unified_Ideograph}\u3007]$/u;

/**
 * Trims, removes inner spaces and invisible characters, folds compatibility forms (NFKC: a compatibility ideograph
 * such as U+F9E1 becomes the 李 it looks like, a Kangxi radical copied out of a PDF its ideograph) and maps the
 * middle-dot look-alikes to U+00B7. The registry holds the unified characters: the look-alike would be a mismatch.
 */
export function normalizeName(raw: string): string {
  return raw.replace(INVISIBLE, '').normalize('NFKC').replace(/\s+/g, '').replace(DOT_LOOKALIKES, MIDDLE_DOT);
}

/** Checks a name as typed; on success `value` is the normalised name. */
export function checkName(raw: string): NameCheck {
  if (raw.length > RAW_MAX) return { ok: false, reason: 'too-long' };
  const value = normalizeName(raw);
  if (value === '') return { ok: false, reason: 'empty' };
  const chars = Array.from(value);
  if (chars.some((c) => c !== MIDDLE_DOT && !HAN.test(c))) return { ok: false, reason: 'bad-character' };
  const parts = value.split(MIDDLE_DOT);
  if (parts.some((part) => part === '')) return { ok: false, reason: 'bad-separator' };
  if (chars.length > NAME_MAX) return { ok: false, reason: 'too-long' };
  if (chars.length - (parts.length - 1) < NAME_MIN) return { ok: false, reason: 'too-short' };
  return { ok: true, value };
}

/**
 * The fields of the body the widget posts to the proxy, each with its `zod/mini` schema. A `z.object` of the same
 * fields would say the same and weigh about 1.1 KB more, gzipped, in the script-tag bundle: the object schema brings
 * zod's whole property machinery (unknown keys, optional-in and -out, async fields) for three properties.
 */
export const verifyRequestFields = Object.freeze({
  name: z.string(),
  phoneNumber: z.string(),
  siteKey: z.optional(z.string()),
});
/** The body of a verify request: what the widget posts, and what the proxy checks. */
export interface VerifyRequest {
  readonly name: string;
  readonly phoneNumber: string;
  readonly siteKey?: string;
}
const requestFields = Object.entries(verifyRequestFields);

/** The body as a verify request: an object (not an array) whose every field its schema accepts; null otherwise. */
function requestShape(body: unknown): VerifyRequest | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const fields = body as Record<string, unknown>;
  for (const [key, schema] of requestFields) if (!schema.safeParse(fields[key]).success) return null;
  return fields as unknown as VerifyRequest;
}

export type RequestCheck =
  | { readonly ok: true; readonly name: string; readonly phoneNumber: string; readonly carrier: CarrierId | null; readonly siteKey?: string }
  | { readonly ok: false; readonly field: 'name'; readonly reason: NameReason }
  | { readonly ok: false; readonly field: 'phone'; readonly reason: PhoneReason }
  | { readonly ok: false; readonly field: null; readonly reason: 'shape' };

/** Checks a whole verify request: its shape, then the name, then the number. */
export function checkRequest(body: unknown): RequestCheck {
  const request = requestShape(body);
  if (!request) return { ok: false, field: null, reason: 'shape' };
  const name = checkName(request.name);
  if (!name.ok) return { ok: false, field: 'name', reason: name.reason };
  const phone = checkPhone(request.phoneNumber);
  if (!phone.ok) return { ok: false, field: 'phone', reason: phone.reason };
  const { siteKey } = request;
  // Written out rather than spread: `{ ...result, siteKey }` takes V8's slow path, microseconds a request.
  if (siteKey === undefined) return { ok: true, name: name.value, phoneNumber: phone.value, carrier: phone.carrier };
  return { ok: true, name: name.value, phoneNumber: phone.value, carrier: phone.carrier, siteKey };
}
