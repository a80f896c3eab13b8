/**
 * Tables of the dashboard (issue 10): its run-time settings, login sessions, the firewall allow-list it edits, and
 * pending ChatGPT logins (reference/proxy-contract.md §1.4, §6.3, §10, §12). Every replica reads the same rows, so a
 * session, a setting or a login started on one replica is valid on all of them.
 */
import { EntitySchema } from 'typeorm';
import { bool, instant, integer, text, varchar } from '../columns.ts';

/**
 * The single settings row (id = 1). A null column means "the environment's value" (`CODEX_LB_ROUTING_STRATEGY`, …);
 * `version` is the optimistic lock of `PUT /api/settings` (`expectedVersion`).
 */
export interface DashboardSettingsRow {
  id: number;
  routingStrategy: string | null;
  stickyThreadsEnabled: boolean | null;
  preferEarlierResetAccounts: boolean | null;
  /** scrypt hash of the dashboard password (`scrypt$N$r$p$salt$hash`); null: no password set. */
  passwordHash: string | null;
  /** Bumped when the password changes or is removed: sessions made before stop working. */
  passwordGeneration: number;
  version: number;
  updatedAt: Date;
}

export const DashboardSettingsEntity = new EntitySchema<DashboardSettingsRow>({
  name: 'DashboardSettings',
  tableName: 'dashboard_settings',
  columns: {
    id: { ...integer(), primary: true },
    routingStrategy: varchar(32, { nullable: true }),
    stickyThreadsEnabled: bool({ nullable: true }),
    preferEarlierResetAccounts: bool({ nullable: true }),
    passwordHash: text({ nullable: true }),
    passwordGeneration: integer(),
    version: integer(),
    updatedAt: instant(),
  },
});

/** A dashboard login. Only sha256(session id) is stored: a database reader cannot replay a cookie. */
export interface DashboardSessionRow {
  idHash: string;
  /** How the session was opened: password, local, trusted_header, disabled. */
  method: string;
  /** Who: the trusted header's user, else the method. Shown in the UI. */
  subject: string;
  passwordGeneration: number;
  createdAt: Date;
  expiresAt: Date;
}

export const DashboardSessionEntity = new EntitySchema<DashboardSessionRow>({
  name: 'DashboardSession',
  tableName: 'dashboard_sessions',
  columns: {
    idHash: varchar(64, { primary: true }),
    method: varchar(32),
    subject: varchar(256),
    passwordGeneration: integer(),
    createdAt: instant(),
    expiresAt: instant(),
  },
  indices: [{ name: 'ix_dashboard_sessions_expires_at', columns: ['expiresAt'] }],
});

/** Client IPs or CIDRs allowed on the proxy routes when `CODEX_LB_FIREWALL_ALLOWLIST` is unset (§10). */
export interface FirewallEntryRow {
  ipAddress: string;
  createdAt: Date;
}

export const FirewallEntryEntity = new EntitySchema<FirewallEntryRow>({
  name: 'FirewallEntry',
  tableName: 'api_firewall_allowlist',
  columns: {
    ipAddress: varchar(64, { primary: true }),
    createdAt: instant(),
  },
});

export const OAUTH_METHODS = ['browser', 'device'] as const;
export type OAuthMethod = (typeof OAUTH_METHODS)[number];
export const OAUTH_STATUSES = ['pending', 'success', 'error'] as const;
export type OAuthStatus = (typeof OAUTH_STATUSES)[number];

/**
 * A ChatGPT login in progress (§6.3). The PKCE verifier and the device auth id would let their holder finish the
 * login, so both are Fernet ciphertexts; the user code is shown to the user anyway.
 */
export interface OAuthFlowRow {
  flowId: string;
  method: OAuthMethod;
  status: OAuthStatus;
  /** Browser flow: the `state` parameter the callback must return. */
  stateToken: string | null;
  codeVerifierEncrypted: string | null;
  deviceAuthIdEncrypted: string | null;
  userCode: string | null;
  intervalSeconds: number | null;
  /** Device flow: the next poll of the token endpoint is due (claimed by moving it forward). */
  nextPollAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The pool account the login added or refreshed. */
  accountId: string | null;
  expiresAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

export const OAuthFlowEntity = new EntitySchema<OAuthFlowRow>({
  name: 'OAuthFlow',
  tableName: 'oauth_flows',
  columns: {
    flowId: varchar(32, { primary: true }),
    method: varchar(16),
    status: varchar(16),
    stateToken: varchar(64, { nullable: true }),
    codeVerifierEncrypted: text({ nullable: true }),
    deviceAuthIdEncrypted: text({ nullable: true }),
    userCode: varchar(64, { nullable: true }),
    intervalSeconds: integer({ nullable: true }),
    nextPollAt: instant({ nullable: true }),
    errorCode: varchar(64, { nullable: true }),
    errorMessage: text({ nullable: true }),
    accountId: varchar(160, { nullable: true }),
    expiresAt: instant(),
    createdAt: instant(),
    finishedAt: instant({ nullable: true }),
  },
  uniques: [{ name: 'uq_oauth_flows_state_token', columns: ['stateToken'] }],
  indices: [{ name: 'ix_oauth_flows_expires_at', columns: ['expiresAt'] }],
});
