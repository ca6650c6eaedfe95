#!/usr/bin/env bash
# Builds the `octet` command (and the C library) for a board:
#   cross/build.sh armv7|aarch64      → target/<triple>/release/octet
# Uses Debian's Rust 1.85 and the cross gcc from cross/setup-debian.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. cross/env.sh
triple=$(triple_for "${1:-armv7}")
"$CARGO" build --release --target "$triple" -p octet-tools
echo "built target/$triple/release/octet"
