#!/usr/bin/env python3
"""Media mutation campaign for gid-filter (docs/fuzzing.md). Python 3 standard library only.

Takes small seed media (the sample stills, the sample clips cut to 1 s at 160 px wide, a small
.gidm), writes deterministic mutated copies (byte flips concentrated in the container headers,
number replacement, integer fields, truncation, insertion, span deletion, chunk duplication, or
several at once) and runs gid-filter on each with a few command lines, each in an empty folder,
under a time limit (a run past it is a hang) and an address-space limit. Every run is classified:

  crash         killed by a signal (rc < 0), or rc > 128 other than 130
  hang          still running after --timeout seconds (then interrupted with SIGINT, as
                Ctrl-C, and killed 5 s later if still there)
  bad-exit      exit status not in {0, 2, 3, 4, 5} (6 = internal error, 1, 130, ...)
  leftover      files left in the output folder besides the expected output (*.gid-tmp-* above
                all), or the expected output itself after a failed run (a partial file)
  noisy-stderr  a failed run whose stderr is not exactly one line
  ok            everything else (success, or a clean refusal: one line, a documented code)

A run can have several problems; its category is the first in that order, and the JSON report
lists all of them. Prints a summary (counts per category, per mutation and per command) and the
failing runs; writes them to the JSON report (--report) and copies their inputs to --keep.
With --ffmpeg, also runs `ffmpeg -v error -i F -t 1 -f null -` on every mutated file and
counts its crashes and hangs, for comparison.

    python3 scripts/mutate_media.py --seed 1 --count 300 --jobs 2
    python3 scripts/mutate_media.py --seed 1 --only 17        # redo one case, keep its files

The same --seed and --count give the same files (given the same seeds: the clips are cut with
the local ffmpeg, bit-exact flags, one thread). Exit status 0 when every run is ok, 1 otherwise.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD_EXIT = {0, 2, 3, 4, 5}
CATEGORIES = ["crash", "hang", "bad-exit", "leftover", "noisy-stderr", "ok"]
OPS = ["flip", "digits", "ints", "truncate", "insert", "delete", "duplicate", "multi"]

# Command lines per input kind: (name, argv with F for the input, expected output file).
COMMANDS = {
    "media": [
        ("null", ["-y", "-i", "F", "-vf", "null", "-t", "1", "-s", "64x48", "out.mp4"], "out.mp4"),
        ("png", ["-y", "-i", "F", "-frames:v", "2", "out.png"], "out.png"),
    ],
    "clip": [
        ("motion", ["-y", "-i", "F", "-vf", "motion=k=4,loop=seconds=1", "-s", "64x48", "out.mp4"], "out.mp4"),
    ],
    "gidm": [
        ("loop", ["-y", "-i", "F", "-vf", "magnify=2,loop=seconds=1", "-s", "64x48", "out.mp4"], "out.mp4"),
        ("gidm-out", ["-y", "-i", "F", "-vf", "loop=seconds=1", "out.gidm"], "out.gidm"),
    ],
}


def commands_for(path):
    ext = os.path.splitext(path)[1].lower()
    cmds = list(COMMANDS["media"])
    if ext in (".mkv", ".mp4", ".gidm"):
        cmds += COMMANDS["gidm"] if ext == ".gidm" else COMMANDS["clip"]
    return cmds


# ----------------------------------------------------------------------------- seeds

def prepare_seeds(work, binary):
    """Copies or makes the seed files in work/seeds; returns their paths."""
    d = os.path.join(work, "seeds")
    os.makedirs(d, exist_ok=True)
    seeds = []
    for name in sorted(os.listdir(os.path.join(ROOT, "Samples/stills"))):
        if name.lower().endswith((".jpg", ".jpeg", ".png")):
            shutil.copy(os.path.join(ROOT, "Samples/stills", name), os.path.join(d, name))
            seeds.append(os.path.join(d, name))
    ffmpeg = shutil.which("ffmpeg")
    for name in sorted(os.listdir(os.path.join(ROOT, "Samples/clips"))):
        src = os.path.join(ROOT, "Samples/clips", name)
        base, ext = os.path.splitext(name)
        if ext.lower() not in (".mkv", ".mp4"):
            continue
        out = os.path.join(d, base + "-1s" + ext)
        if ffmpeg:
            cmd = [ffmpeg, "-v", "error", "-y", "-i", src, "-t", "1", "-vf", "scale=160:-2", "-c:v", "libx264",
                   "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1", "-c:a", "aac",
                   "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", out]
        else:
            cmd = [binary, "-y", "-loglevel", "error", "-i", src, "-t", "1", "-s", "160x-2", out]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode == 0 and os.path.exists(out):
            seeds.append(out)
        else:
            print("mutate_media: could not cut %s: %s" % (name, r.stderr.strip()[:200]), file=sys.stderr)
    gidm = os.path.join(ROOT, "Fuzz/corpus/gidm/clip-16x12-k4.gidm")
    target = os.path.join(d, "clip-16x12-k4.gidm")
    if os.path.exists(gidm):
        shutil.copy(gidm, target)
    else:
        clip = next((s for s in seeds if s.endswith(".mkv")), None)
        if clip:
            subprocess.run([binary, "-y", "-loglevel", "error", "-i", clip, "-vf", "lavfi='scale=16:12',motion=k=4",
                            target], capture_output=True)
    if os.path.exists(target):
        seeds.append(target)
    return seeds


# ----------------------------------------------------------------------------- mutations

def hot_ranges(data, ext):
    """Byte ranges holding the container's header structures, where flips do the most."""
    n = len(data)
    if ext == ".gidm" and n >= 8:
        h = struct.unpack("<Q", data[:8])[0]
        return [(0, min(n, 8 + h))]
    if ext in (".jpg", ".jpeg"):
        sos = data.find(b"\xff\xda")
        return [(0, min(n, (sos if sos > 0 else 1024) + 16))]
    if ext in (".mp4", ".mov"):
        ranges, pos = [], 0
        while pos + 8 <= n:
            size, kind = struct.unpack(">I4s", data[pos:pos + 8])
            if size == 1 and pos + 16 <= n:
                size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            if size < 8:
                break
            if kind != b"mdat":
                ranges.append((pos, min(n, pos + size)))
            else:
                ranges.append((pos, min(n, pos + 16)))
            pos += size
        return ranges or [(0, min(n, 1024))]
    if ext in (".mkv", ".webm"):
        cluster = data.find(b"\x1f\x43\xb6\x75")
        ranges = [(0, min(n, cluster + 16 if cluster > 0 else 2048))]
        cues = data.rfind(b"\x1c\x53\xbb\x6b")
        if cues > 0:
            ranges.append((cues, n))
        return ranges
    return [(0, min(n, 1024))]


