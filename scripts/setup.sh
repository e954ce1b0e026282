#!/usr/bin/env bash
# Installs what building kiln needs and is missing: the C toolchain for the wasm32-wasip1
# QuickJS guest (Debian packages), the Rust target, and the pinned npm packages (rollup).
# Safe to run again: it only installs what is not there.
#   ./scripts/setup.sh           what `make run` and `make test` need
#   ./scripts/setup.sh --bench   that, and the HTTP load generator wrk (`make bench-http`)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# Debian packages: clang/lld/llvm-ar 19 and the WASI sysroot and runtime library.
packages=(clang-19 lld-19 llvm-19 wasi-libc libclang-rt-19-dev-wasm32)
case "${1:-}" in
  "") ;;
  --bench) packages+=(wrk) ;;
  *) say "unknown argument $1 (only --bench)"; exit 2 ;;
esac
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rust: the guest's target, and the linters the tests run.
rustup target list --installed | grep -qx wasm32-wasip1 || { say "adding the wasm32-wasip1 target"; rustup target add wasm32-wasip1; }
for component in clippy rustfmt; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# npm: rollup and its plugins, exactly as package-lock.json pins them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "Node.js and npm are required (rollup bundles the executor at build time)"; exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing the npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The custom-executor example's own dependencies (mustache), as its package-lock pins them:
# the tests build it with `kiln build --entry`.
example=examples/template-executor
if [ ! -f $example/node_modules/.package-lock.json ] || [ $example/package-lock.json -nt $example/node_modules/.package-lock.json ]; then
  say "installing the example's npm packages (npm ci in $example)"
  (cd $example && npm ci --no-audit --no-fund --loglevel=error)
fi
say "ready"
