// CORS for the verify route: answers only allowed origins, and keeps the handler's response as it was built.
//
// Hono's own `cors` appends `Vary` with `c.header()` after the handler has finished, which re-wraps every
// response around its body stream; @hono/node-server then has to stream each answer instead of sending the
// string it already holds, which costs a timer hop per request. This one sets its headers on the finished
// response in place.
import type { MiddlewareHandler } from 'hono';

export interface SiteCorsOptions {
  /** Whether a browser origin may call the route. */
  readonly allows: (origin: string) => boolean;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  /** Seconds a browser may cache a preflight answer. */
  readonly maxAge: number;
}

export function siteCors(options: SiteCorsOptions): MiddlewareHandler {
  const methods = options.allowMethods.join(', ');
  const headers = options.allowHeaders.join(', ');
  const exposed = options.exposeHeaders.join(', ');
  const maxAge = String(options.maxAge);
  return async function siteCors(c, next) {
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && options.allows(origin);
    if (c.req.method === 'OPTIONS') {
      const preflight = new Headers({ Vary: 'Origin, Access-Control-Request-Headers' });
      if (allowed) {
        preflight.set('Access-Control-Allow-Origin', origin);
        preflight.set('Access-Control-Allow-Methods', methods);
        preflight.set('Access-Control-Allow-Headers', headers);
        preflight.set('Access-Control-Max-Age', maxAge);
      }
      return new Response(null, { status: 204, headers: preflight });
    }
    await next();
    const response = c.res.headers;
    response.append('Vary', 'Origin');
    if (allowed) {
      response.set('Access-Control-Allow-Origin', origin);
      response.set('Access-Control-Expose-Headers', exposed);
    }
    return undefined;
  };
}
