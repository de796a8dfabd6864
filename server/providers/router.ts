// Sends a checked pair to a provider with its timeout, and turns every failure into UPSTREAM_ERROR or UPSTREAM_TIMEOUT.
import { UpstreamError, type Provider, type ProviderAnswer, type VerifyQuery } from './types.js';

export interface RoutedAnswer extends ProviderAnswer {
  readonly providerId: string;
  readonly latencyMs: number;
}

export interface ProviderRouter {
  readonly providers: readonly Provider[];
  verify(query: VerifyQuery): Promise<RoutedAnswer>;
}

/** Calls one provider, aborting it when its timeout passes. */
export async function callWithTimeout(provider: Provider, query: VerifyQuery): Promise<RoutedAnswer> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new UpstreamError('timeout', provider.id, `no answer within ${provider.timeoutMs} ms`));
    }, provider.timeoutMs);
  });
  try {
    const answer = await Promise.race([provider.verify(query, controller.signal), timedOut]);
    return { ...answer, providerId: provider.id, latencyMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

export function createRouter(providers: readonly Provider[]): ProviderRouter {
  if (providers.length === 0) throw new Error('at least one provider is needed');
  return {
    providers,
    verify: (query) => callWithTimeout(providers[0]!, query),
  };
}
