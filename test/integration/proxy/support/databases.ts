/**
 * The two databases every server suite runs against: SQLite (a file in a temp dir, the embedded
 * default) and PostgreSQL (a throwaway server per test file, one database per proxy).
 */
import { randomBytes } from 'node:crypto';
import { startPostgres, type PostgresServer } from '../../../harness/postgres.ts';

export type DatabaseKind = 'sqlite' | 'postgresql';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgresql'];

export class Databases {
  #postgres: Promise<PostgresServer> | undefined;

  /** A fresh, empty database: its CODEX_LB_DATABASE_URL (unset for SQLite = `<data dir>/store.db`). */
  async fresh(kind: DatabaseKind): Promise<string | undefined> {
    if (kind === 'sqlite') return undefined;
    this.#postgres ??= startPostgres();
    const server = await this.#postgres;
    return server.createDatabase(`proxy_${randomBytes(6).toString('hex')}`);
  }

  async stop(): Promise<void> {
    if (this.#postgres) await (await this.#postgres).stop();
  }
}
