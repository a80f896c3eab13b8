/**
 * `codex-lb-proxy accounts import FILE`: imports a Codex CLI auth.json (`-` reads stdin) and prints the redacted
 * account as JSON. Migrates first when `CODEX_LB_DATABASE_MIGRATE_ON_STARTUP` allows it, as `serve` would.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { Command } from 'commander';
import { AdminError } from '../store/admin-error.ts';
import { openDataSource } from '../store/data-source.ts';
import { messageOf } from '../store/errors.ts';
import { prepareSchema } from '../store/schema-gate.ts';
import type { Settings } from '../config/settings.ts';
import { openDataLayer } from './data-layer.ts';
import { exitWith } from './program.ts';
import { settingsFromEnvironment } from './settings-for-cli.ts';

export function accountsCommand(): Command {
  const accounts = new Command('accounts').description('manage pooled ChatGPT accounts');
  accounts
    .command('import')
    .description('import a Codex CLI auth.json (tokens are stored encrypted)')
    .argument('<file>', 'path to auth.json, or - for stdin')
    .action(exitWith((file: string) => importAccount(file)));
  return accounts;
}

async function importAccount(file: string): Promise<number> {
  const settings = settingsFromEnvironment();
  if (settings === null) return 1;
  let document: string;
  try {
    document = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
    return 1;
  }
  try {
    await ensureSchema(settings);
    const { dataLayer, warnings } = await openDataLayer(settings);
    for (const warning of warnings) console.error(`warning: ${warning}`);
    try {
      const { account, outcome } = await dataLayer.accountAdmin.importAuthJson(document);
      console.error(outcome === 'created' ? `imported account ${account.id}` : `updated account ${account.id}`);
      console.log(JSON.stringify(account, null, 2));
      return 0;
    } finally {
      await dataLayer.close();
    }
  } catch (err) {
    console.error(err instanceof AdminError ? err.message : messageOf(err));
    return 1;
  }
}

async function ensureSchema(settings: Settings): Promise<void> {
  const dataSource = await openDataSource(settings.database);
  try {
    await prepareSchema(dataSource, {
      migrateOnStartup: settings.databaseMigrateOnStartup,
      lockTimeoutMs: settings.databaseMigrationLockTimeoutSeconds * 1000,
    });
  } finally {
    await dataSource.destroy();
  }
}
