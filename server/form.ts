// Form bodies (application/x-www-form-urlencoded) in the charset their Content-Type names, which URLSearchParams
// cannot do: it reads every percent-escape as UTF-8, so `name=%CD%F5%CE%E5` from a backend writing GBK is not 王五.

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;
const SPACE = 0x20;

/** The value of an ASCII hex digit, or -1. */
function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** `+` as a space and each `%XX` as its byte, as the URL standard's form parser reads them; a stray `%` is kept. */
function unescaped(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const high = byte === PERCENT && i + 2 < bytes.length ? hexDigit(bytes[i + 1]!) : -1;
    const low = high === -1 ? -1 : hexDigit(bytes[i + 2]!);
    if (low !== -1) {
      out[length++] = high * 16 + low;
      i += 2;
    } else {
      out[length++] = byte === PLUS ? SPACE : byte;
    }
  }
  return out.subarray(0, length);
}

/**
 * The fields of a form body, each name and value unescaped as bytes and then decoded by `declared` (which throws on
 * bytes its charset does not have, when made `fatal`). The later of two fields of one name wins. The bytes are
 * split before they are decoded: in UTF-8, GBK, GB 18030 and Big5 no byte of a multi-byte character is `&`, `=`,
 * `+` or `%`.
 */
export function formFields(body: Uint8Array, declared: TextDecoder): Record<string, string> {
  // A form is never sent in UTF-16 (HTML sends UTF-8 for a page in it): a UTF-16 label is read as UTF-8.
  const decoder = declared.encoding.startsWith('utf-16') ? new TextDecoder('utf-8', { fatal: true }) : declared;
  const fields: [string, string][] = [];
  let start = 0;
  for (let end = 0; end <= body.length; end++) {
    if (end < body.length && body[end] !== AMPERSAND) continue;
    const field = body.subarray(start, end);
    start = end + 1;
    if (field.length === 0) continue;
    const equals = field.indexOf(EQUALS);
    const name = equals === -1 ? field : field.subarray(0, equals);
    const value = equals === -1 ? field.subarray(field.length) : field.subarray(equals + 1);
    fields.push([decoder.decode(unescaped(name)), decoder.decode(unescaped(value))]);
  }
  // fromEntries defines each name as an own property: a field named __proto__ is data, not the object's prototype.
  return Object.fromEntries(fields);
}
