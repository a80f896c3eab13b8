/**
 * `codex-lb-proxy migrate …` exactly as OPERATOR-CONTRACT.md specifies it: stdout lines, exit codes
 * (0 / 1 / 3 / 4 / 5, usage 2) and the termination-log line the operator reads from the Pod status.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../../proxy/config/database-url.ts';
import { checkKeyFingerprint } from '../../../proxy/accounts/key-fingerprint.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { MIGRATIONS_TABLE, openDataSource } from '../../../proxy/store/data-source.ts';
import { HEAD_REVISION } from '../../../proxy/store/migrator.ts';
import { MIGRATIONS } from '../../../proxy/store/migrations/index.ts';
import { freePort } from '../../harness/ports.ts';
import { runCli } from './cli.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();

function envFor(target: DatabaseTarget): Record<string, string> {
  const url = target.dialect === 'sqlite' ? `sqlite:///${target.path}` : target.url;
  return { HOME: dbs.scratchDir(), CODEX_LB_DATA_DIR: dbs.scratchDir(), CODEX_LB_DATABASE_URL: url };
}

async function terminationLog(name: string): Promise<string> {
  const path = join(dbs.scratchDir(), name);
  await writeFile(path, '');
  return path;
}

describe.each(DIALECTS)('migrate CLI on %s', (dialect) => {
  it('upgrade prints the revision, writes it to the termination log and exits 0', async () => {
    const env = envFor(await dbs.target(dialect));
    const log = await terminationLog(`upgrade-${dialect}.log`);
    const result = await runCli(['migrate', 'upgrade', '--wait-for-connection-seconds', '5', '--termination-log', log], env);
    expect(result).toMatchObject({ code: 0, stdout: `current_revision=${HEAD_REVISION}\n` });
    expect(await readFile(log, 'utf8')).toBe(`current_revision=${HEAD_REVISION}\n`);
    // Idempotent: a second Job run finds nothing to do and answers the same.
    expect(await runCli(['migrate', 'upgrade', '--termination-log', log], env)).toMatchObject({ code: 0, stdout: `current_revision=${HEAD_REVISION}\n` });
  });

  it('check exits 1 before the upgrade and 0 after it', async () => {
    const env = envFor(await dbs.target(dialect));
    const before = await runCli(['migrate', 'check'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toBe(`current_revision=none\nhead_revision=${HEAD_REVISION}\nschema_status=behind\n`);
    await runCli(['migrate', 'upgrade'], env);
    const after = await runCli(['migrate', 'check'], env);
    expect(after).toMatchObject({
      code: 0,
      stdout: `current_revision=${HEAD_REVISION}\nhead_revision=${HEAD_REVISION}\nschema_status=at_head\nschema_drift=none\n`,
    });
    expect(await runCli(['migrate', 'current'], env)).toMatchObject({ code: 0, stdout: `current_revision=${HEAD_REVISION}\n` });
  });

  it('wait-for-head exits 1 when the schema stays behind, without migrating', async () => {
    const target = await dbs.target(dialect);
    const result = await runCli(['migrate', 'wait-for-head', '--timeout-seconds', '1', '--interval-seconds', '0.2'], envFor(target));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('schema not at head');
    expect((await runCli(['migrate', 'current'], envFor(target))).stdout).toBe('current_revision=none\n');
  });

  it('wait-for-head exits 0 once a migration Job brings the schema to head', async () => {
    const env = envFor(await dbs.target(dialect));
    const waiting = runCli(['migrate', 'wait-for-head', '--timeout-seconds', '60', '--interval-seconds', '0.2'], env);
    expect((await runCli(['migrate', 'upgrade'], env)).code).toBe(0);
    expect(await waiting).toMatchObject({ code: 0, stdout: `current_revision=${HEAD_REVISION}\nhead_revision=${HEAD_REVISION}\n` });
  });

  it('upgrade exits 4 on a schema ahead of this build', async () => {
    const target = await dbs.target(dialect);
    const env = envFor(target);
    await runCli(['migrate', 'upgrade'], env);
    const dataSource = await openDataSource(target);
    await dataSource.createQueryBuilder().insert().into(MIGRATIONS_TABLE).values({ timestamp: 1_900_000_000_000, name: 'Newer1900000000000' }).execute();
    await dataSource.destroy();
    const log = await terminationLog(`ahead-${dialect}.log`);
    const result = await runCli(['migrate', 'upgrade', '--termination-log', log], env);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('Newer1900000000000');
    expect(await readFile(log, 'utf8')).toBe('migration_error=schema_ahead\n');
    expect((await runCli(['migrate', 'check'], env)).code).toBe(1);
  });
});

describe.each(DIALECTS)('a key the database was not first used with, on %s', (dialect) => {
  /** A migrated database whose first `serve` recorded key A; returns env with key file B, and A's file. */
  async function databaseUsedWithAnotherKey(): Promise<{ env: Record<string, string>; originalKeyFile: string }> {
    const target = await dbs.target(dialect);
    const env = envFor(target);
    expect((await runCli(['migrate', 'upgrade'], env)).code).toBe(0);
    const original = generateFernetKey();
    const dataSource = await openDataSource(target);
    await checkKeyFingerprint(dataSource, createTokenCipher(original).fingerprint, 'enforce');
    await dataSource.destroy();
    const originalKeyFile = join(dbs.scratchDir(), `original-${dialect}-${Math.random()}.key`);
    const otherKeyFile = join(dbs.scratchDir(), `other-${dialect}-${Math.random()}.key`);
    await writeFile(originalKeyFile, original);
    await writeFile(otherKeyFile, generateFernetKey());
    return { env: { ...env, CODEX_LB_ENCRYPTION_KEY_FILE: otherKeyFile }, originalKeyFile };
  }

  it('makes migrate upgrade exit 5 with migration_error=encryption_key_mismatch, and pass with the original key', async () => {
    const { env, originalKeyFile } = await databaseUsedWithAnotherKey();
    const log = await terminationLog(`key-upgrade-${dialect}.log`);
    const result = await runCli(['migrate', 'upgrade', '--termination-log', log], env);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('the encryption key differs from the one this database was first used with');
    expect(await readFile(log, 'utf8')).toBe('migration_error=encryption_key_mismatch\n');
    expect(await runCli(['migrate', 'upgrade'], { ...env, CODEX_LB_ENCRYPTION_KEY_FILE: originalKeyFile })).toMatchObject({ code: 0 });
    // The deliberate way to start over with a new key is not blocked by the Job.
    expect((await runCli(['migrate', 'upgrade'], { ...env, CODEX_LB_ENCRYPTION_KEY_FINGERPRINT_MODE: 'warn' })).code).toBe(0);
  });

  it('makes serve exit 5 with startup_error=encryption_key_mismatch before listening', async () => {
    const { env } = await databaseUsedWithAnotherKey();
    const log = await terminationLog(`key-serve-${dialect}.log`);
    const result = await runCli(['serve', '--host', '127.0.0.1', '--termination-log', log], { ...env, PORT: String(await freePort()) });
    expect(result.code).toBe(5);
    expect(await readFile(log, 'utf8')).toBe('startup_error=encryption_key_mismatch\n');
    expect(result.stdout + result.stderr).not.toContain('listening');
  });

  it('leaves a fresh database alone: migrate upgrade never generates or records a key', async () => {
    const target = await dbs.target(dialect);
    const keyFile = join(dbs.scratchDir(), `absent-${dialect}.key`);
    expect((await runCli(['migrate', 'upgrade'], { ...envFor(target), CODEX_LB_ENCRYPTION_KEY_FILE: keyFile })).code).toBe(0);
    await expect(readFile(keyFile)).rejects.toThrow(/ENOENT/);
  });
});

