/**
 * The ground for account and API-key tests: a real control plane (kwok pods, so CodexLBs turn Ready),
 * the operator in process, the fake ChatGPT upstream, and for each installation a REAL
 * `codex-lb-proxy serve` process on loopback with a real database, which the operator reaches through
 * its documented out-of-cluster seam (`adminEndpoints`, the `--admin-endpoint` flag). The proxy gets the
 * admin token the operator generated into `<n>-admin-token`, as a pod mounts it.
 */
import { writeFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { startFakeUpstream, type AccountCredentials, type CodexAuthJson, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startServe, type ServeProcess } from '../../e2e/proxy/support/serve-process.ts';
import { waitFor } from '../../harness/process.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import {
  codexLB,
  condition,
  createNamespace,
  get,
  secret,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';

export const API = 'codexlb.io/v1alpha1';
/** Status period of the operator under test: short, so tests wait seconds, not minutes. */
export const POOL_PERIOD_MS = 1000;

export interface Installation {
  name: string;
  serve: ServeProcess;
  /** The operator-generated admin token (read from its Secret, as the README shows). */
  token: string;
  /** A call to the installation's admin API, as an administrator would make it with curl. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
}

export interface PoolEnv {
  env: OperatorTestEnv;
  op: RunningOperator;
  fake: FakeUpstream;
  /** namespace/name → admin API URL, read by the operator at every call. */
  endpoints: Map<string, string>;
  /** Starts a serve process, creates the CodexLB, hands the proxy its token, waits until Ready. */
  installation(namespace: string, name: string, opts?: { serveEnv?: Record<string, string>; spec?: Record<string, unknown> }): Promise<Installation>;
  /** Restarts the operator (e.g. as another identity); the endpoints stay. */
  restartOperator(kubeConfig?: KubeConfig): Promise<RunningOperator>;
  stop(): Promise<void>;
}

export interface PoolEnvOptions {
  /** The operator's identity (default admin), built once the namespaces exist. */
  kubeConfig?: (env: OperatorTestEnv) => Promise<KubeConfig>;
  /** Run with leader election on a Lease in this namespace. */
  leaseNamespace?: string;
}

export async function startPoolEnv(namespaces: string[], opts: PoolEnvOptions = {}): Promise<PoolEnv> {
  const env = await startOperatorTestEnv('cluster');
  const fake = await startFakeUpstream();
  const endpoints = new Map<string, string>();
  const serves: ServeProcess[] = [];
  for (const ns of namespaces) await createNamespace(env.cp, ns);
  const launch = async (kubeConfig?: KubeConfig) =>
    startOperator(kubeConfig ?? (opts.kubeConfig ? await opts.kubeConfig(env) : env.cp.kubeConfig()), {
      adminEndpoints: endpoints,
      poolStatusPeriodMs: POOL_PERIOD_MS,
      blockedRetryMs: POOL_PERIOD_MS,
      leaseNamespace: opts.leaseNamespace,
    });
  const pool: PoolEnv = {
    env,
    fake,
    endpoints,
    op: await launch(),
    async installation(namespace, name, { serveEnv = {}, spec = {} } = {}) {
      const serve = await startServe(fake, { CODEX_LB_USAGE_REFRESH_INTERVAL_SECONDS: '1', ...serveEnv }, { adminToken: null });
      serves.push(serve);
      endpoints.set(`${namespace}/${name}`, serve.url);
      await env.cp.apply([codexLB(namespace, name, spec)]);
      const tokenSecret = await waitFor(`Secret ${name}-admin-token`, () => get(env.client, 'v1', 'Secret', namespace, `${name}-admin-token`));
      const token = Buffer.from((tokenSecret.data as Record<string, string>).token ?? '', 'base64').toString('utf8');
      writeFileSync(serve.adminTokenFile, token);
      await waitForCondition(env.client, namespace, name, 'Ready', 'True');
      return {
        name,
        serve,
        token,
        admin: (path, init = {}) =>
          fetch(`${serve.url}/internal/admin${path}`, {
            method: init.method ?? 'GET',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: init.body === undefined ? undefined : JSON.stringify(init.body),
          }),
      };
    },
    async restartOperator(kubeConfig) {
      await pool.op.stop();
      pool.op = await launch(kubeConfig);
      return pool.op;
    },
    async stop() {
      await pool.op?.stop();
      for (const serve of serves) await serve.stop();
      await fake.close();
      await env.stop();
    },
  };
  return pool;
}

/** The Secret a user creates from `~/.codex/auth.json`, labelled so ChatGPTAccounts may use it. */
export function authSecret(namespace: string, name: string, auth: CodexAuthJson | string, opts: { key?: string; grantAccess?: boolean } = {}): KubeObject {
  return secret(namespace, name, { [opts.key ?? 'auth.json']: typeof auth === 'string' ? auth : JSON.stringify(auth) }, { grantAccess: opts.grantAccess });
}

export function chatGPTAccount(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind: 'ChatGPTAccount', metadata: { name, namespace }, spec };
}

export function apiKey(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind: 'CodexLBAPIKey', metadata: { name, namespace }, spec };
}

/** The usual account spec: codexLBRef + the Secret holding `auth.json`. */
export function accountSpec(codexlb: string, secretName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { codexLBRef: { name: codexlb }, credentials: { secretRef: { name: secretName } }, ...extra };
}

type Obj = KubeObject & Record<string, any>;

/** Waits until the resource's status satisfies `ok`; returns the resource. */
export function waitForStatus(
  client: OperatorTestEnv['client'],
  kind: 'ChatGPTAccount' | 'CodexLBAPIKey' | 'CodexLB',
  namespace: string,
  name: string,
  what: string,
  ok: (obj: Obj) => boolean,
  timeoutMs = 30_000,
): Promise<Obj> {
  return waitFor(
    `${kind} ${namespace}/${name}: ${what}`,
    async () => {
      const obj = await get(client, API, kind, namespace, name);
      return obj && ok(obj) ? obj : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Waits for Ready with `reason` (and status, when given). */
export function waitForReady(client: OperatorTestEnv['client'], kind: 'ChatGPTAccount' | 'CodexLBAPIKey', namespace: string, name: string, reason: string, timeoutMs?: number): Promise<Obj> {
  return waitForStatus(client, kind, namespace, name, `Ready reason ${reason}`, (o) => condition(o as never, 'Ready')?.reason === reason, timeoutMs);
}

/** Events about one object (events.k8s.io/v1), oldest first. */
export async function eventsFor(client: OperatorTestEnv['client'], namespace: string, name: string): Promise<Array<{ reason: string; note: string; type: string }>> {
  const list = await client.list<Obj>('events.k8s.io/v1', 'Event', { namespace });
  return list.items
    .filter((e) => e.regarding?.name === name)
    .sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)))
    .map((e) => ({ reason: e.reason as string, note: e.note as string, type: e.type as string }));
}

/** Waits until an event with `reason` about the object exists. */
export function waitForEvent(client: OperatorTestEnv['client'], namespace: string, name: string, reason: string): Promise<{ reason: string; note: string; type: string }> {
  return waitFor(`event ${reason} about ${namespace}/${name}`, async () => (await eventsFor(client, namespace, name)).find((e) => e.reason === reason));
}

/** Calls counted by the operator's admin-API metric, by operation. */
export async function adminCalls(op: RunningOperator): Promise<Record<string, number>> {
  const metric = await op.operator.metrics.adminRequests.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) out[String(v.labels.operation)] = (out[String(v.labels.operation)] ?? 0) + v.value;
  return out;
}

export type { AccountCredentials };
