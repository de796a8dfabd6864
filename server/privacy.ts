// Masking and keyed hashing, so that logs, metrics, tokens and cache keys never hold a raw name or number.

/** `13800138000` → `138****8000`. */
export function maskPhone(phoneNumber: string): string {
  if (phoneNumber.length < 8) return '*'.repeat(phoneNumber.length);
  return `${phoneNumber.slice(0, 3)}****${phoneNumber.slice(-4)}`;
}

/**
 * `张三` → `张*`, `欧阳娜娜` → `欧*`, `买买提·艾力` → `买*`: the first character and one star, whatever the length,
 * which would narrow a long or a minority name down.
 */
export function maskName(name: string): string {
  const first = name.codePointAt(0);
  return first === undefined ? '' : `${String.fromCodePoint(first)}*`;
}

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `bytes` random bytes, in hex (Web Crypto, as on every runtime the app runs on). */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A new random secret: 32 bytes, in hex. */
export function randomSecret(): string {
  return randomHex(32);
}

/**
 * A keyed hash: HMAC-SHA-256 of the parts joined by U+0000, in base64url. Web Crypto answers with a promise;
 * node:crypto answers at once, and a hot path can then go on without waiting a turn.
 */
export type Hasher = (...parts: string[]) => string | Promise<string>;

/** Makes a keyed hasher from a secret. */
export type HasherFactory = (secret: string) => Hasher;

/** A keyed hasher (HMAC-SHA-256, base64url) for cache and limit keys, on Web Crypto (any runtime). */
export function createHasher(secret: string): (...parts: string[]) => Promise<string> {
  const key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return async (...parts) => base64url(await crypto.subtle.sign('HMAC', await key, encoder.encode(parts.join('\u0000'))));
}

/** Compares two strings in time that does not depend on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
