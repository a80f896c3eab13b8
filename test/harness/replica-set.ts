/**
 * Replicated mode on one machine: N `codex-lb-proxy serve` processes on one real PostgreSQL, each on
 * its own loopback address (127.0.0.1, 127.0.0.2, …) with its own instance id and advertise URL, the
 * shared encryption key and admin token files a CodexLB mounts into its pods, and a round-robin front
 * with no affinity in front of them. Replicas can be stopped (SIGTERM / SIGKILL) and started again.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ManagedProcess, waitFor } from './process.ts';
import { freePort, isAddressInUse } from './ports.ts';
import { startRoundRobinFront, type RoundRobinFront } from './round-robin-front.ts';
import { generateFernetKey } from '../../proxy/accounts/fernet.ts';

const CLI = join(import.meta.dirname, '../../proxy/cli/main.ts');
const ADMIN_TOKEN = 'replicas-admin-token';

export interface Replica {
  readonly index: number;
  readonly instanceId: string;
  /** `http://127.0.0.<index + 1>:<port>`, also its advertise URL. */
  readonly url: string;
  readonly running: boolean;
  /** The serve process's pid while it runs. */
  readonly pid: number | undefined;
  /** Starts (again) and waits until ready. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  logs(): string;
}

export interface SessionOwnerRow {
  sessionKey: string;
  owner: string;
  epoch: number;
  live: boolean;
}

export interface ReplicaSet {
  readonly replicas: Replica[];
  readonly front: RoundRobinFront;
  readonly databaseUrl: string;
  replica(instanceId: string): Replica;
  /** Imports a Codex CLI auth.json through one replica's admin API (the database is shared); returns the account id. */
  importAccount(authJson: unknown): Promise<string>;
  /** Creates an `sk-clb-…` key. */
  createApiKey(): Promise<{ key: string; id: string }>;
  /** Rows of `http_bridge_sessions`, most recently updated first. */
  sessionOwners(): Promise<SessionOwnerRow[]>;
  /** Waits until every running replica sees `count` live members in the ring. */
  waitForRing(count: number): Promise<void>;
  /**
   * Starts another replica process on `host` (e.g. 127.0.0.9) with this instance id and advertise URL
   * (unset when null) and returns how it exited — for replicas that must refuse to start.
   */
  tryJoin(options: { instanceId: string; host: string; port?: number; advertise: string | null }): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

export interface ReplicaSetOptions {
  /** The fake upstream's base URL (`http://127.0.0.1:<port>`). */
  upstreamUrl: string;
  databaseUrl: string;
  count?: number;
  env?: Record<string, string>;
}

