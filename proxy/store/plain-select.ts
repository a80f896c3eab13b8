/**
 * Every row of one table, in a fixed order, without TypeORM's query builder and entity transformer. `find()`
 * re-derives its SELECT from the metadata on every call and hydrates through the entity transformer: for the
 * account list, which routing re-reads at most once a second and therefore on almost every request of a
 * lightly used proxy, that was about 0.8 ms before the request could be sent upstream
 * (bench/results/proxy-hot-path.md). Here the statement is built once per data source and each value is
 * hydrated by the driver's own `prepareHydratedValue` — the per-column conversion `find()` applies (dates,
 * booleans, numbers, transformers) — so the rows are the ones `find()` returns, minus the omitted columns.
 */
import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { quoteIdentifier } from './sql.ts';

type ColumnMetadata = ReturnType<DataSource['getMetadata']>['columns'][number];

interface Plan {
  sql: string;
  columns: ColumnMetadata[];
}

export class PlainSelect<Row extends ObjectLiteral, Omitted extends keyof Row = never> {
  readonly #entity: EntitySchema<Row>;
  readonly #omit: ReadonlySet<string>;
  readonly #orderBy: readonly (keyof Row & string)[];
  readonly #plans = new WeakMap<DataSource, Plan>();

  /** `omit`: columns not read (large or secret ones the caller never needs); `orderBy`: ascending, in this order. */
  constructor(entity: EntitySchema<Row>, options: { omit?: readonly Omitted[]; orderBy: readonly (keyof Row & string)[] }) {
    this.#entity = entity;
    this.#omit = new Set((options.omit ?? []).map(String));
    this.#orderBy = options.orderBy;
  }

  async all(manager: EntityManager): Promise<Omit<Row, Omitted>[]> {
    const plan = this.#plan(manager.connection);
    const raw = (await manager.query(plan.sql)) as Record<string, unknown>[];
    const driver = manager.connection.driver;
    return raw.map((record) => {
      const row: Record<string, unknown> = {};
      for (const column of plan.columns) row[column.propertyName] = driver.prepareHydratedValue(record[column.databaseName], column);
      return row as Omit<Row, Omitted>;
    });
  }

  #plan(dataSource: DataSource): Plan {
    let plan = this.#plans.get(dataSource);
    if (plan) return plan;
    const metadata = dataSource.getMetadata(this.#entity);
    const columns = metadata.columns.filter((column) => !this.#omit.has(column.propertyName));
    const order = this.#orderBy.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column ${property}`);
      return `${quoteIdentifier(column.databaseName)} ASC`;
    });
    plan = {
      sql: `SELECT ${columns.map((c) => quoteIdentifier(c.databaseName)).join(', ')} FROM ${quoteIdentifier(metadata.tableName)} ORDER BY ${order.join(', ')}`,
      columns,
    };
    this.#plans.set(dataSource, plan);
    return plan;
  }
}
