/**
 * The contract between the halves (proxy/OPERATOR-CONTRACT.md), checked from both sides at once:
 * every container the operator renders — proxy, schema gate, migration Job — must start with the
 * proxy's real settings parser and command-line parser, and the proxy must not merely tolerate the
 * operator's variables as unknown upstream settings.
 */
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import type { CodexLB } from '../../../operator/api/crds.ts';
import { admitOffline } from '../../../operator/api/defaults.ts';
import { offlineInput } from '../../../operator/render/offline.ts';
import { renderCodexLB } from '../../../operator/render/codexlb.ts';
import { loadSettings } from '../../../proxy/config/settings.ts';
import { drainCommand } from '../../../proxy/cli/drain.ts';
import { migrateCommand } from '../../../proxy/cli/migrate-command.ts';
import { serveCommand } from '../../../proxy/cli/serve.ts';
import { containerEnv, containers } from './rendered.ts';

const variants: Record<string, Record<string, unknown>> = {
  'Standalone SQLite': { oauth: { callbackService: { enabled: true } } },
  'Standalone with its own key file': { encryption: { source: 'PersistentFile' } },
  'Replicated PostgreSQL, every typed setting set': {
    topology: { mode: 'Replicated', replicas: 3 },
    database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
    config: {
      logFormat: 'text',
      upstream: {
        baseURL: 'https://upstream.example/backend-api',
        oauthTokenURL: 'https://auth.upstream.example/oauth/token',
        streamTransport: 'websocket',
        connectTimeoutSeconds: 5,
      },
      requestBudgetSeconds: 120,
      streamIdleTimeoutSeconds: 60,
      streamFirstEventTimeoutSeconds: 15,
      firewall: { trustProxyHeaders: true, trustedProxyCIDRs: ['10.0.0.0/8', 'fd00::/8'], allowlist: ['203.0.113.0/24', '2001:db8::7'] },
      apiKeyAuth: { enabled: false },
      leaderElection: { enabled: true, ttlSeconds: 15 },
    },
    metrics: { port: 9100 },
  },
};

/** The proxy's real command tree with every action replaced: parsing alone must accept the args. */
function parseWithProxyCli(args: string[]): void {
  const program = new Command('codex-lb-proxy').exitOverride();
  for (const command of [migrateCommand(), serveCommand(), drainCommand()]) program.addCommand(command);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  // Errors surface as exceptions; keep commander from also printing them.
  for (const command of all(program)) command.exitOverride().configureOutput({ writeErr: () => undefined }).action(() => undefined);
  program.parse(['node', 'codex-lb-proxy', ...args]);
}

describe.each(Object.entries(variants))('operator → proxy contract: %s', (_name, spec) => {
  const cr = admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: 'lb', namespace: 'ns' }, spec } as unknown as CodexLB);
  const objects = renderCodexLB(offlineInput(cr, '1.0.0'));
  const rendered = containers(objects);

  it('renders at least the proxy container', () => {
    expect(rendered.map((c) => c.name)).toContain('codex-lb');
  });

  it.each(rendered.map((c) => [c.name, c] as const))('%s: every variable is a setting the proxy knows and accepts', (_c, container) => {
    const env = containerEnv(container, objects, 'postgresql://u:p@db.example:5432/codexlb');
    const settings = loadSettings(env);
    expect(settings.warnings).toEqual([]);
  });

  it.each(rendered.map((c) => [c.name, c] as const))('%s: its arguments parse with the proxy CLI', (_c, container) => {
    expect(() => parseWithProxyCli(container.args ?? [])).not.toThrow();
  });

  it('the preStop drain command parses with the proxy CLI', () => {
    const command = rendered.find((c) => c.name === 'codex-lb')?.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('codex-lb-proxy');
    expect(() => parseWithProxyCli(command.slice(1))).not.toThrow();
  });
});

describe('operator → proxy contract: what the proxy rejects', () => {
  it('fails on an unknown CODEX_LB_ variable, naming it', () => {
    expect(() => loadSettings({ CODEX_LB_NOT_A_SETTING: '1' })).toThrow(/CODEX_LB_NOT_A_SETTING/);
  });
  it('fails on an option the CLI does not have', () => {
    expect(() => parseWithProxyCli(['migrate', 'upgrade', '--no-such-flag'])).toThrow(/unknown option/);
  });
});
