/**
 * Affinity bindings in `sticky_sessions` on both dialects (proxy/routing/sticky-store.ts): what a replica
 * reads back, bindings of one event-loop turn written in one transaction, settled only once stored, the
 * row's creation time kept across re-binds, unchanged TTL refreshes skipped, and one bad row not costing
 * the others their binding.
 */
import { EntityManager, type DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { fakeAuthJson } from '../../../proxy/accounts/testing.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { STICKY_REFRESH_MS, StoredAffinity } from '../../../proxy/routing/sticky-store.ts';
import { StickySessionEntity } from '../../../proxy/store/entities/coordination.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();

describe.each(DIALECTS)('sticky sessions on %s', (dialect) => {
  let dataSource: DataSource;
  let first: string;
  let second: string;
  let clock: number;
  const store = (): StoredAffinity => new StoredAffinity(dataSource, { now: () => clock });
  const rows = () => dataSource.getRepository(StickySessionEntity).find({ order: { key: 'ASC' } });
  const upserts = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.filter(([sql]) => String(sql).includes('INSERT INTO sticky_sessions')).length;

  beforeEach(async () => {
    dataSource = await dbs.migrated(dialect);
    const admin = new AccountAdmin({ accounts: new AccountRepository({ dataSource, cipher: createTokenCipher(generateFernetKey()) }) });
    first = (await admin.importAuthJson(fakeAuthJson({ email: 'first@example.test', chatgptAccountId: 'acct-first' }))).account.id;
    second = (await admin.importAuthJson(fakeAuthJson({ email: 'second@example.test', chatgptAccountId: 'acct-second' }))).account.id;
    clock = Date.now();
  });
  afterEach(() => dataSource.destroy());

  it('reads back a binding another replica stored, and a TTL binding as absent once expired', async () => {
    await store().set('prompt_cache', 'k-ttl', first, 1800);
    await store().set('codex_session', 'k-durable', second, null);
    const other = store();
    expect(await other.get('prompt_cache', 'k-ttl')).toBe(first);
    expect(await other.get('codex_session', 'k-durable')).toBe(second);
    expect(await other.get('codex_session', 'k-ttl')).toBeUndefined();
    clock += 1800 * 1000;
    expect(await other.get('prompt_cache', 'k-ttl')).toBeUndefined();
    expect(await other.get('codex_session', 'k-durable')).toBe(second);
  });

  it('writes the bindings of one event-loop turn in one transaction, each set settling once its row is stored', async () => {
    const affinity = store();
    const transaction = vi.spyOn(dataSource, 'transaction');
    const sets = Array.from({ length: 12 }, (_, i) => affinity.set('prompt_cache', `k-${String(i).padStart(2, '0')}`, i % 2 ? first : second, 1800));
    expect(await rows()).toHaveLength(0);
    await Promise.all(sets);
    expect(transaction).toHaveBeenCalledTimes(1);
    const stored = await rows();
    expect(stored.map((row) => row.accountId)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second)));
    expect(stored.every((row) => row.expiresAt?.getTime() === clock + 1800 * 1000)).toBe(true);
    transaction.mockRestore();
  });

  it('re-binds a key to another account keeping when the row was created', async () => {
    const affinity = store();
    await affinity.set('codex_session', 'k', first, null);
    const created = clock;
    clock += 5000;
    await affinity.set('codex_session', 'k', second, null);
    const [row] = await rows();
    expect(row).toMatchObject({ accountId: second, createdAt: new Date(created), updatedAt: new Date(clock), expiresAt: null });
  });

  it('skips refreshing an unchanged binding this process wrote lately, and refreshes it once that is older than the refresh interval', async () => {
    const affinity = store();
    const query = vi.spyOn(EntityManager.prototype, 'query');
    await affinity.set('prompt_cache', 'k', first, 1800);
    const written = clock;
    clock += STICKY_REFRESH_MS - 1;
    expect(await affinity.get('prompt_cache', 'k')).toBe(first);
    await affinity.set('prompt_cache', 'k', first, 1800);
    expect(upserts(query)).toBe(1);
    expect((await rows())[0]?.expiresAt?.getTime()).toBe(written + 1800 * 1000);
    clock += 1;
    await affinity.set('prompt_cache', 'k', first, 1800);
    expect(upserts(query)).toBe(2);
    expect((await rows())[0]?.expiresAt?.getTime()).toBe(clock + 1800 * 1000);
    query.mockRestore();
  });

  it('writes a re-bind at once when another replica moved the key meanwhile', async () => {
    const mine = store();
    await mine.set('prompt_cache', 'k', first, 1800);
    await store().set('prompt_cache', 'k', second, 1800);
    expect(await mine.get('prompt_cache', 'k')).toBe(second);
    await mine.set('prompt_cache', 'k', first, 1800);
    expect((await rows())[0]?.accountId).toBe(first);
  });

  it('stores the good bindings of a batch when one names an account that is gone, and fails only that one', async () => {
    const affinity = store();
    const results = await Promise.allSettled([
      affinity.set('prompt_cache', 'k-good-1', first, 1800),
      affinity.set('prompt_cache', 'k-bad', 'no-such-account', 1800),
      affinity.set('prompt_cache', 'k-good-2', second, 1800),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await rows()).map((row) => row.key)).toEqual(['k-good-1', 'k-good-2']);
  });
});
