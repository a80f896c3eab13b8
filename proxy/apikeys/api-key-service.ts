/**
 * API-key enforcement for the request path (reference/proxy-contract.md §9.1, §9.3):
 *
 *   const key = await apiKeys.verify(bearerToken);          // 401 invalid_api_key
 *   apiKeys.assertModelAllowed(key, model);                  // 403 model_not_allowed
 *   const reservation = await apiKeys.reserve(key, { model }); // 429 rate_limit_exceeded
 *   … proxy the request …
 *   await apiKeys.settle(reservation, usage, serviceTier);   // or apiKeys.release(reservation) on failure
 *
 * A reservation holds budget on every applicable limit while the request runs, so concurrent requests cannot
 * overshoot a limit by more than their estimates; settling swaps the estimate for the actual usage.
 *
 * A process that dies mid-request (`kill -9`, OOM) never settles: its reservations are given back by
 * `reclaimAbandoned` — at startup for everything the same instance id held (its predecessor is dead), and
 * periodically (ReservationKeeper) for reservations whose heartbeat stopped, whoever held them.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  ApiKeyEntity,
  ApiKeyLimitEntity,
  UsageReservationEntity,
  UsageReservationItemEntity,
  type ApiKeyLimitRow,
  type ApiKeyRow,
  type UsageReservationItemRow,
} from '../store/entities/api-key.ts';
import { BulkInsert } from '../store/bulk-insert.ts';
import { PlainSelect } from '../store/plain-select.ts';
import { runSql } from '../store/sql.ts';
import { withTransaction } from '../store/transaction.ts';
import { WriteBatch } from '../store/write-batch.ts';
import type { TokenUsage } from '../usage/pricing.ts';
import { ApiKeyError } from './errors.ts';
import { hashApiKey } from './key-format.ts';
import { actualUsage, reservationBudget, rolledResetAt, type RequestEstimate } from './limits.ts';

/**
 * A verified key as the request path sees it: no hash, and how many limits it had when it was read. A key with
 * none needs no second read to learn that no limit applies to its request (`reserve`).
 */
export type VerifiedApiKey = Readonly<Omit<ApiKeyRow, 'keyHash'>> & { readonly limitsSeen: LimitsSeen };

/** How many limits a key had, read with it at `at` (epoch ms). */
export interface LimitsSeen {
  readonly count: number;
  readonly at: number;
}

/** Budget held for one request; null from reserve() when the key has no applicable limit. */
export interface Reservation {
  readonly id: string;
  readonly apiKeyId: string;
  readonly model: string;
}

