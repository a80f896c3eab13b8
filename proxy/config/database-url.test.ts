import { describe, expect, it } from 'vitest';
import { describeDatabase, parseDatabaseUrl } from './database-url.ts';

describe('parseDatabaseUrl', () => {
  it.each([
    ['postgresql://u:p@db:5432/x', 'postgresql://u:p@db:5432/x'],
    ['postgres://u:p@db/x', 'postgresql://u:p@db/x'],
    ['postgresql+asyncpg://u:p@db/x?sslmode=require', 'postgresql://u:p@db/x?sslmode=require'],
    ['postgresql+psycopg://u:p@db/x', 'postgresql://u:p@db/x'],
  ])('reads %s as PostgreSQL, dropping any driver suffix', (input, url) => {
    expect(parseDatabaseUrl(input)).toEqual({ dialect: 'postgres', url });
  });

  it.each([
    ['sqlite:////var/lib/codex-lb/store.db', '/var/lib/codex-lb/store.db'],
    ['sqlite+aiosqlite:////var/lib/codex-lb/store.db', '/var/lib/codex-lb/store.db'],
    ['sqlite:///data/store.db', 'data/store.db'],
    ['sqlite:///:memory:', ':memory:'],
  ])('reads %s as SQLite file %s (SQLAlchemy slash rules)', (input, path) => {
    expect(parseDatabaseUrl(input)).toEqual({ dialect: 'sqlite', path });
  });

  it.each(['mysql://u:p@db/x', 'sqlite://relative.db', 'sqlite:///', 'postgresql:///x', 'not a url'])(
    'rejects %s',
    (input) => {
      expect(() => parseDatabaseUrl(input)).toThrow();
    },
  );

  it('keeps credentials out of its errors', () => {
    expect(() => parseDatabaseUrl('mysql://admin:fake-hunter2@db/x')).toThrow(/^(?!.*fake-hunter2)/);
  });
});

describe('describeDatabase', () => {
  it('shows host and database but no credentials', () => {
    const described = describeDatabase({ dialect: 'postgres', url: 'postgresql://u:fake-pw@db.test:5433/codex' });
    expect(described).toBe('postgresql db.test:5433/codex');
  });
});
