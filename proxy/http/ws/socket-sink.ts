/**
 * A Responses turn answered over a WebSocket (§2.7): upstream events as JSON text frames, errors
 * before the upstream accepted as the upstream's own `{"type":"error","status",…}` frame shape, and
 * proxy-detected failures as `response.failed`. The socket stays open for the next turn.
 */
import type { WebSocket } from 'ws';
import { toOpenAIError, type ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd } from '../relay.ts';
import type { AnswerSink } from '../sinks/sink.ts';
import { responseFailedEvent } from '../translate/failure-event.ts';
import { responseOf, type ResponseEvent } from '../../upstream/events.ts';

/** Above this many queued bytes a send waits until the frame is written (backpressure). */
const HIGH_WATER_BYTES = 1 << 20;
const CODEX_KEEPALIVE_FRAME = '{"type":"codex.keepalive"}';

export async function sendFrame(ws: WebSocket, text: string): Promise<void> {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount < HIGH_WATER_BYTES) {
    ws.send(text);
    return;
  }
  await new Promise<void>((resolve) => ws.send(text, () => resolve()));
}

export function errorFrame(error: ProxyError): string {
  return JSON.stringify({ type: 'error', status: error.status, error: toOpenAIError(error) });
}

export class SocketSink implements AnswerSink {
  readonly buffered = false;
  readonly #ws: WebSocket;
  readonly #native: boolean;
  readonly #fallbackId: string;
  readonly #createdAt: number;
  #responseId: string | undefined;

  constructor(ws: WebSocket, options: { native: boolean; requestId: string; createdAt: number }) {
    this.#ws = ws;
    this.#native = options.native;
    this.#fallbackId = `resp_${options.requestId.replace(/-/g, '')}`;
    this.#createdAt = options.createdAt;
  }

  async event(event: ResponseEvent): Promise<void> {
    const id = responseOf(event)?.id;
    if (typeof id === 'string') this.#responseId ??= id;
    // Vendor events are Codex-native; OpenAI clients on /v1 never see them.
    if (!this.#native && event.type.startsWith('codex.')) return;
    await sendFrame(this.#ws, event.json);
  }

  async keepalive(): Promise<void> {
    if (this.#native) await sendFrame(this.#ws, CODEX_KEEPALIVE_FRAME);
    else if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping();
  }

  async fail(error: ProxyError): Promise<void> {
    await sendFrame(this.#ws, responseFailedEvent(error, this.#responseId ?? this.#fallbackId, this.#createdAt).json);
  }

  reject(error: ProxyError): void {
    void sendFrame(this.#ws, errorFrame(error));
  }

  complete(_end: RelayEnd): void {
    // The socket carries the next turn; nothing to close.
  }
}
