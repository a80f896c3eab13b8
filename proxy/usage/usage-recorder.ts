/**
 * Stores a usage observation: one `usage_history` row per window present, the latest windows on the account, and
 * the statuses they imply (exhausted → rate_limited / quota_exceeded, room again → active), in one transaction.
 */
import type { DataSource } from 'typeorm';
import type { AccountRepository, AccountSnapshot } from '../accounts/account-repository.ts';
import { UsageHistoryEntity, type UsageHistoryRow, type UsageSource, type UsageWindowName } from '../store/entities/usage-history.ts';
import { BulkInsert } from '../store/bulk-insert.ts';
import { timeOrderedId } from '../store/time-ordered-id.ts';
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
      if (rows.length > 0) await historyInsert.insert(manager, rows);
      return this.#accounts.recordUsage(accountId, snapshot, manager, labels);
    });
  }

  /**
   * Several accounts' observations in one transaction (live ingestion's batches). When the batch is refused
   * (an account deleted meanwhile) each observation is recorded on its own, so the others still land; the
   * returned ids are the accounts whose observation could not be stored.
   */
  async recordMany(observations: ReadonlyArray<{ accountId: string; snapshot: UsageSnapshot }>, source: UsageSource): Promise<string[]> {
    const recordedAt = this.#now();
    try {
      await withTransaction(this.#dataSource, async (manager) => {
        const rows = observations.flatMap(({ accountId, snapshot }) => historyRows(accountId, snapshot, source, recordedAt));
        if (rows.length > 0) await historyInsert.insert(manager, rows);
        for (const { accountId, snapshot } of observations) await this.#accounts.recordUsage(accountId, snapshot, manager);
      });
      return [];
    } catch (err) {
      if (observations.length === 1) throw err;
      const failed: string[] = [];
      for (const { accountId, snapshot } of observations) await this.record(accountId, snapshot, source).catch(() => failed.push(accountId));
      return failed;
    }
  }
}

const historyInsert = new BulkInsert(UsageHistoryEntity);

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
            id: timeOrderedId(recordedAt.getTime()),
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
