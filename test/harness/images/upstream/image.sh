#!/usr/bin/env bash
# The official codex-lb image from the tree rootfs.sh built (called by ../build.sh), configured as the official
# Dockerfile configures its runtime stage: image.env's variables (venv first on PATH, no bytecode writes,
# unbuffered output), USER app, WORKDIR /app, EXPOSE 2455 1455, CMD /app/scripts/docker-entrypoint.sh.
#   image.sh TAG TREE_DIR VERSION BUILDAH_COMMAND...
set -euo pipefail
tag="$1" dir="$2" version="$3"
shift 3
B=("$@")
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ctr="$("${B[@]}" from scratch)"
# Copied through a mount, not `buildah add`: add makes every file root's, and the tree's owners matter
# (/var/lib/codex-lb and /home/app belong to the image's user).
mnt="$("${B[@]}" mount "$ctr")"
cp -a "$dir/rootfs/." "$mnt/"
"${B[@]}" umount "$ctr" >/dev/null
env_args=()
while IFS= read -r line; do [[ -n $line && $line != \#* ]] && env_args+=(--env "$line"); done <"$here/image.env"
"${B[@]}" config "${env_args[@]}" --user app --workingdir /app --port 2455/tcp --port 1455/tcp \
  --cmd '["/app/scripts/docker-entrypoint.sh"]' --label "org.opencontainers.image.version=$version" "$ctr"
"${B[@]}" commit --quiet --rm "$ctr" "$tag" >/dev/null
