/**
 * A real Kubernetes node on this machine: containerd + runc, CNI bridge, kubelet, kube-proxy and CoreDNS,
 * each a process in the node's network namespace and cgroup subtree, registered with a control plane
 * that listens on the host end of the node's veth pair.
 *
 * A record of every live node is kept under /run/codex-lb/nodes/, so `teardownNode` can remove a node whose
 * owner died (a crashed test runner, a killed `make cluster-up`) as completely as a normal stop: processes,
 * pods, mounts, cgroups, the netns with its veth pair, bridge, routes and iptables rules, and the directories.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, ManagedProcess, reportSlow, run, waitFor } from '../process.ts';
import type { ControlPlaneBinaries } from '../controlplane/binaries.ts';
import { createCgroup, enterCgroupScript, killCgroup, nodeCgroups, removeCgroup } from './cgroups.ts';
import { cniConfig, containerdConfig, corefile, kubeletConfig, kubeProxyConfig, podResolvConf, type NodeLayout } from './configs.ts';
import { copySeed, imageSeed } from './image-seed.ts';
import { unmountUnder } from './mounts.ts';
import { createNodeNetwork, destroyNodeNetwork, existingInstances, networkPlan, type NodeNetwork } from './network.ts';

const RECORDS = '/run/codex-lb/nodes';

export interface ImageArchive {
  /** e.g. ghcr.io/codex-lb/codex-lb-proxy:0.1.0 */
  tag: string;
  /** docker-archive tarball to import. */
  path: string;
}

/** A node network claimed for this process, recorded so that it is cleaned up even if we die. */
export interface NodeClaim {
  net: NodeNetwork;
  /** Directory for the node's state (containerd, kubelet, configs); removed on release. */
  dir: string;
  /** Tears down whatever was started for this claim; idempotent. */
  release(): Promise<void>;
}

export interface NodeOptions {
  claim: NodeClaim;
  binaries: ControlPlaneBinaries;
  /** Kubeconfig YAML for the kubelet (a system:node:<name> identity), kube-proxy and CoreDNS. */
  kubeconfigs: { kubelet: string; kubeProxy: string; dns: string };
  nodeName: string;
  /** Images to import; the one tagged `sandboxImage` becomes the pod sandbox. */
  images: ImageArchive[];
  sandboxImage: string;
  clusterDomain?: string;
  /** Extra kubelet flags (tests use an invalid one to prove a failing component fails the start). */
  kubeletArgs?: string[];
}

export interface RealNode {
  readonly layout: NodeLayout;
  /** Runs crictl against the node's containerd (debugging, assertions on the runtime). */
  crictl(...args: string[]): Promise<string>;
  /** Output tails of the node's components, for failure messages. */
  logs(): string;
  /** Throws with the component's output if one of the node's processes has exited. */
  assertRunning(): void;
  stop(): Promise<void>;
}

interface NodeRecord {
  index: number;
  ownerPid: number;
  dir: string;
  crictl: string;
}

const containerdSocket = (dir: string): string => join(dir, 'containerd', 'containerd.sock');

/** Claims a free node network and records it before anything else is started in it. */
export async function claimNode(dir: string, crictl: string): Promise<NodeClaim> {
  await sweepOrphanedNodes();
  const net = await createNodeNetwork();
  const record: NodeRecord = { index: net.index, ownerPid: process.pid, dir, crictl };
  await mkdir(RECORDS, { recursive: true });
  await writeFile(join(RECORDS, `${net.index}.json`), JSON.stringify(record));
  await mkdir(dir, { recursive: true });
  let released: Promise<void> | undefined;
  return { net, dir, release: () => (released ??= teardown(record, running.get(net.index) ?? [])) };
}

/** Processes of the nodes this process started, by instance index (for an orderly stop). */
const running = new Map<number, ManagedProcess[]>();

