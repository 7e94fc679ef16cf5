"""Curved (constant-acceleration) paths from four kept frames against straight two-frame warps
(issue 5 experiment; the Swift version was measured and not kept, Benchmarks/slowmo/README.md).

    python3 Training/experiments/slowmo_paths/quad.py CLIP[,CLIP...] [ACCELERATION_SCALE]
"""
import os, sys
import numpy as np
import cv2
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DIS as dis, ROOT, kept_frames, quantize as q  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "Benchmarks/slowmo"))
from ceiling import warp  # noqa: E402
from bench_slowmo import psnr  # noqa: E402
g = lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)
clips = sys.argv[1].split(",")
damp = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
res = {}
for name, n, orig, src in kept_frames(clips):
    G = [g(x) for x in src]
    fw = [dis.calc(G[k], G[k + 1], None) for k in range(len(src) - 1)]
    bw = [dis.calc(G[k + 1], G[k], None) for k in range(len(src) - 1)]
    sc = {"two": [], "quad": [], "quadA": [], "capA": []}
    for k in range(1, len(src) - 2):
        A, B = src[k].astype(np.float32), src[k + 1].astype(np.float32)
        f = 0.5 * (fw[k] - bw[k])
        Fp, Fm = fw[k], bw[k - 1]          # k -> k+1, k -> k-1
        Gp, Gm = fw[k + 1], bw[k]          # k+1 -> k+2, k+1 -> k
        v, a = 0.5 * (Fp - Fm), damp * (Fp + Fm)
        w, b = 0.5 * (Gp - Gm), damp * (Gp + Gm)
        for j in range(1, n):
            m, t = k * n + j, j / n
            truth = orig[m]
            sc["two"].append(psnr(q((1 - t) * warp(A, -t * f) + t * warp(B, (1 - t) * f)), truth))
            dA = v * t + 0.5 * a * t * t
            s = t - 1
            dB = w * s + 0.5 * b * s * s
            sc["quad"].append(psnr(q((1 - t) * warp(A, -dA) + t * warp(B, -dB)), truth))
            sc["quadA"].append(psnr(q((1 - t) * warp(A, -dA) + t * warp(B, (1 - t) * f)), truth))
            lin = t * Fp
            d = dA - lin
            mag = np.linalg.norm(d, axis=-1, keepdims=True)
            cap = np.linalg.norm(Fp, axis=-1, keepdims=True) * t + 0.5
            dc = lin + d * np.minimum(1, cap / np.maximum(mag, 1e-6))
            sc["capA"].append(psnr(q((1 - t) * warp(A, -dc) + t * warp(B, (1 - t) * f)), truth))
    r = {k: float(np.mean(v)) for k, v in sc.items()}
    res[(name, n)] = r
    print(name[:34], n, " ".join(f"{k} {v:.2f}" for k, v in r.items()), " quad-two %+.2f A %+.2f" % (r["quad"] - r["two"], r["quadA"] - r["two"]), flush=True)
for n in (2, 4):
    d = [r["quad"] - r["two"] for (c, m), r in res.items() if m == n]
    print(f"x{n} mean quad-two {np.mean(d):+.3f}")