export interface ApiKeyServiceOptions {
  readonly dataSource: DataSource;
  /** This process's instance id, recorded on its reservations. @default null */
  readonly holder?: string | null;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Which abandoned reservations to give back: those of a dead holder, and/or those not heart-beaten since a time. */
export interface AbandonedReservations {
  readonly holder?: string;
  readonly staleBefore?: Date;
}

/*
 * The statements of the request path — a key by its hash (with how many limits it has), its limits, and a
 * reservation made and settled — built once instead of by TypeORM's query builder on every call
 * (store/plain-select.ts, store/bulk-insert.ts): with a limit, that builder work was most of a request's database
 * time (bench/results/proxy-hot-path.md).
 */
const keyByHash = new PlainSelect<ApiKeyRow, never, 'limitCount'>(ApiKeyEntity, {
  where: ['keyHash'],
  orderBy: ['id'],
  counts: { limitCount: { entity: ApiKeyLimitEntity, foreignKey: 'apiKeyId' } },
});
const limitsOfKey = new PlainSelect<ApiKeyLimitRow>(ApiKeyLimitEntity, { where: ['apiKeyId'], orderBy: ['id'] });
const lockedLimitsOfKey = new PlainSelect<ApiKeyLimitRow>(ApiKeyLimitEntity, { where: ['apiKeyId'], orderBy: ['id'], forUpdate: true });
const limitById = new PlainSelect<ApiKeyLimitRow>(ApiKeyLimitEntity, { where: ['id'], orderBy: ['id'] });
const itemsOfReservation = new PlainSelect<UsageReservationItemRow>(UsageReservationItemEntity, { where: ['reservationId'], orderBy: ['limitId'] });
const reservationInsert = new BulkInsert(UsageReservationEntity);
const itemInsert = new BulkInsert(UsageReservationItemEntity);

/** A limit with no model filter applies to every model; one with a filter to that model, in any case. */
function appliesTo(limit: Pick<ApiKeyLimitRow, 'modelFilter'>, model: string): boolean {
  return limit.modelFilter === null || limit.modelFilter.toLowerCase() === model.toLowerCase();
}

/** How a reservation ends: its status, and the usage to count against each of its limits. */
interface Settlement {
  readonly reservationId: string;
  readonly status: 'finalized' | 'released';
  readonly actual: (limit: ApiKeyLimitRow) => number;
}

/**
 * Settlements of requests that end close together share one transaction (store/write-batch.ts), as request-log rows
 * do: they run after the answer, and one commit for many writes each shared page (the limit's row, the reservations'
 * status index) once. A settlement waits at most this long; a crashed process leaves its batch to
 * reclaimAbandoned, which gives the reserved budget back.
 */
const SETTLEMENT_BATCH_MS = 100;
const SETTLEMENT_BATCH_SIZE = 200;

/** `last_used_at` is written at most this often per key: it is informational, not worth a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * How long a key's limit count, read when it was verified, answers "has it no limits" for `reserve`: an HTTP
 * request is reserved moments after its key was read, a WebSocket session's turns can come hours later. A limit
 * created within this second applies from the next request, as if this one had come a moment earlier — the same
 * bound as the account list routing reads (routing/account-pool.ts).
 */
const LIMITS_SEEN_TTL_MS = 1_000;

export class ApiKeyService {
  readonly #dataSource: DataSource;
  readonly #holder: string | null;
  readonly #now: () => Date;
  /** Reservations this process made and has not settled yet: the ones it heart-beats. */
  readonly #live = new Set<string>();
  readonly #settlements: WriteBatch<Settlement, boolean>;

  constructor(options: ApiKeyServiceOptions) {
    this.#dataSource = options.dataSource;
    this.#holder = options.holder ?? null;
    this.#now = options.now ?? (() => new Date());
    const dataSource = this.#dataSource;
    this.#settlements = new WriteBatch({
      windowMs: SETTLEMENT_BATCH_MS,
      maxItems: SETTLEMENT_BATCH_SIZE,
      write: (settlements) =>
        withTransaction(dataSource, async (manager) => {
          const settled: boolean[] = [];
          for (const settlement of settlements) settled.push(await this.#finish(manager, settlement));
          return settled;
        }),
    });
  }

