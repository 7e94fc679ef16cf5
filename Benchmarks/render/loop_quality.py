#!/usr/bin/env python3
"""Loops as a user makes them: frame count, detail in every frame, detail pulse and seam.

For each scene (real clips: measured motion; the Samples stills: predicted motion) the motion is
made once (`motion,motionsave=scene.gidm`), then rendered by the CLI as loops of several lengths
with the B-spline sampling (`render` default) and with the colour splat it replaced
(`render=kernel=splat`), both `quality=best`. Each loop is written losslessly (y4m) and as
H.264 at CRF 12 (what a user keeps) twice: by gid-filter (which gives x264 more bits at a loop's
seam) and, as the peer, by ffmpeg's libx264 with its defaults from the lossless frames. Every
file is decoded by ffmpeg and measured on luma:

  frames   decoded frame count (goal: round(S x fps))
  detail   variance of the Laplacian of each frame over I0's (I0 = the scene's picture):
           minimum and median over the loop (goal >= 0.85 in every frame)
  pulse    sharpest frame's detail over the softest's (goal <= 1.2)
  seam     mean |last - first| over the median |frame - previous| (goal <= 1.3)
  worst    the largest |frame - previous| inside the loop over the median: an encoder's boost
           at the seam must not move the pop there (compare with the lossless column's)
  MB       the H.264 file's size

    Training/.venv/bin/python Benchmarks/render/loop_quality.py [--bin PATH] [--clips DIR]
        [--clip NAME]... [--seconds 4 7.3] [--workdir DIR] [--seam-picture PNG]

--seam-picture writes, for the first scene's first loop (B-spline), |frame - previous| x8 at an
ordinary step (left), at the largest step inside the loop (middle) and at the wrap (right),
ffmpeg's MP4 on top and gid-filter's below
(docs/images/loop-seam-h264.png is one).

Needs a release build (`swift build -c release --product gid-filter`), ffmpeg, numpy and
safetensors (Training/.venv has them). Clips are read from ../shared/data/clips and skipped
with a message when it is absent; the two stills ship in Samples/.
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIPS = [
    "candle__candle_closeup_light4israel.mkv", "fire__fireplace_gatech.mkv",
    "plants__evm_shadow_house_trees.mkv", "plants__palm_leaf_shadows_wall.mkv",
    "structure_sway__crane_crop_phasebased.mkv", "water__dyntex_fountain_trees.avi",
    "water__sea_sunset_waves.mkv", "plants__sunlit_leaves_wind.mkv", "plants__reeds_wind_bw.mkv",
    "water__mossy_forest_stream.mkv", "sky_clouds__mist_over_forest_ridge.mkv",
    "mixed_landscape__misty_lakeshore_trees_wind.mkv",
]
STILLS = ["Samples/stills/bythewater.jpg", "Samples/stills/coldripple.jpg"]
KERNELS = [("B-spline", "render=quality=best"), ("colour splat", "render=quality=best:kernel=splat")]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[-400:]}")
    return r


def luma_frames(path):
    info = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=width,height", "-of", "json", path]).stdout)["streams"][0]
    w, h = info["width"], info["height"]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.float64) / 255


def detail(y, border=8):
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    b = border - 1
    return lap[b:-b, b:-b].var()


def reference_luma(gidm):
    t = load_file(gidm)["reference_image"]  # (3, H, W) floats in [0, 1]
    y = 0.299 * t[0] + 0.587 * t[1] + 0.114 * t[2]
    return np.round(np.clip(y, 0, 1) * 255) / 255  # the 8-bit luma a decoder gives


def scene_motion(binary, path, work):
    """The scene's motion made once (`motion,motionsave`): its .gidm in `work` and the detail of
    its picture I0, which every frame's detail is divided by."""
    gidm = os.path.join(work, os.path.splitext(os.path.basename(path))[0] + ".gidm")
    run([binary, "-y", "-nostats", "-loglevel", "error", "-i", path, "-vf", f"motion,motionsave={gidm}", "-f", "null", "-"])
    return gidm, detail(reference_luma(gidm))


def measure(path, base):
    f = luma_frames(path)
    d = np.array([detail(x) for x in f]) / base
    steps = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2))
    seam = np.abs(f[-1] - f[0]).mean() / np.median(steps)
    return len(f), d.min(), np.median(d), d.max() / d.min(), seam, steps.max() / np.median(steps)


