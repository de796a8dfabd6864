// Signed single-use verification tokens: issued on a match, checked once by the site's backend.
//
// Tokens are ES256 JWS. An asymmetric algorithm lets a site's backend check tokens offline with the public key
// set (GET /.well-known/jwks.json) without holding anything that could forge one. The subject is an HMAC of the
// normalised number and name keyed with the site's own secret: the site can check the binding offline, and two
// sites cannot correlate their users through it.
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import type { CarrierId } from '../widget/carriers.js';
import { checkName, checkPhone } from '../widget/validation.js';
import { isJsonObject } from './json.js';
import { createHasher, timingSafeEqual } from './privacy.js';
import type { Store } from './stores/types.js';

/** The one algorithm tokens are signed with; a token that names another (`none`, `HS256`, …) is refused. */
const TOKEN_ALG = 'ES256';
const TOKEN_ISSUER = 'carrier-verify';
/** Longest life of a token, in seconds. */
export const TOKEN_TTL_SECONDS = 300;
/** Longest token looked at: the proxy's are under a kilobyte, whatever the key id and the claims. */
export const MAX_TOKEN_LENGTH = 4096;
/**
 * How far apart, in seconds, the clocks that issue and check a token may be: another instance's, the site
 * backend's. A token issued up to this far "in the future" by the checking clock is fresh; a used-token mark is
 * kept this long past the token's expiry, for an instance whose clock is behind.
 */
const CLOCK_SKEW_SECONDS = 60;

/** A signing key as configured: a P-256 private JWK with its key id. */
export interface TokenKeyConfig {
  readonly kid: string;
  readonly jwk: JWK;
}

export interface TokenClaims {
  /** Site key the token was issued to (the audience). */
  readonly siteKey: string;
  /** HMAC-SHA-256 (base64url) of `phoneNumber \0 name`, keyed with the site's secret. */
  readonly subject: string;
  readonly code: string;
  readonly carrier: CarrierId | null;
  readonly phoneMasked: string;
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly id: string;
}

/**
 * Why a token was refused, in the words of Turnstile's siteverify where it has them:
 * - `invalid-input-response`: not a token of this proxy for this site (bad signature, other algorithm, other site,
 *   tampered), or not a token at all (not a string); also when `siteKey` is not a non-empty string.
 * - `timeout-or-duplicate`: expired (older than 300 s) or, at siteverify, already redeemed.
 * - `binding-mismatch`: a `binding` was given and the token was not issued for that pair, or the binding is not a
 *   text `secret`, `name` and `phoneNumber` (a form that did not post the pair, say).
 * - `invalid-jwks` (verifyToken only): the key set is not the proxy's `/.well-known/jwks.json` (not `{ keys: [...] }`,
 *   no public P-256 key, a private or unusable key): a configuration mistake, not a bad token.
 */
export type TokenError = 'invalid-input-response' | 'timeout-or-duplicate' | 'binding-mismatch' | 'invalid-jwks';

export type TokenCheck = { readonly ok: true; readonly claims: TokenClaims } | { readonly ok: false; readonly error: TokenError };

/**
 * Whom a token was issued to, as `TokenService.read` found it: its site and its subject (the HMAC of the verified
 * pair under the site's secret), as one string; undefined for anything but an unexpired token this proxy signed.
 */
export function holderOf(read: TokenCheck): string | undefined {
  return read.ok ? `${read.claims.siteKey}\u0000${read.claims.subject}` : undefined;
}

/** The proxy's public token keys, as `/.well-known/jwks.json` serves them. */
export type TokenKeySet = JSONWebKeySet;

