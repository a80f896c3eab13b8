/**
 * Raw SQL on both dialects (proxy/store/sql.ts). TypeORM's SQLite escaper writes numbers into the statement text;
 * runSql binds integers instead, so a statement run with a new value each time is prepared once and the driver's
 * statement cache keeps the request path's statements.
 */
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSql } from '../../../proxy/store/sql.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();

describe.each(DIALECTS)('runSql on %s', (dialect) => {
  let dataSource: DataSource;
  /** The statement texts the driver was given. */
  let statements: string[];

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    await dataSource.query('CREATE TABLE numbers (id VARCHAR(8) PRIMARY KEY, at BIGINT NOT NULL, share DOUBLE PRECISION)');
    statements = [];
    const observer: EntitySubscriberInterface = { beforeQuery: (event) => void statements.push(event.query) };
    dataSource.subscribers.push(observer);
  });
  afterEach(() => dataSource.destroy());

  it('runs a statement with new integers each time as one statement text', async () => {
    for (const [i, at] of [1_796_279_739_773, 0, -5, 42].entries()) {
      await runSql(dataSource, 'INSERT INTO numbers (id, at) VALUES (:id, :at)', { id: `n${i}`, at });
    }
    expect(new Set(statements).size).toBe(1);
    expect(statements[0]).not.toMatch(/\d{2,}/);
  });

  it('stores and compares bound integers exactly as written ones', async () => {
    await runSql(dataSource, 'INSERT INTO numbers (id, at, share) VALUES (:id, :at, :share)', { id: 'epoch', at: 1_796_279_739_773, share: 12.5 });
    await runSql(dataSource, 'UPDATE numbers SET at = at + :delta WHERE id = :id AND at = :at', { delta: -773, id: 'epoch', at: 1_796_279_739_773 });
    const rows = await runSql<{ id: string; at: string | number; share: number }>(dataSource, 'SELECT id, at, share FROM numbers WHERE at = :at', { at: 1_796_279_739_000 });
    expect(rows.map((row) => ({ ...row, at: Number(row.at) }))).toEqual([{ id: 'epoch', at: 1_796_279_739_000, share: 12.5 }]);
    expect((await runSql<{ kind: string }>(dataSource, dialect === 'sqlite' ? 'SELECT typeof(at) AS kind FROM numbers' : 'SELECT pg_typeof(at)::text AS kind FROM numbers', {}))[0]?.kind).toBe(
      dialect === 'sqlite' ? 'integer' : 'bigint',
    );
  });
});
