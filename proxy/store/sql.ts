/**
 * Raw SQL that must behave the same on SQLite and PostgreSQL: named `:parameters` are rewritten into each
 * driver's placeholders by TypeORM's own escaper, and `DB_NOW_MS` reads the database's clock so replicas with
 * skewed clocks still agree on time-to-live comparisons.
 */
import type { DataSource, EntityManager, ObjectLiteral } from 'typeorm';

/** A table or column name as a quoted SQL identifier (the same syntax on both dialects). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The database clock in epoch milliseconds, as an SQL expression for this dialect. */
export function dbNowMs(dataSource: DataSource): string {
  return dataSource.options.type === 'postgres'
    ? '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

export async function runSql<T = ObjectLiteral>(
  executor: DataSource | EntityManager,
  sql: string,
  parameters: ObjectLiteral,
): Promise<T[]> {
  const dataSource = 'manager' in executor ? executor : executor.connection;
  const [query, values] = dataSource.driver.escapeQueryWithParameters(sql, dataSource.options.type === 'postgres' ? parameters : integersBound(parameters));
  const rows: unknown = await executor.query(query, values);
  // TypeORM's PostgreSQL driver answers UPDATE and DELETE with [rows, affectedCount] (rows being what
  // RETURNING selected); every other statement, and every statement on SQLite, with the rows alone.
  if (Array.isArray(rows) && rows.length === 2 && Array.isArray(rows[0]) && typeof rows[1] === 'number') return rows[0] as T[];
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/**
 * TypeORM's SQLite escaper writes numbers into the SQL text, so every distinct value makes a distinct statement:
 * prepared anew on each call, and pushing the statements the request path reuses out of the driver's 100-entry
 * cache. Integers are passed as BigInt instead, which the escaper binds and better-sqlite3 binds as INTEGER — the
 * value the literal had. (A fraction stays written into the text; none of our statements takes one per request.)
 */
function integersBound(parameters: ObjectLiteral): ObjectLiteral {
  const bound: ObjectLiteral = {};
  for (const [name, value] of Object.entries(parameters)) bound[name] = Number.isSafeInteger(value) ? BigInt(value as number) : value;
  return bound;
}
