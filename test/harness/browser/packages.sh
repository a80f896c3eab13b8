#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests (test/integration/dashboard), driven by playwright-core
# with executablePath /usr/bin/chromium: no browser download from anywhere else (idempotent; needs root to install).
set -euo pipefail

dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "[browser] chromium is missing; install it as root: apt-get install chromium" >&2
  exit 1
fi
echo "[browser] installing chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
