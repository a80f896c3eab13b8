/**
 * `accounts`: one ChatGPT account (workspace seat) in the pool. Tokens are Fernet ciphertexts (proxy/accounts/fernet.ts);
 * the latest usage windows are kept on the row so routing reads one table per request (history is `usage_history`).
 */
import { EntitySchema } from 'typeorm';
import { bool, double, instant, integer, text, varchar } from '../columns.ts';

export const ACCOUNT_STATUSES = ['active', 'rate_limited', 'quota_exceeded', 'paused', 'reauth_required', 'deactivated'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const ROUTING_POLICIES = ['normal', 'burn_first', 'preserve'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

export interface AccountRow {
  id: string;
  chatgptAccountId: string | null;
  chatgptUserId: string | null;
  /** uuid4, stable per account, sent upstream as `x-codex-installation-id`. */
  codexInstallationId: string;
  email: string;
  alias: string | null;
  workspaceId: string | null;
  workspaceLabel: string | null;
  seatType: string | null;
  planType: string;
  routingPolicy: RoutingPolicy;
  /** The resource that manages this account (`ChatGPTAccount <ns>/<name>`); its declared fields are read-only in the dashboard. */
  managedBy: string | null;
  status: AccountStatus;
  /** Human text shown to admins, e.g. "Refresh token expired - re-login required". */
  statusReason: string | null;
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string;
  idTokenEncrypted: string;
  /** Last successful token refresh, or auth.json `last_refresh` on import. */
  lastRefreshAt: Date | null;
  /** When a rate_limited / quota_exceeded block ends (persisted so other replicas honour it). */
  resetAt: Date | null;
  blockedAt: Date | null;
  lastErrorCode: string | null;
  lastErrorAt: Date | null;
  primaryUsedPercent: number | null;
  primaryWindowMinutes: number | null;
  primaryResetAt: Date | null;
  secondaryUsedPercent: number | null;
  secondaryWindowMinutes: number | null;
  secondaryResetAt: Date | null;
  creditsHasCredits: boolean | null;
  creditsUnlimited: boolean | null;
  creditsBalance: number | null;
  usageUpdatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const AccountEntity = new EntitySchema<AccountRow>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: varchar(160, { primary: true }),
    chatgptAccountId: varchar(128, { nullable: true }),
    chatgptUserId: varchar(128, { nullable: true }),
    codexInstallationId: varchar(36),
    email: varchar(320),
    alias: varchar(128, { nullable: true }),
    workspaceId: varchar(128, { nullable: true }),
    workspaceLabel: varchar(256, { nullable: true }),
    seatType: varchar(64, { nullable: true }),
    planType: varchar(32),
    routingPolicy: varchar(16),
    managedBy: varchar(256, { nullable: true }),
    status: varchar(32),
    statusReason: text({ nullable: true }),
    accessTokenEncrypted: text(),
    refreshTokenEncrypted: text(),
    idTokenEncrypted: text(),
    lastRefreshAt: instant({ nullable: true }),
    resetAt: instant({ nullable: true }),
    blockedAt: instant({ nullable: true }),
    lastErrorCode: varchar(64, { nullable: true }),
    lastErrorAt: instant({ nullable: true }),
    primaryUsedPercent: double({ nullable: true }),
    primaryWindowMinutes: integer({ nullable: true }),
    primaryResetAt: instant({ nullable: true }),
    secondaryUsedPercent: double({ nullable: true }),
    secondaryWindowMinutes: integer({ nullable: true }),
    secondaryResetAt: instant({ nullable: true }),
    creditsHasCredits: bool({ nullable: true }),
    creditsUnlimited: bool({ nullable: true }),
    creditsBalance: double({ nullable: true }),
    usageUpdatedAt: instant({ nullable: true }),
    createdAt: instant(),
    updatedAt: instant(),
  },
  indices: [{ name: 'ix_accounts_chatgpt_account_id', columns: ['chatgptAccountId'] }],
});
