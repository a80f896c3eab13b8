/**
 * Which Codex session a Responses request belongs to, for ownership across replicas
 * (reference/proxy-contract.md §11.1–11.2). Only hard keys count — identifiers a client repeats on
 * every turn of one conversation; requests without one are served where they land, as before.
 *
 * Order: `thread-id`, then the session headers, then a client-held `x-codex-turn-state`. Upstream
 * codex-lb checks the turn state first and maps later turn states onto the session through an alias
 * table; here the stable identifier wins instead, so every turn of a thread (the Codex CLI repeats
 * `thread-id` and `session-id` across `codex exec resume`) resolves to one owner without aliases, and
 * sibling threads of one process (sub-agents) get sessions of their own instead of queueing on one
 * upstream socket. Turn states this proxy minted are never keys (they change every answer).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isMintedTurnState } from '../routing/affinity.ts';

export type SessionKeyKind = 'thread' | 'session' | 'turn_state';

export interface SessionKey {
  kind: SessionKeyKind;
  /** sha256 (hex) of the kind, the value and the API-key scope: the durable row's key and the hash input. */
  id: string;
}

const SESSION_HEADERS = ['session_id', 'session-id', 'x-codex-session-id', 'x-codex-conversation-id'] as const;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

function keyOf(kind: SessionKeyKind, value: string, apiKeyId: string | undefined): SessionKey {
  // One tenant's session id can never name another tenant's session: the API key is part of the key.
  const id = createHash('sha256').update(`${kind}\0${apiKeyId ?? ''}\0${value}`).digest('hex');
  return { kind, id };
}

export function sessionKeyOf(headers: IncomingHttpHeaders, apiKeyId: string | undefined): SessionKey | undefined {
  const thread = header(headers, 'thread-id');
  if (thread) return keyOf('thread', thread, apiKeyId);
  for (const name of SESSION_HEADERS) {
    const session = header(headers, name);
    if (session) return keyOf('session', session, apiKeyId);
  }
  const turnState = header(headers, 'x-codex-turn-state');
  if (turnState && !isMintedTurnState(turnState)) return keyOf('turn_state', turnState, apiKeyId);
  return undefined;
}
