/**
 * A real Kubernetes control plane on loopback, built from source by `make setup`.
 *
 *   profile "api":     etcd + kube-apiserver. Schema, CEL, server-side apply, status subresource, RBAC.
 *   profile "cluster": + kube-controller-manager, kube-scheduler, kwok (fake kubelets on fake Nodes) and a
 *                      hostPath volume provisioner, so workloads get Running/Ready Pods, Jobs complete,
 *                      PVCs bind and garbage collection deletes owned objects.
 *   profile "real":    the control plane of "cluster" without kwok, listening on a non-loopback `address`
 *                      (the host end of a real node's veth pair, see ../node/real-cluster.ts) so kubelets and
 *                      pods can reach it; its own Endpoints make the `kubernetes` Service work in pods.
 *
 * Each instance lives in its own temp dir with random ports, so test files can run in parallel.
 */
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ManagedProcess, run, waitFor } from '../process.ts';
import { freePort, isAddressInUse } from '../ports.ts';
import { controlPlaneBinaries, type ControlPlaneBinaries } from './binaries.ts';
import { kwokConfiguration } from './kwok-config.ts';
import { createFakeNodes, installDefaultStorageClass, startVolumeProvisioner, type Stoppable } from './cluster-addons.ts';

export type Profile = 'api' | 'cluster' | 'real';

export interface ControlPlaneOptions {
  profile: Profile;
  /** Keep state here instead of a fresh temp dir (make cluster-up). Emptied on start. */
  dir?: string;
  /** Number of kwok Nodes in the cluster profile. */
  nodes?: number;
  /** Address the apiserver binds and advertises (default 127.0.0.1; the real profile needs another). */
  address?: string;
  /** Service ClusterIP range (default 10.96.0.0/16). */
  serviceCIDR?: string;
  /** Extra token-authenticated identities, e.g. system:node:<name> in group system:nodes for a kubelet. */
  users?: Array<{ name: string; groups: string[] }>;
}

export interface ControlPlane {
  readonly profile: Profile;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly caFile: string;
  readonly binaries: ControlPlaneBinaries;
  /** Admin (system:masters) client configuration. */
  kubeConfig(): KubeConfig;
  /** Client configuration authenticating with a bearer token, e.g. a ServiceAccount token. */
  kubeConfigForToken(token: string, user?: string): KubeConfig;
  /** Kubeconfig YAML for one of `options.users` (or "admin"). */
  kubeconfigYamlFor(user: string): string;
  /** Runs the matching kubectl against this control plane as admin; resolves with stdout. */
  kubectl(...args: string[]): Promise<string>;
  /** `kubectl apply --server-side -f -` of the given objects (YAML or JSON), as admin. */
  apply(manifest: string | object[]): Promise<string>;
  /** Stops every component in reverse start order and deletes the data dir. */
  stop(): Promise<void>;
  /** Sends `signal` to kube-apiserver, e.g. SIGSTOP / SIGCONT to freeze and thaw the API. */
  signalApiserver(signal: NodeJS.Signals): void;
}

