/**
 * Shared set-up for operator tests: a real control plane with the CRDs from crds/, an operator
 * running in-process (or as a child process), and small helpers to read what it did.
 */
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type Profile } from '../../harness/controlplane/controlplane.ts';
import { waitFor } from '../../harness/process.ts';
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../../../operator/api/common.ts';
import { DEFAULT_INSTALL_POLICY, type InstallPolicy } from '../../../operator/controllers/codexlb/install-policy.ts';
import { adminEndpoints } from '../../../operator/controllers/pool/endpoints.ts';
import { Operator } from '../../../operator/manager.ts';
import { KubeClient } from '../../../operator/runtime/kube/client.ts';
import { ApiError, type KubeObject } from '../../../operator/runtime/kube/types.ts';
import { createLogger, silentLogger } from '../../../operator/runtime/logger.ts';
import { OPERATOR_VERSION } from '../../../operator/version.ts';
import { waitForCrds } from '../../harness/controlplane/crds.ts';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface OperatorTestEnv {
  cp: ControlPlane;
  /** Admin client for assertions (not the operator's). */
  client: KubeClient;
  stop(): Promise<void>;
}

export async function startOperatorTestEnv(profile: Profile): Promise<OperatorTestEnv> {
  const cp = await startControlPlane({ profile });
  try {
    await cp.kubectl('apply', '--server-side', '-k', `${repoRoot}crds`);
    await waitForCrds(cp, ['codexlbs.codexlb.io', 'chatgptaccounts.codexlb.io', 'codexlbapikeys.codexlb.io']);
    const client = await KubeClient.fromKubeConfig(cp.kubeConfig());
    return {
      cp,
      client,
      async stop() {
        await client.close();
        await cp.stop();
      },
    };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

export async function createNamespace(cp: ControlPlane, name: string): Promise<string> {
  await cp.kubectl('create', 'namespace', name);
  if (cp.profile === 'cluster') {
    await waitFor(`default ServiceAccount in ${name}`, () => cp.kubectl('get', 'serviceaccount', 'default', '-n', name));
  }
  return name;
}

export interface RunningOperator {
  operator: Operator;
  /** Requests the operator sent, as "METHOD resource status". */
  requests: string[];
  stop(): Promise<void>;
}

export async function startOperator(
  kubeConfig: KubeConfig,
  opts: {
    resyncPeriodMs?: number;
    namespace?: string;
    verbose?: boolean;
    leaseNamespace?: string;
    logStream?: NodeJS.WritableStream;
    policy?: Partial<InstallPolicy>;
    blockedRetryMs?: number;
    /**
     * Admin API URLs of installations (`namespace/name` → a real `codex-lb-proxy serve` on loopback).
     * Others are never called: kwok pods serve nothing, and the in-cluster Service names would be
     * looked up in DNS outside the test's network.
     */
    adminEndpoints?: Map<string, string>;
    poolStatusPeriodMs?: number;
    operatorNamespace?: string;
  } = {},
): Promise<RunningOperator> {
  const operator = new Operator({
    kubeConfig,
    log: opts.logStream ? createLogger('debug', opts.logStream) : opts.verbose ? createLogger('debug') : silentLogger(),
    operatorVersion: OPERATOR_VERSION,
    namespace: opts.namespace,
    resyncPeriodMs: opts.resyncPeriodMs,
    leaderElection: opts.leaseNamespace ? { namespace: opts.leaseNamespace, name: 'codex-lb-operator' } : undefined,
    policy: { ...DEFAULT_INSTALL_POLICY, ...opts.policy },
    blockedRetryMs: opts.blockedRetryMs,
    adminEndpoints: adminEndpoints(opts.adminEndpoints ?? new Map(), 'none'),
    poolStatusPeriodMs: opts.poolStatusPeriodMs,
    operatorNamespace: opts.operatorNamespace,
  });
  const requests: string[] = [];
  await operator.start();
  operator.client.observe((method, resource, status) => requests.push(`${method} ${resource} ${status}`));
  await waitFor('the operator to lead with synced caches', async () => (operator.leading && operator.ready() ? true : undefined));
  return { operator, requests, stop: () => operator.stop() };
}

export function get<T extends KubeObject = KubeObject & Record<string, any>>(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return client.get<T>({ apiVersion, kind, namespace, name });
}

export interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function condition(obj: { status?: { conditions?: Cond[] } } | undefined, type: string): Cond | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the CodexLB's condition `type` has `status` (and `reason`, when given); returns the CodexLB. */
export function waitForCondition(
  client: KubeClient,
  namespace: string,
  name: string,
  type: string,
  status: string,
  reason?: string,
  timeoutMs = 60_000,
): Promise<KubeObject & Record<string, any>> {
  return waitFor(
    `CodexLB ${namespace}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`,
    async () => {
      const cr = await get(client, 'codexlb.io/v1alpha1', 'CodexLB', namespace, name);
      const c = condition(cr as never, type);
      return c?.status === status && (!reason || c.reason === reason) && cr ? cr : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

export function codexLB(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name, namespace }, spec };
}

/**
 * A Secret CodexLBs may use: it carries the opt-in label, as the README tells Secret owners to do.
 * `grantAccess: false` leaves it out (the confused-deputy tests).
 */
export function secret(namespace: string, name: string, data: Record<string, string>, opts: { grantAccess?: boolean } = {}): KubeObject {
  const labels = opts.grantAccess === false ? undefined : { [SECRET_ACCESS_LABEL]: SECRET_ACCESS_VALUE };
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', stringData: data };
}

/** The API server's refusal of a write that must be refused at admission (422): its message. */
export async function admissionRejection(write: Promise<unknown>): Promise<string> {
  const err = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected a rejection, got ${err === undefined ? 'success' : String(err)}`);
  if (err.status !== 422) throw new Error(`expected 422 Unprocessable Entity, got ${err.status}: ${err.message}`);
  return err.message;
}
