"""Curved (constant-acceleration) paths from four kept frames against straight two-frame warps
(issue 5 experiment; the Swift version was measured and not kept, Benchmarks/slowmo/README.md).

    python3 Training/experiments/slowmo_paths/quad.py CLIP[,CLIP...] [ACCELERATION_SCALE]
"""
import os, sys
import numpy as np
import cv2
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks/slowmo"))
from ceiling import warp
from bench_slowmo import psnr, probe, frames_of, DATA
CACHE = os.environ.get("CACHE", "/tmp/slowmo-paths")


def original(name, frames=61):
    """The clip's first `frames` frames as RGB (cropped to even size, as bench_slowmo.py), cached."""
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, name + ".npy")
    if not os.path.exists(path):
        w, h, _ = probe(os.path.join(DATA, name))
        w, h = w - w % 2, h - h % 2
        np.save(path, frames_of(["ffmpeg", "-v", "error", "-i", os.path.join(DATA, name), "-vf", f"crop={w}:{h}:0:0",
                                 "-frames:v", str(frames), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], w, h)[0])
    return np.load(path)
dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
g = lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)
q = lambda x: np.clip(np.rint(x), 0, 255).astype(np.uint8)
clips = sys.argv[1].split(",")
damp = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
res = {}
for name in clips:
    orig = original(name)
    for n in (2, 4):
        kept = (len(orig) - 1) // n * n + 1
        src = orig[:kept:n]
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
