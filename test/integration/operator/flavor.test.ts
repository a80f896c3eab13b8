/**
 * proxy.flavor on a real API server and a running operator:
 * - every field only the bundled proxy understands is rejected for Upstream at admission, naming the field;
 * - the flavor cannot change (the two applications keep different schemas);
 * - an Upstream CodexLB gets a composed URL its asyncpg driver accepts, and a URL Secret with another
 *   scheme is reported (Degraded, InvalidDatabaseURL) instead of pods that crash on start;
 * The official application itself runs on real pods in test/e2e/real/flavors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { admissionRejection, codexLB, createNamespace, get, secret, startOperator, startOperatorTestEnv, waitForCondition, type OperatorTestEnv, type RunningOperator } from './support.ts';

const ns = 'flavors';
const upstream = { proxy: { flavor: 'Upstream' } };
const replicated = (postgres: Record<string, unknown>) => ({
  ...upstream,
  topology: { mode: 'Replicated', replicas: 2 },
  database: { type: 'PostgreSQL', postgres },
});

describe('proxy.flavor', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  let counter = 0;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    op = await startOperator(env.cp.kubeConfig());
  });
  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  const create = (spec: Record<string, unknown>, name = `f${++counter}`) => env.client.create<KubeObject & Record<string, any>>(codexLB(ns, name, spec));
  const rejection = (spec: Record<string, unknown>): Promise<string> => admissionRejection(create(spec));

  it.each([
    ['a first-event deadline', { config: { streamFirstEventTimeoutSeconds: 30 } }, 'config.streamFirstEventTimeoutSeconds is not supported with proxy.flavor Upstream'],
    ['an OAuth token URL', { config: { upstream: { oauthTokenURL: 'https://auth.example.com/oauth/token' } } }, 'config.upstream.oauthTokenURL is not supported with proxy.flavor Upstream'],
    [
      'a CloudNativePG database',
      { topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { managed: {} } } },
      'database.postgres.managed is not supported with proxy.flavor Upstream',
    ],
    [
      'a CIDR range in the firewall allow-list',
      { config: { firewall: { allowlist: ['10.0.0.7', '10.0.0.0/8'] } } },
      'config.firewall.allowlist is not supported with proxy.flavor Upstream: the official application allows single addresses',
    ],
    ['a wide IPv6 range', { config: { firewall: { allowlist: ['2001:db8::/32'] } } }, 'config.firewall.allowlist is not supported with proxy.flavor Upstream'],
  ])('rejects %s for Upstream, naming the field', async (_what, spec, message) => {
    expect(await rejection({ ...spec, ...upstream })).toContain(message);
  });

  it('rejects telemetry for the bundled proxy, which sends none', async () => {
    expect(await rejection({ config: { telemetry: { enabled: true } } })).toContain(
      'config.telemetry.enabled is only for proxy.flavor Upstream: the bundled proxy sends no usage reports',
    );
    await expect(create({ ...upstream, config: { telemetry: { enabled: true } } })).resolves.toBeDefined();
  });

  it('accepts single addresses in the allow-list for Upstream, as /32 and /128 too', async () => {
    await expect(create({ ...upstream, config: { firewall: { allowlist: ['10.0.0.7', '10.0.0.8/32', '2001:db8::1/128'] } } })).resolves.toBeDefined();
  });

  it('accepts the same fields for the bundled proxy', async () => {
    await expect(create({ config: { streamFirstEventTimeoutSeconds: 30, upstream: { oauthTokenURL: 'https://auth.openai.com/oauth/token' } } })).resolves.toBeDefined();
  });

  it('defaults to Bundled and cannot change', async () => {
    const cr = await create({}, 'fixed');
    expect(cr.spec.proxy).toEqual({ flavor: 'Bundled' });
    cr.spec.proxy.flavor = 'Upstream';
    await expect(env.client.replace(cr)).rejects.toThrow('proxy.flavor is immutable');
  });

  it('composes an asyncpg URL for Upstream and runs the official image at the tested release', async () => {
    await env.cp.apply([secret(ns, 'pg-password', { password: 'pw' })]);
    await env.cp.apply([codexLB(ns, 'composed', replicated({ host: 'db.example', database: 'codexlb', user: 'app', passwordSecretRef: { name: 'pg-password', key: 'password' } }))]);
    const cr = await waitForCondition(env.client, ns, 'composed', 'SecretsReady', 'True');
    const db = (await get(env.client, 'v1', 'Secret', ns, 'composed-db'))!;
    expect(Buffer.from(db.data['database-url'], 'base64').toString()).toBe('postgresql+asyncpg://app:pw@db.example:5432/codexlb');
    expect(cr.status.image.desired).toBe('ghcr.io/soju06/codex-lb:1.24.0');
  });

  it('reports a URL Secret the official driver cannot use, without the URL', async () => {
    await env.cp.apply([secret(ns, 'plain-url', { 'database-url': 'postgresql://app:s3cret@db:5432/codexlb' })]);
    await env.cp.apply([codexLB(ns, 'plain', replicated({ urlSecretRef: { name: 'plain-url' } }))]);
    const cr = await waitForCondition(env.client, ns, 'plain', 'Degraded', 'True', 'InvalidDatabaseURL');
    const degraded = cr.status.conditions.find((c: { type: string }) => c.type === 'Degraded');
    expect(degraded.message).toBe(
      'the database URL of database.postgres.urlSecretRef must start with postgresql+asyncpg:// for proxy.flavor Upstream (it starts with postgresql://)',
    );
    expect(JSON.stringify(cr.status)).not.toContain('s3cret');
    expect(await get(env.client, 'apps/v1', 'StatefulSet', ns, 'plain')).toBeUndefined();
  });
});
