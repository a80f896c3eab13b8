/**
 * Stores a usage observation: one `usage_history` row per window present, the latest windows on the account, and
 * the statuses they imply (exhausted → rate_limited / quota_exceeded, room again → active), in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AccountRepository, AccountSnapshot } from '../accounts/account-repository.ts';
import { UsageHistoryEntity, type UsageHistoryRow, type UsageSource, type UsageWindowName } from '../store/entities/usage-history.ts';
import { withTransaction } from '../store/transaction.ts';
import type { UsageSnapshot, UsageWindow } from './usage-snapshot.ts';

/** Identity labels `/wham/usage` reports; each non-null one replaces the stored value. */
export interface UsageLabels {
  readonly planType?: string | null;
  readonly workspaceId?: string | null;
  readonly workspaceLabel?: string | null;
  readonly seatType?: string | null;
}

export interface UsageRecorderOptions {
  readonly dataSource: DataSource;
  readonly accounts: AccountRepository;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class UsageRecorder {
  readonly #dataSource: DataSource;
  readonly #accounts: AccountRepository;
  readonly #now: () => Date;

  constructor(options: UsageRecorderOptions) {
    this.#dataSource = options.dataSource;
    this.#accounts = options.accounts;
    this.#now = options.now ?? (() => new Date());
  }

  async record(accountId: string, snapshot: UsageSnapshot, source: UsageSource, labels: UsageLabels = {}): Promise<AccountSnapshot> {
    const recordedAt = this.#now();
    return withTransaction(this.#dataSource, async (manager) => {
      const rows = historyRows(accountId, snapshot, source, recordedAt);
      if (rows.length > 0) await manager.getRepository(UsageHistoryEntity).insert(rows);
      return this.#accounts.recordUsage(accountId, snapshot, manager, labels);
    });
  }
}

/** The history rows for one observation (pure). Credits ride on every row of the observation. */
export function historyRows(accountId: string, snapshot: UsageSnapshot, source: UsageSource, recordedAt: Date): UsageHistoryRow[] {
  const windows: [UsageWindowName, UsageWindow | null][] = [
    ['primary', snapshot.primary],
    ['secondary', snapshot.secondary],
    ['monthly', snapshot.monthly],
  ];
  return windows.flatMap(([window, value]) =>
    value === null
      ? []
      : [
          {
            id: randomUUID(),
            accountId,
            recordedAt,
            window,
            usedPercent: value.usedPercent,
            resetAt: value.resetAt,
            windowMinutes: value.windowMinutes,
            creditsHasCredits: snapshot.credits?.hasCredits ?? null,
            creditsUnlimited: snapshot.credits?.unlimited ?? null,
            creditsBalance: snapshot.credits?.balance ?? null,
            source,
          },
        ],
  );
}
