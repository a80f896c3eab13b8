/**
 * The two databases every store test runs against: a SQLite file in a temp dir and a real PostgreSQL server
 * (one per test file, an empty database per test). Call `databaseMatrix()` at the top of a test file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import type { DatabaseTarget } from '../../../proxy/config/database-url.ts';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import * as migrator from '../../../proxy/store/migrator.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface DatabaseMatrix {
  /** A new, empty database. */
  target(dialect: Dialect): Promise<DatabaseTarget>;
  /** A new database migrated to head, connected. The caller destroys it. */
  migrated(dialect: Dialect): Promise<DataSource>;
  /** The PostgreSQL server (for tests that need its URL or port). */
  postgres(): PostgresServer;
  /** A scratch directory removed after the file's tests. */
  scratchDir(): string;
}

export function databaseMatrix(): DatabaseMatrix {
  let server: PostgresServer | undefined;
  let scratch: string | undefined;
  let counter = 0;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'codexlb-store-'));
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  const matrix: DatabaseMatrix = {
    async target(dialect) {
      counter += 1;
      if (dialect === 'sqlite') return { dialect, path: join(matrix.scratchDir(), `store-${counter}.db`) };
      return { dialect, url: await matrix.postgres().createDatabase(`store_${counter}`) };
    },
    async migrated(dialect) {
      const dataSource = await openDataSource(await matrix.target(dialect));
      await migrator.upgrade(dataSource, { lockTimeoutMs: 30_000 });
      return dataSource;
    },
    postgres() {
      if (server === undefined) throw new Error('PostgreSQL is started in beforeAll');
      return server;
    },
    scratchDir() {
      if (scratch === undefined) throw new Error('the scratch dir is created in beforeAll');
      return scratch;
    },
  };
  return matrix;
}
