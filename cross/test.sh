#!/usr/bin/env bash
# Runs the test suite for armv7 (Cortex-A7) and aarch64 under qemu with
# Debian's Rust 1.85 (cross/setup-debian.sh), so the NEON code paths are
# exercised and checked against the portable ones.
#   cross/test.sh [armv7|aarch64 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
. cross/env.sh
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(armv7 aarch64)
for t in "${targets[@]}"; do
    triple=$(triple_for "$t")
    runner=$(qemu_for "$triple")
    echo "== cargo test --target $triple (runner: $runner)"
    # Tests that start the `octet` binary run it through the same emulator.
    # All of the kernels' tests (their integration tests compare every NEON
    # kernel with the portable one), the runtime's unit tests.
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet-kernels
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet --lib
done