def pick_pos(rng, data, hot, hot_share=0.75):
    if not data:
        return 0
    if hot and rng.random() < hot_share:
        a, b = rng.choice(hot)
        if b > a:
            return rng.randrange(a, b)
    return rng.randrange(len(data))


INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x20, 0x30]
INTERESTING_INTS = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
                    0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF]
INTERESTING_NUMBERS = ["0", "-1", "1", "2", "3", "75", "76", "-0", "0.0001", "1e-320", "65536", "100000", "100001",
                       "86400", "86401", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
                       "-9223372036854775808", "18446744073709551615", "99999999999999999999", "1e308", "1e309",
                       "nan", "inf", "-inf", "0x10", "1.5", "4e9"]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def op_flip(rng, data, hot, ext):
    for _ in range(rng.randint(1, 8)):
        if not data:
            break
        p = pick_pos(rng, data, hot)
        r = rng.random()
        if r < 0.4:
            data[p] ^= 1 << rng.randrange(8)
        elif r < 0.7:
            data[p] = rng.choice(INTERESTING_BYTES)
        else:
            data[p] = rng.randrange(256)
    return data


def fix_gidm_header(data, header):
    return bytearray(struct.pack("<Q", len(header))) + header + data[8 + struct.unpack("<Q", data[:8])[0]:]


