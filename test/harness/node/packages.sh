#!/usr/bin/env bash
# Installs the Debian packages the test ground runs on (idempotent; needs root):
#   containerd + runc        the container runtime. Debian bookworm's 1.6.20 / 1.1.5 are chosen over building
#                            containerd 2.x / runc from their Go modules: they are the distribution's maintained
#                            builds, install in seconds, and kubelet 1.35 runs pods on them (the CRI
#                            "RuntimeConfig ... Unimplemented" line kubelet logs against 1.6 is harmless).
#   containernetworking-plugins   CNI bridge, host-local IPAM, loopback, portmap (in /usr/lib/cni)
#   iptables, conntrack      kube-proxy's iptables mode
#   buildah, debootstrap     the offline image builder and the Debian rootfs of the base image
#   lua5.1                   runs config/argocd/health-codexlb.lua as Argo CD does (its gopher-lua is Lua 5.1)
set -euo pipefail

packages=(containerd runc containernetworking-plugins iptables conntrack buildah debootstrap lua5.1)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "[node packages] missing: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[node packages] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
