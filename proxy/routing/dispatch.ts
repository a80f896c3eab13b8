/**
 * Gets one request accepted by the upstream: select an account, call it, and — until the upstream
 * has produced its first real event — fail over to other accounts on account-specific failures
 * (reference/proxy-contract.md §7.6, traps 1, 2, 5). Nothing here writes to the client: the caller
 * commits its response only once open() returns, so a rejection is still a real HTTP error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountCapReached, continuityOwnerUnavailable, globalAdmissionTimeout, noAccounts, streamIncomplete, upstreamRequestTimeout, upstreamUnavailable, poolExhausted, type ProxyError } from '../errors/catalogue.ts';
import type { PendingWork } from '../cluster/pending-work.ts';
import { EventPump } from '../upstream/event-pump.ts';
import { isVendorEvent, type JsonObject, type ResponseEvent } from '../upstream/events.ts';
import { buildUpstreamHeaders, type UpstreamIdentity } from '../upstream/headers.ts';
import { withInstallationId } from '../upstream/request-body.ts';
import { failureFromEvent, failureFromHttp } from '../upstream/upstream-error.ts';
import { toProxyError, type UpstreamFailure } from '../errors/catalogue.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import type { UpstreamStreamResponse } from '../upstream/sse-exchange.ts';
import { httpTransport, type UpstreamTransport } from '../upstream/transport.ts';
import { UNLIMITED, type AccountLimits, type AccountView, type RoutingStrategy } from './account-state.ts';
import type { AdmissionGate } from './admission.ts';
import type { AffinityPlan } from './affinity.ts';
import { CircuitBreakers, type CircuitProbe } from './circuit-breaker.ts';
import { allowsFailover, classifyFailure, isServerSideFailure, retriesOnSameAccount, type FailureClass } from './classify.ts';
import { AccountUnusableError, type AccountPool, type AffinityStore, type ResponseOwners, type UsageIngest } from './ports.ts';
import { quotaResetAt, rateLimitResetAt } from './reset-time.ts';
import type { Lease, RuntimeRegistry } from './runtime-state.ts';
import { selectAccount, type NoAccountReason, type Pin, type Selection } from './select.ts';
import { nextSilenceCheck, silenceBounds, silenceVerdict, type SilenceBounds } from './silence.ts';

/** Accounts tried per request before the last failure is surfaced (§7.6 `_STREAM_MAX_ACCOUNT_ATTEMPTS`). */
export const MAX_ACCOUNTS_PER_REQUEST = 3;
/** Same-account retries for transient failures, with 0.2 s × 2^(n−1) backoff (§7.6). */
export const MAX_TRANSIENT_RETRIES = 3;

export interface DispatchSettings {
  strategy: RoutingStrategy;
  /** Decorrelates round-robin ties across replicas. */
  replicaSalt: string;
  /** Version in the Codex fingerprint for non-native clients. */
  clientVersion: string;
  preferEarlierReset: boolean;
}

/** Writes the dispatcher leaves running after it returned: a failure must still be seen (logged, counted). */
export type BackgroundWrite = 'sticky_session_write' | 'stream_failure_record';

export interface DispatchObserver {
  accepted(accountId: string): void;
  attemptFailed(accountId: string, kind: FailureClass, failure: UpstreamFailure): void;
  refreshed(accountId: string): void;
  backgroundFailed(write: BackgroundWrite, accountId: string, err: unknown): void;
  /** One upstream attempt ended: from sending it to its last byte (or its refusal). */
  upstreamFinished(seconds: number, outcome: UpstreamOutcome): void;
}

/** How an upstream attempt ended: answered to its end, refused or broken, or given up by the client. */
export type UpstreamOutcome = 'completed' | 'failed' | 'cancelled';

