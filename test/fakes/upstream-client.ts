/**
 * Test-side helpers that talk to the fake the way the proxy does: a well-formed `/codex/responses`
 * body, backend auth headers, an SSE reader over a real `fetch` body, and a WebSocket turn runner
 * over the `ws` client. Used by the fake's own tests; proxy tests may use them to poke the fake.
 */
import { WebSocket } from 'ws';
import type { AccountCredentials } from './accounts.ts';

export interface SseMessage {
  event: string | undefined;
  /** The parsed `data:` payload. */
  data: Record<string, unknown>;
  /** Index of the network read that completed this message, for pacing checks. */
  read: number;
}

/** A body the Codex backend accepts: list input, instructions, stream=true, store=false. */
export function responsesBody(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'gpt-5.4',
    instructions: 'Be brief.',
    input: [userMessage(text)],
    stream: true,
    store: false,
    ...overrides,
  };
}

/** The same for a WebSocket `response.create`: `stream` and `background` must be absent there (§2.3). */
export function socketBody(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { stream: _stream, ...body } = responsesBody(text, overrides);
  return body;
}

export function userMessage(text: string): Record<string, unknown> {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export function backendHeaders(account: Pick<AccountCredentials, 'accessToken' | 'accountId'>): Record<string, string> {
  return { authorization: `Bearer ${account.accessToken}`, 'chatgpt-account-id': account.accountId };
}

export function postResponses(
  baseUrl: string,
  account: Pick<AccountCredentials, 'accessToken' | 'accountId'>,
  body: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${baseUrl}/backend-api/codex/responses`, {
    method: 'POST',
    headers: { ...backendHeaders(account), 'content-type': 'application/json', accept: 'text/event-stream', ...init.headers },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}

/** Parses an SSE body as it arrives (blank-line separated blocks, `event:` and `data:` fields). */
export async function* readSse(body: ReadableStream<Uint8Array> | null): AsyncGenerator<SseMessage> {
  if (!body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let read = 0;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: RegExpExecArray | null;
    while ((boundary = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) !== null) {
      const block = buffer.slice(0, boundary.index);
      buffer = buffer.slice(boundary.index + boundary[0].length);
      const message = parseBlock(block, read);
      if (message) yield message;
    }
    read += 1;
  }
}

function parseBlock(block: string, read: number): SseMessage | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    const colon = line.indexOf(':');
    if (colon === 0) continue; // comment
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join('\n')) as Record<string, unknown>, read };
}

/** Every SSE message of a response, in order. Rejects if the stream breaks. */
export async function collectSse(res: Response): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSse(res.body)) messages.push(message);
  return messages;
}

export type Frame = Record<string, unknown> & { type: string };

const TERMINAL_TYPES = ['response.completed', 'response.incomplete', 'response.failed', 'error'];

export type SocketOpening =
  | { ok: true; ws: WebSocket; headers: Record<string, string | string[] | undefined> }
  | { ok: false; status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Opens `/backend-api/codex/responses` as a WebSocket with the headers the proxy sends (§2.2 item 7). */
export function openSocket(baseUrl: string, headers: Record<string, string>): Promise<SocketOpening> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/backend-api/codex/responses`, {
    headers: { 'openai-beta': 'responses_websockets=2026-02-06', ...headers },
  });
  return new Promise((resolve, reject) => {
    let upgradeHeaders: Record<string, string | string[] | undefined> = {};
    ws.once('upgrade', (res) => (upgradeHeaders = res.headers));
    ws.once('open', () => resolve({ ok: true, ws, headers: upgradeHeaders }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', reject);
  });
}

/** Sends one `response.create` and collects frames up to the terminal one (or until the socket dies). */
export function runTurn(ws: WebSocket, request: Record<string, unknown>): Promise<{ frames: Frame[]; closed: boolean }> {
  return new Promise((resolve) => {
    const frames: Frame[] = [];
    const finish = (closed: boolean): void => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve({ frames, closed });
    };
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      frames.push(frame);
      if (TERMINAL_TYPES.includes(frame.type)) finish(false);
    };
    const onClose = (): void => finish(true);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(JSON.stringify({ type: 'response.create', ...request }));
  });
}
