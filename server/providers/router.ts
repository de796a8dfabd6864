// Smart routing: picks providers by weight and health, fails over only where the billing policy allows, and reports each attempt.
import { ResultCode } from '../../widget/codes.js';
import { ProviderHealthState, type BreakerOptions, type ProviderHealth } from './health.js';
import { failurePolicy, UpstreamError, type CallControl, type CallPhase, type Provider, type ProviderAnswer, type UpstreamFailure, type VerifyQuery } from './types.js';

/** One call to (or skip of) one provider within a request; what metrics count. */
export interface AttemptRecord {
  readonly providerId: string;
  readonly outcome: ResultCode | UpstreamFailure;
  /** 0 for a provider skipped by its open breaker. */
  readonly latencyMs: number;
  /** Whether the vendor may have charged for this call (a definite FP00000/FP03333 answer always may). */
  readonly maybeBilled: boolean;
  /** The upstream's HTTP status, for a call it answered outside 2xx: a 401 (a wrong key) is told from a 429 or 403. */
  readonly status?: number;
  /**
   * Set on a second report of a call `rejected` for its input, made once another provider matched that input: the
   * rejection was the provider's failure after all (see `ProviderHealthState.overruled`). Not another call.
   */
  readonly overruled?: true;
}

export interface RoutedAnswer extends ProviderAnswer {
  readonly providerId: string;
  /** Latency of the call that answered. */
  readonly latencyMs: number;
  /** Every attempt of this request, the answering one last. */
  readonly attempts: readonly AttemptRecord[];
}

/** An answer that came after its call's timeout had ended the request. */
export interface LateRoutedAnswer extends ProviderAnswer {
  readonly providerId: string;
  /** When it came, from the call's start. */
  readonly latencyMs: number;
}

/** The failure that ended a request, with every attempt that led to it. */
export class RoutingError extends UpstreamError {
  constructor(
    cause: UpstreamError,
    readonly attempts: readonly AttemptRecord[],
  ) {
    super(cause.failure, cause.providerId, cause.message, cause.status, cause.retryAfterMs);
  }

  /** Whether any call the request made may have been billed, not only the last: an earlier provider's may have. */
  override get maybeBilled(): boolean {
    return this.attempts.some((attempt) => attempt.maybeBilled);
  }
}

export interface RouterOptions extends BreakerOptions {
  /** Uniform numbers in [0, 1) for the weighted draw; `Math.random` unless a test injects its own. */
  readonly random?: () => number;
  /** Most calls per request that may have been billed; failover stops there (default 2). */
  readonly maxBilledCalls?: number;
  /** Longest time one request may spend across all providers, in ms (default twice the largest timeout). */
  readonly deadlineMs?: number;
  /**
   * The router's clock, in ms: what it reads for a request's deadline, each call's latency and its breakers' waits;
   * `performance.now()` unless a test injects its own. A call's timeout is a timer all the same.
   */
  readonly now?: () => number;
}

export interface ProviderRouter {
  readonly providers: readonly Provider[];
  /** Longest time one request spends across all providers, in ms. */
  readonly deadlineMs: number;
  /**
   * Asks the providers; `attempts`, when given, is the list the request's attempts are put in as they end, and
   * `late` is handed the answer of a call that came after its timeout, which ended the request (see callWithTimeout).
   */
  verify(query: VerifyQuery, attempts?: AttemptRecord[], late?: LateAnswer): Promise<RoutedAnswer>;
  /** Breaker state, error rate and latency per provider, for `/healthz` and the dashboard. */
  health(): ProviderHealth[];
  /**
   * Calls `listener` after every attempt, and once more for a rejection another provider overruled (`overruled`);
   * returns the function that stops it.
   */
  observe(listener: (attempt: AttemptRecord) => void): () => void;
  /**
   * Settles once the calls kept going for a late answer have ended, and what became of their answers: what a
   * stopping server waits for, once every request is answered, before it closes the store and the transport.
   */
  settled(): Promise<void>;
}

/** Result codes the vendors bill, so that a definite answer's attempt is reported as billed. */
const billedCodes: ReadonlySet<string> = new Set(['FP00000', 'FP03333']);

/**
 * The share of its timeout by which a call that waited for a free connection of its pool must be on its way. One
 * that waited longer is not sent: the vendor's answer would most likely come after the timeout, billed all the
 * same. It fails as `unreachable`, never billed and free to try elsewhere, at once rather than at its timeout. (A
 * connection that is slow to open, a TLS handshake say, is the provider's own pace, and no reason to give up.)
 */
const SEND_BY = 0.5;

/**
 * The CallControl of one call. A class rather than an object literal: accessors on a literal are rebuilt on
 * every call and cost several microseconds; on a prototype they cost nothing. The AbortController is made
 * only if the provider reads the signal.
 */
class Call implements CallControl {
  aborted = false;
  /** How far the call got, if its transport says. */
  phase: CallPhase | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private listeners: (() => void)[] | undefined = undefined;

