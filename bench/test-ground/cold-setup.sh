#!/usr/bin/env bash
# Measures a cold `make setup`: a fresh clone of this repository's HEAD with empty Go module and build caches,
# an empty npm cache and an empty codex-lb cache (control plane and node binaries, images, buildah storage), so
# every module, package and image layer is downloaded and built again. Debian packages already installed are
# not removed (packages.sh then has nothing to do; its install is timed separately when it runs).
# Writes bench/results/cold-setup.md. Takes 10-20 minutes on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d /tmp/codexlb-cold-XXXX)"
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/repo"
export GOCACHE="$work/gocache" GOMODCACHE="$work/gomod" CODEX_LB_CACHE="$work/cache" npm_config_cache="$work/npm"
cd "$work/repo"
step() { # name, make target
  local started=$SECONDS
  make "$2" >"$work/$2.log" 2>&1 || { tail -30 "$work/$2.log" >&2; exit 1; }
  printf '| %s | %d |\n' "$1" $((SECONDS - started))
}
{
  started=$SECONDS
  echo "# Cold \`make setup\`"
  echo
  echo "Measured by \`bench/test-ground/cold-setup.sh\` on the 2-core build machine, $(date -u +%F), commit $(git rev-parse --short HEAD):"
  echo "a fresh clone with empty Go, npm and codex-lb caches (every module, package and image layer fetched and built)."
  echo
  echo '| step | seconds |'
  echo '|---|---|'
  step 'Node 24 + npm into .local/' toolchain
  step 'npm ci' deps
  step 'dashboard UI (vite build)' ui
  step 'control plane and node binaries (Go, from the module proxy)' controlplane
  step 'Debian packages (containerd, runc, CNI, buildah, ...)' node-packages
  step 'Debian packages (chromium, nginx)' browser
  step 'images: base (debootstrap + Node), proxy, operator, pause, official codex-lb (buildah)' images
  echo "| **total** | **$((SECONDS - started))** |"
  echo
  echo "Budget: 20 minutes (1200 s)."
} | tee "$repo/bench/results/cold-setup.md"
