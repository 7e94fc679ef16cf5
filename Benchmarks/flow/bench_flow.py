#!/usr/bin/env python3
"""Optical flow: gid-filter flow vs OpenCV DIS (medium preset), same pairs, same run.

Middlebury pairs at native size (../shared/data/flow/middlebury): EPE where ground truth exists
(Grove3), time per pair everywhere. Then the motion analysis of a 150-frame 512x288 clip
(flows I0 -> I_n) through `gid-filter flow --window 150`.

Needs: opencv-python-headless numpy (benchmark only), ffmpeg, a release build:
  swift build -c release --scratch-path .build-flow
  python3 Benchmarks/flow/bench_flow.py [--bin .build-flow/release/gid-filter] [--repeat 15]
"""
import argparse, os, re, subprocess, sys, tempfile, time

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "..", "shared", "data")
MIDDLEBURY = os.path.join(DATA, "flow", "middlebury")
PAIRS = ["Grove3", "Grove2", "Urban2", "RubberWhale", "Hydrangea", "Dimetrodon", "Venus"]
CLIP = os.path.join(DATA, "clips", "plants__hollyhock_flower_wind.mkv")


def read_flo(path):
    with open(path, "rb") as f:
        magic = np.fromfile(f, np.float32, 1)[0]
        assert magic == np.float32(202021.25), path
        w, h = np.fromfile(f, np.int32, 2)
        return np.fromfile(f, np.float32, 2 * w * h).reshape(h, w, 2)


def epe(flow, gt):
    valid = (np.abs(gt) < 1e9).all(-1)
    return float(np.sqrt(((flow - gt) ** 2).sum(-1))[valid].mean())


def ours(binary, a, b, preset, repeat, out):
    r = subprocess.run([binary, "flow", "-y", "-i", a, "-i", b, "--preset", preset, "--repeat", str(repeat), out],
                       capture_output=True, text=True, check=True)
    m = re.search(r"([0-9.]+) ms per pair \(median", r.stderr)
    return float(m.group(1)), read_flo(out)


def opencv(a, b, repeat):
    ia, ib = cv2.imread(a, cv2.IMREAD_GRAYSCALE), cv2.imread(b, cv2.IMREAD_GRAYSCALE)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(ia, ib, None)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        flow = dis.calc(ia, ib, None)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), flow


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-flow", "release", "gid-filter"))
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--presets", default="medium,fast,best")
    ap.add_argument("--no-clip", action="store_true")
    args = ap.parse_args()
    if not os.path.isdir(MIDDLEBURY):
        sys.exit(f"no Middlebury data at {MIDDLEBURY}")
    cv2.setNumThreads(2)
    presets = args.presets.split(",")
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads; gid-filter {args.bin}; median of {args.repeat}")
    tmp = tempfile.mkdtemp()
    rows = []
    for name in PAIRS:
        a = os.path.join(MIDDLEBURY, f"{name}_frame10.png")
        b = os.path.join(MIDDLEBURY, f"{name}_frame11.png")
        gt_path = os.path.join(MIDDLEBURY, f"{name}_flow10.flo")
        gt = read_flo(gt_path) if os.path.exists(gt_path) else None
        h, w = cv2.imread(a, cv2.IMREAD_GRAYSCALE).shape
        cv_ms, cv_flow = opencv(a, b, args.repeat)
        for preset in presets:
            ms, flow = ours(args.bin, a, b, preset, args.repeat, os.path.join(tmp, "out.flo"))
            line = f"{name:12s} {w}x{h} {preset:6s}  ours {ms:7.2f} ms   DIS-medium {cv_ms:7.2f} ms   time ratio {ms / cv_ms:5.2f}x"
            if gt is not None:
                e, ce = epe(flow, gt), epe(cv_flow, gt)
                line += f"   EPE ours {e:.3f}  DIS-medium {ce:.3f}  ratio {e / ce:.3f}"
            print(line, flush=True)
            rows.append((name, preset, ms, cv_ms))
    for preset in presets:
        r = [x[2] / x[3] for x in rows if x[1] == preset]
        print(f"geometric-mean time ratio ({preset} vs DIS-medium, {len(r)} pairs): {np.exp(np.mean(np.log(r))):.2f}x")

    if args.no_clip or not os.path.exists(CLIP):
        return
    clip = os.path.join(tmp, "clip512.mkv")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", CLIP, "-vf", "scale=512:288", "-frames:v", "150",
                    "-c:v", "ffv1", clip], check=True)
    for preset in presets:
        t = time.perf_counter()
        r = subprocess.run([args.bin, "flow", "-i", clip, "--window", "150", "--preset", preset],
                           capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t
        print(f"motion analysis 150 frames 512x288 ({os.path.basename(CLIP)}), {preset}: wall {wall:.2f} s (target < 10 s)")
        print("  " + r.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
