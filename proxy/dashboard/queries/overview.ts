/**
 * `GET /api/dashboard/overview`: pool totals, requests/tokens/cost over time, error rate, top models and errors,
 * and every account's usage windows. Request figures come from the hourly rollup, never from scanning
 * `request_logs`, summed by the database into the timeframe's buckets (30 days of hourly rows become one row per
 * day, model and outcome); shaping is pure (`summarize`) so it is tested without a database.
 */
import type { DataSource } from 'typeorm';
import type { AccountSnapshot } from '../../accounts/account-repository.ts';
import { ACCOUNT_STATUSES, type AccountStatus } from '../../store/entities/account.ts';
import type { ModelUsageHourRow } from '../../store/entities/usage-rollup.ts';
import { runSql } from '../../store/sql.ts';
import { dashboardAccount, type DashboardAccount } from '../views.ts';

export const TIMEFRAMES = {
  '1d': { windowMinutes: 1440, bucketSeconds: 3600, bucketCount: 24 },
  '7d': { windowMinutes: 10_080, bucketSeconds: 6 * 3600, bucketCount: 28 },
  '30d': { windowMinutes: 43_200, bucketSeconds: 24 * 3600, bucketCount: 30 },
} as const;
export type TimeframeKey = keyof typeof TIMEFRAMES;

export interface TrendPoint {
  bucketStart: string;
  requests: number;
  tokens: number;
  costUsd: number;
  errors: number;
}

export interface Summary {
  requests: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  errorCount: number;
  cancelledCount: number;
  /** errors / requests, 0..1; null without requests. */
  errorRate: number | null;
  topError: string | null;
}

export interface Overview {
  generatedAt: string;
  /** The most recent usage observation of any account. */
  lastSyncAt: string | null;
  timeframe: { key: TimeframeKey; windowMinutes: number; bucketSeconds: number; bucketCount: number };
  summary: Summary;
  trends: TrendPoint[];
  topModels: Array<{ model: string; requests: number; tokens: number; costUsd: number }>;
  topErrors: Array<{ code: string; count: number }>;
  pool: Record<'total' | AccountStatus, number>;
  accounts: DashboardAccount[];
}

export function isTimeframe(value: unknown): value is TimeframeKey {
  return typeof value === 'string' && Object.hasOwn(TIMEFRAMES, value);
}

/** The first bucket's start (epoch ms): buckets are aligned to their size in UTC, the last one holds `now`. */
export function windowStart(key: TimeframeKey, now: Date): number {
  const { bucketSeconds, bucketCount } = TIMEFRAMES[key];
  const bucketMs = bucketSeconds * 1000;
  return now.getTime() - (now.getTime() % bucketMs) - (bucketCount - 1) * bucketMs;
}

const tokensOf = (row: ModelUsageHourRow): number => row.inputTokens + row.outputTokens;

/** Folds rollup rows into the overview's request figures (pure). */
export function summarize(rows: readonly ModelUsageHourRow[], key: TimeframeKey, now: Date): Pick<Overview, 'summary' | 'trends' | 'topModels' | 'topErrors'> {
  const { bucketSeconds, bucketCount } = TIMEFRAMES[key];
  const bucketMs = bucketSeconds * 1000;
  const start = windowStart(key, now);
  const trends: TrendPoint[] = Array.from({ length: bucketCount }, (_, i) => ({
    bucketStart: new Date(start + i * bucketMs).toISOString(),
    requests: 0,
    tokens: 0,
    costUsd: 0,
    errors: 0,
  }));
  const summary: Summary = { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, errorCount: 0, cancelledCount: 0, errorRate: null, topError: null };
  const models = new Map<string, { requests: number; tokens: number; costUsd: number }>();
  const errors = new Map<string, number>();
  for (const row of rows) {
    const index = Math.floor((row.bucketStart - start) / bucketMs);
    const point = trends[index];
    if (point === undefined) continue;
    const isError = row.outcome !== 'success' && row.outcome !== 'cancelled';
    point.requests += row.requests;
    point.tokens += tokensOf(row);
    point.costUsd += row.costUsd;
    if (isError) point.errors += row.requests;
    summary.requests += row.requests;
    summary.inputTokens += row.inputTokens;
    summary.outputTokens += row.outputTokens;
    summary.cachedInputTokens += row.cachedInputTokens;
    summary.costUsd += row.costUsd;
    if (isError) {
      summary.errorCount += row.requests;
      errors.set(row.outcome, (errors.get(row.outcome) ?? 0) + row.requests);
    }
    if (row.outcome === 'cancelled') summary.cancelledCount += row.requests;
    const name = row.model === '' ? '(none)' : row.model;
    const model = models.get(name) ?? { requests: 0, tokens: 0, costUsd: 0 };
    model.requests += row.requests;
    model.tokens += tokensOf(row);
    model.costUsd += row.costUsd;
    models.set(name, model);
  }
  summary.tokens = summary.inputTokens + summary.outputTokens;
  summary.errorRate = summary.requests === 0 ? null : summary.errorCount / summary.requests;
  const topErrors = [...errors].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  summary.topError = topErrors[0]?.code ?? null;
  const topModels = [...models]
    .map(([model, figures]) => ({ model, ...figures }))
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model))
    .slice(0, 5);
  return { summary, trends, topModels, topErrors: topErrors.slice(0, 5) };
}

export function poolTotals(accounts: readonly DashboardAccount[]): Overview['pool'] {
  const pool = Object.fromEntries(['total', ...ACCOUNT_STATUSES].map((key) => [key, 0])) as Overview['pool'];
  for (const account of accounts) pool[account.status] += 1;
  pool.total = accounts.length;
  return pool;
}

/** The rollup summed per bucket of the timeframe, model and outcome (a bucket size divides the epoch evenly). */
async function bucketRows(dataSource: DataSource, key: TimeframeKey, now: Date): Promise<ModelUsageHourRow[]> {
  // A constant of TIMEFRAMES, never input: inlined so both dialects see one grouping expression.
  const bucketMs = TIMEFRAMES[key].bucketSeconds * 1000;
  const rows = await runSql<Record<string, string | number>>(
    dataSource,
    `SELECT bucket_start - (bucket_start % ${bucketMs}) AS bucket, model, outcome, SUM(requests) AS requests,
            SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached,
            SUM(reasoning_tokens) AS reasoning, SUM(cost_usd) AS cost
     FROM request_usage_hourly WHERE bucket_start >= :since GROUP BY 1, 2, 3`,
    { since: windowStart(key, now) },
  );
  return rows.map((row) => ({
    bucketStart: Number(row.bucket),
    model: String(row.model),
    outcome: String(row.outcome),
    requests: Number(row.requests),
    inputTokens: Number(row.input),
    outputTokens: Number(row.output),
    cachedInputTokens: Number(row.cached),
    reasoningTokens: Number(row.reasoning),
    costUsd: Number(row.cost),
  }));
}

export async function overview(dataSource: DataSource, accounts: readonly AccountSnapshot[], key: TimeframeKey, now: Date): Promise<Overview> {
  const rows = await bucketRows(dataSource, key, now);
  const views = accounts.map((account) => dashboardAccount(account, now));
  const lastSync = Math.max(0, ...accounts.map((a) => a.usageUpdatedAt?.getTime() ?? 0));
  return {
    generatedAt: now.toISOString(),
    lastSyncAt: lastSync === 0 ? null : new Date(lastSync).toISOString(),
    timeframe: { key, ...TIMEFRAMES[key] },
    ...summarize(rows, key, now),
    pool: poolTotals(views),
    accounts: views,
  };
}
