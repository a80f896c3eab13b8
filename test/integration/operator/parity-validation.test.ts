/**
 * The chart-parity fields on a real API server: each cross-field rule the official chart checks at render time
 * rejects a bad CodexLB with a message naming the field, good ones are accepted with the chart's defaults, and
 * every new field is documented for `kubectl explain`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexLBSpec } from '../../../operator/api/codexlb-spec.ts';
import type { JSONSchemaProps } from '../../../operator/api/schema.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { admissionRejection, codexLB, createNamespace, startOperatorTestEnv, type OperatorTestEnv } from './support.ts';

const ns = 'parity';
const replicated = { topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } } };
const store = { secretStoreRef: { name: 'vault' } };
let counter = 0;
const uniqueName = () => `p${++counter}`;

describe('chart-parity fields at admission', () => {
  let env: OperatorTestEnv;

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await createNamespace(env.cp, ns);
  });
  afterAll(async () => {
    await env?.stop();
  });

  const create = (spec: Record<string, unknown>) => env.client.create<KubeObject & Record<string, any>>(codexLB(ns, uniqueName(), spec));
  const rejection = (spec: Record<string, unknown>): Promise<string> => admissionRejection(create(spec));

  it.each([
    ['externalSecrets without anything to fetch', { externalSecrets: store }, 'externalSecrets needs databaseURL, encryptionKey or both'],
    [
      'a URL from both ESO and database.postgres',
      { ...replicated, externalSecrets: { ...store, databaseURL: { remoteKey: 'k' } } },
      'database.postgres and externalSecrets.databaseURL are alternatives: set one of them',
    ],
    ['an ESO database URL with SQLite', { externalSecrets: { ...store, databaseURL: { remoteKey: 'k' } } }, 'externalSecrets.databaseURL needs database.type PostgreSQL'],
    ['an ESO key without encryption.source ExternalSecret', { externalSecrets: { ...store, encryptionKey: { remoteKey: 'k' } } }, 'encryption.source ExternalSecret and externalSecrets.encryptionKey go together'],
    ['encryption.source ExternalSecret without an ESO key', { encryption: { source: 'ExternalSecret' } }, 'encryption.source ExternalSecret and externalSecrets.encryptionKey go together'],
    ['a managed database and a URL Secret', { ...replicated, database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' }, managed: {} } } }, 'database.postgres needs exactly one of urlSecretRef, host or managed'],
    ['a static ring with autoscaling', { ...replicated, autoscaling: { enabled: true }, config: { sessionBridge: { staticRing: true } } }, 'config.sessionBridge.staticRing rules out autoscaling'],
    ['a per-host connection limit above the total', { config: { httpConnector: { limit: 10, limitPerHost: 20 } } }, 'config.httpConnector.limitPerHost must be <= config.httpConnector.limit'],
    ['tracing without a collector', { config: { tracing: { enabled: true } } }, 'config.tracing.endpoint is required when config.tracing.enabled is true'],
    ['load balancer settings on a ClusterIP Service', { service: { loadBalancerSourceRanges: ['10.0.0.0/8'] } }, 'service.loadBalancerIP and service.loadBalancerSourceRanges are only valid for service.type LoadBalancer'],
    ['dashboards without metrics', { metrics: { enabled: false, grafanaDashboards: { enabled: true } } }, 'metrics.grafanaDashboards needs metrics.enabled'],
    ['a host path volume', { podTemplate: { extraVolumes: [{ name: 'host', hostPath: { path: '/etc' } }] } }, 'each podTemplate.extraVolumes entry needs exactly one of configMap, secret, emptyDir or projected'],
    ['a volume with two sources', { podTemplate: { extraVolumes: [{ name: 'x', configMap: { name: 'a' }, emptyDir: {} }] } }, 'each podTemplate.extraVolumes entry needs exactly one of'],
    ['a volume named like the operator\'s', { podTemplate: { extraVolumes: [{ name: 'data', emptyDir: {} }] } }, 'podTemplate.extraVolumes name data is used by the operator'],
    ['a mount of an unknown volume', { podTemplate: { extraVolumeMounts: [{ name: 'nope', mountPath: '/x' }] } }, 'every podTemplate.extraVolumeMounts entry must name a podTemplate.extraVolumes entry'],
    [
      'a mount over the data directory',
      { podTemplate: { extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/var/lib/codex-lb' }] } },
      'podTemplate.extraVolumeMounts mountPath /var/lib/codex-lb is used by the operator',
    ],
    ['a typed tunable through env', { env: [{ name: 'CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS', value: '0' }] }, 'use the typed spec field'],
    ['a memory target above 100%', { ...replicated, autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 120 } }, 'spec.autoscaling.targetMemoryUtilizationPercentage'],
  ])('rejects %s', async (_what, spec, message) => {
    expect(await rejection(spec)).toContain(message);
  });

  it('refuses to add or remove a managed database later: its data lives there', async () => {
    const created = await create({ ...replicated, database: { type: 'PostgreSQL', postgres: { managed: {} } } });
    created.spec.database.postgres = { urlSecretRef: { name: 'db' } };
    const err = await env.client.replace(created).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('database.postgres.managed cannot be added or removed');
  });

  it("accepts the chart's production setup and fills in its defaults", async () => {
    const created = await create({
      topology: { mode: 'Replicated', replicas: 3 },
      database: { type: 'PostgreSQL' },
      encryption: { source: 'ExternalSecret' },
      externalSecrets: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, databaseURL: { remoteKey: 'codex', property: 'database-url' }, encryptionKey: { remoteKey: 'codex', property: 'encryption-key' } },
      autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 20, behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } },
      networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
      metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboards: { enabled: true } },
      podTemplate: { extraVolumes: [{ name: 'ca', configMap: { name: 'corp-ca' } }], extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corp', readOnly: true }] },
    });
    expect(created.spec.config).toMatchObject({
      backpressureMaxConcurrentRequests: 200,
      httpConnector: { limit: 100, limitPerHost: 50 },
      sessionBridge: { idleTTLSeconds: 120, codexIdleTTLSeconds: 900, maxSessions: 256, queueLimit: 8, codexPrewarmEnabled: false, staticRing: false },
      promptCache: { affinityMaxAgeSeconds: 1800, keyDerivationEnabled: true },
    });
    expect(created.spec.autoscaling.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
    });
    expect(created.spec.ingress.nginx).toMatchObject({ upstreamHashBy: '$http_authorization', limitRPS: 100, proxyNextUpstream: 'error', proxyNextUpstreamTries: 1 });
    expect(created.spec.metrics.grafanaDashboards).toEqual({ enabled: true, folder: 'codex-lb', labels: { grafana_dashboard: '1' } });
  });

  it('documents every new field for kubectl explain', async () => {
    const sections = ['externalSecrets', 'database', 'config', 'service', 'ingress', 'gatewayAPI', 'networkPolicy', 'autoscaling', 'metrics', 'podTemplate', 'updateStrategy', 'serviceAccount'];
    const leaves = (schema: JSONSchemaProps, path: string[] = []): string[][] =>
      Object.entries(schema.properties ?? {}).flatMap(([key, prop]) => [[...path, key], ...leaves(prop.items?.properties ? prop.items : prop, [...path, key])]);
    for (const section of sections) {
      const schema = codexLBSpec.json.properties![section]!;
      // kubectl wraps descriptions: compare with whitespace collapsed.
      const explained = (await env.cp.kubectl('explain', `codexlb.spec.${section}`, '--recursive')).replace(/\s+/g, ' ');
      for (const path of leaves(schema)) expect(explained, `${section}.${path.join('.')}`).toContain(` ${path.at(-1)}`);
    }
    for (const field of ['commonLabels', 'commonAnnotations']) expect(await env.cp.kubectl('explain', `codexlb.spec.${field}`)).toContain('every object the operator creates');
    expect((await env.cp.kubectl('explain', 'codexlb.spec.config.backpressureMaxConcurrentRequests')).replace(/\s+/g, ' ')).toContain('429 proxy_overloaded');
    expect((await env.cp.kubectl('explain', 'codexlb.spec.externalSecrets.secretStoreRef')).replace(/\s+/g, ' ')).toContain('codexlb.io/secret-access');
  });
});
