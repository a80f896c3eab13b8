/**
 * Which account a request should stick to, and how firmly (reference/proxy-contract.md §7.4,
 * trap 8). Hard affinity (turn state, Codex session headers) follows the conversation's account
 * whenever it can serve; soft affinity (prompt-cache keys, threads) is a cache-locality preference
 * that yields to quota pressure. Keys are hashed and scoped to the API key, so one tenant's session
 * id can never steer another tenant's traffic.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from '../upstream/events.ts';
import type { RequestRoute } from '../upstream/request-body.ts';

export type StickyKind = 'codex_session' | 'sticky_thread' | 'prompt_cache';

export interface StickyKey {
  kind: StickyKind;
  key: string;
  /** Hard keys follow their account even over budget; soft keys move when it runs hot. */
  hard: boolean;
  /** Mapping lifetime; null = durable. */
  ttlSeconds: number | null;
}

export interface AffinityPlan {
  sticky: StickyKey | undefined;
  /** `previous_response_id`: only the account that produced it can continue it. */
  previousResponseId: string | undefined;
  /** An account to follow when nothing stored says otherwise (a WebSocket's earlier turns). Not persisted. */
  preferredAccount?: string;
}

export interface AffinityOptions {
  route: RequestRoute;
  apiKeyId: string | undefined;
  promptCacheTtlSeconds: number;
  /** Dashboard `stickyThreadsEnabled` (§7.4 step 5); @default true */
  stickyThreads?: boolean;
}

const SESSION_HEADERS = ['session_id', 'session-id', 'x-codex-session-id', 'x-codex-conversation-id'] as const;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

function scopedKey(source: string, value: string, apiKeyId: string | undefined): string {
  return `${source}:${apiKeyId ?? '-'}:${createHash('sha256').update(value).digest('hex')}`;
}

const MINTED_TURN_STATE = /^(http_)?turn_[0-9a-f]{32}$/;

/** A turn-state token the proxy minted (`http_turn_…` / `turn_…`): echoed to clients, never an affinity key (§7.4). */
export function isMintedTurnState(token: string): boolean {
  return MINTED_TURN_STATE.test(token);
}

/**
 * A fresh turn-state token for a turn that came without one. Drawn from randomUUID's buffered entropy (122
 * random bits): `randomBytes` per answer asked OpenSSL for fresh bytes every time, 2 % of a short stream's CPU.
 */
export function mintTurnState(prefix: 'http_turn' | 'turn'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

export function resolveAffinity(headers: IncomingHttpHeaders, body: JsonObject, options: AffinityOptions): AffinityPlan {
  const previousResponseId = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
  return { sticky: stickyKey(headers, body, options), previousResponseId };
}

function stickyKey(headers: IncomingHttpHeaders, body: JsonObject, options: AffinityOptions): StickyKey | undefined {
  const { apiKeyId } = options;
  const turnState = header(headers, 'x-codex-turn-state');
  if (turnState && !isMintedTurnState(turnState)) {
    return { kind: 'codex_session', key: scopedKey('turn_state', turnState, apiKeyId), hard: true, ttlSeconds: null };
  }
  const promptCacheKey = typeof body.prompt_cache_key === 'string' && body.prompt_cache_key !== '' ? body.prompt_cache_key : undefined;
  if (options.route === 'codex') {
    const thread = header(headers, 'thread-id');
    if (thread) return { kind: 'prompt_cache', key: scopedKey('thread', thread, apiKeyId), hard: false, ttlSeconds: options.promptCacheTtlSeconds };
    for (const name of SESSION_HEADERS) {
      const session = header(headers, name);
      if (session) return { kind: 'codex_session', key: scopedKey('session', session, apiKeyId), hard: true, ttlSeconds: null };
    }
    if (promptCacheKey && options.stickyThreads !== false) {
      return { kind: 'sticky_thread', key: scopedKey('prompt_cache', promptCacheKey, apiKeyId), hard: false, ttlSeconds: null };
    }
    return undefined;
  }
  if (promptCacheKey) {
    return { kind: 'prompt_cache', key: scopedKey('prompt_cache', promptCacheKey, apiKeyId), hard: false, ttlSeconds: options.promptCacheTtlSeconds };
  }
  return undefined;
}
