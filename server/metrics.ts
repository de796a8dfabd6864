// The proxy's metrics: what the app, providers, limits and cache record, kept for Prometheus and for the dashboard.
//
// prom-client's Counter, Gauge and Histogram `require('util')`, and its entry point loads cluster, http and
// perf_hooks, so the app cannot import it and still run on an edge runtime. The app records into the `Metrics`
// below; where the numbers go for GET /metrics is a `MetricRegistry`: a small web-standard one (metrics-text.ts),
// which on Node metrics-prom.ts (injected by node.ts) follows with prom-client's process metrics.
import { isResultCode, ResultCode } from '../widget/codes.js';
import { BUCKET_MS, createTimeline, type TimelineEvent, type TimelineWindow } from './metrics-timeline.js';
import { createTextRegistry } from './metrics-text.js';
import { randomHex } from './privacy.js';
import type { ProviderHealth } from './providers/health.js';
import type { AttemptRecord } from './providers/router.js';
import { UNTIMED_FAILURES, type UpstreamFailure } from './providers/types.js';
import type { StoreHealth } from './stores/types.js';

export type CircuitState = ProviderHealth['breaker'];
/** States every provider's gauge lists, 0 or 1; a state the breaker reports beyond these is listed as it appears. */
const GAUGED_STATES: readonly string[] = ['closed', 'half-open', 'open', 'off'];

/** Where the breakers' states are read at each scrape: the router's health. */
export type CircuitSource = () => readonly { readonly id: string; readonly breaker: CircuitState }[];

/** One metric as Prometheus sees it: the one list both registries are built from. */
export interface MetricDef {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labelNames: readonly string[];
  /** Upper bounds of a histogram's buckets, in its unit. */
  readonly buckets?: readonly number[];
}

// Finer between 1 s and 3 s, where providers' timeouts (and the calls that wait them out) usually fall.
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10];

