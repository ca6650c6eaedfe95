#!/usr/bin/env bash
# Prepares a plain Debian 12 (bookworm) x86-64 host to build and run Octet for
# armv7 (Cortex-A7) and aarch64 without Docker and without rustup targets:
#   - cross gcc (linker + libc) and qemu-user (runner) from apt;
#   - Debian's rustc-web/cargo-web 1.85 (Octet's MSRV) as /usr/bin/{rustc,cargo},
#     and its clippy (rust-web-clippy: /usr/bin/{cargo-clippy,clippy-driver}) for
#     cross/clippy.sh;
#   - the armhf/arm64 Rust standard libraries of that same rustc, fetched with
#     `apt-get download` and unpacked into /usr/lib/rustlib.
# Afterwards: PATH=/usr/bin:$PATH cargo build --release --target armv7-unknown-linux-gnueabihf
# Idempotent; runs apt through sudo when not root.
set -euo pipefail

V="${OCTET_RUST_DEB_VERSION:-1.85.0+dfsg3-1~deb12u3}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

if [ -f /usr/lib/rustlib/armv7-unknown-linux-gnueabihf/lib/libstd-*.rlib ] 2>/dev/null \
   && [ -f /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib/libstd-*.rlib ] 2>/dev/null \
   && /usr/bin/rustc --version 2>/dev/null | grep -q '^rustc 1\.85' \
   && /usr/bin/cargo-clippy --version 2>/dev/null | grep -q '^clippy 0\.1\.85' \
   && [ -x /usr/bin/clippy-driver ] \
   && command -v qemu-arm >/dev/null && command -v arm-linux-gnueabihf-gcc >/dev/null \
   && command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "cross toolchain already installed: $(/usr/bin/rustc --version), $(/usr/bin/cargo-clippy --version)"
    exit 0
fi

$SUDO dpkg --add-architecture armhf
$SUDO dpkg --add-architecture arm64
$SUDO apt-get update -qq || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
    qemu-user gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu libc6-dev-armhf-cross libc6-dev-arm64-cross \
    "rustc-web=$V" "cargo-web=$V" "rust-web-clippy=$V" "libstd-rust-web-dev=$V" "libstd-rust-web-1.85=$V"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(cd "$tmp" && apt-get download -q \
    "libstd-rust-web-dev:armhf=$V" "libstd-rust-web-dev:arm64=$V" \
    "libstd-rust-web-1.85:armhf=$V" "libstd-rust-web-1.85:arm64=$V")
for f in "$tmp"/*.deb; do dpkg -x "$f" "$tmp/x"; done
$SUDO cp -a "$tmp/x/usr/lib/rustlib/armv7-unknown-linux-gnueabihf" "$tmp/x/usr/lib/rustlib/aarch64-unknown-linux-gnu" /usr/lib/rustlib/
$SUDO cp -a "$tmp/x/usr/lib/arm-linux-gnueabihf" "$tmp/x/usr/lib/aarch64-linux-gnu" /usr/lib/
echo "installed: $(/usr/bin/rustc --version), $(/usr/bin/cargo-clippy --version), targets armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu"
