#!/usr/bin/env python3
"""Runs gid-filter over many files with Ray: on a laptop, or unchanged on a Ray cluster.

One Ray task per input file runs the gid-filter binary with the same graph and an output named
from the input, so the work spreads over every CPU Ray has. Outputs that already exist are
skipped (rerun after an interruption and only the missing ones are made); gid-filter itself
writes to a temp file and renames, so an interrupted task never leaves a partial output. A
failure is reported, not fatal: damaged inputs (gid-filter exit 3) fail once and are listed;
crashes and interruptions (any other non-zero status) are retried.

    python Batch/ray_batch.py --inputs 'photos/*.jpg' --graph 'motion,loop=seconds=5' --output 'loops/{stem}.mp4'
    ray job submit --working-dir . -- python Batch/ray_batch.py --inputs-file list.txt --graph ... --output ...

On a cluster every node needs gid-filter (scripts/install.sh, or the container image) and the
same paths for inputs and outputs (a shared file system). Exit status 0 when every input was
made or skipped, 1 when some failed (the summary names them), 2 for bad arguments.
"""
import argparse
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

import ray

# gid-filter's exit codes that a retry cannot change (README: usage, input, output, codec).
FINAL = {2: "usage", 3: "input", 4: "output", 5: "codec"}


def output_path(pattern, path):
    """'{stem}', '{name}', '{dir}' and '{ext}' of the input filled into the output pattern."""
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    return pattern.format(stem=stem, name=name, dir=os.path.dirname(path) or ".", ext=ext.lstrip("."))


@ray.remote(num_cpus=1, max_retries=0)
def run_one(binary, extra, graph, src, dst, timeout):
    """One gid-filter run; returns what happened (never raises for gid-filter's own failures)."""
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    argv = [binary, "-n", "-nostats", "-i", src] + (["-vf", graph] if graph else []) + extra + [dst]
    start = time.time()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout)
        status, err = p.returncode, p.stderr.decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired:
        status, err = -1, "timed out after %g s" % timeout
    except OSError as e:
        status, err = 127, "cannot run %s: %s" % (binary, e)
    return {"input": src, "output": dst, "status": status, "error": err.splitlines()[-1] if err else "",
            "seconds": round(time.time() - start, 2), "node": ray.util.get_node_ip_address()}


def default_binary():
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".build/release/gid-filter")
    return shutil.which("gid-filter") or here


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", action="append", default=[], help="glob of input files (repeatable)")
    ap.add_argument("--inputs-file", help="a file listing inputs, one per line")
    ap.add_argument("--graph", default="motion,loop=seconds=5", help="the -vf graph (default: %(default)s)")
    ap.add_argument("--output", required=True, help="output pattern: {stem} {name} {dir} {ext} of the input, e.g. loops/{stem}.mp4")
    ap.add_argument("--args", default="", help="more gid-filter options, e.g. '-s 640x-2 -crf 20'")
    ap.add_argument("--bin", default=default_binary(), help="gid-filter on every node (default: %(default)s)")
    ap.add_argument("--retries", type=int, default=2, help="extra tries after a crash or timeout (default 2)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per file before it counts as hung")
    ap.add_argument("--num-cpus", type=int, help="CPUs for a local Ray instance (default: all)")
    ap.add_argument("--address", help="Ray cluster address (default: $RAY_ADDRESS, else a local instance)")
    ap.add_argument("--summary", help="write the per-file results here as JSON")
    args = ap.parse_args(argv)

    inputs = sorted({p for g in args.inputs for p in glob.glob(g)})
    if args.inputs_file:
        with open(args.inputs_file) as f:
            inputs += [line.strip() for line in f if line.strip() and not line.startswith("#")]
    if not inputs:
        print("ray_batch: no inputs (give --inputs GLOB or --inputs-file FILE)", file=sys.stderr)
        return 2
    outputs = [output_path(args.output, p) for p in inputs]
    if len(set(outputs)) != len(outputs):
        print("ray_batch: the output pattern %r gives two inputs the same output; add {dir} or {ext}" % args.output,
              file=sys.stderr)
        return 2

    todo = [(i, o) for i, o in zip(inputs, outputs) if not os.path.exists(o)]
    skipped = len(inputs) - len(todo)
    ray.init(address=args.address, num_cpus=args.num_cpus if not args.address else None,
             include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    extra = shlex.split(args.args)
    results, tries = {}, {i: 0 for i, _ in todo}
    pending = {run_one.remote(args.bin, extra, args.graph, i, o, args.timeout): (i, o) for i, o in todo}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        i, o = pending.pop(done[0])
        try:
            r = ray.get(done[0])
        except Exception as e:  # the worker died (node lost, out of memory): retry like a crash
            r = {"input": i, "output": o, "status": -9, "error": "task failed: %s" % e, "seconds": 0}
        tries[i] += 1
        if r["status"] not in (0, *FINAL) and tries[i] <= args.retries:
            pending[run_one.remote(args.bin, extra, args.graph, i, o, args.timeout)] = (i, o)
            continue
        r["tries"] = tries[i]
        results[i] = r
        ok = r["status"] == 0
        why = "" if ok else " | exit %d (%s): %s" % (r["status"], FINAL.get(r["status"], "crash"), r["error"])
        print("%-6s %s -> %s%s" % ("ok" if ok else "failed", i, o, why), flush=True)
    ray.shutdown()

    failed = [r for r in results.values() if r["status"] != 0]
    print("ray_batch: %d inputs: %d made, %d skipped (output exists), %d failed"
          % (len(inputs), len(results) - len(failed), skipped, len(failed)))
    for r in failed:
        print("  failed: %s: exit %d: %s" % (r["input"], r["status"], r["error"]))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"inputs": len(inputs), "skipped": skipped, "results": sorted(results.values(), key=lambda r: r["input"])},
                      f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
