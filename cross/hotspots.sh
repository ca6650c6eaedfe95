#!/usr/bin/env bash
# Where one inference's NEON cost goes, by function: cross/hotspots.c counts
# insncount.c's neon64 cost per translated block from the first layer marker
# of the measured inference to exit, and this maps the blocks to the symbols
# of the octet binary (inlined code counts in its caller; the shared
# libraries, e.g. glibc's memset/memcpy, are one line). Complements
# cross/layercost.sh (per layer): this shows which kernel or helper inside the
# layers to work on next.
#
#   cross/hotspots.sh [armv7|aarch64] MODEL.param [TOP] [bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-}"
model="${2:-}"
top="${3:-30}"
. cross/markers.sh
case "$arch" in
    armv7) nm=arm-linux-gnueabihf-nm ;;
    aarch64) nm=aarch64-linux-gnu-nm ;;
    *) model="" ;;
esac
[ -n "$model" ] || { echo "usage: $0 armv7|aarch64 MODEL.param [TOP] [bench options]" >&2; exit 2; }
shift $(($# < 3 ? $# : 3))
markers_setup "$arch"
gcc -O2 -shared -fPIC -o "$out/hotspots.so" cross/hotspots.c
"${qemu[@]}" -d page -D "$out/page.log" -plugin "$out/hotspots.so,nr=$nr" "$bin" bench --single "$model" \
    --loops 1 --warmup 1 --layer-markers "$@" >/dev/null 2>"$out/blocks.txt" ||
    { tail -5 "$out/blocks.txt" >&2; exit 1; }
# qemu-user loads the (position-independent) binary at start_code.
base=$(awk '$1 == "start_code" { print $2 }' "$out/page.log")
[ -n "$base" ] || { echo "no start_code in $out/page.log" >&2; exit 1; }
printf "# %s, %s, octet %s, 1 thread, one inference, neon64 cost by function\n" "$(basename "$model")" "$arch" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
python3 - "$bin" "$out/blocks.txt" "$base" "$top" "$nm" <<'PY'
import bisect, collections, subprocess, sys
binary, blocks, base, top, nm = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4]), sys.argv[5]
syms = []
for line in subprocess.run([nm, "-C", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        syms.append((int(parts[0], 16) & ~1, parts[2]))
syms.sort()
addrs = [a for a, _ in syms]
end = syms[-1][0] + 4096 if syms else 0
by_fn, total = collections.Counter(), 0
for line in open(blocks):
    if not line.startswith("tb "):
        continue
    _, va, execs, cost = line.split()
    c = int(execs) * int(cost)
    total += c
    off = int(va, 16) - base
    i = bisect.bisect_right(addrs, off) - 1
    name = syms[i][1] if 0 <= off < end and i >= 0 else "(shared libraries: libc memset/memcpy, libm, ...)"
    by_fn[name] += c
print(f"{'neon64':>12} {'%':>6}  function   (total {total:,})")
for name, c in by_fn.most_common(top):
    print(f"{c:12,} {100 * c / max(total, 1):5.1f}%  {name[:140]}")
PY
