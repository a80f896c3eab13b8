/**
 * Two (three) proxy processes sharing one database refresh the same account at the same moment after a 401:
 * the fake OAuth server must see that refresh token exactly once (a second use would revoke the account's whole
 * token family), and every process must end up with the winner's new access token.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import * as migrator from '../../../proxy/store/migrator.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const WORKER = fileURLToPath(new URL('./refresh-worker.ts', import.meta.url));
const PROCESSES = 3;
const dbs = databaseMatrix();

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: AsyncIterator<string>;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

function startWorker(env: Record<string, string>, args: string[]): Worker {
  const child = spawn(process.execPath, [WORKER, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), exited };
}

async function nextLine(worker: Worker): Promise<string> {
  const { value, done } = await worker.lines.next();
  if (done === true) throw new Error('worker ended without answering');
  return value;
}

describe.each(DIALECTS)('refresh across processes on %s', (dialect) => {
  it('sends the refresh token to /oauth/token exactly once and gives every process the new access token', async () => {
    fake.reset();
    const upstream = fake.addAccount();
    const target = await dbs.target(dialect);
    const key = generateFernetKey();
    const keyFile = join(dbs.scratchDir(), `key-${dialect}`);
    await writeFile(keyFile, key, { mode: 0o600 });
    const env = {
      HOME: dbs.scratchDir(),
      CODEX_LB_DATABASE_URL: target.dialect === 'sqlite' ? `sqlite:///${target.path}` : target.url,
      CODEX_LB_ENCRYPTION_KEY_FILE: keyFile,
      CODEX_LB_OAUTH_TOKEN_URL: `${fake.url}/oauth/token`,
      CODEX_LB_TOKEN_REFRESH_TIMEOUT_SECONDS: '5',
    };

    const store = await openDataSource(target);
    await migrator.upgrade(store, { lockTimeoutMs: 30_000 });
    const accounts = new AccountRepository({ dataSource: store, cipher: createTokenCipher(key) });
    const { account } = await new AccountAdmin({ accounts }).importAuthJson(upstream.authJson());
    // Every process has just seen a 401 for this token.
    fake.revokeAccessTokens(upstream.accountId);
    // Hold the winner inside /oauth/token long enough for the others to arrive and contend.
    fake.script(upstream.accountId, { kind: 'stall', ms: 500 }, { endpoint: 'refresh' });

    const workers = Array.from({ length: PROCESSES }, () => startWorker(env, [account.id, upstream.accessToken, '5']));
    try {
      for (const worker of workers) expect(await nextLine(worker)).toBe('ready');
      for (const worker of workers) worker.child.stdin.end('go\n');
      const results = await Promise.all(workers.map(async (worker) => JSON.parse(await nextLine(worker)) as { tokens?: string[]; error?: string }));

      const current = fake.account(upstream.accountId);
      const refreshes = fake.requests.filter((request) => request.endpoint === 'refresh');
      expect(refreshes).toHaveLength(1);
      expect((refreshes[0]?.body as { refresh_token: string }).refresh_token).toBe(upstream.refreshToken);
      for (const result of results) expect(result).toEqual({ tokens: Array(5).fill(current.accessToken) });
      expect(await accounts.readCredentials(account.id)).toMatchObject({
        status: 'active',
        accessToken: current.accessToken,
        refreshToken: current.refreshToken,
      });
      for (const worker of workers) expect(await worker.exited).toEqual({ code: 0, stderr: '' });
    } finally {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill();
      await store.destroy();
    }
  });
});
