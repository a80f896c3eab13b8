/**
 * Serves one Responses turn end to end, for every route and answer shape: API-key model check and
 * limit reservation, affinity, dispatch (select + failover until the upstream accepts), relay into
 * the route's sink, then the bookkeeping — account outcome, request log row, limit settlement,
 * metrics — exactly once, whatever happened.
 */
import type { Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { asProxyError, knownProxyError } from './errors.ts';
import { type ProxyError } from '../errors/catalogue.ts';
import { Heartbeat } from './heartbeat.ts';
import { usageHeaders } from './rate-limit-headers.ts';
import type { Reservation } from './ports.ts';
import { relay, streamOutcome, type RelayEnd } from './relay.ts';
import type { RequestContext } from './request-context.ts';
import type { ProxyServices } from './services.ts';
import type { AnswerSink } from './sinks/sink.ts';
import { UsageMeter } from './usage-meter.ts';
import { isRequestAborted, type OpenStream } from '../routing/dispatch.ts';
import { mintTurnState, resolveAffinity } from '../routing/affinity.ts';
import { failureFromEvent } from '../upstream/upstream-error.ts';
import { carriesEncryptedReasoning, type RequestRoute } from '../upstream/request-body.ts';
import type { PoolUsage } from '../routing/pool-usage.ts';
import type { JsonObject, ResponseEvent } from '../upstream/events.ts';
import type { UpstreamTransport } from '../upstream/transport.ts';
import { whenClosed } from './when-closed.ts';

export interface TurnJob {
  /** Route template for metrics and logs, e.g. `/v1/responses`. */
  route: string;
  /** Which affinity rules apply. */
  affinityRoute: RequestRoute;
  /** The normalized Responses body. */
  body: JsonObject;
  /** Streaming answers get keepalives while an accepted upstream is silent; buffered ones wait for the complete answer. */
  streaming: boolean;
  budgetMs: number;
  /** Mint/echo `x-codex-turn-state` on the answer (Responses routes). */
  turnState: boolean;
  /** Follow this account unless stored affinity says otherwise (a WebSocket's earlier turns). */
  preferredAccount?: string;
  /** Told which account accepted the turn. */
  accepted?(accountId: string): void;
  /** How attempts reach the upstream (a client WebSocket's upstream sockets); HTTP SSE when absent. */
  transport?: UpstreamTransport;
  /** Report a stale previous_response_id as such (Codex-native sockets) instead of masking it. */
  surfaceStaleAnchor?: boolean;
  /** A Responses turn that may belong to a Codex session (served on the session's owner); not compaction. */
  bridgeable?: boolean;
  /** Compaction (its own global admission gate). */
  compact?: boolean;
  /**
   * Builds the answer; `headers` go on the response. Called once: when the upstream produced its first
   * event, or earlier, when the first keepalive is due (then without the serving account's headers).
   */
  sink(headers: Record<string, string>): AnswerSink;
  /** Answers a request that failed before the upstream accepted it; `headers` (usage) go on the answer. */
  reject(error: ProxyError, headers: Record<string, string>): void;
}

/** Upstream response headers a client may rely on (model actually used, reasoning included, turn state). */
export const FORWARDED_UPSTREAM_HEADERS = ['openai-model', 'x-reasoning-included', 'x-models-etag', 'x-codex-turn-state'];

export function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Where the turn came from: the same for an HTTP request and a WebSocket `response.create`. */
export interface TurnOrigin {
  ctx: RequestContext;
  /** Request (or upgrade) headers: affinity, identity, logging. */
  headers: IncomingHttpHeaders;
  transport: 'http' | 'websocket';
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** An HTTP request's origin: the client is gone when the response closes before it finished. */
export function httpOrigin(ctx: RequestContext, headers: IncomingHttpHeaders, res: Response): TurnOrigin {
  const controller = new AbortController();
  whenClosed(res, () => {
    if (!res.writableFinished) controller.abort();
  });
  return { ctx, headers, transport: 'http', signal: controller.signal };
}

export async function serveTurn(services: ProxyServices, origin: TurnOrigin, job: TurnJob): Promise<void> {
  const { ctx } = origin;
  const requested = requestedOf(job.body);
  let reservation: Reservation | null = null;
  if (ctx.apiKey) {
    try {
      services.apiKeys.assertModelAllowed(ctx.apiKey, requested.model);
      reservation = await services.apiKeys.reserve(ctx.apiKey, { model: requested.model, serviceTier: requested.serviceTier });
    } catch (err) {
      const refusal = knownProxyError(err);
      if (!refusal) throw err;
      job.reject(refusal, {});
      return;
    }
  }
  // Returned, not awaited: this frame would keep `job` (and its body) alive for the whole stream.
  return new Turn(services, origin, job, requested, reservation).run();
}

/** What the request log and the limit settlement need from the request body, kept after the body is released. */
interface Requested {
  model: string;
  serviceTier: string | null;
  reasoningEffort: string | null;
}

function requestedOf(body: JsonObject): Requested {
  const reasoning = body.reasoning as { effort?: unknown } | undefined;
  return {
    model: String(body.model),
    serviceTier: typeof body.service_tier === 'string' ? body.service_tier : null,
    reasoningEffort: typeof reasoning?.effort === 'string' ? reasoning.effort : null,
  };
}

class Turn {
  readonly #services: ProxyServices;
  readonly #origin: TurnOrigin;
  readonly #headers: IncomingHttpHeaders;
  readonly #job: Omit<TurnJob, 'body'>;
  /** Until the turn is dispatched: a Codex turn's body is the whole conversation, not worth keeping for a long stream. */
  #body: JsonObject | undefined;
  readonly #requested: Requested;
  readonly #ctx: RequestContext;
  readonly #reservation: Reservation | null;
  readonly #signal: AbortSignal;
  readonly #meter = new UsageMeter();
  /** When the accepted upstream attempt was sent (the time-to-first-token split). */
  #sentAt: number | undefined;
  /** Built by the first keepalive when the upstream accepted but is still silent; else after dispatch. */
  #sink: AnswerSink | undefined;
  /** Set once dispatch settled: from then on the answer is built (or rejected) by run(), not by a keepalive. */
  #dispatched = false;
  /** Read while the turn is dispatched, so the answer's usage headers cost it no wait. */
  #pool: Promise<PoolUsage | null> = Promise.resolve(null);

  constructor(services: ProxyServices, origin: TurnOrigin, job: TurnJob, requested: Requested, reservation: Reservation | null) {
    this.#services = services;
    this.#origin = origin;
    this.#headers = origin.headers;
    this.#signal = origin.signal;
    const { body, ...rest } = job;
    this.#job = rest;
    this.#body = body;
    this.#requested = requested;
    this.#ctx = origin.ctx;
    this.#reservation = reservation;
  }

  async run(): Promise<void> {
    const { settings } = this.#services;
    const deadline = this.#ctx.startedAt + this.#job.budgetMs;
    this.#pool = this.#services.poolUsage().catch(() => null);
    const heartbeat = new Heartbeat(this.#job.streaming ? settings.keepaliveMs : 0, () => this.#keepalive());
    const dispatched = (): void => {
      this.#dispatched = true;
      heartbeat.stop();
    };
    let stream: OpenStream;
    try {
      stream = await this.#dispatch(deadline, heartbeat);
    } catch (err) {
      dispatched();
      if (isRequestAborted(err) || this.#signal.aborted) {
        this.#finish({ status: 'cancelled' });
        return;
      }
      const error = asProxyError(err);
      if (error.status >= 500 && error.code === 'server_error') this.#services.logger.error('request failed before streaming', { requestId: this.#ctx.requestId, err });
      // After keepalives the status is already 200: the sink tells the error in the stream instead.
      if (this.#sink) await this.#sink.reject(error);
      else this.#job.reject(error, this.#answerHeaders(undefined, await this.#pool));
      this.#finish({ status: 'error', error });
      return;
    }
    dispatched();

    this.#sentAt = stream.sentAt;
    // A forwarded turn whose owner committed early (keepalives) does not say which account served it.
    if (stream.accountId !== '') this.#job.accepted?.(stream.accountId);
    const sink = this.#sink ?? this.#job.sink(this.#answerHeaders(stream, await this.#pool));
    let end: RelayEnd;
    try {
      end = await relay(stream, sink, {
        keepaliveMs: this.#job.streaming ? settings.keepaliveMs : 0,
        idleTimeoutMs: settings.idleTimeoutMs,
        deadline,
        signal: this.#signal,
        observe: (event) => this.#observe(stream.accountId, event),
      });
    } catch (err) {
      stream.finish({ kind: 'neutral' });
      this.#services.logger.error('stream relay failed', { requestId: this.#ctx.requestId, err });
      sink.complete({ kind: 'aborted' });
      this.#finish({ status: 'error', accountId: stream.accountId, error: asProxyError(err) });
      return;
    }
    stream.finish(streamOutcome(end));
    await stream.bound;
    sink.complete(end);
    this.#finishRelay(stream, end);
  }

  /** Affinity, then the turn router; the body leaves the turn here (only this frame holds it while dispatching). */
  #dispatch(deadline: number, heartbeat: Heartbeat): Promise<OpenStream> {
    const { settings, turns } = this.#services;
    const body = this.#body as JsonObject;
    this.#body = undefined;
    const plan = {
      ...resolveAffinity(this.#headers, body, {
        route: this.#job.affinityRoute,
        apiKeyId: this.#ctx.apiKey?.id,
        promptCacheTtlSeconds: settings.promptCacheTtlSeconds,
        stickyThreads: this.#services.routing().stickyThreadsEnabled,
      }),
      preferredAccount: this.#job.preferredAccount,
    };
    return turns.open({
      body,
      headers: this.#headers,
      requestId: this.#ctx.requestId,
      plan,
      encryptedReasoning: carriesEncryptedReasoning(body),
      signal: this.#signal,
      firstEventTimeoutMs: settings.firstEventTimeoutMs,
      onAccepted: () => heartbeat.start(),
      idleTimeoutMs: settings.idleTimeoutMs,
      deadline,
      transport: this.#job.transport,
      surfaceStaleAnchor: this.#job.surfaceStaleAnchor,
      compact: this.#job.compact,
      route: this.#job.affinityRoute,
      apiKeyId: this.#ctx.apiKey?.id,
      bridgeable: this.#job.bridgeable ?? false,
    });
  }

  #observe(accountId: string, event: ResponseEvent): void {
    const before = this.#meter.responseId;
    this.#meter.observe(event);
    if (before === undefined && this.#meter.responseId !== undefined && accountId !== '') this.#services.owners.remember(this.#meter.responseId, accountId);
  }

  /**
   * A keepalive while an accepted upstream is silent. The first one commits the answer before any account
   * served the turn: with the proxy's own headers and the pool's usage, not an account's.
   */
  async #keepalive(): Promise<void> {
    const pool = await this.#pool;
    if (this.#dispatched) return;
    this.#sink ??= this.#job.sink(this.#answerHeaders(undefined, pool));
    await this.#sink.keepalive();
  }

  #answerHeaders(stream: OpenStream | undefined, pool: PoolUsage | null): Record<string, string> {
    const headers: Record<string, string> = { 'x-request-id': this.#ctx.requestId, ...usageHeaders(pool, stream?.upstreamHeaders) };
    if (stream) {
      for (const name of FORWARDED_UPSTREAM_HEADERS) {
        const value = single(stream.upstreamHeaders, name);
        if (value !== undefined) headers[name] = value;
      }
    }
    if (this.#job.turnState) {
      headers['x-codex-turn-state'] ??= single(this.#headers, 'x-codex-turn-state') ?? mintTurnState('http_turn');
    }
    return headers;
  }

  #finishRelay(stream: OpenStream, end: RelayEnd): void {
    if (end.kind === 'aborted') {
      this.#finish({ status: 'cancelled', accountId: stream.accountId, upstreamStatus: stream.upstreamStatus });
      return;
    }
    if (end.kind === 'failed') {
      this.#finish({ status: 'error', accountId: stream.accountId, upstreamStatus: stream.upstreamStatus, error: end.error });
      return;
    }
    const failure = failureFromEvent(end.event);
    this.#finish({
      status: failure ? 'error' : 'success',
      accountId: stream.accountId,
      upstreamStatus: stream.upstreamStatus,
      errorCode: failure?.code,
      errorMessage: failure?.message,
    });
  }

  #finish(outcome: {
    status: 'success' | 'error' | 'cancelled';
    accountId?: string;
    upstreamStatus?: number;
    error?: ProxyError;
    errorCode?: string;
    errorMessage?: string;
  }): void {
    const { requestLog, apiKeys, metrics, logger, pending } = this.#services;
    const meter = this.#meter;
    const requested = this.#requested;
    if (meter.firstTokenAt !== undefined) {
      const route = this.#job.route;
      metrics.timeToFirstToken.observe({ route }, (meter.firstTokenAt - this.#ctx.startedAt) / 1000);
      if (this.#sentAt !== undefined) {
        metrics.firstTokenPhases.observe({ route, phase: 'proxy' }, (this.#sentAt - this.#ctx.startedAt) / 1000);
        metrics.firstTokenPhases.observe({ route, phase: 'upstream' }, (meter.firstTokenAt - this.#sentAt) / 1000);
      }
    }
    const written = requestLog.write({
        requestId: meter.responseId ?? this.#ctx.requestId,
        requestedAt: new Date(this.#ctx.startedAt),
        accountId: outcome.accountId ?? null,
        apiKeyId: this.#ctx.apiKey?.id ?? null,
        sessionId: single(this.#headers, 'session_id') ?? single(this.#headers, 'session-id') ?? null,
        model: requested.model,
        requestedServiceTier: requested.serviceTier,
        actualServiceTier: meter.serviceTier ?? null,
        reasoningEffort: requested.reasoningEffort,
        transport: this.#origin.transport,
        status: outcome.status,
        errorCode: outcome.error?.code ?? outcome.errorCode ?? null,
        errorMessage: outcome.error?.message ?? outcome.errorMessage ?? null,
        upstreamStatusCode: outcome.upstreamStatus ?? null,
        usage: meter.usage ?? null,
        latencyMs: Date.now() - this.#ctx.startedAt,
        latencyFirstTokenMs: meter.firstTokenAt === undefined ? null : meter.firstTokenAt - this.#ctx.startedAt,
        clientIp: this.#ctx.clientIp ?? null,
      userAgent: single(this.#headers, 'user-agent') ?? null,
    });
    pending.track(written, (err) => logger.warn('request log write failed', { requestId: this.#ctx.requestId, err }));
    const reservation = this.#reservation;
    if (reservation) {
      const settlement =
        meter.usage && outcome.status === 'success'
          ? apiKeys.settle(reservation, meter.usage, meter.serviceTier ?? requested.serviceTier)
          : apiKeys.release(reservation);
      pending.track(settlement, (err) => logger.warn('api key reservation settlement failed', { requestId: this.#ctx.requestId, err }));
    }
  }
}
