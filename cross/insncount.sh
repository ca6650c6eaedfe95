#!/usr/bin/env bash
# Guest instructions and NEON cost per inference under qemu, fp32 and int8,
# for the benchmark networks — the repeatable way to compare ARM kernels
# without a board. Uses cross/insncount.c (a qemu user-mode plugin: guest
# instructions, `neon64 cost` charging 128-bit NEON work double as a 64-bit
# NEON datapath does, and the Cortex-A7 `a7 cost`).
#
#   cross/insncount.sh [armv7|aarch64] [MODEL.param ...]
#
# Per inference: the counters between the marker system calls that
# `octet bench --layer-markers` makes before the first and after the last
# layer of one inference after a warm-up (cross/layercost.c: insncount.c's
# counters, snapshotted). ncnn's anchors (../shared/anchors/arm-cost.md) use
# (count with 3 loops − count with 1 loop) / 2; on Octet that difference
# agrees with the markers to 0.1% most of the time, but the 1-loop run (load
# plus the first inference) is bimodal (measured: resnet18 fp32 4812.6M or
# 4761.3M guest instructions), which moved the estimate by 26M. The extractor
# set-up outside the layers (an input copy) is not counted here.
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-armv7}"
shift || true
. cross/markers.sh
case "$arch" in
    armv7 | aarch64) ;;
    *) echo "usage: $0 [armv7|aarch64] [MODEL.param ...]" >&2; exit 2 ;;
esac
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    for n in squeezenet mobilenet googlenet resnet18 mobilenet_ssd squeezenet_ssd; do
        models+=("models/$n.param" "models/${n}_int8.param")
    done
fi

markers_setup "$arch"

count() { # model -> "insns neon64 fpsimd a7" of one inference
    # shellcheck disable=SC2086 # OCTET_BENCH_ARGS is a list of options
    run_marked "$1" ${OCTET_BENCH_ARGS:-} 2>&1 >/dev/null |
        awk '/^marker /{if (first == "") {i0=$3; n0=$4; f0=$5; first=1} i=$3; n=$4; f=$5}
             END{if (first != "") printf "%.0f %.0f %.0f %.0f\n", i-i0, n-n0, f-f0, (n-n0) + 0.6*(f-f0)}'
}

printf "# net\tguest_instructions\tneon64_cost\tfp_simd_cost\ta7_cost   (octet %s, %s, 1 thread, per inference)\n" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "$arch"
for m in "${models[@]}"; do
    read -r i n f a < <(count "$m")
    [ -n "${i:-}" ] || { echo "$m: qemu produced no counts" >&2; exit 1; }
    printf "%s\t%s\t%s\t%s\t%s\n" "$(basename "$m" .param)" "$i" "$n" "$f" "$a"
done
