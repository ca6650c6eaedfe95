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
    # Tests that start the `octet` binary run it through the same emulator;
    # the ncnn reference (python3) runs natively. All of the kernels' tests
    # (every NEON kernel against the portable one) and the runtime's whole
    # suite (six networks fp32 and int8 against ncnn, layers, tables,
    # robustness) on both; on armv7, the product's main target, also the
    # tools' and examples' suites (calibration, CLI, real models; ~11 min).
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet-kernels
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet
    if [ "$t" = armv7 ]; then
        OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet-tools -p octet-examples
    fi
done
