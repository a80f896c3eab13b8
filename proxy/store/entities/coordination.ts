/**
 * Tables replicas use to coordinate through the shared database (reference/proxy-contract.md §5.2, §7.4, §11.5):
 * refresh claims (one refresher per account across processes), the scheduler leader lease, sticky sessions, and
 * runtime sentinels (e.g. the encryption key fingerprint).
 */
import { EntitySchema } from 'typeorm';
import { instant, integer, text, varchar } from '../columns.ts';

/** Held by the one process allowed to spend an account's refresh token until `claimExpiresAt`. */
export interface RefreshClaimRow {
  accountId: string;
  claimedBy: string;
  claimedAt: Date;
  claimExpiresAt: Date;
}

export const RefreshClaimEntity = new EntitySchema<RefreshClaimRow>({
  name: 'RefreshClaim',
  tableName: 'account_refresh_claims',
  columns: {
    accountId: varchar(160, { primary: true }),
    claimedBy: varchar(64),
    claimedAt: instant(),
    claimExpiresAt: instant(),
  },
  foreignKeys: [
    {
      name: 'fk_account_refresh_claims_account',
      target: 'Account',
      columnNames: ['accountId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});

/** Single row (id = 1): which process runs the singleton jobs, until when. */
export interface SchedulerLeaderRow {
  id: number;
  leaderId: string;
  acquiredAt: Date;
  expiresAt: Date;
}

export const SchedulerLeaderEntity = new EntitySchema<SchedulerLeaderRow>({
  name: 'SchedulerLeader',
  tableName: 'scheduler_leader',
  columns: {
    id: { ...integer(), primary: true },
    leaderId: varchar(100),
    acquiredAt: instant(),
    expiresAt: instant(),
  },
});

export const STICKY_KINDS = ['codex_session', 'sticky_thread', 'prompt_cache'] as const;
export type StickyKind = (typeof STICKY_KINDS)[number];

/** Affinity key → account. `expiresAt` null = durable (hard affinity). */
export interface StickySessionRow {
  key: string;
  kind: StickyKind;
  accountId: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

export const StickySessionEntity = new EntitySchema<StickySessionRow>({
  name: 'StickySession',
  tableName: 'sticky_sessions',
  columns: {
    key: varchar(512, { primary: true }),
    kind: varchar(32, { primary: true }),
    accountId: varchar(160),
    createdAt: instant(),
    updatedAt: instant(),
    expiresAt: instant({ nullable: true }),
  },
  indices: [
    { name: 'ix_sticky_sessions_account_id', columns: ['accountId'] },
    { name: 'ix_sticky_sessions_expires_at', columns: ['expiresAt'] },
  ],
  foreignKeys: [
    {
      name: 'fk_sticky_sessions_account',
      target: 'Account',
      columnNames: ['accountId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});

/** Write-once facts about this installation, e.g. `encryption_key_fingerprint`. */
export interface RuntimeSentinelRow {
  name: string;
  value: string;
  createdAt: Date;
}

export const RuntimeSentinelEntity = new EntitySchema<RuntimeSentinelRow>({
  name: 'RuntimeSentinel',
  tableName: 'runtime_sentinels',
  columns: {
    name: varchar(64, { primary: true }),
    value: text(),
    createdAt: instant(),
  },
});
