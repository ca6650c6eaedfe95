#!/usr/bin/env bash
# Per-layer cost of one inference under qemu: which kernel each layer ran and
# its guest instructions, neon64 cost and a7 cost (cross/layercost.c counts
# between the marker system calls `octet bench --layer-markers` makes), then
# the totals per kernel. The counters are insncount.c's, so the per-layer
# figures add up to what cross/insncount.sh reports for the whole network
# (plus a few hundred instructions per layer for the markers).
#
#   cross/layercost.sh [armv7|aarch64] MODEL.param [bench options, e.g. --winograd 43]
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-}"
model="${2:-}"
. cross/markers.sh
case "$arch" in
    armv7 | aarch64) ;;
    *) model="" ;;
esac
[ -n "$model" ] || { echo "usage: $0 armv7|aarch64 MODEL.param [bench options]" >&2; exit 2; }
shift 2
markers_setup "$arch"

run_marked "$model" "$@" >"$out/layers.txt" 2>"$out/markers.txt" ||
    { cat "$out/markers.txt" >&2; exit 1; }

printf "# %s, %s, octet %s, 1 thread, one inference\n" "$(basename "$model")" "$arch" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
awk -F'\t' '
    FNR == NR { if ($1 == "layer") { n++; kind[n] = $2; name[n] = $3; how[n] = ($4 == "" ? "-" : $4) } next }
    $1 ~ /^marker / { split($1, f, " "); m = f[2]; ins[m] = f[3]; neon[m] = f[4]; fp[m] = f[5]; nm = m + 1 }
    END {
        if (nm != n + 1) { printf "expected %d markers, got %d\n", n + 1, nm > "/dev/stderr"; exit 1 }
        for (i = 1; i <= n; i++) {
            di = ins[i] - ins[i-1]; dn = neon[i] - neon[i-1]; da = dn + 0.6 * (fp[i] - fp[i-1])
            ti += di; tn += dn; ta += da
            k = kind[i] " " how[i]; ki[k] += di; kn[k] += dn; ka[k] += da; kc[k]++
            line[i] = sprintf("%-20s %-28s %-26s %12.0f %12.0f %12.0f", kind[i], name[i], how[i], di, dn, da)
            cost[i] = da
        }
        printf "%-20s %-28s %-26s %12s %12s %12s %6s\n", "type", "layer", "kernel", "instructions", "neon64", "a7", "a7 %"
        for (i = 1; i <= n; i++) printf "%s %5.1f%%\n", line[i], 100 * cost[i] / ta
        printf "%-76s %12.0f %12.0f %12.0f\n\n", "total", ti, tn, ta
        printf "%-48s %6s %12s %12s %12s %6s\n", "per kernel", "layers", "instructions", "neon64", "a7", "a7 %"
        nk = 0
        for (k in ka) keys[++nk] = k
        for (i = 1; i <= nk; i++) for (j = i + 1; j <= nk; j++)
            if (ka[keys[j]] > ka[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
        for (i = 1; i <= nk; i++) { k = keys[i]; printf "%-48s %6d %12.0f %12.0f %12.0f %5.1f%%\n", k, kc[k], ki[k], kn[k], ka[k], 100 * ka[k] / ta }
    }' "$out/layers.txt" FS=$'\t' "$out/markers.txt"
