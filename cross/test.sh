#!/usr/bin/env bash
# Runs the kernel and runtime unit tests for armv7 (Cortex-A7) and aarch64
# under qemu, with Debian's Rust 1.85 (cross/setup-debian.sh), so the NEON
# code paths are exercised and checked against the portable ones.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH
for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    echo "== cargo test --target $target (qemu: $(grep -A2 "target.$target" .cargo/config.toml | grep runner | cut -d'"' -f2))"
    # All of the kernels' tests (their integration tests compare every NEON
    # kernel with the portable one), the runtime's unit tests.
    cargo test --release --target "$target" -p octet-kernels
    cargo test --release --target "$target" -p octet --lib
done
