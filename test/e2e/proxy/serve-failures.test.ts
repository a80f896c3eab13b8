/**
 * `codex-lb-proxy serve` when things go wrong outside it (issue 12 items 9 and 11): killed with SIGKILL in the
 * middle of a stream, it must not leave the caller's API-key budget held; started on a read-only database, it must
 * fail at once with a message naming the file instead of hanging after "starting".
 */
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT, startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { freePort } from '../../harness/ports.ts';
import { ManagedProcess, run } from '../../harness/process.ts';
import { unprivilegedUser } from '../../harness/users.ts';
import { startServe, type ServeProcess } from './support/serve-process.ts';

const CLI = join(import.meta.dirname, '../../../proxy/cli/main.ts');
const ADMIN = { authorization: 'Bearer e2e-admin-token', 'content-type': 'application/json' };

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake?.close());

async function weeklyUsage(serve: ServeProcess): Promise<number> {
  const { apiKeys } = (await (await fetch(`${serve.url}/internal/admin/api-keys`, { headers: ADMIN })).json()) as {
    apiKeys: Array<{ limits: Array<{ currentValue: number }> }>;
  };
  return apiKeys[0]?.limits[0]?.currentValue ?? -1;
}

describe('codex-lb-proxy serve under failure', () => {
  it('gives back the API-key budget a SIGKILLed run held when it starts again', async () => {
    const env = { CODEX_LB_API_KEY_AUTH_ENABLED: 'true', CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'codex-lb-0' };
    const first = await startServe(fake, env);
    await first.importAccount(fake.addAccount());
    const created = await fetch(`${first.url}/internal/admin/api-keys`, {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ name: 'weekly', limits: [{ limitType: 'total_tokens', limitWindow: 'weekly', maxValue: 1_000_000 }] }),
    });
    const { key } = (await created.json()) as { key: string };
    fake.script(ANY_ACCOUNT, { kind: 'stall' }); // the turn never finishes upstream
    const turn = fetch(`${first.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.4', input: 'never finishes', stream: true }),
    }).catch(() => undefined);
    await expect.poll(() => weeklyUsage(first), { timeout: 10_000 }).toBeGreaterThan(0);

    first.proc.signal('SIGKILL');
    await first.proc.exited;
    await turn;
    fake.clearScripts();

    const second = await startServe(fake, env, { dataDir: first.dataDir });
    expect(await weeklyUsage(second)).toBe(0);
    expect(second.proc.output()).toMatch(/"count":1,.*"message":"released API-key reservations left by a previous run"/);
    expect(await second.stop()).toBe(0);
  });

  it('fails at once with a message naming the file when the SQLite database is read-only (exit 1)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'codexlb-readonly-'));
    const env = { PATH: process.env.PATH, HOME: dataDir, CODEX_LB_DATA_DIR: dataDir, CODEX_LB_LOG_FORMAT: 'json', CODEX_LB_UPSTREAM_BASE_URL: `${fake.url}/backend-api` };
    await run(process.execPath, [CLI, 'migrate', 'upgrade'], { env });
    // Root writes anywhere: run the server as an unprivileged account over root-owned, read-only files.
    const user = unprivilegedUser();
    chmodSync(join(dataDir, 'store.db'), 0o444);
    chmodSync(dataDir, 0o555);
    if (user) chownSync(dataDir, 0, 0);
    const proc = new ManagedProcess('serve', process.execPath, [CLI, 'serve', '--host', '127.0.0.1'], { env: { ...env, PORT: String(await freePort()) }, user });
    expect(await proc.exited).toBe(1); // before: retried (and leaked a file handle) every second, never listening
    expect(proc.output()).toContain(`SQLite database ${join(dataDir, 'store.db')} is not writable`);
  });
});
