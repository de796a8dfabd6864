// One provider's health: its circuit breaker, recent error rate and latency, and the weight routing gives it.
import { UNTIMED_FAILURES, UpstreamError, type Provider, type UpstreamFailure } from './types.js';

export interface BreakerOptions {
  /** Consecutive failed calls that open a provider's breaker. */
  readonly failureThreshold?: number;
  /** How long an open breaker waits before one call may probe the provider (half-open), in ms. */
  readonly halfOpenAfterMs?: number;
  /**
   * Longest wait after repeated failed probes: the wait doubles from `halfOpenAfterMs` up to this. Also the longest
   * rest a vendor's `Retry-After` buys.
   */
  readonly maxHalfOpenAfterMs?: number;
}

const breakerDefaults: Required<BreakerOptions> = { failureThreshold: 5, halfOpenAfterMs: 10_000, maxHalfOpenAfterMs: 120_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `/healthz` shows of a provider: no URL and no key, which may hold secrets. */
export interface ProviderHealth {
  readonly id: string;
  readonly adapter: string;
  readonly weight: number;
  readonly timeoutMs: number;
  /** `off` for a provider without one (the sandbox, whose faults are on purpose, or one configured `breaker: false`). */
  readonly breaker: BreakerState | 'off';
  /** Calls the provider answered or failed since start (calls skipped by an open breaker excluded). */
  readonly calls: number;
  readonly failures: number;
  /** Calls the provider rejected for their input (a name or a number it would not take): not failures of its own. */
  readonly rejected: number;
  /** Exponentially weighted share of recent calls that failed, 0 to 1. */
  readonly errorRate: number;
  /** Exponentially weighted latency of recent calls, in ms; null before the first. */
  readonly latencyMs: number | null;
  /** Share of traffic routing gives the provider now, relative to its configured weight (0 to 1). */
  readonly healthFactor: number;
  /**
   * While the breaker is `open`, in how many ms a request may probe the provider again (the rest a vendor's
   * `Retry-After` asked for included); null in any other state.
   */
  readonly retryInMs: number | null;
  /** The last failure: what it was, when, the wait the vendor asked for, and its HTTP status when it answered one. */
  readonly lastFailure: { readonly failure: UpstreamFailure; readonly at: string; readonly retryAfterMs?: number; readonly status?: number } | null;
}

/** Weight of the newest call in the moving averages: about the last ten calls count. */
const SMOOTHING = 0.2;
/** Least share a failing but closed provider keeps, so that it can show it has recovered. */
const MIN_FACTOR = 0.05;

/**
 * A circuit breaker on consecutive failures. Closed, calls go through, and `failureThreshold` failed calls in
 * a row open it, as does a single failure whose vendor asked for a rest (`Retry-After`). Open, calls are skipped
 * until its wait (or that rest) has passed; it is half-open from then: the next call is a probe, and every other
 * call is skipped while it runs. A good probe closes the breaker and resets the wait; a failed one opens it again
 * for twice as long, up to the longest wait. It only counts: it never wraps the call.
 *
 * Each call it lets through gets a ticket, the breaker's generation at that moment; opening starts a new one.
 * The outcome of a call that started before the latest opening is not counted: a failure still in flight
 * when the breaker opened must neither open it again nor push its probe back, and an old success must not
 * close it while its probe is out.
 */
export class CircuitBreaker {
  /** `open` until its probe is let through, even once its wait is over; `state` tells the two apart. */
  private current: BreakerState = 'closed';
  private failuresInARow = 0;
  /** When an open breaker lets its probe through, on its clock. */
  private probeAt = 0;
  private waitMs: number;
  private generation = 0;

  constructor(
    private readonly failureThreshold: number,
    private readonly firstWaitMs: number,
    private readonly longestWaitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.waitMs = firstWaitMs;
  }

  /**
   * What the next call would meet: `half-open` as soon as an open breaker's wait is over, its probe not yet made (the
   * next call is let through), as well as while the probe runs; `open` only while calls are still kept out.
   */
  get state(): BreakerState {
    return this.current === 'open' && this.now() >= this.probeAt ? 'half-open' : this.current;
  }

  /** While calls are kept out (`open`), the ms until a probe may go; null in any other state. */
  get retryInMs(): number | null {
    if (this.current !== 'open') return null;
    const ms = this.probeAt - this.now();
    return ms > 0 ? ms : null;
  }

  /**
   * The ticket of a call that may be made now, or null. A call let through while open is the probe, and the
   * breaker is half-open until its outcome.
   */
  allow(): number | null {
    if (this.current === 'closed') return this.generation;
    if (this.current === 'half-open' || this.now() < this.probeAt) return null;
    this.current = 'half-open';
    return this.generation;
  }

  succeeded(ticket: number): void {
    if (ticket !== this.generation) return;
    this.failuresInARow = 0;
    if (this.current === 'half-open') {
      this.current = 'closed';
      this.waitMs = this.firstWaitMs;
    }
  }

  /**
   * An answer that says nothing of the provider's health either way: a probe it ends leaves the breaker as it was
   * before the probe, open with its wait over (half-open), so that the next call probes again; a closed breaker's
   * count is left as it is.
   */
  answered(ticket: number): void {
    if (ticket === this.generation && this.current === 'half-open') this.current = 'open';
  }

  /**
   * A failed call. `restMs`, a rest its vendor asked for (Retry-After), opens the breaker at once for that long, up to
   * the longest wait: the vendor said it would refuse the calls meanwhile, and no longer (a provider that is the only
   * one is not kept out for a whole wait over a one-second throttle). A breaker that opens by its own count, or a
   * failed probe, waits its wait or the rest, whichever is longer.
   */
  failed(ticket: number, restMs = 0): void {
    if (ticket !== this.generation) return;
    const rest = Math.min(restMs, this.longestWaitMs);
    // Open, only the probe of this generation can fail: one `answered` ended, which another provider then overruled.
    if (this.current !== 'closed') {
      this.waitMs = Math.min(this.waitMs * 2, this.longestWaitMs);
      this.open(Math.max(this.waitMs, rest));
    } else if (++this.failuresInARow >= this.failureThreshold) {
      this.open(Math.max(this.waitMs, rest));
    } else if (rest > 0) {
      this.open(rest);
    }
  }

  /** Opens the breaker, keeping calls out for `forMs`. */
  private open(forMs: number): void {
    this.generation += 1;
    this.current = 'open';
    this.probeAt = this.now() + forMs;
    this.failuresInARow = 0;
  }
}

export class ProviderHealthState {
  private readonly breaker: CircuitBreaker;
  private calls = 0;
  private failures = 0;
  /** Calls rejected for their input (see `record`); those another provider answered are failures as well. */
  private rejected = 0;
  private errorRate = 0;
  private latency: number | null = null;
  private lastFailure: ProviderHealth['lastFailure'] = null;

  /** `now` is the breaker's clock (see CircuitBreaker); the router passes its own. */
  constructor(
    readonly provider: Provider,
    options: BreakerOptions = {},
    now?: () => number,
  ) {
    const { failureThreshold, halfOpenAfterMs, maxHalfOpenAfterMs } = { ...breakerDefaults, ...options };
    this.breaker = new CircuitBreaker(provider.breaker === false ? Infinity : failureThreshold, halfOpenAfterMs, Math.max(halfOpenAfterMs, maxHalfOpenAfterMs), now);
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  /**
   * The breaker's ticket for a call made now, or null: an open breaker (or a probe already in flight) says no,
   * and a request never waits on another request's probe. Each call it allows ends in `record` with its ticket.
   */
  allow(): number | null {
    return this.breaker.allow();
  }

  /** The failure of a call the breaker did not allow. */
  skipped(): UpstreamError {
    return new UpstreamError('circuit-open', this.provider.id, `circuit ${this.state}: provider skipped`);
  }

  /**
   * Records the outcome of a call that was made; the breaker counts it unless it opened since the call began. A call
   * `rejected` for its input is neither: whoever sends such input must neither open the breaker nor close it, nor
   * move the provider's share (see `overruled` for a rejection another provider proves wrong). `retryAfterMs` is the
   * rest the vendor asked for with its failure, which the breaker grants (a provider without one has none to grant).
   * A call `queued` out (given up in the proxy's own pool, never sent) is neither for the breaker, as a rejection:
   * a burst larger than the pool says nothing of the provider, which may be answering every call it gets. It counts
   * as a failure otherwise, in the provider's error rate, so that routing sends more of the burst elsewhere.
   * `status` is the HTTP status of a failure the vendor answered, shown with the last failure.
   */
  record(ticket: number, latencyMs: number, failure?: UpstreamFailure, retryAfterMs?: number, queued = false, status?: number): void {
    this.calls += 1;
    if (failure === 'rejected') {
      this.rejected += 1;
      return this.breaker.answered(ticket);
    }
    if (queued && failure !== undefined) {
      this.breaker.answered(ticket);
      return this.counted(failure);
    }
    // A connection refused or broken took no time of the provider's: only answers and timeouts move its latency.
    if (failure === undefined || !UNTIMED_FAILURES.has(failure)) this.latency = this.latency === null ? latencyMs : this.latency + SMOOTHING * (latencyMs - this.latency);
    if (failure !== undefined) return this.failed(ticket, failure, retryAfterMs, status);
    this.breaker.succeeded(ticket);
    this.errorRate -= SMOOTHING * this.errorRate;
  }

  /** A failure of the provider's: for its breaker, and counted (see `counted`). */
  private failed(ticket: number, failure: UpstreamFailure, retryAfterMs?: number, status?: number): void {
    this.breaker.failed(ticket, this.provider.breaker === false ? 0 : (retryAfterMs ?? 0));
    this.counted(failure, retryAfterMs, status);
  }

  /** A failure in the provider's count, its share and the last one shown. */
  private counted(failure: UpstreamFailure, retryAfterMs?: number, status?: number): void {
    this.failures += 1;
    this.errorRate += SMOOTHING * (1 - this.errorRate);
    const at = new Date().toISOString();
    this.lastFailure = { failure, at, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(status === undefined ? {} : { status }) };
  }

  /**
   * A call this provider `rejected` for its input, which another provider then matched (FP00000): the input was a
   * registered pair, so the rejection was the provider's failure (a wrong adapter or key, a gateway refusing every
   * call), and counts as one, for its breaker and its share. A provider that rejects everything does not hide behind
   * it. Only a match proves the input good: a mismatch or no record is what a lenient vendor answers to anything,
   * and a match cannot be asked for again and again (the cache answers it).
   */
  overruled(ticket: number, status?: number): void {
    this.failed(ticket, 'rejected', undefined, status);
  }

  /**
   * How much of its weight the provider gets now: less with recent errors, and less as its latency nears
   * its timeout (full share up to half the timeout, a tenth at the timeout).
   */
  healthFactor(): number {
    const errors = Math.max(MIN_FACTOR, 1 - this.errorRate);
    const half = this.provider.timeoutMs / 2;
    const slowness = this.latency === null || this.latency <= half ? 1 : Math.max(0.1, (this.provider.timeoutMs - this.latency) / half);
    return errors * slowness;
  }

  snapshot(): ProviderHealth {
    const { id, adapter, weight, timeoutMs } = this.provider;
    const retryIn = this.breaker.retryInMs;
    return {
      id,
      adapter: adapter ?? 'custom',
      weight,
      timeoutMs,
      breaker: this.provider.breaker === false ? 'off' : this.state,
      calls: this.calls,
      failures: this.failures,
      rejected: this.rejected,
      errorRate: Math.round(this.errorRate * 1000) / 1000,
      latencyMs: this.latency === null ? null : Math.round(this.latency * 10) / 10,
      healthFactor: Math.round(this.healthFactor() * 1000) / 1000,
      retryInMs: retryIn === null ? null : Math.ceil(retryIn),
      lastFailure: this.lastFailure,
    };
  }
}
