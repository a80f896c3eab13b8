/**
 * Contract between the operator's Upstream rendering and the official application: every variable the operator
 * puts into a `proxy.flavor: Upstream` container — directly or through the `<n>-env` ConfigMap — is one that
 * exact application version reads, as its own settings loader listed them when its image was built
 * (test/harness/upstream/settings.ts). A variable it does not know fails here, instead of being silently
 * ignored by the pods. A variable that only feeds another's `$(NAME)` expansion (the kubelet's, e.g.
 * POD_NAMESPACE in the handoff URL) is an input of that one, not a setting.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLAVOR_IMAGES } from '../../../operator/api/codexlb-proxy.ts';
import { render } from '../../../operator/render/testing.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { upstreamSettingNames } from '../../harness/upstream/settings.ts';
import { containerEnv, containers } from './rendered.ts';

/** Every variable name each rendered container gets from the operator, less those that only feed a `$(NAME)`. */
function renderedVariables(objects: KubeObject[]): Map<string, Set<string>> {
  return new Map(
    containers(objects).map((container, i) => {
      const expanded = new Set((container.env ?? []).flatMap((e) => [...(e.value ?? '').matchAll(/\$\((\w+)\)/g)].map((m) => m[1])));
      const names = Object.keys(containerEnv(container, objects, '')).filter((name) => !expanded.has(name));
      return [`${container.name} (#${i})`, new Set(names)];
    }),
  );
}

const sampleSpec = async (file: string): Promise<Record<string, unknown>> =>
  (parse(await readFile(new URL(`../../../samples/${file}`, import.meta.url), 'utf8')) as { spec: Record<string, unknown> }).spec;

/** Every optional setting the schema allows for Upstream turned on, so each rendered variable is exercised. */
const everything = {
  topology: { mode: 'Replicated', replicas: 3 },
  database: { type: 'PostgreSQL', postgres: { host: 'db', database: 'codexlb', user: 'app', passwordSecretRef: { name: 'pg' } } },
  metrics: { enabled: true },
  oauth: { callbackService: { enabled: true } },
  config: {
    upstream: { baseURL: 'https://chatgpt.com/backend-api', streamTransport: 'websocket' },
    tracing: { enabled: true, endpoint: 'http://collector:4318' },
    sessionBridge: { staticRing: true, codexPrewarmEnabled: true },
    firewall: { trustProxyHeaders: true, allowlist: ['10.0.0.7'] },
  },
};

describe('what the operator renders for proxy.flavor Upstream', () => {
  let accepted: Set<string>;
  beforeAll(async () => {
    accepted = await upstreamSettingNames();
  });

  it.each([
    ['every optional setting on', async () => everything],
    ['the standalone sample', () => sampleSpec('codexlb-standalone.yaml')],
    ['the replicated sample', () => sampleSpec('codexlb-replicated.yaml')],
    ['the production sample', () => sampleSpec('codexlb-production.yaml')],
    ['the upstream sample', () => sampleSpec('codexlb-upstream.yaml')],
  ])('with %s, sets only variables the official application reads', async (_what, spec) => {
    const variables = renderedVariables(render({ ...(await spec()), proxy: { flavor: 'Upstream' } }));
    expect(variables.size).toBeGreaterThan(0);
    for (const [container, names] of variables) {
      const unknown = [...names].filter((name) => !accepted.has(name.toUpperCase()));
      expect(unknown, `${container} sets variables the official app does not read`).toEqual([]);
    }
  });

  it('would catch a bundled-only variable: the bundled rendering sets some the official app does not read', () => {
    const [names] = renderedVariables(render({ ...everything, proxy: { flavor: 'Bundled' } })).values();
    expect([...names!].filter((name) => !accepted.has(name))).toEqual(expect.arrayContaining(['CODEX_LB_ADMIN_TOKEN_FILE', 'CODEX_LB_API_KEY_AUTH_ENABLED']));
  });

  it('defaults to the official image of the version whose settings these are', async () => {
    const built = (await readFile(new URL('../../harness/images/upstream/version', import.meta.url), 'utf8')).trim();
    expect(FLAVOR_IMAGES.Upstream.tag).toBe(built);
  });
});
