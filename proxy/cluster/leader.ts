/**
 * Leader election for singleton jobs (usage polling) across replicas (§11.5): a lease on the single
 * `scheduler_leader` row, taken when expired or already ours and renewed every ttl/3, with the
 * database's clock so replicas with skewed clocks agree. Losing a renewal (or two failed attempts)
 * demotes at once; shutdown releases the lease so another replica takes over without waiting.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger.ts';
import { dbNowMs, runSql } from '../store/sql.ts';

export class LeaderElector {
  readonly id = randomUUID();
  readonly #dataSource: DataSource;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  #leader = false;
  #failures = 0;

  constructor(options: { dataSource: DataSource; ttlSeconds: number; logger: Logger }) {
    this.#dataSource = options.dataSource;
    this.#ttlMs = Math.round(options.ttlSeconds * 1000);
    this.#logger = options.logger;
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /** One acquire-or-renew round; returns whether this process holds the lease now. */
  async tryLead(): Promise<boolean> {
    const now = dbNowMs(this.#dataSource);
    await runSql(
      this.#dataSource,
      `INSERT INTO scheduler_leader (id, leader_id, acquired_at, expires_at)
       VALUES (1, :id, ${now}, ${now} + :ttl)
       ON CONFLICT (id) DO UPDATE SET
         acquired_at = CASE WHEN scheduler_leader.leader_id = excluded.leader_id THEN scheduler_leader.acquired_at ELSE excluded.acquired_at END,
         leader_id = excluded.leader_id,
         expires_at = excluded.expires_at
       WHERE scheduler_leader.expires_at < ${now} OR scheduler_leader.leader_id = excluded.leader_id`,
      { id: this.id, ttl: this.#ttlMs },
    );
    const rows = await runSql<{ leader: string }>(
      this.#dataSource,
      `SELECT leader_id AS leader FROM scheduler_leader WHERE id = 1 AND expires_at > ${now}`,
      {},
    );
    return rows[0]?.leader === this.id;
  }

  /** Keeps the lease fresh until `signal` aborts, then releases it. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        this.#set(await this.tryLead());
        this.#failures = 0;
      } catch (err) {
        this.#failures += 1;
        if (this.#failures >= 2) this.#set(false);
        this.#logger.warn('leader lease round failed', { err });
      }
      await sleep(this.#ttlMs / 3, undefined, { signal }).catch(() => undefined);
    }
    await this.release();
  }

  async release(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    await runSql(this.#dataSource, 'UPDATE scheduler_leader SET expires_at = 0 WHERE id = 1 AND leader_id = :id', { id: this.id }).catch(() => undefined);
  }

  #set(leader: boolean): void {
    if (leader !== this.#leader) this.#logger.info(leader ? 'became leader' : 'lost leadership', { leaderId: this.id });
    this.#leader = leader;
  }
}