  /** Ids of this process's open reservations. */
  get liveReservations(): readonly string[] {
    return [...this.#live];
  }

  /** `bearer` is the token after `Bearer ` (undefined when the header is missing). */
  async verify(bearer: string | undefined): Promise<VerifiedApiKey> {
    if (bearer === undefined || bearer.trim() === '') {
      throw new ApiKeyError('invalid_api_key', 'Missing API key in Authorization header');
    }
    const [row] = await keyByHash.rows(this.#dataSource.manager, hashApiKey(bearer.trim()));
    if (row === undefined || !row.isActive) throw new ApiKeyError('invalid_api_key', 'Invalid API key');
    const now = this.#now();
    if (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime()) {
      throw new ApiKeyError('invalid_api_key', 'API key has expired');
    }
    if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.#dataSource.getRepository(ApiKeyEntity).update({ id: row.id }, { lastUsedAt: now });
    }
    const { keyHash: _hash, limitCount, ...key } = row;
    return { ...key, limitsSeen: { count: limitCount, at: now.getTime() } };
  }

  /** Throws 403 model_not_allowed when the key has an allow-list without `model` (case-insensitive). */
  assertModelAllowed(key: Pick<VerifiedApiKey, 'allowedModels'>, model: string): void {
    if (key.allowedModels === null || key.allowedModels.length === 0) return;
    const wanted = model.toLowerCase();
    if (!key.allowedModels.some((allowed) => allowed.toLowerCase() === wanted)) {
      throw new ApiKeyError('model_not_allowed', `This API key does not have access to model '${model}'`);
    }
  }

  /**
   * Reserves budget on every limit that applies to the model (model filter null or equal). Throws 429
   * rate_limit_exceeded when a limit is already used up. Returns null when no limit applies (nothing to settle).
   */
  async reserve(key: Pick<VerifiedApiKey, 'id'> & Partial<Pick<VerifiedApiKey, 'limitsSeen'>>, estimate: RequestEstimate): Promise<Reservation | null> {
    // Most keys have no limit for the model: they need no transaction, nor a wait in SQLite's transaction queue.
    // A limit created meanwhile applies from the next request, as if this one had come a moment earlier.
    const seenAgo = key.limitsSeen === undefined ? Infinity : this.#now().getTime() - key.limitsSeen.at;
    // A negative age is a clock set back since the read: not a reason to trust it for longer.
    if (key.limitsSeen?.count === 0 && seenAgo >= 0 && seenAgo < LIMITS_SEEN_TTL_MS) return null;
    const limits = await limitsOfKey.rows(this.#dataSource.manager, key.id);
    if (!limits.some((limit) => appliesTo(limit, estimate.model))) return null;
    type Outcome = { readonly reservation: Reservation | null } | { readonly exhausted: ApiKeyLimitRow };
    const outcome = await withTransaction(this.#dataSource, async (manager): Promise<Outcome> => {
      const now = this.#now();
      const limits = await this.#applicableLimits(manager, key.id, estimate.model, now);
      if (limits.length === 0) return { reservation: null };
      const exhausted = limits.find((limit) => limit.currentValue >= limit.maxValue);
      if (exhausted !== undefined) return { exhausted };

      const reservation = { id: `ur_${randomUUID().replaceAll('-', '')}`, apiKeyId: key.id, model: estimate.model };
      await reservationInsert.insert(manager, [{ ...reservation, status: 'reserved', holder: this.#holder, createdAt: now, updatedAt: now }]);
      const held = limits.map((limit) => ({ limit, delta: Math.min(reservationBudget(limit.limitType, estimate), limit.maxValue - limit.currentValue) }));
      for (const { limit, delta } of held) {
        await runSql(manager, 'UPDATE api_key_limits SET current_value = :value WHERE id = :id', { value: limit.currentValue + delta, id: limit.id });
      }
      await itemInsert.insert(
        manager,
        held.map(({ limit, delta }) => ({ reservationId: reservation.id, limitId: limit.id, reservedDelta: delta, actualDelta: null, windowResetAt: limit.resetAt })),
      );
      return { reservation };
    });
    // Thrown after the transaction: see withTransaction on why callbacks return expected outcomes instead.
    if ('exhausted' in outcome) throw limitExceeded(outcome.exhausted);
    if (outcome.reservation) this.#live.add(outcome.reservation.id);
    return outcome.reservation;
  }

  /** Marks this process's open reservations as alive (the ReservationKeeper calls it on an interval). */
  async heartbeat(): Promise<void> {
    const ids = this.liveReservations;
    if (ids.length === 0) return;
    await this.#dataSource
      .createQueryBuilder()
      .update(UsageReservationEntity)
      .set({ updatedAt: this.#now() })
      .where('id IN (:...ids) AND status = :reserved', { ids, reserved: 'reserved' })
      .execute();
  }

  /**
   * Releases reservations nobody will settle: those made by `holder` (call at startup with this process's own
   * instance id, before serving — its predecessor of that name is gone) and those whose heartbeat stopped before
   * `staleBefore`. Never touches this process's own live reservations. Returns how many were released.
   */
  async reclaimAbandoned(which: AbandonedReservations): Promise<number> {
    if (which.holder === undefined && which.staleBefore === undefined) return 0;
    const query = this.#dataSource
      .getRepository(UsageReservationEntity)
      .createQueryBuilder('r')
      .select('r.id', 'id')
      .where('r.status = :reserved', { reserved: 'reserved' });
    const clauses: string[] = [];
    if (which.holder !== undefined) clauses.push('r.holder = :holder');
    if (which.staleBefore !== undefined) clauses.push('r.updatedAt < :staleBefore');
    query.andWhere(`(${clauses.join(' OR ')})`, { holder: which.holder, staleBefore: which.staleBefore?.getTime() });
    const rows: Array<{ id: string }> = await query.getRawMany();
    let released = 0;
    for (const { id } of rows) {
      if (this.#live.has(id)) continue;
      const settlement: Settlement = { reservationId: id, status: 'released', actual: () => 0 };
      if (await withTransaction(this.#dataSource, (manager) => this.#finish(manager, settlement))) released += 1;
    }
    return released;
  }

  /** Replaces the reservation's estimates with the actual usage. Settling twice (or after release) does nothing. */
  async settle(reservation: Reservation | null, usage: TokenUsage, serviceTier: string | null): Promise<void> {
    if (reservation === null) return;
    this.#live.delete(reservation.id);
    await this.#settlements.add({
      reservationId: reservation.id,
      status: 'finalized',
      actual: (limit) => actualUsage(limit.limitType, reservation.model, usage, serviceTier),
    });
  }

  /** Gives the reserved budget back (request failed or was cancelled before any usage). */
  async release(reservation: Reservation | null): Promise<void> {
    if (reservation === null) return;
    this.#live.delete(reservation.id);
    await this.#settlements.add({ reservationId: reservation.id, status: 'released', actual: () => 0 });
  }

  /** Settles one reservation inside `manager`'s transaction. True when this call settled it (false: someone else did first). */
  async #finish(manager: EntityManager, { reservationId, status, actual }: Settlement): Promise<boolean> {
    // Compare-and-set on the status: exactly one settle/release wins, whatever the caller does twice.
    const claimed = await runSql(
      manager,
      'UPDATE api_key_usage_reservations SET status = :status, updated_at = :now WHERE id = :id AND status = :reserved RETURNING id',
      { status, now: this.#now().getTime(), id: reservationId, reserved: 'reserved' },
    );
    if (claimed.length !== 1) return false;
    for (const item of await itemsOfReservation.rows(manager, reservationId)) {
      const [limit] = await limitById.rows(manager, item.limitId);
      if (limit === undefined) continue;
      const used = actual(limit);
      await runSql(
        manager,
        'UPDATE api_key_usage_reservation_items SET actual_delta = :used WHERE reservation_id = :reservationId AND limit_id = :limitId',
        { used, reservationId, limitId: item.limitId },
      );
      // Only the window the budget was taken from is corrected; a rolled window starts from zero anyway.
      await runSql(
        manager,
        `UPDATE api_key_limits
         SET current_value = CASE WHEN current_value + :diff < 0 THEN 0 ELSE current_value + :diff END
         WHERE id = :id AND reset_at = :windowResetAt`,
        { diff: used - item.reservedDelta, id: item.limitId, windowResetAt: item.windowResetAt.getTime() },
      );
    }
    return true;
  }

  /** The key's limits for this model, locked for update, with elapsed windows rolled over (and persisted). */
  async #applicableLimits(manager: EntityManager, apiKeyId: string, model: string, now: Date): Promise<ApiKeyLimitRow[]> {
    const limits = await lockedLimitsOfKey.rows(manager, apiKeyId);
    const applicable = limits.filter((limit) => appliesTo(limit, model));
    for (const limit of applicable) {
      const resetAt = rolledResetAt(limit.resetAt, limit.limitWindow, now);
      if (resetAt !== limit.resetAt) {
        limit.resetAt = resetAt;
        limit.currentValue = 0;
        await manager.getRepository(ApiKeyLimitEntity).update({ id: limit.id }, { resetAt, currentValue: 0 });
      }
    }
    return applicable;
  }
}

function limitExceeded(limit: ApiKeyLimitRow): ApiKeyError {
  const forModel = limit.modelFilter === null ? '' : ` for model ${limit.modelFilter}`;
  const resets = limit.resetAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return new ApiKeyError(
    'rate_limit_exceeded',
    `API key ${limit.limitType} ${limit.limitWindow} limit exceeded${forModel}. Usage resets at ${resets}.`,
  );
}
