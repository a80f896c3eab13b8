/**
 * Deleting ChatGPTAccounts and CodexLBAPIKeys (issue 9, acceptance 7): deletionPolicy Delete removes the
 * account from the pool, Retain leaves it; deleting a key revokes it and its Secret goes with it; and a
 * CodexLB deleted first never wedges its accounts or keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { get } from './support.ts';
import {
  accountSpec,
  API,
  apiKey,
  authSecret,
  chatGPTAccount,
  startPoolEnv,
  waitForReady,
  type Installation,
  type PoolEnv,
} from './pool-support.ts';

const ns = 'deletion';

describe('deleting accounts and keys', () => {
  let pool: PoolEnv;
  let lb: Installation;

  beforeAll(async () => {
    pool = await startPoolEnv([ns]);
    lb = await pool.installation(ns, 'lb', { serveEnv: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    const objects = [];
    for (const name of ['deleted', 'retained']) {
      objects.push(authSecret(ns, name, pool.fake.addAccount().authJson()));
      objects.push(chatGPTAccount(ns, name, accountSpec('lb', name, { deletionPolicy: name === 'deleted' ? 'Delete' : 'Retain' })));
    }
    objects.push(apiKey(ns, 'ci', { codexLBRef: { name: 'lb' }, secret: { name: 'ci-key' } }));
    await pool.env.cp.apply(objects);
    for (const name of ['deleted', 'retained']) await waitForReady(pool.env.client, 'ChatGPTAccount', ns, name, 'Imported');
    await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'ci', 'KeyIssued');
  });
  afterAll(async () => {
    await pool?.stop();
  });

  const poolAccountIds = async () => ((await (await lb.admin('/accounts')).json()) as { accounts: Array<{ id: string }> }).accounts.map((a) => a.id);
  const gone = (kind: string, name: string) =>
    // 60 s: the garbage collector notices a new CRD's kind on its next discovery sync (every 30 s).
    waitFor(`${kind} ${name} to be deleted`, async () => ((await get(pool.env.client, kind === 'Secret' ? 'v1' : API, kind, ns, name)) ? undefined : true), { timeoutMs: 60_000 });

  it('holds a finalizer only while there is something to remove from the pool', async () => {
    expect((await get(pool.env.client, API, 'ChatGPTAccount', ns, 'deleted'))!.metadata.finalizers).toEqual(['codexlb.io/pool-cleanup']);
    expect((await get(pool.env.client, API, 'ChatGPTAccount', ns, 'retained'))!.metadata.finalizers ?? []).toEqual([]);
    expect((await get(pool.env.client, API, 'CodexLBAPIKey', ns, 'ci'))!.metadata.finalizers).toEqual(['codexlb.io/pool-cleanup']);
  });

  it('removes an account with deletionPolicy Delete from the pool, and leaves one with Retain', async () => {
    const ids = Object.fromEntries(
      await Promise.all(['deleted', 'retained'].map(async (n) => [n, ((await get(pool.env.client, API, 'ChatGPTAccount', ns, n))!.status as { accountId: string }).accountId])),
    ) as Record<string, string>;
    await pool.env.cp.kubectl('delete', 'cgacct', 'deleted', 'retained', '-n', ns, '--wait=false');
    await gone('ChatGPTAccount', 'deleted');
    await gone('ChatGPTAccount', 'retained');
    expect(await poolAccountIds()).toEqual([ids.retained]);
  });

  it('revokes a deleted key (401 invalid_api_key) and garbage-collects its Secret', async () => {
    const encoded = (await get(pool.env.client, 'v1', 'Secret', ns, 'ci-key'))!.data as Record<string, string>;
    const key = Buffer.from(encoded['api-key']!, 'base64').toString('utf8');
    const call = () => fetch(`${lb.serve.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect((await call()).status).toBe(200);
    await pool.env.cp.kubectl('delete', 'clbkey', 'ci', '-n', ns, '--wait=false');
    await gone('CodexLBAPIKey', 'ci');
    const refused = await call();
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([401, 'invalid_api_key']);
    await gone('Secret', 'ci-key');
  });

  it('with deletionPolicy Delete, takes the previous account out of the pool when the Secret now holds another login', async () => {
    const first = pool.fake.addAccount();
    const second = pool.fake.addAccount();
    await pool.env.cp.apply([authSecret(ns, 'switched', first.authJson()), chatGPTAccount(ns, 'switched', accountSpec('lb', 'switched'))]);
    const before = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'switched', 'Imported');
    await pool.env.cp.apply([authSecret(ns, 'switched', second.authJson())]);
    const after = await waitFor('the other login to be imported', async () => {
      const cr = await get(pool.env.client, API, 'ChatGPTAccount', ns, 'switched');
      const id = (cr?.status as { accountId?: string } | undefined)?.accountId;
      return id && id !== before.status.accountId ? id : undefined;
    });
    const ids = await poolAccountIds();
    expect(ids).toContain(after);
    expect(ids).not.toContain(before.status.accountId);
  });

  it('lets accounts and keys be deleted after their CodexLB is gone', async () => {
    await pool.env.cp.apply([
      authSecret(ns, 'orphan', pool.fake.addAccount().authJson()),
      chatGPTAccount(ns, 'orphan', accountSpec('lb', 'orphan')),
      apiKey(ns, 'orphan-key', { codexLBRef: { name: 'lb' }, secret: { name: 'orphan-key' } }),
    ]);
    await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'orphan', 'Imported');
    await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'orphan-key', 'KeyIssued');
    await pool.env.cp.kubectl('delete', 'clb', 'lb', '-n', ns, '--wait=true', '--timeout=60s');
    await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'orphan', 'CodexLBNotFound');
    await pool.env.cp.kubectl('delete', 'cgacct', 'orphan', '-n', ns, '--wait=false');
    await pool.env.cp.kubectl('delete', 'clbkey', 'orphan-key', '-n', ns, '--wait=false');
    await gone('ChatGPTAccount', 'orphan');
    await gone('CodexLBAPIKey', 'orphan-key');
  });
});
