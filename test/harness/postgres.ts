/**
 * A throwaway PostgreSQL server per caller: initdb into a temp dir, random port on loopback (or on a
 * harness-made address that real pods can reach), durability off (fsync, synchronous_commit,
 * full_page_writes) because the data dies with the test.
 */
import { appendFile, mkdtemp, rm, writeFile, chown } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ManagedProcess, run, waitFor } from './process.ts';
import { freePort, isAddressInUse } from './ports.ts';
import { unprivilegedUser } from './users.ts';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database, e.g. postgresql://postgres:pw@127.0.0.1:5432/postgres */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Directory holding initdb/postgres: $PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('PostgreSQL server binaries not found (set PG_BIN)');
  return join(root, versions[0], 'bin');
}

export interface PostgresOptions {
  /** Address to listen on (default 127.0.0.1), e.g. the host end of a real node's veth pair. */
  host?: string;
  /** Networks allowed to log in with a password besides loopback, e.g. a real node's pod range. */
  clientCIDRs?: string[];
}

export async function startPostgres({ host = '127.0.0.1', clientCIDRs = [] }: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'codexlb-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  // PostgreSQL refuses to run as root; when we are root, run it as an unprivileged account.
  const user = unprivilegedUser();
  await writeFile(join(dir, 'pwfile'), `${password}\n`);
  if (user) await chown(dir, user.uid, user.gid);
  if (user) await chown(join(dir, 'pwfile'), user.uid, user.gid);
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--auth-local=trust',
      '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`],
    { user },
  );
  // Our own connections to a non-loopback address come from that address.
  const allowed = host.startsWith('127.') ? clientCIDRs : [`${host}/32`, ...clientCIDRs];
  for (const cidr of allowed) await appendFile(join(data, 'pg_hba.conf'), `host all all ${cidr} scram-sha-256\n`);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = new ManagedProcess(
      'postgres',
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', `listen_addresses=${host}`, '-c', 'fsync=off',
        '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
      { user },
    );
    const url = `postgresql://postgres:${password}@${host}:${port}/postgres`;
    try {
      await waitFor('postgres to accept connections', () => query(url, 'select 1').then(() => true), {
        timeoutMs: 30_000,
        proc,
      });
    } catch (err) {
      await proc.stop(2000, 'SIGINT');
      if (attempt < 3 && isAddressInUse(proc.output())) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      url,
      port,
      password,
      async createDatabase(name: string): Promise<string> {
        await query(url, `CREATE DATABASE "${name.replaceAll('"', '""')}"`);
        return url.replace(/\/postgres$/, `/${encodeURIComponent(name)}`);
      },
      async stop(): Promise<void> {
        await proc.stop(10_000, 'SIGINT'); // SIGINT = "fast" shutdown: does not wait for clients
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

async function query(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
