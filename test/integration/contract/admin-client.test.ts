/**
 * The operator's admin client (operator/controllers/pool/admin-client.ts) against a real
 * `codex-lb-proxy serve`: every call it makes is one the proxy serves (proxy/OPERATOR-CONTRACT.md
 * "Admin API"), and each way a call can fail is classified the way the controllers report it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../../operator/controllers/pool/admin-client.ts';
import { AdminApiError } from '../../../operator/controllers/pool/admin-http.ts';
import { problemOf } from '../../../operator/controllers/pool/problems.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startServe, type ServeProcess } from '../../e2e/proxy/support/serve-process.ts';
import { freePort } from '../../harness/ports.ts';

describe('operator admin client against the proxy', () => {
  let fake: FakeUpstream;
  let serve: ServeProcess;
  const token = 'contract-admin-token';
  const calls: string[] = [];
  const client = () => new AdminClient({ baseUrl: serve.url, token, observe: (op, code) => calls.push(`${op} ${code}`) });

  beforeAll(async () => {
    fake = await startFakeUpstream();
    serve = await startServe(fake, {}, { adminToken: token });
  });
  afterAll(async () => {
    await serve?.stop();
    await fake?.close();
  });

  it('imports, reads the state, patches and deletes accounts; a second import of the same seed is kept', async () => {
    const upstream = fake.addAccount({ plan: 'pro' });
    const admin = client();
    const first = await admin.importAccount(upstream.authJson(), { onExisting: 'keepNewer', createMissing: true });
    expect(first).toMatchObject({ outcome: 'created', account: { chatgptAccountId: upstream.accountId, status: 'active' } });
    expect((await admin.importAccount(upstream.authJson(), { onExisting: 'keepNewer', createMissing: true })).outcome).toBe('kept');
    const patched = await admin.updateAccount(first.account.id, { alias: 'contract', paused: true });
    expect(patched).toMatchObject({ alias: 'contract', status: 'paused', blockedUntil: null });
    expect((await admin.state()).accounts.map((a) => a.id)).toContain(first.account.id);
    expect(await admin.deleteAccount(first.account.id)).toBe(true);
    expect(await admin.deleteAccount(first.account.id)).toBe(false);
    expect(calls).toContain('importAccount 201');
    expect(calls).toContain('importAccount 200');
  });

  it('creates, updates and deletes API keys, with cost limits in micro-dollars', async () => {
    const admin = client();
    const created = await admin.createApiKey({ name: 'contract', allowedModels: ['gpt-5.4'], limits: [{ limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000, modelFilter: null }], expiresAt: null });
    expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);
    const updated = await admin.updateApiKey(created.apiKey.id, { allowedModels: null });
    expect(updated).toMatchObject({ allowedModels: null, limits: [{ limitType: 'cost_usd', maxValue: 12_500_000 }] });
    expect(await admin.deleteApiKey(created.apiKey.id)).toBe(true);
    expect(await admin.deleteApiKey(created.apiKey.id)).toBe(false);
  });

  it('classifies failures: refused token and admin API off → unauthorized, no answer → unreachable, bad input → rejected', async () => {
    const wrong = new AdminClient({ baseUrl: serve.url, token: 'not-the-token' });
    const refused = await wrong.state().catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(String((refused as Error).message)).not.toContain('not-the-token');
    expect(problemOf(refused)).toMatchObject({ reason: 'AdminAPIUnreachable', message: expect.stringContaining('refused the operator token') });

    rmSync(serve.adminTokenFile);
    try {
      expect(await client().state().catch((e: unknown) => e)).toMatchObject({ kind: 'unauthorized', code: 'admin_api_disabled' });
    } finally {
      writeFileSync(serve.adminTokenFile, token);
    }

    const down = new AdminClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, token });
    const unreachable = await down.state().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(AdminApiError);
    expect(unreachable).toMatchObject({ kind: 'unreachable' });
    expect(problemOf(unreachable)).toMatchObject({ reason: 'AdminAPIUnreachable' });

    const invalid = await client().importAccount({ tokens: {} }, { onExisting: 'replace', createMissing: true }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ kind: 'rejected', status: 400, code: 'invalid_auth_json' });
  });
});
