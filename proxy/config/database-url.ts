/**
 * The database a proxy talks to, parsed from `CODEX_LB_DATABASE_URL`.
 *
 * Accepted forms (OPERATOR-CONTRACT.md): `postgresql://`, `postgres://` and SQLAlchemy-style `postgresql+<driver>://`
 * (the driver suffix is ignored, so upstream codex-lb URLs keep working), plus `sqlite:///<path>` and
 * `sqlite+<driver>:///<path>`. SQLite paths follow SQLAlchemy: three slashes then a relative path, four slashes for an
 * absolute one, `:memory:` for an in-memory database.
 */
export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

const POSTGRES = /^postgres(?:ql)?(?:\+[a-z0-9_]+)?:\/\//i;
const SQLITE = /^sqlite(?:\+[a-z0-9_]+)?:\/\/\//i;

/**
 * Parses a database URL. Throws an error whose message never contains the URL itself: it may carry a password.
 * A relative SQLite path stays relative: it is opened against the working directory, as SQLAlchemy does.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (POSTGRES.test(url)) {
    const normalized = url.replace(POSTGRES, 'postgresql://');
    let parsed: URL;
    try {
      parsed = new URL(normalized);
    } catch {
      throw new Error('not a valid postgresql:// URL');
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      throw new Error('postgresql:// URL has no host');
    }
    return { dialect: 'postgres', url: normalized };
  }
  if (SQLITE.test(url)) {
    const path = decodeURIComponent(url.replace(SQLITE, '').split('?')[0] ?? '');
    if (path === '') throw new Error('sqlite:/// URL has no file path');
    return { dialect: 'sqlite', path };
  }
  throw new Error('unsupported scheme: expected postgresql://, postgres://, postgresql+<driver>://, sqlite:/// or sqlite+<driver>:///');
}

/** A description safe for logs: dialect and location, never credentials. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `sqlite ${target.path}`;
  const parsed = new URL(target.url);
  return `postgresql ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}