const START_ATTEMPTS = 3;

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const bins = await controlPlaneBinaries();
  const dir = options.dir ?? (await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'codexlb-cp-')));
  if (options.dir) await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'pki'), { recursive: true });

  const adminToken = randomBytes(24).toString('hex');
  const tokens = new Map<string, string>([['admin', adminToken]]);
  const tokenLines = [`${adminToken},admin,admin-uid,"system:masters"`];
  for (const [i, user] of (options.users ?? []).entries()) {
    const token = randomBytes(24).toString('hex');
    tokens.set(user.name, token);
    tokenLines.push(`${token},${user.name},user-${i},"${user.groups.join(',')}"`);
  }
  await writeFile(join(dir, 'tokens.csv'), `${tokenLines.join('\n')}\n`, { mode: 0o600 });
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  // One key file serves as both the service account signing key and its verification key.
  await writeFile(join(dir, 'sa.key'), privateKey, { mode: 0o600 });

  const started: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    for (const component of started.reverse()) await component.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const etcdUrl = await startEtcd(bins, dir, started);
    const { server, caFile } = await startApiserver(bins, dir, etcdUrl, adminToken, options, started);
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caFile, 'admin', adminToken), { mode: 0o600 });

    const makeConfig = (token: string, user: string): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'test', server, caFile, skipTLSVerify: false }],
        users: [{ name: user, token }],
        contexts: [{ name: 'test', cluster: 'test', user }],
        currentContext: 'test',
      });
      return kc;
    };
    const admin = makeConfig(adminToken, 'admin');

    if (options.profile !== 'api') {
      await startClusterComponents(bins, dir, kubeconfigPath, caFile, started);
      await installDefaultStorageClass(admin);
      started.push(startVolumeProvisioner(admin, join(dir, 'volumes')));
    }
    if (options.profile === 'cluster') {
      await startKwok(bins, dir, kubeconfigPath, started);
      await createFakeNodes(admin, options.nodes ?? 3);
    }

    return {
      profile: options.profile,
      server,
      kubeconfigPath,
      caFile,
      binaries: bins,
      kubeConfig: () => makeConfig(adminToken, 'admin'),
      kubeConfigForToken: (token, user = 'token-user') => makeConfig(token, user),
      kubeconfigYamlFor: (user) => {
        const token = tokens.get(user);
        if (!token) throw new Error(`no such control-plane user: ${user}`);
        return kubeconfigYaml(server, caFile, user, token);
      },
      kubectl: (...args) => run(bins.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args]),
      apply: (manifest) =>
        run(bins.kubectl, [`--kubeconfig=${kubeconfigPath}`, 'apply', '--server-side', '-f', '-'], {
          input: typeof manifest === 'string' ? manifest : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }),
        }),
      stop: stopAll,
      signalApiserver: (signal) => {
        const apiserver = started.find((c): c is ManagedProcess => c instanceof ManagedProcess && c.name === 'kube-apiserver');
        if (!apiserver) throw new Error('kube-apiserver is not running');
        apiserver.signal(signal);
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Starts a component on fresh free ports (a second one for components that need two), retrying when
 * another process won the race for a port.
 */
async function startWithPorts<T>(
  name: string,
  launch: (port: number, secondPort: number) => { proc: ManagedProcess; ready: () => Promise<T> },
  started: Stoppable[],
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const { proc, ready } = launch(await freePort(), await freePort());
    try {
      const result = await ready();
      started.push(proc);
      return result;
    } catch (err) {
      await proc.stop(2000);
      if (attempt < START_ATTEMPTS && isAddressInUse(proc.output())) continue;
      throw new Error(`${name} failed to start: ${(err as Error).message}`, { cause: err });
    }
  }
}

function startEtcd(bins: ControlPlaneBinaries, dir: string, started: Stoppable[]): Promise<string> {
  return startWithPorts('etcd', (clientPort, peerPort) => {
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const proc = new ManagedProcess('etcd', bins.etcd, [
      '--name=test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      '--unsafe-no-fsync', // test data dies with the test
      '--auto-compaction-retention=1',
      '--log-level=warn',
    ]);
    const ready = () =>
      waitFor(
        'etcd health',
        async () => {
          const res = await fetch(`${clientUrl}/health`);
          const body = (await res.json()) as { health?: string };
          return body.health === 'true' ? clientUrl : undefined;
        },
        { timeoutMs: 30_000, proc },
      );
    return { proc, ready };
  }, started);
}

