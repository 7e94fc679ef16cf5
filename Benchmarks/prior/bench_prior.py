"""Seconds per still for the learned prior: the Swift engine (gid-filter, OpenBLAS) against the
PyTorch path (Training/sample.py) on the same stills and the same model.

    Training/.venv/bin/python Benchmarks/prior/bench_prior.py [--runs 3] [--bin .build/release/gid-filter]
        [--model Models/gid-prior-default.safetensors] [--still A.jpg --still B.jpg]

Per still (default: Samples/stills/bythewater.jpg at 512x288 and at its own 768x480), best of
--runs, the configurations taking turns (round robin) so a shared machine's load hits all alike:
- predict: the prediction alone, model loaded: Swift's own timing (`-loglevel verbose` prints
  "predicted WxH motion in X s"), PyTorch's amplitude.predict_still / sample.predict in process;
- main job: still -> 5 s looping MP4, process start to exit. Swift: one command,
  `gid-filter -i STILL -vf "motion,loop=seconds=5" OUT.mp4`. PyTorch path: `sample.py --image
  STILL --out S.gidm` then `gid-filter -i S.gidm -vf loop=seconds=5 OUT.mp4` (the renderer has
  no PyTorch counterpart), both commands' time added.
With --diffusion the old diffusion prior (Models/gid-prior-diffusion.safetensors, 25 steps) runs
in Swift too, for comparison.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Training"))
DEFAULT_MODEL = os.path.join(ROOT, "Models", "gid-prior-default.safetensors")
DIFFUSION_MODEL = os.path.join(ROOT, "Models", "gid-prior-diffusion.safetensors")


def run(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {r.stderr.strip().splitlines()[-1:]}")
    return r, wall


def swift_job(binary, still, model, out):
    """(predict seconds, main-job seconds) of `motion,loop=seconds=5` -> MP4."""
    r, wall = run([binary, "-nostats", "-loglevel", "verbose", "-y", "-i", still, "-vf",
                   f"motion=seed=1:model={model},loop=seconds=5", out])
    return float(re.search(r"predicted \d+x\d+ motion in ([0-9.]+) s", r.stderr).group(1)), wall


class TorchPath:
    """PyTorch's prediction in this process (model loaded once), and sample.py + gid-filter as commands."""

    def __init__(self, model):
        import torch
        from amplitude import load_amplitude, predict_still
        from sample import load_image
        self.torch, self.load_image, self.predict_still = torch, load_image, predict_still
        self.model, _ = load_amplitude(model)
        self.path = model

    def predict(self, still):
        img = self.torch.from_numpy(self.load_image(still))
        t0 = time.perf_counter()
        with self.torch.no_grad():
            self.predict_still(self.model, img, generator=self.torch.Generator().manual_seed(1))
        return time.perf_counter() - t0

    def job(self, binary, still, tmp, out):
        gidm = os.path.join(tmp, "torch.gidm")
        _, a = run([sys.executable, os.path.join(ROOT, "Training", "sample.py"), "--image", still, "--out", gidm,
                    "--model", self.path, "--seed", "1", "--threads", "2"])
        _, b = run([binary, "-nostats", "-y", "-i", gidm, "-vf", "loop=seconds=5", out])
        return a + b


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--still", action="append", help="still(s) to time (default: bythewater at 512x288 and 768x480)")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--diffusion", action="store_true", help="also time the diffusion prior in Swift")
    p.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "gid-filter"))
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-prior-")
    stills = args.still
    if not stills:
        src = os.path.join(ROOT, "Samples", "stills", "bythewater.jpg")
        small = os.path.join(tmp, "bythewater-512x288.png")
        run(["ffmpeg", "-v", "error", "-y", "-i", src, "-vf", "scale=512:288", small])
        stills = [small, src]
    torch_path = TorchPath(args.model)
    import torch
    torch.set_num_threads(2)
    best = {}
    note = lambda key, v: best.__setitem__(key, min(best.get(key, 1e9), v))
    for _ in range(args.runs):
        for still in stills:
            name = os.path.basename(still)
            pr, job = swift_job(args.bin, still, args.model, os.path.join(tmp, "swift.mp4"))
            note((name, "Swift (gid-filter)", "predict"), pr)
            note((name, "Swift (gid-filter)", "job"), job)
            note((name, "PyTorch (sample.py) + gid-filter render", "predict"), torch_path.predict(still))
            note((name, "PyTorch (sample.py) + gid-filter render", "job"),
                 torch_path.job(args.bin, still, tmp, os.path.join(tmp, "torch.mp4")))
            if args.diffusion:
                pr, job = swift_job(args.bin, still, DIFFUSION_MODEL, os.path.join(tmp, "diffusion.mp4"))
                note((name, "Swift, diffusion prior (25 steps)", "predict"), pr)
                note((name, "Swift, diffusion prior (25 steps)", "job"), job)
    print(f"best of {args.runs}, model {os.path.relpath(args.model, ROOT)}, 2 threads each\n")
    print("| still | engine | predict (s) | still -> 5 s MP4 (s) |\n|---|---|---|---|")
    for still in stills:
        name = os.path.basename(still)
        engines = sorted({k[1] for k in best if k[0] == name}, key=lambda e: (not e.startswith("Swift ("), e))
        for e in engines:
            print(f"| {name} | {e} | {best[(name, e, 'predict')]:.2f} | {best[(name, e, 'job')]:.2f} |")
        sw, pt = best[(name, "Swift (gid-filter)", "job")], best[(name, "PyTorch (sample.py) + gid-filter render", "job")]
        print(f"| {name} | ratio, PyTorch path / Swift | {best[(name, 'PyTorch (sample.py) + gid-filter render', 'predict')] / best[(name, 'Swift (gid-filter)', 'predict')]:.2f}x | {pt / sw:.2f}x |")


if __name__ == "__main__":
    main()
