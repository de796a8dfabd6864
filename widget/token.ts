// Reads how long a verification token lives, in the browser; the signature is the proxy's business, not the widget's.

/**
 * Milliseconds a JWS token lives (`exp - iat`), or null when it has no readable times. The widget counts this
 * from the moment the token arrives, not against `exp`, so that a device clock that is off does not expire a
 * fresh token at once (or keep a stale one).
 */
export function tokenLifetime(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const { exp, iat } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    return typeof exp === 'number' && typeof iat === 'number' && exp > iat ? (exp - iat) * 1000 : null;
  } catch {
    return null;
  }
}
