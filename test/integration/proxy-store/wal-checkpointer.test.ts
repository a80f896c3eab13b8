/**
 * The serving process checkpoints SQLite's WAL from a worker thread (proxy/store/wal-checkpointer.ts), never on the
 * commit that fills it: better-sqlite3 runs on the event loop, and such a commit stalls every open stream for the
 * length of the checkpoint.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import { WalCheckpointer, type WalCheckpoint } from '../../../proxy/store/wal-checkpointer.ts';

const PAGE_BYTES = 4096;

/** Appends `rows` rows of one page each, in one transaction. */
async function fill(dataSource: DataSource, rows: number): Promise<void> {
  await dataSource.query(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO filler (body) SELECT randomblob(3500) FROM n`,
  );
}

async function autocheckpointPages(dataSource: DataSource): Promise<number> {
  const [row] = (await dataSource.query('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>;
  return row?.wal_autocheckpoint ?? NaN;
}

describe('WalCheckpointer', () => {
  let dir: string;
  let path: string;
  let dataSource: DataSource;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codexlb-wal-'));
    path = join(dir, 'store.db');
    dataSource = await openDataSource({ dialect: 'sqlite', path });
    await dataSource.query('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)');
  });
  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes checkpoints off the writer and keeps the WAL bounded from its worker', async () => {
    const checkpoints: WalCheckpoint[] = [];
    const errors: unknown[] = [];
    const checkpointer = await WalCheckpointer.start(dataSource, {
      path,
      intervalMs: 20,
      onError: (err) => errors.push(err),
      onCheckpoint: (checkpoint) => checkpoints.push(checkpoint),
    });
    expect(await autocheckpointPages(dataSource)).toBe(0);

    // 5,000 pages in ten commits: five times what SQLite would have checkpointed on a commit by itself. The WAL
    // is reused once the worker has moved a round into the database file.
    for (let round = 0; round < 10; round++) {
      await fill(dataSource, 500);
      const seen = checkpoints.length;
      await vi.waitFor(() => expect(checkpoints.slice(seen).some((c) => c.log > 0 && c.checkpointed === c.log)).toBe(true), { timeout: 10_000 });
    }
    expect((await stat(`${path}-wal`)).size).toBeLessThan(1000 * PAGE_BYTES);

    await checkpointer.stop();
    await dataSource.destroy();
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 5000 });
    } finally {
      reader.close();
    }
    expect(errors).toEqual([]);
  });

  it('gives checkpoints back to the writer when its worker fails', async () => {
    const errors: unknown[] = [];
    await WalCheckpointer.start(dataSource, { path: join(dir, 'missing.db'), intervalMs: 20, onError: (err) => errors.push(err) });
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(await autocheckpointPages(dataSource)).toBe(1000);
  });
});
