# Sourced by cross/insncount.sh and cross/layercost.sh: builds `octet` for
# ARCH and the cross/layercost.c plugin, and defines `run_marked MODEL
# [bench options]`, one warmed-up inference under qemu with a marker system
# call around every layer (`octet bench --layer-markers`). The layers it ran
# go to stdout; the plugin's counter snapshots (`marker <i> <instructions>
# <neon64> <fp simd>`) and its totals to stderr.
#   markers_setup armv7|aarch64   (returns 2 for another name)
markers_setup() {
    case "$1" in
        armv7) target=armv7-unknown-linux-gnueabihf; nr=64; qemu=(qemu-arm -cpu cortex-a7 -L /usr/arm-linux-gnueabihf) ;;
        aarch64) target=aarch64-unknown-linux-gnu; nr=173; qemu=(qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu) ;;
        *) return 2 ;;
    esac
    out=cross/out
    mkdir -p "$out"
    gcc -O2 -shared -fPIC -o "$out/layercost.so" cross/layercost.c
    . cross/env.sh
    "$CARGO" build -q --release --target "$target" -p octet-tools 2>/dev/null
    bin="${CARGO_TARGET_DIR:-target}/$target/release/octet"
    [ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }
}

run_marked() {
    local model="$1"
    shift
    "${qemu[@]}" -plugin "$out/layercost.so,nr=$nr" "$bin" bench --single "$model" --loops 1 --warmup 1 \
        --layer-markers "$@"
}
