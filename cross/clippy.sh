#!/usr/bin/env bash
# Lints the workspace for the ARM targets with Debian's Rust 1.85 and its
# clippy (cross/setup-debian.sh), as CI does after the host clippy: the
# armv7 `asm!` kernels and the aarch64 intrinsics are compiled only for
# their own target, so a host clippy never sees them.
#   cross/clippy.sh [armv7|aarch64 ...]
# For each target this runs exactly (from the repository root):
#   CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc /usr/bin/cargo-clippy clippy \
#       --target armv7-unknown-linux-gnueabihf --workspace --all-targets -- -D warnings
#   CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc /usr/bin/cargo-clippy clippy \
#       --target aarch64-unknown-linux-gnu --workspace --all-targets -- -D warnings
# `/usr/bin/cargo-clippy` by path, not `cargo clippy`: cargo finds
# subcommands in ~/.cargo/bin first, where rustup's cargo-clippy would run a
# clippy of another version, with no standard library for these targets.
# Linkers and target flags come from .cargo/config.toml.
# rustc 1.85 also prints "unstable feature specified for `-Ctarget-feature`:
# `neon`" (and d32, vfp2, vfp3) for every crate, from that file's +neon: a
# plain compiler warning, not a lint, which -D warnings does not fail on.
set -euo pipefail
cd "$(dirname "$0")/.."
. cross/env.sh
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(armv7 aarch64)
for t in "${targets[@]}"; do
    triple=$(triple_for "$t")
    echo "== clippy --target $triple"
    CARGO="$CARGO" /usr/bin/cargo-clippy clippy --target "$triple" --workspace --all-targets -- -D warnings
done
