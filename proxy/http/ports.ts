/**
 * What the HTTP layer needs from the data layer besides routing (routing/ports.ts): API-key
 * verification and limits, the request log, pricing, and the firewall allow-list. Wired to
 * proxy/apikeys and proxy/usage by the serve command.
 */
import type { TokenUsage } from './usage-meter.ts';

export interface ApiKeyPrincipal {
  id: string;
  name: string;
  /** null = every model. */
  allowedModels: readonly string[] | null;
}

export type ApiKeyVerdict = { ok: true; key: ApiKeyPrincipal } | { ok: false; reason: 'invalid' | 'expired' };

/** A limit reservation taken before the upstream call and settled with the real usage after it. */
export interface Reservation {
  readonly id: string;
}

export type ReserveVerdict = { ok: true; reservation: Reservation | undefined } | { ok: false; message: string };

export interface ApiKeys {
  /** Checks a presented `sk-clb-…` key (hash lookup; active, not expired). */
  verify(plaintext: string): Promise<ApiKeyVerdict>;
  /** Reserves budget against the key's limits for one request of `model`. */
  reserve(key: ApiKeyPrincipal, model: string): Promise<ReserveVerdict>;
  settle(reservation: Reservation, usage: TokenUsage & { costUsd: number }): Promise<void>;
  release(reservation: Reservation): Promise<void>;
}

export interface RequestLogEntry {
  requestedAt: Date;
  accountId: string | null;
  apiKeyId: string | null;
  /** Upstream response id when known, else the proxy request id. */
  requestId: string;
  sessionId: string | null;
  model: string | null;
  serviceTier: string | null;
  reasoningEffort: string | null;
  transport: 'http' | 'websocket';
  status: 'success' | 'error' | 'cancelled';
  errorCode: string | null;
  errorMessage: string | null;
  upstreamStatusCode: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
  latencyFirstTokenMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

export interface RequestLog {
  /** Queues one row; never throws into the request path. */
  write(entry: RequestLogEntry): void;
}

export interface Pricing {
  /** USD for one request's tokens at the effective service tier; 0 for unknown models. */
  costUsd(model: string, usage: TokenUsage, serviceTier: string | undefined): number;
}

export interface FirewallAllowlist {
  /** Exact client IPs allowed on proxy routes; empty = allow everyone (§10). */
  allowed(): Promise<ReadonlySet<string>>;
}
