/**
 * The origin side of owner forwarding (reference/proxy-contract.md §11.3–11.4): a turn whose session
 * lives on another replica is sent there, signed, and the owner's event stream comes back as an
 * OpenStream, so the origin answers its client exactly as for a local turn (its own framing, keepalives,
 * request log, limit settlement). One hop only: the owner never forwards again.
 *
 * A forward the owner never started — connection refused or timed out, or refused because it is draining
 * or is not the addressee — is an OwnerRefused: the caller may serve the turn itself when the request can
 * start afresh. A connection that broke after the request went out is ambiguous (the owner may have
 * dispatched it) and is not replayed (502 bridge_owner_lost). Anything the owner answered is the client's.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import type { Logger } from '../../observability/logger.ts';
import { bridgeOwnerLost, failureAsError, type ProxyError } from '../../errors/catalogue.ts';
import { RequestAborted, type OpenStream } from '../../routing/dispatch.ts';
import { oneShotBody } from '../../upstream/client.ts';
import { exchangeSse, type UpstreamStreamResponse } from '../../upstream/sse-exchange.ts';
import { EventPump } from '../../upstream/event-pump.ts';
import { forwardableHeaders } from '../../upstream/headers.ts';
import { failureFromHttp } from '../../upstream/upstream-error.ts';
import { bodyDigest, type ForwardSigner } from '../bridge-auth.ts';
import type { RingMember } from '../ring-store.ts';
import type { SessionKey } from '../session-key.ts';
import type { TurnRequest } from './turn-request.ts';
import { ACCOUNT_HEADER, BRIDGE_PATH, claimHeaders, encodeContext, UPSTREAM_STATUS_HEADER } from './wire.ts';

/** The owner did not take the turn: nothing was dispatched upstream. */
export class OwnerRefused extends Error {
  override readonly name = 'OwnerRefused';
}

/** Errors that mean the connection to the owner was never made: nothing reached it. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { code?: unknown } }).cause?.code;
  return NEVER_CONNECTED.has(String(code)) || NEVER_CONNECTED.has(String(cause));
}

/** Refusals that mean "not here" rather than "not possible". */
const NOT_HERE = new Set(['bridge_drain_active', 'bridge_owner_forward_failed', 'bridge_forward_invalid']);

export class Forwarder {
  readonly #self: string;
  readonly #signer: ForwardSigner;
  readonly #logger: Logger;
  readonly #maxEventBytes: number;
  readonly #agent: Agent;

  constructor(options: { self: string; signer: ForwardSigner; connectTimeoutMs: number; maxEventBytes: number; logger: Logger }) {
    this.#self = options.self;
    this.#signer = options.signer;
    this.#logger = options.logger;
    this.#maxEventBytes = options.maxEventBytes;
    // Streams are bounded by the request's budget and idle timeout (the signal), not by the agent.
    this.#agent = new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
  }

  /** `ownerEpoch`: the epoch of the live owner row naming `target`, when that is how it was chosen. */
  async open(target: RingMember, key: SessionKey, request: TurnRequest, ownerEpoch?: number): Promise<OpenStream> {
    const endpoint = new URL(target.endpoint ?? '');
    const body = JSON.stringify(request.body);
    const context = encodeContext({
      route: request.route,
      apiKeyId: request.apiKeyId ?? null,
      requestId: request.requestId,
      budgetMs: Math.max(0, request.deadline - Date.now()),
      firstEventTimeoutMs: request.firstEventTimeoutMs,
      surfaceStaleAnchor: request.surfaceStaleAnchor ?? false,
      ownerEpoch: ownerEpoch ?? null,
    });
    const claims = { origin: this.#self, target: target.instanceId, timestamp: Date.now(), nonce: randomUUID(), sessionKey: key.id, context, bodyDigest: bodyDigest(body) };
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    // `detach` lives as long as the forwarded stream: it holds the client's signal, never the request (its body).
    const clientSignal = request.signal;
    clientSignal.addEventListener('abort', onAbort, { once: true });
    const detach = (): void => clientSignal.removeEventListener('abort', onAbort);
    const sent = oneShotBody(body);
    let response: UpstreamStreamResponse;
    try {
      response = await exchangeSse(
        this.#agent,
        {
          origin: endpoint.origin,
          path: `${endpoint.pathname.replace(/\/+$/, '')}${BRIDGE_PATH}`,
          method: 'POST',
          headers: {
            ...forwardableHeaders(request.headers),
            'content-type': 'application/json',
            ...(sent.length === undefined ? {} : { 'content-length': String(sent.length) }),
            ...claimHeaders(claims, this.#signer.sign(claims)),
          },
          body: sent.body,
        },
        controller.signal,
        this.#maxEventBytes,
      );
    } catch (err) {
      detach();
      if (request.signal.aborted) throw new RequestAborted('client went away');
      if (neverConnected(err)) throw new OwnerRefused(`owner ${target.instanceId} unreachable: ${(err as Error).message}`);
      // The owner may have dispatched the turn before its connection broke: replaying it elsewhere could run it twice.
      this.#logger.warn('session owner connection broke before it answered', { owner: target.instanceId, err });
      throw bridgeOwnerLost();
    }
    if (response.status !== 200) {
      const text = await response.text().catch(() => '');
      response.release(false);
      detach();
      const error = answerError(response.status, text, response.headers['retry-after']);
      if (NOT_HERE.has(error.code)) {
        if (error.code === 'bridge_forward_invalid') this.#logger.error('the owner refused this replica’s signature: do the replicas share one encryption key?', { owner: target.instanceId });
        throw new OwnerRefused(`owner ${target.instanceId} refused the turn: ${error.code}`);
      }
      throw error;
    }
    const pump = new EventPump(response.eventBatches(), () => undefined);
    let finished = false;
    return {
      accountId: single(response.headers[ACCOUNT_HEADER]) ?? '',
      upstreamStatus: Number(single(response.headers[UPSTREAM_STATUS_HEADER]) ?? 200),
      upstreamHeaders: response.headers,
      // The owner's answer comes over HTTP, whatever carried it from the upstream.
      transport: 'http',
      head: [],
      bound: Promise.resolve(),
      lastEventAt: Date.now(),
      // From here the owner's time counts as "upstream": it runs the proxy phase of its own.
      sentAt: claims.timestamp,
      pump,
      finish: (outcome) => {
        if (finished) return;
        finished = true;
        detach();
        pump.close();
        // Anything short of a clean end cuts the connection, which tells the owner to stop the turn.
        response.release(outcome.kind === 'success');
      },
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The owner's error answer, with the status and Retry-After it chose for the client. */
function answerError(status: number, text: string, retryAfter: string | string[] | undefined): ProxyError {
  const seconds = Number(single(retryAfter));
  return failureAsError(failureFromHttp(status, text), status, Number.isFinite(seconds) && seconds > 0 ? seconds : undefined);
}
