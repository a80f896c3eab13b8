/**
 * `/backend-api/codex/responses` over WebSocket (proxy-contract §2.1, §2.7). The upgrade is
 * authorised like an HTTP call and answers 101 with the `x-codex-*` headers; then each
 * `{"type":"response.create", ...}` text frame is one turn, answered with the same events as the
 * SSE stream, one JSON text frame each. Turns on a socket run one after another.
 *
 * Faithful details the proxy has to handle:
 * - failures after the upgrade are `{"type":"error","status":N,"error":{...}}` frames, and the
 *   socket stays open for the next `response.create` (§2.8 C);
 * - `previous_response_id` only resolves against responses completed on the same connection
 *   (store=false keeps them in a connection-local cache), so a new socket or another account gets
 *   `previous_response_not_found`;
 * - the `OpenAI-Beta: responses_websockets=...` header is recorded but not enforced: the live
 *   backend accepts upgrades without it.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { closedSignal } from './http-io.ts';
import { isAbort, pause, play, type EventSink } from './playback.ts';
import { startTurn } from './responses-turn.ts';
import { failureForStep } from './step-failures.ts';
import { detailFailure, toErrorFrame, type HttpFailure } from './upstream-errors.ts';
import type { UpstreamState } from './upstream-state.ts';

export class ResponsesSocketServer {
  readonly #state: UpstreamState;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #handshakeHeaders = new WeakMap<IncomingMessage, Record<string, string>>();

  constructor(state: UpstreamState) {
    this.#state = state;
    this.#wss.on('headers', (lines: string[], req: IncomingMessage) => {
      for (const [name, value] of Object.entries(this.#handshakeHeaders.get(req) ?? {})) lines.push(`${name}: ${value}`);
    });
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const state = this.#state;
    const auth = state.authorize(req.headers);
    state.record(req, url, { endpoint: 'websocket', body: undefined, accountId: auth.accountId, transport: 'ws' });
    if (!auth.ok) return rejectHandshake(socket, auth.failure);
    const { accountId } = auth;

    const step = state.takeStep(accountId, 'websocket');
    if (step?.kind === 'stall') await pause(step.ms, AbortSignal.any([state.signal, closedSignal(socket)]));
    const failure = failureForStep(step, state.accounts.plan(accountId), state.nowSec());
    if (failure) return rejectHandshake(socket, failure, state.rateLimitHeaders(accountId, step));

    this.#handshakeHeaders.set(req, state.rateLimitHeaders(accountId));
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#session(ws, req, url, accountId));
  }

  /** Drops every open socket without a close handshake; the fake is going away. */
  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  #session(ws: WebSocket, req: IncomingMessage, url: URL, accountId: string): void {
    const completed = new Set<string>();
    const connection = new AbortController();
    ws.once('close', () => connection.abort());
    const signal = AbortSignal.any([this.#state.signal, connection.signal]);
    let turns = Promise.resolve();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      turns = turns
        .then(() => this.#turn(ws, req, url, accountId, { data, isBinary }, completed, signal))
        .catch((err: unknown) => {
          if (isAbort(err) || ws.readyState !== WebSocket.OPEN) return;
          console.error('fake upstream: websocket turn failed:', err);
          ws.close(1011, 'fake upstream internal error');
        });
    });
  }

  async #turn(
    ws: WebSocket,
    req: IncomingMessage,
    url: URL,
    accountId: string,
    message: { data: RawData; isBinary: boolean },
    completed: Set<string>,
    signal: AbortSignal,
  ): Promise<void> {
    const frame = parseFrame(message);
    this.#state.record(req, url, { endpoint: 'responses', body: frame, accountId, transport: 'ws', method: 'WS' });
    const type = (frame as Record<string, unknown> | undefined)?.type;
    if (type !== 'response.create') {
      await sendFrame(ws, toErrorFrame(detailFailure(400, `Unsupported message type: ${String(type)}`)));
      return;
    }
    const { type: _type, ...body } = frame as Record<string, unknown>;
    const outcome = startTurn(this.#state, accountId, body, 'ws', completed);
    if (outcome.kind === 'reject') {
      await sendFrame(ws, toErrorFrame(outcome.failure));
      return;
    }
    const ended = this.#state.streamStarted(accountId);
    try {
      const finished = await play(outcome.plan, socketSink(ws), signal);
      if (finished && outcome.plan.completes) completed.add(outcome.plan.responseId);
    } finally {
      ended();
    }
  }
}

function parseFrame({ data, isBinary }: { data: RawData; isBinary: boolean }): unknown {
  if (isBinary) return undefined;
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendFrame(ws: WebSocket, frame: object): Promise<void> {
  return new Promise((resolve, reject) => ws.send(JSON.stringify(frame), (err) => (err ? reject(err) : resolve())));
}

function socketSink(ws: WebSocket): EventSink {
  return {
    open() {},
    send: (event) => sendFrame(ws, event),
    end() {},
    cut() {
      ws.terminate();
    },
  };
}

/** Answers the upgrade request with a plain HTTP error, the way a refused handshake looks (§2.4). */
function rejectHandshake(socket: Duplex, failure: HttpFailure, headers: Record<string, string> = {}): void {
  if (!socket.writable) return;
  const body = typeof failure.body === 'string' ? failure.body : JSON.stringify(failure.body);
  const lines = [
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}`,
    `content-type: ${failure.contentType ?? 'application/json'}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
