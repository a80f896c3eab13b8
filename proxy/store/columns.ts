/**
 * Column shapes shared by the entity schemas, chosen to mean the same thing on SQLite and PostgreSQL.
 *
 * Instants are stored as epoch milliseconds in BIGINT columns: both dialects compare them as numbers, SQL can
 * compute them from either database clock, and nothing depends on the session time zone. Rows see `Date`.
 * PostgreSQL returns BIGINT as a string (node-pg keeps 64-bit precision); values here stay below 2^53, so they are
 * converted per column instead of switching node-pg's process-wide `parseInt8`.
 */
import type { EntitySchemaColumnOptions, ValueTransformer } from 'typeorm';

const epochMs: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.getTime() : value),
  from: (value: string | number | null) => (value === null ? null : new Date(Number(value))),
};

const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

export function instant(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'bigint', nullable: options.nullable ?? false, transformer: epochMs };
}

export function bigintColumn(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'bigint', nullable: options.nullable ?? false, transformer: bigintNumber };
}

export function varchar(length: number, options: { nullable?: boolean; primary?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'varchar', length, nullable: options.nullable ?? false, primary: options.primary ?? false };
}

export function text(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'text', nullable: options.nullable ?? false };
}

export function integer(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'integer', nullable: options.nullable ?? false };
}

export function double(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'double precision', nullable: options.nullable ?? false };
}

export function bool(options: { nullable?: boolean } = {}): EntitySchemaColumnOptions {
  return { type: 'boolean', nullable: options.nullable ?? false };
}
