// Signed single-use verification tokens: issued on a match, checked once by the site's backend.
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { CarrierId } from '../widget/carriers.js';
import type { Store } from './stores/types.js';

/** The one algorithm tokens are signed with; a token that names another is refused. */
export const TOKEN_ALG = 'HS256';
export const TOKEN_ISSUER = 'carrier-verify';
/** Longest life of a token, in seconds. */
export const TOKEN_TTL_SECONDS = 300;
/** Fewest bytes of key material: HS256 wants at least 256 bits. */
export const TOKEN_KEY_MIN_BYTES = 32;

export interface TokenKey {
  /** Key id, written into each token's header so that keys can rotate. */
  readonly kid: string;
  readonly secret: string;
}

export interface TokenClaims {
  /** Site key the token was issued to. */
  readonly siteKey: string;
  /** HMAC of the normalised number and name. */
  readonly subject: string;
  readonly code: string;
  readonly carrier: CarrierId | null;
  readonly phoneMasked: string;
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly id: string;
}

/** Why a token was refused, in the words of Turnstile's siteverify. */
export type TokenError = 'invalid-input-response' | 'timeout-or-duplicate';

export type TokenCheck = { readonly ok: true; readonly claims: TokenClaims } | { readonly ok: false; readonly error: TokenError };

export interface TokenVerifyOptions {
  /** The first key signs; every key verifies, so that a retired key's tokens live out their 300 s. */
  readonly keys: readonly TokenKey[];
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

const encoder = new TextEncoder();

function keyFor(keys: readonly TokenKey[], kid: string | undefined): Uint8Array | null {
  const key = keys.find((k) => k.kid === kid);
  return key ? encoder.encode(key.secret) : null;
}

/** Signs a token for a verified pair. */
export async function issueToken(
  claims: Omit<TokenClaims, 'issuedAt' | 'expiresAt' | 'id'>,
  options: TokenVerifyOptions & { readonly ttlSeconds?: number },
): Promise<string> {
  const [key] = options.keys;
  if (!key) throw new Error('no token signing key');
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const ttl = Math.min(options.ttlSeconds ?? TOKEN_TTL_SECONDS, TOKEN_TTL_SECONDS);
  return new SignJWT({ code: claims.code, carrier: claims.carrier, pm: claims.phoneMasked })
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(claims.siteKey)
    .setSubject(claims.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .setJti(crypto.randomUUID())
    .sign(encoder.encode(key.secret));
}

function claimsOf(payload: JWTPayload): TokenClaims | null {
  const { aud, sub, iat, exp, jti } = payload;
  const { code, carrier, pm } = payload as Record<string, unknown>;
  if (typeof aud !== 'string' || typeof sub !== 'string' || typeof jti !== 'string') return null;
  if (typeof iat !== 'number' || typeof exp !== 'number' || typeof code !== 'string' || typeof pm !== 'string') return null;
  return { siteKey: aud, subject: sub, code, carrier: typeof carrier === 'string' ? (carrier as CarrierId) : null, phoneMasked: pm, issuedAt: iat, expiresAt: exp, id: jti };
}

/**
 * Checks a token's signature, algorithm, issuer, audience and expiry, offline. It cannot know whether the
 * token was used before: only `/api/siteverify` (or `redeemToken` with a shared store) enforces single use.
 */
export async function verifyToken(token: string, options: TokenVerifyOptions & { readonly siteKey?: string }): Promise<TokenCheck> {
  const now = (options.now ?? Date.now)();
  try {
    const { payload } = await jwtVerify(token, (header) => {
      const key = keyFor(options.keys, header.kid);
      if (!key) throw new errors.JWSSignatureVerificationFailed();
      return key;
    }, {
      algorithms: [TOKEN_ALG],
      issuer: TOKEN_ISSUER,
      ...(options.siteKey === undefined ? {} : { audience: options.siteKey }),
      currentDate: new Date(now),
      clockTolerance: 0,
      maxTokenAge: TOKEN_TTL_SECONDS,
    });
    const claims = claimsOf(payload);
    if (!claims || claims.expiresAt - claims.issuedAt > TOKEN_TTL_SECONDS) return { ok: false, error: 'invalid-input-response' };
    return { ok: true, claims };
  } catch (error) {
    return { ok: false, error: error instanceof errors.JWTExpired ? 'timeout-or-duplicate' : 'invalid-input-response' };
  }
}

/** Verifies a token and marks it used; a second redemption fails with `timeout-or-duplicate`. */
export async function redeemToken(token: string, store: Store, options: TokenVerifyOptions & { readonly siteKey: string }): Promise<TokenCheck> {
  const check = await verifyToken(token, options);
  if (!check.ok) return check;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const ttlMs = Math.max(1, check.claims.expiresAt - now) * 1000;
  const first = await store.claim(`token:${check.claims.id}`, ttlMs);
  return first ? check : { ok: false, error: 'timeout-or-duplicate' };
}
