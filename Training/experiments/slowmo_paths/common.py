"""What the slow-motion path prototypes share: the benchmark's clips as RGB frames, cached."""
import os, sys
import cv2
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks/slowmo"))
from bench_slowmo import probe, frames_of, DATA  # noqa: E402
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


DIS = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)


def quantize(x):
    """To 8-bit, as a tool writing the frames would."""
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def kept_frames(clips):
    """(name, n, original frames, kept frames) for every clip at x2 and x4, as bench_slowmo.py drops them."""
    for name in clips:
        orig = original(name)
        for n in (2, 4):
            kept = (len(orig) - 1) // n * n + 1
            yield name, n, orig, orig[:kept:n]
