/** The shapes the dashboard API answers (proxy/dashboard/api, views.ts, queries/). */
export interface UsageWindow {
  usedPercent: number;
  windowMinutes: number | null;
  resetAt: string | null;
}

export type AccountStatus = 'active' | 'rate_limited' | 'quota_exceeded' | 'paused' | 'reauth_required' | 'deactivated';
export type RoutingPolicy = 'normal' | 'burn_first' | 'preserve';

export interface Account {
  id: string;
  email: string;
  planType: string;
  status: AccountStatus;
  statusReason: string | null;
  alias: string | null;
  routingPolicy: RoutingPolicy;
  managedBy: string | null;
  readOnlyFields: string[];
  usage: { primary: UsageWindow | null; secondary: UsageWindow | null };
  lastRefreshAt: string | null;
  lastErrorCode: string | null;
  usageUpdatedAt: string | null;
}

export interface SessionAnswer {
  authenticated: boolean;
  authMode: 'standard' | 'trusted_header' | 'disabled';
  passwordRequired: boolean;
  bootstrapRequired: boolean;
  bootstrapTokenConfigured: boolean;
  passwordManagementEnabled: boolean;
  authMethod: string | null;
  user: { username: string } | null;
  csrfToken?: string;
}

export interface TrendPoint {
  bucketStart: string;
  requests: number;
  tokens: number;
  costUsd: number;
  errors: number;
}

export interface Overview {
  summary: { requests: number; tokens: number; costUsd: number; errorCount: number; errorRate: number | null; topError: string | null };
  trends: TrendPoint[];
  topModels: Array<{ model: string; requests: number; tokens: number; costUsd: number }>;
  pool: Record<'total' | AccountStatus, number>;
  accounts: Account[];
  lastSyncAt: string | null;
}

export interface RequestLogEntry {
  id: string;
  requestedAt: string;
  accountId: string | null;
  accountEmail: string | null;
  apiKeyName: string | null;
  model: string | null;
  status: 'success' | 'error' | 'cancelled';
  errorCode: string | null;
  errorMessage: string | null;
  failureClass: string | null;
  tokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  transport: string | null;
  userAgent: string | null;
}

export interface ApiKeyLimit {
  id: string;
  limitType: string;
  limitWindow: string;
  maxValue: number;
  currentValue: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  active: boolean;
  expiresAt: string | null;
  createdAt: string;
  limits: ApiKeyLimit[];
  usage: { requestCount: number; errorCount: number; totalTokens: number; totalCostUsd: number };
}

export interface SettingsView {
  values: { routingStrategy: string; stickyThreadsEnabled: boolean; preferEarlierResetAccounts: boolean };
  version: number;
  pinned: Record<string, string>;
  routingStrategies: string[];
}

export interface FirewallView {
  mode: 'allow_all' | 'allowlist_active';
  entries: Array<{ ipAddress: string; createdAt: string | null }>;
  pinnedBy: string | null;
}
