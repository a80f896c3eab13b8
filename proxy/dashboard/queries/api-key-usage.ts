/** API-key usage for the dashboard's key list: sums of the hourly rollup over the last days, one row per key. */
import type { DataSource } from 'typeorm';
import { runSql } from '../../store/sql.ts';

export const USAGE_DAYS = 7;

export interface ApiKeyUsage {
  requestCount: number;
  errorCount: number;
  totalTokens: number;
  cachedInputTokens: number;
  totalCostUsd: number;
}

export const NO_USAGE: ApiKeyUsage = { requestCount: 0, errorCount: 0, totalTokens: 0, cachedInputTokens: 0, totalCostUsd: 0 };

export async function apiKeyUsage(dataSource: DataSource, now: Date): Promise<Map<string, ApiKeyUsage>> {
  const rows = await runSql<Record<string, string | number>>(
    dataSource,
    `SELECT api_key_id AS id, SUM(requests) AS requests, SUM(errors) AS errors, SUM(input_tokens + output_tokens) AS tokens,
            SUM(cached_input_tokens) AS cached, SUM(cost_usd) AS cost
     FROM api_key_usage_hourly WHERE bucket_start >= :since GROUP BY api_key_id`,
    { since: now.getTime() - USAGE_DAYS * 86_400_000 },
  );
  return new Map(
    rows.map((row) => [
      String(row.id),
      {
        requestCount: Number(row.requests),
        errorCount: Number(row.errors),
        totalTokens: Number(row.tokens),
        cachedInputTokens: Number(row.cached),
        totalCostUsd: Number(row.cost),
      },
    ]),
  );
}
