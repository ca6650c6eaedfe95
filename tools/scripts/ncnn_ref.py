#!/usr/bin/env python3
"""Runs a model with ncnn itself (the PyPI `ncnn` package): the reference Octet
is compared against.

    ncnn_ref.py PARAM BIN --input NAME=IN.npy ... --output NAME=OUT.npy ...
                [--threads N] [--int8] [--loops N]

Writes each requested blob as float32 .npy (an empty blob becomes shape (0,)).
With --loops N > 0 it also times N extractions and prints `ms min avg max`.
"""
import argparse
import sys
import time

import numpy as np
import ncnn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("param")
    ap.add_argument("bin")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--output", action="append", default=[])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--loops", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--batch", help="file of `IN.npy OUT.npy ...` lines: run the single --input and the "
                    "--output blob names (given as NAME= with no file) on many inputs with one model load")
    a = ap.parse_args()

    net = ncnn.Net()
    opt = net.opt
    opt.use_vulkan_compute = False
    opt.num_threads = a.threads
    opt.use_fp16_storage = False
    opt.use_fp16_packed = False
    opt.use_fp16_arithmetic = False
    opt.use_bf16_storage = False
    opt.use_int8_inference = a.int8
    opt.lightmode = True
    if net.load_param(a.param) != 0:
        sys.exit(f"ncnn failed to load {a.param}")
    if net.load_model(a.bin) != 0:
        sys.exit(f"ncnn failed to load {a.bin}")

    if a.batch:
        # Lines `IN.npy OUT.npy ...`: one output file per --output name, all
        # extracted from one extractor (light mode off so the intermediates
        # the first extract used are kept for the next).
        iname = a.input[0].split("=", 1)[0]
        onames = [s.split("=", 1)[0] for s in a.output]
        for line in open(a.batch):
            if not line.strip():
                continue
            src, *dsts = line.split()
            if len(dsts) != len(onames):
                sys.exit(f"batch line `{line.strip()}`: {len(onames)} outputs wanted")
            arr = np.ascontiguousarray(np.load(src).astype(np.float32))  # kept alive until extract returns
            ex = net.create_extractor()
            ex.set_light_mode(False)
            ex.input(iname, ncnn.Mat(arr).clone())
            for oname, dst in zip(onames, dsts):
                ret, out = ex.extract(oname)
                if ret != 0:
                    sys.exit(f"ncnn extract {oname} failed: {ret}")
                np.save(dst, np.zeros((0,), np.float32) if out.empty() else np.array(out).astype(np.float32))
        return

    # ncnn.Mat borrows the numpy buffer: keep the arrays alive while extracting.
    arrays = []
    for spec in a.input:
        name, path = spec.split("=", 1)
        arr = np.ascontiguousarray(np.load(path).astype(np.float32))
        arrays.append((name, arr))

    def run(outputs):
        res = []
        for name in outputs:
            # One extractor per output: in light mode ncnn frees the
            # intermediates a first extract used, and a second fails.
            ex = net.create_extractor()
            for iname, arr in arrays:
                # clone(): ncnn-owned memory. Layers that work in place on an
                # input blob crash on a Mat that borrows numpy's buffer.
                ex.input(iname, ncnn.Mat(arr).clone())
            ret, out = ex.extract(name)
            if ret != 0:
                sys.exit(f"ncnn extract {name} failed: {ret}")
            # np.array() of an empty ncnn.Mat crashes: test first.
            res.append(np.zeros((0,), np.float32) if out.empty() else np.array(out).copy())
        return res

    names = [s.split("=", 1)[0] for s in a.output]
    outs = run(names)
    for spec, o in zip(a.output, outs):
        path = spec.split("=", 1)[1]
        np.save(path, o.astype(np.float32).reshape(o.shape if o.size else (0,)))

    if a.loops > 0:
        for _ in range(a.warmup):
            run(names[-1:])
        times = []
        for _ in range(a.loops):
            t0 = time.perf_counter()
            run(names[-1:])
            times.append((time.perf_counter() - t0) * 1000.0)
        print(f"ms {min(times):.3f} {sum(times)/len(times):.3f} {max(times):.3f}")


if __name__ == "__main__":
    main()
