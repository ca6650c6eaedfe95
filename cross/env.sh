# Sourced by the cross scripts: Debian's Rust 1.85 (cross/setup-debian.sh)
# without touching PATH, so `python3` stays the one that has PyPI ncnn.
export RUSTC=/usr/bin/rustc
export RUSTDOC=/usr/bin/rustdoc
CARGO=/usr/bin/cargo
qemu_for() {
    case "$1" in
        armv7-unknown-linux-gnueabihf) echo "qemu-arm -cpu cortex-a7 -L /usr/arm-linux-gnueabihf" ;;
        aarch64-unknown-linux-gnu) echo "qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu" ;;
    esac
}
triple_for() {
    case "$1" in
        armv7|armv7-unknown-linux-gnueabihf) echo armv7-unknown-linux-gnueabihf ;;
        aarch64|arm64|aarch64-unknown-linux-gnu) echo aarch64-unknown-linux-gnu ;;
        *) echo "unknown target $1 (armv7 or aarch64)" >&2; return 2 ;;
    esac
}
