/**
 * The standalone fake: `node test/fakes/cli.ts --port N --accounts K` serves on that port, prints
 * the URL and working credentials, writes auth.json files on request, and exits 0 on SIGTERM.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../harness/ports.ts';
import { ManagedProcess, waitFor } from '../harness/process.ts';
import type { CodexAuthJson } from './fake-upstream.ts';
import { backendHeaders } from './upstream-client.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

interface Printed {
  url: string;
  backendBaseUrl: string;
  accounts: Array<{ accountId: string; accessToken: string; plan: string; authJson: CodexAuthJson }>;
}

let proc: ManagedProcess | undefined;
let scratch: string | undefined;

afterEach(async () => {
  await proc?.stop();
  proc = undefined;
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** Waits for the JSON document the CLI prints after its "listening" line. */
function printed(p: ManagedProcess): Promise<Printed> {
  return waitFor(
    'the fake to print its accounts',
    async () => {
      const out = p.output();
      const start = out.indexOf('{');
      if (!out.includes('fake upstream listening on') || start === -1) return undefined;
      try {
        return JSON.parse(out.slice(start)) as Printed;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 30_000, proc: p },
  );
}

describe('cli.ts', () => {
  it('listens on the given port, prints usable accounts and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    scratch = await mkdtemp(join(tmpdir(), 'fake-upstream-cli-'));
    proc = new ManagedProcess('fake-upstream', process.execPath, [cli, '--port', String(port), '--accounts', '2', '--plan', 'pro', '--auth-dir', scratch]);
    const out = await printed(proc);

    expect(proc.output()).toContain(`fake upstream listening on http://127.0.0.1:${port}`);
    expect(out.url).toBe(`http://127.0.0.1:${port}`);
    expect(out.backendBaseUrl).toBe(`http://127.0.0.1:${port}/backend-api`);
    expect(out.accounts).toHaveLength(2);
    expect(out.accounts.map((a) => a.plan)).toEqual(['pro', 'pro']);

    for (const account of out.accounts) {
      const usage = await fetch(`${out.backendBaseUrl}/wham/usage`, { headers: backendHeaders(account) });
      expect(usage.status).toBe(200);
      expect(((await usage.json()) as { plan_type: string }).plan_type).toBe('pro');
      const written = JSON.parse(await readFile(join(scratch, `${account.accountId}.auth.json`), 'utf8')) as CodexAuthJson;
      expect(written).toEqual(account.authJson);
    }

    await proc.stop();
    expect(await proc.exited).toBe(0);
  });

  it('refuses a bad --port with exit code 2', async () => {
    proc = new ManagedProcess('fake-upstream', process.execPath, [cli, '--port', 'eighty']);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('--port must be 0-65535');
  });
});
