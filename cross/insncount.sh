#!/usr/bin/env bash
# Guest instructions and NEON cost per inference under qemu, fp32 and int8,
# for the benchmark networks — the repeatable way to compare ARM kernels
# without a board. Uses cross/insncount.c (a qemu user-mode plugin: guest
# instructions, `neon64 cost` charging 128-bit NEON work double as a 64-bit
# NEON datapath does, and the Cortex-A7 `a7 cost`).
#
#   cross/insncount.sh [armv7|aarch64] [MODEL.param ...]
#
# Per inference = (count with 3 loops − count with 1 loop) / 2, the method of
# ../shared/anchors/arm-cost.md, so figures compare side by side with ncnn's.
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-armv7}"
shift || true
case "$arch" in
    armv7) target=armv7-unknown-linux-gnueabihf; qemu=(qemu-arm -cpu cortex-a7 -L /usr/arm-linux-gnueabihf) ;;
    aarch64) target=aarch64-unknown-linux-gnu; qemu=(qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu) ;;
    *) echo "usage: $0 [armv7|aarch64] [MODEL.param ...]" >&2; exit 2 ;;
esac
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    for n in squeezenet mobilenet googlenet resnet18 mobilenet_ssd squeezenet_ssd; do
        models+=("models/$n.param" "models/${n}_int8.param")
    done
fi

out=cross/out
mkdir -p "$out"
gcc -O2 -shared -fPIC -o "$out/insncount.so" cross/insncount.c
. cross/env.sh
"$CARGO" build -q --release --target "$target" -p octet-tools 2>/dev/null
bin="${CARGO_TARGET_DIR:-target}/$target/release/octet"
[ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }

count() { # model loops -> "insns neon64 fpsimd a7"
    "${qemu[@]}" -plugin "$out/insncount.so" "$bin" bench --single "$1" --loops "$2" --warmup 0 ${OCTET_BENCH_ARGS:-} 2>&1 >/dev/null |
        awk '/guest instructions:/{i=$3} /neon64 cost:/{n=$3} /fp simd cost:/{f=$4} /a7 cost:/{a=$3} END{print i, n, f, a}'
}

printf "# net\tguest_instructions\tneon64_cost\tfp_simd_cost\ta7_cost   (octet %s, %s, 1 thread, per inference)\n" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "$arch"
for m in "${models[@]}"; do
    read -r i1 n1 f1 a1 < <(count "$m" 1)
    read -r i3 n3 f3 a3 < <(count "$m" 3)
    [ -n "$i1" ] && [ -n "$i3" ] || { echo "$m: qemu produced no counts" >&2; exit 1; }
    name=$(basename "$m" .param)
    awk -v n="$name" -v i1="$i1" -v i3="$i3" -v n1="$n1" -v n3="$n3" -v f1="$f1" -v f3="$f3" -v a1="$a1" -v a3="$a3" \
        'BEGIN{printf "%s\t%.0f\t%.0f\t%.0f\t%.0f\n", n, (i3-i1)/2, (n3-n1)/2, (f3-f1)/2, (a3-a1)/2}'
done