  /** `late` gives the call up when it would leave the pool's queue after `sendBy` (see SEND_BY). */
  constructor(
    private readonly sendBy: number,
    private readonly late: () => void,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  progress(phase: CallPhase): void {
    if (this.phase === 'waiting' && phase === 'connecting' && performance.now() > this.sendBy) return this.late();
    this.phase = phase;
  }

  onAbort(listener: () => void): void {
    if (this.aborted) listener();
    else (this.listeners ??= []).push(listener);
  }

  /** Gives the call up: aborts the signal if it was made and calls every listener once. */
  abort(): void {
    this.aborted = true;
    this.controller?.abort();
    if (!this.listeners) return;
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener that throws must not keep the call from failing with its timeout.
      }
    }
  }
}

/**
 * What becomes of a call answered after its timeout (see callWithTimeout's `late`); a promise for work it goes on
 * with (the answer's caching), which a stopping server waits for as it does for the call.
 */
export type LateAnswer = (answer: LateRoutedAnswer) => void | Promise<void>;

/**
 * Calls one provider, aborting it when `timeoutMs` passes. The call fails with `timeout` then even if the
 * provider ignores its signal; or with `unreachable` if its transport said it was still waiting for a connection,
 * since such a request never left (a connect that hangs longer than a short provider timeout).
 *
 * With `late`, a call sent and not answered by its timeout fails then all the same, but is kept going as long again
 * before it is aborted: a vendor that answers just past the timeout has billed that answer, and `late` is handed it
 * (the result cache keeps it, so that the person's retry is answered without paying again). `track` is handed the
 * end of each such call kept going, and of what `late` does with its answer.
 */
export function callWithTimeout(provider: Provider, query: VerifyQuery, timeoutMs = provider.timeoutMs, late?: LateAnswer, track?: (work: Promise<void>) => void): Promise<ProviderAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    /** Set once the call has failed with its timeout and goes on for a late answer: its abort at the end of that. */
    let lateAbort: ReturnType<typeof setTimeout> | undefined;
    /** Ends the late call's tracked work. */
    let lateEnded: (() => void) | undefined;
    const giveUp = (failure: UpstreamError) => {
      clearTimeout(timer);
      call.abort();
      reject(failure);
    };
    const sendByMs = timeoutMs * SEND_BY;
    const call = new Call(performance.now() + sendByMs, () =>
      giveUp(new UpstreamError('unreachable', provider.id, `no free connection within ${Math.round(sendByMs)} ms`, undefined, undefined, true)),
    );
    const timer = setTimeout(() => {
      const ms = Math.round(timeoutMs);
      const { phase } = call;
      if (phase === undefined || phase === 'sent') {
        const timedOut = new UpstreamError('timeout', provider.id, `no answer within ${ms} ms`);
        if (!late) return giveUp(timedOut);
        // Its end, for whoever waits on it, as it is aborted: a provider that ignores its signal never settles.
        lateAbort = setTimeout(() => (call.abort(), lateEnded!()), timeoutMs);
        // No reason for a process to stay up: one that stops waits for it only within its grace period (see `track`).
        lateAbort.unref?.();
        track?.(new Promise<void>((resolve) => (lateEnded = resolve)));
        reject(timedOut);
      } else giveUp(new UpstreamError('unreachable', provider.id, phase === 'waiting' ? `no free connection within ${ms} ms` : `no connection within ${ms} ms`, undefined, undefined, phase === 'waiting'));
    }, timeoutMs);
    const settle = (answer: ProviderAnswer) => {
      clearTimeout(timer);
      if (lateAbort === undefined) return resolve(answer);
      clearTimeout(lateAbort);
      let saving: void | Promise<void> = undefined;
      try {
        const { code, message, idData, mobData } = answer;
        saving = late!({ code, message, idData, mobData, providerId: provider.id, latencyMs: performance.now() - started });
      } catch {
        // What becomes of a late answer is a saving, never a failure of the request, which has already ended.
      }
      void Promise.resolve(saving).then(lateEnded, lateEnded);
    };
    const fail = (error: unknown) => {
      clearTimeout(timer);
      clearTimeout(lateAbort);
      lateEnded?.();
      reject(error);
    };
    try {
      provider.verify(query, call).then(settle, fail);
    } catch (error) {
      // A provider that throws instead of rejecting fails the same way, and its timer does not linger.
      fail(error);
    }
  });
}

/** Draws every provider once, each draw weighted by configured weight times current health. */
function weightedOrder(states: readonly ProviderHealthState[], random: () => number): readonly ProviderHealthState[] {
  if (states.length === 1) return states;
  const pool = states.map((state) => ({ state, weight: state.provider.weight * state.healthFactor() }));
  const order: ProviderHealthState[] = [];
  while (pool.length > 1) {
    const total = pool.reduce((sum, entry) => sum + entry.weight, 0);
    let pick = random() * total;
    let index = pool.findIndex((entry) => (pick -= entry.weight) < 0);
    if (index < 0) index = pool.length - 1;
    order.push(pool.splice(index, 1)[0]!.state);
  }
  return [...order, ...pool.map((entry) => entry.state)];
}


