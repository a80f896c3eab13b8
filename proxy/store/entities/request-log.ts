/** `request_logs`: one row per proxied request (reference/proxy-contract.md §8.2, the columns this proxy fills). */
import { EntitySchema } from 'typeorm';
import { double, instant, integer, text, varchar } from '../columns.ts';

export const REQUEST_STATUSES = ['success', 'error', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestLogRow {
  id: string;
  requestedAt: Date;
  accountId: string | null;
  apiKeyId: string | null;
  /** Upstream response id (resp_…) when known, else the proxy's request id. */
  requestId: string;
  sessionId: string | null;
  model: string | null;
  /** Effective billable tier: actual ?? requested. */
  serviceTier: string | null;
  reasoningEffort: string | null;
  transport: string | null;
  status: RequestStatus;
  errorCode: string | null;
  errorMessage: string | null;
  upstreamStatusCode: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  latencyFirstTokenMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

export const RequestLogEntity = new EntitySchema<RequestLogRow>({
  name: 'RequestLog',
  tableName: 'request_logs',
  columns: {
    id: varchar(36, { primary: true }),
    requestedAt: instant(),
    accountId: varchar(160, { nullable: true }),
    apiKeyId: varchar(36, { nullable: true }),
    requestId: varchar(128),
    sessionId: varchar(256, { nullable: true }),
    model: varchar(128, { nullable: true }),
    serviceTier: varchar(32, { nullable: true }),
    reasoningEffort: varchar(32, { nullable: true }),
    transport: varchar(16, { nullable: true }),
    status: varchar(16),
    errorCode: varchar(128, { nullable: true }),
    errorMessage: text({ nullable: true }),
    upstreamStatusCode: integer({ nullable: true }),
    inputTokens: integer({ nullable: true }),
    outputTokens: integer({ nullable: true }),
    cachedInputTokens: integer({ nullable: true }),
    reasoningTokens: integer({ nullable: true }),
    costUsd: double({ nullable: true }),
    latencyMs: integer({ nullable: true }),
    latencyFirstTokenMs: integer({ nullable: true }),
    clientIp: varchar(64, { nullable: true }),
    userAgent: text({ nullable: true }),
  },
  indices: [
    { name: 'ix_request_logs_requested_at', columns: ['requestedAt'] },
    { name: 'ix_request_logs_account_requested_at', columns: ['accountId', 'requestedAt'] },
    { name: 'ix_request_logs_api_key_requested_at', columns: ['apiKeyId', 'requestedAt'] },
  ],
  foreignKeys: [
    {
      name: 'fk_request_logs_account',
      target: 'Account',
      columnNames: ['accountId'],
      referencedColumnNames: ['id'],
      onDelete: 'SET NULL',
    },
    {
      name: 'fk_request_logs_api_key',
      target: 'ApiKey',
      columnNames: ['apiKeyId'],
      referencedColumnNames: ['id'],
      onDelete: 'SET NULL',
    },
  ],
});