export interface DispatchDeps {
  client: UpstreamClient;
  pool: AccountPool;
  runtime: RuntimeRegistry;
  usage: UsageIngest;
  affinity: AffinityStore;
  owners: ResponseOwners;
  settings: DispatchSettings;
  observer?: DispatchObserver;
  /** Where account marks learned after the stream started are written in the background. */
  pending: PendingWork;
  /** Per-account circuits; disabled when absent. */
  breakers?: CircuitBreakers;
  /** This replica's per-account concurrency limits (partitioned across the ring); unlimited when absent. */
  limits?: () => AccountLimits;
  /** Global response-create gates and how long a request waits for them or for an account slot. */
  admission?: Admission;
  /** Epoch milliseconds. */
  now?: () => number;
  random?: () => number;
}

export interface Admission {
  responses: AdmissionGate;
  compact: AdmissionGate;
  /** `CODEX_LB_PROXY_ADMISSION_WAIT_TIMEOUT_SECONDS` in ms. */
  waitMs: number;
}

export interface DispatchRequest {
  /** The normalized Responses body (per-account fields are added per attempt). */
  body: JsonObject;
  headers: IncomingHttpHeaders;
  requestId: string;
  plan: AffinityPlan;
  /** The input carries encrypted reasoning, readable only by the account that produced it. */
  encryptedReasoning: boolean;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * How long one attempt may wait for its first real upstream event (vendor events do not count)
   * before it is abandoned as a stall, counted against its account, and the request fails over.
   */
  firstEventTimeoutMs: number;
  idleTimeoutMs: number;
  /**
   * Called each time an attempt's upstream answered with a 2xx status, i.e. accepted the request. From
   * then on the caller may commit its answer and send keepalives while this still waits for the first
   * event: keepalives carry no response content, so failing over stays invisible to the client.
   */
  onAccepted?: () => void;
  /** Epoch ms by which the whole request must be done (request budget). */
  deadline: number;
  /** How attempts reach the upstream; a fresh HTTP SSE request each when absent. */
  transport?: UpstreamTransport;
  /** Report a stale `previous_response_id` as such (Codex-native sockets) instead of masking it. */
  surfaceStaleAnchor?: boolean;
  /** A compaction request (its own global gate). */
  compact?: boolean;
}

export type StreamOutcome = { kind: 'success' } | { kind: 'failure'; failure: UpstreamFailure } | { kind: 'neutral' };

/** An upstream stream that has been accepted and may now be relayed to the client. */
export interface OpenStream {
  accountId: string;
  upstreamStatus: number;
  upstreamHeaders: IncomingHttpHeaders;
  /** What carries the stream (a cut is reported as the cut of that connection). */
  transport: 'http' | 'websocket';
  /** Events pulled while probing, in order (vendor events included). */
  head: ResponseEvent[];
  /** Settles when the request's affinity binding is stored (await before the answer ends). */
  bound: Promise<void>;
  /** Epoch ms of the last upstream event (or of the upstream's answer): idle time counts from here. */
  lastEventAt: number;
  /** Epoch ms at which the accepted attempt was sent upstream (what came before is the proxy's own time). */
  sentAt: number;
  pump: EventPump;
  /** Releases the upstream connection and the account's in-flight slot; records the outcome. Idempotent. */
  finish(outcome: StreamOutcome): void;
}

type Attempt = { ok: true; stream: OpenStream } | { ok: false; kind: FailureClass; failure: UpstreamFailure };

export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
}

export function isRequestAborted(err: unknown): boolean {
  return err instanceof RequestAborted;
}

function failureOf(error: ProxyError, status?: number): UpstreamFailure {
  return { status, code: error.code, type: error.type, message: error.message };
}

export class Dispatcher {
  readonly #deps: DispatchDeps;
  readonly #http: UpstreamTransport;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #breakers: CircuitBreakers;

  constructor(deps: DispatchDeps) {
    this.#deps = deps;
    this.#http = httpTransport(deps.client);
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#breakers = deps.breakers ?? new CircuitBreakers({ enabled: false });
  }

  get breakers(): CircuitBreakers {
    return this.#breakers;
  }

