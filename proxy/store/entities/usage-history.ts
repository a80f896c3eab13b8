/** `usage_history`: one row per usage window per observation (`/wham/usage` poll or live headers), §8.1–8.2. */
import { EntitySchema } from 'typeorm';
import { bool, double, instant, integer, varchar } from '../columns.ts';

export const USAGE_WINDOWS = ['primary', 'secondary', 'monthly'] as const;
export type UsageWindowName = (typeof USAGE_WINDOWS)[number];

export const USAGE_SOURCES = ['poll', 'live'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

export interface UsageHistoryRow {
  id: string;
  accountId: string;
  recordedAt: Date;
  window: UsageWindowName;
  usedPercent: number;
  resetAt: Date | null;
  windowMinutes: number | null;
  creditsHasCredits: boolean | null;
  creditsUnlimited: boolean | null;
  creditsBalance: number | null;
  source: UsageSource;
}

export const UsageHistoryEntity = new EntitySchema<UsageHistoryRow>({
  name: 'UsageHistory',
  tableName: 'usage_history',
  columns: {
    id: varchar(36, { primary: true }),
    accountId: varchar(160),
    recordedAt: instant(),
    window: varchar(16),
    usedPercent: double(),
    resetAt: instant({ nullable: true }),
    windowMinutes: integer({ nullable: true }),
    creditsHasCredits: bool({ nullable: true }),
    creditsUnlimited: bool({ nullable: true }),
    creditsBalance: double({ nullable: true }),
    source: varchar(8),
  },
  indices: [{ name: 'ix_usage_history_account_recorded_at', columns: ['accountId', 'recordedAt'] }],
  foreignKeys: [
    {
      name: 'fk_usage_history_account',
      target: 'Account',
      columnNames: ['accountId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});
