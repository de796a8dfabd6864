// CORS for the verify route: answers preflights for allowed origins only, and leaves the headers of the actual
// answer on the context (`cors`), where the app adds them to the answer as it builds it.
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

export type CorsVariables = { cors?: Readonly<Record<string, string>> };

/** What an answer to an origin that is not allowed carries: only that it depends on the origin. */
const varyOnly: Readonly<Record<string, string>> = Object.freeze({ Vary: 'Origin' });

export function siteCors(options: SiteCorsOptions): MiddlewareHandler<{ Variables: CorsVariables }> {
  const methods = options.allowMethods.join(', ');
  const headers = options.allowHeaders.join(', ');
  const exposed = options.exposeHeaders.join(', ');
  const maxAge = String(options.maxAge);
  return function siteCors(c, next) {
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && options.allows(origin);
    if (c.req.method === 'OPTIONS') {
      const preflight: Record<string, string> = { Vary: 'Origin, Access-Control-Request-Headers' };
      if (allowed) {
        preflight['Access-Control-Allow-Origin'] = origin;
        preflight['Access-Control-Allow-Methods'] = methods;
        preflight['Access-Control-Allow-Headers'] = headers;
        preflight['Access-Control-Max-Age'] = maxAge;
      }
      return Promise.resolve(new Response(null, { status: 204, headers: preflight }));
    }
    c.set('cors', allowed ? { Vary: 'Origin', 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': exposed } : varyOnly);
    return next();
  };
}