export async function startNode(options: NodeOptions): Promise<RealNode> {
  const { claim, binaries } = options;
  const { net, dir } = claim;
  const cgroups = nodeCgroups(net.index);
  const layout: NodeLayout = {
    net,
    nodeName: options.nodeName,
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: containerdSocket(dir),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletCertDir: join(dir, 'kubelet-pki'),
    staticPodDir: join(dir, 'manifests'),
    resolvConf: join(dir, 'resolv.conf'),
    cgroupRoot: cgroups.root,
    sandboxImage: options.sandboxImage,
    clusterDomain: options.clusterDomain ?? 'cluster.local',
  };
  const processes: ManagedProcess[] = [];
  running.set(net.index, processes);
  const stop = (): Promise<void> => claim.release();
  try {
    for (const d of [layout.containerdRoot, layout.containerdState, layout.cniConfDir, layout.cniDataDir, layout.kubeletRoot, layout.kubeletCertDir, layout.staticPodDir]) {
      await mkdir(d, { recursive: true });
    }
    const file = async (name: string, content: string): Promise<string> => {
      const path = join(dir, name);
      await writeFile(path, content, { mode: 0o600 });
      return path;
    };
    await createCgroup(cgroups.system);
    const enter = await enterCgroupScript(cgroups.system);
    // Every component: in the node's netns and cgroup, killed with the runner if it dies (pdeathsig).
    const start = (name: string, command: string, args: string[]): ManagedProcess => {
      const proc = new ManagedProcess(name, 'nsenter', [`--net=${net.netnsPath}`, '--', 'sh', '-c', enter, name, command, ...args]);
      processes.push(proc);
      return proc;
    };

    await file('cni/net.d/10-codexlb.conflist', cniConfig(layout));
    await file('resolv.conf', podResolvConf(layout));
    // The images come with the containerd root, copied from a seed made once per set of images.
    await copySeed(await imageSeed(options.images), layout.containerdRoot);
    const containerd = start('containerd', 'containerd', ['--config', await file('containerd.toml', containerdConfig(layout)), '--log-level', 'warn']);
    const ctr = (...args: string[]) => run('ctr', ['--address', layout.containerdSocket, '--namespace', 'k8s.io', ...args]);
    await waitFor('containerd to serve', () => ctr('version').then(() => true), { timeoutMs: 30_000, proc: containerd });
    const present = (await ctr('images', 'list', '--quiet')).split('\n');
    const missing = options.images.filter((image) => !present.includes(image.tag));
    if (missing.length > 0) throw new Error(`the node's containerd lacks ${missing.map((i) => i.tag).join(', ')}`);

    start('kubelet', binaries.kubelet, [
      `--config=${await file('kubelet.yaml', kubeletConfig(layout))}`,
      `--kubeconfig=${await file('kubelet.kubeconfig', options.kubeconfigs.kubelet)}`,
      `--hostname-override=${layout.nodeName}`,
      `--node-ip=${net.nodeIP}`,
      `--root-dir=${layout.kubeletRoot}`,
      `--cert-dir=${layout.kubeletCertDir}`,
      '--v=1',
      ...(options.kubeletArgs ?? []),
    ]);
    const kubeProxyKubeconfig = await file('kube-proxy.kubeconfig', options.kubeconfigs.kubeProxy);
    start('kube-proxy', binaries.kubeProxy, [`--config=${await file('kube-proxy.yaml', kubeProxyConfig(layout, kubeProxyKubeconfig))}`]);
    const dnsKubeconfig = await file('dns.kubeconfig', options.kubeconfigs.dns);
    start('coredns', binaries.coredns, ['-conf', await file('Corefile', corefile(layout, dnsKubeconfig))]);
    const assertRunning = (): void => {
      const dead = processes.find((p) => !p.running);
      if (dead) throw new Error(`${dead.name} exited:\n${dead.output().slice(-8000)}`);
    };
    return {
      layout,
      crictl: (...args) => run(binaries.crictl, [`--runtime-endpoint=unix://${layout.containerdSocket}`, ...args]),
      logs: () => processes.map((p) => `--- ${p.name}${p.running ? '' : ' (exited)'} ---\n${p.output().slice(-4000)}`).join('\n'),
      assertRunning,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Removes everything a node made. Order matters: kubelet first (it would restart what we remove), then the
 * pods through the CRI (CNI releases addresses, sandboxes and their netns go), then every process left in
 * the node's cgroups, then mounts, cgroups, the network and the files.
 */
async function teardown(record: NodeRecord, processes: ManagedProcess[] = []): Promise<void> {
  // Every step is bounded or should be; one teardown still outlived a 300 s hook once (replicated.test.ts,
  // all tests passed), so a step that takes long says which it is.
  const step = (what: string, work: () => Promise<unknown>): Promise<void> => reportSlow(`node ${record.index} teardown: ${what}`, work);
  const byName = (name: string) => processes.find((p) => p.name === name);
  await step('stopping the kubelet', async () => byName('kubelet')?.stop(5000));
  const socket = containerdSocket(record.dir);
  if (existsSync(socket)) {
    await step('removing pods', () => run('timeout', ['30', record.crictl, `--runtime-endpoint=unix://${socket}`, 'rmp', '--all', '--force']).catch(() => undefined));
  }
  for (const proc of processes) await step(`stopping ${proc.name}`, () => proc.stop(5000));
  const cgroups = nodeCgroups(record.index);
  await step('killing what is left in its cgroup', () => killCgroup(cgroups.root));
  await step('unmounting', () => unmountUnder([record.dir]));
  await step('removing its cgroup', () => removeCgroup(cgroups.root));
  await step('removing its network', () => destroyNodeNetwork(networkPlan(record.index)));
  await step('removing its files', () => rm(record.dir, { recursive: true, force: true }));
  await rm(join(RECORDS, `${record.index}.json`), { force: true });
  running.delete(record.index);
}


/** A netns is claimed before its record is written; give a claim this long before calling it orphaned. */
const UNRECORDED_GRACE_MS = 120_000;

/**
 * Tears down nodes whose owner process is gone, and node netns left without any record. Called before a
 * new node is claimed, and by `make cluster-down`.
 */
export async function sweepOrphanedNodes(): Promise<number[]> {
  const swept: number[] = [];
  const recorded = new Set<number>();
  if (existsSync(RECORDS)) {
    for (const name of await readdir(RECORDS)) {
      const record = JSON.parse(await readFile(join(RECORDS, name), 'utf8')) as NodeRecord;
      recorded.add(record.index);
      if (isAlive(record.ownerPid)) continue;
      await teardown(record);
      swept.push(record.index);
    }
  }
  for (const index of await existingInstances()) {
    if (recorded.has(index)) continue;
    const { mtimeMs } = await stat(networkPlan(index).netnsPath);
    if (Date.now() - mtimeMs < UNRECORDED_GRACE_MS) continue;
    await killCgroup(nodeCgroups(index).root);
    await removeCgroup(nodeCgroups(index).root);
    await destroyNodeNetwork(networkPlan(index));
    swept.push(index);
  }
  return swept;
}
