#!/usr/bin/env bash
# The root filesystem of the official codex-lb application, built offline from reachable parts: a Debian trixie
# rootfs (debootstrap, Debian's packages: python3.13 — codex-lb needs >= 3.13, bookworm has 3.11) with
# codex-lb==<version>[metrics,tracing] and its pinned dependencies from PyPI in a venv at /opt/venv, laid out
# like the official image (ghcr.io/soju06/codex-lb): WORKDIR /app with /app/scripts/docker-entrypoint.sh (ours,
# same behaviour), user `app` = 1000:1000, /var/lib/codex-lb owned by it, a /usr/local/bin/codex-lb wrapper.
# The app itself is the PyPI wheel (app/ and its built frontend in app/static live in the venv's site-packages).
#
# Two users of one tree: images/build.sh turns it into the image the real-pod test ground runs, and
# test/harness/upstream/app.ts runs the app straight from it (chroot) for integration tests. Beside the tree,
# settings.json lists every setting the app accepts, printed by the app's own settings loader (settings-names.py).
#
# Cached under ~/.cache/codex-lb/upstream/<key> (key: every input of the build), shared by all checkouts.
#   rootfs.sh          build it if missing; print its directory (holding rootfs/ and settings.json)
#   rootfs.sh --check  print its directory if built, exit 3 otherwise (never builds)
#   rootfs.sh --name   print the directory it has (or would have) for the current sources
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CODEX_LB_CACHE:-$HOME/.cache/codex-lb}/upstream"
suite=trixie
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
version="$(cat "$here/version")"
key="$(printf '%s\n' "$suite" "$mirror" "$version" | cat - "$here"/{rootfs.sh,requirements.txt,entrypoint.sh,settings-names.py} | sha256sum | cut -c1-16)"
dir="$cache/$version-$key"

if [[ "${1:-}" == "--name" ]]; then
  echo "$dir"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  [[ -f "$dir/settings.json" ]] || { echo "codex-lb $version rootfs not built for these sources; run 'make setup' (or 'make images')" >&2; exit 3; }
  touch "$dir" # in use: another checkout's eviction keeps it
  echo "$dir"
  exit 0
fi

log() { echo "[upstream] $*" >&2; }
mkdir -p "$cache"
# One build at a time per machine (several checkouts share the cache).
exec 9>"$cache/.lock"
flock 9
if [[ -f "$dir/settings.json" ]]; then
  touch "$dir"
  echo "$dir"
  exit 0
fi

started=$SECONDS
work="$cache/.build-$key"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

log "debootstrap $suite (minbase, python3) from $mirror"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm "$work/debootstrap.log"

# Inside the tree, with nothing from this machine's environment but the CA bundle pip must trust (PyPI may sit
# behind a TLS-intercepting egress proxy only this machine's bundle knows); the copy is removed afterwards.
in_root() { chroot "$root" /usr/bin/env -i PATH=/opt/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$root/tmp/build-ca.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$here/requirements.txt" "$here/settings-names.py" "$root/tmp/"

log "pip install codex-lb==$version[metrics,tracing] into /opt/venv"
in_root python3 -m venv /opt/venv
# Pinned as the official image pins them (requirements.txt: its uv.lock), and pip check proves the set complete.
# pip compiles every module to .pyc while installing, so the app never writes bytecode at run time.
in_root env PIP_CERT=/tmp/build-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
  pip install --quiet --no-deps --only-binary=:all: -r /tmp/requirements.txt "codex-lb[metrics,tracing]==$version" >&2
in_root pip check >&2
in_root python -c 'import app.main' # the whole app imports: no dependency is missing from the pins
# Like the official runtime image: no pip/setuptools in the final tree.
in_root pip uninstall --quiet --yes pip >&2

log "laying out /app like the official image"
in_root useradd --uid 1000 --user-group --create-home --shell /bin/sh app
install -d "$root/app"
install -d -o 1000 -g 1000 "$root/app/scripts" "$root/var/lib/codex-lb"
install -o 1000 -g 1000 -m 0755 "$here/entrypoint.sh" "$root/app/scripts/docker-entrypoint.sh"
printf '%s\n' '#!/bin/sh' 'exec python -m app.cli "$@"' >"$root/usr/local/bin/codex-lb"
chmod 0755 "$root/usr/local/bin/codex-lb"

in_root env PYTHONDONTWRITEBYTECODE=1 python /tmp/settings-names.py >"$work/settings.json"

# What a slim image leaves out: package caches and lists, documentation, man pages, translations.
rm -rf "$root"/tmp/* "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/root/.cache \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
: >"$root/etc/resolv.conf"
mv "$work" "$dir" # one rename: a tree with settings.json is always complete
trap - EXIT
log "codex-lb $version rootfs ready in $((SECONDS - started))s"

# Several checkouts share the cache: keep the two most recently used trees, and any other used in the last two
# hours (a running suite of another checkout may be about to chroot into it).
ls -dt "$cache"/*-*/ 2>/dev/null | tail -n +3 | while read -r old; do
  if [[ -n "$(find "$old" -maxdepth 0 -mmin +120)" ]]; then rm -rf "$old"; fi
done
echo "$dir"
