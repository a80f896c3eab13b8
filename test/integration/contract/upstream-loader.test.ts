/**
 * The contract between the operator and the official codex-lb application, past the names
 * (upstream-settings.test.ts checks that every rendered variable is one the app reads): for every container
 * the operator renders for `proxy.flavor: Upstream` — server, schema gate, migration Job — the app itself,
 * run in its image's root filesystem, must accept it. Its settings loader must take the rendered values (a
 * wrong literal, a malformed list or number fails startup there), and its own argument parsers the commands:
 * the server's, every `python -m` line of the migration script, the schema gate's and the preStop hook's.
 */
import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../../operator/api/crds.ts';
import { admitOffline } from '../../../operator/api/defaults.ts';
import { renderCodexLB } from '../../../operator/render/codexlb.ts';
import { offlineInput } from '../../../operator/render/offline.ts';
import { pythonModuleCommands, upstreamObjections } from '../../harness/upstream/contract.ts';
import { containerEnv, containers, type Container } from './rendered.ts';

const variants: Record<string, Record<string, unknown>> = {
  'Standalone SQLite': { oauth: { callbackService: { enabled: true } } },
  'Replicated PostgreSQL, every typed setting the official app has': {
    topology: { mode: 'Replicated', replicas: 3 },
    database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
    metrics: { enabled: true, port: 9100 },
    config: {
      logFormat: 'text',
      upstream: { baseURL: 'https://upstream.example/backend-api', streamTransport: 'websocket', connectTimeoutSeconds: 5 },
      requestBudgetSeconds: 120,
      streamIdleTimeoutSeconds: 60,
      tracing: { enabled: true, endpoint: 'http://collector:4318' },
      // A static ring: the schema gate and the migration Job, which are not in it, must still start.
      sessionBridge: { codexPrewarmEnabled: true, staticRing: true },
      firewall: { trustProxyHeaders: true, trustedProxyCIDRs: ['10.0.0.0/8', 'fd00::/8'], allowlist: ['203.0.113.7', '2001:db8::7/128'] },
      apiKeyAuth: { enabled: true },
      leaderElection: { enabled: true, ttlSeconds: 15 },
    },
  },
};

describe.each(Object.entries(variants))('the official app accepts what the operator renders: %s', (_name, spec) => {
  const cr = admitOffline({
    apiVersion: 'codexlb.io/v1alpha1',
    kind: 'CodexLB',
    metadata: { name: 'lb', namespace: 'ns' },
    spec: { ...spec, proxy: { flavor: 'Upstream' } },
  } as unknown as CodexLB);
  const objects = renderCodexLB(offlineInput(cr, '1.0.0'));
  const rendered = containers(objects);
  // Secret values are not the contract; the database URL is the one a Secret must hold for this flavor.
  const envOf = (container: Container): Record<string, string> => containerEnv(container, objects, 'postgresql+asyncpg://u:p@db.example:5432/codexlb');

  it('renders the server container', () => {
    expect(rendered.map((c) => c.name)).toContain('codex-lb');
  });

  it.each(rendered.map((c) => [c.name, c] as const))('%s: its settings loader takes the values, its argument parsers the commands', async (_c, container) => {
    const commands = [container.command ?? [], container.lifecycle?.preStop?.exec?.command ?? []].flatMap(pythonModuleCommands);
    expect(commands.length, 'a python -m command to check').toBeGreaterThan(0);
    expect(await upstreamObjections(envOf(container), commands)).toEqual([]);
  });
});

describe('what the check catches', () => {
  it('a value its settings loader refuses, and an option its parser does not have', async () => {
    const objections = await upstreamObjections({ CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'carrier-pigeon' }, [
      ['app.db.migrate', 'upgrade', '--no-such-flag'],
      ['app.cli', '--port', '2455'],
    ]);
    expect(objections.join('\n')).toMatch(/^settings: [^]*upstream_stream_transport[^]*carrier-pigeon/m);
    expect(objections.join('\n')).toContain('python -m app.db.migrate upgrade --no-such-flag: rejected by its argument parser');
    expect(objections.join('\n')).not.toContain('python -m app.cli --port 2455:');
  });

  it('finds the python commands of a sh -c script', () => {
    const script = 'python -m app.db.migrate wait-for-connection --timeout-seconds 5 || exit 3\npython -m app.db.migrate upgrade >/tmp/m.log 2>&1; rc=$?';
    expect(pythonModuleCommands(['/bin/sh', '-c', script])).toEqual([
      ['app.db.migrate', 'wait-for-connection', '--timeout-seconds', '5'],
      ['app.db.migrate', 'upgrade'],
    ]);
    expect(pythonModuleCommands(['python', '-m', 'app.cli', '--port', '1'])).toEqual([['app.cli', '--port', '1']]);
  });
});
