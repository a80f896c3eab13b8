/**
 * The SQLite database holds encrypted account tokens and API-key hashes, and the key file decrypts
 * them: both are created owner-only (issue 12), as are SQLite's -wal/-shm files (which take the
 * database file's mode) and the data directory — whatever the process umask.
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEncryptionKey } from '../../../proxy/accounts/token-cipher.ts';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import * as migrator from '../../../proxy/store/migrator.ts';

const modeOf = async (path: string): Promise<string> => ((await stat(path)).mode & 0o777).toString(8);

describe('files the proxy creates', () => {
  let umask: number;
  beforeEach(() => {
    umask = process.umask(0o022); // the common default, under which files come out world-readable
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('creates the data directory 0700 and the SQLite database, its WAL and shared-memory files 0600', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'codexlb-modes-')), 'data');
    const path = join(dataDir, 'store.db');
    const dataSource = await openDataSource({ dialect: 'sqlite', path });
    try {
      await migrator.upgrade(dataSource, { lockTimeoutMs: 10_000 });
      expect(await modeOf(dataDir)).toBe('700');
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect([file, await modeOf(file)]).toEqual([file, '600']);
    } finally {
      await dataSource.destroy();
    }
  });

  it('generates the encryption key file 0600', async () => {
    const keyFile = join(await mkdtemp(join(tmpdir(), 'codexlb-modes-')), 'keys', 'encryption.key');
    await loadEncryptionKey(keyFile);
    expect(await modeOf(keyFile)).toBe('600');
  });
});
