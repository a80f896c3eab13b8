/**
 * Admission-time validation of the CRDs on a real API server: every CEL rule rejects a bad object
 * with a message naming the field, transition rules guard immutable and grow-only fields, and the
 * structural schema fills defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionRejection, codexLB, createNamespace, startOperatorTestEnv, type OperatorTestEnv } from './support.ts';
import { ApiError, type KubeObject } from '../../../operator/runtime/kube/types.ts';

const ns = 'validation';
const pgURL = { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } };
const replicated = { topology: { mode: 'Replicated', replicas: 2 }, database: pgURL };

let counter = 0;
const uniqueName = () => `v${++counter}`;

describe('CodexLB admission validation', () => {
  let env: OperatorTestEnv;

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await createNamespace(env.cp, ns);
  });

  afterAll(async () => {
    await env?.stop();
  });

  const rejection = (obj: KubeObject): Promise<string> => admissionRejection(env.client.create(obj));

  async function updateRejection(spec: Record<string, unknown>, change: (cr: Record<string, any>) => void): Promise<string> {
    const created = await env.client.create<KubeObject & Record<string, any>>(codexLB(ns, uniqueName(), spec));
    change(created);
    const err = await env.client.replace(created).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof ApiError)) throw new Error(`expected the update to be rejected, got ${String(err)}`);
    return err.message;
  }

  it('accepts an empty spec and fills in the Standalone SQLite defaults', async () => {
    const created = await env.client.create<KubeObject & Record<string, any>>(codexLB(ns, uniqueName(), {}));
    expect(created.spec.topology).toEqual({ mode: 'Standalone', replicas: 1, clusterDomain: 'cluster.local' });
    expect(created.spec.database.type).toBe('SQLite');
    expect(created.spec.shutdown).toEqual({ drainTimeoutSeconds: 30, preStopSleepSeconds: 15, terminationGracePeriodSeconds: 65 });
  });

  it.each([
    ['Standalone with 2 replicas', { topology: { replicas: 2 } }, 'spec.topology.replicas: Invalid value: topology.replicas must be 1 in Standalone mode'],
    ['Replicated with 1 replica', { ...replicated, topology: { mode: 'Replicated', replicas: 1 } }, 'topology.replicas must be at least 2 in Replicated mode'],
    ['Replicated on SQLite', { topology: { mode: 'Replicated', replicas: 2 } }, 'spec.database.type: Invalid value: database.type must be PostgreSQL in Replicated mode'],
    [
      'a SQLite volume with PostgreSQL',
      { ...replicated, database: { ...pgURL, sqlite: { storage: { size: '1Gi' } } } },
      'database.sqlite (the SQLite volume) is only valid when database.type is SQLite',
    ],
    ['PostgreSQL without connection settings', { database: { type: 'PostgreSQL' } }, 'database.postgres is required when database.type is PostgreSQL'],
    ['postgres settings with SQLite', { database: { postgres: { host: 'db', passwordSecretRef: { name: 'pw' } } } }, 'database.postgres is only valid when database.type is PostgreSQL'],
    [
      'both a URL Secret and a host',
      { database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' }, host: 'db', passwordSecretRef: { name: 'pw' } } } },
      'database.postgres needs exactly one of urlSecretRef, host or managed',
    ],
    ['a host without a password Secret', { database: { type: 'PostgreSQL', postgres: { host: 'db' } } }, 'database.postgres.host requires passwordSecretRef'],
    ['autoscaling in Standalone', { autoscaling: { enabled: true } }, 'autoscaling.enabled requires topology.mode Replicated'],
    ['autoscaling with min > max', { ...replicated, autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 3 } }, 'autoscaling.minReplicas must be <= autoscaling.maxReplicas'],
    ['a migration Job with SQLite', { migration: { strategy: 'Job' } }, 'migration.strategy must be Startup with SQLite'],
    ['startup migrations in Replicated mode', { ...replicated, migration: { strategy: 'Startup' } }, 'migration.strategy must be Job in Replicated mode'],
    ['no schema gate in Replicated mode', { ...replicated, migration: { schemaGate: { enabled: false } } }, 'migration.schemaGate.enabled must be true in Replicated mode'],
    ['a per-pod key file in Replicated mode', { ...replicated, encryption: { source: 'PersistentFile' } }, 'encryption.source PersistentFile is only valid for Standalone SQLite'],
    ['SecretRef without a secret', { encryption: { source: 'SecretRef' } }, 'encryption.secretRef is required when encryption.source is SecretRef'],
    ['a preStop dwell longer than the drain', { shutdown: { preStopSleepSeconds: 40, drainTimeoutSeconds: 30 } }, 'shutdown.preStopSleepSeconds must be <= shutdown.drainTimeoutSeconds'],
    ['a grace period shorter than drain + 32', { shutdown: { terminationGracePeriodSeconds: 61 } }, 'shutdown.terminationGracePeriodSeconds must be >= shutdown.drainTimeoutSeconds + 32'],
    ['a shared advertise hostname', { topology: { handoffAdvertiseURL: 'http://codex-lb:2455' } }, 'topology.handoffAdvertiseURL must be an http(s) URL whose host starts with $(POD_NAME) or $(POD_IP)'],
    [
      'a foreign advertise host carrying the pod name in its path',
      { topology: { handoffAdvertiseURL: 'http://collector.example/$(POD_NAME)' } },
      'topology.handoffAdvertiseURL must be an http(s) URL whose host starts with $(POD_NAME) or $(POD_IP)',
    ],
    ['trusted proxy headers without CIDRs', { config: { firewall: { trustProxyHeaders: true, trustedProxyCIDRs: [] } } }, 'config.firewall.trustProxyHeaders requires at least one trustedProxyCIDR'],
    ['metrics on the API port', { metrics: { port: 2455 } }, 'metrics.port must differ from the HTTP port 2455 and the OAuth port 1455'],
    ['a nodePort on a ClusterIP Service', { service: { nodePort: 30080 } }, 'service.nodePort is only valid for service.type NodePort or LoadBalancer'],
    ['Gateway API routes without parents', { gatewayAPI: { enabled: true } }, 'gatewayAPI.parentRefs is required when gatewayAPI.enabled is true'],
    ['both PDB bounds', { podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }, 'podDisruptionBudget: set either minAvailable or maxUnavailable, not both'],
    ['an operator-managed env var', { env: [{ name: 'CODEX_LB_DATABASE_URL', value: 'postgresql://x' }] }, 'env must not set CODEX_LB_DATABASE_URL, an operator-managed variable'],
    [
      'API-key auth switched off through env',
      { env: [{ name: 'TZ', value: 'UTC' }, { name: 'CODEX_LB_API_KEY_AUTH_ENABLED', value: 'false' }] },
      'spec.env[1].name: Invalid value: "CODEX_LB_API_KEY_AUTH_ENABLED": env must not set CODEX_LB_API_KEY_AUTH_ENABLED, an operator-managed variable: use the typed spec field',
    ],
    [
      'firewall trust settings through env',
      { env: [{ name: 'CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS', value: 'true' }] },
      'spec.env[0].name: Invalid value: "CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS": env must not set CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS',
    ],
    ['trusted proxy CIDRs through env', { env: [{ name: 'CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS', value: '0.0.0.0/0' }] }, 'env must not set CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS'],
    ['an upstream URL through env', { env: [{ name: 'CODEX_LB_UPSTREAM_BASE_URL', value: 'http://collector.example' }] }, 'env must not set CODEX_LB_UPSTREAM_BASE_URL'],
    ['the OAuth token URL through env', { env: [{ name: 'CODEX_LB_OAUTH_TOKEN_URL', value: 'http://collector.example' }] }, 'env must not set CODEX_LB_OAUTH_TOKEN_URL'],
    [
      'code injected through NODE_OPTIONS',
      { env: [{ name: 'NODE_OPTIONS', value: '--import=data:text/javascript,fetch("http://x")' }] },
      'spec.env[0].name: Invalid value: "NODE_OPTIONS": env must not set NODE_OPTIONS: NODE_* and LD_* variables change the code the proxy runs',
    ],
    ['TLS verification switched off', { env: [{ name: 'NODE_TLS_REJECT_UNAUTHORIZED', value: '0' }] }, 'env must not set NODE_TLS_REJECT_UNAUTHORIZED'],
    [
      'an envFrom prefix that makes every key a Node.js switch',
      { envFrom: [{ prefix: 'NODE_', configMapRef: { name: 'c' } }] },
      'spec.envFrom[0].prefix: Invalid value: "NODE_": envFrom prefix must not start with NODE_ or LD_',
    ],
    ['an envFrom entry naming two sources', { envFrom: [{ configMapRef: { name: 'c' }, secretRef: { name: 's' } }] }, 'each envFrom entry needs exactly one of configMapRef or secretRef'],
    ['an empty image tag', { image: { tag: '' } }, 'spec.image.tag: Invalid value: "": spec.image.tag in body should be at least 1 chars long'],
    ['an image tag with a slash', { image: { tag: 'v1/../x' } }, 'spec.image.tag: Invalid value: "v1/../x": spec.image.tag in body should match'],
    ['an image repository with spaces', { image: { repository: 'ghcr.io/codex lb' } }, 'spec.image.repository: Invalid value: "ghcr.io/codex lb"'],
    ['an unknown mode', { topology: { mode: 'Clustered' } }, 'spec.topology.mode: Unsupported value: "Clustered"'],
  ])('rejects %s', async (_what, spec, message) => {
    expect(await rejection(codexLB(ns, uniqueName(), spec))).toContain(message);
  });

  it('rejects names too long for the derived child names', async () => {
    expect(await rejection(codexLB(ns, 'n'.repeat(41), {}))).toContain('metadata.name must be at most 40 characters');
  });

  it.each(['a.b', '1abc'])('rejects the name %s, valid for a CodexLB but not for the Services it names', async (name) => {
    expect(await rejection(codexLB(ns, name, {}))).toContain(
      'metadata.name must be a DNS label: lowercase letters, digits and "-", starting with a letter (it names Services)',
    );
  });

  it('accepts the longest allowed name, whose derived names all fit', async () => {
    const created = await env.client.create<KubeObject>(codexLB(ns, `a${'b'.repeat(39)}`, {}));
    expect(created.metadata.name).toHaveLength(40);
  });

  it.each([
    ['topology.mode', replicated, (cr: any): void => void (cr.spec.topology.mode = 'Standalone'), 'topology.mode is immutable'],
    ['database.type', {}, (cr: any): void => void (cr.spec.database = pgURL), 'database.type is immutable'],
    ['encryption.source', {}, (cr: any): void => void (cr.spec.encryption = { source: 'PersistentFile' }), 'encryption.source is immutable'],
    [
      'the storage class',
      { database: { sqlite: { storage: { storageClassName: 'fast' } } } },
      (cr: any): void => {
        cr.spec.database.sqlite.storage.storageClassName = 'slow';
      },
      'database.sqlite.storage.storageClassName is immutable',
    ],
    [
      'a shrinking volume',
      { database: { sqlite: { storage: { size: '10Gi' } } } },
      (cr: any): void => {
        cr.spec.database.sqlite.storage.size = '5Gi';
      },
      'database.sqlite.storage.size can only grow',
    ],
  ])('rejects changing %s', async (_what, spec, change, message) => {
    expect(await updateRejection(spec, change)).toContain(message);
  });

  it('lets the volume grow', async () => {
    const created = await env.client.create<KubeObject & Record<string, any>>(
      codexLB(ns, uniqueName(), { database: { sqlite: { storage: { size: '5Gi' } } } }),
    );
    created.spec.database.sqlite.storage.size = '20Gi';
    const updated = await env.client.replace<KubeObject & Record<string, any>>(created);
    expect(updated.spec.database.sqlite.storage.size).toBe('20Gi');
  });

  it('makes a ChatGPTAccount keep its CodexLB', async () => {
    const account = await env.client.create<KubeObject & Record<string, any>>({
      apiVersion: 'codexlb.io/v1alpha1',
      kind: 'ChatGPTAccount',
      metadata: { name: 'alice', namespace: ns },
      spec: { codexLBRef: { name: 'one' }, credentials: { secretRef: { name: 'alice-auth' } } },
    });
    expect(account.spec.credentials).toEqual({ secretRef: { name: 'alice-auth' }, key: 'auth.json', importPolicy: 'OnSecretChange' });
    account.spec.codexLBRef.name = 'two';
    const err = await env.client.replace(account).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('codexLBRef is immutable');
  });

  it('validates CodexLBAPIKey limits and keeps its CodexLB and Secret name', async () => {
    const key = (name: string, spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'codexlb.io/v1alpha1',
      kind: 'CodexLBAPIKey',
      metadata: { name, namespace: ns },
      spec: { codexLBRef: { name: 'one' }, secret: { name: `${name}-key` }, ...spec },
    });
    expect(await rejection(key(uniqueName(), { limits: [{ type: 'total_tokens', window: 'daily', max: 1.5 }] }))).toContain(
      'max must be a whole number for token and credit limits',
    );
    expect(await rejection(key(uniqueName(), { limits: [{ type: 'cost_usd', window: 'hourly', max: 1 }] }))).toContain('spec.limits[0].window');
    expect(await rejection(key(uniqueName(), { limits: [{ type: 'cost_usd', window: 'daily', max: 0 }] }))).toContain('max must be positive');
    const created = await env.client.create<KubeObject & Record<string, any>>(key(uniqueName(), { limits: [{ type: 'cost_usd', window: 'weekly', max: 12.5 }] }));
    expect(created.spec).toMatchObject({ secret: { key: 'api-key' }, rotationGracePeriodSeconds: 3600 });
    created.spec.secret.name = 'elsewhere';
    created.spec.codexLBRef.name = 'two';
    const err = await env.client.replace(created).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('secret.name is immutable');
    expect(String((err as Error).message)).toContain('codexLBRef is immutable');
  });

  it('documents every field of the three kinds for kubectl explain', async () => {
    // kubectl wraps descriptions: compare with whitespace collapsed.
    const explain = async (...args: string[]) => (await env.cp.kubectl('explain', ...args)).replace(/\s+/g, ' ');
    expect(await explain('chatgptaccount.spec.credentials.importPolicy')).toContain('Periodic resyncs never re-import');
    const key = await explain('codexlbapikey.spec', '--recursive');
    for (const field of ['codexLBRef', 'displayName', 'secret', 'allowedModels', 'limits', 'expiresAt', 'rotationToken', 'rotationGracePeriodSeconds']) {
      expect(key).toContain(field);
    }
    expect(await explain('codexlbapikey.spec.limits.max')).toContain('US dollars');
    expect(await explain('codexlb.status.accounts.reauthRequired')).toContain('need a new login');
  });
});
