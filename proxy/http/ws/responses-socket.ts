/**
 * The Responses WebSocket routes (§2.7): `/backend-api/codex/responses` and `/v1/responses`. The
 * upgrade is admitted like an HTTP request (firewall, API key, drain); the client then sends
 * `{"type":"response.create",…}` frames, served one at a time in order, each as a full turn through
 * the same path as HTTP (dispatch, failover before the first frame, relay). Turns on one socket stay
 * on the account that served its first turn (unless it cannot serve); a client turn-state token is
 * echoed in the handshake, else one is minted.
 *
 * Memory is bounded per socket and per process: a frame is at most the Responses body cap (the
 * socket closes with 1009 past it, before the frame is buffered), at most
 * `CODEX_LB_PROXY_DOWNSTREAM_WEBSOCKET_QUEUE_LIMIT` frames wait behind the running turn (more are
 * refused with an error frame), and every frame holds a ticket on the in-flight body budget until
 * its turn is over (refused with a 503 error frame when the budget is full).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { authenticate } from '../authenticate.ts';
import { resolveClientIp } from '../client-ip.ts';
import { parseJsonText } from '../body/read-json.ts';
import { asProxyError } from '../errors.ts';
import { invalidRequest, ProxyError, toOpenAIBody } from '../../errors/catalogue.ts';
import type { BodyTicket } from '../memory-guard.ts';
import { checkOrigin } from '../middleware/origin-guard.ts';
import { rewriteCodexV1Alias } from '../middleware/codex-alias.ts';
import type { RequestContext } from '../request-context.ts';
import { serveTurn } from '../serve-turn.ts';
import { mintTurnState } from '../../routing/affinity.ts';
import type { ProxyServices } from '../services.ts';
import { isObject, type JsonObject } from '../../upstream/events.ts';
import { isNativeCodexClient } from '../../upstream/headers.ts';
import { normalizeResponsesRequest, type RequestRoute } from '../../upstream/request-body.ts';
import type { SocketTransport } from '../../upstream/transport.ts';
import { errorFrame, sendFrame, SocketSink } from './socket-sink.ts';

const ROUTES: Readonly<Record<string, RequestRoute>> = {
  '/backend-api/codex/responses': 'codex',
  '/v1/responses': 'openai',
};

/** Close codes (§2.7): 1011 internal failure, 1012 restart (drain), 1013 try again later (new socket while draining). */
const CLOSE_INTERNAL = 1011;
const CLOSE_RESTART = 1012;
const CLOSE_TRY_AGAIN = 1013;

function rejectUpgrade(socket: Duplex, status: number, body: unknown, retryAfterSeconds?: number): void {
  const text = JSON.stringify(body);
  const retryAfter = retryAfterSeconds === undefined ? '' : `retry-after: ${Math.ceil(retryAfterSeconds)}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${retryAfter}connection: close\r\n\r\n${text}`,
  );
}

/** A frame that arrived while the socket's queue was full. */
function queueFull(limit: number): ProxyError {
  return new ProxyError({
    status: 429,
    code: 'websocket_queue_full',
    type: 'rate_limit_error',
    message: `At most ${limit} response.create frames may wait behind the running turn on one socket`,
  });
}

