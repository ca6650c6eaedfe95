#!/usr/bin/env python3
"""An independent (numpy) implementation of Octet's KL threshold search, to
check `octet calibrate` against: reads the JSON of `--dump-histograms` and
prints {layer: scale} as JSON.

For i kept bins (128 <= i < 2048): p = hist[:i] with the outliers added to
p[i-1]; the i bins (without outliers) are merged into 128 levels with
fractional edges; each level's mass is spread over the bins where p > 0 in
proportion to their overlap with the level; KL(p||q) over p > 0 (infinite if
q = 0 there); scale = 127 / ((i + 0.5) * absmax / 2048).
"""
import json
import sys

import numpy as np

BINS, LEVELS = 2048, 128


def level_sums(values, i):
    """Sum of `values` (one per bin) over each level's fractional range, via
    the piecewise-linear cumulative sum evaluated at the level edges."""
    cum = np.concatenate([[0.0], np.cumsum(values)])
    edges = np.arange(LEVELS + 1) * (i / LEVELS)
    whole = np.floor(edges).astype(np.int64)
    frac = edges - whole
    nxt = np.minimum(whole + 1, i)
    at = cum[whole] + frac * (cum[nxt] - cum[whole])
    return np.diff(at)


def kl_for(hist, i):
    h = hist[:i].astype(np.float64)
    p = h.copy()
    p[-1] += hist[i:].sum()
    nz = (p > 0).astype(np.float64)
    mass = level_sums(h, i)
    support = level_sums(nz, i)
    share = np.divide(mass, support, out=np.zeros_like(mass), where=support > 0)
    # Each bin [k, k+1) meets at most two levels (a level is >= 1 bin wide).
    width = i / LEVELS
    k = np.arange(i)
    j0 = np.minimum((k / width).astype(np.int64), LEVELS - 1)
    j1 = np.minimum(((k + 1) / width).astype(np.int64), LEVELS - 1)
    split = np.minimum(k + 1, (j0 + 1) * width)
    q = (split - k) * share[j0] + np.where(j1 != j0, (k + 1) - split, 0.0) * share[j1]
    q = q * nz
    if p.sum() == 0 or q.sum() == 0:
        return np.inf
    p, q = p / p.sum(), q / q.sum()
    m = p > 0
    if np.any(q[m] <= 0):
        return np.inf
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def main():
    layers = json.load(open(sys.argv[1]))
    out = {}
    for l in layers:
        hist = np.array(l["histogram"], dtype=np.uint64)
        if hist.sum() == 0 or l["absmax"] <= 0:
            continue
        kls = [kl_for(hist, i) for i in range(LEVELS, BINS)]
        i = LEVELS + int(np.argmin(kls))
        out[l["layer"]] = 127.0 / ((i + 0.5) * l["absmax"] / BINS)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
