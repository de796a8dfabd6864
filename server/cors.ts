// CORS for the verify route: answers preflights for allowed origins only, and gives the headers of the actual
// answer, which the app puts on the context (`cors`) and adds to the answer as it builds it. Plain functions
// rather than a middleware: the route calls them itself, so a verification goes through one handler, not two.

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

export interface SiteCors {
  /**
   * The answer to an OPTIONS preflight from `origin`: 204, with the allow headers for an allowed origin and without
   * them when there is no origin; null for an origin that is not allowed, which the caller refuses.
   */
  preflight(origin: string | undefined): Response | null;
  /** The CORS headers of an actual answer to `origin`. */
  headersFor(origin: string | undefined): Readonly<Record<string, string>>;
}

/** What an answer to an origin that is not allowed carries: only that it depends on the origin. */
const varyOnly: Readonly<Record<string, string>> = Object.freeze({ Vary: 'Origin' });

export function siteCors(options: SiteCorsOptions): SiteCors {
  const methods = options.allowMethods.join(', ');
  const headers = options.allowHeaders.join(', ');
  const exposed = options.exposeHeaders.join(', ');
  const maxAge = String(options.maxAge);
  const allowed = (origin: string | undefined): origin is string => origin !== undefined && options.allows(origin);
  return {
    preflight(origin) {
      const preflight: Record<string, string> = { Vary: 'Origin, Access-Control-Request-Headers' };
      if (origin !== undefined && !options.allows(origin)) return null;
      if (origin !== undefined) {
        preflight['Access-Control-Allow-Origin'] = origin;
        preflight['Access-Control-Allow-Methods'] = methods;
        preflight['Access-Control-Allow-Headers'] = headers;
        preflight['Access-Control-Max-Age'] = maxAge;
      }
      return new Response(null, { status: 204, headers: preflight });
    },
    headersFor(origin) {
      return allowed(origin) ? { Vary: 'Origin', 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': exposed } : varyOnly;
    },
  };
}
