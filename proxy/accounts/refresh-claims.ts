/**
 * Cross-process claim on an account's refresh token (reference/proxy-contract.md §5.2, §15.7).
 *
 * A refresh token is single-use: two processes spending it concurrently get the account `refresh_token_reused`
 * and it needs a human to log in again. The row `account_refresh_claims(account_id)` is taken with one atomic
 * conditional upsert: it succeeds when no row exists or the existing claim has expired. Time comes from the
 * database clock, so replicas need not agree on theirs. The TTL bounds how long a crashed holder blocks others.
 */
import type { DataSource } from 'typeorm';
import { dbNowMs, runSql } from '../store/sql.ts';

export class RefreshClaims {
  readonly #dataSource: DataSource;

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
  }

  /** True when `owner` now holds the claim for `ttlMs`. */
  async tryAcquire(accountId: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = dbNowMs(this.#dataSource);
    const rows = await runSql(
      this.#dataSource,
      `INSERT INTO account_refresh_claims (account_id, claimed_by, claimed_at, claim_expires_at)
       VALUES (:accountId, :owner, ${now}, ${now} + :ttlMs)
       ON CONFLICT (account_id) DO UPDATE SET
         claimed_by = excluded.claimed_by,
         claimed_at = excluded.claimed_at,
         claim_expires_at = excluded.claim_expires_at
       WHERE account_refresh_claims.claim_expires_at < excluded.claimed_at
       RETURNING claimed_by`,
      { accountId, owner, ttlMs: Math.ceil(ttlMs) },
    );
    return rows.length === 1;
  }

  /** Releases the claim if `owner` still holds it (an expired claim may already belong to someone else). */
  async release(accountId: string, owner: string): Promise<void> {
    await runSql(this.#dataSource, 'DELETE FROM account_refresh_claims WHERE account_id = :accountId AND claimed_by = :owner', {
      accountId,
      owner,
    });
  }
}
