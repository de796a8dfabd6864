// The metric registry on Node: the proxy's own metrics, with prom-client's process metrics (CPU, memory, event loop, GC) beside them.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricRegistryFactory } from './metrics.js';
import { createTextRegistry } from './metrics-text.js';

export interface PromRegistryOptions {
  /** Adds prom-client's default process metrics, prefixed `carrier_verify_`; on by default. */
  readonly processMetrics?: boolean;
}

/**
 * The proxy's metrics count in the web-standard registry, as on any runtime: it finds a series by one joined
 * string, where prom-client sorts and hashes the labels of every update, several updates a request. prom-client
 * collects the process metrics, and its exposition follows the proxy's.
 */
export function promRegistry(options: PromRegistryOptions = {}): MetricRegistryFactory {
  return (defs) => {
    const own = createTextRegistry(defs);
    if (!(options.processMetrics ?? true)) return own;
    // A registry of its own, not prom-client's global one, so that two apps in one process never share counts.
    const processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'carrier_verify_' });
    return {
      ...own,
      exposition: async () => `${await own.exposition()}${await processRegistry.metrics()}`,
    };
  };
}
