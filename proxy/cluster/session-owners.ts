/**
 * The durable owner of each Codex session (reference/proxy-contract.md §11.2 `http_bridge_sessions`):
 * which replica holds the session's upstream socket, until its lease runs out. Any replica reads it to
 * route a turn; the replica that serves a turn claims it. A claim by another replica bumps the epoch,
 * so the previous owner can tell its socket no longer carries the conversation.
 */
import type { DataSource } from 'typeorm';
import { dbNowMs, runSql } from '../store/sql.ts';

/** Released and expired rows older than this are deleted. */
const PURGE_AFTER_MS = 24 * 3600_000;

export interface SessionOwner {
  instanceId: string;
  epoch: number;
  /** The lease has not run out (database clock). */
  leaseLive: boolean;
}

interface OwnerRecord {
  owner_instance_id: string;
  owner_epoch: number | string;
  live: boolean | number | string;
}

export class SessionOwnerStore {
  readonly #dataSource: DataSource;

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
  }

  get #now(): string {
    return dbNowMs(this.#dataSource);
  }

  async get(sessionKey: string): Promise<SessionOwner | undefined> {
    const [row] = await runSql<OwnerRecord>(
      this.#dataSource,
      `SELECT owner_instance_id, owner_epoch, CASE WHEN lease_expires_at > ${this.#now} THEN 1 ELSE 0 END AS live
       FROM http_bridge_sessions WHERE session_key = :key`,
      { key: sessionKey },
    );
    if (!row) return undefined;
    return { instanceId: row.owner_instance_id, epoch: Number(row.owner_epoch), leaseLive: Number(row.live) === 1 };
  }

  /** Makes `self` the owner for `leaseMs` from now; returns the epoch (unchanged when it already owned it). */
  async claim(sessionKey: string, self: string, leaseMs: number): Promise<number> {
    const now = this.#now;
    const [row] = await runSql<{ owner_epoch: number | string }>(
      this.#dataSource,
      `INSERT INTO http_bridge_sessions (session_key, owner_instance_id, owner_epoch, lease_expires_at, created_at, updated_at)
       VALUES (:key, :self, 1, ${now} + :lease, ${now}, ${now})
       ON CONFLICT (session_key) DO UPDATE SET
         owner_epoch = CASE WHEN http_bridge_sessions.owner_instance_id = excluded.owner_instance_id
                            THEN http_bridge_sessions.owner_epoch ELSE http_bridge_sessions.owner_epoch + 1 END,
         owner_instance_id = excluded.owner_instance_id,
         lease_expires_at = excluded.lease_expires_at,
         updated_at = excluded.updated_at
       RETURNING owner_epoch`,
      { key: sessionKey, self, lease: Math.round(leaseMs) },
    );
    return Number(row?.owner_epoch ?? 1);
  }

  /** Extends `self`'s lease, unless another replica claimed the session since `epoch`. */
  async renew(sessionKey: string, self: string, epoch: number, leaseMs: number): Promise<void> {
    await runSql(
      this.#dataSource,
      `UPDATE http_bridge_sessions SET lease_expires_at = ${this.#now} + :lease, updated_at = ${this.#now}
       WHERE session_key = :key AND owner_instance_id = :self AND owner_epoch = :epoch`,
      { key: sessionKey, self, epoch, lease: Math.round(leaseMs) },
    );
  }

  /** Ends `self`'s lease on one session (it went idle here), unless another replica claimed it since. */
  async release(sessionKey: string, self: string): Promise<void> {
    await runSql(this.#dataSource, 'UPDATE http_bridge_sessions SET lease_expires_at = 0 WHERE session_key = :key AND owner_instance_id = :self', {
      key: sessionKey,
      self,
    });
  }

  /** Ends every lease `self` holds: it is stopping, its sessions move on their next turn. */
  async releaseAll(self: string): Promise<void> {
    await runSql(this.#dataSource, 'UPDATE http_bridge_sessions SET lease_expires_at = 0 WHERE owner_instance_id = :self', { self });
  }

  async purge(): Promise<void> {
    await runSql(this.#dataSource, `DELETE FROM http_bridge_sessions WHERE lease_expires_at < ${this.#now} - :age`, { age: PURGE_AFTER_MS });
  }
}
