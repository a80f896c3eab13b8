/**
 * `codex-lb-proxy serve` as the operator runs it: schema gate, metrics listener, SIGTERM drain that
 * lets an in-flight stream finish, and the refusal to serve a database whose schema is not at head.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANY_ACCOUNT, startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { freePort } from '../../harness/ports.ts';
import { ManagedProcess } from '../../harness/process.ts';
import { startServe } from './support/serve-process.ts';
import { join } from 'node:path';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const CLI = join(import.meta.dirname, '../../../proxy/cli/main.ts');

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake?.close());

describe('codex-lb-proxy serve', () => {
  it('serves metrics on CODEX_LB_METRICS_PORT', async () => {
    const metricsPort = await freePort();
    const serve = await startServe(fake, { CODEX_LB_METRICS_ENABLED: 'true', CODEX_LB_METRICS_PORT: String(metricsPort) });
    await serve.importAccount(fake.addAccount());
    await (await fetch(`${serve.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-5.4","input":"m"}' })).text();
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^codex_lb_requests_total\{route="\/v1\/responses",method="POST",status="200"\} 1$/m);
    expect(metrics).toMatch(/^codex_lb_accounts_total\{status="active"\} 1$/m);
    expect(await serve.stop()).toBe(0);
  });

  it('moves SQLite commits into the database file within seconds, without waiting for the log to fill', async () => {
    const serve = await startServe(fake);
    await serve.importAccount(fake.addAccount());
    await (await fetch(`${serve.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-5.4","input":"m"}' })).text();
    // A copy of the database file alone (no -wal) holds what a checkpoint moved there, nothing else. SQLite by
    // itself would move this row only once its log reached 1,000 pages; serve's background checkpointer does
    // within a second (proxy/store/wal-checkpointer.ts).
    const copy = join(mkdtempSync(join(tmpdir(), 'codexlb-checkpointed-')), 'store.db');
    const checkpointedRows = (): unknown => {
      copyFileSync(join(serve.dataDir, 'store.db'), copy);
      const db = new Database(copy, { readonly: true });
      try {
        return db.prepare('SELECT count(*) AS n FROM request_logs').get();
      } finally {
        db.close();
      }
    };
    await vi.waitFor(() => expect(checkpointedRows()).toEqual({ n: 1 }), { timeout: 10_000, interval: 200 });
    expect(await serve.stop()).toBe(0);
  });

  it('on SIGTERM stops taking requests, lets the in-flight stream finish, and exits 0', async () => {
    const serve = await startServe(fake);
    await serve.importAccount(fake.addAccount());
    fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 100 });
    const response = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.4', input: 'finish me', stream: true }),
    });
    expect(response.status).toBe(200);
    const body = response.text();
    serve.proc.signal('SIGTERM');
    expect(await body).toContain('event: response.completed');
    expect(await serve.proc.exited).toBe(0);
    expect(serve.proc.output()).toMatch(/"message":"stopped"/);
  });

  it('refuses to serve when the schema is not at head and migration on startup is off (exit 1)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'codexlb-gate-'));
    const proc = new ManagedProcess('serve', process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--startup-wait-seconds', '1'], {
      env: {
        PATH: process.env.PATH,
        HOME: dataDir,
        PORT: String(await freePort()),
        CODEX_LB_DATA_DIR: dataDir,
        CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'false',
        CODEX_LB_UPSTREAM_BASE_URL: `${fake.url}/backend-api`,
        CODEX_LB_LOG_FORMAT: 'json',
      },
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/refusing to serve/);
  });

  it('fails startup naming an unknown CODEX_LB_ variable', async () => {
    const proc = new ManagedProcess('serve', process.execPath, [CLI, 'serve'], {
      env: { PATH: process.env.PATH, HOME: tmpdir(), CODEX_LB_ROUTING_STRATEGEY: 'round_robin' },
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('CODEX_LB_ROUTING_STRATEGEY');
  });
});
