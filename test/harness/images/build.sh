#!/usr/bin/env bash
# Builds, offline, the images the real-pod test ground runs, with buildah (a real OCI image builder from
# Debian's packages; there is no Docker engine and no reachable registry):
#   base      localhost/codex-lb/node-base:<node>-bookworm   a Debian bookworm rootfs made by debootstrap from
#             Debian's packages, plus the project's Node.js and npm (from the npm registry), laid out like the
#             official node:<v>-bookworm-slim image (node in /usr/local, user `node` = 1000)
#   pause     localhost/codex-lb/pause:<key>                  the pod sandbox image (containerd's sandbox_image)
#   proxy     ghcr.io/codex-lb/codex-lb-proxy:<version>       proxy/Dockerfile, NODE_IMAGE=base
#   operator  ghcr.io/codex-lb/codex-lb-operator:<version>    operator/Dockerfile, NODE_IMAGE=base
#   upstream  ghcr.io/soju06/codex-lb:<upstream/version>      the official codex-lb app from PyPI, laid out like its
#             official image (upstream/rootfs.sh: Debian trixie + python3.13 + /opt/venv), so that `flavor: Upstream`
#             with the default image runs it with imagePullPolicy IfNotPresent
# The shipped Dockerfiles are used unchanged; only their NODE_IMAGE build argument points at the local base.
# Each image is exported as a docker-archive under ~/.cache/codex-lb/images/ (keyed by its inputs), which the
# harness imports into the node's containerd. Prints one `name=path` line per image on stdout.
#   build.sh          build what is missing or stale
#   build.sh --check  print the archives if all are built for the current sources, exit 3 otherwise
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$root/test/harness/images"
local_dir="$root/.local" # the project's toolchain (make setup)
cache="${CODEX_LB_CACHE:-$HOME/.cache/codex-lb}"
images="$cache/images"
suite="${DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node="$local_dir/node/bin/node"
[[ -x "$node" ]] || { echo "[images] $node missing; run 'make setup'" >&2; exit 1; }
node_version="$("$node" --version)"
version="$("$node" -p 'require(process.argv[1]).version' "$root/package.json")"

hash_files() { (cd "$root" && sha256sum "$@" | sha256sum | cut -c1-16); }
# What an image was built from, kept beside its archive (to see why a build is stale).
list_inputs() { (cd "$root" && sha256sum "$@"); }
# Every file a build context holds (tracked or new, not ignored), so a source edit means a new image.
context_files() { (cd "$root" && git ls-files --cached --others --exclude-standard -- "$@" | sort | while read -r f; do [[ -f $f ]] && echo "$f"; done); }

base_tag="localhost/codex-lb/node-base:${node_version#v}-$suite"
base_key="$(printf '%s\n' "$node_version" "$suite" "$mirror" | cat - "$here/base-image.sh" | sha256sum | cut -c1-16)"
pause_key="$(hash_files test/harness/node/pause/pause.go)"
mapfile -t proxy_inputs < <(context_files proxy/Dockerfile .dockerignore package.json package-lock.json proxy)
mapfile -t operator_inputs < <(context_files operator/Dockerfile .dockerignore package.json package-lock.json operator)
proxy_key="$(printf '%s\n' "$base_key" | cat - <(hash_files "${proxy_inputs[@]}") | sha256sum | cut -c1-16)"
operator_key="$(printf '%s\n' "$base_key" | cat - <(hash_files "${operator_inputs[@]}") | sha256sum | cut -c1-16)"
upstream_version="$(cat "$here/upstream/version")"
# The tree's key (in the directory name rootfs.sh gives it) covers everything the app's files come from.
upstream_key="$(basename "$(bash "$here/upstream/rootfs.sh" --name)" | cat - "$here/upstream/"{image.sh,image.env} | sha256sum | cut -c1-16)"

declare -A tag=(
  [pause]="localhost/codex-lb/pause:$pause_key"
  [proxy]="ghcr.io/codex-lb/codex-lb-proxy:$version"
  [operator]="ghcr.io/codex-lb/codex-lb-operator:$version"
  [upstream]="ghcr.io/soju06/codex-lb:$upstream_version"
)
declare -A archive=(
  [pause]="$images/pause-$pause_key.tar"
  [proxy]="$images/proxy-$proxy_key.tar"
  [operator]="$images/operator-$operator_key.tar"
  [upstream]="$images/upstream-$upstream_key.tar"
)
names=(pause proxy operator upstream)
print() { for n in "${names[@]}"; do echo "$n=${archive[$n]} ${tag[$n]}"; done; }