const metricDefs = {
  requests: {
    name: 'carrier_verify_requests_total',
    help: 'API requests answered, by route, answer code (result or error code), site key and provider',
    type: 'counter',
    labelNames: ['route', 'code', 'site', 'provider'],
  },
  requestDuration: {
    name: 'carrier_verify_request_duration_seconds',
    help: 'Time to answer an API request, upstream calls included',
    type: 'histogram',
    labelNames: ['route'],
    buckets: SECONDS_BUCKETS,
  },
  upstreamCalls: {
    name: 'carrier_verify_upstream_calls_total',
    help: 'Upstream calls by provider and result (a result code or a failure kind); calls skipped by an open breaker excluded',
    type: 'counter',
    labelNames: ['provider', 'result'],
  },
  upstreamDuration: {
    name: 'carrier_verify_upstream_duration_seconds',
    help: 'Latency of the upstream calls that gave a verdict or timed out, by provider and result; calls refused at their status, unreachable or reset are left out (counted in carrier_verify_upstream_calls_total), so that a provider down does not look fast',
    type: 'histogram',
    labelNames: ['provider', 'result'],
    buckets: SECONDS_BUCKETS,
  },
  rateLimited: {
    name: 'carrier_verify_rate_limited_total',
    help: 'Requests refused by a rate limit, by the limit that refused them and the site key',
    type: 'counter',
    labelNames: ['scope', 'site'],
  },
  siteBudgetUsed: {
    name: 'carrier_verify_site_budget_used',
    help: "Upstream calls counted on a site's budget (the site limit) in its current window, as this instance last counted one (all instances', with Redis; while Redis is down, this instance's count, which goes on from the last one Redis gave it); 0 once that window has ended",
    type: 'gauge',
    labelNames: ['site'],
  },
  siteBudgetLimit: {
    name: 'carrier_verify_site_budget_limit',
    help: "Upstream calls a site's budget allows in a window (CARRIER_VERIFY_LIMITS site=)",
    type: 'gauge',
    labelNames: ['site'],
  },
  cacheLookups: {
    name: 'carrier_verify_cache_lookups_total',
    help: 'Result cache look-ups; a hit answers without a billed upstream call',
    type: 'counter',
    labelNames: ['result'],
  },
  circuitState: {
    name: 'carrier_verify_circuit_state',
    help: 'Circuit breaker state per provider: 1 for the state it is in, 0 for the others',
    type: 'gauge',
    labelNames: ['provider', 'state'],
  },
  billedCalls: {
    name: 'carrier_verify_billed_calls_total',
    help: 'Upstream calls the vendor is expected to charge for (match and mismatch answers)',
    type: 'counter',
    labelNames: ['provider'],
  },
  maybeBilledFailures: {
    name: 'carrier_verify_maybe_billed_failures_total',
    help: 'Failed upstream calls that reached the vendor and may still have been charged (timeouts, lost answers)',
    type: 'counter',
    labelNames: ['provider'],
  },
  estimatedCost: {
    name: 'carrier_verify_estimated_cost_total',
    help: 'Estimated cost of the billed calls at CARRIER_VERIFY_PRICE_PER_CALL, in the currency of that price',
    type: 'counter',
    labelNames: ['provider'],
  },
  unreadable: {
    name: 'carrier_verify_unreadable_requests_total',
    help: 'Requests the program answered before the app could read them (not HTTP, headers too large, not sent in time, no URL to be made of them, CONNECT), by error code',
    type: 'counter',
    labelNames: ['code'],
  },
  storeUp: {
    name: 'carrier_verify_store_up',
    help: 'Whether the shared store (Redis) answers: 1 up, 0 down; absent while it has not answered yet, or with state in memory',
    type: 'gauge',
    labelNames: [],
  },
  storeEvicting: {
    name: 'carrier_verify_store_evicting',
    help: 'Whether the shared store (Redis) may evict keys, used-token marks among them: 1 under a maxmemory with a maxmemory-policy other than noeviction (or once it evicted keys), else 0; absent when not known (Redis refuses INFO) or with state in memory',
    type: 'gauge',
    labelNames: [],
  },
  pricePerCall: {
    name: 'carrier_verify_price_per_call',
    help: 'Price per billed upstream call used for the cost estimate',
    type: 'gauge',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDef>;

export type Labels = Readonly<Record<string, string>>;

/** Where the numbers for GET /metrics are kept. */
export interface MetricRegistry {
  readonly contentType: string;
  inc(def: MetricDef, labels: Labels, value?: number): void;
  set(def: MetricDef, labels: Labels, value: number): void;
  observe(def: MetricDef, labels: Labels, value: number): void;
  /** The Prometheus text exposition of every metric. */
  exposition(): Promise<string>;
}

/** Builds a registry holding `defs`. */
export type MetricRegistryFactory = (defs: readonly MetricDef[]) => MetricRegistry;

/** Answers the vendor is expected to bill; the upstream's page says usually only match and mismatch are. */
const BILLED_RESULTS: ReadonlySet<string> = new Set([ResultCode.match, ResultCode.mismatch]);

/** A breaker that skipped its provider: no call was made, so there is no latency to count. */
const SKIPPED = 'circuit-open';

/**
 * Label values are ids the operator configured or codes the proxy chose: short ASCII words. Anything else
 * (a name in Han characters, a number, a token) becomes `other`, so that a mistake upstream of this function
 * can neither leak a person's data into the metrics nor blow up their cardinality.
 */
export function safeLabel(value: string | undefined): string {
  if (value === undefined || value === '') return 'none';
  if (!/^[A-Za-z][\w.:-]{0,63}$/.test(value) || /\d{6,}/.test(value)) return 'other';
  return value;
}

/** Price of a billed call when CARRIER_VERIFY_PRICE_PER_CALL is absent: the middle of the ¥0.2–0.6 vendors ask. */
export const DEFAULT_PRICE_PER_CALL = 0.3;

/** Reads CARRIER_VERIFY_PRICE_PER_CALL: a decimal number, zero or more. */
export function parsePricePerCall(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PRICE_PER_CALL;
  const price = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !Number.isFinite(price)) throw new Error(`"${raw.slice(0, 20)}" is not a price such as 0.3`);
  return price;
}

export type ApiRoute = 'verify' | 'siteverify';

/** One answered API request, as the access log sees it. */
export interface RequestRecord {
  readonly route: ApiRoute;
  readonly status: number;
  /** The code answered: a result code, an error code, or a siteverify outcome. */
  readonly code: string;
  readonly site?: string;
  readonly provider?: string;
  /** Which rate limit refused the request (`ip`, `number`, `site`, `secret`), when one did. */
  readonly limit?: string;
  readonly seconds: number;
}

export interface StatsQuery {
  /** How far back, in milliseconds; the history keeps an hour. */
  readonly windowMs: number;
  /** Width of each point, in milliseconds: a multiple of the 10-second bucket (10 s when absent). */
  readonly stepMs?: number;
}

/** Which process answered: the dashboard is per instance, and behind a load balancer each refresh may reach another. */
export interface InstanceInfo {
  /** Eight hex digits, random for each instance. */
  readonly id: string;
  /** When it answered its first request (or was first asked for its stats). */
  readonly startedAt: number;
}

export interface Stats extends TimelineWindow {
  readonly generatedAt: number;
  readonly instance: InstanceInfo;
  readonly bucketMs: number;
  readonly pricePerCall: number;
  /** Providers known to the proxy, in configuration order, then any others seen. */
  readonly providers: readonly string[];
  readonly circuits: Readonly<Record<string, CircuitState>>;
  /** Each provider's latest failure (its kind, when, its HTTP status) on the stats' clock, for those that have one. */
  readonly lastFailures: Readonly<Record<string, { readonly failure: string; readonly at: string; readonly status?: number }>>;
  /** The shared store's state, when there is one that says. */
  readonly store?: StoreHealth;
  /**
   * Each site's budget as this instance last counted a call on it: calls counted in the current window (0 once it
   * has ended), the limit, and when the window ends; sites not asked for a call since the start are not listed.
   */
  readonly budgets: Readonly<Record<string, { readonly used: number; readonly limit: number; readonly resetsAt: string | null }>>;
}

/** What the app and its parts record into; one per app, in `config.metrics`. */
export interface Metrics {
  /** An answered API request; the app's access log calls it once per request. */
  request(record: RequestRecord): void;
  /** One attempt of the router on one provider; give it to `router.observe`. */
  upstreamCall(attempt: AttemptRecord): void;
  /**
   * The answer of a call that ran past its timeout (counted then as a failure that may have been billed), come after
   * all: billed, when it is a match or a mismatch, so the billed calls and the cost count it.
   */
  lateAnswer(providerId: string, code: string): void;
  /** A look-up in the result cache: a hit answers without an upstream call. */
  cacheLookup(hit: boolean): void;
  /** A call counted on a site's budget: `count` calls in its window so far, of `max`, the window ending in `resetMs`. */
  siteBudget(siteKey: string, count: number, max: number, resetMs: number): void;
  /** A request the Node program answered itself, the app never seeing it (see node.ts), by its error code. */
  unreadable(code: string): void;
  /** Where to read the circuit breakers' states from (the router's `health`). */
  watchCircuits(source: CircuitSource): void;
  /** Where to read the shared store's state from. */
  watchStore(source: () => StoreHealth | undefined): void;
  /**
   * Says that this instance's figures begin at `at`, ms since the epoch: when a program that runs the app started
   * counting (the Node program, at its start), so that a quiet time before the first request counts as quiet. Without
   * it they begin with the first event: where the app is built (an edge runtime's global scope) the clock may stand
   * still, and the time read there says nothing.
   */
  countFrom(at: number): void;
  /** Recent history for the dashboard. */
  stats(query: StatsQuery): Stats;
  /** GET /metrics. */
  exposition(): Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface MetricsOptions {
  /** Price of one billed upstream call; 0 when absent. */
  readonly pricePerCall?: number;
  readonly registry?: MetricRegistryFactory;
  readonly now?: () => number;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const price = options.pricePerCall ?? 0;
  const now = options.now ?? Date.now;
  const registry = (options.registry ?? createTextRegistry)(Object.values(metricDefs));
  const history = createTimeline(now);
  /**
   * The dashboard's history, whose first event marks when this instance's figures begin (`firstServed`): a request's
   * upstream call and cache look-up come before its answer, and must not fall before that mark.
   */
  const timeline = {
    record(event: TimelineEvent): void {
      firstServed ??= now();
      history.record(event);
    },
    window: history.window,
  };
  // Made on first use, not here: an edge runtime (Cloudflare Workers) refuses random values, and stops its clock,
  // in the global scope where an app is often built.
  let firstServed: number | undefined;
  let instance: InstanceInfo | undefined;
  const seen: string[] = [];
  let circuitSource: CircuitSource = () => [];
  let storeSource: () => StoreHealth | undefined = () => undefined;
  registry.set(metricDefs.pricePerCall, {}, price);

  /** A call the vendor bills, in the registry: the billed calls and their cost. */
  function countBilled(provider: string): void {
    registry.inc(metricDefs.billedCalls, { provider });
    registry.inc(metricDefs.estimatedCost, { provider }, price);
  }

  /** Each provider's latest failure, on this clock (the window's), under its label. */
  const lastFailures: Record<string, Stats['lastFailures'][string]> = {};
  const noteFailure = (label: string, failure: string, status: number | undefined): void => {
    const at = new Date(now()).toISOString();
    lastFailures[label] = status === undefined ? { failure, at } : { failure, at, status };
  };

  function upstreamCall(attempt: AttemptRecord): void {
    const id = safeLabel(attempt.providerId);
    if (!seen.includes(id)) seen.push(id);
    if (attempt.outcome === SKIPPED) return;
    // A rejection another provider overruled, reported again: the call was counted, its failure was not.
    if (attempt.overruled) {
      noteFailure(id, 'rejected', attempt.status);
      return timeline.record({ kind: 'overruled', provider: id });
    }
    const result = safeLabel(attempt.outcome);
    const billed = BILLED_RESULTS.has(result);
    // An answer is a result code; anything else the call ended in is a failure kind (`timeout`, `server-error`…),
    // but for input the vendor would not take (`rejected`), no failure of the provider's, as /healthz counts it.
    // Recorded first: a registry of the site's own that throws must not take the dashboard's figures with it.
    const failed = !isResultCode(attempt.outcome) && attempt.outcome !== 'rejected';
    const timed = !failed || !UNTIMED_FAILURES.has(attempt.outcome as UpstreamFailure);
    timeline.record({ kind: 'upstream', provider: id, ms: attempt.latencyMs, failed, timed, billed, cost: billed ? price : 0, maybeBilled: !billed && attempt.maybeBilled });
    if (failed) noteFailure(id, attempt.outcome, attempt.status);
    registry.inc(metricDefs.upstreamCalls, { provider: id, result });
    if (timed) registry.observe(metricDefs.upstreamDuration, { provider: id, result }, attempt.latencyMs / 1000);
    if (billed) {
      countBilled(id);
    } else if (attempt.maybeBilled) {
      registry.inc(metricDefs.maybeBilledFailures, { provider: id });
    }
  }

  /** The breakers as they are now, also written to the gauges (read at each scrape, never stale). */
  function circuits(): Record<string, CircuitState> {
    const states: Record<string, CircuitState> = {};
    for (const { id, breaker } of circuitSource()) {
      const label = safeLabel(id);
      states[label] = breaker;
      for (const each of new Set([...GAUGED_STATES, breaker])) registry.set(metricDefs.circuitState, { provider: label, state: each }, each === breaker ? 1 : 0);
    }
    return states;
  }

  /**
   * Each site's budget as last counted, keyed by its site key (configured, and public: each page names its own), so
   * that two keys the metrics both call `other` stay apart here; a window that has ended is used 0 (read at each scrape).
   */
  const budgets = new Map<string, { used: number; limit: number; endsAt: number }>();
  function siteBudgets(): Stats['budgets'] {
    const shown: Record<string, Stats['budgets'][string]> = {};
    for (const [siteKey, { used, limit, endsAt }] of budgets) {
      const current = now() < endsAt;
      shown[siteKey] = { used: current ? used : 0, limit, resetsAt: current ? new Date(endsAt).toISOString() : null };
      registry.set(metricDefs.siteBudgetUsed, { site: safeLabel(siteKey) }, shown[siteKey].used);
      registry.set(metricDefs.siteBudgetLimit, { site: safeLabel(siteKey) }, limit);
    }
    return shown;
  }

  /** The shared store's state as it is now, also written to its gauge (read at each scrape). */
  function store(): StoreHealth | undefined {
    const health = storeSource();
    if (health && health.state !== 'unknown') {
      registry.set(metricDefs.storeUp, {}, health.state === 'up' ? 1 : 0);
      if (health.evicting !== undefined) registry.set(metricDefs.storeEvicting, {}, health.evicting ? 1 : 0);
    }
    return health;
  }

  return {
    request(record) {
      const code = safeLabel(record.code);
      const labels = { route: record.route, code, site: safeLabel(record.site), provider: safeLabel(record.provider) };
      registry.inc(metricDefs.requests, labels);
      registry.observe(metricDefs.requestDuration, { route: record.route }, record.seconds);
      const limit = record.status === 429 ? safeLabel(record.limit ?? 'unknown') : undefined;
      if (limit) registry.inc(metricDefs.rateLimited, { scope: limit, site: labels.site });
      if (record.route === 'verify') timeline.record(limit ? { kind: 'response', code, status: record.status, limit } : { kind: 'response', code, status: record.status });
      else timeline.record({ kind: 'token-check', code });
    },
    upstreamCall,
    lateAnswer(providerId, code) {
      if (!BILLED_RESULTS.has(code)) return;
      // A call that failed with its timeout, counted then as one that may have been billed: it was.
      timeline.record({ kind: 'billed', cost: price, late: true });
      countBilled(safeLabel(providerId));
    },
    cacheLookup(hit) {
      registry.inc(metricDefs.cacheLookups, { result: hit ? 'hit' : 'miss' });
      timeline.record({ kind: 'cache', hit });
    },
    siteBudget(siteKey, count, max, resetMs) {
      // Past the limit, refused calls are counted too: the budget is used up, not more than used up.
      budgets.set(siteKey, { used: Math.min(count, max), limit: max, endsAt: now() + resetMs });
    },
    unreadable(code) {
      registry.inc(metricDefs.unreadable, { code: safeLabel(code) });
    },
    watchCircuits(source) {
      circuitSource = source;
    },
    watchStore(source) {
      storeSource = source;
    },
    countFrom(at) {
      firstServed ??= at;
    },
    stats({ windowMs, stepMs }) {
      const states = circuits();
      const providers = [...Object.keys(states), ...seen.filter((id) => !Object.hasOwn(states, id))];
      instance ??= { id: randomHex(4), startedAt: firstServed ?? now() };
      const health = store();
      return {
        generatedAt: now(),
        instance,
        bucketMs: BUCKET_MS,
        pricePerCall: price,
        providers,
        circuits: states,
        lastFailures: { ...lastFailures },
        ...(health ? { store: health } : {}),
        budgets: siteBudgets(),
        ...timeline.window(windowMs, stepMs),
      };
    },
    async exposition() {
      circuits();
      store();
      siteBudgets();
      return { contentType: registry.contentType, body: await registry.exposition() };
    },
  };
}
