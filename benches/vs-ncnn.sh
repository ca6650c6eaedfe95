#!/usr/bin/env bash
# Octet beside ncnn (PyPI, fp16/bf16 storage off) on this machine: the same
# .param, the same weights (a .bin given, or Octet's synthetic ones written
# with `octet synth-bin`), 1 thread by default, fp32; median and min ms of N
# timed runs after a warm-up, and the ratio Octet / ncnn.
#
#   benches/vs-ncnn.sh [--loops N] [--threads T] MODEL.param[:W,H,C] ...
#
# The input is the .param's declared shape, or W,H,C after the colon (for
# params that declare none). Run it on a quiet machine: both runtimes are
# timed in turn, net by net, so background load skews both alike only if it
# is steady.
set -euo pipefail
cd "$(dirname "$0")/.."
loops=20
threads=1
models=()
while [ $# -gt 0 ]; do
    case "$1" in
        --loops) loops="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        *) models+=("$1"); shift ;;
    esac
done
[ ${#models[@]} -gt 0 ] || { echo "usage: $0 [--loops N] [--threads T] MODEL.param[:W,H,C] ..." >&2; exit 2; }
cargo build -q --release -p octet-tools
octet=target/release/octet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf "# net\toctet_median_ms\toctet_min_ms\tncnn_median_ms\tncnn_min_ms\toctet/ncnn (median)   (%s loops, %s thread(s), fp32, %s)\n" \
    "$loops" "$threads" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for spec in "${models[@]}"; do
    param="${spec%%:*}"
    shape=""
    [ "$spec" != "$param" ] && shape="${spec#*:}"
    name=$(basename "$param" .param)
    bin="${param%.param}.bin"
    if [ ! -f "$bin" ]; then
        bin="$tmp/$name.bin"
        "$octet" synth-bin --param "$param" --out "$bin"
    fi
    shape_args=()
    [ -n "$shape" ] && shape_args=(--shape "$shape")
    # Octet: its own timer (median and min over the timed runs).
    read -r omin omed < <("$octet" bench --fp32 --loops "$loops" --warmup 2 --threads "$threads" \
        "${shape_args[@]}" --json "$param" "$bin" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["min_ms"], r["median_ms"])')
    # ncnn: the same input shape, random values, its extractor timed in Python.
    python3 - "$param" "$bin" "$loops" "$threads" "$shape" <<'EOF' >"$tmp/ncnn.txt"
import sys, time
import numpy as np
import ncnn
param, binf, loops, threads, shape = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
# Inputs (Input layers, their declared 0=w 1=h 2=c) and outputs (blobs no
# layer reads) from the .param itself.
lines = [l.split() for l in open(param).read().splitlines()[2:] if l.strip()]
inputs, made, used = [], [], set()
for t in lines:
    nb, nt = int(t[2]), int(t[3])
    bottoms, tops = t[4:4 + nb], t[4 + nb:4 + nb + nt]
    used.update(bottoms)
    made += tops
    if t[0] == "Input":
        kv = dict(x.split("=", 1) for x in t[4 + nb + nt:])
        inputs.append((tops[0], [int(kv.get(k, 0)) for k in ("2", "1", "0")]))
outs = [b for b in made if b not in used]
net = ncnn.Net()
o = net.opt
o.use_vulkan_compute = False
o.num_threads = threads
o.use_fp16_storage = o.use_fp16_packed = o.use_fp16_arithmetic = o.use_bf16_storage = False
o.use_int8_inference = False
o.lightmode = True
assert net.load_param(param) == 0 and net.load_model(binf) == 0
arrays = []
for name, s in inputs:
    if shape:
        w, h, c = (int(v) for v in shape.split(","))
        s = [c, h, w]
    arrays.append((name, np.random.default_rng(1).uniform(-1, 1, s).astype(np.float32)))
def run():
    ex = net.create_extractor()
    for n, a in arrays:
        ex.input(n, ncnn.Mat(a).clone())
    for n in outs:
        ex.extract(n)
for _ in range(2):
    run()
ts = []
for _ in range(loops):
    t0 = time.perf_counter()
    run()
    ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(ts[0], ts[len(ts) // 2])
EOF
    read -r nmin nmed <"$tmp/ncnn.txt"
    python3 -c "import sys; om,on,nm,nn=map(float,sys.argv[2:]); print(f'{sys.argv[1]}\t{om:.2f}\t{on:.2f}\t{nm:.2f}\t{nn:.2f}\t{om/nm:.3f}')" \
        "$name" "$omed" "$omin" "$nmed" "$nmin"
done