  /**
   * Resolves with an accepted stream, or rejects with the ProxyError the client should get. The
   * global response-create gate is held until the upstream accepted (or the request failed).
   */
  async open(request: DispatchRequest): Promise<OpenStream> {
    const admission = this.#deps.admission;
    let leave: (() => void) | undefined;
    if (admission) {
      leave = await (request.compact ? admission.compact : admission.responses).enter(this.#waitMs(request), request.signal);
      if (!leave) {
        this.#checkAlive(request);
        throw globalAdmissionTimeout();
      }
    }
    try {
      return await this.#open(request);
    } finally {
      leave?.();
    }
  }

  /** How long a request may wait for admission: the admission wait, within its budget. */
  #waitMs(request: DispatchRequest): number {
    return Math.max(0, Math.min(this.#deps.admission?.waitMs ?? 0, request.deadline - this.#now()));
  }

  async #open(request: DispatchRequest): Promise<OpenStream> {
    const { plan } = request;
    const waitUntil = this.#now() + this.#waitMs(request);
    const stickyOwner = plan.sticky ? await this.#deps.affinity.get(plan.sticky.kind, plan.sticky.key) : undefined;
    const responseOwner = plan.previousResponseId ? await this.#deps.owners.owner(plan.previousResponseId) : undefined;
    // Continuation state only its account can read pins the request there, failures included (trap 2).
    const strictOwner = responseOwner ?? (request.encryptedReasoning && plan.sticky?.hard ? stickyOwner : undefined);
    const pin: Pin | undefined =
      stickyOwner && plan.sticky
        ? { accountId: stickyOwner, kind: plan.sticky.hard ? 'hard' : 'soft' }
        : plan.preferredAccount
          ? { accountId: plan.preferredAccount, kind: 'hard' }
          : undefined;

    const tried = new Set<string>();
    let last: { kind: FailureClass; failure: UpstreamFailure } | undefined;
    while (tried.size < MAX_ACCOUNTS_PER_REQUEST) {
      this.#checkAlive(request);
      const accounts = await this.#deps.pool.list();
      const nowSeconds = this.#now() / 1000;
      const selection = this.#select(strictOwner ? accounts.filter((a) => a.id === strictOwner) : accounts, nowSeconds, {
        exclude: tried,
        pin: strictOwner ? undefined : pin,
      });
      if (!selection.ok) {
        if (selection.reason.kind === 'saturated') {
          // Accounts at a concurrency cap free up as streams end: wait for a slot, within the admission wait.
          const remaining = waitUntil - this.#now();
          if (remaining > 0) {
            await this.#deps.runtime.released(remaining, request.signal);
            continue;
          }
          if (last) throw toProxyError(last.failure, request);
          throw accountCapReached(selection.reason.code);
        }
        if (last && selection.reason.kind !== 'usage_exhausted') throw toProxyError(last.failure, request);
        throw this.#noAccountError(selection.reason, nowSeconds, strictOwner !== undefined);
      }
      const accountId = selection.accountId;
      // Before anything awaits: the account's slots are taken now (concurrent selections see them), and a
      // half-open circuit admits exactly one probe.
      const lease = this.#deps.runtime.acquire(accountId);
      const probe = this.#breakers.begin(accountId);
      tried.add(accountId);
      this.#deps.runtime.markSelected(accountId, nowSeconds);
      const attempt = await this.#attemptAccount(accountId, request, probe, lease);
      if (attempt.ok) {
        this.#deps.observer?.accepted(accountId);
        // A followed durable pin is already stored; TTL pins are rewritten to refresh their age.
        const persist = selection.pin === 'none' || selection.pin === 'rebound' || (selection.pin === 'followed' && plan.sticky?.ttlSeconds !== null);
        if (plan.sticky && persist) {
          // Not awaited here (it would delay the first byte); the caller awaits `bound` before the
          // answer ends, so the client's next turn finds the binding.
          attempt.stream.bound = this.#deps.affinity
            .set(plan.sticky.kind, plan.sticky.key, accountId, plan.sticky.ttlSeconds)
            .catch((err: unknown) => this.#deps.observer?.backgroundFailed('sticky_session_write', accountId, err));
        }
        return attempt.stream;
      }
      last = attempt;
      if (strictOwner || !allowsFailover(attempt.kind)) break;
    }
    throw await this.#exhaustedError(last as { kind: FailureClass; failure: UpstreamFailure }, request);
  }

