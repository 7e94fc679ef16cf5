"""Symmetric refinement of the middle-time flow for frame interpolation (issue 5 experiment, not
shipped): warp A and B to time t with the two-frame DIS flow, measure the residual flow between the
two warps, correct, warp again; PSNR against the dropped frames, like Benchmarks/slowmo/ceiling.py.

    python3 Training/experiments/slowmo_paths/sym.py CLIP[,CLIP...] [ROUNDS]
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
gray = lambda x: cv2.cvtColor(np.clip(np.rint(x), 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
q = lambda x: np.clip(np.rint(x), 0, 255).astype(np.uint8)
clips = sys.argv[1].split(",")
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 1
res = {}
for name in clips:
    orig = original(name)
    for n in (2, 4):
        kept = (len(orig) - 1) // n * n + 1
        src = orig[:kept:n]
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
