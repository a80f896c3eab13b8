/** `codex-lb-proxy accounts import FILE` on the default SQLite store (migrated on first use) and on PostgreSQL. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeAuthJson, secretTokens } from '../../../proxy/accounts/testing.ts';
import { openDataSource } from '../../../proxy/store/data-source.ts';
import { runCli } from './cli.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();

describe.each(DIALECTS)('accounts import on %s', (dialect) => {
  async function setup(name: string): Promise<{ env: Record<string, string>; dataDir: string; count: () => Promise<number> }> {
    const target = await dbs.target(dialect);
    const dataDir = join(dbs.scratchDir(), `data-${name}-${dialect}`);
    const env: Record<string, string> = {
      HOME: dbs.scratchDir(),
      CODEX_LB_DATA_DIR: dataDir,
      CODEX_LB_DATABASE_URL: target.dialect === 'sqlite' ? `sqlite:///${target.path}` : target.url,
    };
    const count = async (): Promise<number> => {
      const dataSource = await openDataSource(target);
      try {
        const exists = await dataSource.createQueryRunner().hasTable('accounts');
        return exists ? Number((await dataSource.query('SELECT COUNT(*) AS n FROM accounts'))[0].n) : 0;
      } finally {
        await dataSource.destroy();
      }
    };
    return { env, dataDir, count };
  }

  it('imports a file and prints the redacted account', async () => {
    const { env, count } = await setup('ok');
    const document = fakeAuthJson({ email: 'cli@example.test', chatgptAccountId: 'acct-cli' });
    const file = join(dbs.scratchDir(), `auth-${dialect}.json`);
    await writeFile(file, JSON.stringify(document));
    const result = await runCli(['accounts', 'import', file], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ chatgptAccountId: 'acct-cli', email: 'cli@example.test', status: 'active' });
    for (const token of secretTokens(document)) expect(result.stdout + result.stderr).not.toContain(token);
    expect(await count()).toBe(1);
  });

  it('reads stdin with "-"', async () => {
    const { env, count } = await setup('stdin');
    const result = await runCli(['accounts', 'import', '-'], env, JSON.stringify(fakeAuthJson()));
    expect(result.code).toBe(0);
    expect(await count()).toBe(1);
  });

  it('refuses a malformed file with a clear message, storing nothing and echoing no secret', async () => {
    const { env, count } = await setup('bad');
    const document = fakeAuthJson();
    const tokens = document.tokens as Record<string, string>;
    const file = join(dbs.scratchDir(), `bad-${dialect}.json`);
    await writeFile(file, JSON.stringify({ ...document, tokens: { ...tokens, refresh_token: '' } }));
    const result = await runCli(['accounts', 'import', file], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid auth.json: "tokens.refresh_token" is missing or empty');
    for (const token of secretTokens(document)) expect(result.stdout + result.stderr).not.toContain(token);
    expect(await count()).toBe(0);
  });

  it('names a file it cannot read', async () => {
    const { env } = await setup('missing');
    const result = await runCli(['accounts', 'import', join(dbs.scratchDir(), 'nope.json')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ENOENT');
  });
});