def op_digits(rng, data, hot, ext):
    """Replaces numbers written as text: in a .gidm's JSON header (shapes, offsets, metadata;
    the header length is fixed up, so the file still parses as far as the numbers allow), or
    in the ASCII parts of other files' headers; falls back to integer fields."""
    if ext == ".gidm" and len(data) >= 8:
        h = struct.unpack("<Q", data[:8])[0]
        header = bytes(data[8:8 + h])
        matches = list(NUMBER.finditer(header))
        if matches:
            for m in sorted(rng.sample(matches, min(len(matches), rng.randint(1, 3))), key=lambda m: -m.start()):
                header = header[:m.start()] + rng.choice(INTERESTING_NUMBERS).encode() + header[m.end():]
            return fix_gidm_header(data, header)
    spans = [m for a, b in hot for m in NUMBER.finditer(bytes(data[a:b])) if len(m.group()) >= 2]
    if not spans:
        return op_ints(rng, data, hot, ext)
    # Same-length replacement keeps binary containers' sizes intact.
    for _ in range(rng.randint(1, 3)):
        a, b = rng.choice(hot)
        found = [m for m in NUMBER.finditer(bytes(data[a:b])) if len(m.group()) >= 2]
        if not found:
            continue
        m = rng.choice(found)
        digits = "".join(rng.choice("0123456789") for _ in range(len(m.group())))
        data[a + m.start():a + m.end()] = digits.encode()
    return data


def op_ints(rng, data, hot, ext):
    """Overwrites 1, 2, 4 or 8 bytes in a header with a boundary value (sizes, counts, dims)."""
    big = ext not in (".gidm",)
    for _ in range(rng.randint(1, 3)):
        width = rng.choice([1, 2, 4, 4, 8])
        if len(data) < width:
            break
        p = min(pick_pos(rng, data, hot, 0.9), len(data) - width)
        v = rng.choice(INTERESTING_INTS) & ((1 << (8 * width)) - 1)
        if rng.random() < 0.3:
            v = (int.from_bytes(data[p:p + width], "big" if big else "little") + rng.choice([-1, 1, 2, 16, -16])) \
                % (1 << (8 * width))
        data[p:p + width] = v.to_bytes(width, "big" if big else "little")
    return data


def op_truncate(rng, data, hot, ext):
    if len(data) < 2:
        return bytearray()
    if rng.random() < 0.4 and hot:
        a, b = rng.choice(hot)
        n = rng.randrange(max(1, a), max(a + 1, b))
    else:
        n = rng.randrange(1, len(data))
    return data[:n]


def op_insert(rng, data, hot, ext):
    p = pick_pos(rng, data, hot, 0.5)
    k = rng.choice([1, 2, 4, 8, 16, rng.randint(1, 256)])
    blob = bytes(rng.choice([0, 0xFF, rng.randrange(256)]) if rng.random() < 0.5 else rng.randrange(256)
                 for _ in range(k))
    return data[:p] + blob + data[p:]


