// The dashboard's recent history: verify traffic in 10-second buckets over the last hour, latency quantiles per provider.

/** Width of one bucket of the history. */
export const BUCKET_MS = 10_000;
/** How far back the history reaches; older buckets are dropped as new ones open. */
export const RETENTION_MS = 60 * 60_000;

// Latencies are counted in log-spaced bins, each 20% wider than the one before, from 0.1 ms: a quantile read back
// lies in the true value's bin, so it is at most 20% off, and a bucket costs a few dozen numbers however much
// traffic it saw.
const SKETCH_BASE_MS = 0.1;
const SKETCH_GROWTH = 1.2;
const LOG_GROWTH = Math.log(SKETCH_GROWTH);

function binOf(ms: number): number {
  return ms <= SKETCH_BASE_MS ? 0 : Math.ceil(Math.log(ms / SKETCH_BASE_MS) / LOG_GROWTH);
}

function binUpperMs(bin: number): number {
  return SKETCH_BASE_MS * SKETCH_GROWTH ** bin;
}

/** A mergeable latency histogram that answers quantiles. */
export class LatencySketch {
  private readonly bins = new Map<number, number>();
  count = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const bin = binOf(ms);
    this.bins.set(bin, (this.bins.get(bin) ?? 0) + 1);
    this.count += 1;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
  }

  merge(other: LatencySketch): void {
    for (const [bin, n] of other.bins) this.bins.set(bin, (this.bins.get(bin) ?? 0) + n);
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The `q` quantile (0–1) in milliseconds, interpolated inside its bin and kept within what was seen; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let before = 0;
    for (const bin of [...this.bins.keys()].sort((a, b) => a - b)) {
      const n = this.bins.get(bin) ?? 0;
      if (before + n >= rank) {
        const lower = bin === 0 ? 0 : binUpperMs(bin - 1);
        const estimate = lower + (binUpperMs(bin) - lower) * ((rank - before) / n);
        return Math.min(this.max, Math.max(this.min, estimate));
      }
      before += n;
    }
    return this.max;
  }
}

export interface LatencySummary {
  /** Upstream calls measured. */
  readonly count: number;
  /**
   * Of those, the calls that failed (a timeout, an error status, a broken connection, an answer that could not be
   * read): a request the router then answered from another provider shows no error, only this. A call rejected for
   * its input is no failure of the provider's, unless another provider matched that input, as in /healthz.
   */
  readonly failed: number;
  /**
   * Median and 95th percentile in milliseconds of the calls that got an answer (a failed one's included) or ran
   * out of time; a connection refused, unreachable or reset, or a refusal at its status (429, 503, 401), has no
   * latency. Null without such calls.
   */
  readonly p50: number | null;
  readonly p95: number | null;
}

/** What happened in one bucket (or, in `totals`, over the whole window). */
export interface StatsCounts {
  /** Verify answers by code: a result code (`FP00000`…) or the error code the proxy answered with. */
  readonly requests: Record<string, number>;
  /** Server-side failures (HTTP 5xx) by error code. */
  readonly errors: Record<string, number>;
  /** Requests refused by a rate limit. */
  readonly rateLimited: number;
  /** The same by the limit that refused them: `ip`, `number`, `name`, `site` (`unknown` if none was named). */
  readonly limitedBy: Record<string, number>;
  readonly cacheHits: number;
  readonly cacheLookups: number;
  /** Upstream calls the vendor charges for (match and mismatch answers). */
  readonly billedCalls: number;
  /** Estimated cost of the billed calls, at the configured price per call. */
  readonly cost: number;
  /**
   * Failed upstream calls the vendor may have charged for all the same (a timeout, a connection broken after the
   * request was sent): in neither `billedCalls` nor `cost`, which count what was surely billed.
   */
  readonly maybeBilled: number;
  /** siteverify answers by code: `token-accepted`, or the error a site's backend was given (`invalid-input-secret`…). */
  readonly tokenChecks: Record<string, number>;
  /** Upstream call latency per provider id. */
  readonly latency: Record<string, LatencySummary>;
}