export async function startReplicaSet(options: ReplicaSetOptions): Promise<ReplicaSet> {
  const dir = mkdtempSync(join(tmpdir(), 'codexlb-replicas-'));
  writeFileSync(join(dir, 'encryption.key'), `${generateFernetKey()}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'admin-token'), ADMIN_TOKEN);
  const count = options.count ?? 3;
  // One port number on every loopback address: replicas differ by address alone, as pods do.
  let port = await freePort();
  const replicas: ReplicaHandle[] = [];
  for (let index = 0; index < count; index++) {
    replicas.push(new ReplicaHandle(index, () => port, dir, options));
  }
  for (let attempt = 1; ; attempt++) {
    try {
      // One at a time: each checks the others' advertise URLs when it joins.
      for (const replica of replicas) await replica.start();
      break;
    } catch (err) {
      await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
      if (attempt >= 3 || !replicas.some((r) => isAddressInUse(r.logs()))) throw err;
      port = await freePort();
    }
  }
  const front = await startRoundRobinFront(replicas.map((r) => r.url));
  const set: ReplicaSet = {
    replicas,
    front,
    databaseUrl: options.databaseUrl,
    replica: (instanceId) => {
      const found = replicas.find((r) => r.instanceId === instanceId);
      if (!found) throw new Error(`no replica ${instanceId}`);
      return found;
    },
    async importAccount(authJson) {
      const res = await admin(running(replicas).url, 'accounts/import', { authJson });
      return ((await res.json()) as { account: { id: string } }).account.id;
    },
    async createApiKey() {
      const res = await admin(running(replicas).url, 'api-keys', { name: 'replicas' });
      const created = (await res.json()) as { key: string; apiKey: { id: string } };
      return { key: created.key, id: created.apiKey.id };
    },
    async sessionOwners() {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ session_key: string; owner_instance_id: string; owner_epoch: string; live: boolean }>(
          `SELECT session_key, owner_instance_id, owner_epoch, lease_expires_at > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS live
           FROM http_bridge_sessions ORDER BY updated_at DESC`,
        );
        return rows.map((r) => ({ sessionKey: r.session_key, owner: r.owner_instance_id, epoch: Number(r.owner_epoch), live: r.live }));
      } finally {
        await client.end();
      }
    },
    async waitForRing(members) {
      await waitFor(`every replica to see ${members} ring members`, async () => {
        for (const replica of replicas.filter((r) => r.running)) {
          const ready = (await (await fetch(`${replica.url}/health/ready`)).json()) as { checks?: { ring_members?: string } };
          if (ready.checks?.ring_members !== String(members)) return undefined;
        }
        return true;
      }, { timeoutMs: 30_000, intervalMs: 500 });
    },
    async tryJoin({ instanceId, host, port: own, advertise }) {
      const dataDir = join(dir, instanceId);
      const env = replicaEnv(options, dir, dataDir, { port: own ?? port, instanceId, advertise });
      const proc = new ManagedProcess(`codex-lb-proxy serve (${instanceId})`, process.execPath, [CLI, 'serve', '--host', host], { env });
      const timer = setTimeout(() => void proc.stop(0, 'SIGKILL'), 90_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return { code, output: proc.output() };
    },
    async stop() {
      await front.close();
      await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
    },
  };
  return set;
}

function running(replicas: Replica[]): Replica {
  const found = replicas.find((r) => r.running);
  if (!found) throw new Error('no replica is running');
  return found;
}

async function admin(baseUrl: string, path: string, body: unknown): Promise<Response> {
  const res = await fetch(`${baseUrl}/internal/admin/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`admin ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** What a CodexLB pod gets: the shared database, key and admin token, its own identity and advertise URL. */
function replicaEnv(
  options: ReplicaSetOptions,
  dir: string,
  dataDir: string,
  self: { port: number; instanceId: string; advertise: string | null },
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dataDir,
    PORT: String(self.port),
    CODEX_LB_DATA_DIR: dataDir,
    CODEX_LB_DATABASE_URL: options.databaseUrl,
    CODEX_LB_ENCRYPTION_KEY_FILE: join(dir, 'encryption.key'),
    CODEX_LB_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
    CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: self.instanceId,
    ...(self.advertise === null ? {} : { CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL: self.advertise }),
    CODEX_LB_API_KEY_AUTH_ENABLED: 'true',
    CODEX_LB_UPSTREAM_BASE_URL: `${options.upstreamUrl}/backend-api`,
    CODEX_LB_OAUTH_TOKEN_URL: `${options.upstreamUrl}/oauth/token`,
    CODEX_LB_USAGE_REFRESH_ENABLED: 'false',
    CODEX_LB_LOG_FORMAT: 'json',
    ...options.env,
  };
}

class ReplicaHandle implements Replica {
  readonly index: number;
  readonly instanceId: string;
  readonly #port: () => number;
  readonly #dir: string;
  readonly #options: ReplicaSetOptions;
  #proc: ManagedProcess | undefined;

  constructor(index: number, port: () => number, dir: string, options: ReplicaSetOptions) {
    this.index = index;
    this.instanceId = `replica-${index}`;
    this.#port = port;
    this.#dir = dir;
    this.#options = options;
  }

  get host(): string {
    return `127.0.0.${this.index + 1}`;
  }

  get url(): string {
    return `http://${this.host}:${this.#port()}`;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  get pid(): number | undefined {
    return this.running ? this.#proc?.child.pid : undefined;
  }

  logs(): string {
    return this.#proc?.output() ?? '';
  }

  async start(): Promise<void> {
    const dataDir = join(this.#dir, this.instanceId);
    const env = replicaEnv(this.#options, this.#dir, dataDir, { port: this.#port(), instanceId: this.instanceId, advertise: this.url });
    const proc = new ManagedProcess(`codex-lb-proxy serve (${this.instanceId})`, process.execPath, [CLI, 'serve', '--host', this.host], { env });
    this.#proc = proc;
    await waitFor(`${this.instanceId} to be ready`, async () => ((await fetch(`${this.url}/health/ready`).catch(() => undefined))?.ok ? true : undefined), {
      proc,
      timeoutMs: 60_000,
    });
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
    const proc = this.#proc;
    if (!proc) return null;
    await proc.stop(signal === 'SIGKILL' ? 0 : 60_000, signal);
    return proc.exited;
  }
}
