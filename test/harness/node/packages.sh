#!/usr/bin/env bash
# The Debian packages the test ground runs on (installed by ../apt-packages.sh when missing):
#   containerd + runc        the container runtime. Debian bookworm's 1.6.20 / 1.1.5 are chosen over building
#                            containerd 2.x / runc from their Go modules: they are the distribution's maintained
#                            builds, install in seconds, and kubelet 1.35 runs pods on them (the CRI
#                            "RuntimeConfig ... Unimplemented" line kubelet logs against 1.6 is harmless).
#   containernetworking-plugins   CNI bridge, host-local IPAM, loopback, portmap (in /usr/lib/cni)
#   iptables, conntrack      kube-proxy's iptables mode
#   buildah, debootstrap     the offline image builder and the Debian rootfs of the base image
#   lua5.1                   runs config/argocd/health-codexlb.lua as Argo CD does (its gopher-lua is Lua 5.1)
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../apt-packages.sh" 'node packages' containerd runc containernetworking-plugins iptables conntrack buildah debootstrap lua5.1
