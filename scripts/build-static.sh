#!/usr/bin/env bash
# Builds dragnet as one statically linked executable (glibc linked in, no
# shared library needed at run time) and checks it: the loader's view
# (ldd) and file(1) say static, and it runs. The container image
# (Dockerfile) builds it with this script.
#
#   scripts/build-static.sh [OUT]
#
# The binary is TARGET_DIR/x86_64-unknown-linux-gnu/release/dragnet, where
# TARGET_DIR is $CARGO_TARGET_DIR or the workspace's target/; with OUT it is
# also copied there. It needs the static glibc of libc6-dev, 2.34 or newer
# (its host lookups through /etc/hosts and DNS are built into libc, so they
# work without the NSS libraries a dynamic glibc would load).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET=x86_64-unknown-linux-gnu
OUT="${1:-}"

# With --target the flag reaches only the target's crates, not the build
# scripts and proc macros (a proc macro is a shared library cargo loads).
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static"
# The shipped binary carries no debug information: the release profile keeps line
# tables for profiling, which are most of a release binary's bytes. Symbols stay, so a
# panic's backtrace still names its functions.
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=debuginfo
cargo build --release --locked --target "$TARGET" -p dragnet --manifest-path "$ROOT/Cargo.toml"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release/dragnet"

fail() {
    echo "build-static.sh: $BIN: $1" >&2
    exit 1
}
[[ -x "$BIN" ]] || fail "not built"
# glibc's ldd says "not a dynamic executable" of a static executable and
# "statically linked" of a static position-independent one.
loader="$(ldd "$BIN" 2>&1 || true)"
grep -Eq 'not a dynamic executable|statically linked' <<< "$loader" || fail "linked dynamically: $loader"
if command -v file > /dev/null; then
    kind="$(file -b "$BIN")"
    grep -Eq 'static(ally|-pie) linked' <<< "$kind" || fail "file(1) says: $kind"
else
    kind="(file(1) is not installed)"
fi
version="$("$BIN" --version)" || fail "does not run"

if [[ -n "$OUT" ]]; then
    install -D -m 0755 "$BIN" "$OUT"
    BIN="$OUT"
fi
echo "$BIN: $version, $(stat -c %s "$BIN") bytes; ldd: $(echo "$loader" | tr -s ' \t' ' ' | sed 's/^ //'); file: $kind"
