/**
 * What a user who may only edit CodexLBs in a namespace (no Secrets, Pods or Services) can make the
 * operator do on their behalf, tested through impersonation against a real API server:
 * - no Secret reaches a pod, or is composed into a database URL, unless its owner labelled it
 *   codexlb.io/secret-access=true;
 * - no image outside the operator's --allowed-images runs;
 * - account tokens go only to https URLs on --allowed-upstream-hosts;
 * - operator-managed settings and runtime switches cannot be overridden through env or envFrom.
 * The cluster admin widens these limits with operator flags, never through a CodexLB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, waitFor } from '../../harness/process.ts';
import { SECRET_ACCESS_LABEL } from '../../../operator/api/common.ts';
import { LABEL_INSTANCE } from '../../../operator/render/labels.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import {
  codexLB,
  condition as conditionOf,
  createNamespace,
  get,
  secret,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';

const ns = 'tenant';
const user = 'alice';
const hiddenUrl = 'postgresql://admin:hunter2-db-password@db.internal:5432/prod';
const condition = (cr: KubeObject, type: string) => conditionOf(cr as never, type);

const editorRole = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'codexlb-editor', namespace: ns },
  rules: [{ apiGroups: ['codexlb.io'], resources: ['codexlbs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
};
const editorBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'alice-codexlb-editor', namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'codexlb-editor' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
};

describe('a user with only CodexLB rights in a namespace', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  let counter = 0;
  const nextName = () => `clb${++counter}`;

  /** `kubectl apply` as the least-privilege user (impersonated by the admin). */
  const applyAsUser = (objects: KubeObject[]) =>
    run(env.cp.binaries.kubectl, [`--kubeconfig=${env.cp.kubeconfigPath}`, `--as=${user}`, 'apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    });
  const patchAsUser = (name: string, patch: object) =>
    run(env.cp.binaries.kubectl, [`--kubeconfig=${env.cp.kubeconfigPath}`, `--as=${user}`, 'patch', 'clb', name, '-n', ns, '--type=merge', '-p', JSON.stringify(patch)]);
  const instanceObjects = (instance: string) =>
    env.cp.kubectl('get', 'statefulset,service,configmap,secret,serviceaccount,pvc,job', '-n', ns, '-l', `${LABEL_INSTANCE}=${instance}`, '-o', 'name');

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await createNamespace(env.cp, ns);
    await env.cp.apply([
      editorRole,
      editorBinding,
      // Someone else's Secret in the same namespace, never meant for CodexLBs.
      secret(ns, 'hidden', { 'database-url': hiddenUrl, password: 'hunter2-db-password', 'encryption-key': `${'B'.repeat(43)}=`, token: 't' }, { grantAccess: false }),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tuning', namespace: ns }, data: { ROUTING_STRATEGY: 'round_robin', API_KEY_AUTH_ENABLED: 'false' } },
    ]);
    op = await startOperator(env.cp.kubeConfig());
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('can edit CodexLBs but cannot read Secrets, run pods or create Services itself', async () => {
    const can = (verb: string, resource: string) =>
      env.cp.kubectl('auth', 'can-i', verb, resource, '-n', ns, `--as=${user}`).then(
        (out) => out.trim(),
        (err: Error) => (/\bno\b/.test(err.message) ? 'no' : err.message),
      );
    expect(await can('create', 'codexlbs.codexlb.io')).toBe('yes');
    expect(await can('get', 'secrets')).toBe('no');
    expect(await can('create', 'pods')).toBe('no');
    expect(await can('create', 'services')).toBe('no');
  });

  it.each([
    ['env valueFrom', { env: [{ name: 'STOLEN', valueFrom: { secretKeyRef: { name: 'hidden', key: 'token' } } }] }, 'env[STOLEN].valueFrom.secretKeyRef'],
    ['envFrom', { envFrom: [{ secretRef: { name: 'hidden' } }] }, 'envFrom[0].secretRef'],
    ['a database URL', { database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'hidden' } } } }, 'database.postgres.urlSecretRef'],
    [
      'a password composed with a host of their choice',
      { database: { type: 'PostgreSQL', postgres: { host: 'collector.example', passwordSecretRef: { name: 'hidden' } } } },
      'database.postgres.passwordSecretRef',
    ],
    ['the encryption key', { encryption: { source: 'SecretRef', secretRef: { name: 'hidden' } } }, 'encryption.secretRef'],
    ['an image pull secret', { image: { pullSecrets: [{ name: 'hidden' }] } }, 'image.pullSecrets[0]'],
    ['a mounted volume', { podTemplate: { extraVolumes: [{ name: 'loot', secret: { secretName: 'hidden' } }] } }, 'podTemplate.extraVolumes[loot].secret'],
    [
      'a projected volume',
      { podTemplate: { extraVolumes: [{ name: 'loot', projected: { sources: [{ configMap: { name: 'tuning' } }, { secret: { name: 'hidden' } }] } }] } },
      'podTemplate.extraVolumes[loot].projected',
    ],
  ])('cannot get an unlabelled Secret used through %s', async (_through, spec, field) => {
    const name = nextName();
    await applyAsUser([codexLB(ns, name, spec)]);
    const cr = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'SecretAccessNotGranted');
    expect(condition(cr, 'SecretsReady')).toMatchObject({
      status: 'False',
      reason: 'SecretAccessNotGranted',
      message: `Secret "hidden" (${field}) does not allow CodexLBs to use it: its owner must label it (kubectl -n ${ns} label secret hidden ${SECRET_ACCESS_LABEL}=true)`,
    });
    // Nothing was rendered that could carry the Secret (no pods, no composed URL Secret), and no value leaked.
    expect(await instanceObjects(name)).toBe('');
    expect(JSON.stringify(cr)).not.toContain('hunter2');
  });

  it('gets a Secret once its owner labels it, and only then', async () => {
    await env.cp.apply([secret(ns, 'shared', { token: 'shared-token' }, { grantAccess: false })]);
    const name = nextName();
    await applyAsUser([codexLB(ns, name, { env: [{ name: 'SHARED_TOKEN', valueFrom: { secretKeyRef: { name: 'shared', key: 'token' } } }] })]);
    await waitForCondition(env.client, ns, name, 'SecretsReady', 'False', 'SecretAccessNotGranted');
    expect(await get(env.client, 'apps/v1', 'StatefulSet', ns, name)).toBeUndefined();

    await env.cp.kubectl('label', 'secret', 'shared', '-n', ns, `${SECRET_ACCESS_LABEL}=true`);
    await waitForCondition(env.client, ns, name, 'SecretsReady', 'True');
    const sts = (await get(env.client, 'apps/v1', 'StatefulSet', ns, name))!;
    const podEnv = (sts as any).spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: unknown }>;
    expect(podEnv.find((e) => e.name === 'SHARED_TOKEN')?.valueFrom).toEqual({ secretKeyRef: { name: 'shared', key: 'token' } });
  });

  it('cannot run an image outside the allowed repositories', async () => {
    const name = nextName();
    await applyAsUser([codexLB(ns, name, { image: { repository: 'docker.io/attacker/proxy', tag: 'latest' } })]);
    const cr = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'ImageNotAllowed');
    expect(condition(cr, 'Degraded')?.message).toBe(
      'spec.image.repository "docker.io/attacker/proxy" is not allowed by the operator\'s --allowed-images (ghcr.io/codex-lb/codex-lb-proxy, ghcr.io/soju06/codex-lb)',
    );
    expect(await instanceObjects(name)).toBe('');
  });

  it('cannot point an existing installation at an upstream or token endpoint of their choice', async () => {
    const name = nextName();
    await applyAsUser([codexLB(ns, name, {})]);
    await waitForCondition(env.client, ns, name, 'SecretsReady', 'True');
    const before = (await get(env.client, 'v1', 'ConfigMap', ns, `${name}-env`))!;
    const image = async () => ((await get(env.client, 'apps/v1', 'StatefulSet', ns, name)) as any).spec.template.spec.containers[0].image as string;
    const running = await image();

    await patchAsUser(name, { spec: { config: { upstream: { baseURL: 'http://collector.example/backend-api' } } } });
    let cr = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'UpstreamNotAllowed');
    expect(condition(cr, 'Degraded')?.message).toBe('spec.config.upstream.baseURL must use https (the operator runs without --allow-insecure-upstream)');

    await patchAsUser(name, { spec: { config: { upstream: { baseURL: null, oauthTokenURL: 'https://collector.example/oauth/token' } } } });
    cr = await waitFor('the token endpoint to be refused', async () => {
      const now = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'UpstreamNotAllowed');
      return condition(now, 'Degraded')?.message.includes('oauthTokenURL') ? now : undefined;
    });
    expect(condition(cr, 'Degraded')?.message).toBe(
      'spec.config.upstream.oauthTokenURL names host "collector.example", which is not in the operator\'s --allowed-upstream-hosts (chatgpt.com, auth.openai.com)',
    );

    // The running installation was left as it was.
    const after = (await get(env.client, 'v1', 'ConfigMap', ns, `${name}-env`))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(JSON.stringify(after)).not.toContain('collector.example');
    expect(await image()).toBe(running);
  });

  it('cannot override managed settings or inject code through env (rejected at admission)', async () => {
    for (const name of ['CODEX_LB_API_KEY_AUTH_ENABLED', 'CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS', 'NODE_OPTIONS']) {
      const err = await applyAsUser([codexLB(ns, nextName(), { env: [{ name, value: 'x' }] })]).then(
        () => undefined,
        (e: Error) => e.message,
      );
      expect(err).toContain(`spec.env[0].name: Invalid value: "${name}": env must not set ${name}`);
    }
  });

  it('cannot override managed settings through an envFrom ConfigMap (refused at reconcile)', async () => {
    const name = nextName();
    await applyAsUser([codexLB(ns, name, { envFrom: [{ prefix: 'CODEX_LB_', configMapRef: { name: 'tuning' } }] })]);
    const cr = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'ManagedEnvOverride');
    expect(condition(cr, 'Degraded')?.message).toBe(
      'spec.envFrom[0] (ConfigMap "tuning") would set CODEX_LB_API_KEY_AUTH_ENABLED, which it may not: it is managed by the operator; use spec.config.apiKeyAuth.enabled',
    );
    expect(await get(env.client, 'apps/v1', 'StatefulSet', ns, name)).toBeUndefined();
  });

  describe('when the cluster admin widens the operator flags', () => {
    it('runs other images and talks to other upstreams; a CodexLB alone never could', async () => {
      await op.stop();
      op = await startOperator(env.cp.kubeConfig(), {
        policy: { allowedImages: ['registry.corp.example/mirror/'], allowedUpstreamHosts: ['127.0.0.1'], allowInsecureUpstream: true },
      });
      const name = nextName();
      await applyAsUser([
        codexLB(ns, name, {
          image: { repository: 'registry.corp.example/mirror/codex-lb-proxy', tag: '1.0.0' },
          config: { upstream: { baseURL: 'http://127.0.0.1:8080/backend-api', oauthTokenURL: 'http://127.0.0.1:8080/oauth/token' } },
        }),
      ]);
      const cr = await waitForCondition(env.client, ns, name, 'SecretsReady', 'True');
      expect(condition(cr, 'Degraded')?.reason).not.toMatch(/NotAllowed$/);
      const cm = (await get(env.client, 'v1', 'ConfigMap', ns, `${name}-env`)) as KubeObject & { data: Record<string, string> };
      expect(cm.data).toMatchObject({ CODEX_LB_UPSTREAM_BASE_URL: 'http://127.0.0.1:8080/backend-api', CODEX_LB_OAUTH_TOKEN_URL: 'http://127.0.0.1:8080/oauth/token' });
    });
  });
});