function startApiserver(
  bins: ControlPlaneBinaries,
  dir: string,
  etcdUrl: string,
  adminToken: string,
  { profile, address = '127.0.0.1', serviceCIDR = '10.96.0.0/16' }: ControlPlaneOptions,
  started: Stoppable[],
): Promise<{ server: string; caFile: string }> {
  return startWithPorts('kube-apiserver', (port) => {
    const server = `https://${address}:${port}`;
    // Without --tls-cert-file the apiserver generates a CA and a serving cert for the advertise
    // address and the `kubernetes` Service IP into --cert-dir; the cert file carries the CA, so it is our
    // trust root (and, through kube-root-ca.crt, the pods').
    const caFile = join(dir, 'pki', 'apiserver.crt');
    const proc = new ManagedProcess('kube-apiserver', bins.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${address}`,
      `--advertise-address=${address}`,
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--service-cluster-ip-range=${serviceCIDR}`,
      // Node names do not resolve on this machine; reach kubelets (logs, exec, port-forward) by their IP.
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      // Without kube-controller-manager no namespace gets a default ServiceAccount (envtest does the same).
      ...(profile === 'api' ? ['--disable-admission-plugins=ServiceAccount'] : []),
      // A loopback advertise address cannot be an Endpoints IP; a real node's pods need the Endpoints.
      `--endpoint-reconciler-type=${address.startsWith('127.') ? 'none' : 'lease'}`,
      '--profiling=false',
      '--v=0',
    ]);
    const ready = () =>
      waitFor(
        'kube-apiserver /readyz',
        async () => {
          if (!existsSync(caFile)) return undefined;
          const { status } = await httpsGet(`${server}/readyz`, await readFile(caFile), adminToken);
          return status === 200 ? { server, caFile } : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, proc },
      );
    return { proc, ready };
  }, started);
}

async function startClusterComponents(
  bins: ControlPlaneBinaries,
  dir: string,
  kubeconfig: string,
  caFile: string,
  started: Stoppable[],
): Promise<void> {
  const common = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
  ];
  await startWithPorts('kube-controller-manager', (port) => {
    const proc = new ManagedProcess('kube-controller-manager', bins.kubeControllerManager, [
      ...common,
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'kcm-pki')}`,
      `--root-ca-file=${caFile}`,
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      '--use-service-account-credentials=false',
      '--controllers=*',
      '--v=0',
    ]);
    return { proc, ready: () => waitForHealthz(proc, port) };
  }, started);
  await startWithPorts('kube-scheduler', (port) => {
    const proc = new ManagedProcess('kube-scheduler', bins.kubeScheduler, [
      ...common,
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'scheduler-pki')}`,
      '--v=0',
    ]);
    return { proc, ready: () => waitForHealthz(proc, port) };
  }, started);
}

async function startKwok(bins: ControlPlaneBinaries, dir: string, kubeconfig: string, started: Stoppable[]): Promise<void> {
  await writeFile(join(dir, 'kwok.yaml'), await kwokConfiguration(join(bins.dir, 'kwok-stages')));
  await startWithPorts('kwok', (port) => {
    const proc = new ManagedProcess('kwok', bins.kwok, [
      `--kubeconfig=${kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--manage-nodes-with-label-selector=',
      '--manage-single-node=',
      '--cidr=10.244.0.0/16',
      '--node-ip=10.244.0.1',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${port}`,
      `--config=${join(dir, 'kwok.yaml')}`,
    ]);
    const ready = () =>
      waitFor('kwok /healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), {
        timeoutMs: 30_000,
        proc,
      });
    return { proc, ready };
  }, started);
}

/** kcm and the scheduler serve /healthz over TLS with a self-signed cert; authz-exempt on loopback. */
function waitForHealthz(proc: ManagedProcess, port: number): Promise<true> {
  return waitFor(
    `${proc.name} /healthz`,
    async () => ((await httpsGet(`https://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 250, proc },
  );
}

function httpsGet(url: string, ca?: Buffer, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca,
        rejectUnauthorized: ca !== undefined,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function kubeconfigYaml(server: string, caFile: string, user: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: codex-lb-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: codex-lb-test',
    '  context:',
    '    cluster: codex-lb-test',
    `    user: ${user}`,
    'current-context: codex-lb-test',
    '',
  ].join('\n');
}
