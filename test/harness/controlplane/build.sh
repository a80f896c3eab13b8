#!/usr/bin/env bash
# Builds the test ground's Kubernetes binaries from the Go module proxy and caches them under
# ~/.cache/codex-lb/testbin/<key>/:
#   control plane   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok
#   real-pod node   kubelet, kube-proxy, CoreDNS (cluster DNS), crictl (CRI client: teardown and
#                   debugging), pause (the pod sandbox process)
#   test tools      kstatus (what Flux's health checks conclude from an object's status)
# Prints the binary directory on stdout; everything else goes to stderr.
#   build.sh           build if absent (minutes cold, instant when cached)
#   build.sh --check   print the directory if built, exit 3 otherwise (never builds)
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with
# local replace directives that only apply inside its own repository. A wrapper main module replaces
# each staging module with its published v0.<minor>.<patch> tag instead.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.8}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.14.7}"
CRICTL_VERSION="${CRICTL_VERSION:-v1.34.0}"
CLI_UTILS_VERSION="${CLI_UTILS_VERSION:-v0.37.2}"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
go_version="$(go env GOVERSION)"
key="$(printf '%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$COREDNS_VERSION" "$CRICTL_VERSION" "$CLI_UTILS_VERSION" "$go_version" \
  | cat - "$here/build.sh" "$here/../node/pause/pause.go" "$here/../node/coredns/main.go" "$here/kstatus/main.go" | sha256sum | cut -c1-16)"
cache_root="${CODEX_LB_CACHE:-$HOME/.cache/codex-lb}"
out="$cache_root/testbin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-$key"

if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "test control plane not built (expected $out); run 'make setup'" >&2
  exit 3
fi

log() { echo "[control-plane build] $*" >&2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
started=$SECONDS

# --- kube-apiserver, kube-controller-manager, kube-scheduler -------------------------------------
staging_version="v0.${K8S_VERSION#v1.}"
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
log "resolving k8s.io/kubernetes@$K8S_VERSION"
k8s_gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
# Derive the staging list from the published go.mod itself, so a new minor's new modules are covered.
mapfile -t staging < <(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$k8s_gomod")
[[ ${#staging[@]} -gt 20 ]] || { log "could not derive the staging module list from $k8s_gomod"; exit 1; }
go_directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$k8s_gomod")"
godebug="$(sed -n 's/^godebug default=\(.*\)$/\1/p' "$k8s_gomod")"

mkdir -p "$work/k8s"
{
  echo "module local.test/k8s-testbin"
  echo
  echo "go ${go_directive}"
  # Kubernetes pins its GODEBUG defaults; without this the binaries would get the local Go's defaults.
  [[ -n "$godebug" ]] && echo "godebug default=$godebug"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $staging_version"; done
  echo ")"
} >"$work/k8s/go.mod"
cat >"$work/k8s/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
(
  cd "$work/k8s"
  log "resolving module graph (${#staging[@]} staging modules at $staging_version)"
  GOFLAGS="$GOFLAGS -mod=mod" go get "k8s.io/kubernetes@$K8S_VERSION" >&2
  if go list -m all 2>/dev/null | grep -q ' v0.0.0$'; then
    log "unreplaced v0.0.0 modules remain:"; go list -m all | grep ' v0.0.0$' >&2; exit 1
  fi
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
    -X k8s.io/component-base/version.gitTreeState=clean \
    -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy"
  # kubectl is built too: the machine's kubectl may be more than one minor away from the server.
  GOFLAGS="$GOFLAGS -mod=mod" go build -tags tools -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy >&2
)

# --- etcd: its server module is go-installable only through a wrapper (it has local replaces) -----
mkdir -p "$work/etcd"
cat >"$work/etcd/go.mod" <<GOMOD
module local.test/etcd-testbin

go 1.25.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
cat >"$work/etcd/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
(
  cd "$work/etcd"
  log "compiling etcd $ETCD_VERSION"
  GOFLAGS="$GOFLAGS -mod=mod" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 >&2
)

# --- kwok: a plain module, go install works -------------------------------------------------------
log "compiling kwok $KWOK_VERSION"
GOBIN="$out" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
# Standalone kwok runs only the Stages it is given; keep the ones kwokctl uses by default, from the same
# module version: Nodes become Ready and heartbeat via Leases; Pods become Ready, Job Pods complete, Pods
# being deleted are removed.
kwok_src="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$out/kwok-stages"
cp "$kwok_src/kustomize/stage/node/fast/node-initialize.yaml" \
   "$kwok_src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
   "$kwok_src"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml "$out/kwok-stages/"
chmod -R u+w "$out/kwok-stages"

# --- CoreDNS (cluster DNS of the real-pod profile): only the plugins the node's Corefile uses --------
mkdir -p "$work/coredns"
cp "$here/../node/coredns/main.go" "$work/coredns/main.go"
printf 'module local.test/coredns-testbin\n\ngo 1.25.0\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION" >"$work/coredns/go.mod"
(
  cd "$work/coredns"
  log "compiling coredns $COREDNS_VERSION"
  GOFLAGS="$GOFLAGS -mod=mod" go get "github.com/coredns/coredns@$COREDNS_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$out/coredns" . >&2
)

log "compiling crictl $CRICTL_VERSION"
GOBIN="$out" go install -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION" >&2

# --- kstatus: the status library Flux uses, behind a 50-line command (kstatus/main.go) ----------------
mkdir -p "$work/kstatus"
cp "$here/kstatus/main.go" "$work/kstatus/main.go"
printf 'module local.test/kstatus-testbin\n\ngo 1.25.0\n\nrequire sigs.k8s.io/cli-utils %s\n' "$CLI_UTILS_VERSION" >"$work/kstatus/go.mod"
(
  cd "$work/kstatus"
  log "compiling kstatus (sigs.k8s.io/cli-utils $CLI_UTILS_VERSION)"
  GOFLAGS="$GOFLAGS -mod=mod" go get "sigs.k8s.io/cli-utils@$CLI_UTILS_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$out/kstatus" . >&2
)

# --- pause: the pod sandbox process (nothing can be pulled, so the sandbox image is built locally) ---
log "compiling pause"
(cd "$work" && go build -ldflags "-s -w" -o "$out/pause" "$here/../node/pause/pause.go" >&2)

"$out/kube-apiserver" --version >&2
"$out/etcd" --version | head -1 >&2
log "built in $((SECONDS - started))s"
du -sh "$out"/* >&2
touch "$out/.complete"
echo "$out"
