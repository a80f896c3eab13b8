/**
 * Rows of one table — every row, or those whose given columns equal given values — in a fixed order, without
 * TypeORM's query builder and entity transformer. `find()` re-derives its SELECT from the metadata on every call
 * and hydrates through the entity transformer: for the account list, which routing re-reads at most once a second
 * and therefore on almost every request of a lightly used proxy, that was about 0.8 ms before the request could be
 * sent upstream, and an API key's lookup on every request cost it again (bench/results/proxy-hot-path.md). Here
 * the statement is built once per data source and each value is hydrated by the driver's own
 * `prepareHydratedValue` — the per-column conversion `find()` applies (dates, booleans, numbers, JSON,
 * transformers) — so the rows are the ones `find()` returns, minus the omitted columns.
 *
 * A select may also count each row's children in another table (`counts`), in the same statement: an API key's
 * lookup learns whether the key has limits at all without a second round trip.
 */
import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { quoteIdentifier } from './sql.ts';

type ColumnMetadata = ReturnType<DataSource['getMetadata']>['columns'][number];

interface Plan {
  sql: string;
  columns: ColumnMetadata[];
  /** The filter's columns, in the order of the values `rows` takes. */
  where: ColumnMetadata[];
  /** The names the child counts are selected as. */
  counts: string[];
}

/** Rows of `entity` whose `foreignKey` column holds the selected row's (single-column) primary key. */
export interface ChildCount {
  readonly entity: EntitySchema<ObjectLiteral>;
  readonly foreignKey: string;
}

export class PlainSelect<Row extends ObjectLiteral, Omitted extends keyof Row = never, Counted extends string = never> {
  readonly #entity: EntitySchema<Row>;
  readonly #omit: ReadonlySet<string>;
  readonly #orderBy: readonly (keyof Row & string)[];
  readonly #where: readonly (keyof Row & string)[];
  readonly #forUpdate: boolean;
  readonly #counts: Readonly<Record<Counted, ChildCount>> | undefined;
  readonly #plans = new WeakMap<DataSource, Plan>();

  /**
   * `omit`: columns not read (large or secret ones the caller never needs); `orderBy`: ascending, in this order;
   * `where`: columns the rows must equal, given to `rows` in this order; `forUpdate`: on PostgreSQL the rows are
   * locked until the transaction ends, as `find()` with a pessimistic write lock does (SQLite locks the whole
   * database for a writer anyway); `counts`: each row also carries, under each name, how many children it has.
   */
  constructor(
    entity: EntitySchema<Row>,
    options: {
      omit?: readonly Omitted[];
      orderBy: readonly (keyof Row & string)[];
      where?: readonly (keyof Row & string)[];
      forUpdate?: boolean;
      counts?: Readonly<Record<Counted, ChildCount>>;
    },
  ) {
    this.#entity = entity;
    this.#omit = new Set((options.omit ?? []).map(String));
    this.#orderBy = options.orderBy;
    this.#where = options.where ?? [];
    this.#forUpdate = options.forUpdate ?? false;
    this.#counts = options.counts;
  }

  /** The rows whose `where` columns equal `values`, in order (every row when there is no filter). */
  async rows(manager: EntityManager, ...values: unknown[]): Promise<(Omit<Row, Omitted> & Record<Counted, number>)[]> {
    const plan = this.#plan(manager.connection);
    if (values.length !== plan.where.length) throw new Error(`expected ${plan.where.length} filter values, got ${values.length}`);
    const driver = manager.connection.driver;
    const parameters = plan.where.map((column, i) => driver.preparePersistentValue(values[i], column) as unknown);
    const raw = (await manager.query(plan.sql, parameters)) as Record<string, unknown>[];
    return raw.map((record) => {
      const row: Record<string, unknown> = {};
      for (const column of plan.columns) row[column.propertyName] = driver.prepareHydratedValue(record[column.databaseName], column);
      // PostgreSQL's COUNT is a bigint, which pg hands over as a string.
      for (const name of plan.counts) row[name] = Number(record[name]);
      return row as Omit<Row, Omitted> & Record<Counted, number>;
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
    const table = quoteIdentifier(metadata.tableName);
    const counts = Object.entries<ChildCount>(this.#counts ?? {}).map(([name, { entity, foreignKey }]) => {
      const child = dataSource.getMetadata(entity);
      const [primary] = metadata.primaryColumns;
      const key = child.findColumnWithPropertyName(foreignKey);
      if (!primary || metadata.primaryColumns.length !== 1 || !key) throw new Error(`cannot count ${child.name} by ${foreignKey} under ${metadata.name}`);
      const childTable = quoteIdentifier(child.tableName);
      return {
        name,
        sql: `(SELECT COUNT(*) FROM ${childTable} WHERE ${childTable}.${quoteIdentifier(key.databaseName)} = ${table}.${quoteIdentifier(primary.databaseName)}) AS ${quoteIdentifier(name)}`,
      };
    });
    const selected = [...columns.map((c) => quoteIdentifier(c.databaseName)), ...counts.map((count) => count.sql)];
    plan = {
      sql: [
        `SELECT ${selected.join(', ')} FROM ${table}`,
        ...(filter.length > 0 ? [`WHERE ${filter.join(' AND ')}`] : []),
        `ORDER BY ${order.join(', ')}`,
        ...(this.#forUpdate && dataSource.options.type === 'postgres' ? ['FOR UPDATE'] : []),
      ].join(' '),
      columns,
      where,
      counts: counts.map((count) => count.name),
    };
    this.#plans.set(dataSource, plan);
    return plan;
  }
}
