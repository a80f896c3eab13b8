/**
 * CodexLBAPIKeys against a real `codex-lb-proxy serve` with API-key auth on (issue 9, acceptance 6): the
 * key lands in a Secret the CodexLBAPIKey owns and works; the proxy enforces its models and limits;
 * rotation keeps the old key for the grace period, then it gets 401 invalid_api_key; settings changed in
 * the pool are reverted; a Secret of another owner is never overwritten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { condition, get, secret } from './support.ts';
import {
  accountSpec,
  API,
  apiKey,
  authSecret,
  chatGPTAccount,
  eventsFor,
  startPoolEnv,
  waitForEvent,
  waitForReady,
  waitForStatus,
  type Installation,
  type PoolEnv,
} from './pool-support.ts';

const ns = 'keys';

describe('CodexLBAPIKey controller with a real proxy', () => {
  let pool: PoolEnv;
  let lb: Installation;

  beforeAll(async () => {
    pool = await startPoolEnv([ns]);
    lb = await pool.installation(ns, 'lb', { serveEnv: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    const upstream = pool.fake.addAccount({ plan: 'pro' });
    await pool.env.cp.apply([authSecret(ns, 'auth', upstream.authJson()), chatGPTAccount(ns, 'acct', accountSpec('lb', 'auth'))]);
    await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'acct', 'Imported');
  });
  afterAll(async () => {
    await pool?.stop();
  });

  const keyIn = async (name: string, key = 'api-key'): Promise<string | undefined> => {
    const s = await get(pool.env.client, 'v1', 'Secret', ns, name);
    const value = (s?.data as Record<string, string> | undefined)?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const turn = async (key: string | undefined, model = 'gpt-5.4') => {
    const res = await fetch(`${lb.serve.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model, input: 'hello' }),
    });
    const body = (await res.json()) as { error?: { code?: string } };
    return { status: res.status, code: body.error?.code };
  };
  const poolKeys = async () => ((await (await lb.admin('/api-keys')).json()) as { apiKeys: Array<Record<string, any>> }).apiKeys;

  it('writes a working key into a Secret the CodexLBAPIKey owns; status names it by id and prefix only', async () => {
    await pool.env.cp.apply([
      apiKey(ns, 'ci', {
        codexLBRef: { name: 'lb' },
        secret: { name: 'ci-key' },
        allowedModels: ['gpt-5.4'],
        limits: [{ type: 'total_tokens', window: 'daily', max: 1 }],
      }),
    ]);
    const cr = await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'ci', 'KeyIssued');
    const key = (await keyIn('ci-key'))!;
    expect(key).toMatch(/^sk-clb-/);
    expect(key.startsWith(cr.status.prefix)).toBe(true);
    expect(JSON.stringify(cr)).not.toContain(key);
    const owned = (await get(pool.env.client, 'v1', 'Secret', ns, 'ci-key'))!;
    expect(owned.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CodexLBAPIKey', name: 'ci', uid: cr.metadata.uid, controller: true })]);
    expect(await poolKeys()).toContainEqual(expect.objectContaining({ id: cr.status.keyId, name: `${ns}/ci`, allowedModels: ['gpt-5.4'] }));

    expect(await turn(key)).toEqual({ status: 200, code: undefined });
    expect(await turn(undefined)).toEqual({ status: 401, code: 'invalid_api_key' });
    expect(await turn('sk-clb-not-a-real-key-0000000000000000000000000000')).toEqual({ status: 401, code: 'invalid_api_key' });
  });

  it('has the proxy enforce its models and limits, and shows the usage in status', async () => {
    const key = (await keyIn('ci-key'))!;
    expect(await turn(key, 'gpt-5.4-mini')).toEqual({ status: 403, code: 'model_not_allowed' });
    // The first turn (above) used more than the 1-token daily limit: the next one is refused.
    expect(await turn(key)).toEqual({ status: 429, code: 'rate_limit_exceeded' });
    const cr = await waitForStatus(pool.env.client, 'CodexLBAPIKey', ns, 'ci', 'usage', (o) => (o.status?.usage?.[0]?.used ?? 0) > 0);
    expect(cr.status.usage[0]).toMatchObject({ type: 'total_tokens', window: 'daily', max: 1 });
  });

  it('reverts settings changed in the pool, with a DriftCorrected event', async () => {
    const { keyId } = (await get(pool.env.client, API, 'CodexLBAPIKey', ns, 'ci'))!.status as { keyId: string };
    expect((await lb.admin(`/api-keys/${keyId}`, { method: 'PATCH', body: { allowedModels: null, limits: [] } })).status).toBe(200);
    await waitFor('the key settings to be restored', async () => {
      const k = (await poolKeys()).find((x) => x.id === keyId);
      return k?.allowedModels?.[0] === 'gpt-5.4' && k.limits.length === 1 ? true : undefined;
    });
    await waitForEvent(pool.env.client, ns, 'ci', 'DriftCorrected');
  });

  it('rotates: the new key is written, the old one works for the grace period and is then revoked (401)', async () => {
    await pool.env.cp.apply([apiKey(ns, 'rotating', { codexLBRef: { name: 'lb' }, secret: { name: 'rotating-key', key: 'token' }, rotationGracePeriodSeconds: 4 })]);
    const first = await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'rotating', 'KeyIssued');
    const oldKey = (await keyIn('rotating-key', 'token'))!;
    await pool.env.cp.kubectl('patch', 'clbkey', 'rotating', '-n', ns, '--type=merge', '-p', '{"spec":{"rotationToken":"2026-08"}}');
    const rotated = await waitForStatus(pool.env.client, 'CodexLBAPIKey', ns, 'rotating', 'a new key', (o) => o.status?.keyId && o.status.keyId !== first.status.keyId);
    const newKey = (await keyIn('rotating-key', 'token'))!;
    expect(newKey).not.toBe(oldKey);
    expect(rotated.status).toMatchObject({ rotationToken: '2026-08', previousKeys: [{ keyId: first.status.keyId }] });
    expect((await turn(oldKey)).status).toBe(200);
    expect((await turn(newKey)).status).toBe(200);
    await waitForStatus(pool.env.client, 'CodexLBAPIKey', ns, 'rotating', 'the old key revoked', (o) => !o.status?.previousKeys);
    expect(await turn(oldKey)).toEqual({ status: 401, code: 'invalid_api_key' });
    expect((await turn(newKey)).status).toBe(200);
    await waitForEvent(pool.env.client, ns, 'rotating', 'Revoked');
    const reasons = (await eventsFor(pool.env.client, ns, 'rotating')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['KeyIssued', 'Rotated', 'Revoked']));
  });

  it('never overwrites a Secret it does not own, and creates no key for it', async () => {
    await pool.env.cp.apply([secret(ns, 'taken', { 'api-key': 'someone else' }), apiKey(ns, 'clash', { codexLBRef: { name: 'lb' }, secret: { name: 'taken' } })]);
    const cr = await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'clash', 'NameConflict');
    expect(condition(cr as never, 'Ready')!.message).toContain('Secret "taken" already exists');
    expect(await keyIn('taken')).toBe('someone else');
    expect((await poolKeys()).map((k) => k.name)).not.toContain(`${ns}/clash`);
  });

  it('issues a new key when its Secret is deleted by hand', async () => {
    const before = (await get(pool.env.client, API, 'CodexLBAPIKey', ns, 'ci'))!.status as { keyId: string };
    await pool.env.cp.kubectl('delete', 'secret', 'ci-key', '-n', ns);
    const after = await waitForStatus(pool.env.client, 'CodexLBAPIKey', ns, 'ci', 'a re-issued key', (o) => o.status?.keyId !== before.keyId);
    const key = (await keyIn('ci-key'))!;
    expect(key.startsWith(after.status.prefix)).toBe(true);
    await waitForEvent(pool.env.client, ns, 'ci', 'KeyReissued');
  });
});
