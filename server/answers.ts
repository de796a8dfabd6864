// How answers leave the proxy. Each API answer is built once, with every header it needs in one plain object:
// the API's security headers below, the request id and the site's CORS headers. A plain object lets
// @hono/node-server write the answer as it was built; setting headers on a finished Response instead turns
// each one into a Headers object that has to be copied out again, several microseconds a header.

/** Content-Security-Policy of the pages: they load only their own scripts, styles and data. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  // The pages name where the site mounted the app in a base element (see pages.ts): on this origin only.
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
  // No string becomes code or markup on the pages but through Lit's own policy, which the widget renders with.
  "require-trusted-types-for 'script'",
  'trusted-types lit-html',
].join('; ');

/**
 * The hardening headers of the pages and files (the demo, the dashboard, the bundle, /metrics, /healthz).
 * Lit's constructed stylesheets are not subject to style-src. Cross-Origin-Resource-Policy is `cross-origin`
 * so that other sites can load the script-tag bundle. There is no Cross-Origin-Embedder-Policy: nothing here
 * needs cross-origin isolation.
 */
export const pageSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Origin-Agent-Cluster': '?1',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
});

/**
 * The hardening headers of the JSON API's answers (verify, siteverify, every error), as for any REST API: a
 * JSON answer loads nothing and is framed by nothing, and no cache may keep it, since it can carry a token.
 * The document-only headers of the pages (Permissions-Policy, Cross-Origin-Opener-Policy and the like) mean
 * nothing to a fetch, and every header is written on every answer.
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});

const jsonHeaders: Readonly<Record<string, string>> = Object.freeze({ ...apiSecurityHeaders, 'Content-Type': 'application/json' });

/** A JSON API answer with its security headers, then `headers` (request id, CORS, Retry-After) over them. */
export function jsonAnswer(body: unknown, status: number, headers: Readonly<Record<string, string>>): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...headers } });
}

/** Adds `headers` to an answer that was built elsewhere (a page, the metrics, a framework error). */
export function addHeaders(response: Response, headers: Readonly<Record<string, string>>): void {
  const target = response.headers;
  for (const name in headers) target.set(name, headers[name]!);
}
