/** The migration runner on both dialects: empty → head, idempotence, drift, schema ahead, waits. */
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDataSource, MIGRATIONS_TABLE, openDataSource } from '../../../proxy/store/data-source.ts';
import { DatabaseUnreachableError, SchemaAheadError, SchemaBehindError, SchemaWaitTimeoutError } from '../../../proxy/store/errors.ts';
import * as migrator from '../../../proxy/store/migrator.ts';
import { MIGRATIONS } from '../../../proxy/store/migrations/index.ts';
import { prepareSchema } from '../../../proxy/store/schema-gate.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const LOCK_TIMEOUT = { lockTimeoutMs: 30_000 };

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  const open: DataSource[] = [];
  afterEach(async () => {
    for (const dataSource of open.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
  });
  const connect = async (): Promise<DataSource> => {
    const dataSource = await openDataSource(await dbs.target(dialect));
    open.push(dataSource);
    return dataSource;
  };

  it('reads an empty database as behind, without creating anything', async () => {
    const dataSource = await connect();
    expect(await migrator.readState(dataSource)).toEqual({
      current: null,
      head: migrator.HEAD_REVISION,
      status: 'behind',
      pending: MIGRATIONS.map((m) => new m().name),
      unknown: [],
    });
    expect(await dataSource.createQueryRunner().hasTable(MIGRATIONS_TABLE)).toBe(false);
    expect(await migrator.check(dataSource)).toBe(false);
  });

  it('upgrades an empty database to head, with entities matching the migrated schema', async () => {
    const dataSource = await connect();
    const result = await migrator.upgrade(dataSource, LOCK_TIMEOUT);
    expect(result.applied).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(result.state).toMatchObject({ current: migrator.HEAD_REVISION, status: 'at_head', pending: [] });
    expect(await migrator.current(dataSource)).toBe(migrator.HEAD_REVISION);
    expect(await migrator.check(dataSource)).toBe(true);
    expect(await migrator.drift(dataSource)).toEqual([]);
  });

  it('is idempotent at head', async () => {
    const dataSource = await connect();
    await migrator.upgrade(dataSource, LOCK_TIMEOUT);
    const again = await migrator.upgrade(dataSource, LOCK_TIMEOUT);
    expect(again.applied).toEqual([]);
    const rows: unknown[] = await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    expect(rows).toHaveLength(MIGRATIONS.length);
  });

  it('detects a schema ahead of this build and refuses to upgrade it', async () => {
    const dataSource = await connect();
    await migrator.upgrade(dataSource, LOCK_TIMEOUT);
    await dataSource
      .createQueryBuilder()
      .insert()
      .into(MIGRATIONS_TABLE)
      .values({ timestamp: 1_900_000_000_000, name: 'FromTheFuture1900000000000' })
      .execute();
    expect(await migrator.readState(dataSource)).toMatchObject({ status: 'ahead', unknown: ['FromTheFuture1900000000000'] });
    const error = await migrator.upgrade(dataSource, LOCK_TIMEOUT).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SchemaAheadError);
    expect((error as SchemaAheadError).unknownRevisions).toEqual(['FromTheFuture1900000000000']);
    expect(await migrator.check(dataSource)).toBe(false);
  });

  it('waitForHead returns once another runner reaches head', async () => {
    const watcher = await connect();
    const target = watcher.options;
    const runner = new DataSource(target);
    await runner.initialize();
    open.push(runner);
    const waiting = migrator.waitForHead(watcher, { timeoutMs: 30_000, intervalMs: 50 });
    await migrator.upgrade(runner, LOCK_TIMEOUT);
    expect((await waiting).status).toBe('at_head');
  });

  it('the startup gate migrates only when allowed and refuses a schema it may not fix', async () => {
    const dataSource = await connect();
    await expect(prepareSchema(dataSource, { migrateOnStartup: false, ...LOCK_TIMEOUT })).rejects.toThrow(SchemaBehindError);
    expect(await migrator.current(dataSource)).toBeNull();
    expect((await prepareSchema(dataSource, { migrateOnStartup: true, ...LOCK_TIMEOUT })).status).toBe('at_head');
    expect((await prepareSchema(dataSource, { migrateOnStartup: false, ...LOCK_TIMEOUT })).status).toBe('at_head');
    await dataSource.createQueryBuilder().insert().into(MIGRATIONS_TABLE).values({ timestamp: 1_900_000_000_000, name: 'Later1900000000000' }).execute();
    await expect(prepareSchema(dataSource, { migrateOnStartup: true, ...LOCK_TIMEOUT })).rejects.toThrow(SchemaAheadError);
  });

  it('waitForHead gives up on a schema that stays behind', async () => {
    const dataSource = await connect();
    await expect(migrator.waitForHead(dataSource, { timeoutMs: 200, intervalMs: 50 })).rejects.toThrow(SchemaWaitTimeoutError);
  });
});

describe('waitForConnection', () => {
  it('gives up with DatabaseUnreachableError, naming no credentials', async () => {
    const target = { dialect: 'postgres' as const, url: 'postgresql://fake-user:fake-password@127.0.0.1:1/none' };
    const error = await migrator
      .waitForConnection(() => createDataSource(target, { connectTimeoutMs: 500 }).initialize(), { timeoutMs: 300, intervalMs: 100 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DatabaseUnreachableError);
    expect((error as Error).message).toMatch(/^database unreachable after \d+s: /);
    expect((error as Error).message).not.toContain('fake-password');
  });

  it('connects once the database answers', async () => {
    const target = await dbs.target('postgres');
    const dataSource = await migrator.waitForConnection(() => openDataSource(target), { timeoutMs: 10_000, intervalMs: 100 });
    expect(dataSource.isInitialized).toBe(true);
    await dataSource.destroy();
  });
});
