/**
 * Hourly sums of `request_logs`, kept up to date with every row written (proxy/usage/request-log.ts), so the
 * dashboard's overview and API-key usage read a few hundred rows instead of scanning millions (issue 10's target:
 * 50 ms p95 with a million request-log rows). One table per question asked of it: by model and outcome (totals,
 * chart, top models, error rate, top errors), and by API key.
 */
import { EntitySchema } from 'typeorm';
import { bigintColumn, double, varchar } from '../columns.ts';

/** `bucketStart`: epoch ms at the start of the hour. `outcome`: `success`, `cancelled`, or the error code. */
export interface ModelUsageHourRow {
  bucketStart: number;
  /** '' when the request carried no model. */
  model: string;
  outcome: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

export const ModelUsageHourEntity = new EntitySchema<ModelUsageHourRow>({
  name: 'ModelUsageHour',
  tableName: 'request_usage_hourly',
  columns: {
    bucketStart: { ...bigintColumn(), primary: true },
    model: varchar(128, { primary: true }),
    outcome: varchar(128, { primary: true }),
    requests: bigintColumn(),
    inputTokens: bigintColumn(),
    outputTokens: bigintColumn(),
    cachedInputTokens: bigintColumn(),
    reasoningTokens: bigintColumn(),
    costUsd: double(),
  },
});

export interface ApiKeyUsageHourRow {
  bucketStart: number;
  apiKeyId: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
}

export const ApiKeyUsageHourEntity = new EntitySchema<ApiKeyUsageHourRow>({
  name: 'ApiKeyUsageHour',
  tableName: 'api_key_usage_hourly',
  columns: {
    bucketStart: { ...bigintColumn(), primary: true },
    apiKeyId: varchar(36, { primary: true }),
    requests: bigintColumn(),
    errors: bigintColumn(),
    inputTokens: bigintColumn(),
    outputTokens: bigintColumn(),
    cachedInputTokens: bigintColumn(),
    costUsd: double(),
  },
  foreignKeys: [
    {
      name: 'fk_api_key_usage_hourly_api_key',
      target: 'ApiKey',
      columnNames: ['apiKeyId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});
