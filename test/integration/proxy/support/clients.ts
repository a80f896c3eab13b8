/** Small HTTP helpers for proxy tests: JSON posts, SSE collection, the Codex CLI's identity headers. */
import { collectSse, type SseMessage } from '../../../fakes/upstream-client.ts';

export type { SseMessage };
export { collectSse };

/** What the Codex CLI sends about itself (a native client: no fingerprint rewrite). */
export const CODEX_CLI_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'codex_cli_rs/0.169.0 (Debian 12; x86_64) xterm',
  originator: 'codex_cli_rs',
  version: '0.169.0',
};

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** The assistant text of a Responses SSE stream (its output_text deltas, joined). */
export function streamedText(messages: readonly SseMessage[]): string {
  return messages
    .filter((m) => m.data.type === 'response.output_text.delta')
    .map((m) => String(m.data.delta))
    .join('');
}

export function types(messages: readonly SseMessage[]): string[] {
  return messages.map((m) => String(m.data.type ?? m.event));
}

/** The request body of a simple Codex turn. */
export function codexTurn(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-5.4', instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }], ...extra };
}
