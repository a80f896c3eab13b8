#!/usr/bin/env bash
# The base image of the project's Dockerfiles when no registry is reachable (called by build.sh):
# a Debian rootfs made by debootstrap from Debian's packages, plus the project's Node.js and npm (from the
# npm registry, already in .local/), laid out like the official node:<v>-bookworm-slim image: node, npm
# and Node's headers under /usr/local, user `node` = 1000:1000, CMD node.
#   base-image.sh TAG KEY SUITE MIRROR LOCAL_DIR BUILDAH_COMMAND...
set -euo pipefail
tag="$1" key="$2" suite="$3" mirror="$4" local_dir="$5"
shift 5
B=("$@")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[images] debootstrap $suite (minbase) from $mirror" >&2
debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/*

mkdir -p "$work/rootfs/usr/local/lib/node_modules"
cp -a "$local_dir/node/bin/node" "$work/rootfs/usr/local/bin/node"
cp -a "$local_dir/node/include/node" "$work/rootfs/usr/local/include/"
cp -a "$local_dir/npm" "$work/rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
chroot "$work/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'

ctr="$("${B[@]}" from scratch)"
"${B[@]}" add "$ctr" "$work/rootfs/" / >/dev/null
"${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$("$local_dir/node/bin/node" --version | cut -c2-)" --cmd node --label "codex-lb.base-key=$key" "$ctr"
"${B[@]}" commit --quiet --rm "$ctr" "$tag" >/dev/null
