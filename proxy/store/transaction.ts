/**
 * Transactions that are isolated on both dialects.
 *
 * TypeORM's better-sqlite3 driver has one connection and one shared QueryRunner per DataSource: two concurrent
 * `dataSource.transaction()` calls in one process would nest (the second becomes a SAVEPOINT inside the first)
 * instead of being isolated. On SQLite we therefore queue transactions one at a time per DataSource. PostgreSQL
 * gives each transaction its own pooled connection, and `forUpdate` takes row locks there (SQLite locks the whole
 * database for a writer anyway, and TypeORM refuses lock options on it).
 *
 * Rules for callers, both because of that shared SQLite connection:
 * - a single statement issued elsewhere while a transaction is open runs inside it, so a rollback would take it
 *   along. Callbacks therefore return expected outcomes (not found, limit exhausted) instead of throwing; only a
 *   failing database rolls back.
 * - never call withTransaction from inside a callback (it would wait for itself); pass the manager down instead.
 */
import type { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();

/** Runs `step` once every SQLite transaction queued before it has settled. */
function queued<T>(dataSource: DataSource, step: () => Promise<T>): Promise<T> {
  const previous = queues.get(dataSource) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(step);
  queues.set(dataSource, next);
  return next;
}

export async function withTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dataSource.options.type === 'postgres') return dataSource.transaction(work);
  return queued(dataSource, () => dataSource.transaction(work));
}

/** SQLite's `PRAGMA synchronous` level that syncs the write-ahead log on every commit. */
const SQLITE_SYNC_FULL = 2;

/**
 * A transaction whose commit has reached the disk when it returns, whatever the connection's own setting: for
 * writes a power loss must not take back, such as tokens from a refresh (the upstream has already spent the old
 * refresh token). The serving SQLite connection commits with `synchronous=NORMAL` and leaves syncing to the
 * background checkpoint (wal-checkpointer.ts); this commit alone runs at FULL. SQLite refuses to change the level
 * inside a transaction, so it is changed around it, in the queue, where no other transaction is open. On
 * PostgreSQL it turns `synchronous_commit` on for this transaction, should the server's setting be off.
 */
export async function withDurableTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dataSource.options.type === 'postgres') {
    return dataSource.transaction(async (manager) => {
      // Raised only from off: a server that waits for its standbys (remote_apply, …) keeps doing so.
      await manager.query("SELECT set_config('synchronous_commit', 'on', true) WHERE current_setting('synchronous_commit') = 'off'");
      return work(manager);
    });
  }
  return queued(dataSource, async () => {
    const [row] = (await dataSource.query('PRAGMA synchronous')) as Array<{ synchronous: number }>;
    const level = row?.synchronous ?? SQLITE_SYNC_FULL;
    if (level >= SQLITE_SYNC_FULL) return dataSource.transaction(work);
    await dataSource.query(`PRAGMA synchronous = ${SQLITE_SYNC_FULL}`);
    try {
      return await dataSource.transaction(work);
    } finally {
      // The work has committed or rolled back either way: a connection left at FULL is slower, not wrong.
      await dataSource.query(`PRAGMA synchronous = ${level}`).catch(() => undefined);
    }
  });
}

/** Find-option lock for rows a transaction will update: pessimistic on PostgreSQL, none on SQLite. */
export function forUpdate(dataSource: DataSource): { lock?: { mode: 'pessimistic_write' } } {
  return dataSource.options.type === 'postgres' ? { lock: { mode: 'pessimistic_write' } } : {};
}
