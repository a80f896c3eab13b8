/**
 * What the local runner hands the official app (env.ts): the image's variables, an asyncpg URL for
 * PostgreSQL, and everything that keeps a test run on this machine — with the caller's variables last.
 */
import { describe, expect, it } from 'vitest';
import { asyncpgUrl, DEAD_PROXY, parseEnvFile, upstreamEnv } from './env.ts';

const imageEnv = '# comment\nPATH=/opt/venv/bin:/usr/bin\n\nPYTHONDONTWRITEBYTECODE=1\n';

describe('asyncpgUrl', () => {
  it('selects the asyncpg driver whatever the URL named', () => {
    expect(asyncpgUrl('postgresql://u:p@127.0.0.1:5432/db')).toBe('postgresql+asyncpg://u:p@127.0.0.1:5432/db');
    expect(asyncpgUrl('postgres://u@h/db')).toBe('postgresql+asyncpg://u@h/db');
    expect(asyncpgUrl('postgresql+psycopg://u@h/db')).toBe('postgresql+asyncpg://u@h/db');
    expect(asyncpgUrl('postgresql+asyncpg://u@h/db')).toBe('postgresql+asyncpg://u@h/db');
  });

  it('refuses anything else, without echoing the URL (it holds a password)', () => {
    expect(() => asyncpgUrl('mysql://u:secret@h/db')).toThrow(/^not a PostgreSQL URL/);
    expect(() => asyncpgUrl('mysql://u:secret@h/db')).not.toThrow(/secret/);
  });
});

describe('upstreamEnv', () => {
  const base = { imageEnv, port: 4321, upstreamUrl: 'http://127.0.0.1:9999' };

  it('starts from the image’s variables (comments and blank lines skipped)', () => {
    expect(parseEnvFile(imageEnv)).toEqual({ PATH: '/opt/venv/bin:/usr/bin', PYTHONDONTWRITEBYTECODE: '1' });
    expect(upstreamEnv(base)).toMatchObject({ PATH: '/opt/venv/bin:/usr/bin', PYTHONDONTWRITEBYTECODE: '1' });
  });

  it('serves on loopback at the given port, keeps state in the data dir and talks to the fake upstream', () => {
    expect(upstreamEnv(base)).toMatchObject({
      HOST: '127.0.0.1',
      PORT: '4321',
      CODEX_LB_DATA_DIR: '/var/lib/codex-lb',
      CODEX_LB_UPSTREAM_BASE_URL: 'http://127.0.0.1:9999/backend-api',
    });
  });

  it('uses SQLite unless given PostgreSQL, then through asyncpg', () => {
    expect(upstreamEnv(base)).not.toHaveProperty('CODEX_LB_DATABASE_URL');
    expect(upstreamEnv({ ...base, databaseUrl: 'postgresql://u:p@127.0.0.1:5/db' }).CODEX_LB_DATABASE_URL).toBe('postgresql+asyncpg://u:p@127.0.0.1:5/db');
  });

  it('keeps the app off the internet: telemetry off, proxy-honouring clients sent to a dead loopback port', () => {
    expect(upstreamEnv(base)).toMatchObject({
      CODEX_LB_TELEMETRY_ENABLED: 'false',
      HTTPS_PROXY: DEAD_PROXY,
      HTTP_PROXY: DEAD_PROXY,
      NO_PROXY: '127.0.0.1,localhost',
    });
    expect(DEAD_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('lets the caller override anything', () => {
    const env = upstreamEnv({ ...base, env: { CODEX_LB_TELEMETRY_ENABLED: 'true', CODEX_LB_METRICS_ENABLED: 'true' } });
    expect(env).toMatchObject({ CODEX_LB_TELEMETRY_ENABLED: 'true', CODEX_LB_METRICS_ENABLED: 'true' });
  });
});
