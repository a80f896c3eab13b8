/**
 * The schema runner behind `codex-lb-proxy migrate …` and the serve-time schema gate.
 *
 * Revisions are migration names (e.g. `InitialSchema1763683200000`); the head is the newest migration of this
 * build. A database that records a migration this build does not know is "ahead": it was upgraded by a newer
 * build, and this one refuses to touch it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { MIGRATIONS_TABLE } from './data-source.ts';
import { DatabaseUnreachableError, SchemaAheadError, SchemaWaitTimeoutError, messageOf } from './errors.ts';
import { withMigrationLock } from './migration-lock.ts';
import { MIGRATIONS } from './migrations/index.ts';

const KNOWN: readonly string[] = MIGRATIONS.map((migration) => new migration().name);

/** The newest revision this build knows. */
export const HEAD_REVISION: string = KNOWN.at(-1) ?? 'none';

export type SchemaStatus = 'at_head' | 'behind' | 'ahead';

export interface SchemaState {
  /** Newest applied revision, null on an empty database. */
  readonly current: string | null;
  readonly head: string;
  readonly status: SchemaStatus;
  /** Known revisions not applied yet, oldest first. */
  readonly pending: readonly string[];
  /** Applied revisions this build does not know. */
  readonly unknown: readonly string[];
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly signal?: AbortSignal;
}

/** Reads the schema state without creating or changing anything (safe for read-only gates). */
export async function readState(dataSource: DataSource): Promise<SchemaState> {
  const applied = await appliedRevisions(dataSource);
  const appliedSet = new Set(applied);
  const knownSet = new Set(KNOWN);
  const pending = KNOWN.filter((name) => !appliedSet.has(name));
  const unknown = applied.filter((name) => !knownSet.has(name));
  const status: SchemaStatus = unknown.length > 0 ? 'ahead' : pending.length > 0 ? 'behind' : 'at_head';
  return { current: applied.at(-1) ?? null, head: HEAD_REVISION, status, pending, unknown };
}

/** The newest applied revision, or null on an empty database. */
export async function current(dataSource: DataSource): Promise<string | null> {
  return (await readState(dataSource)).current;
}

/** True when the schema is exactly at this build's head. */
export async function check(dataSource: DataSource): Promise<boolean> {
  return (await readState(dataSource)).status === 'at_head';
}

export interface UpgradeResult {
  /** Revisions this call applied (empty when already at head, e.g. another runner got there first). */
  readonly applied: readonly string[];
  readonly state: SchemaState;
}

/**
 * Applies every pending migration, each in its own transaction, under the migration lock. Idempotent at head.
 * Throws SchemaAheadError before touching anything when the database is ahead of this build.
 */
export async function upgrade(dataSource: DataSource, options: { lockTimeoutMs: number }): Promise<UpgradeResult> {
  return withMigrationLock(dataSource, options.lockTimeoutMs, async () => {
    const before = await readState(dataSource);
    if (before.status === 'ahead') throw new SchemaAheadError(before.unknown);
    const applied = before.pending.length === 0 ? [] : await dataSource.runMigrations({ transaction: 'each' });
    return { applied: applied.map((migration) => migration.name), state: await readState(dataSource) };
  });
}

/**
 * SQL TypeORM would run to make the database match this build's entity schemas; empty when they agree. Meaningful
 * only at head (a database behind head differs by its pending migrations). Guards against a migration and an entity
 * schema that say different things.
 */
export async function drift(dataSource: DataSource): Promise<readonly string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}

/** Polls until the schema is at head, without migrating. Read errors count as "not yet". */
export async function waitForHead(dataSource: DataSource, options: WaitOptions): Promise<SchemaState> {
  const started = Date.now();
  for (;;) {
    let lastSeen: string;
    try {
      const state = await readState(dataSource);
      if (state.status === 'at_head') return state;
      lastSeen = `current=${state.current ?? 'none'} head=${state.head} status=${state.status}`;
    } catch (err) {
      lastSeen = messageOf(err);
    }
    const remaining = options.timeoutMs - (Date.now() - started);
    if (remaining <= 0) throw new SchemaWaitTimeoutError(Date.now() - started, lastSeen);
    await sleep(Math.min(options.intervalMs, remaining), undefined, { signal: options.signal });
  }
}

/**
 * Calls `connect` until it succeeds or the timeout passes; one attempt when timeoutMs is 0. An error marked
 * `permanent` (a read-only SQLite file) is thrown at once: waiting cannot fix it.
 * `connect` must build a fresh DataSource each time (a failed initialize leaves nothing to reuse).
 */
export async function waitForConnection(connect: () => Promise<DataSource>, options: WaitOptions): Promise<DataSource> {
  const started = Date.now();
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if ((err as { permanent?: unknown }).permanent === true) throw err;
      const remaining = options.timeoutMs - (Date.now() - started);
      if (remaining <= 0) throw new DatabaseUnreachableError(Date.now() - started, err);
      await sleep(Math.min(options.intervalMs, remaining), undefined, { signal: options.signal });
    }
  }
}

async function appliedRevisions(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    if (!(await runner.hasTable(MIGRATIONS_TABLE))) return [];
    const escape = (name: string): string => dataSource.driver.escape(name);
    const rows: { name: string }[] = await runner.query(
      `SELECT ${escape('name')} AS name FROM ${escape(MIGRATIONS_TABLE)} ORDER BY ${escape('timestamp')}, ${escape('id')}`,
    );
    return rows.map((row) => row.name);
  } finally {
    await runner.release();
  }
}
