/**
 * The single `dashboard_settings` row (created by the migration): run-time routing settings under an optimistic
 * version, and the dashboard password with the generation that ends older sessions.
 */
import type { DataSource } from 'typeorm';
import { DashboardSettingsEntity, type DashboardSettingsRow } from '../../store/entities/dashboard.ts';
import { runSql } from '../../store/sql.ts';

export type RoutingColumns = Partial<Pick<DashboardSettingsRow, 'routingStrategy' | 'stickyThreadsEnabled' | 'preferEarlierResetAccounts'>>;

const COLUMNS: Record<keyof RoutingColumns, string> = {
  routingStrategy: 'routing_strategy',
  stickyThreadsEnabled: 'sticky_threads_enabled',
  preferEarlierResetAccounts: 'prefer_earlier_reset_accounts',
};

export class SettingsRow {
  readonly #dataSource: DataSource;
  readonly #now: () => Date;

  constructor(dataSource: DataSource, now: () => Date = () => new Date()) {
    this.#dataSource = dataSource;
    this.#now = now;
  }

  async read(): Promise<DashboardSettingsRow> {
    const row = await this.#dataSource.getRepository(DashboardSettingsEntity).findOneBy({ id: 1 });
    if (row === null) throw new Error('dashboard_settings row 1 is missing (the Dashboard migration creates it)');
    return row;
  }

  /** Applies `changes` when the row is still at `expectedVersion` (any version when undefined); false on a conflict. */
  async updateRouting(changes: RoutingColumns, expectedVersion: number | undefined): Promise<boolean> {
    const assignments = Object.keys(changes).map((field) => `${COLUMNS[field as keyof RoutingColumns]} = :${field}`);
    const guard = expectedVersion === undefined ? '' : ' AND version = :expectedVersion';
    const rows = await runSql<{ version: number }>(
      this.#dataSource,
      `UPDATE dashboard_settings SET ${[...assignments, 'version = version + 1', 'updated_at = :now'].join(', ')} WHERE id = 1${guard} RETURNING version`,
      { ...bindable(changes), expectedVersion, now: this.#now().getTime() },
    );
    return rows.length === 1;
  }

  /** Stores a new password hash (null removes it) and ends every session opened before. Returns the new generation. */
  async setPassword(hash: string | null, expectedGeneration: number): Promise<number | undefined> {
    const rows = await runSql<{ password_generation: number | string }>(
      this.#dataSource,
      'UPDATE dashboard_settings SET password_hash = :hash, password_generation = password_generation + 1, updated_at = :now ' +
        'WHERE id = 1 AND password_generation = :expectedGeneration RETURNING password_generation',
      { hash, expectedGeneration, now: this.#now().getTime() },
    );
    return rows[0] === undefined ? undefined : Number(rows[0].password_generation);
  }
}

/** better-sqlite3 binds no booleans: 1/0 mean the same to both dialects' boolean columns. */
function bindable(changes: RoutingColumns): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).map(([field, value]) => [field, typeof value === 'boolean' ? Number(value) : value]));
}
