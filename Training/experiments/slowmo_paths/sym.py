"""Symmetric refinement of the middle-time flow for frame interpolation (issue 5 experiment, not
shipped): warp A and B to time t with the two-frame DIS flow, measure the residual flow between the
two warps, correct, warp again; PSNR against the dropped frames, like Benchmarks/slowmo/ceiling.py.

    python3 Training/experiments/slowmo_paths/sym.py CLIP[,CLIP...] [ROUNDS]
"""
import os, sys
import numpy as np
import cv2
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DIS as dis, ROOT, kept_frames, quantize as q  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "Benchmarks/slowmo"))
from ceiling import warp  # noqa: E402
from bench_slowmo import psnr  # noqa: E402
gray = lambda x: cv2.cvtColor(np.clip(np.rint(x), 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
clips = sys.argv[1].split(",")
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 1
res = {}
for name, n, orig, src in kept_frames(clips):
    sc = {"two": [], "sym": [], "sym2": []}
    for k in range(len(src) - 1):
        A, B = src[k].astype(np.float32), src[k + 1].astype(np.float32)
        fab, fba = dis.calc(gray(A), gray(B), None), dis.calc(gray(B), gray(A), None)
        f = 0.5 * (fab - fba)
        for j in range(1, n):
            m, t = k * n + j, j / n
            truth = orig[m]
            u = f.copy()
            sc["two"].append(psnr(q((1 - t) * warp(A, -t * u) + t * warp(B, (1 - t) * u)), truth))
            for it in range(iters):
                WA, WB = warp(A, -t * u), warp(B, (1 - t) * u)
                r = 0.5 * (dis.calc(gray(WA), gray(WB), None) - dis.calc(gray(WB), gray(WA), None))
                u = u + r
                key = "sym" if it == 0 else "sym2"
                sc[key].append(psnr(q((1 - t) * warp(A, -t * u) + t * warp(B, (1 - t) * u)), truth))
    r = {k: float(np.mean(v)) for k, v in sc.items() if v}
    res[(name, n)] = r
    print(name[:34], n, " ".join(f"{k} {v:.2f}" for k, v in r.items()), " sym-two %+.2f" % (r["sym"] - r["two"]), flush=True)
for n in (2, 4):
    d = [r["sym"] - r["two"] for (c, m), r in res.items() if m == n]
    print(f"x{n} mean sym-two {np.mean(d):+.3f}")
