#!/usr/bin/env python3
"""Graph, option and model-file mutation campaign for gid-filter (docs/fuzzing.md).

The companion of mutate_media.py for what is not media: mutated -vf graph strings (from
Fuzz/corpus/graph) with hostile numbers in their options and in the main command's options
(-r, -t, -ss, -s, -frames:v, -crf, -frame_limit, -max_memory), and mutated prior model files
(the shipped Models/gid-prior-default.safetensors: numbers in its model_config, its header, NaN
and Inf weights, truncation, random bytes). Every run goes through the real binary in an empty
folder and is classified as mutate_media.py does (crash, hang, bad-exit, leftover,
noisy-stderr, ok).

    python3 scripts/mutate_cli.py --seed 1 --graphs 2000 --models 500 --jobs 2
"""
import argparse
import concurrent.futures as futures
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutate_media import CATEGORIES, breakdown, classify, quote, run_one  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = ["0", "-0", "-1", "1e308", "-1e308", "1e-308", "nan", "inf", "-inf", "1e19", "-1e19", "9223372036854775807",
           "-9223372036854775808", "18446744073709551616", "2147483648", "65536", "1e6", "1e-9", "0x10", "1/0", "",
           "99999999999999999999999", "3.4e38", "1e400", "0.0000001"]
PLAUSIBLE = ["2", "0.5", "10", "100", "1", "3", "0.1", "30", "1000", "-2"]
OPTIONS = ["-r", "-t", "-ss", "-s", "-frames:v", "-crf", "-frame_limit", "-max_memory", "-to"]
TOKENS = [",", ":", "=", "'", "\\", "@", "[", "]", ";", "null", "motion", "loop", "render", "magnify", "slowmo", "poke",
          "viz", "mask", "lavfi", "predict", "seconds=", "repeat=", "size=", "fps=", "gain=", "band=", "k=", "x=", "dx="]


def mutate_graph(rng, graph):
    """One to three edits: hostile numbers, tokens, deletions, duplications."""
    g = graph
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.randrange(6)
        numbers = list(re.finditer(r"-?\d+(\.\d+)?(e-?\d+)?", g))
        if op <= 1 and numbers:
            m = rng.choice(numbers)
            g = g[:m.start()] + rng.choice(HOSTILE if rng.random() < 0.6 else PLAUSIBLE) + g[m.end():]
        elif op == 2:
            i = rng.randint(0, len(g))
            g = g[:i] + rng.choice(TOKENS) + g[i:]
        elif op == 3 and g:
            i = rng.randrange(len(g))
            g = g[:i] + g[i + rng.randint(1, 6):]
        elif op == 4:
            parts = g.split(",")
            i = rng.randrange(len(parts))
            parts.insert(i, parts[i])
            g = ",".join(parts)
        else:
            g = g + "," + rng.choice(["magnify=" + rng.choice(HOSTILE), "loop=seconds=" + rng.choice(HOSTILE),
                                      "slowmo=" + rng.choice(HOSTILE), "render=fps=" + rng.choice(HOSTILE),
                                      "lavfi='tpad=stop=-1'", "lavfi='scale=" + rng.choice(HOSTILE) + ":-2'"])
    return g


def option_args(rng):
    args = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        opt = rng.choice(OPTIONS)
        value = rng.choice(HOSTILE) if rng.random() < 0.5 else rng.choice(PLAUSIBLE + ["25", "64x48", "32x-2"])
        if opt == "-s" and rng.random() < 0.5:
            value = rng.choice(HOSTILE) + "x" + rng.choice(HOSTILE)
        args += [opt, value]
    return args


def mutate_model(rng, data):
    """A damaged copy of a safetensors model: header numbers, NaN/Inf weights, bytes, truncation."""
    n = struct.unpack("<Q", data[:8])[0]
    header, body = data[8:8 + n].decode("utf-8", "replace"), bytearray(data[8 + n:])
    op = rng.randrange(6)
    if op <= 1:  # a number in the header (model_config values, shapes, offsets)
        numbers = list(re.finditer(r"-?\d+(\.\d+)?", header))
        for m in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 3))), key=lambda m: -m.start()):
            header = header[:m.start()] + rng.choice(HOSTILE + ["4611686018427387904", "100000", "2147483648"]) + header[m.end():]
    elif op == 2:  # NaN or Inf weights
        for _ in range(rng.randint(1, 64)):
            i = rng.randrange(0, len(body) - 4, 4)
            body[i:i + 4] = struct.pack("<f", rng.choice([float("nan"), float("inf"), -float("inf"), 3.4e38]))
    elif op == 3:  # random bytes anywhere
        raw = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    elif op == 4:  # truncation
        return data[:rng.randrange(len(data))]
    else:  # a key of model_config removed or renamed
        keys = re.findall(r'\\"(\w+)\\":', header) or re.findall(r'"(\w+)":', header)
        if keys:
            k = rng.choice(keys)
            header = header.replace(k, k[::-1], 1)
    h = header.encode()
    return struct.pack("<Q", len(h)) + h + bytes(body)


