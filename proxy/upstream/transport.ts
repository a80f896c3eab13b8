/**
 * How an attempt reaches the upstream: a fresh HTTP SSE request, or a `response.create` on a
 * WebSocket kept per account for one client connection (so `previous_response_id` resolves). Both
 * answer in the same shape (UpstreamStreamResponse), so dispatch, probing and failover do not care.
 */
import type { JsonObject } from './events.ts';
import type { Transport } from './headers.ts';
import type { UpstreamClient } from './client.ts';
import type { UpstreamStreamResponse } from './sse-exchange.ts';
import { responsesWebSocketUrl } from './endpoints.ts';
import { UpstreamSocket } from './ws-client.ts';

export interface UpstreamTransport {
  readonly kind: Transport;
  /** Rejects only on transport failure; an upstream refusal is a response with its status. */
  open(accountId: string, headers: Record<string, string>, body: JsonObject, signal: AbortSignal): Promise<UpstreamStreamResponse>;
}

export function httpTransport(client: UpstreamClient): UpstreamTransport {
  return {
    kind: 'http',
    open: (_accountId, headers, body, signal) => client.openResponses(headers, JSON.stringify(body), signal),
  };
}

/** The `response.create` frame: the request minus `stream`/`background`, which the socket refuses (§2.3). */
export function responseCreateFrame(body: JsonObject): JsonObject {
  const { stream: _stream, background: _background, ...rest } = body;
  return { type: 'response.create', ...rest };
}

/**
 * Upstream sockets for one client connection, one per account, opened on first use and closed
 * with the client connection. A socket left mid-turn (client gone, failover) is closed rather than
 * reused, so no stale frames reach a later turn.
 */
export class SocketTransport implements UpstreamTransport {
  readonly kind = 'websocket' as const;
  readonly #url: string;
  readonly #options: { connectTimeoutMs: number; maxPayload: number };
  readonly #sockets = new Map<string, UpstreamSocket>();

  constructor(client: UpstreamClient, options: { connectTimeoutMs: number; maxPayload: number }) {
    this.#url = responsesWebSocketUrl(client.target);
    this.#options = options;
  }

  async open(accountId: string, headers: Record<string, string>, body: JsonObject, signal: AbortSignal): Promise<UpstreamStreamResponse> {
    let socket = this.#sockets.get(accountId);
    if (!socket?.reusable) {
      socket?.close();
      this.#sockets.delete(accountId);
      const connected = await UpstreamSocket.connect(this.#url, headers, { signal, ...this.#options });
      if (!connected.ok) {
        const { refusal } = connected;
        return {
          status: refusal.status,
          headers: refusal.headers,
          eventBatches: async function* () {},
          text: async () => refusal.body,
          release: () => undefined,
        };
      }
      socket = connected.socket;
      this.#sockets.set(accountId, socket);
    }
    const live = socket;
    const events = live.turn(responseCreateFrame(body));
    const abort = (): void => live.close();
    signal.addEventListener('abort', abort, { once: true });
    return {
      status: 200,
      headers: live.headers,
      eventBatches: () => events,
      text: async () => '',
      release: (keep) => {
        signal.removeEventListener('abort', abort);
        if (!keep || !live.reusable) {
          live.close();
          if (this.#sockets.get(accountId) === live) this.#sockets.delete(accountId);
        }
      },
    };
  }

  close(): void {
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
  }
}
