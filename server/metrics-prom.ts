// The metric registry on Node: prom-client, with the process metrics (CPU, memory, event loop, GC) beside the proxy's.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricDef, MetricRegistry, MetricRegistryFactory } from './metrics.js';

type Instrument = Counter | Gauge | Histogram;

function instrumentFor(def: MetricDef, registry: Registry): Instrument {
  const common = { name: def.name, help: def.help, labelNames: def.labelNames, registers: [registry] };
  if (def.type === 'counter') return new Counter(common);
  if (def.type === 'gauge') return new Gauge(common);
  return new Histogram({ ...common, buckets: [...(def.buckets ?? [])] });
}

export interface PromRegistryOptions {
  /** Adds prom-client's default process metrics, prefixed `carrier_verify_`; on by default. */
  readonly processMetrics?: boolean;
}

export function promRegistry(options: PromRegistryOptions = {}): MetricRegistryFactory {
  return (defs) => {
    // A registry of its own, not prom-client's global one, so that two apps in one process never share counts.
    const registry = new Registry();
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'carrier_verify_' });
    const instruments = new Map(defs.map((def) => [def, instrumentFor(def, registry)]));
    const get = <T extends Instrument>(def: MetricDef, kind: new (...args: never[]) => T): T => {
      const found = instruments.get(def);
      if (!(found instanceof kind)) throw new TypeError(`${def.name} is not a registered ${kind.name}`);
      return found;
    };
    const registryApi: MetricRegistry = {
      contentType: registry.contentType,
      inc: (def, labels, value = 1) => get(def, Counter).inc(labels, value),
      set: (def, labels, value) => get(def, Gauge).set(labels, value),
      observe: (def, labels, value) => get(def, Histogram).observe(labels, value),
      exposition: () => registry.metrics(),
    };
    return registryApi;
  };
}
