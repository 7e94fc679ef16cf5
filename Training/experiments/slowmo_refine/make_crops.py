"""Training crops for a learned slow-motion refinement: (ours, A, B, truth, t) from non-benchmark clips."""
import os, subprocess, sys, numpy as np
OUT = os.environ.get("OUT", "/tmp/slowmo-refine")  # crops and models (hundreds of MB): outside the repo
os.makedirs(OUT, exist_ok=True)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../Benchmarks/slowmo"))
from bench_slowmo import probe, frames_of, CLIPS, DATA
BIN = os.environ.get("BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../.build-measure/release/gid-filter"))
rng = np.random.default_rng(0)
names = sorted(f for f in os.listdir(DATA) if f not in CLIPS)
test = len(sys.argv) > 1 and sys.argv[1] == "test"
if test: names = CLIPS
C = 64
out = {k: [] for k in ("ours", "a", "b", "truth", "t")}
full = []
for name in names:
    path = os.path.join(DATA, name)
    try:
        w, h, rate = probe(path)
    except Exception as e:
        print("skip", name, e); continue
    scale = min(1.0, 640 / w)
    W, H = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    vf = f"scale={W}:{H}" if scale < 1 else f"crop={W}:{H}:0:0"
    orig, _ = frames_of(["ffmpeg", "-v", "error", "-i", path, "-vf", vf, "-frames:v", "61", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], W, H)
    if len(orig) < 21: print("short", name); continue
    for n in (2, 4):
        kept = (len(orig) - 1) // n * n + 1
        dec = OUT + "/in.nut"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", "25", "-i", "-",
                        "-vf", f"select='not(mod(n\\,{n}))',setpts=N/25/TB", "-c:v", "rawvideo", "-pix_fmt", "yuv444p", "-f", "nut", dec],
                       input=orig[:kept].tobytes(), check=True)
        ours, _ = frames_of([BIN, "-nostats", "-loglevel", "error", "-i", dec, "-vf", f"slowmo={n}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], W, H)
        for j in range(1, kept - 1):
            if j % n == 0 or j >= len(ours): continue
            a, b = orig[j - j % n], orig[j - j % n + n]
            t = (j % n) / n
            if test:
                full.append((name, n, ours[j], a, b, orig[j], t)); continue
            for _ in range(4):
                y = rng.integers(0, H - C + 1); x = rng.integers(0, W - C + 1)
                sl = (slice(y, y + C), slice(x, x + C))
                out["ours"].append(ours[j][sl]); out["a"].append(a[sl]); out["b"].append(b[sl]); out["truth"].append(orig[j][sl]); out["t"].append(t)
    print(name, W, H, len(out["t"]) if not test else len(full), flush=True)
if test:
    import pickle; pickle.dump(full, open(OUT + "/test.pkl", "wb"))
else:
    np.savez(OUT + "/train.npz", **{k: np.array(v) for k, v in out.items()})
