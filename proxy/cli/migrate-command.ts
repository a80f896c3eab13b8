/**
 * `codex-lb-proxy migrate upgrade|current|check|wait-for-head` (OPERATOR-CONTRACT.md, upstream §11.8).
 * stdout carries only `key=value` lines; diagnostics go to stderr.
 *
 * upgrade exit codes: 0 at head, 1 migration failed, 3 database unreachable within the wait, 4 schema ahead,
 * 5 the encryption key is not the one the database was first used with (checked after upgrading, so a
 * rotated-by-mistake key stops a rollout in the migration Job, before any pod uses it).
 * check: 0 at head without drift, else 1. wait-for-head: 0 at head, 1 on timeout. Usage errors: 2.
 */
import { access } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { DataSource } from 'typeorm';
import { EncryptionKeyMismatchError, keyMatchesRecorded } from '../accounts/key-fingerprint.ts';
import { loadEncryptionKey } from '../accounts/token-cipher.ts';
import type { Settings } from '../config/settings.ts';
import { openDataSource } from '../store/data-source.ts';
import { DatabaseUnreachableError, SchemaAheadError, messageOf } from '../store/errors.ts';
import * as migrator from '../store/migrator.ts';
import { EXIT, exitWith } from './program.ts';
import { settingsFromEnvironment } from './settings-for-cli.ts';
import { writeTerminationLog } from './termination-log.ts';


/** How often a connection is retried while waiting for the database. */
const CONNECT_RETRY_MS = 1000;

export function migrateCommand(): Command {
  const migrate = new Command('migrate').description('inspect and upgrade the database schema');

  migrate
    .command('upgrade')
    .description('upgrade the schema to this build’s head under the migration lock')
    .option('--wait-for-connection-seconds <n>', 'keep retrying the connection this long', seconds, 0)
    .option('--termination-log <path>', 'where to write the result line (default /dev/termination-log when present)')
    .action(exitWith((options: { waitForConnectionSeconds: number; terminationLog?: string }) => upgrade(options)));

  migrate
    .command('current')
    .description('print the newest applied revision')
    .action(exitWith(() => withDatabase(0, async (dataSource) => {
      console.log(`current_revision=${(await migrator.current(dataSource)) ?? 'none'}`);
      return EXIT.ok;
    })));

  migrate
    .command('check')
    .description('exit 0 when the schema is at head and matches this build, else 1')
    .action(exitWith(() => withDatabase(0, async (dataSource) => {
      const state = await migrator.readState(dataSource);
      printState(state);
      console.log(`schema_status=${state.status}`);
      if (state.status !== 'at_head') return EXIT.failed;
      const drift = await migrator.drift(dataSource);
      console.log(`schema_drift=${drift.length === 0 ? 'none' : 'detected'}`);
      for (const statement of drift) console.error(`drift: ${statement}`);
      return drift.length === 0 ? EXIT.ok : EXIT.failed;
    })));

  migrate
    .command('wait-for-head')
    .description('poll until the schema is at this build’s head, without migrating')
    .option('--timeout-seconds <n>', 'give up after this long', seconds, 300)
    .option('--interval-seconds <n>', 'poll interval', seconds, 2)
    .action(exitWith((options: { timeoutSeconds: number; intervalSeconds: number }) => waitForHead(options)));

  return migrate;
}

async function upgrade(options: { waitForConnectionSeconds: number; terminationLog?: string }): Promise<number> {
  const settings = settingsFromEnvironment();
  if (settings === null) {
    await writeTerminationLog('migration_error=invalid_settings', options.terminationLog);
    return EXIT.failed;
  }
  let dataSource: DataSource;
  try {
    dataSource = await connect(settings, options.waitForConnectionSeconds * 1000);
  } catch (err) {
    console.error(messageOf(err));
    await writeTerminationLog('migration_error=database_unreachable', options.terminationLog);
    return EXIT.unreachable;
  }
  try {
    const result = await migrator.upgrade(dataSource, { lockTimeoutMs: settings.databaseMigrationLockTimeoutSeconds * 1000 });
    for (const revision of result.applied) console.error(`applied ${revision}`);
    if (!(await keyFileMatches(dataSource, settings))) {
      console.error(new EncryptionKeyMismatchError().message);
      await writeTerminationLog(`migration_error=${new EncryptionKeyMismatchError().code}`, options.terminationLog);
      return EXIT.encryptionKeyMismatch;
    }
    const line = `current_revision=${result.state.current ?? 'none'}`;
    console.log(line);
    await writeTerminationLog(line, options.terminationLog);
    return EXIT.ok;
  } catch (err) {
    console.error(messageOf(err));
    const ahead = err instanceof SchemaAheadError;
    await writeTerminationLog(`migration_error=${ahead ? err.code : 'migration_failed'}`, options.terminationLog);
    return ahead ? EXIT.schemaAhead : EXIT.failed;
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Whether the configured key file (when there is one: this command never generates a key) is the key the
 * database records. As in `serve`, only fingerprint mode `enforce` (the default) refuses; `warn` and `off` are
 * the deliberate way to start over with a new key.
 */
async function keyFileMatches(dataSource: DataSource, settings: Settings): Promise<boolean> {
  if (settings.encryptionKeyFingerprintMode !== 'enforce') return true;
  try {
    await access(settings.encryptionKeyFile);
  } catch {
    return true;
  }
  const cipher = await loadEncryptionKey(settings.encryptionKeyFile);
  return keyMatchesRecorded(dataSource, cipher.fingerprint);
}

async function waitForHead(options: { timeoutSeconds: number; intervalSeconds: number }): Promise<number> {
  const timeoutMs = options.timeoutSeconds * 1000;
  const started = Date.now();
  return withDatabase(timeoutMs, async (dataSource) => {
    try {
      const state = await migrator.waitForHead(dataSource, {
        timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)),
        intervalMs: options.intervalSeconds * 1000,
      });
      printState(state);
      return EXIT.ok;
    } catch (err) {
      console.error(messageOf(err));
      return EXIT.failed;
    }
  });
}

/** Runs `work` against the configured database; any failure to get there is exit 1 with the reason on stderr. */
async function withDatabase(waitMs: number, work: (dataSource: DataSource) => Promise<number>): Promise<number> {
  const settings = settingsFromEnvironment();
  if (settings === null) return EXIT.failed;
  let dataSource: DataSource;
  try {
    dataSource = await connect(settings, waitMs);
  } catch (err) {
    console.error(messageOf(err));
    return EXIT.failed;
  }
  try {
    return await work(dataSource);
  } catch (err) {
    if (!(err instanceof DatabaseUnreachableError)) console.error(messageOf(err));
    return EXIT.failed;
  } finally {
    await dataSource.destroy();
  }
}

function connect(settings: Settings, waitMs: number): Promise<DataSource> {
  const options = { poolSize: settings.databasePoolSize, maxOverflow: settings.databaseMaxOverflow };
  return migrator.waitForConnection(() => openDataSource(settings.database, options), {
    timeoutMs: waitMs,
    intervalMs: CONNECT_RETRY_MS,
  });
}

function printState(state: migrator.SchemaState): void {
  console.log(`current_revision=${state.current ?? 'none'}`);
  console.log(`head_revision=${state.head}`);
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(parsed)) throw new InvalidArgumentError('expected a number of seconds');
  return parsed;
}
