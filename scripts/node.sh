#!/bin/sh
# Runs a Node.js script on a supported Node (>= 22; Node 20 reached end of life in April 2026).
# When the machine's own Node is older, Node 24 LTS comes from the npm registry's
# `node-<os>-<arch>` package (it carries the official binary) into .elava/tools, once, and every
# process started from here (npm, npx, the build, the services, the tests) runs on it, because
# .elava/tools/bin leads PATH. `exec` keeps one process: signals reach the script itself.
set -eu

NODE_VERSION=24.22.3

self=$(readlink -f "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
home=${ELAVA_HOME:-$root/.elava}
tools=$home/tools
bin=$tools/bin

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 22 ] && [ "${ELAVA_NODE:-}" != "project" ]; then
  exec node "$@"
fi

node24=$tools/node-v$NODE_VERSION/bin/node
if [ ! -x "$node24" ]; then
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "elava: Node $major is too old (22 or newer is needed) and no Node package is published for $(uname -s); install Node 24 LTS." >&2; exit 2 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "elava: Node $major is too old (22 or newer is needed) and no Node package is published for $(uname -m); install Node 24 LTS." >&2; exit 2 ;;
  esac
  echo "elava installing Node $NODE_VERSION (this machine has Node $major; 22 or newer is needed) into $tools …" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! npm pack --silent --pack-destination "$tmp" "node-$os-$arch@$NODE_VERSION" >/dev/null; then
    echo "elava: could not fetch node-$os-$arch@$NODE_VERSION from the npm registry; install Node 24 LTS and run again." >&2
    exit 2
  fi
  mkdir -p "$tmp/x" "$tools"
  tar -xzf "$tmp"/node-*.tgz -C "$tmp/x" package/bin/node
  rm -rf "$tools/node-v$NODE_VERSION"
  mkdir -p "$tools/node-v$NODE_VERSION/bin"
  mv "$tmp/x/package/bin/node" "$node24"
  "$node24" --version >/dev/null
  echo "elava ✓ Node $("$node24" --version) in $tools" >&2
fi
mkdir -p "$bin"
ln -sf "$node24" "$bin/node"
PATH=$bin:$PATH
export PATH
exec "$node24" "$@"
