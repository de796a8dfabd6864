// The sites allowed to use the proxy: each site key with its secret and the browser origins it may be embedded on.
import { timingSafeEqual } from './privacy.js';

export interface Site {
  readonly siteKey: string;
  /** Secret the site's backend sends to `/api/siteverify`; new tokens bind their pair under it. */
  readonly secret: string;
  /**
   * Secrets being retired, while backends still send them: siteverify takes them as the site's, and tokens bound
   * under one of them still match their pair. Left out once no backend sends them (see docs/backend.md, Rotating a site's secret).
   */
  readonly previousSecrets?: readonly string[];
  /** Allowed origins; `scheme://host:*` allows any port, or none. */
  readonly origins: readonly string[];
}

export const SANDBOX_SITE: Site = {
  siteKey: 'sandbox',
  secret: 'sandbox-secret',
  origins: ['http://localhost:*', 'https://localhost:*', 'http://127.0.0.1:*', 'https://127.0.0.1:*', 'http://[::1]:*', 'https://[::1]:*'],
};

/** Whether a browser origin is on a site's list. */
export function originAllowed(site: Site, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // A browser sends an origin in one form only (`https://shop.example`, no path, default port left out, lower
  // case): anything else is not a browser's, and must not be echoed back in Access-Control-Allow-Origin.
  if (url.origin !== origin) return false;
  return site.origins.some((allowed) => {
    if (!allowed.endsWith(':*')) return allowed === url.origin;
    return `${url.protocol}//${url.hostname}` === allowed.slice(0, -2);
  });
}

/** Every secret a site answers to: its own, then those being retired. */
export function secretsOf(site: Site): readonly string[] {
  return site.previousSecrets?.length ? [site.secret, ...site.previousSecrets] : [site.secret];
}

export interface SiteRegistry {
  /** The site a request is for: its `siteKey`, or the sandbox site when that is the only one. */
  resolve(siteKey: string | undefined): Site | null;
  /** Whether any site allows this origin (for CORS, before the body says which site it is). */
  anyAllows(origin: string): boolean;
  bySecret(secret: string): Site | null;
}

export function createSiteRegistry(sites: readonly Site[]): SiteRegistry {
  const byKey = new Map(sites.map((site) => [site.siteKey, site]));
  const onlySandbox = sites.length === 1 && sites[0]?.siteKey === SANDBOX_SITE.siteKey ? sites[0] : null;
  return {
    resolve: (siteKey) => (siteKey === undefined ? onlySandbox : byKey.get(siteKey) ?? null),
    anyAllows: (origin) => sites.some((site) => originAllowed(site, origin)),
    bySecret: (secret) => sites.find((site) => secretsOf(site).some((own) => timingSafeEqual(own, secret))) ?? null,
  };
}
