/**
 * Typed view of the Responses event stream (reference/proxy-contract.md §2.5). Upstream SSE blocks
 * and WebSocket frames both become a ResponseEvent; writers serialize the `json` text as is, so an
 * event the proxy does not rewrite is forwarded byte for byte without a second JSON.stringify.
 */
import type { SseMessage } from './sse-parser.ts';

export type JsonObject = Record<string, unknown>;

export interface ResponseEvent {
  /** The payload's `type` (after alias rewriting), else the SSE `event:` name, else "". */
  readonly type: string;
  readonly payload: JsonObject;
  /** Compact JSON of `payload`. */
  readonly json: string;
}

/** Legacy event names some upstreams still send, and the names clients expect (§2.5). */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  'response.text.delta': 'response.output_text.delta',
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
};

const TERMINAL_TYPES: ReadonlySet<string> = new Set(['response.completed', 'response.failed', 'response.incomplete']);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function makeEvent(payload: JsonObject): ResponseEvent {
  return { type: typeof payload.type === 'string' ? payload.type : '', payload, json: JSON.stringify(payload) };
}

/** Parses one JSON event (SSE data or WS frame). Returns undefined for data that is not a JSON object. */
export function parseEventJson(text: string, eventName?: string): ResponseEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(payload)) return undefined;
  const declared = typeof payload.type === 'string' ? payload.type : undefined;
  const alias = declared === undefined ? undefined : TYPE_ALIASES[declared];
  if (alias !== undefined) return makeEvent({ ...payload, type: alias });
  // Multi-line (pretty-printed) JSON would break `data:` framing downstream: re-serialize it compact.
  const json = text.includes('\n') || text.includes('\r') ? JSON.stringify(payload) : text;
  return { type: declared ?? eventName ?? '', payload, json };
}

export function eventFromSse(message: SseMessage): ResponseEvent | undefined {
  return parseEventJson(message.data, message.event);
}

export function isTerminalEvent(event: ResponseEvent): boolean {
  return TERMINAL_TYPES.has(event.type);
}

/** Upstream `{"type":"error"}` frames end a stream as surely as `response.failed` does. */
export function isErrorEvent(event: ResponseEvent): boolean {
  return event.type === 'error';
}

export function endsStream(event: ResponseEvent): boolean {
  return isTerminalEvent(event) || isErrorEvent(event);
}

/** Vendor events (`codex.rate_limits`, `codex.keepalive`, …) that only Codex-native clients receive. */
export function isVendorEvent(event: ResponseEvent): boolean {
  return event.type.startsWith('codex.');
}

/** The `response` object of a `response.*` lifecycle event, when it has one. */
export function responseOf(event: ResponseEvent): JsonObject | undefined {
  const response = event.payload.response;
  return isObject(response) ? response : undefined;
}
