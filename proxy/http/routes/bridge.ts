/**
 * `POST /internal/bridge/responses` (reference/proxy-contract.md §11.4): a turn another replica forwards
 * to this one because this one owns the session. Not a client route: no API key, no firewall allow-list —
 * the forward's HMAC signature (under the shared encryption key's bridge key) is the only way in, checked
 * before the turn runs; addressee and age are checked before the body is read. Served on this replica
 * (never forwarded again), through the session's bridge entry, and answered with the upstream's events
 * verbatim. While draining it serves only sessions it already holds.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { bodyDigest, type ForwardSigner } from '../../cluster/bridge-auth.ts';
import type { BridgeSessions } from '../../cluster/bridge/sessions.ts';
import type { TurnRouter } from '../../cluster/bridge/turn-router.ts';
import { ACCOUNT_HEADER, BRIDGE_PATH, decodeContext, readClaims, UPSTREAM_STATUS_HEADER } from '../../cluster/bridge/wire.ts';
import { isRequestAborted, type OpenStream } from '../../routing/dispatch.ts';
import { resolveAffinity } from '../../routing/affinity.ts';
import { isObject, responseOf } from '../../upstream/events.ts';
import { carriesEncryptedReasoning } from '../../upstream/request-body.ts';
import { jsonBody, takeBody, takeRawBody } from '../body/read-json.ts';
import { asProxyError } from '../errors.ts';
import { bridgeDrainActive, bridgeForwardInvalid, bridgeOwnerForwardFailed, invalidRequest, notFound } from '../../errors/catalogue.ts';
import { Heartbeat } from '../heartbeat.ts';
import { accountRateLimitHeaders } from '../rate-limit-headers.ts';
import { relay, streamOutcome } from '../relay.ts';
import { FORWARDED_UPSTREAM_HEADERS, single } from '../serve-turn.ts';
import { sendProxyError } from '../send-error.ts';
import type { ProxyServices } from '../services.ts';
import { BridgeSseSink } from '../sinks/bridge-sse.ts';
import { whenClosed } from '../when-closed.ts';
import { errorAnswer } from '../middleware/errors.ts';
import { turnRoute } from './turn-route.ts';

/** What the receiving side needs; absent when the bridge is off (the route then 404s). */
export interface BridgeReceiver {
  readonly self: string;
  readonly signer: ForwardSigner;
  readonly router: TurnRouter;
  readonly sessions: BridgeSessions;
}

const WHY: Record<'signature' | 'expired' | 'replayed', string> = {
  signature: 'Internal bridge forward signature is invalid',
  expired: 'Internal bridge forward is too old (or from the future)',
  replayed: 'Internal bridge forward was already received',
};

