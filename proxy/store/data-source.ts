/**
 * Builds the TypeORM DataSource for a database target: SQLite through better-sqlite3 (the embedded default, one
 * replica) or PostgreSQL through node-postgres (replicated mode). Schema changes happen only through the migration
 * runner (`migrationsRun: false`, `synchronize: false`).
 */
import { constants } from 'node:fs';
import { access, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseTarget } from '../config/database-url.ts';
import { ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { SqliteNotWritableError } from './errors.ts';
import { SnakeCaseNamingStrategy } from './naming.ts';

export const MIGRATIONS_TABLE = 'codex_lb_migrations';

export interface StoreOptions {
  /** PostgreSQL: steady pool size. @default 25 */
  readonly poolSize?: number;
  /** PostgreSQL: connections allowed above poolSize; the pool's hard cap is poolSize + maxOverflow. @default 15 */
  readonly maxOverflow?: number;
  /** How long one connection attempt may take. @default 5000 */
  readonly connectTimeoutMs?: number;
}

export function createDataSource(target: DatabaseTarget, options: StoreOptions = {}): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new SnakeCaseNamingStrategy(),
    logging: false,
  } as const;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  let driver: DataSourceOptions;
  if (target.dialect === 'sqlite') {
    driver = {
      type: 'better-sqlite3',
      database: target.path,
      // WAL lets readers proceed while a writer commits; in-memory databases have no journal file.
      enableWAL: target.path !== ':memory:',
      // Busy timeout: wait this long for another connection's write lock instead of failing with SQLITE_BUSY.
      timeout: connectTimeoutMs,
    };
  } else {
    driver = {
      type: 'postgres',
      url: target.url,
      poolSize: (options.poolSize ?? 25) + (options.maxOverflow ?? 15),
      connectTimeoutMS: connectTimeoutMs,
      applicationName: 'codex-lb-proxy',
    };
  }
  return new DataSource({ ...common, ...driver });
}

/**
 * Creates the SQLite file (and its directory) owner-only when they do not exist — the database holds
 * encrypted tokens and API-key hashes, and SQLite gives its -wal and -shm files the database file's
 * mode — then connects. Throws when the database is unreachable.
 */
export async function openDataSource(target: DatabaseTarget, options: StoreOptions = {}): Promise<DataSource> {
  if (target.dialect === 'sqlite' && target.path !== ':memory:') await prepareSqliteFile(target.path);
  const dataSource = createDataSource(target, options);
  try {
    return await dataSource.initialize();
  } catch (err) {
    // A half-open driver (file opened, a pragma failed) would keep its file handle: one more per retry.
    await dataSource.driver.disconnect().catch(() => undefined);
    throw err;
  }
}

/**
 * SQLite silently opens a write-protected file read-only and fails only at the first write, deep in
 * startup; a read-only directory breaks its journal files. Both are checked up front, so a read-only
 * volume is one clear, immediate error naming the path instead of a startup that retries forever.
 */
async function prepareSqliteFile(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await access(dirname(path), constants.W_OK);
    await (await open(path, 'a', 0o600)).close();
  } catch (err) {
    throw new SqliteNotWritableError(path, err);
  }
}
