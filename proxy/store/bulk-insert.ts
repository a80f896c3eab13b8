/**
 * A multi-row INSERT of plain entity rows, without TypeORM's query builder. The builder re-derives the
 * statement from entity metadata for every call (expression building, parameter escaping, returning-value
 * bookkeeping): for the request log, written on every proxied request, that was the largest share of the
 * proxy's database CPU (bench/results/proxy-hot-path.md). Here the column list is read from the metadata
 * once, the SQL text is kept per row count — so SQLite's prepared-statement cache in the driver hits — and
 * values go through each column's transformer exactly as the builder would apply it.
 *
 * Only for rows whose columns are all given (no database defaults, generated ids or RETURNING needed).
 */
import type { DataSource, EntityManager, EntitySchema, ObjectLiteral, ValueTransformer } from 'typeorm';
import { quoteIdentifier } from './sql.ts';

interface Column {
  property: string;
  to: ((value: unknown) => unknown) | undefined;
}

interface Plan {
  head: string;
  columns: Column[];
  placeholder: (index: number) => string;
  sql: Map<number, string>;
}

export class BulkInsert<Row extends ObjectLiteral> {
  readonly #entity: EntitySchema<Row>;
  readonly #plans = new WeakMap<DataSource, Plan>();

  constructor(entity: EntitySchema<Row>) {
    this.#entity = entity;
  }

  /** Inserts `rows` in one statement on `manager` (inside its transaction, when it has one). */
  async insert(manager: EntityManager, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const plan = this.#plan(manager.connection);
    const values: unknown[] = [];
    for (const row of rows) {
      for (const column of plan.columns) {
        const value = row[column.property] as unknown;
        values.push(column.to ? column.to(value) : (value ?? null));
      }
    }
    await manager.query(this.#sql(plan, rows.length), values);
  }

  #plan(dataSource: DataSource): Plan {
    let plan = this.#plans.get(dataSource);
    if (plan) return plan;
    const metadata = dataSource.getMetadata(this.#entity);
    const columns = metadata.columns.map((column) => {
      const transformer = column.transformer as ValueTransformer | undefined;
      return { property: column.propertyName, databaseName: column.databaseName, to: transformer ? (value: unknown) => transformer.to(value) ?? null : undefined };
    });
    plan = {
      head: `INSERT INTO ${quoteIdentifier(metadata.tableName)} (${columns.map((c) => quoteIdentifier(c.databaseName)).join(', ')}) VALUES `,
      columns,
      placeholder: dataSource.options.type === 'postgres' ? (index) => `$${index + 1}` : () => '?',
      sql: new Map(),
    };
    this.#plans.set(dataSource, plan);
    return plan;
  }

  #sql(plan: Plan, rowCount: number): string {
    let sql = plan.sql.get(rowCount);
    if (sql !== undefined) return sql;
    const width = plan.columns.length;
    const tuples = Array.from({ length: rowCount }, (_, row) => `(${Array.from({ length: width }, (_, column) => plan.placeholder(row * width + column)).join(', ')})`);
    sql = plan.head + tuples.join(', ');
    plan.sql.set(rowCount, sql);
    return sql;
  }
}
