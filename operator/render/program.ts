/**
 * How each proxy flavor is run: the commands of its server, migration Job, schema gate and preStop, how
 * the operator's admin credential reaches it, and which database URLs it can use. The rest of the pod
 * render is shared. The other places that tell the flavors apart: the settings each reads (config.ts),
 * the fields only one accepts (api/codexlb-proxy.ts), and the adapter that manages its pool
 * (controllers/pool/admin-access.ts).
 *
 * Bundled: the `codex-lb-proxy` entrypoint of proxy/Dockerfile (proxy/OPERATOR-CONTRACT.md).
 * Upstream: the official image has no entrypoint, only a CMD script that migrates and then serves; the
 * operator runs its Python modules directly, as the official chart does — `app.cli` (server),
 * `app.db.migrate` (migrations, schema gate), `app.core.prestop` (drain) — so migrations stay in the Job.
 */
import type { ProxyFlavor } from '../api/codexlb-proxy.ts';
import type { SecretKeyRef } from './input.ts';

export interface ContainerCommand {
  command?: string[];
  args?: string[];
}

export interface ProxyProgram {
  serve(port: number): ContainerCommand;
  /** Waits up to `databaseWaitSeconds` for the database (exit code 3 when it never answers), then migrates to head. */
  migrate(databaseWaitSeconds: number): ContainerCommand;
  waitForSchema(timeoutSeconds: number, intervalSeconds: number): ContainerCommand;
  preStop(port: number, dwellSeconds: number, drainTimeoutSeconds: number): string[];
  /** URL schemes the application's database driver accepts. */
  databaseSchemes: readonly string[];
  /** The scheme of a URL the operator composes. */
  composedScheme: string;
  /** Whether the admin token reaches the pods as a mounted file (Bundled) or as an environment variable (Upstream). */
  adminTokenAsFile: boolean;
  adminTokenEnv(adminToken: SecretKeyRef, dir: string): object;
}

/** The exit code both flavors' migration containers use when the database never answered (controllers/codexlb/migration.ts). */
export const EXIT_DATABASE_UNREACHABLE = 3;

const bundled: ProxyProgram = {
  serve: () => ({ args: ['serve'] }),
  migrate: (wait) => ({ args: ['migrate', 'upgrade', '--wait-for-connection-seconds', String(wait)] }),
  waitForSchema: (timeout, interval) => ({
    args: ['migrate', 'wait-for-head', '--timeout-seconds', String(timeout), '--interval-seconds', String(interval)],
  }),
  preStop: (_port, dwell, timeout) => ['codex-lb-proxy', 'drain', '--dwell-seconds', String(dwell), '--timeout-seconds', String(timeout)],
  // Also upstream's scheme: a URL Secret written for the official chart works unchanged (the driver suffix is ignored).
  databaseSchemes: ['postgresql', 'postgres', 'postgresql+asyncpg'],
  composedScheme: 'postgresql',
  adminTokenAsFile: true,
  adminTokenEnv: (_ref, dir) => ({ name: 'CODEX_LB_ADMIN_TOKEN_FILE', value: `${dir}/token` }),
};

/**
 * `app.db.migrate upgrade` prints `current_revision=<rev>`; the operator reads the revision and any error
 * from the termination message, so the output is copied there (its last 3,500 bytes: the kubelet keeps 4 KiB).
 */
function upstreamMigrateScript(wait: number): string {
  return [
    `python -m app.db.migrate wait-for-connection --timeout-seconds ${wait} --interval-seconds 2 || exit ${EXIT_DATABASE_UNREACHABLE}`,
    'python -m app.db.migrate upgrade >/tmp/migrate.log 2>&1; rc=$?',
    'cat /tmp/migrate.log; tail -c 3500 /tmp/migrate.log >/dev/termination-log; exit $rc',
  ].join('\n');
}

const upstream: ProxyProgram = {
  serve: (port) => ({ command: ['python', '-m', 'app.cli', '--host', '0.0.0.0', '--port', String(port)] }),
  migrate: (wait) => ({ command: ['/bin/sh', '-c', upstreamMigrateScript(wait)] }),
  waitForSchema: (timeout, interval) => ({
    command: ['python', '-m', 'app.db.migrate', 'wait-for-head', '--timeout-seconds', String(timeout), '--interval-seconds', String(interval)],
  }),
  preStop: (port, dwell, timeout) => [
    'python',
    '-m',
    'app.core.prestop',
    '--base-url',
    `http://127.0.0.1:${port}`,
    '--routing-dwell-seconds',
    String(dwell),
    '--drain-timeout-seconds',
    String(timeout),
  ],
  databaseSchemes: ['postgresql+asyncpg'],
  composedScheme: 'postgresql+asyncpg',
  // The official application takes the token that lets a remote client set the dashboard password once
  // (the operator's adapter does, then logs in with it): controllers/pool/upstream-dashboard-client.ts.
  adminTokenAsFile: false,
  adminTokenEnv: (ref) => ({ name: 'CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN', valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } }),
};

export const PROGRAMS: Record<ProxyFlavor, ProxyProgram> = { Bundled: bundled, Upstream: upstream };

/**
 * Why a database URL cannot be used by the flavor's driver, or undefined. Names the field, never the URL
 * (it holds the password).
 */
export function databaseUrlProblem(flavor: ProxyFlavor, url: string, field: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const accepted = PROGRAMS[flavor].databaseSchemes;
  if (scheme && accepted.includes(scheme)) return undefined;
  return (
    `the database URL of ${field} must start with ${accepted.map((s) => `${s}://`).join(' or ')} for proxy.flavor ${flavor}` +
    (scheme ? ` (it starts with ${scheme}://)` : '')
  );
}
