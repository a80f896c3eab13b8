/**
 * Affinity mappings in the shared `sticky_sessions` table (§7.4), so every replica routes a session
 * or prompt-cache key to the same account. Durable rows (hard affinity) have no expiry; TTL rows
 * (prompt cache) read as absent once expired.
 *
 * Cheap on the request path (bench/results/proxy-hot-path.md):
 * - a read is one prepared statement; a write is one upsert (`created_at` kept by the conflict clause,
 *   no read first);
 * - bindings set during one turn of the event loop are written together, in one transaction, right after
 *   it (setImmediate: no added wait, one commit for all of them). `set` still settles only once its row is
 *   stored, and the caller awaits that before the answer ends, so a client's next turn finds the binding
 *   on any replica — a crash loses no binding a client was told about, as before;
 * - re-binding a key to the account this process last saw it bound to, within `refreshMs` of this
 *   process's last write of it, writes nothing: it would only move a TTL row's expiry forward by less than
 *   `refreshMs`. A prompt-cache binding can therefore expire up to `refreshMs` early (60 s of 1800 s by
 *   default); which account it names is never stale, because any other answer from the table resets this.
 */
import type { DataSource } from 'typeorm';
import { runSql } from '../store/sql.ts';
import { withTransaction } from '../store/transaction.ts';
import type { StickyKind } from './affinity.ts';
import type { AffinityStore } from './ports.ts';

/** The longest a refresh of an unchanged binding is skipped; a TTL's tenth when that is shorter. */
export const STICKY_REFRESH_MS = 60_000;
/** Keys whose last write this process remembers (the oldest are forgotten first). */
const REMEMBERED_KEYS = 10_000;

const SELECT = 'SELECT account_id AS "accountId", expires_at AS "expiresAt" FROM sticky_sessions WHERE "key" = :key AND kind = :kind';
const UPSERT = `
  INSERT INTO sticky_sessions ("key", kind, account_id, created_at, updated_at, expires_at)
  VALUES (:key, :kind, :accountId, :now, :now, :expiresAt)
  ON CONFLICT ("key", kind) DO UPDATE SET account_id = excluded.account_id, updated_at = excluded.updated_at, expires_at = excluded.expires_at`;

interface Binding {
  kind: StickyKind;
  key: string;
  accountId: string;
  ttlSeconds: number | null;
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

const id = (kind: StickyKind, key: string): string => `${kind}\n${key}`;

export class StoredAffinity implements AffinityStore {
  readonly #dataSource: DataSource;
  readonly #now: () => number;
  /** What this process last saw in the table per key, and when it last wrote it (0: never). */
  readonly #known = new Map<string, { accountId: string; writtenAt: number }>();
  #queue = new Map<string, Binding>();
  #scheduled = false;

  constructor(dataSource: DataSource, options: { now?: () => number } = {}) {
    this.#dataSource = dataSource;
    this.#now = options.now ?? Date.now;
  }

  async get(kind: StickyKind, key: string): Promise<string | undefined> {
    const [row] = await runSql<{ accountId: string; expiresAt: string | number | null }>(this.#dataSource, SELECT, { key, kind });
    const live = row !== undefined && (row.expiresAt === null || Number(row.expiresAt) > this.#now());
    const known = id(kind, key);
    if (!live) {
      this.#known.delete(known);
      return undefined;
    }
    const entry = this.#known.get(known);
    if (entry?.accountId !== row.accountId) this.#remember(known, row.accountId, 0);
    return row.accountId;
  }

  set(kind: StickyKind, key: string, accountId: string, ttlSeconds: number | null): Promise<void> {
    const known = id(kind, key);
    const entry = this.#known.get(known);
    const refreshMs = ttlSeconds === null ? STICKY_REFRESH_MS : Math.min(STICKY_REFRESH_MS, ttlSeconds * 100);
    if (entry?.accountId === accountId && this.#now() - entry.writtenAt < refreshMs) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const queued = this.#queue.get(known);
      const binding: Binding = { kind, key, accountId, ttlSeconds, waiters: [...(queued?.waiters ?? []), { resolve, reject }] };
      this.#queue.set(known, binding);
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = [...this.#queue.values()];
    this.#queue = new Map();
    const now = this.#now();
    const write = (binding: Binding, executor: Parameters<typeof runSql>[0]): Promise<unknown> =>
      runSql(executor, UPSERT, {
        key: binding.key,
        kind: binding.kind,
        accountId: binding.accountId,
        now,
        expiresAt: binding.ttlSeconds === null ? null : now + binding.ttlSeconds * 1000,
      });
    const settle = (binding: Binding, err?: unknown): void => {
      if (err === undefined) this.#remember(id(binding.kind, binding.key), binding.accountId, now);
      for (const waiter of binding.waiters) {
        if (err === undefined) waiter.resolve();
        else waiter.reject(err);
      }
    };
    try {
      await withTransaction(this.#dataSource, async (manager) => {
        for (const binding of batch) await write(binding, manager);
      });
      for (const binding of batch) settle(binding);
    } catch {
      // One bad row (its account deleted meanwhile) must not cost the others their binding: one by one.
      for (const binding of batch) {
        await withTransaction(this.#dataSource, (manager) => write(binding, manager)).then(
          () => settle(binding),
          (err: unknown) => settle(binding, err),
        );
      }
    }
  }

  #remember(known: string, accountId: string, writtenAt: number): void {
    this.#known.delete(known);
    this.#known.set(known, { accountId, writtenAt });
    if (this.#known.size > REMEMBERED_KEYS) this.#known.delete(this.#known.keys().next().value as string);
  }
}