function requestIdOf(headers: IncomingHttpHeaders): string {
  const raw = headers['x-request-id'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value && value.length <= 200 && /^[\x21-\x7e]+$/.test(value) ? value : randomUUID();
}

export class ResponsesSockets {
  readonly #services: ProxyServices;
  readonly #server: WebSocketServer;
  readonly #handshakeHeaders = new WeakMap<IncomingMessage, string[]>();
  readonly #sessions = new Set<SocketSession>();

  constructor(services: ProxyServices) {
    this.#services = services;
    this.#server = new WebSocketServer({ noServer: true, maxPayload: services.settings.maxResponsesBodyBytes });
    this.#server.on('headers', (headers, req) => headers.push(...(this.#handshakeHeaders.get(req) ?? [])));
    services.drain.onDrain(() => {
      for (const session of this.#sessions) session.drain();
    });
  }

  /** The server's `upgrade` listener. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.#admit(req, socket, head).catch((err: unknown) => {
      this.#services.logger.error('websocket upgrade failed', { err });
      socket.destroy();
    });
  };

  async #admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(rewriteCodexV1Alias(req.url ?? '/'), 'http://proxy').pathname.replace(/\/$/, '');
    const route = ROUTES[path];
    if (route === undefined) return rejectUpgrade(socket, 404, { detail: 'Not Found' });
    const { settings } = this.#services;
    const ctx: RequestContext = {
      requestId: requestIdOf(req.headers),
      clientIp: resolveClientIp(req.socket.remoteAddress, req.headers, settings.trust),
      startedAt: Date.now(),
      apiKey: undefined,
    };
    try {
      checkOrigin('GET', req.headers, settings.origins, true);
      this.#services.memory.checkPressure();
      await this.#services.firewall.check(ctx.clientIp);
      ctx.apiKey = await authenticate({ headers: req.headers, socketPeer: req.socket.remoteAddress, clientIp: ctx.clientIp }, this.#services.apiKeys, settings);
    } catch (err) {
      const error = asProxyError(err);
      return rejectUpgrade(socket, error.status, toOpenAIBody(error), error.retryAfterSeconds);
    }
    const clientTurnState = req.headers['x-codex-turn-state'];
    const turnState = (Array.isArray(clientTurnState) ? clientTurnState[0] : clientTurnState) ?? mintTurnState('turn');
    this.#handshakeHeaders.set(req, [`x-codex-turn-state: ${turnState}`, `x-request-id: ${ctx.requestId}`]);
    this.#server.handleUpgrade(req, socket, head, (ws) => {
      if (this.#services.drain.draining) {
        ws.close(CLOSE_TRY_AGAIN, 'Server is draining');
        return;
      }
      const session = new SocketSession(ws, this.#services, { route, ctx, headers: req.headers });
      this.#sessions.add(session);
      ws.once('close', () => this.#sessions.delete(session));
    });
  }

  /** Closes every socket (shutdown after the drain deadline). */
  closeAll(): void {
    for (const session of this.#sessions) session.close(CLOSE_RESTART, 'Server is shutting down');
  }
}

/** The server keeps ws's default binary type, so every message (text or binary) arrives as one Buffer. */
const frameBuffer = (data: RawData): Buffer => data as Buffer;

class SocketSession {
  readonly #ws: WebSocket;
  readonly #services: ProxyServices;
  readonly #route: RequestRoute;
  readonly #ctx: RequestContext;
  readonly #headers: IncomingHttpHeaders;
  readonly #native: boolean;
  readonly #closed = new AbortController();
  readonly #leaveDrain: () => void;
  #queue: Promise<void> = Promise.resolve();
  /** The account this socket's turns stick to once one was accepted. */
  #account: string | undefined;
  /** Upstream sockets kept for this client socket (previous_response_id resolves on them). */
  readonly #upstream: SocketTransport | undefined;
  #busy = 0;
  #draining = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, services: ProxyServices, options: { route: RequestRoute; ctx: RequestContext; headers: IncomingHttpHeaders }) {
    this.#ws = ws;
    this.#services = services;
    this.#route = options.route;
    this.#ctx = options.ctx;
    this.#headers = options.headers;
    this.#native = options.route === 'codex' && isNativeCodexClient(options.headers);
    this.#upstream = services.upstreamSockets?.();
    this.#leaveDrain = services.drain.enter();
    ws.on('message', (data) => this.#enqueue(data));
    ws.on('error', (err) => {
      services.metrics.backgroundFailures.inc({ operation: 'websocket' });
      services.logger.warn('websocket error', { requestId: this.#ctx.requestId, err });
    });
    services.metrics.activeConnections.inc({ transport: 'websocket' });
    ws.once('close', () => {
      services.metrics.activeConnections.dec({ transport: 'websocket' });
      clearTimeout(this.#idleTimer);
      this.#closed.abort();
      this.#upstream?.close();
      this.#leaveDrain();
    });
    this.#armIdleTimer();
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    if (this.#busy > 0) return;
    this.#idleTimer = setTimeout(() => this.close(1000, 'idle timeout'), this.#services.settings.socketIdleTimeoutMs);
    this.#idleTimer.unref();
  }

  /** Idle sockets close now; busy ones after their current turn. */
  drain(): void {
    this.#draining = true;
    if (this.#busy === 0) this.close(CLOSE_RESTART, 'Server is draining');
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) this.#ws.close(code, reason);
  }

  #enqueue(data: RawData): void {
    const { settings, memory } = this.#services;
    // `busy` counts the running turn too: this many frames are already waiting.
    if (this.#busy > settings.websocketQueueLimit) return this.#refuse(queueFull(settings.websocketQueueLimit));
    let ticket: BodyTicket;
    try {
      ticket = memory.admit(frameBuffer(data).length);
    } catch (err) {
      return this.#refuse(asProxyError(err));
    }
    this.#busy += 1;
    clearTimeout(this.#idleTimer);
    this.#queue = this.#queue
      .then(() => this.#turn(data))
      .catch((err: unknown) => {
        this.#services.logger.error('websocket turn failed', { requestId: this.#ctx.requestId, err });
        this.close(CLOSE_INTERNAL, 'internal error');
      })
      .finally(() => {
        ticket.release();
        this.#busy -= 1;
        if (this.#draining && this.#busy === 0) this.close(CLOSE_RESTART, 'Server is draining');
        else this.#armIdleTimer();
      });
  }

  /** Answers a frame that was not queued; the socket stays open for well-behaved frames. */
  #refuse(error: ProxyError): void {
    void sendFrame(this.#ws, errorFrame(error));
  }

  async #reject(error: ProxyError): Promise<void> {
    await sendFrame(this.#ws, errorFrame(error));
  }

  async #turn(data: RawData): Promise<void> {
    if (this.#closed.signal.aborted) return;
    let frame: unknown;
    try {
      frame = parseJsonText(frameBuffer(data).toString('utf8'), 'Frame');
    } catch (err) {
      return this.#reject(asProxyError(err));
    }
    if (!isObject(frame) || frame.type !== 'response.create') {
      return this.#reject(invalidRequest("Expected a frame of type 'response.create'", 'type'));
    }
    const { type: _type, ...raw } = frame;
    let body: JsonObject;
    try {
      body = normalizeResponsesRequest(raw, {
        route: this.#route,
        deriveCacheKey: this.#route === 'openai' && this.#services.settings.deriveCacheKey,
        apiKeyId: this.#ctx.apiKey?.id,
      });
    } catch (err) {
      return this.#reject(asProxyError(err));
    }
    const ctx: RequestContext = { ...this.#ctx, requestId: randomUUID(), startedAt: Date.now() };
    const sink = new SocketSink(this.#ws, { native: this.#native, requestId: ctx.requestId, createdAt: Math.floor(ctx.startedAt / 1000) });
    // Returned, not awaited: this frame holds the frame's bytes and the parsed body, which the turn releases
    // once the upstream accepted (serve-turn.ts).
    return serveTurn(
      this.#services,
      { ctx, headers: this.#headers, transport: 'websocket', signal: this.#closed.signal },
      {
        route: this.#route === 'codex' ? '/backend-api/codex/responses' : '/v1/responses',
        affinityRoute: this.#route,
        body,
        streaming: true,
        budgetMs: this.#services.settings.streamBudgetMs,
        turnState: false,
        preferredAccount: this.#account,
        transport: this.#upstream,
        surfaceStaleAnchor: this.#native,
        bridgeable: true,
        accepted: (accountId) => {
          this.#account = accountId;
        },
        sink: () => sink,
        reject: (error) => sink.reject(error),
      },
    );
  }
}
