/**
 * The Responses WebSocket routes (§2.7): `/backend-api/codex/responses` and `/v1/responses`. The
 * upgrade is admitted like an HTTP request (firewall, API key, drain); the client then sends
 * `{"type":"response.create",…}` frames, served one at a time in order, each as a full turn through
 * the same path as HTTP (dispatch, failover before the first frame, relay). Turns on one socket stay
 * on the account that served its first turn (unless it cannot serve); a client turn-state token is
 * echoed in the handshake, else one is minted.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { authenticate } from '../authenticate.ts';
import { resolveClientIp } from '../client-ip.ts';
import { asProxyError, invalidRequest, toOpenAIBody, type ProxyError } from '../errors.ts';
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

function rejectUpgrade(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
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
      await this.#services.firewall.check(ctx.clientIp);
      ctx.apiKey = await authenticate({ headers: req.headers, socketPeer: req.socket.remoteAddress, clientIp: ctx.clientIp }, this.#services.apiKeys, settings);
    } catch (err) {
      const error = asProxyError(err);
      return rejectUpgrade(socket, error.status, toOpenAIBody(error));
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
    ws.on('message', (data, isBinary) => this.#enqueue(data, isBinary));
    ws.on('error', (err) => services.logger.warn('websocket error', { requestId: this.#ctx.requestId, err }));
    ws.once('close', () => {
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

  #enqueue(data: RawData, isBinary: boolean): void {
    this.#busy += 1;
    clearTimeout(this.#idleTimer);
    this.#queue = this.#queue
      .then(() => this.#turn(data, isBinary))
      .catch((err: unknown) => {
        this.#services.logger.error('websocket turn failed', { requestId: this.#ctx.requestId, err });
        this.close(CLOSE_INTERNAL, 'internal error');
      })
      .finally(() => {
        this.#busy -= 1;
        if (this.#draining && this.#busy === 0) this.close(CLOSE_RESTART, 'Server is draining');
        else this.#armIdleTimer();
      });
  }

  async #reject(error: ProxyError): Promise<void> {
    await sendFrame(this.#ws, errorFrame(error));
  }

  async #turn(data: RawData, isBinary: boolean): Promise<void> {
    if (this.#closed.signal.aborted) return;
    let frame: unknown;
    try {
      frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
    } catch {
      return this.#reject(invalidRequest('Frames must be JSON objects'));
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
    await serveTurn(
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
        accepted: (accountId) => {
          this.#account = accountId;
        },
        sink: () => sink,
        reject: (error) => sink.reject(error),
      },
    );
  }
}