export interface VerifyTokenOptions {
  /** The proxy's public key set, as served at `/.well-known/jwks.json`. */
  readonly jwks: JSONWebKeySet;
  /** The site the token must have been issued to. */
  readonly siteKey: string;
  /**
   * With `secret`, `name` and `phoneNumber`: the pair the token must have been issued for, as typed (normalised
   * here). `secret` is the site's secret, or, while it is being replaced, its secrets: a token matches under any.
   */
  readonly binding?: { readonly secret: string | readonly string[]; readonly name: string; readonly phoneNumber: string };
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

/**
 * The token subject for a pair: HMAC-SHA-256 of `phoneNumber \0 name` keyed with the site's secret. The
 * number and name must be normalised first (`checkPhone(...).value`, `checkName(...).value`).
 */
function tokenSubject(siteSecret: string, phoneNumber: string, name: string): Promise<string> {
  return createHasher(siteSecret)(phoneNumber, name);
}

function claimsOf(payload: JWTPayload): TokenClaims | null {
  const { aud, sub, iat, exp, jti } = payload;
  const { code, carrier, pm } = payload as Record<string, unknown>;
  if (typeof aud !== 'string' || typeof sub !== 'string' || typeof jti !== 'string') return null;
  if (typeof iat !== 'number' || typeof exp !== 'number' || typeof code !== 'string' || typeof pm !== 'string') return null;
  // exp is rounded up to the second, iat down: a token issued within a second carries a second more than its life.
  if (exp - iat > TOKEN_TTL_SECONDS + 1) return null;
  return { siteKey: aud, subject: sub, code, carrier: typeof carrier === 'string' ? (carrier as CarrierId) : null, phoneMasked: pm, issuedAt: iat, expiresAt: exp, id: jti };
}

/**
 * Checks a token offline: signature (ES256 only), issuer, audience, expiry and, when given, the binding to a
 * name and number. It cannot know whether the token was used before: only `/api/siteverify` enforces single use.
 * It never throws and never rejects, whatever it is given (plain JavaScript callers pass anything): a caller's
 * mistake resolves with `{ ok: false, error }`, a broken key set with `invalid-jwks`.
 */
export async function verifyToken(token: string, options: VerifyTokenOptions): Promise<TokenCheck> {
  try {
    const keySet = localKeySet((options as Partial<VerifyTokenOptions> | null | undefined)?.jwks);
    if (!keySet) return { ok: false, error: 'invalid-jwks' };
    return await checkToken(token, keySet, options);
  } catch {
    // Unreachable for any input checkToken knows of; a getter that throws, say, still gets an answer.
    return { ok: false, error: 'invalid-input-response' };
  }
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** A public key of the kind the proxy signs with (EC P-256 for ES256 signatures), as its JWKS lists them. */
function isTokenPublicKey(jwk: Record<string, unknown>): boolean {
  return jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string' && (jwk.alg === undefined || jwk.alg === TOKEN_ALG) && (jwk.use === undefined || jwk.use === 'sig');
}

/**
 * The key set as jose uses it, or null when it cannot be the proxy's: not `{ keys: [...] }` of objects (a `{}` or
 * `{ code: 'NOT_FOUND' }` from a wrong URL, `null`), no public P-256 key among its keys, or a private key in it.
 * Keys of other kinds are ignored, as JWKS readers do.
 */
function localKeySet(jwks: unknown): KeySet | null {
  if (!isJsonObject(jwks) || !Array.isArray(jwks.keys)) return null;
  const keys: unknown[] = jwks.keys;
  if (!keys.every(isJsonObject) || !keys.some(isTokenPublicKey) || keys.some((key) => key.d !== undefined)) return null;
  try {
    return createLocalJWKSet(jwks as unknown as JSONWebKeySet);
  } catch {
    return null;
  }
}

/** The time to check expiry against, or null when an injected clock does not give one (expiry could not be checked). */
function nowOf(now: unknown): number | null {
  if (now === undefined) return Date.now();
  if (typeof now !== 'function') return null;
  const value: unknown = now();
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The most secrets a binding is checked under: a site's own and those being retired. */
const MAX_BINDING_SECRETS = 5;

/**
 * The binding as given, if it is one: text secret (or a few), name and number (a pair that is not text was never
 * verified).
 */
function bindingOf(binding: unknown): { secrets: readonly string[]; name: string; phoneNumber: string } | null {
  if (!isJsonObject(binding)) return null;
  const { secret, name, phoneNumber } = binding;
  const secrets: unknown[] = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.length > MAX_BINDING_SECRETS || secrets.some((one) => typeof one !== 'string' || one === '')) return null;
  if (typeof name !== 'string' || typeof phoneNumber !== 'string') return null;
  return { secrets: secrets as string[], name, phoneNumber };
}

/**
 * The claims of a token this key set signed, unexpired at `now` and issued to `audience` when one is given: the
 * signature (ES256 only), the issuer, the expiry and the shape of the claims, not the binding nor single use.
 */
async function signedClaims(token: unknown, keySet: KeySet, now: number, audience: string | undefined): Promise<TokenCheck> {
  // Refused unread past any length this proxy issues: a backend may pass an untrusted form field straight in.
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, error: 'invalid-input-response' };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet, {
      algorithms: [TOKEN_ALG],
      issuer: TOKEN_ISSUER,
      ...(audience === undefined ? {} : { audience }),
      currentDate: new Date(now),
    }));
  } catch (error) {
    // A key jose refuses (a private key) or Web Crypto cannot import (a point not on the curve): the set is broken.
    if (error instanceof errors.JWKSInvalid || (error as { name?: unknown } | null)?.name === 'DataError') return { ok: false, error: 'invalid-jwks' };
    return { ok: false, error: error instanceof errors.JWTExpired ? 'timeout-or-duplicate' : 'invalid-input-response' };
  }
  const claims = claimsOf(payload);
  // The age is the expiry's business (a token lives no longer than TOKEN_TTL_SECONDS past its iat, and a second for
  // the rounding of its whole-second times); an iat ahead of this clock is one that is behind the issuer's, within
  // CLOCK_SKEW_SECONDS, or a token no instance of this proxy issued as the clocks stand.
  if (!claims || claims.issuedAt > now / 1000 + CLOCK_SKEW_SECONDS) return { ok: false, error: 'invalid-input-response' };
  return { ok: true, claims };
}