export interface StatsPoint extends StatsCounts {
  /** Start of the bucket, milliseconds since the epoch. */
  readonly t: number;
}

export interface TimelineWindow {
  readonly from: number;
  readonly to: number;
  /** Width of each point of `series`: a whole number of buckets. */
  readonly stepMs: number;
  readonly totals: StatsCounts;
  /** One point per step from `from` to `to`, empty ones included, oldest first. */
  readonly series: readonly StatsPoint[];
}

class Bucket {
  readonly requests = new Map<string, number>();
  readonly errors = new Map<string, number>();
  rateLimited = 0;
  readonly limitedBy = new Map<string, number>();
  cacheHits = 0;
  cacheLookups = 0;
  billedCalls = 0;
  cost = 0;
  maybeBilled = 0;
  readonly tokenChecks = new Map<string, number>();
  /** Upstream calls per provider id, and the latencies of those that got an answer or ran out of time. */
  readonly calls = new Map<string, number>();
  readonly latency = new Map<string, LatencySketch>();
  /** Failed upstream calls per provider id. */
  readonly failed = new Map<string, number>();

  merge(other: Bucket): void {
    addAll(this.requests, other.requests);
    addAll(this.errors, other.errors);
    this.rateLimited += other.rateLimited;
    addAll(this.limitedBy, other.limitedBy);
    this.cacheHits += other.cacheHits;
    this.cacheLookups += other.cacheLookups;
    this.billedCalls += other.billedCalls;
    this.cost += other.cost;
    this.maybeBilled += other.maybeBilled;
    addAll(this.tokenChecks, other.tokenChecks);
    addAll(this.calls, other.calls);
    for (const [provider, sketch] of other.latency) sketchOf(this, provider).merge(sketch);
    addAll(this.failed, other.failed);
  }

  counts(): StatsCounts {
    const latency: Record<string, LatencySummary> = {};
    for (const [provider, count] of this.calls) {
      const sketch = this.latency.get(provider);
      latency[provider] = { count, failed: this.failed.get(provider) ?? 0, p50: roundMs(sketch?.quantile(0.5) ?? null), p95: roundMs(sketch?.quantile(0.95) ?? null) };
    }
    return {
      requests: Object.fromEntries(this.requests),
      errors: Object.fromEntries(this.errors),
      rateLimited: this.rateLimited,
      limitedBy: Object.fromEntries(this.limitedBy),
      cacheHits: this.cacheHits,
      cacheLookups: this.cacheLookups,
      billedCalls: this.billedCalls,
      cost: Math.round(this.cost * 1e6) / 1e6,
      maybeBilled: Math.max(0, this.maybeBilled),
      tokenChecks: Object.fromEntries(this.tokenChecks),
      latency,
    };
  }
}

function addAll(into: Map<string, number>, from: Map<string, number>): void {
  for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n);
}

function sketchOf(bucket: Bucket, provider: string): LatencySketch {
  let sketch = bucket.latency.get(provider);
  if (!sketch) bucket.latency.set(provider, (sketch = new LatencySketch()));
  return sketch;
}

function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}

/** What the timeline is told; labels are already safe (see `safeLabel` in metrics.ts). */
export type TimelineEvent =
  | { readonly kind: 'response'; readonly code: string; readonly status: number; readonly limit?: string }
  /** A siteverify answer, by its code. */
  | { readonly kind: 'token-check'; readonly code: string }
  | {
      readonly kind: 'upstream';
      readonly provider: string;
      readonly ms: number;
      readonly failed: boolean;
      /**
       * Whether `ms` is the provider's latency: an answer of any kind, or the timeout it ran out. A connection
       * refused or broken has none: its few milliseconds would make a provider that is down look the fastest.
       */
      readonly timed: boolean;
      readonly billed: boolean;
      readonly cost: number;
      /** A failed call the vendor may have charged for all the same. */
      readonly maybeBilled?: boolean;
    }
  /** A call counted as rejected for its input, which another provider then matched: a failure after all. */
  | { readonly kind: 'overruled'; readonly provider: string }
  /** A call counted when it timed out, whose answer came after all, billed; `late`: it was counted as one that may be. */
  | { readonly kind: 'billed'; readonly cost: number; readonly late?: boolean }
  | { readonly kind: 'cache'; readonly hit: boolean };

