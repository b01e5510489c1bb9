#!/usr/bin/env bash
# The whole test suite, on a fresh machine: first what the browser tests need (the web
# console's, and the catalog site's, which uses the console's packages): Node.js and npm, the
# console's npm packages as locked, Debian's Chromium — never a downloaded browser; Debian's
# PostgreSQL, whose binaries the serve state tests start servers of their own with; then every
# crate's tests. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v node >/dev/null && command -v npm >/dev/null || need_apt+=(nodejs npm)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The serve state tests start PostgreSQL servers of their own from Debian's binaries.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: the tests need ${need_apt[*]}: install them (apt-get install -y ${need_apt[*]}) and run again" >&2
    exit 2
  fi
  apt-get update && apt-get install -y "${need_apt[@]}"
fi
(cd crates/serve/console && npm ci --no-audit --no-fund)
# Every locked crate, for every platform: the deploy test reads the whole lock's manifests
# offline (`cargo metadata --offline`), which a build for this machine alone does not download.
cargo fetch --locked

cargo test --workspace --locked "$@"
