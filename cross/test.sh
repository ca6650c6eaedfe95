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
    echo "== cargo test --target $triple (runner: $runner; ${SECONDS} s into this script)"
    # Tests that start the `octet` binary run it through the same emulator;
    # the ncnn reference (python3) runs natively. All of the kernels' tests
    # (every NEON kernel against the portable one) and the runtime's whole
    # suite (six networks fp32 and int8 against ncnn, layers, tables,
    # robustness) on both; on armv7, the product's main target, also the
    # tools' and examples' suites (calibration, CLI, real models; ~11 min).
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet-kernels
    # The 27-network zoo (every layer type on real graphs, ~5 min under
    # qemu) runs on armv7, the product's target; aarch64's kernels are each
    # checked against the portable ones above, its layers by the suites. The
    # zoo's second input size (the same kernels on other shapes) stays on x86.
    skip=(--skip zoo_detectors_at_another_input_size)
    [ "$t" = aarch64 ] && skip+=(--skip zoo_fp32_equals_ncnn)
    OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet -- "${skip[@]}"
    if [ "$t" = armv7 ]; then
        # The real detectors on their 104 full-size photos stay on x86: the
        # same kernels run under qemu in the zoo and the real classifiers.
        OCTET_TEST_RUNNER="$runner" "$CARGO" test --release --target "$triple" -p octet-tools -p octet-examples -- --skip real_detectors
    fi
done
echo "== cross/test.sh done in $((SECONDS / 60)) min $((SECONDS % 60)) s"
