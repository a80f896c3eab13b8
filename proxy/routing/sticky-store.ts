/**
 * Affinity mappings in the shared `sticky_sessions` table (§7.4), so every replica routes a session
 * or prompt-cache key to the same account. Durable rows (hard affinity) have no expiry; TTL rows
 * (prompt cache) read as absent once expired.
 */
import type { DataSource } from 'typeorm';
import { StickySessionEntity } from '../store/entities/coordination.ts';
import type { StickyKind } from './affinity.ts';
import type { AffinityStore } from './ports.ts';

export class StoredAffinity implements AffinityStore {
  readonly #dataSource: DataSource;

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
  }

  async get(kind: StickyKind, key: string): Promise<string | undefined> {
    const row = await this.#dataSource.getRepository(StickySessionEntity).findOneBy({ kind, key });
    if (row === null || (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now())) return undefined;
    return row.accountId;
  }

  async set(kind: StickyKind, key: string, accountId: string, ttlSeconds: number | null): Promise<void> {
    const now = new Date();
    const repository = this.#dataSource.getRepository(StickySessionEntity);
    const existing = await repository.findOneBy({ kind, key });
    const expiresAt = ttlSeconds === null ? null : new Date(now.getTime() + ttlSeconds * 1000);
    await repository.upsert({ kind, key, accountId, createdAt: existing?.createdAt ?? now, updatedAt: now, expiresAt }, ['key', 'kind']);
  }
}
