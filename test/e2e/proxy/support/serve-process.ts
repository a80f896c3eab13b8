/**
 * Runs `codex-lb-proxy serve` as its own process, configured the way the operator configures a pod
 * (environment only, admin token file), against a fake upstream. Accounts go in through the admin
 * API, as the operator's ChatGPTAccount controller does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountCredentials, FakeUpstream } from '../../../fakes/fake-upstream.ts';
import { ManagedProcess, waitFor } from '../../../harness/process.ts';
import { freePort, isAddressInUse } from '../../../harness/ports.ts';

const CLI = join(import.meta.dirname, '../../../../proxy/cli/main.ts');

export interface ServeProcess {
  readonly url: string;
  readonly proc: ManagedProcess;
  readonly dataDir: string;
  /** CODEX_LB_ADMIN_TOKEN_FILE: read per admin call, so writing it turns the admin API on (or changes its token). */
  readonly adminTokenFile: string;
  /** Imports a fake account through the admin API; returns the proxy's account id. */
  importAccount(account: AccountCredentials): Promise<string>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `dataDir`: reuse a previous run's data directory (its SQLite database and key), as a restarted pod does.
 * `adminToken: null` starts with the admin API off (no token file), as a pod before its Secret exists.
 */
export async function startServe(
  fake: FakeUpstream,
  env: Record<string, string> = {},
  options: { dataDir?: string; adminToken?: string | null } = {},
): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'codexlb-serve-'));
  const adminToken = options.adminToken === undefined ? 'e2e-admin-token' : options.adminToken;
  if (adminToken !== null) writeFileSync(join(dataDir, 'admin-token'), adminToken);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = new ManagedProcess('codex-lb-proxy serve', process.execPath, [CLI, 'serve', '--host', '127.0.0.1'], {
      env: {
        PATH: process.env.PATH,
        HOME: dataDir,
        PORT: String(port),
        CODEX_LB_DATA_DIR: dataDir,
        CODEX_LB_ADMIN_TOKEN_FILE: join(dataDir, 'admin-token'),
        CODEX_LB_UPSTREAM_BASE_URL: `${fake.url}/backend-api`,
        CODEX_LB_OAUTH_TOKEN_URL: `${fake.url}/oauth/token`,
        CODEX_LB_LOG_FORMAT: 'json',
        ...env,
      },
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor('serve to be ready', async () => ((await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ? true : undefined), { proc, timeoutMs: 30_000 });
    } catch (err) {
      await proc.stop(2000);
      if (attempt < 3 && isAddressInUse(proc.output())) continue;
      throw err;
    }
    return {
      url,
      proc,
      dataDir,
      adminTokenFile: join(dataDir, 'admin-token'),
      async importAccount(account) {
        const res = await fetch(`${url}/internal/admin/accounts/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken ?? ''}`, 'content-type': 'application/json' },
          body: JSON.stringify({ authJson: account.authJson() }),
        });
        if (res.status !== 201) throw new Error(`import failed: HTTP ${res.status} ${await res.text()}`);
        return ((await res.json()) as { account: { id: string } }).account.id;
      },
      async stop() {
        await proc.stop(15_000);
        return proc.exited;
      },
    };
  }
}
