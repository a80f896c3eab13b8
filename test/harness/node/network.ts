/**
 * The real-pod profile's network: one network namespace per node, joined to the host by a veth pair.
 *
 *   host netns                               node netns codexlb-<i>
 *   clbh<i> 172.31.<i>.1/30  ── veth ──  eth0 172.31.<i>.2/30   (node IP: kubelet, containerd, kube-proxy, DNS)
 *   (apiserver, PostgreSQL, fake upstream)    cni0 10.244.<i>.1/24 ── pods 10.244.<i>.x
 *   routes: 10.244.<i>.0/24, 10.96.<i>.0/24 via the node   Services 10.96.<i>.0/24 (kube-proxy, inside the node)
 *
 * Every non-loopback address a test uses belongs to an interface made here, so no test traffic leaves the
 * machine. The node netns has no default route, and a FORWARD rule rejects anything from the pod range
 * that is not bound for the node, the host end of the link or another pod: pod egress stops at the node.
 * Deleting the netns removes the veth pair, the bridge, the routes and every rule with it.
 */
import { run } from '../process.ts';

export interface NodeNetwork {
  index: number;
  netns: string;
  /** /run/netns/<netns>, for `nsenter --net=`. */
  netnsPath: string;
  /** Host end of the veth pair. */
  hostInterface: string;
  /** Address of the host end: the apiserver and the test's servers listen here. */
  hostIP: string;
  /** The node's address: kubelet, kube-proxy and cluster DNS. */
  nodeIP: string;
  podCIDR: string;
  podGateway: string;
  serviceCIDR: string;
  /** ClusterIP of the `kubernetes` Service (first address of the Service range). */
  kubernetesServiceIP: string;
}

const NETNS_PREFIX = 'codexlb-';
export const MAX_INSTANCES = 250;

/** The address plan of instance `index` (1..250): pure, so a sweep can recompute it from the index alone. */
export function networkPlan(index: number): NodeNetwork {
  if (!Number.isInteger(index) || index < 1 || index > MAX_INSTANCES) throw new Error(`instance index out of range: ${index}`);
  const netns = `${NETNS_PREFIX}${index}`;
  return {
    index,
    netns,
    netnsPath: `/run/netns/${netns}`,
    hostInterface: `clbh${index}`,
    hostIP: `172.31.${index}.1`,
    nodeIP: `172.31.${index}.2`,
    podCIDR: `10.244.${index}.0/24`,
    podGateway: `10.244.${index}.1`,
    serviceCIDR: `10.96.${index}.0/24`,
    kubernetesServiceIP: `10.96.${index}.1`,
  };
}

/** Indexes of the node network namespaces that exist on this machine. */
export async function existingInstances(): Promise<number[]> {
  const out = await run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => /^codexlb-(\d+)\b/.exec(line.trim())?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/**
 * Claims a free instance index by creating its netns (`ip netns add` fails when the name exists, so two
 * callers never get the same one), then wires it up.
 */
export async function createNodeNetwork(): Promise<NodeNetwork> {
  const taken = new Set(await existingInstances());
  for (let index = 1; index <= MAX_INSTANCES; index++) {
    if (taken.has(index)) continue;
    const net = networkPlan(index);
    try {
      await run('ip', ['netns', 'add', net.netns]);
    } catch {
      continue; // lost a race for this index
    }
    try {
      await wire(net);
      return net;
    } catch (err) {
      await destroyNodeNetwork(net);
      throw err;
    }
  }
  throw new Error(`no free node network: ${MAX_INSTANCES} codexlb-* network namespaces exist`);
}

async function wire(net: NodeNetwork): Promise<void> {
  const inNode = (...args: string[]) => run('nsenter', [`--net=${net.netnsPath}`, '--', ...args]);
  const peer = `clbn${net.index}`;
  await run('ip', ['link', 'add', net.hostInterface, 'type', 'veth', 'peer', 'name', peer]);
  await run('ip', ['link', 'set', peer, 'netns', net.netns]);
  await run('ip', ['addr', 'add', `${net.hostIP}/30`, 'dev', net.hostInterface]);
  await run('ip', ['link', 'set', net.hostInterface, 'up']);
  await inNode('ip', 'link', 'set', 'lo', 'up');
  await inNode('ip', 'link', 'set', peer, 'name', 'eth0');
  await inNode('ip', 'addr', 'add', `${net.nodeIP}/30`, 'dev', 'eth0');
  await inNode('ip', 'link', 'set', 'eth0', 'up');
  await inNode('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  // Pod egress: only the node, the host end of the link and other pods (Services are DNATed before FORWARD).
  await inNode('iptables', '-N', 'CODEXLB-EGRESS');
  for (const allowed of [`${net.hostIP}/32`, `${net.nodeIP}/32`, net.podCIDR]) {
    await inNode('iptables', '-A', 'CODEXLB-EGRESS', '-d', allowed, '-j', 'RETURN');
  }
  await inNode('iptables', '-A', 'CODEXLB-EGRESS', '-j', 'REJECT', '--reject-with', 'icmp-net-prohibited');
  await inNode('iptables', '-I', 'FORWARD', '-s', net.podCIDR, '-j', 'CODEXLB-EGRESS');
  // The host reaches pods and Services through the node (tests call Services the way pods do).
  await run('ip', ['route', 'add', net.podCIDR, 'via', net.nodeIP, 'dev', net.hostInterface]);
  await run('ip', ['route', 'add', net.serviceCIDR, 'via', net.nodeIP, 'dev', net.hostInterface]);
}

/** Removes the netns and with it the veth pair (both ends), the routes through it, the bridge and its rules. */
export async function destroyNodeNetwork(net: NodeNetwork): Promise<void> {
  await run('ip', ['link', 'del', net.hostInterface]).catch(() => undefined);
  await run('ip', ['netns', 'del', net.netns]).catch(() => undefined);
}