/**
 * verifyToken over a key set made once: jose keeps the keys it imported with the set. Resolves with a result for
 * any token and options: the key set is the only thing it trusts its caller for.
 */
async function checkToken(token: string, keySet: KeySet, options: Omit<VerifyTokenOptions, 'jwks'>): Promise<TokenCheck> {
  // jose skips the audience check for an empty or missing audience: a token for any site would pass.
  if (typeof options.siteKey !== 'string' || options.siteKey === '') return { ok: false, error: 'invalid-input-response' };
  const now = nowOf(options.now);
  if (now === null) return { ok: false, error: 'invalid-input-response' };
  return checkClaims(await signedClaims(token, keySet, now, options.siteKey), options);
}

/** A numeric character reference, decimal or hexadecimal: `&#134071;`, `&#x20BB7;`. */
const CHARACTER_REFERENCE = /&#(?:(\d{1,7})|[xX]([\da-fA-F]{1,6}));/g;

/**
 * A name as a form in a legacy charset carries it, read back: a browser writes each character the page's charset
 * lacks (𠮷, beyond GBK) as a numeric character reference, `&#134071;`, which the site's backend passes on as text.
 * No name holds `&`, `#` or `;`, so reading them back changes no other name; one that names no character stays as
 * written. The binding reads a posted name so before `checkName`, and a backend that stores the verified name does
 * the same: `checkName(nameFromForm(realName)).value`.
 */
