/**
 * `api_keys` and their limits (reference/proxy-contract.md §9.2). The plaintext key is never stored: `key_hash` is
 * sha256(plaintext) in hex, `key_prefix` its first 15 characters for display.
 */
import { EntitySchema } from 'typeorm';
import { bigintColumn, bool, instant, varchar } from '../columns.ts';

export const LIMIT_TYPES = ['total_tokens', 'input_tokens', 'output_tokens', 'cost_usd', 'credits'] as const;
export type LimitType = (typeof LIMIT_TYPES)[number];

export const LIMIT_WINDOWS = ['daily', 'weekly', 'monthly', '5h', '7d'] as const;
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];

export interface ApiKeyRow {
  id: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  /** null = every model. */
  allowedModels: string[] | null;
  expiresAt: Date | null;
  isActive: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ApiKeyLimitRow {
  id: string;
  apiKeyId: string;
  limitType: LimitType;
  limitWindow: LimitWindow;
  /** Tokens, or micro-dollars for `cost_usd` (upstream stores cost limits ×1e6). */
  maxValue: number;
  currentValue: number;
  /** null = applies to every model. */
  modelFilter: string | null;
  /** End of the current window. */
  resetAt: Date;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: varchar(36, { primary: true }),
    name: varchar(128),
    keyHash: varchar(64),
    keyPrefix: varchar(16),
    allowedModels: { type: 'simple-json', nullable: true },
    expiresAt: instant({ nullable: true }),
    isActive: bool(),
    createdAt: instant(),
    lastUsedAt: instant({ nullable: true }),
  },
  uniques: [{ name: 'uq_api_keys_key_hash', columns: ['keyHash'] }],
});

export const ApiKeyLimitEntity = new EntitySchema<ApiKeyLimitRow>({
  name: 'ApiKeyLimit',
  tableName: 'api_key_limits',
  columns: {
    id: varchar(36, { primary: true }),
    apiKeyId: varchar(36),
    limitType: varchar(16),
    limitWindow: varchar(16),
    maxValue: bigintColumn(),
    currentValue: bigintColumn(),
    modelFilter: varchar(128, { nullable: true }),
    resetAt: instant(),
  },
  indices: [{ name: 'ix_api_key_limits_api_key_id', columns: ['apiKeyId'] }],
  foreignKeys: [
    {
      name: 'fk_api_key_limits_api_key',
      target: 'ApiKey',
      columnNames: ['apiKeyId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});

export const RESERVATION_STATUSES = ['reserved', 'finalized', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** Budget held against an API key's limits while a request runs (§9.3); settled with the actual usage. */
export interface UsageReservationRow {
  id: string;
  apiKeyId: string;
  model: string;
  status: ReservationStatus;
  /** The instance id of the process that made it (null: made before holders were recorded). */
  holder: string | null;
  createdAt: Date;
  /** Heart-beaten while the request runs: a reservation that stops moving was abandoned. */
  updatedAt: Date;
}

/** How much one reservation added to one limit, and the window it was added in. */
export interface UsageReservationItemRow {
  reservationId: string;
  limitId: string;
  reservedDelta: number;
  actualDelta: number | null;
  /** The limit's `reset_at` when reserved: if the window rolled since, settling must not touch the new window. */
  windowResetAt: Date;
}

export const UsageReservationEntity = new EntitySchema<UsageReservationRow>({
  name: 'UsageReservation',
  tableName: 'api_key_usage_reservations',
  columns: {
    id: varchar(40, { primary: true }),
    apiKeyId: varchar(36),
    model: varchar(128),
    status: varchar(16),
    holder: varchar(128, { nullable: true }),
    createdAt: instant(),
    updatedAt: instant(),
  },
  indices: [
    { name: 'ix_api_key_usage_reservations_api_key_id', columns: ['apiKeyId'] },
    { name: 'ix_api_key_usage_reservations_status_updated_at', columns: ['status', 'updatedAt'] },
  ],
  foreignKeys: [
    {
      name: 'fk_api_key_usage_reservations_api_key',
      target: 'ApiKey',
      columnNames: ['apiKeyId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});

export const UsageReservationItemEntity = new EntitySchema<UsageReservationItemRow>({
  name: 'UsageReservationItem',
  tableName: 'api_key_usage_reservation_items',
  columns: {
    reservationId: varchar(40, { primary: true }),
    limitId: varchar(36, { primary: true }),
    reservedDelta: bigintColumn(),
    actualDelta: bigintColumn({ nullable: true }),
    windowResetAt: instant(),
  },
  foreignKeys: [
    {
      name: 'fk_api_key_usage_reservation_items_reservation',
      target: 'UsageReservation',
      columnNames: ['reservationId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
    {
      name: 'fk_api_key_usage_reservation_items_limit',
      target: 'ApiKeyLimit',
      columnNames: ['limitId'],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ],
});