  /**
   * Every attempt failed. When the pool as a whole is now usage-exhausted the client gets the
   * pool-wide 429 with the earliest reset; otherwise the last upstream failure, as upstream said it.
   */
  async #exhaustedError(last: { kind: FailureClass; failure: UpstreamFailure }, request: DispatchRequest): Promise<ProxyError> {
    if (last.kind === 'rate_limit' || last.kind === 'quota') {
      const nowSeconds = this.#now() / 1000;
      const selection = this.#select(await this.#deps.pool.list(), nowSeconds, {});
      if (!selection.ok && selection.reason.kind === 'usage_exhausted') return poolExhausted(selection.reason, nowSeconds);
    }
    return toProxyError(last.failure, request);
  }

  #select(accounts: AccountView[], now: number, extra: { exclude?: ReadonlySet<string>; pin?: Pin }): Selection {
    const { settings, runtime } = this.#deps;
    return selectAccount({
      accounts,
      runtime: runtime.snapshot(),
      strategy: settings.strategy,
      now,
      random: this.#random,
      replicaSalt: settings.replicaSalt,
      preferEarlierReset: settings.preferEarlierReset,
      limits: this.#deps.limits?.() ?? UNLIMITED,
      circuitOpen: this.#breakers.refusing(accounts.map((a) => a.id)),
      errorBackoff: !this.#breakers.enabled,
      ...extra,
    });
  }

  #noAccountError(reason: NoAccountReason, nowSeconds: number, strict: boolean): ProxyError {
    if (reason.kind === 'usage_exhausted') return poolExhausted(reason, nowSeconds);
    if (reason.kind === 'saturated') return accountCapReached(reason.code);
    return strict ? continuityOwnerUnavailable() : noAccounts(reason.message);
  }

  #checkAlive(request: DispatchRequest): void {
    if (request.signal.aborted) throw new RequestAborted('client went away');
    if (this.#now() >= request.deadline) throw upstreamRequestTimeout();
  }

  /** One account: a forced refresh + single retry on 401, same-account retries on transient failures. */
  /** `lease` is held for the whole attempt; an accepted stream releases it when it finishes, anything else here. */
  async #attemptAccount(accountId: string, request: DispatchRequest, probe: CircuitProbe, lease: Lease): Promise<Attempt> {
    try {
      const attempt = await this.#tryAccount(accountId, request, probe, lease);
      if (!attempt.ok) lease.release();
      return attempt;
    } catch (err) {
      probe.abandon();
      lease.release();
      throw err;
    }
  }

  async #tryAccount(accountId: string, request: DispatchRequest, probe: CircuitProbe, lease: Lease): Promise<Attempt> {
    let refreshed = false;
    let transientRetries = 0;
    let identity: UpstreamIdentity;
    try {
      identity = await this.#deps.pool.credentials(accountId);
    } catch (err) {
      probe.abandon();
      return this.#unusable(accountId, err);
    }
    for (;;) {
      this.#checkAlive(request);
      const attempt = await this.#send(accountId, identity, request, lease);
      if (attempt.ok) {
        probe.success();
        return attempt;
      }
      if (isServerSideFailure(attempt.failure)) probe.failure();
      else probe.abandon();
      const { kind: classified } = attempt;
      // A second 401 after a fresh token is this account's problem, not the client's: record it and move on.
      const kind = classified === 'unauthorized' && refreshed ? 'transient' : classified;
      await this.#applyEffects(accountId, kind, attempt.failure);
      this.#deps.observer?.attemptFailed(accountId, kind, attempt.failure);
      if (classified === 'unauthorized' && refreshed) return { ok: false, kind, failure: attempt.failure };
      if (kind === 'unauthorized') {
        refreshed = true;
        try {
          identity = await this.#deps.pool.refreshedCredentials(accountId, identity);
          this.#deps.observer?.refreshed(accountId);
        } catch (err) {
          return this.#unusable(accountId, err);
        }
        continue;
      }
      // An account whose circuit just opened gets no more tries within this request.
      if (kind === 'transient' && transientRetries < MAX_TRANSIENT_RETRIES && !probe.open && retriesOnSameAccount(attempt.failure)) {
        transientRetries += 1;
        const delay = 200 * 2 ** (transientRetries - 1) * (0.9 + 0.2 * this.#random());
        if (this.#now() + delay >= request.deadline) return { ok: false, kind, failure: attempt.failure };
        await sleep(delay, undefined, { signal: request.signal }).catch(() => undefined);
        continue;
      }
      return { ok: false, kind, failure: attempt.failure };
    }
  }

  #unusable(accountId: string, err: unknown): Attempt {
    if (!(err instanceof AccountUnusableError)) throw err;
    const failure: UpstreamFailure = { status: undefined, code: err.code, type: 'server_error', message: err.message };
    this.#deps.observer?.attemptFailed(accountId, 'reauth', failure);
    return { ok: false, kind: 'reauth', failure };
  }

  async #applyEffects(accountId: string, kind: FailureClass, failure: UpstreamFailure): Promise<void> {
    const { pool, runtime } = this.#deps;
    const now = this.#now() / 1000;
    const hints = { resetsAt: failure.resetsAt, resetsInSeconds: failure.resetsInSeconds, message: failure.message };
    switch (kind) {
      case 'rate_limit':
        await pool.markRateLimited(accountId, rateLimitResetAt(hints, now, runtime.recordRateLimit(accountId)), failure.code);
        break;
      case 'quota':
        // The persisted block (with its 30 s floor) is the only cooldown: an admin re-enabling the
        // account must take effect at once, on every replica.
        await pool.markQuotaExceeded(accountId, quotaResetAt(hints, now), failure.code);
        break;
      case 'reauth':
        await pool.markUnusable(accountId, 'reauth_required', failure.code);
        break;
      case 'deactivated':
        await pool.markUnusable(accountId, 'deactivated', failure.code);
        break;
      case 'transient':
        runtime.recordError(accountId, now);
        break;
      default:
        break;
    }
  }

  /** Records a failure that happened after the stream was relayed (no failover, but the account learns). */
  async recordStreamFailure(accountId: string, failure: UpstreamFailure): Promise<void> {
    if (isServerSideFailure(failure)) this.#breakers.failed(accountId);
    const kind = classifyFailure(failure);
    await this.#applyEffects(accountId, kind, failure);
    this.#deps.observer?.attemptFailed(accountId, kind, failure);
  }

  async #send(accountId: string, identity: UpstreamIdentity, request: DispatchRequest, lease: Lease): Promise<Attempt> {
    const { usage, runtime, settings } = this.#deps;
    const transport = request.transport ?? this.#http;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    // The closures below live as long as an accepted stream: they hold the signal, never the request (its body).
    const clientSignal = request.signal;
    clientSignal.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => clientSignal.removeEventListener('abort', onAbort);
    const headers = buildUpstreamHeaders(request.headers, identity, {
      requestId: request.requestId,
      clientVersion: settings.clientVersion,
      transport: transport.kind,
      responsesLite: Array.isArray(request.body.input) && request.body.input.some((i) => typeof i === 'object' && i !== null && (i as JsonObject).type === 'additional_tools'),
    });
    const body = withInstallationId(request.body, identity.installationId ?? undefined);

    // The upstream's answer (its status line) is bounded like any silence before the first event:
    // by the first-event deadline, the idle timeout and the budget, whichever comes first.
    const sentAt = this.#now();
    const bounds = silenceBounds(request, sentAt);
    const wakeAt = nextSilenceCheck(bounds, sentAt);
    let silent: ProxyError | undefined;
    const silenceTimer = setTimeout(() => {
      silent = silenceVerdict(bounds, Math.max(this.#now(), wakeAt), sentAt);
      controller.abort();
    }, Math.max(0, wakeAt - sentAt));
    let response: UpstreamStreamResponse;
    let timed = false;
    const ended = (outcome: UpstreamOutcome): void => {
      if (timed) return;
      timed = true;
      this.#deps.observer?.upstreamFinished((this.#now() - sentAt) / 1000, outcome);
    };
    try {
      response = await transport.open(accountId, headers, body, controller.signal);
    } catch (err) {
      cleanup();
      ended(request.signal.aborted ? 'cancelled' : 'failed');
      if (request.signal.aborted) throw new RequestAborted('client went away');
      const failure = failureOf(silent ?? upstreamUnavailable(`Upstream is unreachable: ${(err as Error).name}`));
      return { ok: false, kind: classifyFailure(failure), failure };
    } finally {
      clearTimeout(silenceTimer);
    }
    usage.fromHeaders(accountId, response.headers);
    if (response.status >= 400) {
      const text = await response.text().catch(() => '');
      cleanup();
      ended('failed');
      const failure = failureFromHttp(response.status, text);
      return { ok: false, kind: classifyFailure(failure), failure };
    }
    request.onAccepted?.();

    const pump = new EventPump(response.eventBatches(), (event) => {
      if (event.type === 'codex.rate_limits') usage.fromRateLimitsEvent(accountId, event.payload);
    });
    const close = (success: boolean): void => {
      pump.close();
      response.release(success);
      cleanup();
    };
    let finished = false;
    const finish = (outcome: StreamOutcome): void => {
      if (finished) return;
      finished = true;
      close(outcome.kind === 'success');
      lease.release();
      ended(outcome.kind === 'success' ? 'completed' : outcome.kind === 'failure' ? 'failed' : 'cancelled');
      if (outcome.kind === 'success') runtime.recordSuccess(accountId);
      else if (outcome.kind === 'failure') {
        this.#deps.pending.track(this.recordStreamFailure(accountId, outcome.failure), (err) =>
          this.#deps.observer?.backgroundFailed('stream_failure_record', accountId, err),
        );
      }
    };
    const probed = await this.#probe(pump, request, bounds, transport.kind);
    if (probed.ok) {
      lease.accepted();
      return {
        ok: true,
        stream: {
          accountId,
          upstreamStatus: response.status,
          upstreamHeaders: response.headers,
          transport: transport.kind,
          head: probed.head,
          bound: Promise.resolve(),
          lastEventAt: probed.lastEventAt,
          sentAt,
          pump,
          finish,
        },
      };
    }
    // Refused before its first real event: a failed attempt (its effects are the caller's to apply). The
    // stream goes; the account's slots stay with the attempt (it may retry here).
    ended(probed.aborted ? 'cancelled' : 'failed');
    close(false);
    if (probed.aborted) throw new RequestAborted('client went away');
    return { ok: false, kind: classifyFailure(probed.failure), failure: probed.failure };
  }

  /**
   * Waits for the upstream's first real event (vendor events such as codex.rate_limits do not count).
   * An error first means the upstream rejected the request: a failure the caller can still fail over or
   * answer with an HTTP error. Silence past the first-event deadline is a stall: a failure counted
   * against the account, so the request moves on to another one.
   */
  async #probe(
    pump: EventPump,
    request: DispatchRequest,
    bounds: SilenceBounds,
    over: 'http' | 'websocket',
  ): Promise<{ ok: true; head: ResponseEvent[]; lastEventAt: number } | { ok: false; failure: UpstreamFailure; aborted?: boolean }> {
    const head: ResponseEvent[] = [];
    let lastActivity = this.#now();
    for (;;) {
      if (request.signal.aborted) return { ok: false, failure: failureOf(streamIncomplete(over)), aborted: true };
      const now = this.#now();
      const silent = silenceVerdict(bounds, now, lastActivity);
      if (silent) return { ok: false, failure: failureOf(silent) };
      const result = await pump.next(nextSilenceCheck(bounds, lastActivity) - now);
      if (result.kind === 'timeout') continue;
      if (result.kind === 'end') {
        if (request.signal.aborted) return { ok: false, failure: failureOf(streamIncomplete(over)), aborted: true };
        return { ok: false, failure: failureOf(streamIncomplete(over)) };
      }
      lastActivity = this.#now();
      const failure = failureFromEvent(result.event);
      if (failure) return { ok: false, failure };
      head.push(result.event);
      if (!isVendorEvent(result.event)) return { ok: true, head, lastEventAt: lastActivity };
    }
  }
}
