/**
 * Configuration of the real-pod node's components, as pure functions of the node's layout. Every setting
 * that departs from a component's default says why; most are what this machine needs (cgroup v1 hybrid, a
 * sandbox that forbids lowering oom_score_adj, no registry, no network beyond the harness's own).
 */
import { stringify } from 'yaml';
import type { NodeNetwork } from './network.ts';

export interface NodeLayout {
  net: NodeNetwork;
  nodeName: string;
  /** containerd: root (content, snapshots), state (tasks, sandboxes, netns mounts), socket. */
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletRoot: string;
  kubeletCertDir: string;
  staticPodDir: string;
  /** resolv.conf handed to pods with dnsPolicy Default (and the base of ClusterFirst ones). */
  resolvConf: string;
  /** kubelet's cgroupRoot. */
  cgroupRoot: string;
  /** Image containerd uses for pod sandboxes (built locally: nothing can be pulled). */
  sandboxImage: string;
  clusterDomain: string;
}

export const CNI_BIN_DIR = '/usr/lib/cni'; // Debian's containernetworking-plugins

export function containerdConfig(layout: NodeLayout): string {
  return `version = 2
root = "${layout.containerdRoot}"
state = "${layout.containerdState}"
# Snapshotters this kernel/filesystem cannot use only add errors to the log.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${layout.containerdSocket}"

[ttrpc]
  address = "${layout.containerdSocket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  # Nothing can be pulled here: the sandbox image is built locally and imported.
  sandbox_image = "${layout.sandboxImage}"
  # This sandbox forbids lowering oom_score_adj; without this every pod sandbox fails with runc's
  # "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  # Pod network namespaces live under the state dir, so teardown finds and unmounts them with the rest.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  # The containerd streaming server (exec, port-forward) listens inside the node netns only.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # kubelet uses the cgroupfs driver (there is no systemd here), and both must agree.
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${layout.cniConfDir}"
    max_conf_num = 1

[plugins."io.containerd.internal.v1.opt"]
  path = "${layout.containerdRoot}/opt"
`;
}

/** A bridge network with host-local IPAM on the node's pod range; no masquerade (the host routes to pods). */
export function cniConfig(layout: NodeLayout): string {
  const { net } = layout;
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'codexlb-pods',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          // A pod calling a Service that load-balances back to itself needs hairpin on its bridge port.
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: net.podCIDR, gateway: net.podGateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: layout.cniDataDir,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(layout: NodeLayout): string {
  const { net } = layout;
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine mounts cgroup v1 (hybrid); kubelet 1.35 refuses v1 unless told otherwise.
    failCgroupV1: false,
    // Swap may be on; the test node does not care.
    failSwapOn: false,
    // No systemd here; containerd's runc is configured for cgroupfs too.
    cgroupDriver: 'cgroupfs',
    // Pods live under the node's own cgroup subtree, so teardown can find every process.
    cgroupRoot: layout.cgroupRoot,
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    staticPodPath: layout.staticPodDir,
    address: net.nodeIP,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    clusterDNS: [net.nodeIP],
    clusterDomain: layout.clusterDomain,
    resolvConf: layout.resolvConf,
    // The kubelet API is reachable only inside the harness's netns; the apiserver calls it without a
    // client certificate (logs, exec, port-forward).
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    // Locally imported images must never be garbage-collected: they cannot be pulled back.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // The host's disk is shared with everything else on the machine; do not evict test pods over it.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    serializeImagePulls: false,
    // Status updates every 2 s instead of 10 s: tests wait on Node and Pod conditions.
    nodeStatusUpdateFrequency: '2s',
    syncFrequency: '10s',
    fileCheckFrequency: '5s',
    rotateCertificates: false,
    serverTLSBootstrap: false,
    maxPods: 110,
    podPidsLimit: 4096,
  });
}

export function kubeProxyConfig(layout: NodeLayout, kubeconfig: string): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    hostnameOverride: layout.nodeName,
    clusterCIDR: layout.net.podCIDR,
    bindAddress: layout.net.nodeIP,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    // Leave the kernel's conntrack sysctls alone: they are not per-netns writable in this sandbox.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    // NodePorts on 127.0.0.1 need route_localnet on the whole node; nothing here uses them.
    iptables: { localhostNodePorts: false, syncPeriod: '10s', minSyncPeriod: '0s' },
    nodePortAddresses: [`${layout.net.nodeIP}/32`],
  });
}

/**
 * Cluster DNS: CoreDNS's kubernetes plugin answers for the cluster domain (Services, headless-Service pod
 * records such as <pod>.<svc>.<ns>.svc.cluster.local, reverse zones). Nothing else resolves: the test
 * network has no upstream resolver, and a fast NXDOMAIN beats a resolver timeout.
 */
export function corefile(layout: NodeLayout, kubeconfig: string): string {
  const bind = `bind ${layout.net.nodeIP}`;
  return `${layout.clusterDomain}:53 in-addr.arpa:53 ip6.arpa:53 {
    ${bind}
    errors
    kubernetes ${layout.clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
.:53 {
    ${bind}
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`;
}

export function podResolvConf(layout: NodeLayout): string {
  return `nameserver ${layout.net.nodeIP}\n`;
}
