/**
 * The contract between the operator and the official codex-lb application (issue 13, acceptance 5): every
 * container the operator renders for `proxy.flavor: Upstream` — server, schema gate, migration Job, preStop —
 * is checked against that exact application, the one the test ground's image carries: each variable must be
 * one it reads (its settings list, printed by its own loader when the image was built), none a setting it has
 * removed, its settings loader must accept the values, and its own argument parsers the commands.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLAVOR_IMAGES } from '../../../operator/api/codexlb-proxy.ts';
import type { CodexLB } from '../../../operator/api/crds.ts';
import { admitOffline } from '../../../operator/api/defaults.ts';
import { renderCodexLB } from '../../../operator/render/codexlb.ts';
import { offlineInput } from '../../../operator/render/offline.ts';
import { pythonModuleCommands, upstreamObjections } from '../../harness/upstream/contract.ts';
import { upstreamSettingNames, upstreamSettings } from '../../harness/upstream/settings.ts';
import { containerEnv, containers, referencedVariables, type Container } from './rendered.ts';

const variants: Record<string, Record<string, unknown>> = {
  'Standalone SQLite': { oauth: { callbackService: { enabled: true } } },
  'Replicated PostgreSQL, every typed setting the official app has': {
    topology: { mode: 'Replicated', replicas: 3 },
    database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
    config: {
      logFormat: 'text',
      upstream: { baseURL: 'https://upstream.example/backend-api', streamTransport: 'websocket', connectTimeoutSeconds: 5 },
      requestBudgetSeconds: 120,
      streamIdleTimeoutSeconds: 60,
      firewall: { trustProxyHeaders: true, trustedProxyCIDRs: ['10.0.0.0/8', 'fd00::/8'], allowlist: ['203.0.113.7', '2001:db8::7/128'] },
      apiKeyAuth: { enabled: true },
      leaderElection: { enabled: true, ttlSeconds: 15 },
    },
    metrics: { port: 9100 },
  },
};

let accepted: Set<string>;
let removed: Set<string>;

beforeAll(async () => {
  accepted = await upstreamSettingNames();
  removed = new Set((await upstreamSettings()).removed);
});

it('the image the test ground builds is the one proxy.flavor Upstream runs by default', async () => {
  const version = (await readFile(new URL('../../harness/images/upstream/version', import.meta.url), 'utf8')).trim();
  expect(FLAVOR_IMAGES.Upstream).toEqual({ repository: 'ghcr.io/soju06/codex-lb', tag: version });
  expect((await upstreamSettings()).version).toBe(version);
});

describe.each(Object.entries(variants))('operator → official app contract: %s', (_name, spec) => {
  const cr = admitOffline({
    apiVersion: 'codexlb.io/v1alpha1',
    kind: 'CodexLB',
    metadata: { name: 'lb', namespace: 'ns' },
    spec: { ...spec, proxy: { flavor: 'Upstream' } },
  } as unknown as CodexLB);
  const objects = renderCodexLB(offlineInput(cr, '1.0.0'));
  const rendered = containers(objects);
  const envOf = (container: Container): Record<string, string> =>
    containerEnv(container, objects, 'postgresql+asyncpg://u:p@db.example:5432/codexlb');

  it('renders the server container', () => {
    expect(rendered.map((c) => c.name)).toContain('codex-lb');
  });

  it.each(rendered.map((c) => [c.name, c] as const))('%s: every variable is one the official app reads, none a removed setting', (_c, container) => {
    // $(NAME) sources (e.g. POD_NAMESPACE for a URL) are Kubernetes' business, not the app's.
    const helpers = referencedVariables(container);
    const names = Object.keys(envOf(container)).filter((name) => !helpers.has(name));
    expect(names.filter((name) => !accepted.has(name.toUpperCase()))).toEqual([]);
    expect(names.filter((name) => removed.has(name.toUpperCase()))).toEqual([]);
  });

  it.each(rendered.map((c) => [c.name, c] as const))('%s: its settings loader and argument parsers accept it', async (_c, container) => {
    const commands = [container.command ?? [], container.lifecycle?.preStop?.exec?.command ?? []].flatMap(pythonModuleCommands);
    expect(commands.length, 'a python -m command to check').toBeGreaterThan(0);
    expect(await upstreamObjections(envOf(container), commands)).toEqual([]);
  });
});

describe('operator → official app contract: what the check catches', () => {
  it('a variable the official app does not read (the bundled proxy’s own, or a made-up one)', () => {
    for (const name of ['CODEX_LB_ADMIN_TOKEN_FILE', 'CODEX_LB_OAUTH_TOKEN_URL', 'CODEX_LB_NOT_A_SETTING']) expect(accepted).not.toContain(name);
  });

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