export function nameFromForm(name: string): string {
  return name.replace(CHARACTER_REFERENCE, (whole, decimal?: string, hex?: string) => {
    const code = decimal ? Number(decimal) : parseInt(hex!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** A token's signed claims (signedClaims) checked against what the caller asks of them: the binding, when given. */
async function checkClaims(signed: TokenCheck, options: Pick<VerifyTokenOptions, 'binding'>): Promise<TokenCheck> {
  if (!signed.ok) return signed;
  const { claims } = signed;
  if (options.binding !== undefined) {
    // The pair as the site's form has it (`138 0013 8000`, ` 张 三 `, `&#134071;祥`): normalised by the same checks the proxy ran
    // before it issued the token. A pair those checks refuse, or one that is not text, was never verified
    // (siteverify answers the same for a posted pair that is not text).
    const binding = bindingOf(options.binding);
    if (!binding) return { ok: false, error: 'binding-mismatch' };
    const phone = checkPhone(binding.phoneNumber);
    const name = checkName(nameFromForm(binding.name));
    if (!phone.ok || !name.ok) return { ok: false, error: 'binding-mismatch' };
    const subjects = await Promise.all(binding.secrets.map((secret) => tokenSubject(secret, phone.value, name.value)));
    if (!subjects.some((subject) => timingSafeEqual(claims.subject, subject))) return { ok: false, error: 'binding-mismatch' };
  }
  return { ok: true, claims };
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function importSigningKey(config: TokenKeyConfig): Promise<SigningKey> {
  const privateKey = (await importJWK({ ...config.jwk, alg: TOKEN_ALG }, TOKEN_ALG)) as CryptoKey;
  // The public half only: a key exported by Web Crypto also says what the private key may do (`key_ops: ["sign"]`,
  // `ext`), which is not what its public half does; jose would refuse that half for checking signatures.
  const { kty, crv, x, y } = config.jwk;
  return { kid: config.kid, privateKey, publicJwk: { kty, crv, x, y, kid: config.kid, alg: TOKEN_ALG, use: 'sig' } };
}

/** A new P-256 signing key, for `npm run keygen` and for an ephemeral key when none is configured. */
export async function generateTokenKey(kid: string): Promise<TokenKeyConfig> {
  const { privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { kid, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d } };
}

/**
 * Proves each configured key can sign a token that its public half verifies, so that a broken key stops the
 * proxy at start-up rather than failing every match after the paid upstream call. Throws naming the key.
 */
export async function checkTokenKeys(keys: readonly TokenKeyConfig[]): Promise<void> {
  for (const config of keys) {
    try {
      const key = await importSigningKey(config);
      const probe = await new SignJWT({}).setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid }).setIssuer(TOKEN_ISSUER).sign(key.privateKey);
      await jwtVerify(probe, createLocalJWKSet({ keys: [key.publicJwk] }), { algorithms: [TOKEN_ALG], issuer: TOKEN_ISSUER });
    } catch {
      throw new Error(`key "${config.kid}" is not a usable P-256 private key (its x, y and d must belong together)`);
    }
  }
}

export interface TokenService {
  /** Signs a token for a verified pair. */
  issue(claims: Omit<TokenClaims, 'issuedAt' | 'expiresAt' | 'id'>): Promise<string>;
  /** The public keys, newest first, as a JWKS. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * The claims of an unexpired token this proxy signed, for whichever site, used or not: read before the secret is
   * checked, so that wrong secrets can be counted per token holder (see `holderOf`, `Limiter.secretBarred`).
   */
  read(token: unknown): Promise<TokenCheck>;
  /**
   * Verifies a token and marks it used; a second redemption fails with `timeout-or-duplicate`. `read` is what
   * `read()` said of the same token a moment before: its signature is not checked again, unless it was read as expired.
   */
  redeem(token: string, options: Omit<VerifyTokenOptions, 'jwks'>, read?: TokenCheck): Promise<TokenCheck>;
  /** Proves the configured keys (see checkTokenKeys); rejects naming a key that cannot sign. */
  ready(): Promise<void>;
}

/**
 * The proxy's token service. The first key signs; every key verifies, so that tokens signed by a retiring key
 * live out their 300 s after a rotation.
 */
export function createTokenService(keys: readonly TokenKeyConfig[] | undefined, store: Store, now: () => number): TokenService {
  let imported: Promise<SigningKey[]> | undefined;
  const signingKeys = () => (imported ??= keys && keys.length > 0 ? Promise.all(keys.map(importSigningKey)) : generateTokenKey('ephemeral').then((k) => Promise.all([importSigningKey(k)])));
  const jwks = async (): Promise<JSONWebKeySet> => ({ keys: (await signingKeys()).map((k) => k.publicJwk) });
  let keySet: Promise<KeySet> | undefined;
  const publicKeySet = () => (keySet ??= jwks().then(createLocalJWKSet));
  return {
    ready: () => (keys && keys.length > 0 ? checkTokenKeys(keys) : Promise.resolve()),
    async issue(claims) {
      const [key] = await signingKeys();
      if (!key) throw new Error('no token signing key');
      // Whole seconds, as JWT times are: the expiry rounded up, so that a token issued late in a second still lives
      // its full 300 s (rounded down with its iat, it would lose up to a second of them).
      const issuedMs = now();
      const issuedAt = Math.floor(issuedMs / 1000);
      return new SignJWT({ code: claims.code, carrier: claims.carrier, pm: claims.phoneMasked })
        .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(claims.siteKey)
        .setSubject(claims.subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.ceil(issuedMs / 1000) + TOKEN_TTL_SECONDS)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    },
    jwks,
    read: async (token) => signedClaims(token, await publicKeySet(), now(), undefined),
    async redeem(token, options, read) {
      // A token read for another site is refused as jose refuses another audience. One read as expired was read
      // without its audience, which jose checks first: it is checked again for this site, so that another site's
      // expired token is refused as another site's, as it is with no read and by verifyToken.
      const readExpired = read !== undefined && !read.ok && read.error === 'timeout-or-duplicate';
      const check = read && !readExpired
        ? await checkClaims(read.ok && read.claims.siteKey !== options.siteKey ? { ok: false, error: 'invalid-input-response' } : read, options)
        : await checkToken(token, await publicKeySet(), { ...options, now: options.now ?? now });
      if (!check.ok) return check;
      // Kept past the expiry for as long as another instance may take the token for unexpired: one whose clock is a
      // minute behind the issuer's, where this one's may be a minute ahead of it (two minutes apart).
      const ttlMs = (Math.max(0, check.claims.expiresAt - Math.floor(now() / 1000)) + 2 * CLOCK_SKEW_SECONDS) * 1000;
      const first = await store.claim(`token:${check.claims.id}`, ttlMs);
      return first ? check : { ok: false, error: 'timeout-or-duplicate' };
    },
  };
}
