#!/usr/bin/env python3
"""A/B wall-clock timing of one command under several environments, runs interleaved.

On the 2-core development machine one run of the same binary varies by 10-20% (more while
anything else runs), so a change of a few percent only shows when the variants alternate and
the fastest runs are compared. Each variant is a space-separated list of VAR=value settings
added to the environment (use a dummy like X=1 for "as is"); to compare two binaries, put the
binary in the command as $BIN and set BIN in each variant.

    python3 Benchmarks/ab_time.py "$BIN -nostats -loglevel quiet -i in.nut -vf slowmo=4 -f null -" \\
        BIN=.build-measure/release/gid-filter BIN=/tmp/gid-before  [-n 12]
"""
import argparse, os, statistics, subprocess, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", help="shell command line; $VAR expands per variant")
    ap.add_argument("variants", nargs="+", help="VAR=value[ VAR=value...] per variant")
    ap.add_argument("-n", type=int, default=12, help="runs per variant (interleaved)")
    args = ap.parse_args()
    times = {v: [] for v in args.variants}
    for _ in range(args.n):
        for v in args.variants:
            env = dict(os.environ)
            for setting in v.split():
                key, _, value = setting.partition("=")
                env[key] = value
            t0 = time.perf_counter()
            subprocess.run(args.command, shell=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[v].append(time.perf_counter() - t0)
    base = statistics.mean(sorted(times[args.variants[0]])[:5])
    for v, ts in times.items():
        ts.sort()
        fast5 = statistics.mean(ts[:5])
        print(f"{v:40s} best {ts[0]:.3f} s  mean of 5 fastest {fast5:.3f} s ({fast5 / base:.2f}x the first)  "
              f"median {statistics.median(ts):.3f} s")


if __name__ == "__main__":
    main()
