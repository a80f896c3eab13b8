/**
 * Failures of the schema runner, each with a stable `code` the CLI maps to an exit code (OPERATOR-CONTRACT.md).
 * Messages never contain connection URLs.
 */

/** The database records migrations this build does not know: it was upgraded by a newer build (a downgrade). */
export class SchemaAheadError extends Error {
  override readonly name = 'SchemaAheadError';
  readonly code = 'schema_ahead';
  readonly unknownRevisions: readonly string[];

  constructor(unknownRevisions: readonly string[]) {
    super(`the database schema is ahead of this build (unknown revisions: ${unknownRevisions.join(', ')}); refusing to downgrade`);
    this.unknownRevisions = unknownRevisions;
  }
}

/** No connection could be made within the allowed time. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  readonly code = 'database_unreachable';

  constructor(waitedMs: number, cause: unknown) {
    super(`database unreachable after ${Math.round(waitedMs / 1000)}s: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The SQLite file or its directory cannot be written (read-only volume, wrong owner): waiting will not fix it, so
 * connection retries stop at once (`permanent`).
 */
export class SqliteNotWritableError extends Error {
  override readonly name = 'SqliteNotWritableError';
  readonly code = 'database_not_writable';
  readonly permanent = true;

  constructor(path: string, cause: unknown) {
    super(`SQLite database ${path} is not writable (${messageOf(cause)}): the proxy needs read-write access to the file and its directory`, { cause });
  }
}

/** Another runner held the migration lock longer than the lock timeout. */
export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
  readonly code = 'migration_lock_timeout';

  constructor(timeoutMs: number) {
    super(`could not take the migration lock within ${Math.round(timeoutMs / 1000)}s: another migration is running`);
  }
}

/** The schema did not reach this build's head in time. */
export class SchemaWaitTimeoutError extends Error {
  override readonly name = 'SchemaWaitTimeoutError';
  readonly code = 'schema_wait_timeout';

  constructor(waitedMs: number, lastSeen: string) {
    super(`schema not at head after ${Math.round(waitedMs / 1000)}s (${lastSeen})`);
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** The schema is behind this build and this process may not migrate it (a migration Job is expected to). */
export class SchemaBehindError extends Error {
  override readonly name = 'SchemaBehindError';
  readonly code = 'schema_behind';

  constructor(current: string | null, head: string) {
    super(`the database schema is at ${current ?? 'no revision'}, this build needs ${head}; run "codex-lb-proxy migrate upgrade"`);
  }
}

/** SQLSTATE codes (and classes) meaning "the server is not there for you right now", not "your query is wrong". */
const UNAVAILABLE_SQLSTATES = ['08', '57P01', '57P02', '57P03', '53300'];
/** Socket-level failures reaching the database server. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** SQLite: locked past the busy timeout, disk or file trouble — the store, not the request, is at fault. */
const UNAVAILABLE_SQLITE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'];
/** node-postgres reports a lost or never-made connection with these messages and no code. */
const UNAVAILABLE_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/i, /not queryable/, /Cannot use a pool after calling end/];

/**
 * Whether an error thrown by a database call means the database is unreachable or unusable for now (an outage,
 * a restart, a locked or full disk), as opposed to a bug in the query. The request path answers these with 503 +
 * Retry-After instead of 500. TypeORM wraps driver errors (`driverError`), and some carry a `cause`: both are followed.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const { code, message, driverError, cause } = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATES.some((prefix) => code.startsWith(prefix))) return true;
    if (UNAVAILABLE_ERRNOS.has(code)) return true;
    if (UNAVAILABLE_SQLITE.some((prefix) => code.startsWith(prefix))) return true;
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (err instanceof AggregateError && err.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
