"""Seconds per still for the learned prior: Swift (gid-filter, OpenBLAS) against PyTorch
(Training/sample.py) on the same still, same model, same number of DDIM steps.

    Training/.venv/bin/python Benchmarks/prior/bench_prior.py [--still Samples/stills/bythewater.jpg]
        [--steps 25] [--runs 3] [--bin .build/release/gid-filter]

Two figures per engine, best of --runs:
- predict: the prediction alone (load excluded): Swift's own timing (`-loglevel verbose` prints
  "predicted WxH motion in X s"), PyTorch's `sample.predict()` timed in this process;
- still -> .gidm: the whole command (process start, model load, decode, prediction, writing the
  .gidm at the still's size): `gid-filter -i STILL -vf predict OUT.gidm` against
  `sample.py --image STILL --out OUT.gidm`.
Swift runs with GID_PRIOR_THREADS=1 and 2, PyTorch with --threads 1 and 2 (torch.set_num_threads).
The four configurations take turns (round robin), so on a shared machine each sees the same mix of
quiet and busy moments; the best of each is printed.
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


def swift_run(binary, still, steps, threads, out):
    """(predict seconds, whole-command seconds) of one gid-filter run."""
    env = {**os.environ, "GID_PRIOR_THREADS": str(threads)}
    t0 = time.perf_counter()
    r = subprocess.run([binary, "-nostats", "-loglevel", "verbose", "-y", "-i", still, "-vf", f"predict=steps={steps}", out],
                       env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"gid-filter failed: {r.stderr.strip().splitlines()[-1:]}")
    return float(re.search(r"predicted \d+x\d+ motion in ([0-9.]+) s", r.stderr).group(1)), wall


class Torch:
    """PyTorch's predict() in this process (model loaded once), and sample.py as a command."""

    def __init__(self, still):
        import torch
        from export import load_model
        from sample import DEFAULT_MODEL, load_image
        self.torch = torch
        self.model, self.scales, _, self.info = load_model(DEFAULT_MODEL)
        self.image = load_image(still)
        self.still = still

    def run(self, steps, threads, out):
        from sample import predict
        self.torch.set_num_threads(threads)
        t0 = time.perf_counter()
        predict(self.model, self.scales, self.image, 0, steps, 1.5, self.info["vae"])
        pred = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, os.path.join(ROOT, "Training", "sample.py"), "--image", self.still, "--out", out,
                            "--steps", str(steps), "--threads", str(threads)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"sample.py failed: {r.stderr.strip().splitlines()[-1:]}")
        return pred, wall


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--still", default=os.path.join(ROOT, "Samples", "stills", "bythewater.jpg"))
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "gid-filter"))
    args = p.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} missing: swift build -c release --product gid-filter")
    torch_engine = Torch(args.still)
    configs = [(f"Swift (gid-filter predict), {t} thread{'s' if t > 1 else ''}",
                lambda out, t=t: swift_run(args.bin, args.still, args.steps, t, out)) for t in (1, 2)]
    configs += [(f"PyTorch (sample.py), {t} thread{'s' if t > 1 else ''}",
                 lambda out, t=t: torch_engine.run(args.steps, t, out)) for t in (1, 2)]
    best = {name: (float("inf"), float("inf")) for name, _ in configs}
    with tempfile.TemporaryDirectory(prefix="gid-bench-prior-") as tmp:
        out = os.path.join(tmp, "out.gidm")
        # Round robin, so every engine sees the same mix of quiet and busy moments on a shared machine.
        for _ in range(args.runs):
            for name, run in configs:
                pred, wall = run(out)
                best[name] = (min(best[name][0], pred), min(best[name][1], wall))
    rows = [(name, *best[name]) for name, _ in configs]
    print(f"{os.path.basename(args.still)}, {args.steps} DDIM steps, guidance 1.5, best of {args.runs}")
    print("| engine | predict (s) | still -> .gidm (s) |")
    print("|---|---|---|")
    for name, pred, wall in rows:
        print(f"| {name} | {pred:.2f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