export interface Timeline {
  record(event: TimelineEvent): void;
  /**
   * The last `windowMs` (at most the retention), ending with the bucket now open, in points of `stepMs` (rounded
   * to whole buckets). Steps are aligned to the clock, so that a point keeps its place from one read to the next.
   */
  window(windowMs: number, stepMs?: number): TimelineWindow;
}

export function createTimeline(now: () => number, bucketMs = BUCKET_MS, retentionMs = RETENTION_MS): Timeline {
  const buckets = new Map<number, Bucket>();
  const slots = Math.ceil(retentionMs / bucketMs);

  function current(): Bucket {
    const slot = Math.floor(now() / bucketMs);
    let bucket = buckets.get(slot);
    if (!bucket) {
      buckets.set(slot, (bucket = new Bucket()));
      for (const old of buckets.keys()) if (old <= slot - slots) buckets.delete(old);
    }
    return bucket;
  }

  function record(event: TimelineEvent): void {
    const bucket = current();
    if (event.kind === 'response') {
      bucket.requests.set(event.code, (bucket.requests.get(event.code) ?? 0) + 1);
      if (event.status >= 500) bucket.errors.set(event.code, (bucket.errors.get(event.code) ?? 0) + 1);
      if (event.status === 429) {
        bucket.rateLimited += 1;
        const limit = event.limit ?? 'unknown';
        bucket.limitedBy.set(limit, (bucket.limitedBy.get(limit) ?? 0) + 1);
      }
    } else if (event.kind === 'upstream') {
      bucket.calls.set(event.provider, (bucket.calls.get(event.provider) ?? 0) + 1);
      if (event.timed) sketchOf(bucket, event.provider).add(event.ms);
      if (event.failed) bucket.failed.set(event.provider, (bucket.failed.get(event.provider) ?? 0) + 1);
      if (event.billed) {
        bucket.billedCalls += 1;
        bucket.cost += event.cost;
      } else if (event.maybeBilled) {
        bucket.maybeBilled += 1;
      }
    } else if (event.kind === 'token-check') {
      bucket.tokenChecks.set(event.code, (bucket.tokenChecks.get(event.code) ?? 0) + 1);
    } else if (event.kind === 'overruled') {
      bucket.failed.set(event.provider, (bucket.failed.get(event.provider) ?? 0) + 1);
    } else if (event.kind === 'billed') {
      bucket.billedCalls += 1;
      bucket.cost += event.cost;
      // No longer a call that may have been billed. Taken off in this bucket, which may go below 0 where the timeout
      // fell in an earlier one: a window holding both adds up right, and one holding only this answer says 0.
      if (event.late) bucket.maybeBilled -= 1;
    } else {
      bucket.cacheLookups += 1;
      if (event.hit) bucket.cacheHits += 1;
    }
  }

  function window(windowMs: number, stepMs = bucketMs): TimelineWindow {
    const per = Math.max(1, Math.round(stepMs / bucketMs));
    const lastStep = Math.floor(Math.floor(now() / bucketMs) / per);
    const steps = Math.max(1, Math.min(Math.floor(slots / per), Math.ceil(windowMs / (per * bucketMs))));
    const total = new Bucket();
    const series: StatsPoint[] = [];
    for (let step = lastStep - steps + 1; step <= lastStep; step += 1) {
      const point = new Bucket();
      for (let slot = step * per; slot < (step + 1) * per; slot += 1) {
        const bucket = buckets.get(slot);
        if (bucket) point.merge(bucket);
      }
      total.merge(point);
      series.push({ t: step * per * bucketMs, ...point.counts() });
    }
    const from = (lastStep - steps + 1) * per * bucketMs;
    return { from, to: (lastStep + 1) * per * bucketMs, stepMs: per * bucketMs, totals: total.counts(), series };
  }

  return { record, window };
}
