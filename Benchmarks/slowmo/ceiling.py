#!/usr/bin/env python3
"""How far above minterpolate can flow-based frame interpolation go on these clips at all?

Same clips, dropped frames and scoring as bench_slowmo.py. Besides gid-filter and minterpolate
(mci) it scores two warps of the kept frames A and B (as decoded from the benchmark's NUT, what
both tools see) with OpenCV DIS (medium) flow:
- `two-frame`: a plain interpolator, flow A <-> B, the frame at t = A warped back by t F and
  B by (1 - t) F, mixed (1 - t, t): what any method that assumes straight, even motion between
  the two kept frames can do with a good flow;
- `oracle`: flow measured from the *dropped original itself* to A and to B, the same warps and
  mix. No interpolator can have these flows (the frame is what it has to make); they are the
  best case for warping A and B, including curved and uneven motion. On clips whose changes are
  not motion (flickering flames) the oracle flow fits the change itself and the figure means
  little.
The gap oracle - mci bounds what a better flow or occlusion handling could add over
minterpolate; what lies above it (flicker, things appearing) is not in the kept frames.

    python3 Benchmarks/slowmo/ceiling.py [--clips a,b | --all] [--factors 2,4]
"""
import argparse, os, sys
import numpy as np
import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_slowmo import CLIPS, DATA, ROOT, cases, commands, frames_of, psnr  # noqa: E402


def warp(img, flow):
    """img sampled at p + flow(p) (backward warp, bilinear, replicated border)."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-measure", "release", "gid-filter"))
    ap.add_argument("--frames", type=int, default=61)
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--factors", default="2,4")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"no shared data at {DATA}")
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray = lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)
    q = lambda x: np.clip(np.rint(x), 0, 255).astype(np.uint8)
    rows = []
    print("| clip | N | gid-filter | minterpolate mci | two-frame DIS warp | oracle warp | oracle - mci |")
    print("|---|---|---|---|---|---|---|")
    for name, orig, w, h, rate, n, dec, kept in cases(args.clips, args.all, args.frames, args.factors, "ceiling-slowmo-"):
        cmd = commands(args.bin, dec, n, rate)
        src, _ = frames_of(cmd["decode"], w, h)
        ours, _ = frames_of(cmd["gid"], w, h)
        mci, _ = frames_of(cmd["mci"], w, h)
        score = {k: [] for k in ("gid", "mci", "two", "oracle")}
        for k in range(len(src) - 1):
            A, B = src[k].astype(np.float32), src[k + 1].astype(np.float32)
            fab, fba = dis.calc(gray(src[k]), gray(src[k + 1]), None), dis.calc(gray(src[k + 1]), gray(src[k]), None)
            f = 0.5 * (fab - fba)                                 # both directions' A -> B estimate
            for j in range(1, n):
                m, t = k * n + j, j / n
                if m >= kept - 1 or m >= len(ours) or m >= len(mci):
                    continue
                truth = orig[m]
                score["gid"].append(psnr(ours[m], truth))
                score["mci"].append(psnr(mci[m], truth))
                score["two"].append(psnr(q((1 - t) * warp(A, -t * f) + t * warp(B, (1 - t) * f)), truth))
                oa, ob = dis.calc(gray(truth), gray(src[k]), None), dis.calc(gray(truth), gray(src[k + 1]), None)
                score["oracle"].append(psnr(q((1 - t) * warp(A, oa) + t * warp(B, ob)), truth))
        r = {k: float(np.mean(v)) for k, v in score.items()}
        rows.append((name, n, r))
        print(f"| {name} | {n} | {r['gid']:.2f} | {r['mci']:.2f} | {r['two']:.2f} | {r['oracle']:.2f} "
              f"| {r['oracle'] - r['mci']:+.2f} |", flush=True)
    for n in sorted({r[1] for r in rows}):
        sel = [r[2] for r in rows if r[1] == n]
        mean = lambda k: np.mean([s[k] - s["mci"] for s in sel])
        print(f"x{n} over {len(sel)} clips, mean dB above mci: gid-filter {mean('gid'):+.2f}, "
              f"two-frame DIS warp {mean('two'):+.2f}, oracle warp {mean('oracle'):+.2f}")


if __name__ == "__main__":
    main()