def run(case, args):
    out_dir = tempfile.mkdtemp(prefix="case-", dir=args.work)
    env = None
    if case["kind"] == "model":
        model = os.path.join(args.work, "model-%05d.safetensors" % case["index"])
        with open(model, "wb") as f:
            f.write(case.pop("model_bytes"))
        env = dict(os.environ, GID_PRIOR_MODEL=model)
    argv = [args.bin] + case["argv"]
    rc, hung, stderr, seconds = run_one(argv, out_dir, args.timeout, args.mem_bytes, env)
    if case["kind"] == "model":
        os.unlink(model)
    files = sorted(os.listdir(out_dir))
    # motionsave=FILE writes FILE by design: on success it is an output, not a leftover.
    saved = set(re.findall(r"motionsave=(?:file=)?([^,:'\s]+)", " ".join(case["argv"]))) if rc == 0 else set()
    leftovers = [f for f in files if f != "out.mp4" and f not in saved]
    partial = "out.mp4" in files and rc != 0
    category, problems = classify(rc, hung, stderr, leftovers, partial)
    shutil.rmtree(out_dir, ignore_errors=True)
    lines = [l for l in stderr.splitlines() if l.strip()]
    return dict(case, rc=rc, category=category, problems=problems, seconds=round(seconds, 2), leftovers=leftovers,
                stderr=lines[:4], command=" ".join(quote(a) for a in ["gid-filter"] + argv[1:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--graphs", type=int, default=200, help="mutated graph/option command lines")
    ap.add_argument("--models", type=int, default=50, help="mutated model files")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/gid-filter"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--mem-gb", type=float, default=4)
    ap.add_argument("--report", default="mutate_cli-report.json")
    args = ap.parse_args()
    args.mem_bytes = int(args.mem_gb * 2**30)
    args.work = tempfile.mkdtemp(prefix="gid-mutate-cli-")
    rng = random.Random(args.seed)

    # A small still, so each run costs little beyond what the mutation asks for.
    still = os.path.join(args.work, "still.png")
    subprocess.run([args.bin, "-y", "-i", os.path.join(ROOT, "Samples/stills/coldripple.jpg"), "-s", "96x64", still],
                   check=True, stderr=subprocess.DEVNULL)
    graphs = [open(os.path.join(ROOT, "Fuzz/corpus/graph", f), encoding="utf-8", errors="replace").read().strip()
              for f in sorted(os.listdir(os.path.join(ROOT, "Fuzz/corpus/graph")))]
    model = open(os.path.join(ROOT, "Models/gid-prior-default.safetensors"), "rb").read()

    cases = []
    for i in range(args.graphs):
        g = mutate_graph(rng, rng.choice(graphs))
        cases.append(dict(kind="graph", index=i, argv=["-y", "-i", still, "-vf", g] + option_args(rng)
                          + ["-frames:v", "3", "out.mp4"]))
    for i in range(args.models):
        cases.append(dict(kind="model", index=i, model_bytes=mutate_model(rng, model),
                          argv=["-y", "-i", still, "-vf", "motion,loop=seconds=0.2", "-frames:v", "2", "out.mp4"]))

    print("mutate_cli: seed %d, %d graph/option cases, %d model files, %d jobs, timeout %gs"
          % (args.seed, args.graphs, args.models, args.jobs, args.timeout), flush=True)
    with futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: run(c, args), cases))
    print(breakdown(results, "kind"))
    codes = {}
    for r in results:
        codes[r["rc"]] = codes.get(r["rc"], 0) + 1
    print("exit codes:", ", ".join("%s x%d" % (k, v) for k, v in sorted(codes.items())))
    bad = [r for r in results if r["category"] != "ok"]
    for r in bad[:20]:
        print("%-12s rc=%s %s\n    %s" % (r["category"], r["rc"], r["command"], " | ".join(r["stderr"])))
    with open(args.report, "w") as f:
        json.dump(dict(seed=args.seed, results=results), f, indent=1)
    shutil.rmtree(args.work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
