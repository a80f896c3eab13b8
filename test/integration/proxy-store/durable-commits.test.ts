/**
 * Tokens from a refresh are stored in a commit that has reached the disk when it returns
 * (proxy/store/transaction.ts, withDurableTransaction): the upstream has already spent the old refresh token, so a
 * power loss must not take the new one back. Every other commit keeps the connection's own setting — on SQLite
 * the serving connection's `synchronous=NORMAL`, synced by the background checkpoint instead.
 */
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { fakeAuthJson, fakeIdToken } from '../../../proxy/accounts/testing.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import * as migrator from '../../../proxy/store/migrator.ts';
import { quoteIdentifier } from '../../../proxy/store/sql.ts';
import { withDurableTransaction, withTransaction } from '../../../proxy/store/transaction.ts';
import { databaseMatrix, DIALECTS, type Dialect } from './databases.ts';

const dbs = databaseMatrix();

type CommitSync = 'synced' | 'deferred';

/** Whether a commit issued on `runner` now would wait for the disk. */
async function commitSync(dialect: Dialect, runner: { query(sql: string): Promise<unknown> }): Promise<CommitSync> {
  if (dialect === 'sqlite') {
    const [row] = (await runner.query('PRAGMA synchronous')) as Array<{ synchronous: number }>;
    return (row?.synchronous ?? 0) >= 2 ? 'synced' : 'deferred';
  }
  const [row] = (await runner.query('SHOW synchronous_commit')) as Array<{ synchronous_commit: string }>;
  return row?.synchronous_commit === 'off' ? 'deferred' : 'synced';
}

/** A migrated database whose connections do not sync commits by default (PostgreSQL: as a server may be set up). */
async function deferringDatabase(dialect: Dialect): Promise<DataSource> {
  const target = await dbs.target(dialect);
  const dataSource = await openDataSource(target);
  await migrator.upgrade(dataSource, { lockTimeoutMs: 30_000 });
  if (dialect === 'sqlite') return dataSource;
  const [{ name }] = (await dataSource.query('SELECT current_database() AS name')) as [{ name: string }];
  await dataSource.query(`ALTER DATABASE ${quoteIdentifier(name)} SET synchronous_commit = off`);
  await dataSource.destroy();
  return openDataSource(target);
}

describe.each(DIALECTS)('durable commits on %s', (dialect) => {
  let dataSource: DataSource;
  /** How each UPDATE of an account row was going to commit, seen from inside its transaction. */
  let accountUpdates: CommitSync[];

  beforeEach(async () => {
    dataSource = await deferringDatabase(dialect);
    accountUpdates = [];
    const observer: EntitySubscriberInterface = {
      beforeUpdate: async (event) => {
        if (event.metadata.tableName === 'accounts') accountUpdates.push(await commitSync(dialect, event.queryRunner));
      },
    };
    dataSource.subscribers.push(observer);
  });
  afterEach(() => dataSource.destroy());

  it('stores refreshed tokens in a synced commit, and leaves the connection deferring', async () => {
    expect(await commitSync(dialect, dataSource)).toBe('deferred');
    const accounts = new AccountRepository({ dataSource, cipher: createTokenCipher(generateFernetKey()) });
    const { account } = await new AccountAdmin({ accounts }).importAuthJson(fakeAuthJson({ chatgptAccountId: 'acct-durable' }));
    const before = await accounts.readCredentials(account.id);
    const claims = { email: null, subject: null, chatgptAccountId: null, chatgptUserId: null, planType: null, workspaceId: null, workspaceLabel: null, seatType: null, expiresAt: null };
    const tokens = { accessToken: 'fake-access-2', refreshToken: 'fake-refresh-2', idToken: fakeIdToken({}) };

    expect(await accounts.storeRefreshedTokens(account.id, before.version, tokens, claims)).toBe(true);
    await accounts.applyEvent(account.id, { type: 'paused' });

    expect(accountUpdates).toEqual(['synced', 'deferred']);
    expect(await commitSync(dialect, dataSource)).toBe('deferred');
  });

  it('syncs every durable transaction while ordinary ones run beside them', async () => {
    const seen = await Promise.all([
      withDurableTransaction(dataSource, (manager) => commitSync(dialect, manager)),
      withTransaction(dataSource, (manager) => commitSync(dialect, manager)),
      withDurableTransaction(dataSource, (manager) => commitSync(dialect, manager)),
      withDurableTransaction(dataSource, (manager) => commitSync(dialect, manager)),
      withTransaction(dataSource, (manager) => commitSync(dialect, manager)),
    ]);
    expect(seen).toEqual(['synced', 'deferred', 'synced', 'synced', 'deferred']);
    expect(await commitSync(dialect, dataSource)).toBe('deferred');
  });

  it('gives the connection its setting back when the work fails', async () => {
    await expect(withDurableTransaction(dataSource, () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
    expect(await commitSync(dialect, dataSource)).toBe('deferred');
  });
});
