/**
 * What the benchmark talks to, each in its own process: the fake upstream (the baseline, "direct"),
 * `codex-lb-proxy serve` in front of it (SQLite, the Standalone default), and nginx `proxy_pass` in
 * front of the same upstream as the reference proxy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, waitFor } from '../../test/harness/process.ts';
import { freePort } from '../../test/harness/ports.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface FakeAccount {
  accountId: string;
  accessToken: string;
}

export interface FakeProcess {
  url: string;
  proc: ManagedProcess;
  accounts: FakeAccount[];
  authDir: string;
  /** Replaces every scripted behaviour with `step` for all requests (sticky), or none. */
  script(step: Record<string, unknown> | undefined): Promise<void>;
}

export async function startFake(accounts: number): Promise<FakeProcess> {
  const authDir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  const port = await freePort();
  const proc = new ManagedProcess('fake upstream', process.execPath, [`${root}test/fakes/cli.ts`, '--port', String(port), '--accounts', String(accounts), '--plan', 'pro', '--auth-dir', authDir]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('fake upstream', async () => ((await fetch(`${url}/__fake/accounts`).catch(() => undefined))?.ok ? true : undefined), { proc });
  const listed = (await (await fetch(`${url}/__fake/accounts`)).json()) as Array<{ accountId: string; accessToken: string }> | { accounts: Array<{ accountId: string; accessToken: string }> };
  const list = Array.isArray(listed) ? listed : listed.accounts;
  return {
    url,
    proc,
    authDir,
    accounts: list.map((a) => ({ accountId: a.accountId, accessToken: a.accessToken })),
    async script(step) {
      await fetch(`${url}/__fake/scripts`, { method: 'DELETE' });
      if (step) await fetch(`${url}/__fake/scripts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step, sticky: true }) });
    },
  };
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** Creates an API key through a proxy's admin API (started with `apiKeyAuth`); returns the key to send. */
export async function createApiKey(proxy: ProxyProcess, spec: { name: string; limits?: readonly Record<string, unknown>[] }): Promise<string> {
  const response = await fetch(`${proxy.url}/internal/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  const created = (await response.json()) as { key?: string };
  if (response.status !== 201 || created.key === undefined) throw new Error(`creating API key ${spec.name}: HTTP ${response.status}`);
  return created.key;
}

export interface ProxyProcess {
  url: string;
  proc: ManagedProcess;
  env: Record<string, string>;
}

/**
 * `codex-lb-proxy serve` with the fake's accounts imported; the env it ran with is reported. `apiKeyAuth`: API-key
 * auth on (the operator's default), keys made with createApiKey. `nodeArgs`: extra
 * Node flags for the proxy process, e.g. `--cpu-prof` (bench/proxy/profile.ts); `root`: another checkout's
 * proxy to run (bench/proxy/ab.ts), else this one's; `databaseUrl`: a PostgreSQL database instead of SQLite in its data
 * directory.
 */
export async function startProxy(
  fake: FakeProcess,
  options: { nodeArgs?: readonly string[]; root?: string; apiKeyAuth?: boolean; databaseUrl?: string } = {},
): Promise<ProxyProcess> {
  const from = options.root ?? root;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    CODEX_LB_DATA_DIR: dataDir,
    CODEX_LB_UPSTREAM_BASE_URL: `${fake.url}/backend-api`,
    CODEX_LB_OAUTH_TOKEN_URL: `${fake.url}/oauth/token`,
    CODEX_LB_LOG_FORMAT: 'json',
    // One upstream connection per open SSE stream: the defaults (100 / 50, upstream codex-lb's) would queue
    // streams beyond 50 and measure the queue, not the proxy.
    CODEX_LB_HTTP_CONNECTOR_LIMIT: '2000',
    CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: '2000',
    // No per-account concurrency caps (upstream's 8 streams / 4 creates per account): with the fake's 4
    // accounts they would admit 28 streams at a time and the rest would measure the wait for a slot.
    CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '0',
    CODEX_LB_PROXY_ACCOUNT_RESPONSE_CREATE_LIMIT: '0',
    CODEX_LB_USAGE_REFRESH_ENABLED: 'false',
  };
  if (options.databaseUrl !== undefined) env.CODEX_LB_DATABASE_URL = options.databaseUrl;
  if (options.apiKeyAuth) {
    // Keys are created through the admin API (createApiKey), as the operator does.
    writeFileSync(join(dataDir, 'admin-token'), ADMIN_TOKEN, { mode: 0o600 });
    Object.assign(env, { CODEX_LB_API_KEY_AUTH_ENABLED: 'true', CODEX_LB_ADMIN_TOKEN_FILE: join(dataDir, 'admin-token') });
  }
  const childEnv = { PATH: process.env.PATH, HOME: dataDir, ...env };
  for (const file of readdirSync(fake.authDir)) {
    execFileSync(process.execPath, [`${from}proxy/cli/main.ts`, 'accounts', 'import', join(fake.authDir, file)], { env: childEnv, stdio: 'ignore' });
  }
  const proc = new ManagedProcess('codex-lb-proxy', process.execPath, [...(options.nodeArgs ?? []), `${from}proxy/cli/main.ts`, 'serve', '--host', '127.0.0.1'], { env: childEnv });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('proxy ready', async () => ((await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ? true : undefined), { proc });
  return { url, proc, env };
}

export interface NodeFloorProcess {
  url: string;
  proc: ManagedProcess;
}

/** The Node floor (bench/proxy/node-floor.ts) in front of the fake; `nodeArgs` as for the proxy. */
export async function startNodeFloor(fake: FakeProcess, options: { nodeArgs?: readonly string[] } = {}): Promise<NodeFloorProcess> {
  const port = await freePort();
  const proc = new ManagedProcess('node floor', process.execPath, [...(options.nodeArgs ?? []), `${root}bench/proxy/node-floor.ts`, String(port), fake.url]);
  const url = `http://127.0.0.1:${port}`;
  const probe = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
  await waitFor('node floor', async () => ((await fetch(`${url}/__floor/ready`, probe).catch(() => undefined)) ? true : undefined), { proc });
  return { url, proc };
}

export interface NginxProcess {
  url: string;
  proc: ManagedProcess;
  version: string;
  /** Master + worker PIDs, for RSS. */
  pids(): number[];
}

function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** nginx from the Debian package, installed with apt-get only when absent. Returns why not when unavailable. */
export function ensureNginx(): { binary: string } | { unavailable: string } {
  const found = nginxBinary();
  if (found) return { binary: found };
  if (process.getuid?.() !== 0) return { unavailable: 'nginx is not installed and this is not root (apt-get install nginx)' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { env, encoding: 'utf8' });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
    install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { env, encoding: 'utf8' });
  }
  // The package may start its own daemon; the benchmark runs its own instance, so stop that one.
  if (existsSync('/run/nginx.pid')) spawnSync(nginxBinary() ?? 'nginx', ['-s', 'quit']);
  const binary = nginxBinary();
  return binary ? { binary } : { unavailable: `apt-get install nginx failed: ${(install.stderr ?? '').trim().split('\n').at(-1) ?? 'unknown error'}` };
}

export async function startNginx(binary: string, upstreamUrl: string): Promise<NginxProcess> {
  const prefix = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir));
  chmodSync(prefix, 0o777);
  chmodSync(join(prefix, 'tmp'), 0o777);
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  // The textbook SSE reverse proxy: HTTP/1.1 keep-alive to the upstream, no buffering.
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  upstream fake { server ${upstream.host}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
    }
  }
}
`,
  );
  const proc = new ManagedProcess('nginx', binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;']);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('nginx', async () => ((await fetch(`${url}/__fake/accounts`).catch(() => undefined))?.ok ? true : undefined), { proc });
  const version = spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '');
  return {
    url,
    proc,
    version,
    pids() {
      const master = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim());
      const children = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      return [master, ...children];
    },
  };
}

/** What the Codex CLI sends the proxy (it holds the accounts; the client sends no credentials). */
export const PROXY_CLIENT_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', 'user-agent': 'codex_cli_rs/0.169.0 (bench)' };

/** What a client of the upstream itself sends for its `i`-th request: the fake's accounts' credentials, in turn. */
export function upstreamClientHeaders(fake: FakeProcess, i: number): Record<string, string> {
  const account = fake.accounts[i % fake.accounts.length] as FakeAccount;
  return { ...PROXY_CLIENT_HEADERS, accept: 'text/event-stream', authorization: `Bearer ${account.accessToken}`, 'chatgpt-account-id': account.accountId };
}

/** A short Codex turn ("hi": a few events back). */
export const SHORT_STREAM_BODY = JSON.stringify({ model: 'gpt-5.4', instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], stream: true, store: false });

/** CPU time (user + system) a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
