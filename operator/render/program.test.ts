/**
 * proxy.flavor: the same spec rendered for the bundled proxy and for the official application. Upstream
 * pods run the official image's Python modules (it has no entrypoint), get the dashboard bootstrap token
 * instead of an admin token file, and never see a setting only the bundled proxy reads.
 */
import { describe, expect, it } from 'vitest';
import { desiredImage } from './effective.ts';
import { databaseUrlProblem } from './program.ts';
import { composeDatabaseUrl } from './secrets.ts';
import { admitted, find, render, replicatedSpec } from './testing.ts';

const upstream = { proxy: { flavor: 'Upstream' } };
const env = (container: { env: Array<{ name: string }> }) => container.env.map((e) => e.name);

describe('proxy.flavor Upstream', () => {
  const objects = render({ ...upstream, ...replicatedSpec });
  const pod = find(objects, 'StatefulSet', 'lb').spec.template.spec;
  const [server] = pod.containers;
  const [gate] = pod.initContainers;
  const job = (objects.find((o) => o.kind === 'Job') as any).spec.template.spec.containers[0];

  it('runs the official server module on the API port, overriding the image CMD that would migrate first', () => {
    expect(server.command).toEqual(['python', '-m', 'app.cli', '--host', '0.0.0.0', '--port', '2455']);
    expect(server.args).toBeUndefined();
  });

  it('drains with the official preStop helper, with the spec\'s dwell and deadline', () => {
    expect(server.lifecycle.preStop.exec.command).toEqual([
      'python', '-m', 'app.core.prestop', '--base-url', 'http://127.0.0.1:2455', '--routing-dwell-seconds', '15', '--drain-timeout-seconds', '30',
    ]);
  });

  it('gates pods on the schema with app.db.migrate wait-for-head', () => {
    expect(gate.command).toEqual(['python', '-m', 'app.db.migrate', 'wait-for-head', '--timeout-seconds', '300', '--interval-seconds', '2']);
  });

  it('migrates in the Job with app.db.migrate: database wait (exit 3 when it never answers), upgrade, output kept as the termination message', () => {
    expect(job.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const script: string = job.command[2];
    expect(script).toContain('python -m app.db.migrate wait-for-connection --timeout-seconds 120 --interval-seconds 2 || exit 3');
    expect(script).toContain('python -m app.db.migrate upgrade');
    expect(script).toContain('>/dev/termination-log');
    expect(job.terminationMessagePath).toBe('/dev/termination-log');
  });

  it('hands the admin token over as the dashboard bootstrap token, never as a file the application would not read', () => {
    for (const container of [server, gate, job]) {
      expect(env(container)).toContain('CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN');
      expect(env(container)).not.toContain('CODEX_LB_ADMIN_TOKEN_FILE');
      expect(container.volumeMounts.map((m: { name: string }) => m.name)).not.toContain('admin-token');
    }
    expect(server.env.find((e: { name: string }) => e.name === 'CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN').valueFrom).toEqual({
      secretKeyRef: { name: 'lb-admin-token', key: 'token' },
    });
    expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('admin-token');
  });

  it('leaves out the settings only the bundled proxy reads', () => {
    const settings = Object.keys(find(objects, 'ConfigMap', 'lb-env').data);
    for (const name of ['CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS', 'CODEX_LB_API_KEY_AUTH_ENABLED', 'CODEX_LB_FIREWALL_ALLOWLIST', 'CODEX_LB_OAUTH_TOKEN_URL']) {
      expect(settings).not.toContain(name);
    }
    expect(settings).toContain('CODEX_LB_DATA_DIR');
  });

  it('keeps the official application from reporting telemetry unless asked to (it counts an unanswered prompt as consent)', () => {
    expect(find(objects, 'ConfigMap', 'lb-env').data.CODEX_LB_TELEMETRY_ENABLED).toBe('false');
    const optedIn = render({ ...upstream, config: { telemetry: { enabled: true } } });
    expect(find(optedIn, 'ConfigMap', 'lb-env').data.CODEX_LB_TELEMETRY_ENABLED).toBe('true');
    expect(find(render({}), 'ConfigMap', 'lb-env').data.CODEX_LB_TELEMETRY_ENABLED).toBeUndefined();
  });

  it('runs the official image at the tested release by default; a mirror keeps that tag, an explicit tag or digest wins', () => {
    expect(server.image).toBe('ghcr.io/soju06/codex-lb:1.24.0');
    expect(desiredImage(admitted({ ...upstream, image: { repository: 'registry.corp/mirror/codex-lb' } }).spec, '9.9.9')).toBe('registry.corp/mirror/codex-lb:1.24.0');
    expect(desiredImage(admitted({ ...upstream, image: { tag: '1.25.0' } }).spec, '9.9.9')).toBe('ghcr.io/soju06/codex-lb:1.25.0');
  });
});

describe('proxy.flavor Bundled (the default)', () => {
  const objects = render(replicatedSpec);
  const [server] = find(objects, 'StatefulSet', 'lb').spec.template.spec.containers;

  it('runs the bundled proxy at the operator version with its own entrypoint and admin token file', () => {
    expect(server.image).toBe('ghcr.io/codex-lb/codex-lb-proxy:1.2.3');
    expect(server.args).toEqual(['serve']);
    expect(server.command).toBeUndefined();
    expect(server.lifecycle.preStop.exec.command[0]).toBe('codex-lb-proxy');
    expect(env(server)).toContain('CODEX_LB_ADMIN_TOKEN_FILE');
    expect(find(objects, 'ConfigMap', 'lb-env').data.CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS).toBe('20');
  });
});

describe('database URLs', () => {
  const pg = { host: 'db.example', port: 5432, database: 'codexlb', user: 'app' };

  it('are composed with the scheme of the flavor\'s driver', () => {
    expect(composeDatabaseUrl(pg, 'p@ss', 'postgresql+asyncpg')).toBe('postgresql+asyncpg://app:p%40ss@db.example:5432/codexlb');
    expect(composeDatabaseUrl(pg, 'p@ss')).toBe('postgresql://app:p%40ss@db.example:5432/codexlb');
  });

  it('with another driver\'s scheme are refused with the field and the expected scheme, never the URL', () => {
    const url = 'postgresql://app:s3cret@db:5432/codexlb';
    const problem = databaseUrlProblem('Upstream', url, 'database.postgres.urlSecretRef');
    expect(problem).toBe(
      'the database URL of database.postgres.urlSecretRef must start with postgresql+asyncpg:// for proxy.flavor Upstream (it starts with postgresql://)',
    );
    expect(problem).not.toContain('s3cret');
    expect(databaseUrlProblem('Bundled', 'mysql://app:x@db/c', 'externalSecrets.databaseURL')).toBe(
      'the database URL of externalSecrets.databaseURL must start with postgresql:// or postgres:// or postgresql+asyncpg:// for proxy.flavor Bundled (it starts with mysql://)',
    );
    for (const accepted of [url, 'postgres://a:b@db/c', 'postgresql+asyncpg://a:b@db/c']) expect(databaseUrlProblem('Bundled', accepted, 'x')).toBeUndefined();
    expect(databaseUrlProblem('Upstream', 'postgresql+asyncpg://app:x@db/c', 'x')).toBeUndefined();
  });
});
