/**
 * The local runner of the official codex-lb app (app.ts): the real application from PyPI starts on SQLite,
 * read-only root and all, answers its health routes, takes an account through its dashboard API, carries an
 * OpenAI SDK turn to the fake upstream, and leaves nothing behind when stopped. PostgreSQL: the same app on a
 * real server, migrated by its own entrypoint.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startPostgres, type PostgresServer } from '../postgres.ts';
import { startUpstreamApp, type UpstreamApp } from './app.ts';
import { chrootedIn } from './tree.ts';

let fake: FakeUpstream;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake?.close();
});

/** Imports a Codex CLI auth.json through the dashboard API, as a local admin (no dashboard password yet). */
async function importAccount(app: UpstreamApp, account: AccountCredentials): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append('auth_json', new Blob([JSON.stringify(account.authJson())], { type: 'application/json' }), 'auth.json');
  const res = await fetch(`${app.url}/api/accounts/import`, { method: 'POST', body: form });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.json();
}

describe('the official app on SQLite', () => {
  let app: UpstreamApp;
  let account: AccountCredentials;

  beforeAll(async () => {
    app = await startUpstreamApp({ upstreamUrl: fake.url });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('is ready and reports the version of the image', async () => {
    expect(await json(`${app.url}/health/ready`)).toMatchObject({ status: 'ok' });
    expect(await json(`${app.url}/health/live`)).toMatchObject({ status: 'ok' });
    const version = (await readFile(new URL('../images/upstream/version', import.meta.url), 'utf8')).trim();
    const res = await fetch(`${app.url}/health`);
    await res.body?.cancel();
    expect(res.headers.get('x-app-version')).toBe(version);
  });

  it('runs as the image user on a read-only root, with only /tmp and its data dir writable', async () => {
    const status = await readFile(`/proc/${app.pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+1000\s/m);
    const mounts = (await readFile(`/proc/${app.pid}/mountinfo`, 'utf8')).split('\n').map((line) => line.split(' '));
    // mountinfo fields: 4 = mount point (as the process sees it), 5 = mount options.
    const options = (point: string): string[] => mounts.find((m) => m[4] === point)?.[5]?.split(',') ?? [];
    expect(options('/')).toContain('ro');
    expect(options('/tmp')).toContain('rw');
    expect(options('/var/lib/codex-lb')).toContain('rw');
    const writable = mounts.filter((m) => m[5]?.split(',').includes('rw')).map((m) => m[4]);
    expect(writable.filter((point) => point !== '/proc' && !point?.startsWith('/dev'))).toEqual(['/var/lib/codex-lb', '/tmp']);
  });

  it('keeps its state in the data dir: the migrated SQLite store and a generated encryption key', async () => {
    expect((await readdir(app.dataDir)).sort()).toEqual(expect.arrayContaining(['encryption.key', 'store.db']));
  });

  it('treats a caller that is not local as remote: dashboard API closed until bootstrapped', async () => {
    // Loopback plus a local Host header is "local" (admin, no login); a forwarded-client hint makes the call
    // look as it does through a Service, which is how the operator reaches real pods.
    const res = await fetch(`${app.url}/api/accounts`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('bootstrap_required');
  });

  it('imports a Codex auth.json through the dashboard API and lists the account', async () => {
    account = fake.addAccount({ plan: 'pro' });
    const imported = await importAccount(app, account);
    expect(imported).toMatchObject({ email: account.email });
    const listed = (await json(`${app.url}/api/accounts`)) as { accounts: Array<Record<string, unknown>> };
    expect(listed.accounts.map((a) => a.email)).toContain(account.email);
  });

  it('carries an OpenAI SDK Responses turn to the fake upstream with the imported account', async () => {
    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const response = await client.responses.create({ model: 'gpt-5.4', input: 'hello upstream', instructions: 'Be brief.' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(`Echo from ${account.accountId}: hello upstream`);
    expect(fake.requests.some((r) => r.path === '/backend-api/codex/responses' && r.accountId === account.accountId)).toBe(true);
  });

  it('stops cleanly: no process left in its root, its temporary directory gone', async () => {
    await app.stop();
    expect(await chrootedIn(app.root)).toEqual([]);
    await expect(access(app.dataDir)).rejects.toThrow();
  });
});

describe('the official app on PostgreSQL', () => {
  let server: PostgresServer;
  let databaseUrl: string;
  let app: UpstreamApp;

  beforeAll(async () => {
    server = await startPostgres();
    databaseUrl = await server.createDatabase('codexlb_upstream');
    app = await startUpstreamApp({ upstreamUrl: fake.url, databaseUrl });
  });
  afterAll(async () => {
    await app?.stop();
    await server?.stop();
  });

  it('migrates the database at startup and keeps accounts there, not in the data dir', async () => {
    const account = fake.addAccount();
    await importAccount(app, account);
    expect(await readdir(app.dataDir)).not.toContain('store.db');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ email: string }>('select email from accounts');
      expect(rows.map((r) => r.email)).toContain(account.email);
    } finally {
      await client.end();
    }
  });
});
