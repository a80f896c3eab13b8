/**
 * Column and key builders for hand-written migrations, in types both SQLite and PostgreSQL accept with the same
 * meaning (see ../columns.ts): one migration file then serves both dialects.
 *
 * Migrations are frozen history: change nothing here that an existing migration uses; add new builders instead.
 */
import type { TableColumnOptions, TableForeignKeyOptions, TableIndexOptions } from 'typeorm';

interface ColumnFlags {
  readonly nullable?: boolean;
  readonly primary?: boolean;
}

function column(name: string, type: string, flags: ColumnFlags, length?: number): TableColumnOptions {
  return {
    name,
    type,
    ...(length === undefined ? {} : { length: String(length) }),
    isNullable: flags.nullable ?? false,
    isPrimary: flags.primary ?? false,
  };
}

export const col = {
  varchar: (name: string, length: number, flags: ColumnFlags = {}) => column(name, 'varchar', flags, length),
  text: (name: string, flags: ColumnFlags = {}) => column(name, 'text', flags),
  integer: (name: string, flags: ColumnFlags = {}) => column(name, 'integer', flags),
  bigint: (name: string, flags: ColumnFlags = {}) => column(name, 'bigint', flags),
  /** Epoch milliseconds. */
  instant: (name: string, flags: ColumnFlags = {}) => column(name, 'bigint', flags),
  double: (name: string, flags: ColumnFlags = {}) => column(name, 'double precision', flags),
  bool: (name: string, flags: ColumnFlags = {}) => column(name, 'boolean', flags),
};

export function index(name: string, ...columnNames: string[]): TableIndexOptions {
  return { name, columnNames };
}

export function foreignKey(
  name: string,
  columnName: string,
  referencedTableName: string,
  onDelete: 'CASCADE' | 'SET NULL',
): TableForeignKeyOptions {
  return { name, columnNames: [columnName], referencedTableName, referencedColumnNames: ['id'], onDelete };
}
