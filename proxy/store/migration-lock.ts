/**
 * Serializes schema upgrades across processes. PostgreSQL: a session-level advisory lock held on one dedicated
 * connection for the whole upgrade, so two migration Jobs (or a Job and a pod migrating on startup) never run DDL
 * concurrently; the loser waits, then finds nothing pending. SQLite is embedded and single-replica: the process
 * is the only writer, so no lock is taken.
 */
import type { DataSource } from 'typeorm';
import { MigrationLockTimeoutError } from './errors.ts';

/** Arbitrary but fixed (classid, objid) pair: "clb" and 1. Every build must use the same pair. */
const LOCK_KEY = [0x636c62, 1] as const;
const LOCK_NOT_AVAILABLE = '55P03';

export async function withMigrationLock<T>(dataSource: DataSource, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'postgres') return work();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    // lock_timeout bounds the wait in the server itself, so a stuck holder cannot hang this runner forever.
    await runner.query(`SET lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    try {
      await runner.query('SELECT pg_advisory_lock($1, $2)', [...LOCK_KEY]);
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === LOCK_NOT_AVAILABLE) {
        throw new MigrationLockTimeoutError(timeoutMs);
      }
      throw err;
    }
    await runner.query('RESET lock_timeout');
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