export function bridgeRoutes(services: ProxyServices): Router {
  const router = Router();
  const receiver = services.bridge;
  const { settings } = services;

  /** Cheap checks before a byte of the body is read. */
  const admit = (req: Request, res: Response, next: NextFunction): void => {
    if (!receiver) throw notFound();
    const read = readClaims(req.headers);
    if (!read) throw bridgeForwardInvalid('Internal bridge forward marker is required');
    if (read.claims.target !== receiver.self) throw bridgeOwnerForwardFailed(`This forward is addressed to ${read.claims.target}, not to this replica`);
    if (!receiver.signer.isFresh(read.claims.timestamp, Date.now())) throw bridgeForwardInvalid(WHY.expired);
    services.memory.checkPressure();
    res.locals.bridge = read;
    next();
  };

  const serve = async (req: Request, res: Response): Promise<void> => {
    const bridge = receiver as BridgeReceiver;
    const { claims, signature } = res.locals.bridge as NonNullable<ReturnType<typeof readClaims>>;
    const verdict = bridge.signer.verify({ ...claims, bodyDigest: bodyDigest(takeRawBody(req)) }, signature, bridge.self, Date.now());
    if (!verdict.ok) throw verdict.reason === 'target' ? bridgeOwnerForwardFailed('This forward is not addressed to this replica') : bridgeForwardInvalid(WHY[verdict.reason]);
    const context = decodeContext(claims.context);
    const body = takeBody(req);
    if (!context || !isObject(body)) throw invalidRequest('Internal bridge forward is malformed');
    if (services.drain.draining && !bridge.sessions.has(claims.sessionKey)) throw bridgeDrainActive();

    const controller = new AbortController();
    whenClosed(res, () => {
      if (!res.writableFinished) controller.abort();
    });
    const started = Date.now();
    const deadline = started + context.budgetMs;
    const apiKeyId = context.apiKeyId ?? undefined;
    const sinkOptions = { requestId: context.requestId, createdAt: Math.floor(started / 1000) };
    // Keepalives to the origin while an accepted upstream is silent commit 200 before the serving
    // account is known: such an answer carries no account header (the origin logs no account for it).
    let sink: BridgeSseSink | undefined;
    const heartbeat = new Heartbeat(settings.keepaliveMs, async () => {
      sink ??= new BridgeSseSink(res, { headers: {}, ...sinkOptions });
      sink.open();
      await sink.keepalive();
    });
    let stream: OpenStream;
    try {
      stream = await bridge.router.serveSession(claims.sessionKey, {
        body,
        headers: req.headers,
        requestId: context.requestId,
        plan: resolveAffinity(req.headers, body, {
          route: context.route,
          apiKeyId,
          promptCacheTtlSeconds: settings.promptCacheTtlSeconds,
          stickyThreads: services.routing().stickyThreadsEnabled,
        }),
        encryptedReasoning: carriesEncryptedReasoning(body),
        signal: controller.signal,
        firstEventTimeoutMs: context.firstEventTimeoutMs,
        onAccepted: () => heartbeat.start(),
        idleTimeoutMs: settings.idleTimeoutMs,
        deadline,
        surfaceStaleAnchor: context.surfaceStaleAnchor,
        route: context.route,
        apiKeyId,
        bridgeable: true,
      }, context.ownerEpoch ?? undefined);
    } catch (err) {
      if (isRequestAborted(err) || controller.signal.aborted) {
        res.destroy();
        return;
      }
      if (sink) await sink.reject(asProxyError(err));
      else sendProxyError(res, asProxyError(err));
      return;
    } finally {
      heartbeat.stop();
    }

    // The serving account's usage headers travel too: the origin answers its client with them.
    const headers: Record<string, string> = {
      [ACCOUNT_HEADER]: stream.accountId,
      [UPSTREAM_STATUS_HEADER]: String(stream.upstreamStatus),
      ...accountRateLimitHeaders(stream.upstreamHeaders),
    };
    for (const name of FORWARDED_UPSTREAM_HEADERS) {
      const value = single(stream.upstreamHeaders, name);
      if (value !== undefined) headers[name] = value;
    }
    sink ??= new BridgeSseSink(res, { headers, ...sinkOptions });
    sink.open();
    let responseId: string | undefined;
    try {
      const end = await relay(stream, sink, {
        keepaliveMs: settings.keepaliveMs,
        idleTimeoutMs: settings.idleTimeoutMs,
        deadline,
        signal: controller.signal,
        observe: (event) => {
          const id = responseOf(event)?.id;
          if (responseId === undefined && typeof id === 'string') {
            responseId = id;
            services.owners.remember(id, stream.accountId);
          }
        },
      });
      stream.finish(streamOutcome(end));
      await stream.bound;
      sink.complete(end);
    } catch (err) {
      stream.finish({ kind: 'neutral' });
      services.logger.error('forwarded stream relay failed', { requestId: context.requestId, err });
      sink.complete({ kind: 'aborted' });
    }
  };

  router.post(BRIDGE_PATH, admit, jsonBody(settings.maxBodyBytes, services.memory, { keepRaw: true }), turnRoute(serve, errorAnswer(services.logger)));
  return router;
}
