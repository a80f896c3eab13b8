#!/usr/bin/env bash
# apt-packages.sh LABEL PACKAGE...: installs the Debian packages among PACKAGE that are missing (idempotent).
# Installing needs root; without it, the missing ones are named with the command to run, and the step fails.
set -euo pipefail
label="$1"
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "[$label] missing: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[$label] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
