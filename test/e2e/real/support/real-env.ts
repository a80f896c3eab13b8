/**
 * The world of a real-pod e2e test: a real node running the project's images, the operator installed the
 * way the README tells users to (`kubectl apply -k config/default`, running in-cluster under its own RBAC),
 * PostgreSQL and the fake ChatGPT upstream on the host end of the node's veth pair (reachable from pods,
 * never from anywhere else), and helpers that reach Services the way pods do (through kube-proxy).
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../../../operator/runtime/kube/types.ts';
import { startRealCluster, type RealCluster } from '../../../harness/node/real-cluster.ts';
import { startPostgres, type PostgresServer } from '../../../harness/postgres.ts';
import { ManagedProcess, reportSlow, waitFor } from '../../../harness/process.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../fakes/fake-upstream.ts';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const OPERATOR_NAMESPACE = 'codex-lb-system';

export interface RealEnv {
  cluster: RealCluster;
  client: KubeClient;
  fake: FakeUpstream;
  /** Started on demand by `postgres()`. */
  postgres(): Promise<PostgresServer>;
  kubectl(...args: string[]): Promise<string>;
  /** Applies YAML or objects (server-side, as admin). */
  apply(manifest: string | object[]): Promise<string>;
  /**
   * `http://<ClusterIP>:<port>` of a Service: requests go through kube-proxy's rules on the node. Resolves once
   * a connection is accepted there: a new Service is not routed until kube-proxy's next sync, and until then the
   * node answers "network unreachable" (it has no route for the Service range of its own).
   */
  serviceURL(namespace: string, name: string): Promise<string>;
  /** Component logs and the operator's pods' logs, for failure messages. */
  diagnostics(namespace?: string): Promise<string>;
  stop(): Promise<void>;
}

/** True once a TCP connection to the address is accepted; undefined (try again) otherwise. */
function accepts(host: string, port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok ? true : undefined);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export async function startRealEnv(): Promise<RealEnv> {
  const cluster = await startRealCluster();
  const { cp, net } = cluster;
  let fake: FakeUpstream | undefined;
  let pg: PostgresServer | undefined;
  let client: KubeClient | undefined;
  const stop = async (): Promise<void> => {
    await reportSlow('real env stop: closing the API client', async () => client?.close());
    await reportSlow('real env stop: stopping the cluster', () => cluster.stop());
    await reportSlow('real env stop: stopping PostgreSQL', async () => pg?.stop());
    await reportSlow('real env stop: closing the fake upstream', async () => fake?.close());
  };
  try {
    fake = await startFakeUpstream({ host: net.hostIP, port: 0 });
    client = await KubeClient.fromKubeConfig(cp.kubeConfig());
    await installOperator(cluster, new URL(fake.url).hostname);
    const kubectl = (...args: string[]) => cp.kubectl(...args);
    return {
      cluster,
      client,
      fake,
      postgres: async () => (pg ??= await startPostgres({ host: net.hostIP, clientCIDRs: [net.podCIDR] })),
      kubectl,
      apply: (manifest) => cp.apply(manifest),
      async serviceURL(namespace, name) {
        const [ip, port] = (await kubectl('get', 'service', name, '-n', namespace, '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}')).split(' ');
        await waitFor(`kube-proxy to route Service ${namespace}/${name} (${ip}:${port})`, () => accepts(ip!, Number(port)), { timeoutMs: 60_000, intervalMs: 500 });
        return `http://${ip}:${port}`;
      },
      async diagnostics(namespace) {
        const parts = [cluster.node.logs()];
        for (const ns of [OPERATOR_NAMESPACE, ...(namespace ? [namespace] : [])]) {
          parts.push(await kubectl('get', 'pods,jobs,events', '-n', ns, '-o', 'wide').catch((e: Error) => e.message));
        }
        parts.push(await kubectl('logs', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=codex-lb-operator', '--tail=40', '--prefix').catch((e: Error) => e.message));
        return parts.join('\n');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * README "Install on a cluster": the images are already on the node (built from the Dockerfiles by
 * `make setup` and imported instead of pushed), then `kubectl apply -k config/default`. One departure:
 * the operator's flags let CodexLBs use the fake upstream (plain http on `fakeHost`), as a cluster
 * admin would widen them (README, "Security model").
 */
async function installOperator(cluster: RealCluster, fakeHost: string): Promise<void> {
  const { cp } = cluster;
  await cp.kubectl('apply', '-k', join(repoRoot, 'config/default'));
  const args = [`--allowed-upstream-hosts=${fakeHost}`, '--allow-insecure-upstream'];
  await cp.kubectl(
    '-n', OPERATOR_NAMESPACE, 'patch', 'deployment', 'codex-lb-operator', '--type=json',
    '-p', JSON.stringify(args.map((value) => ({ op: 'add', path: '/spec/template/spec/containers/0/args/-', value }))),
  );
  await cp
    .kubectl('-n', OPERATOR_NAMESPACE, 'rollout', 'status', 'deployment/codex-lb-operator', '--timeout=180s')
    .catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await cp.kubectl('get', 'pods,events', '-n', OPERATOR_NAMESPACE).catch(() => '')}\n${cluster.node.logs()}`);
    });
}

/** A Secret or other object manifest as the samples write it. */
export async function sample(name: string): Promise<string> {
  return readFile(join(repoRoot, 'samples', name), 'utf8');
}

/** Reads a CodexLB. */
export function getCodexLB(client: KubeClient, namespace: string, name: string): Promise<(KubeObject & Record<string, any>) | undefined> {
  return client.get({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', namespace, name });
}

/** `kubectl port-forward` to a Service (kubelet → containerd's streaming server → the pod's netns). */
export async function portForward(env: RealEnv, namespace: string, target: string, remotePort: number): Promise<{ url: string; stop(): Promise<void> }> {
  const { cp } = env.cluster;
  const proc = new ManagedProcess('kubectl port-forward', cp.binaries.kubectl, [
    `--kubeconfig=${cp.kubeconfigPath}`, '-n', namespace, 'port-forward', target, `:${remotePort}`, '--address=127.0.0.1',
  ]);
  const port = await waitFor('port-forward to listen', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(proc.output())?.[1], { timeoutMs: 30_000, proc });
  return { url: `http://127.0.0.1:${port}`, stop: () => proc.stop(2000) };
}
