#!/usr/bin/env bash
# Installs the Debian packages the dashboard's tests run on (idempotent; needs root to install):
#   chromium   the browser of test/e2e/dashboard, driven by playwright-core with executablePath /usr/bin/chromium
#              (no browser download from anywhere else)
#   nginx      the ingress controller stand-in of test/integration/contract/dashboard-ingress.test.ts
set -euo pipefail

packages=(chromium nginx)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "[browser] missing: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[browser] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