describe('migrate CLI against PostgreSQL only', () => {
  it('exits 3 when the database stays unreachable, without printing the password', async () => {
    const log = await terminationLog('unreachable.log');
    const result = await runCli(['migrate', 'upgrade', '--wait-for-connection-seconds', '1', '--termination-log', log], {
      HOME: dbs.scratchDir(),
      CODEX_LB_DATABASE_URL: 'postgresql://fake-user:fake-db-password@127.0.0.1:1/codexlb',
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('database unreachable');
    expect(result.stderr + result.stdout).not.toContain('fake-db-password');
    expect(await readFile(log, 'utf8')).toBe('migration_error=database_unreachable\n');
  });

  it('lets two concurrent upgrades both succeed while the migrations run once', async () => {
    const target = await dbs.target('postgres');
    const env = envFor(target);
    const results = await Promise.all([runCli(['migrate', 'upgrade'], env), runCli(['migrate', 'upgrade'], env)]);
    for (const result of results) expect(result).toMatchObject({ code: 0, stdout: `current_revision=${HEAD_REVISION}\n` });
    const applied = results.flatMap((result) => result.stderr.split('\n').filter((line) => line.startsWith('applied ')));
    expect(applied).toEqual(MIGRATIONS.map((m) => `applied ${new m().name}`));
    const dataSource = await openDataSource(target);
    const rows: unknown[] = await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    await dataSource.destroy();
    expect(rows).toHaveLength(MIGRATIONS.length);
  });
});

describe('command-line usage', () => {
  it.each([
    [['migrate', 'sideways']],
    [['migrate', 'upgrade', '--wait-for-connection-seconds', 'soon']],
    [['migrate', 'wait-for-head', '--timeout-seconds']],
  ])('exits 2 on %j', async (args) => {
    expect((await runCli(args, { HOME: dbs.scratchDir() })).code).toBe(2);
  });

  it('exits 1 naming the variable when the configuration is invalid', async () => {
    const result = await runCli(['migrate', 'current'], { HOME: dbs.scratchDir(), CODEX_LB_DATABSE_URL: 'sqlite:///x.db' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CODEX_LB_DATABSE_URL: unknown setting');
  });
});