def op_delete(rng, data, hot, ext):
    if len(data) < 2:
        return data
    p = pick_pos(rng, data, hot, 0.5)
    k = rng.randint(1, max(1, min(4096, len(data) // 4)))
    return data[:p] + data[p + k:]


def op_duplicate(rng, data, hot, ext):
    if len(data) < 2:
        return data
    k = rng.randint(1, max(1, min(4096, len(data) // 4)))
    src = rng.randrange(0, max(1, len(data) - k))
    chunk = data[src:src + k]
    p = pick_pos(rng, data, hot, 0.5)
    return data[:p] + chunk + data[p:]


def op_multi(rng, data, hot, ext):
    for name in rng.sample(OPS[:-1], rng.randint(2, 3)):
        data = MUTATORS[name](rng, data, hot_ranges(bytes(data), ext), ext)
    return data


MUTATORS = {"flip": op_flip, "digits": op_digits, "ints": op_ints, "truncate": op_truncate, "insert": op_insert,
            "delete": op_delete, "duplicate": op_duplicate, "multi": op_multi}


def make_case(seed, index, seeds, work):
    """Case `index`: seed file index % len(seeds), mutation OPS[(index // len(seeds)) % len(OPS)]."""
    src = seeds[index % len(seeds)]
    op = OPS[(index // len(seeds)) % len(OPS)]
    rng = random.Random("%d:%d" % (seed, index))
    ext = os.path.splitext(src)[1].lower()
    with open(src, "rb") as f:
        data = bytearray(f.read())
    data = MUTATORS[op](rng, data, hot_ranges(bytes(data), ext), ext)
    path = os.path.join(work, "inputs", "case-%04d-%s-%s%s" % (index, op, os.path.splitext(os.path.basename(src))[0], ext))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(data))
    return {"index": index, "seed_file": os.path.basename(src), "op": op, "input": path}


# ----------------------------------------------------------------------------- running

def limiter(mem_bytes):
    def apply():
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_one(argv, cwd, timeout, mem_bytes, env=None):
    start = time.time()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=limiter(mem_bytes), start_new_session=True, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        # Ctrl-C first (gid-filter then removes its temporaries and exits 130), SIGKILL after 5 s.
        hung = True
        try:
            os.killpg(p.pid, signal.SIGINT)
            out, err = p.communicate(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = p.communicate()
    return p.returncode, hung, err.decode("utf-8", "replace"), time.time() - start


def signal_name(rc):
    n = -rc if rc < 0 else rc - 128
    try:
        return signal.Signals(n).name
    except ValueError:
        return "signal %d" % n


def classify(rc, hung, stderr, leftovers, partial):
    problems = []
    if hung:
        problems.append("hang")
    elif rc < 0 or (rc > 128 and rc != 130):
        problems.append("crash")
    elif rc not in GOOD_EXIT:
        problems.append("bad-exit")
    if leftovers or partial:
        problems.append("leftover")
    lines = [l for l in stderr.splitlines() if l.strip()]
    if not hung and rc != 0 and len(lines) != 1:
        problems.append("noisy-stderr")
    category = next((c for c in CATEGORIES if c in problems), "ok")
    return category, problems


def run_case(case, cmd, args):
    name, template, expected = cmd
    out_dir = os.path.join(args.work, "runs", "%04d-%s" % (case["index"], name))
    os.makedirs(out_dir, exist_ok=True)
    argv = [args.bin] + [case["input"] if a == "F" else a for a in template]
    rc, hung, stderr, seconds = run_one(argv, out_dir, args.timeout, args.mem_bytes)
    files = sorted(os.listdir(out_dir))
    leftovers = [f for f in files if f != expected]
    partial = expected in files and rc != 0
    category, problems = classify(rc, hung, stderr, leftovers, partial)
    shutil.rmtree(out_dir, ignore_errors=True)
    lines = [l for l in stderr.splitlines() if l.strip()]
    return dict(case, command=name, argv=" ".join(quote(a) for a in ["gid-filter"] + argv[1:]), rc=rc, hang=hung,
                category=category, problems=problems, seconds=round(seconds, 2), leftovers=leftovers,
                partial_output=partial, stderr_lines=len(lines), stderr=lines[:4],
                signal=signal_name(rc) if (rc < 0 or rc > 128) and not hung else None)


def run_ffmpeg(case, args):
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", case["input"], "-t", "1", "-f", "null", "-"]
    rc, hung, stderr, _ = run_one(argv, args.work, args.timeout, args.mem_bytes)
    # ffmpeg exits 1 on errors and 255 when it stops on a signal it caught itself.
    category = "hang" if hung else "crash" if rc < 0 or (rc > 128 and rc != 255) else "ok"
    return dict(index=case["index"], rc=rc, category=category)


def quote(s):
    return s if re.fullmatch(r"[\w@%+=:,./-]+", s) else "'" + s.replace("'", "'\\''") + "'"


# ----------------------------------------------------------------------------- report

def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
    return "\n".join(fmt.format(*[str(c) for c in r]) for r in [header] + rows)


def breakdown(results, key):
    values = sorted({r[key] for r in results})
    rows = []
    for v in values:
        rs = [r for r in results if r[key] == v]
        rows.append([v] + [sum(1 for r in rs if r["category"] == c) for c in CATEGORIES] + [len(rs)])
    rows.append(["total"] + [sum(1 for r in results if r["category"] == c) for c in CATEGORIES] + [len(results)])
    return table(rows, [key] + CATEGORIES + ["runs"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="campaign seed (default 1)")
    ap.add_argument("--count", type=int, default=100, help="mutated files (default 100); each runs every command")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/gid-filter"), help="gid-filter to test")
    ap.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds before a run counts as a hang (default 30)")
    ap.add_argument("--mem-gb", type=float, default=4, help="address-space limit per run, GiB (default 4; 0 = none)")
    ap.add_argument("--ffmpeg", action="store_true", help="also run ffmpeg on every mutated file, for comparison")
    ap.add_argument("--report", default=os.path.join(ROOT, "Fuzz/crashes/media/report.json"), help="JSON report path")
    ap.add_argument("--keep", default=os.path.join(ROOT, "Fuzz/crashes/media"),
                    help="folder for the inputs of failing runs ('' = keep none)")
    ap.add_argument("--only", type=int, action="append", help="run only this case index (repeatable)")
    ap.add_argument("--show", type=int, default=10, help="failing runs printed (default 10, one per kind first)")
    args = ap.parse_args()
    args.mem_bytes = int(args.mem_gb * (1 << 30))
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        sys.exit("mutate_media: %s is not an executable (swift build -c release, or give --bin)" % args.bin)
    args.bin = os.path.abspath(args.bin)

    args.work = tempfile.mkdtemp(prefix="gid-mutate-")
    try:
        seeds = prepare_seeds(args.work, args.bin)
        if not seeds:
            sys.exit("mutate_media: no seed files")
        print("mutate_media: seed %d, %d cases over %d seeds (%s), %d jobs, timeout %gs, memory %s" % (
            args.seed, args.count if not args.only else len(args.only), len(seeds),
            ", ".join(os.path.basename(s) for s in seeds), args.jobs, args.timeout,
            "%g GiB" % args.mem_gb if args.mem_gb else "unlimited"))

        # Baseline: the unmutated seeds must pass every command, or mutants of them say little.
        baseline = []
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_case, {"index": -1 - i, "seed_file": os.path.basename(s), "op": "none",
                                              "input": s}, cmd, args)
                       for i, s in enumerate(seeds) for cmd in commands_for(s)]
            baseline = [f.result() for f in futures]
        bad = [b for b in baseline if b["category"] != "ok" or b["rc"] != 0]
        print("baseline: %d runs on unmutated seeds, %d not clean%s" % (
            len(baseline), len(bad), "".join("\n  %s %s: rc %d %s" % (b["seed_file"], b["command"], b["rc"],
                                                                         b["stderr"][:1]) for b in bad)))

        indices = args.only or list(range(args.count))
        cases = [make_case(args.seed, i, seeds, args.work) for i in indices]
        started = time.time()
        results, ff = [], []
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_case, c, cmd, args) for c in cases for cmd in commands_for(c["input"])]
            if args.ffmpeg:
                ffutures = [pool.submit(run_ffmpeg, c, args) for c in cases]
            done = 0
            for f in concurrent.futures.as_completed(futures):
                results.append(f.result())
                done += 1
                if done % 100 == 0:
                    print("  %d/%d runs (%.0fs)" % (done, len(futures), time.time() - started), file=sys.stderr)
            if args.ffmpeg:
                ff = [f.result() for f in ffutures]
        results.sort(key=lambda r: (r["index"], r["command"]))
        elapsed = time.time() - started

        print("\n%d runs of %d mutated files in %.0f s\n" % (len(results), len(cases), elapsed))
        print(breakdown(results, "op") + "\n")
        print(breakdown(results, "command") + "\n")
        print(breakdown(results, "seed_file") + "\n")
        failing = [r for r in results if r["category"] != "ok"]
        counts = {c: sum(1 for r in results if r["category"] == c) for c in CATEGORIES}
        problem_counts = {c: sum(1 for r in results if c in r["problems"]) for c in CATEGORIES[:-1]}
        exit_codes = {}
        for r in results:
            exit_codes[str(r["rc"]) if not r["hang"] else "hang"] = exit_codes.get(str(r["rc"]) if not r["hang"] else "hang", 0) + 1
        print("categories: " + ", ".join("%s %d" % (c, counts[c]) for c in CATEGORIES))
        print("problems (a run may have several): " + ", ".join("%s %d" % kv for kv in problem_counts.items()))
        print("exit codes: " + ", ".join("%s: %d" % (k, v) for k, v in sorted(exit_codes.items(), key=lambda kv: kv[0])))
        if args.ffmpeg:
            print("ffmpeg on the same %d files: crash %d, hang %d, ok %d" % (
                len(ff), sum(1 for f in ff if f["category"] == "crash"), sum(1 for f in ff if f["category"] == "hang"),
                sum(1 for f in ff if f["category"] == "ok")))

        # Representative failures: one per (category, command, first stderr words) first.
        shown, seen = [], set()
        for r in sorted(failing, key=lambda r: CATEGORIES.index(r["category"])):
            last = (r["stderr"][-1:] or [""])[0].replace(r["input"], "F")
            sig = (r["category"], r["command"], r["stderr_lines"], re.sub(r"[\d.]+", "N", last)[:60])
            if sig not in seen:
                seen.add(sig)
                shown.append(r)
        shown = (shown + [r for r in failing if r not in shown])[:args.show]
        if shown:
            print("\nfailing runs (%d of %d shown):" % (len(shown), len(failing)))
        for r in shown:
            extra = r["signal"] or ("leftover %s" % r["leftovers"] if r["leftovers"] else "partial output" if r["partial_output"] else "")
            print("  [%s] case %d (%s of %s) rc %s%s: %s" % (r["category"], r["index"], r["op"], r["seed_file"],
                                                          "hang" if r["hang"] else r["rc"], " " + extra if extra else "",
                                                          r["argv"].replace(r["input"], os.path.basename(r["input"]))))
            for line in r["stderr"][:3]:
                print("      | " + line.replace(os.path.dirname(r["input"]) + "/", "")[:200])

        keep = results if args.only else failing
        if args.keep and keep:
            os.makedirs(args.keep, exist_ok=True)
            for r in keep:
                kept = os.path.join(args.keep, os.path.basename(r["input"]))
                if not os.path.exists(kept):
                    shutil.copy(r["input"], kept)
                r["kept"] = os.path.relpath(kept, ROOT) if kept.startswith(ROOT) else kept
        report = {
            "seed": args.seed, "count": len(cases), "runs": len(results), "seconds": round(elapsed, 1),
            "binary": args.bin, "timeout": args.timeout, "mem_gb": args.mem_gb,
            "seeds": [os.path.basename(s) for s in seeds], "commands": {k: [c[1] for c in v] for k, v in COMMANDS.items()},
            "baseline_not_clean": bad, "categories": counts, "problems": problem_counts, "exit_codes": exit_codes,
            "ffmpeg": ({"crash": sum(1 for f in ff if f["category"] == "crash"),
                        "hang": sum(1 for f in ff if f["category"] == "hang"),
                        "failing": [f for f in ff if f["category"] != "ok"]} if args.ffmpeg else None),
            "failing": [{k: v for k, v in r.items() if k != "input"} for r in failing],
            # A damaged file is an input error (3); exit 2 (usage) on one is a wrong code, or a
            # command the mutation made impossible: listed to be judged.
            "usage_exits": [{k: v for k, v in r.items() if k != "input"} for r in results if r["rc"] == 2],
        }
        if args.report:
            os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
            with open(args.report, "w") as f:
                json.dump(report, f, indent=1)
            print("\nreport: %s%s" % (os.path.relpath(args.report), "; failing inputs in %s" % os.path.relpath(args.keep)
                                         if args.keep and failing else ""))
        return 1 if failing else 0
    finally:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
