/**
 * The ring of replicas in the shared database (reference/proxy-contract.md §11.2): each replica
 * upserts its row at startup, bumps its heartbeat every 10 s, flags itself draining, and ages its row
 * out when it stops. Liveness is judged on the database's clock, so replicas with skewed clocks agree.
 */
import type { DataSource } from 'typeorm';
import { dbNowMs, runSql } from '../store/sql.ts';

/** A member is live while its last heartbeat is at most this old. */
export const LIVE_WINDOW_MS = 30_000;
/** Rows of members gone longer than this are deleted. */
export const PURGE_AFTER_MS = 24 * 3600_000;

export interface RingMember {
  instanceId: string;
  /** Where peers reach it; null when it advertises nothing (never a forwarding target). */
  endpoint: string | null;
  processId: string;
  draining: boolean;
}

export interface MemberIdentity {
  instanceId: string;
  processId: string;
  endpoint: string | null;
}

interface MemberRecord {
  instance_id: string;
  endpoint_base_url: string | null;
  process_id: string;
  draining: boolean | number | string;
}

const asBoolean = (value: boolean | number | string): boolean => value === true || Number(value) === 1;

export class RingStore {
  readonly #dataSource: DataSource;

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
  }

  get #now(): string {
    return dbNowMs(this.#dataSource);
  }

  /** Members whose heartbeat is fresh, by instance id. */
  async live(): Promise<RingMember[]> {
    const rows = await runSql<MemberRecord>(
      this.#dataSource,
      `SELECT instance_id, endpoint_base_url, process_id, draining FROM bridge_ring_members
       WHERE heartbeat_at >= ${this.#now} - :window ORDER BY instance_id`,
      { window: LIVE_WINDOW_MS },
    );
    return rows.map((row) => ({
      instanceId: row.instance_id,
      endpoint: row.endpoint_base_url,
      processId: row.process_id,
      draining: asBoolean(row.draining),
    }));
  }

  /** Inserts or takes over the row of `self.instanceId` (a restarted replica replaces its previous run). */
  async register(self: MemberIdentity): Promise<void> {
    const now = this.#now;
    await runSql(
      this.#dataSource,
      `INSERT INTO bridge_ring_members (instance_id, endpoint_base_url, process_id, registered_at, heartbeat_at, draining)
       VALUES (:id, :endpoint, :process, ${now}, ${now}, false)
       ON CONFLICT (instance_id) DO UPDATE SET
         endpoint_base_url = excluded.endpoint_base_url, process_id = excluded.process_id,
         registered_at = excluded.registered_at, heartbeat_at = excluded.heartbeat_at, draining = false`,
      { id: self.instanceId, endpoint: self.endpoint, process: self.processId },
    );
  }

  /** Bumps the heartbeat; false when the row is no longer this process's (purged, or taken over). */
  async heartbeat(self: MemberIdentity): Promise<boolean> {
    const rows = await runSql(
      this.#dataSource,
      `UPDATE bridge_ring_members SET heartbeat_at = ${this.#now}
       WHERE instance_id = :id AND process_id = :process RETURNING instance_id`,
      { id: self.instanceId, process: self.processId },
    );
    return rows.length > 0;
  }

  async markDraining(self: MemberIdentity): Promise<void> {
    await runSql(this.#dataSource, 'UPDATE bridge_ring_members SET draining = true WHERE instance_id = :id AND process_id = :process', {
      id: self.instanceId,
      process: self.processId,
    });
  }

  /** Ages the row out at once: the replica is stopping. */
  async leave(self: MemberIdentity): Promise<void> {
    await runSql(this.#dataSource, 'UPDATE bridge_ring_members SET heartbeat_at = 0, draining = true WHERE instance_id = :id AND process_id = :process', {
      id: self.instanceId,
      process: self.processId,
    });
  }

  async purge(): Promise<void> {
    await runSql(this.#dataSource, `DELETE FROM bridge_ring_members WHERE heartbeat_at < ${this.#now} - :age`, { age: PURGE_AFTER_MS });
  }
}
