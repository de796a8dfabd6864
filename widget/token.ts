// Reads how long a verification token lives, in the browser; the signature is the proxy's business, not the widget's.

/**
 * How much sooner than its life the widget lets a token go, at most (a tenth of a short life): a form sent in the
 * token's last seconds must still reach the site's backend, and that backend the proxy's siteverify, while the
 * token lives. The token's trip to the widget comes out of this too, as the life is counted from its arrival.
 */
const TOKEN_MARGIN_MS = 10_000;

/**
 * Milliseconds the widget keeps a JWS token: its life (`exp - iat`) less the margin, or null when it has no
 * readable times. The widget counts this from the moment the token arrives, not against `exp`, so that a device
 * clock that is off does not expire a fresh token at once (or keep a stale one).
 */
export function tokenLifetime(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const { exp, iat } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || typeof iat !== 'number' || !(exp > iat)) return null;
    const life = (exp - iat) * 1000;
    return life - Math.min(TOKEN_MARGIN_MS, life / 10);
  } catch {
    return null;
  }
}
