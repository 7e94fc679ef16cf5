#!/usr/bin/env python3
"""QA sweep: every clip of ../shared/data/clips through the three real-footage jobs, one JSON line
per clip. Not a benchmark (nothing is timed against a peer): it finds what the six benchmark
clips do not show (black blocks from a broken hole fill, a loop that loses its last frame).

    swift build -c release --scratch-path .build-measure --product gid-filter
    python3 Benchmarks/qa/sweep_clips.py [NAME-PART ...] > sweep.jsonl      # ~25 min for all 44

Per clip:
- loop: `motion=window=5,loop=seconds=3` -> exit code, frame count, seam (mean |last - first|,
  levels) against the median and largest frame-to-frame step of the loop itself;
- magnify: `motion=window=5,magnify=gain=3,loop=seconds=2` -> exit code, frame count;
- slowmo: `-ss 1 -t 2 -i CLIP -vf slowmo=2` -> exit code, frame count, and what the input's
  timestamps call for if its rate is constant (2 (n - 1) + 1, n as ffmpeg reads the same range);
- "dark": the largest share of pixels near-black in an output frame but not in I0 (the black
  blocks of a broken fill; on flames and moving occluders real content also scores here).
Refusals print the one-line error (a 5 s window on a shorter clip is the expected one).
"""
import json, os, subprocess, sys, tempfile, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("BIN", os.path.join(ROOT, ".build-measure", "release", "gid-filter"))
CLIPS = os.path.join(os.path.dirname(ROOT), "shared", "data", "clips")


def decode(path):
    """All frames of `path` as float32 RGB (frames, h, w, 3)."""
    size = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                           "-of", "csv=p=0", path], capture_output=True, text=True).stdout.strip().split(",")
    w, h = int(size[0]), int(size[1])
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3).astype(np.float32)


def dark(frame, i0):
    return float(((frame.max(axis=-1) < 12) & (i0.max(axis=-1) > 40)).mean())


def gid(args):
    t0 = time.time()
    r = subprocess.run([BIN, "-y", "-nostats", "-loglevel", "error"] + args, capture_output=True, text=True)
    return {"rc": r.returncode, "err": r.stderr.strip().splitlines()[-1:], "s": round(time.time() - t0, 1)}


def frames_in_range(src):
    out = subprocess.run(f"ffmpeg -v error -ss 1 -t 2 -i '{src}' -map 0:v:0 -f framemd5 - | grep -vc '^#'",
                         shell=True, capture_output=True, text=True).stdout
    return int(out or 0)


def main():
    if not os.path.isdir(CLIPS):
        print(f"sweep_clips: skipped, {CLIPS} is absent")
        return
    names = sorted(n for n in os.listdir(CLIPS) if not n.endswith(".md"))
    if sys.argv[1:]:
        names = [n for n in names if any(a in n for a in sys.argv[1:])]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            src = os.path.join(CLIPS, name)
            i0 = decode(src)[0]
            res = {"clip": name}
            out = os.path.join(tmp, "loop.mkv")
            res["loop"] = gid(["-i", src, "-vf", "motion=window=5,loop=seconds=3", "-c:v", "ffv1", out])
            if res["loop"]["rc"] == 0:
                f = decode(out)
                steps = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))
                res["loop"].update(n=len(f), seam=round(float(np.abs(f[-1] - f[0]).mean()), 3),
                                   step_median=round(float(np.median(steps)), 3), step_max=round(float(steps.max()), 3),
                                   dark=round(max(dark(x, i0) for x in f[::5]), 5))
            out = os.path.join(tmp, "mag.mkv")
            res["magnify"] = gid(["-i", src, "-vf", "motion=window=5,magnify=gain=3,loop=seconds=2", "-c:v", "ffv1", out])
            if res["magnify"]["rc"] == 0:
                f = decode(out)
                res["magnify"].update(n=len(f), dark=round(max(dark(x, i0) for x in f[::5]), 5))
            out = os.path.join(tmp, "slow.mkv")
            res["slowmo"] = gid(["-ss", "1", "-t", "2", "-i", src, "-vf", "slowmo=2", "-c:v", "ffv1", out])
            if res["slowmo"]["rc"] == 0:
                f = decode(out)
                res["slowmo"].update(n=len(f), constant_rate_expects=2 * (frames_in_range(src) - 1) + 1,
                                     dark=round(max(dark(x, i0) for x in f[::3]), 5))
            print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
