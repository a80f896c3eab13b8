/**
 * Folds request-log rows into the hourly rollups (proxy/store/entities/usage-rollup.ts), in the transaction that
 * inserts them, so the sums never disagree with the log. A batch is first summed per rollup row (pure, `rollupSums`),
 * then each sum is upserted, adding to the hour's row on both dialects (`ON CONFLICT … DO UPDATE`), so replicas
 * writing the same hour never lose a count.
 */
import type { EntityManager } from 'typeorm';
import type { RequestLogRow, RequestStatus } from '../store/entities/request-log.ts';
import { runSql } from '../store/sql.ts';

export const HOUR_MS = 3_600_000;

/** The start of the hour `at` falls in, epoch ms. */
export function hourOf(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return ms - (ms % HOUR_MS);
}

/** A rollup row's outcome: `success`, `cancelled`, or the error code (the migration's backfill uses the same rule). */
export function outcomeOf(status: RequestStatus, errorCode: string | null): string {
  return status === 'error' ? (errorCode ?? 'error') : status;
}

interface Figures {
  requests: number;
  input: number;
  output: number;
  cached: number;
  cost: number;
}

export interface ModelSum extends Figures {
  bucket: number;
  model: string;
  outcome: string;
  reasoning: number;
}

export interface KeySum extends Figures {
  bucket: number;
  key: string;
  errors: number;
}

function add(target: Figures, row: RequestLogRow): void {
  target.requests += 1;
  target.input += row.inputTokens ?? 0;
  target.output += row.outputTokens ?? 0;
  target.cached += row.cachedInputTokens ?? 0;
  target.cost += row.costUsd ?? 0;
}

const zero = (): Figures => ({ requests: 0, input: 0, output: 0, cached: 0, cost: 0 });

/** The rollup rows a batch adds to: per hour, model and outcome; per hour and API key (pure). */
export function rollupSums(rows: readonly RequestLogRow[]): { models: ModelSum[]; keys: KeySum[] } {
  const models = new Map<string, ModelSum>();
  const keys = new Map<string, KeySum>();
  for (const row of rows) {
    const bucket = hourOf(row.requestedAt);
    const model = row.model ?? '';
    const outcome = outcomeOf(row.status, row.errorCode);
    const modelKey = JSON.stringify([bucket, model, outcome]);
    const modelSum = models.get(modelKey) ?? { bucket, model, outcome, reasoning: 0, ...zero() };
    add(modelSum, row);
    modelSum.reasoning += row.reasoningTokens ?? 0;
    models.set(modelKey, modelSum);
    if (row.apiKeyId !== null) {
      const keyKey = JSON.stringify([bucket, row.apiKeyId]);
      const keySum = keys.get(keyKey) ?? { bucket, key: row.apiKeyId, errors: 0, ...zero() };
      add(keySum, row);
      if (row.status === 'error') keySum.errors += 1;
      keys.set(keyKey, keySum);
    }
  }
  return { models: [...models.values()], keys: [...keys.values()] };
}

const MODEL_UPSERT = `
  INSERT INTO request_usage_hourly
    (bucket_start, model, outcome, requests, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd)
  VALUES (:bucket, :model, :outcome, :requests, :input, :output, :cached, :reasoning, :cost)
  ON CONFLICT (bucket_start, model, outcome) DO UPDATE SET
    requests = request_usage_hourly.requests + excluded.requests,
    input_tokens = request_usage_hourly.input_tokens + excluded.input_tokens,
    output_tokens = request_usage_hourly.output_tokens + excluded.output_tokens,
    cached_input_tokens = request_usage_hourly.cached_input_tokens + excluded.cached_input_tokens,
    reasoning_tokens = request_usage_hourly.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = request_usage_hourly.cost_usd + excluded.cost_usd`;

const KEY_UPSERT = `
  INSERT INTO api_key_usage_hourly
    (bucket_start, api_key_id, requests, errors, input_tokens, output_tokens, cached_input_tokens, cost_usd)
  VALUES (:bucket, :key, :requests, :errors, :input, :output, :cached, :cost)
  ON CONFLICT (bucket_start, api_key_id) DO UPDATE SET
    requests = api_key_usage_hourly.requests + excluded.requests,
    errors = api_key_usage_hourly.errors + excluded.errors,
    input_tokens = api_key_usage_hourly.input_tokens + excluded.input_tokens,
    output_tokens = api_key_usage_hourly.output_tokens + excluded.output_tokens,
    cached_input_tokens = api_key_usage_hourly.cached_input_tokens + excluded.cached_input_tokens,
    cost_usd = api_key_usage_hourly.cost_usd + excluded.cost_usd`;

export async function foldIntoRollups(manager: EntityManager, rows: readonly RequestLogRow[]): Promise<void> {
  const { models, keys } = rollupSums(rows);
  for (const sum of models) await runSql(manager, MODEL_UPSERT, { ...sum });
  for (const sum of keys) await runSql(manager, KEY_UPSERT, { ...sum });
}
