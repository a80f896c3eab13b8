/**
 * The startup schema policy of a process that uses the database (`serve`, `accounts import`; OPERATOR-CONTRACT.md):
 * migrate to head when `CODEX_LB_DATABASE_MIGRATE_ON_STARTUP` allows it, otherwise require head and refuse to run.
 * A schema ahead of this build is always refused.
 */
import type { DataSource } from 'typeorm';
import { SchemaAheadError, SchemaBehindError } from './errors.ts';
import * as migrator from './migrator.ts';

export interface SchemaGateOptions {
  readonly migrateOnStartup: boolean;
  readonly lockTimeoutMs: number;
}

/** Resolves at head; throws SchemaAheadError, SchemaBehindError, or the migration's own failure. */
export async function prepareSchema(dataSource: DataSource, options: SchemaGateOptions): Promise<migrator.SchemaState> {
  const state = await migrator.readState(dataSource);
  if (state.status === 'at_head') return state;
  if (state.status === 'ahead') throw new SchemaAheadError(state.unknown);
  if (!options.migrateOnStartup) throw new SchemaBehindError(state.current, state.head);
  return (await migrator.upgrade(dataSource, { lockTimeoutMs: options.lockTimeoutMs })).state;
}
