/**
 * The real-pod test ground: a control plane on the host end of a node's veth pair, and one real node
 * (containerd + runc, CNI bridge, kubelet, kube-proxy, CoreDNS) in its own network namespace, with the
 * project's images (built by `make setup` from proxy/Dockerfile and operator/Dockerfile, and the official
 * codex-lb app's image from images/upstream/) imported into the node's containerd. Pods are real containers; nothing here simulates a kubelet.
 *
 * Needs root (network namespaces, cgroups, mounts). Everything is removed on stop, and a node whose owner
 * died is removed by the next start or by `make cluster-down` (see node.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { controlPlaneBinaries } from '../controlplane/binaries.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { waitFor } from '../process.ts';
import type { NodeNetwork } from './network.ts';
import { claimNode, startNode, type ImageArchive, type RealNode } from './node.ts';

const imagesScript = fileURLToPath(new URL('../images/build.sh', import.meta.url));
export const NODE_NAME = 'codexlb-node';

export interface ProjectImages {
  proxy: ImageArchive;
  operator: ImageArchive;
  pause: ImageArchive;
  /** ghcr.io/soju06/codex-lb:<images/upstream/version>, what `flavor: Upstream` runs by default. */
  upstream: ImageArchive;
}

/** The image archives `make setup` built for the current sources (never builds: a stale build fails fast). */
export async function projectImages(): Promise<ProjectImages> {
  const { stdout } = await promisify(execFile)('bash', [imagesScript, '--check']);
  const found: Partial<Record<string, ImageArchive>> = {};
  for (const line of stdout.trim().split('\n')) {
    const match = /^(\w+)=(\S+) (\S+)$/.exec(line);
    if (match?.[1] && match[2] && match[3]) found[match[1]] = { path: match[2], tag: match[3] };
  }
  const { proxy, operator, pause, upstream } = found;
  if (!proxy || !operator || !pause || !upstream) throw new Error(`images/build.sh --check printed an incomplete list:\n${stdout}`);
  return { proxy, operator, pause, upstream };
}

export interface RealCluster {
  cp: ControlPlane;
  node: RealNode;
  net: NodeNetwork;
  images: ProjectImages;
  /** Seconds from the start until the Node was Ready. */
  readySeconds: number;
  stop(): Promise<void>;
}

export interface RealClusterOptions {
  /** Keep the control plane's state here (make cluster-up). */
  dir?: string;
  kubeletArgs?: string[];
}

export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const started = Date.now();
  const binaries = await controlPlaneBinaries();
  const images = await projectImages();
  const claim = await claimNode(await mkdtemp(join(tmpdir(), 'codexlb-node-')), binaries.crictl);
  const { net } = claim;
  let cp: ControlPlane | undefined;
  const stop = async (): Promise<void> => {
    await claim.release();
    await cp?.stop();
  };
  try {
    const nodeUser = `system:node:${NODE_NAME}`;
    cp = await startControlPlane({
      profile: 'real',
      dir: options.dir,
      address: net.hostIP,
      serviceCIDR: net.serviceCIDR,
      users: [
        { name: nodeUser, groups: ['system:nodes'] },
        // Bound to ClusterRole system:node-proxier by the apiserver's bootstrap RBAC.
        { name: 'system:kube-proxy', groups: [] },
      ],
    });
    const node = await startNode({
      claim,
      binaries,
      nodeName: NODE_NAME,
      kubeconfigs: { kubelet: cp.kubeconfigYamlFor(nodeUser), kubeProxy: cp.kubeconfigYamlFor('system:kube-proxy'), dns: cp.kubeconfigYamlFor('admin') },
      images: [images.pause, images.proxy, images.operator, images.upstream],
      sandboxImage: images.pause.tag,
      kubeletArgs: options.kubeletArgs,
    });
    const controlPlane = cp;
    await waitFor(
      `node ${NODE_NAME} Ready`,
      async () => {
        const ready = await controlPlane.kubectl('get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}');
        return ready === 'True' ? true : undefined;
      },
      // A component that died fails the start at once, with its output.
      { timeoutMs: 90_000, intervalMs: 500, abortIf: () => node.assertRunning() },
    ).catch((err: Error) => {
      throw new Error(/ exited:\n/.test(err.message) ? err.message : `${err.message}\n${node.logs()}`);
    });
    return { cp, node, net, images, readySeconds: (Date.now() - started) / 1000, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
