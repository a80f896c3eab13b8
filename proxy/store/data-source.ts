/**
 * Builds the TypeORM DataSource for a database target: SQLite through better-sqlite3 (the embedded default, one
 * replica) or PostgreSQL through node-postgres (replicated mode). Schema changes happen only through the migration
 * runner (`migrationsRun: false`, `synchronize: false`).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseTarget } from '../config/database-url.ts';
import { ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
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

/** Creates the SQLite file's directory when needed, then connects. Throws when the database is unreachable. */
export async function openDataSource(target: DatabaseTarget, options: StoreOptions = {}): Promise<DataSource> {
  if (target.dialect === 'sqlite' && target.path !== ':memory:') {
    await mkdir(dirname(target.path), { recursive: true });
  }
  return createDataSource(target, options).initialize();
}
