/**
 * Dashboard sessions in the database (every replica honours a session any replica opened). The id is 32 random
 * bytes, given to the browser once in the cookie; the table keeps only its sha256, so reading the database does
 * not let anyone replay a session. A session dies at `expiresAt`, on logout, or when the password changes
 * (`passwordGeneration` no longer matches the settings row).
 */
import { createHash, randomBytes } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { DashboardSessionEntity, type DashboardSessionRow } from '../../store/entities/dashboard.ts';

/** How a session was opened. */
export type SessionMethod = 'password' | 'local' | 'trusted_header' | 'disabled';

export interface OpenSession {
  readonly method: SessionMethod;
  readonly subject: string;
  readonly passwordGeneration: number;
  readonly expiresAt: Date;
}

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

const hashOf = (id: string): string => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  readonly #dataSource: DataSource;
  readonly #now: () => Date;

  constructor(dataSource: DataSource, now: () => Date = () => new Date()) {
    this.#dataSource = dataSource;
    this.#now = now;
  }

  /** Opens a session; returns its id (the cookie value). Expired sessions are swept on the way. */
  async create(session: Omit<OpenSession, 'expiresAt'>): Promise<{ id: string; expiresAt: Date }> {
    const now = this.#now();
    const repository = this.#dataSource.getRepository(DashboardSessionEntity);
    await repository.delete({ expiresAt: LessThan(now) });
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    const row: DashboardSessionRow = { idHash: hashOf(id), ...session, createdAt: now, expiresAt };
    await repository.insert(row);
    return { id, expiresAt };
  }

  /** The session behind a cookie value, when it exists, has not expired and predates no password change. */
  async find(id: string, passwordGeneration: number): Promise<OpenSession | undefined> {
    const row = await this.#dataSource.getRepository(DashboardSessionEntity).findOneBy({ idHash: hashOf(id) });
    if (row === null || row.expiresAt.getTime() <= this.#now().getTime() || row.passwordGeneration !== passwordGeneration) return undefined;
    return { method: row.method as SessionMethod, subject: row.subject, passwordGeneration: row.passwordGeneration, expiresAt: row.expiresAt };
  }

  async delete(id: string): Promise<void> {
    await this.#dataSource.getRepository(DashboardSessionEntity).delete({ idHash: hashOf(id) });
  }
}