# Several checkouts share the cache: keep the three most recently used builds of an image, and any other that a
# test run used (--check) in the last two hours, so that one checkout's builds never evict the images another
# checkout's running suite is about to start a node with.
evict_old() { # name
  ls -t "$images/$1"-*.tar | tail -n +4 | while read -r old; do
    if [[ -n "$(find "$old" -mmin +120)" ]]; then rm -f "$old" "${old%.tar}.inputs"; fi
  done
}

if [[ "${1:-}" == "--check" ]]; then
  bash "$here/upstream/rootfs.sh" --check >/dev/null # the local runner's tree, from the same sources
  for n in "${names[@]}"; do
    [[ -f "${archive[$n]}" ]] || { echo "image $n not built for these sources; run 'make setup' (or 'make images')" >&2; exit 3; }
  done
  # A test run is using them: mark them recently used so that another checkout's build keeps them.
  touch "${archive[@]}"
  print
  exit 0
fi

log() { echo "[images] $*" >&2; }
mkdir -p "$images" "$cache/buildah"
# One build at a time per machine (several checkouts share the cache).
exec 9>"$images/.lock"
flock 9
B=(buildah --root "$cache/buildah/root" --runroot "$cache/buildah/run" --storage-driver overlay)
started=$SECONDS

export_image() { # name tag
  local tmp="${archive[$1]}.tmp"
  rm -f "$tmp"
  "${B[@]}" push --quiet "$2" "docker-archive:$tmp:$2" >&2
  mv "$tmp" "${archive[$1]}"
}

# --- base: debootstrap rootfs + Node ---------------------------------------------------------------
if [[ -z "$("${B[@]}" images --quiet --filter "label=codex-lb.base-key=$base_key" 2>/dev/null)" ]]; then
  log "building $base_tag"
  bash "$here/base-image.sh" "$base_tag" "$base_key" "$suite" "$mirror" "$local_dir" "${B[@]}"
fi

# --- proxy and operator, from the Dockerfiles users build ------------------------------------------
# RUN steps must trust what this machine trusts: npm's registry may sit behind a TLS-intercepting egress
# proxy whose CA only the machine's bundle holds. Bind-mounted for the build only (never in an image):
# the bundle, and npm's global config (prefix /usr/local in node images) naming it as `cafile`.
ca_bundle="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
build_mounts=()
if [[ -f "$ca_bundle" ]]; then
  printf 'cafile=/etc/codex-lb-build-ca.crt\n' >"$cache/buildah/npmrc"
  build_mounts=(--volume "$ca_bundle:/etc/codex-lb-build-ca.crt:ro" --volume "$cache/buildah/npmrc:/usr/local/etc/npmrc:ro")
fi
for n in proxy operator; do
  [[ -f "${archive[$n]}" ]] && continue
  log "building ${tag[$n]} from $n/Dockerfile"
  # --network host: the Dockerfiles' RUN steps reach Debian's and npm's registries like a docker build would.
  (cd "$root" && "${B[@]}" bud --quiet --layers --network host --isolation chroot "${build_mounts[@]}" \
      --build-arg "NODE_IMAGE=$base_tag" -f "$n/Dockerfile" -t "${tag[$n]}" . >&2)
  export_image "$n" "${tag[$n]}"
  if [[ $n == proxy ]]; then list_inputs "${proxy_inputs[@]}"; else list_inputs "${operator_inputs[@]}"; fi >"${archive[$n]%.tar}.inputs"
  evict_old "$n"
done

# --- upstream: the official codex-lb app ---------------------------------------------------------------
upstream_dir="$(bash "$here/upstream/rootfs.sh")" # builds the tree if missing (the local runner uses it too)
if [[ ! -f "${archive[upstream]}" ]]; then
  log "building ${tag[upstream]} from $upstream_dir"
  bash "$here/upstream/image.sh" "${tag[upstream]}" "$upstream_dir" "$upstream_version" "${B[@]}"
  export_image upstream "${tag[upstream]}"
  evict_old upstream
fi

# --- pause ----------------------------------------------------------------------------------------
if [[ ! -f "${archive[pause]}" ]]; then
  log "building ${tag[pause]}"
  testbin="$(bash "$root/test/harness/controlplane/build.sh" --check)"
  ctr="$("${B[@]}" from scratch)"
  "${B[@]}" copy --chmod 0755 "$ctr" "$testbin/pause" /pause >/dev/null
  "${B[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  "${B[@]}" commit --quiet --rm "$ctr" "${tag[pause]}" >/dev/null
  export_image pause "${tag[pause]}"
fi

log "images ready ($((SECONDS - started))s)"
print
