#!/usr/bin/env python3
"""Detail and seam of the other motion renders: magnify, slowmo of a motion texture, poke.

The same measures as loop_quality.py (luma, decoded by ffmpeg, lossless y4m), for loops made
with `magnify` (gain 2 and 4: larger displacements) and `slowmo` (the motion texture sampled at
fractional times) and for a `poke` (a 6 px pull at the liveliest point, released, played once), each rendered with the
B-spline sampling (`render` default) and with the colour splat (`render=kernel=splat`), both
`quality=best`:

  detail   variance of the Laplacian of each frame over I0's: minimum and median
  pulse    sharpest frame's detail over the softest's
  seam     mean |last - first| over the median |frame - previous| (loops only)

A magnified field also stretches the picture where it varies across space (its gradient grows
with the gain): that loss belongs to the motion, not to the sampling, and shows in both
renderers alike.

    Training/.venv/bin/python Benchmarks/render/motion_renders.py [--bin PATH] [--clips DIR]

Needs a release build, ffmpeg, numpy and safetensors (Training/.venv). Two clips of
../shared/data (the crane: smooth measured motion; the fireplace: chaotic) are measured when that
folder is present; the two stills ship in Samples/.
"""
import argparse, os, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loop_quality import ROOT, STILLS, run, scene_motion  # noqa: E402
from loop_quality import measure as loop_measure  # noqa: E402

import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

GRAPHS = [
    ("loop 4 s", "loop=seconds=4", True),
    ("magnify 2, loop 4 s", "magnify=gain=2,loop=seconds=4", True),
    ("magnify 4, loop 4 s", "magnify=gain=4,loop=seconds=4", True),
    ("slowmo 2, loop 4 s", "slowmo=2,loop=seconds=4", True),
    ("slowmo 3.7, loop 4 s", "slowmo=3.7,loop=seconds=4", True),
    ("poke, 3 s", "poke=x={x:.3f}:y={y:.3f}:dx=6:seconds=3", False),
]
KERNELS = [("B-spline", "render=quality=best"), ("colour splat", "render=quality=best:kernel=splat")]


def liveliest_point(gidm):
    """(x, y) in 0..1 of the pixel with the most motion (smoothed over 1/16 of the picture): where
    a user would poke."""
    t = load_file(gidm)
    amp = np.sqrt((t["spectral_volume.real"] ** 2 + t["spectral_volume.imag"] ** 2).sum(axis=(0, 1)))
    h, w = amp.shape
    r = max(1, min(h, w) // 32)
    c = np.cumsum(np.cumsum(np.pad(amp, ((1, 0), (1, 0))), 0), 1)
    box = c[2 * r + 1:, 2 * r + 1:] - c[:-2 * r - 1, 2 * r + 1:] - c[2 * r + 1:, :-2 * r - 1] + c[:-2 * r - 1, :-2 * r - 1]
    y, x = np.unravel_index(np.argmax(box), box.shape)
    return (x + r + 0.5) / w, (y + r + 0.5) / h


def measure(path, base, loops):
    """loop_quality's measures as table cells; the seam only for loops."""
    n, dmin, dmed, pulse, seam, _ = loop_measure(path, base)
    return n, f"{dmin:.2f} / {dmed:.2f}", f"{pulse:.2f}", f"{seam:.2f}" if loops else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/gid-filter"))
    ap.add_argument("--clips", default=os.path.join(ROOT, "../shared/data/clips"))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="motion-renders-")
    scenes = [(os.path.join(ROOT, s), "predicted") for s in STILLS]
    for clip in ("structure_sway__crane_crop_phasebased.mkv", "fire__fireplace_gatech.mkv"):
        path = os.path.join(a.clips, clip)
        if os.path.exists(path):
            scenes.append((path, "measured"))
        else:
            print(f"{clip} skipped: {a.clips} does not hold it (the Samples stills are measured)")
    print("| scene | motion | render | frames | B-spline: detail min / median, pulse, seam "
          "| colour splat: detail min / median, pulse, seam |")
    print("|---|---|---|---|---|---|")
    for path, kind in scenes:
        name = os.path.splitext(os.path.basename(path))[0]
        t0 = time.time()
        gidm, base = scene_motion(a.bin, path, work)
        x, y = liveliest_point(gidm)
        for label, graph, loops in GRAPHS:
            graph = graph.format(x=x, y=y)
            cells = []
            for _, render in KERNELS:
                out = os.path.join(work, "out.y4m")
                run([a.bin, "-y", "-nostats", "-loglevel", "error", "-i", gidm, "-vf", f"{graph},{render}", out])
                n, det, pulse, seam = measure(out, base, loops)
                cells.append(f"{det}, {pulse}, {seam}")
                os.remove(out)
            print(f"| {name} | {kind} | {label} | {n} | {cells[0]} | {cells[1]} |", flush=True)
        print(f"<!-- {name}: {time.time() - t0:.0f} s -->", flush=True)


if __name__ == "__main__":
    sys.exit(main())
