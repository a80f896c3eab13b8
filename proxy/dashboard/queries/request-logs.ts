/**
 * `GET /api/request-logs`: the newest requests first, filtered by account, API key, model, status and time,
 * paged with limit/offset. Each entry says which failure class its error falls in (routing/classify.ts), so an
 * administrator sees at a glance whether an account, the upstream or the client was at fault. Counting stops at
 * COUNT_CAP rows (`totalExact: false` beyond): a count over millions of rows would cost more than the page.
 */
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { AdminError } from '../../store/admin-error.ts';
import { REQUEST_STATUSES, RequestLogEntity, type RequestLogRow, type RequestStatus } from '../../store/entities/request-log.ts';
import { classifyFailure, type FailureClass } from '../../routing/classify.ts';

export const COUNT_CAP = 10_000;
export const MAX_PAGE = 200;

export interface RequestLogFilter {
  limit: number;
  offset: number;
  accountIds: string[];
  apiKeyIds: string[];
  models: string[];
  statuses: RequestStatus[];
  since: Date | null;
  until: Date | null;
}

export interface RequestLogEntryView {
  id: string;
  requestedAt: string;
  requestId: string;
  accountId: string | null;
  accountEmail: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  model: string | null;
  reasoningEffort: string | null;
  serviceTier: string | null;
  transport: string | null;
  status: RequestStatus;
  errorCode: string | null;
  errorMessage: string | null;
  /** Whose fault a failure was: rate_limit, quota, reauth, deactivated, unauthorized, transient, neutral, fatal; cancelled. */
  failureClass: FailureClass | 'cancelled' | null;
  upstreamStatusCode: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  reasoningTokens: number | null;
  tokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  latencyFirstTokenMs: number | null;
  clientIp: string | null;
  userAgent: string | null;
}

type Query = Record<string, unknown>;

function list(query: Query, name: string): string[] {
  const raw = query[name];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.flatMap((value) => (typeof value === 'string' ? value.split(',') : [])).map((v) => v.trim()).filter((v) => v !== '');
}

function integer(query: Query, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw AdminError.validation(`${name} must be an integer from 0 to ${max}`);
  return value;
}

function instant(query: Query, name: string): Date | null {
  const raw = query[name];
  if (raw === undefined || raw === '') return null;
  const value = typeof raw === 'string' ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(value.getTime())) throw AdminError.validation(`${name} must be an ISO-8601 date-time`);
  return value;
}

/** The filter from the query string (`accountId`, `apiKeyId`, `model`, `status` repeat or take commas); pure. */
export function parseFilter(query: Query): RequestLogFilter {
  const statuses = list(query, 'status');
  const unknown = statuses.filter((status) => !REQUEST_STATUSES.includes(status as RequestStatus));
  if (unknown.length > 0) throw AdminError.validation(`status must be one of ${REQUEST_STATUSES.join(', ')}`);
  return {
    limit: Math.max(1, integer(query, 'limit', 50, MAX_PAGE)),
    offset: integer(query, 'offset', 0, 1_000_000),
    accountIds: list(query, 'accountId'),
    apiKeyIds: list(query, 'apiKeyId'),
    models: list(query, 'model'),
    statuses: statuses as RequestStatus[],
    since: instant(query, 'since'),
    until: instant(query, 'until'),
  };
}

export function failureClassOf(row: Pick<RequestLogRow, 'status' | 'errorCode' | 'upstreamStatusCode' | 'errorMessage'>): RequestLogEntryView['failureClass'] {
  if (row.status === 'success') return null;
  if (row.status === 'cancelled') return 'cancelled';
  return classifyFailure({ code: row.errorCode ?? 'upstream_error', type: '', status: row.upstreamStatusCode ?? undefined, message: row.errorMessage ?? '' });
}

export function entryView(row: RequestLogRow, names: { accounts: ReadonlyMap<string, string>; apiKeys: ReadonlyMap<string, string> }): RequestLogEntryView {
  const tokens = row.inputTokens === null && row.outputTokens === null ? null : (row.inputTokens ?? 0) + (row.outputTokens ?? 0);
  return {
    id: row.id,
    requestedAt: row.requestedAt.toISOString(),
    requestId: row.requestId,
    accountId: row.accountId,
    accountEmail: row.accountId === null ? null : (names.accounts.get(row.accountId) ?? null),
    apiKeyId: row.apiKeyId,
    apiKeyName: row.apiKeyId === null ? null : (names.apiKeys.get(row.apiKeyId) ?? null),
    model: row.model,
    reasoningEffort: row.reasoningEffort,
    serviceTier: row.serviceTier,
    transport: row.transport,
    status: row.status,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    failureClass: failureClassOf(row),
    upstreamStatusCode: row.upstreamStatusCode,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cachedInputTokens: row.cachedInputTokens,
    reasoningTokens: row.reasoningTokens,
    tokens,
    costUsd: row.costUsd,
    latencyMs: row.latencyMs,
    latencyFirstTokenMs: row.latencyFirstTokenMs,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
  };
}

function filtered(dataSource: DataSource, filter: RequestLogFilter): SelectQueryBuilder<RequestLogRow> {
  const qb = dataSource.getRepository(RequestLogEntity).createQueryBuilder('log');
  if (filter.accountIds.length > 0) qb.andWhere('log.accountId IN (:...accountIds)', { accountIds: filter.accountIds });
  if (filter.apiKeyIds.length > 0) qb.andWhere('log.apiKeyId IN (:...apiKeyIds)', { apiKeyIds: filter.apiKeyIds });
  if (filter.models.length > 0) qb.andWhere('log.model IN (:...models)', { models: filter.models });
  if (filter.statuses.length > 0) qb.andWhere('log.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.since !== null) qb.andWhere('log.requestedAt >= :since', { since: filter.since.getTime() });
  if (filter.until !== null) qb.andWhere('log.requestedAt < :until', { until: filter.until.getTime() });
  return qb;
}

export interface RequestLogPage {
  rows: RequestLogRow[];
  total: number;
  totalExact: boolean;
  hasMore: boolean;
}

export async function requestLogPage(dataSource: DataSource, filter: RequestLogFilter): Promise<RequestLogPage> {
  const page = await filtered(dataSource, filter)
    .orderBy('log.requestedAt', 'DESC')
    .addOrderBy('log.id', 'DESC')
    .offset(filter.offset)
    .limit(filter.limit + 1)
    .getMany();
  // Counted in the database over at most COUNT_CAP + 1 index entries; no row travels to the proxy.
  const [capped, parameters] = filtered(dataSource, filter).select('1').limit(COUNT_CAP + 1).getQueryAndParameters();
  const [{ n }] = (await dataSource.query(`SELECT COUNT(*) AS n FROM (${capped}) capped`, parameters)) as [{ n: number | string }];
  const counted = Number(n);
  return {
    rows: page.slice(0, filter.limit),
    hasMore: page.length > filter.limit,
    total: Math.min(counted, COUNT_CAP),
    totalExact: counted <= COUNT_CAP,
  };
}