function asUpstreamError(error: unknown, providerId: string): UpstreamError {
  return error instanceof UpstreamError ? error : new UpstreamError('malformed', providerId, 'provider failed unexpectedly');
}

/** A call a provider rejected for its input, kept in case another provider answers the same input. */
interface Rejection {
  readonly state: ProviderHealthState;
  readonly ticket: number;
  /** The HTTP status it was refused with, for the provider's last failure once overruled. */
  readonly status: number | undefined;
}

export function createRouter(providers: readonly Provider[], options: RouterOptions = {}): ProviderRouter {
  if (providers.length === 0) throw new Error('at least one provider is needed');
  const now = options.now ?? (() => performance.now());
  const states = providers.map((provider) => new ProviderHealthState(provider, options, now));
  const random = options.random ?? Math.random;
  const maxBilledCalls = options.maxBilledCalls ?? 2;
  const deadlineMs = options.deadlineMs ?? 2 * Math.max(...providers.map((p) => p.timeoutMs));
  const listeners = new Set<(attempt: AttemptRecord) => void>();
  /** The late calls under way, with what becomes of their answers. */
  const lateWork = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    lateWork.add(work);
    void work.then(() => lateWork.delete(work));
  };

  function report(attempts: AttemptRecord[], attempt: AttemptRecord): void {
    attempts.push(attempt);
    notify(attempt);
  }

  function notify(attempt: AttemptRecord): void {
    for (const listener of listeners) {
      try {
        listener(attempt);
      } catch {
        // A broken metrics listener must not break verification.
      }
    }
  }

  /** One provider through its breaker; resolves with the answer or the UpstreamError it failed with. */
  async function attempt(
    state: ProviderHealthState,
    query: VerifyQuery,
    timeoutMs: number,
    attempts: AttemptRecord[],
    rejections: Rejection[],
    late: LateAnswer | undefined,
  ) {
    const providerId = state.provider.id;
    const ticket = state.allow();
    if (ticket === null) {
      const skipped = state.skipped();
      report(attempts, { providerId, outcome: skipped.failure, latencyMs: 0, maybeBilled: false });
      return skipped;
    }
    const started = now();
    try {
      const answer = await callWithTimeout(state.provider, query, timeoutMs, late, track);
      const latencyMs = now() - started;
      state.record(ticket, latencyMs);
      report(attempts, { providerId, outcome: answer.code, latencyMs, maybeBilled: billedCodes.has(answer.code) });
      // Written out rather than spread: `{ ...answer, providerId }` takes V8's slow path, microseconds a call.
      return { code: answer.code, message: answer.message, idData: answer.idData, mobData: answer.mobData, providerId, latencyMs, attempts };
    } catch (error) {
      const failure = asUpstreamError(error, providerId);
      const latencyMs = now() - started;
      state.record(ticket, latencyMs, failure.failure, failure.retryAfterMs, failure.queued, failure.status);
      if (failure.failure === 'rejected') rejections.push({ state, ticket, status: failure.status });
      const { status } = failure;
      report(attempts, { providerId, outcome: failure.failure, latencyMs, maybeBilled: failure.maybeBilled, ...(status === undefined ? {} : { status }) });
      return failure;
    }
  }

  async function verify(query: VerifyQuery, attempts: AttemptRecord[] = [], late?: LateAnswer): Promise<RoutedAnswer> {
    const started = now();
    const rejections: Rejection[] = [];
    let last: UpstreamError | undefined;
    let billed = 0;
    for (const state of weightedOrder(states, random)) {
      const remaining = deadlineMs - (now() - started);
      // Under SEND_BY of the time it would have (its timeout, or a deadline set shorter) left, as for a call that waited
      // on its pool: the answer would most likely come after the deadline, billed all the same. Not sent; a provider
      // with a shorter timeout may still fit. The first provider always has the time.
      if (remaining < Math.min(state.provider.timeoutMs, deadlineMs) * SEND_BY) continue;
      const outcome = await attempt(state, query, Math.min(state.provider.timeoutMs, remaining), attempts, rejections, late);
      if (!(outcome instanceof UpstreamError)) {
        // Another provider matched the input they rejected: their rejection was their own failure.
        if (outcome.code === ResultCode.match) {
          for (const { state: rejecting, ticket, status } of rejections) {
            rejecting.overruled(ticket, status);
            notify({ providerId: rejecting.provider.id, outcome: 'rejected', latencyMs: 0, maybeBilled: false, overruled: true });
          }
        }
        return outcome;
      }
      if (outcome.failure !== 'circuit-open' || last === undefined) last = outcome;
      if (outcome.maybeBilled) billed += 1;
      if (!failurePolicy[outcome.failure].failover || billed >= maxBilledCalls) break;
    }
    throw new RoutingError(last ?? new UpstreamError('timeout', 'router', 'deadline passed before an answer'), attempts);
  }

  return {
    providers,
    deadlineMs,
    verify,
    health: () => states.map((state) => state.snapshot()),
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async settled() {
      while (lateWork.size > 0) await Promise.all(lateWork);
    },
  };
}
