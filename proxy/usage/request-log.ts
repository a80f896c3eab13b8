/**
 * Writes one `request_logs` row per proxied request, with its cost priced from the token usage and the
 * effective service tier (actual ?? requested, §8.2–8.3).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RequestLogEntity, type RequestLogRow, type RequestStatus } from '../store/entities/request-log.ts';
import { costUsd } from './pricing.ts';
import type { ResponseUsage } from './response-usage.ts';

export interface RequestLogEntry {
  /** Upstream response id (resp_…) when known, else the proxy's request id. */
  readonly requestId: string;
  /** @default now */
  readonly requestedAt?: Date;
  readonly accountId: string | null;
  readonly apiKeyId: string | null;
  readonly sessionId?: string | null;
  readonly model: string | null;
  readonly requestedServiceTier?: string | null;
  /** From `response.completed.response.service_tier`. */
  readonly actualServiceTier?: string | null;
  readonly reasoningEffort?: string | null;
  readonly transport?: 'http' | 'websocket' | null;
  readonly status: RequestStatus;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly upstreamStatusCode?: number | null;
  /** From parseResponseUsage(); null when the request ended before usage was reported. */
  readonly usage?: ResponseUsage | null;
  readonly latencyMs?: number | null;
  readonly latencyFirstTokenMs?: number | null;
  readonly clientIp?: string | null;
  readonly userAgent?: string | null;
}

export interface RequestLogWriterOptions {
  readonly dataSource: DataSource;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class RequestLogWriter {
  readonly #dataSource: DataSource;
  readonly #now: () => Date;

  constructor(options: RequestLogWriterOptions) {
    this.#dataSource = options.dataSource;
    this.#now = options.now ?? (() => new Date());
  }

  async write(entry: RequestLogEntry): Promise<RequestLogRow> {
    const row = requestLogRow(entry, randomUUID(), entry.requestedAt ?? this.#now());
    await this.#dataSource.getRepository(RequestLogEntity).insert(row);
    return row;
  }
}

/** The row for an entry (pure): effective tier and cost derived here so every writer prices the same way. */
export function requestLogRow(entry: RequestLogEntry, id: string, requestedAt: Date): RequestLogRow {
  const serviceTier = entry.actualServiceTier ?? entry.requestedServiceTier ?? null;
  const usage = entry.usage ?? null;
  return {
    id,
    requestedAt,
    accountId: entry.accountId,
    apiKeyId: entry.apiKeyId,
    requestId: entry.requestId,
    sessionId: entry.sessionId ?? null,
    model: entry.model,
    serviceTier,
    reasoningEffort: entry.reasoningEffort ?? null,
    transport: entry.transport ?? null,
    status: entry.status,
    errorCode: entry.errorCode ?? null,
    errorMessage: entry.errorMessage ?? null,
    upstreamStatusCode: entry.upstreamStatusCode ?? null,
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    cachedInputTokens: usage?.cachedInputTokens ?? null,
    reasoningTokens: usage?.reasoningTokens ?? null,
    costUsd: usage === null || entry.model === null ? null : costUsd(entry.model, usage, serviceTier),
    latencyMs: entry.latencyMs ?? null,
    latencyFirstTokenMs: entry.latencyFirstTokenMs ?? null,
    clientIp: entry.clientIp ?? null,
    userAgent: entry.userAgent ?? null,
  };
}
