/**
 * Writes one `request_logs` row per proxied request, with its cost priced from the token usage and the
 * effective service tier (actual ?? requested, §8.2–8.3). Rows of requests that end close together share
 * one multi-row INSERT (atomic: all of them or none), written at most REQUEST_LOG_BATCH_MS after the first of them
 * (store/write-batch.ts): one statement instead of one per request was the largest database cost of a short
 * request, and building that statement with TypeORM's query builder the next largest
 * (bench/results/proxy-hot-path.md), so it is built once per row count (store/bulk-insert.ts). Each write still
 * settles with its own row, or with the batch's error. The same transaction adds the batch to the hourly rollups
 * the dashboard reads (usage-rollup.ts).
 */
import type { DataSource } from 'typeorm';
import { BulkInsert } from '../store/bulk-insert.ts';
import { timeOrderedId } from '../store/time-ordered-id.ts';
import { RequestLogEntity, type RequestLogRow, type RequestStatus } from '../store/entities/request-log.ts';
import { withTransaction } from '../store/transaction.ts';
import { WriteBatch } from '../store/write-batch.ts';
import { costUsd } from './pricing.ts';
import type { ResponseUsage } from './response-usage.ts';
import { foldIntoRollups } from './usage-rollup.ts';

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

/**
 * How long a row waits for others to share its INSERT. Each batch is one transaction, and a SQLite commit runs on
 * the event loop: it writes the batch's pages to the WAL, and would sync them at synchronous=FULL (~1.7 ms on the
 * build machine's disk; the serving connection runs NORMAL and leaves syncing to the background checkpoint,
 * store/wal-checkpointer.ts). Fewer, larger commits write each shared page (the rollups, the indexes' edges) once.
 * The price: a crashed process loses the rows of requests that ended in its last 100 ms, besides those
 * of every request still in flight (as before); a stopped one (SIGTERM) loses none, shutdown waits.
 */
export const REQUEST_LOG_BATCH_MS = 100;
/** Rows per INSERT at most (well inside SQLite's and PostgreSQL's bound-parameter limits). */
export const REQUEST_LOG_BATCH_ROWS = 200;

const requestLogInsert = new BulkInsert(RequestLogEntity);

export class RequestLogWriter {
  readonly #now: () => Date;
  readonly #rows: WriteBatch<RequestLogRow, RequestLogRow>;

  constructor(options: RequestLogWriterOptions) {
    const { dataSource } = options;
    this.#now = options.now ?? (() => new Date());
    this.#rows = new WriteBatch({
      windowMs: REQUEST_LOG_BATCH_MS,
      maxItems: REQUEST_LOG_BATCH_ROWS,
      write: (rows) =>
        withTransaction(dataSource, async (manager) => {
          await requestLogInsert.insert(manager, rows);
          await foldIntoRollups(manager, rows);
          return rows;
        }),
    });
  }

  write(entry: RequestLogEntry): Promise<RequestLogRow> {
    // Time-ordered keys: the primary-key index grows at its edge instead of taking a random page per row.
    return this.#rows.add(requestLogRow(entry, timeOrderedId(), entry.requestedAt ?? this.#now()));
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
