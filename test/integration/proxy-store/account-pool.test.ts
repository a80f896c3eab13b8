/**
 * The account list routing selects from, on both dialects: served from memory for its TTL, re-read ahead of
 * the TTL after the request that finds it ageing (so a busy replica never waits for the read), awaited once
 * past it, and never stale about this replica's own status changes.
 */
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountRepository, type AccountSnapshot } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { fakeAuthJson } from '../../../proxy/accounts/testing.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import type { TokenProvider } from '../../../proxy/accounts/token-refresher.ts';
import { StoredAccountPool } from '../../../proxy/routing/account-pool.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const TTL = 1000;

/** The real repository, counting its list reads; `holdNextRead` keeps the next read's rows until released. */
class CountedAccounts extends AccountRepository {
  reads = 0;
  #held: Promise<void> | undefined;

  holdNextRead(): () => void {
    let release!: () => void;
    this.#held = new Promise((resolve) => (release = resolve));
    return release;
  }

  override async list(): Promise<AccountSnapshot[]> {
    this.reads += 1;
    const held = this.#held;
    this.#held = undefined;
    const rows = await super.list();
    if (held) await held;
    return rows;
  }
}

/** list() never asks for tokens. */
const noTokens: TokenProvider = {
  getAccessToken: () => Promise.reject(new Error('not used by these specs')),
  forceRefresh: () => Promise.reject(new Error('not used by these specs')),
};

describe.each(DIALECTS)('the routing account list on %s', (dialect) => {
  let dataSource: DataSource;
  let accounts: CountedAccounts;
  let admin: AccountAdmin;
  let clock: number;
  let pool: StoredAccountPool;

  const importAccount = async (chatgptAccountId: string): Promise<string> =>
    (await admin.importAuthJson(fakeAuthJson({ chatgptAccountId }))).account.id;
  const listed = async (): Promise<string[]> => (await pool.list()).map((view) => view.id);

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    accounts = new CountedAccounts({ dataSource, cipher: createTokenCipher(generateFernetKey()) });
    admin = new AccountAdmin({ accounts });
    clock = 1_000_000;
    pool = new StoredAccountPool({ accounts, tokens: noTokens, caching: { listTtlMs: TTL, tokenTtlMs: 60_000 }, now: () => clock });
  });
  afterEach(() => dataSource.destroy());

  it('serves a list younger than half its TTL without reading again', async () => {
    const first = await importAccount('acct-1');
    expect(await listed()).toEqual([first]);
    await importAccount('acct-2');
    clock += TTL / 2 - 1;
    expect(await listed()).toEqual([first]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(accounts.reads).toBe(1);
  });

  it('serves a list past half its TTL as it is, and re-reads it after that request, once', async () => {
    const first = await importAccount('acct-1');
    await pool.list();
    const second = await importAccount('acct-2');
    clock += TTL / 2;
    // Three requests find the list ageing: each is served at once from memory, and one read follows them.
    expect(await Promise.all([listed(), listed(), listed()])).toEqual([[first], [first], [first]]);
    expect(accounts.reads).toBe(1);
    await vi.waitFor(() => expect(accounts.reads).toBe(2));
    clock += TTL / 2 - 1;
    expect(await listed()).toEqual([first, second]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(accounts.reads).toBe(2);
  });

  it('waits for a re-read once the list is as old as its TTL', async () => {
    const first = await importAccount('acct-1');
    await pool.list();
    const second = await importAccount('acct-2');
    clock += TTL;
    expect(await listed()).toEqual([first, second]);
    expect(accounts.reads).toBe(2);
  });

  // A pool that joined the held read would wait for a release that comes only after it: the timeout fails it fast.
  it("reads afresh after this replica's own status change, even while an older read is still under way", async () => {
    const id = await importAccount('acct-1');
    await pool.list();
    clock += TTL;
    const release = accounts.holdNextRead();
    const before = pool.list();
    await vi.waitFor(() => expect(accounts.reads).toBe(2));

    await pool.markRateLimited(id, Date.now() / 1000 + 300);
    // Joining the read that began before the change would route to the account it just marked.
    expect((await pool.list()).map((view) => view.status)).toEqual(['rate_limited']);
    release();
    expect((await before).map((view) => view.status)).toEqual(['active']);
    // And that older read, ending last, did not replace the newer list.
    expect((await pool.list()).map((view) => view.status)).toEqual(['rate_limited']);
    expect(accounts.reads).toBe(3);
  }, 10_000);
});
