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

export async function withTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dataSource.options.type === 'postgres') return dataSource.transaction(work);
  const previous = queues.get(dataSource) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => dataSource.transaction(work));
  queues.set(dataSource, next);
  return next;
}

/** Find-option lock for rows a transaction will update: pessimistic on PostgreSQL, none on SQLite. */
export function forUpdate(dataSource: DataSource): { lock?: { mode: 'pessimistic_write' } } {
  return dataSource.options.type === 'postgres' ? { lock: { mode: 'pessimistic_write' } } : {};
}