def seam_picture(png, ffmpeg_mp4, ours_mp4):
    """|frame - previous| x8 at the middle step, at the largest step inside the loop and at the
    wrap, for both encodes, as one PNG."""
    rows = []
    for path in (ffmpeg_mp4, ours_mp4):
        f = luma_frames(path) * 255
        mid = len(f) // 2
        worst = 1 + int(np.abs(np.diff(f, axis=0)).mean(axis=(1, 2)).argmax())
        gap = np.full((f.shape[1], 8), 255.0)
        diffs = [np.abs(f[mid] - f[mid - 1]), np.abs(f[worst] - f[worst - 1]), np.abs(f[0] - f[-1])]
        rows.append(np.concatenate([diffs[0] * 8, gap, diffs[1] * 8, gap, diffs[2] * 8], axis=1))
    img = np.clip(np.concatenate([rows[0], np.full((8, rows[0].shape[1]), 255.0), rows[1]]), 0, 255).astype(np.uint8)
    h, w = img.shape
    pgm = png + ".pgm"
    with open(pgm, "wb") as out:
        out.write(b"P5 %d %d 255\n" % (w, h) + img.tobytes())
    run(["ffmpeg", "-v", "error", "-y", "-i", pgm, "-vf", "scale=iw/2:-1", png])
    os.remove(pgm)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/gid-filter"))
    ap.add_argument("--clips", default=os.path.join(ROOT, "../shared/data/clips"))
    ap.add_argument("--clip", action="append", help="clip file name (repeatable); default: twelve clips")
    ap.add_argument("--seconds", type=float, nargs="+", default=[4, 7.3])
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--seam-picture", default=None, help="PNG of the wrap against an ordinary and the largest step (first scene, first loop)")
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="loop-quality-")
    os.makedirs(work, exist_ok=True)
    scenes = [(os.path.join(ROOT, s), "predicted") for s in STILLS]
    if os.path.isdir(a.clips):
        scenes += [(os.path.join(a.clips, c), "measured") for c in (a.clip or CLIPS)]
    else:
        print(f"clips skipped: {a.clips} is absent (only the Samples stills are measured)")
    print("| scene | motion | loop | renderer | frames (goal) | lossless: detail min / median, pulse, seam, worst step "
          "| CRF 12 gid-filter: detail min / median, pulse, seam, worst step, MB | CRF 12 ffmpeg: detail min / median, pulse, seam, worst step, MB |")
    print("|---|---|---|---|---|---|---|---|")
    for path, kind in scenes:
        name = os.path.splitext(os.path.basename(path))[0]
        if not os.path.exists(path):
            print(f"| {name} | skipped: not found | | | | | |")
            continue
        t0 = time.time()
        gidm, base = scene_motion(a.bin, path, work)
        fps = 30.0
        for seconds in a.seconds:
            for label, render in KERNELS:
                out = os.path.join(work, f"{name}-{seconds}-{label.replace(' ', '')}")
                graph = f"loop=seconds={seconds},{render}"
                run([a.bin, "-y", "-nostats", "-loglevel", "error", "-i", gidm, "-vf", graph, out + ".y4m"])
                run([a.bin, "-y", "-nostats", "-loglevel", "error", "-i", gidm, "-vf", graph, "-crf", "12", out + ".mp4"])
                run(["ffmpeg", "-v", "error", "-y", "-i", out + ".y4m", "-c:v", "libx264", "-crf", "12",
                     "-pix_fmt", "yuv420p", out + "-ffmpeg.mp4"])
                cells = []
                for p in (out + ".y4m", out + ".mp4", out + "-ffmpeg.mp4"):
                    n, dmin, dmed, pulse, seam, worst = measure(p, base)
                    size = "" if p.endswith(".y4m") else f", {os.path.getsize(p) / 1e6:.2f}"
                    cells.append(f"{dmin:.2f} / {dmed:.2f}, {pulse:.2f}, {seam:.2f}, {worst:.2f}{size}")
                frames = n
                rate = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate",
                            "-of", "csv=p=0", out + ".mp4"]).stdout.strip().split("/")
                fps = float(rate[0]) / float(rate[1] if len(rate) > 1 else 1)
                goal = int(seconds * fps + 0.5)  # half away from zero, as gid-filter rounds
                print(f"| {name} | {kind} | {seconds} s | {label} | {frames} ({goal}) | {cells[0]} | {cells[1]} | {cells[2]} |", flush=True)
                if a.seam_picture and label == "B-spline":
                    seam_picture(a.seam_picture, out + "-ffmpeg.mp4", out + ".mp4")
                    a.seam_picture = None
                for p in (out + ".y4m", out + ".mp4", out + "-ffmpeg.mp4"):
                    os.remove(p)
        print(f"<!-- {name}: {time.time() - t0:.0f} s -->", flush=True)


if __name__ == "__main__":
    sys.exit(main())
