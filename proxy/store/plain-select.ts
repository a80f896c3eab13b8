/**
 * Rows of one table — every row, or those whose given columns equal given values — in a fixed order, without
 * TypeORM's query builder and entity transformer. `find()` re-derives its SELECT from the metadata on every call
 * and hydrates through the entity transformer: for the account list, which routing re-reads at most once a second
 * and therefore on almost every request of a lightly used proxy, that was about 0.8 ms before the request could be
 * sent upstream, and an API key's lookup on every request cost it again (bench/results/proxy-hot-path.md). Here
 * the statement is built once per data source and each value is hydrated by the driver's own
 * `prepareHydratedValue` — the per-column conversion `find()` applies (dates, booleans, numbers, JSON,
 * transformers) — so the rows are the ones `find()` returns, minus the omitted columns.
 */
import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { quoteIdentifier } from './sql.ts';

type ColumnMetadata = ReturnType<DataSource['getMetadata']>['columns'][number];

interface Plan {
  sql: string;
  columns: ColumnMetadata[];
  /** The filter's columns, in the order of the values `rows` takes. */
  where: ColumnMetadata[];
}

export class PlainSelect<Row extends ObjectLiteral, Omitted extends keyof Row = never> {
  readonly #entity: EntitySchema<Row>;
  readonly #omit: ReadonlySet<string>;
  readonly #orderBy: readonly (keyof Row & string)[];
  readonly #where: readonly (keyof Row & string)[];
  readonly #forUpdate: boolean;
  readonly #plans = new WeakMap<DataSource, Plan>();

  /**
   * `omit`: columns not read (large or secret ones the caller never needs); `orderBy`: ascending, in this order;
   * `where`: columns the rows must equal, given to `rows` in this order; `forUpdate`: on PostgreSQL the rows are
   * locked until the transaction ends, as `find()` with a pessimistic write lock does (SQLite locks the whole
   * database for a writer anyway).
   */
  constructor(
    entity: EntitySchema<Row>,
    options: { omit?: readonly Omitted[]; orderBy: readonly (keyof Row & string)[]; where?: readonly (keyof Row & string)[]; forUpdate?: boolean },
  ) {
    this.#entity = entity;
    this.#omit = new Set((options.omit ?? []).map(String));
    this.#orderBy = options.orderBy;
    this.#where = options.where ?? [];
    this.#forUpdate = options.forUpdate ?? false;
  }

  /** The rows whose `where` columns equal `values`, in order (every row when there is no filter). */
  async rows(manager: EntityManager, ...values: unknown[]): Promise<Omit<Row, Omitted>[]> {
    const plan = this.#plan(manager.connection);
    if (values.length !== plan.where.length) throw new Error(`expected ${plan.where.length} filter values, got ${values.length}`);
    const driver = manager.connection.driver;
    const parameters = plan.where.map((column, i) => driver.preparePersistentValue(values[i], column) as unknown);
    const raw = (await manager.query(plan.sql, parameters)) as Record<string, unknown>[];
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
    const columnOf = (property: string): ColumnMetadata => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column ${property}`);
      return column;
    };
    const columns = metadata.columns.filter((column) => !this.#omit.has(column.propertyName));
    const where = this.#where.map(columnOf);
    const filter = where.map((column, i) => `${quoteIdentifier(column.databaseName)} = ${dataSource.driver.createParameter(column.databaseName, i)}`);
    const order = this.#orderBy.map((property) => `${quoteIdentifier(columnOf(property).databaseName)} ASC`);
    plan = {
      sql: [
        `SELECT ${columns.map((c) => quoteIdentifier(c.databaseName)).join(', ')} FROM ${quoteIdentifier(metadata.tableName)}`,
        ...(filter.length > 0 ? [`WHERE ${filter.join(' AND ')}`] : []),
        `ORDER BY ${order.join(', ')}`,
        ...(this.#forUpdate && dataSource.options.type === 'postgres' ? ['FOR UPDATE'] : []),
      ].join(' '),
      columns,
      where,
    };
    this.#plans.set(dataSource, plan);
    return plan;
  }
}
