#!/usr/bin/env python3
"""Writes the seed corpus of the gid-fuzz targets into Fuzz/corpus/<target>/ (docs/fuzzing.md).

Python 3 standard library only. Everything is synthetic and small (the whole corpus stays well
under 2 MB) except the .gidm seeds made by a real gid-filter binary (--bin, default
.build/release/gid-filter; skipped with a note when it is missing). Files the fuzzer adds to the
corpus directories later are left alone; the files written here are overwritten.

    python3 scripts/fuzz_seeds.py [--bin PATH] [--out Fuzz/corpus]
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------- safetensors

def safetensors(tensors, metadata=None, dtype=None, pad=True):
    """tensors: [(name, shape, values)] as F32 unless dtype[name] says otherwise."""
    dtype = dtype or {}
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    data = b""
    for name, shape, values in tensors:
        t = dtype.get(name, "F32")
        fmt = {"F32": "f", "F64": "d", "I64": "q", "I32": "i", "U8": "B", "BOOL": "B", "F16": "e", "I16": "h"}[t]
        raw = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": t, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def raw_file(header_text, data=b"", length=None):
    h = header_text.encode()
    return struct.pack("<Q", len(h) if length is None else length) + h + data


CONVENTION = "S_k = (1/N) sum_n F_n exp(-2 pi i k n / N)"


def gidm(K=2, W=3, H=2, meta=None, alpha=False, scales=None, drop=None):
    n = K * 2 * H * W
    tensors = [
        ("reference_image", [3, H, W], [((i * 7) % 11) / 10 for i in range(3 * H * W)]),
        ("spectral_volume.imag", [K, 2, H, W], [((i * 5) % 9 - 4) / 8 for i in range(n)]),
        ("spectral_volume.real", [K, 2, H, W], [((i * 3) % 7 - 3) / 4 for i in range(n)]),
    ]
    if alpha:
        tensors.append(("reference_alpha", [H, W], [(i % 3) / 2 for i in range(H * W)]))
    m = {"format": "gidm", "format_version": "1", "fps": "30.0", "window_seconds": "5.0",
         "num_frequencies": str(K), "normalized": "none", "source": "fuzz_seeds.py"}
    if scales:
        tensors.append(("normalization.scales", [K], scales))
        m["normalized"] = "adaptive"
    m.update(meta or {})
    tensors = [t for t in tensors if t[0] != drop]
    return safetensors(tensors, {k: v for k, v in m.items() if v is not None})


# ----------------------------------------------------------------------------- model configs

DIFFUSION_SHIPPED = {"K": 16, "grid_w": 32, "grid_h": 20, "cond_factor": 4, "base": 32, "mults": [1, 2, 2],
                     "res_blocks": 1, "spatial_attn": True, "heads": 4, "freq_attn": True, "freq_attn_levels": [0, 1, 2],
                     "groups": 8, "dropout": 0.0, "kind": "diffusion", "timesteps": 1000, "schedule": "cosine",
                     "cond_drop": 0.1, "x0_clip": 4.0, "t_max": 950}
AMPLITUDE_SHIPPED = {"K": 16, "input_w": 512, "input_h": 320, "proj": 16, "hidden": 32, "layers": 2,
                     "taps": [0, 1, 2, 3, 4], "texture": False, "features": True, "coherence": 0.09,
                     "texture_skip": False, "dropout": 0.1,
                     "log_amp_cap": [1.5508, 1.1221, 0.7119, 0.3586, 0.0908, -0.1034, -0.2245, -0.3423, -0.4099,
                                     -0.5005, -0.6226, -0.6895, -0.7744, -0.8237, -0.873, -0.9653],
                     "amp_reference": 0.01668, "kind": "amplitude"}
AMPLITUDE_TINY = {"K": 2, "input_w": 64, "input_h": 64, "proj": 1, "hidden": 4, "layers": 1, "taps": [],
                  "texture": True, "features": False, "coherence": 0.1, "texture_skip": True,
                  "log_amp_cap": [1.0, 0.5], "amp_reference": 0.02, "kind": "amplitude"}


def with_(d, **kw):
    e = dict(d)
    for k, v in kw.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def model_configs():
    return {
        "diffusion-shipped.json": DIFFUSION_SHIPPED,
        "diffusion-linear.json": with_(DIFFUSION_SHIPPED, schedule="linear", t_max=-1, timesteps=50),
        "diffusion-minimal.json": {"K": 1, "grid_w": 1, "grid_h": 1, "cond_factor": 1, "base": 4, "mults": [1],
                                   "res_blocks": 1, "heads": 1, "groups": 1, "spatial_attn": False},
        "diffusion-defaults.json": with_(DIFFUSION_SHIPPED, kind=None, schedule=None, timesteps=None, x0_clip=None,
                                         t_max=None, freq_attn=None, freq_attn_levels=None, spatial_attn=None),
        "diffusion-tmax.json": with_(DIFFUSION_SHIPPED, t_max=0, timesteps=2),
        "amplitude-shipped.json": AMPLITUDE_SHIPPED,
        "amplitude-tiny.json": AMPLITUDE_TINY,
        "amplitude-texture.json": with_(AMPLITUDE_SHIPPED, texture=True, texture_skip=True, log_amp_cap=None,
                                        amp_reference=None, taps=[4]),
        "amplitude-wide.json": with_(AMPLITUDE_TINY, input_w=4096, input_h=64, layers=0),
    }


def tiny_amplitude_model(cfg=AMPLITUDE_TINY):
    """A loadable gid-prior v2 file: no AlexNet, texture cue only, a few hundred weights."""
    K, hid, layers = cfg["K"], cfg["hidden"], cfg["layers"]

    def w(n, s):
        return [((i * 37 + s) % 17 - 8) / 64 for i in range(n)]
    t = [("model.mix.weight", [hid, 1, 1, 1], w(hid, 1)), ("model.mix.bias", [hid], w(hid, 2))]
    for i in range(layers):
        t += [("model.convs.%d.weight" % i, [hid, hid, 3, 3], w(hid * hid * 9, 3 + i)),
              ("model.convs.%d.bias" % i, [hid], w(hid, 4 + i))]
    t += [("model.out.weight", [K + 1, hid, 1, 1], w((K + 1) * hid, 5)), ("model.out.bias", [K + 1], w(K + 1, 6))]
    if cfg.get("texture_skip"):
        t.append(("model.tex_gain", [K + 1], w(K + 1, 7)))
    meta = {"format": "gid-prior", "format_version": "2", "model_config": json.dumps(cfg), "fps": "30.0",
            "window_seconds": "5.0"}
    return safetensors(t, meta)


# ----------------------------------------------------------------------------- graph strings

GRAPHS = [
    "null", "", "motion,loop=seconds=5", "loop=seconds=5", "predict=seed=3", "motion,loop=seconds=10",
    "motion,magnify=gain=3:band=0.2-2", "motion,slowmo=4", "motion,loop=seconds=6,render=unfold=4",
    "motion,poke=x=0.4:y=0.3:dx=12", "motion,mask=file=water.png,loop=seconds=5", "slowmo=2",
    "motion,motionsave=trees.gidm,viz=heatmap", "slowmo=2,loop=seconds=10", "lavfi='scale=512:-2,fps=25'",
    "lavfi=graph='hflip,eq=contrast=1.2'", "magnify=2,motionsave=bigger.gidm", "magnify=band=0-0.6",
    "magnify=band=0-1,poke=x=0.7:y=0.4:dx=15:ambient=0.5,slowmo=2", "magnify=band=0-1,viz=spectrum",
    "magnify=gain=2:band=0.2-1.0,slowmo=2,loop=seconds=10", "mask=y=0.6-1:invert=1,poke=x=0.5:y=0.3:dx=8",
    "motion,mask=x=0-0.5:feather=10,loop=seconds=10",
    "motion,poke=x=0.5:y=0.2:dy=-8:decay=3,poke=x=0.5:y=0.2:dx=10:at=3:decay=3",
    "motion=window=3:start=2:ref=10:preset=best,magnify=gain=3:band=0.2-2", "motion=scene.gidm,magnify=2",
    "predict=model=Models/gid-prior-diffusion.safetensors:steps=10", "render=fps=60:size=1024x640:duration=3",
    "render=size=32x24:duration=0.1:quality=fast:kernel=splat", "slowmo=2,lavfi='setpts=PTS/2'",
    "slowmo=2,loop=repeat=3", "slowmo=factor=2.5,loop=seconds=10", "viz=arrows:spacing=24", "viz=heatmap:grid=1",
    "viz=xt:row=5", "viz=xt:row=200:time=0.5", "render=alpha=0:unfold=100,viz=heatmap",
    "loop=repeat=2,render=fps=1000:duration=0.01", "magnify@big=3,null@x", "drawtext=text=a\\:b",
    "lavfi=text='a\\:b',null", "[in]null[out]", "null;null", "mask=x=0.2-0.2:y=0-1:feather=0",
    "poke=dx=1000:dy=-1000:at=86400:decay=0.01:seconds=0.5", "slowmo=factor=1:preset=fast,render",
    "  magnify = 2 : band = 0.1-0.4 , loop = seconds = 1 ",
]

# ----------------------------------------------------------------------------- argv lines

ARGV = [
    ["-y", "-i", "photo.jpg", "-vf", "motion,loop=seconds=5", "photo.mp4"],
    ["-i", "photo.jpg", "-vf", "loop=seconds=5", "photo.mp4"],
    ["-i", "trees.mp4", "-vf", "motion,magnify=gain=3:band=0.2-2", "big.mp4"],
    ["-ss", "12", "-t", "3", "-i", "clip.mp4", "-vf", "slowmo=4", "slow.mp4"],
    ["-i", "photo.jpg", "-vf", "null", "-t", "3", "-r", "25", "still.mp4"],
    ["-i", "clip.mp4", "-t", "2", "-s", "320x180", "clip.gif"],
    ["-i", "clip.mkv", "-f", "yuv4mpegpipe", "-"],
    ["-f", "nut", "-i", "-", "-vf", "null", "-f", "nut", "-"],
    ["-i", "in.mp4", "-vf", "lavfi='scale=512:-2,fps=25'", "-c:v", "libvpx-vp9", "-crf", "31", "-b:v", "2M", "out.webm"],
    ["-n", "-colorspace", "bt709", "-i", "in.y4m", "-pix_fmt", "yuv444p", "-preset", "veryslow", "out.mkv"],
    ["-ss", "00:01:02.5", "-to", "1:10", "-i", "in.mp4", "-ss", "1", "-to", "5", "-frames:v", "10", "out_%04d.png"],
    ["-loglevel", "error", "-nostats", "-progress", "-", "-hide_banner", "-i", "a.gidm", "-an", "-c:a", "copy", "o.mp4"],
    ["-i", "scene.gidm", "-vf", "render=fps=60", "-s", "-2x240", "-vframes", "3", "-f", "null", "-"],
    ["-y", "-i", "F", "-vf", "motion=k=4,loop=seconds=1", "-s", "64x48", "out.mp4"],
    ["-y", "-i", "F", "-frames:v", "2", "out.png"],
    ["-t", "-1", "-i", "x"],
    ["-r", "30000/1001", "-s", "16384x16384", "-i", "x", "-t", "1e308"],
    ["-ss", "1e400", "-i", "x"],
    ["-i"],
    ["-i", "a", "b", "c"],
    ["-filter:v", "magnify=2", "-filter_complex", "null", "-vcodec", "png", "-codec:v", "ffv1", "-"],
    ["-t", "5", "-to", "3", "-i", "x.mp4", "-t", "2", "-to", "1", "y.mp4"],
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def binary_gidm_seeds(binary, out):
    """Small real scenes: predicted (still), measured (clip), looped, with alpha."""
    if not (binary and os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("fuzz_seeds: %s not found; .gidm seeds from the binary skipped (build it: swift build -c release)" % binary)
        return
    stills = os.path.join(ROOT, "Samples/stills")
    clips = os.path.join(ROOT, "Samples/clips")
    jobs = [
        ("still-16x12.gidm", ["-i", os.path.join(stills, "coldripple.jpg"), "-vf", "lavfi='scale=16:12',motion"]),
        ("clip-16x12-k4.gidm", ["-i", os.path.join(clips, "crane-sway.mkv"), "-t", "1", "-vf",
                                "lavfi='scale=16:12',motion=k=4"]),
        ("loop-8x6.gidm", ["-i", os.path.join(stills, "bythewater.jpg"), "-vf", "lavfi='scale=8:6',motion,loop=repeat=2"]),
        ("slowmo-seconds-16x12-k3.gidm", ["-i", os.path.join(clips, "dollhouse-fire.mkv"), "-t", "1", "-vf",
                                        "lavfi='scale=16:12',motion=k=3,slowmo=2,loop=seconds=3"]),
        ("alpha-8x8.gidm", ["-i", os.path.join(ROOT, "Tests/CLITests/Fixtures/fountain-mask.png"), "-vf",
                            "lavfi='scale=8:8,format=rgba',motion"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in jobs:
            target = os.path.join(tmp, name)
            r = subprocess.run([binary, "-y", "-loglevel", "error"] + args + [target], capture_output=True, text=True,
                               timeout=300)
            if r.returncode == 0 and os.path.exists(target):
                shutil.copy(target, os.path.join(out, "gidm", name))
            else:
                print("fuzz_seeds: %s not made (rc %d): %s" % (name, r.returncode, r.stderr.strip()[:200]))


def dict_line(token):
    return '"%s"' % "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c) for c in token)


def write_dicts(binary, root):
    """libFuzzer dictionaries (-dict=) for graph and args: filter names, option names, choice
    values and the CLI's options, read from the binary's own help."""
    if not (binary and os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("fuzz_seeds: %s not found; dictionaries not written" % binary)
        return
    run = lambda *a: subprocess.run([binary] + list(a), capture_output=True, text=True, timeout=60).stdout
    names = [line.split()[0] for line in run("filters").splitlines() if line.strip()]
    tokens = set(names) | {",", ":", "=", "@", "'", "\\", "[", "]", ";", "-", "x", "0.5", "-1", "1e9", "0-1"}
    for name in names:
        table = False
        for line in run("help", name).splitlines():
            cols = line.split()
            if cols[:2] == ["NAME", "TYPE"]:
                table = True
                continue
            if table and len(cols) >= 4:
                tokens.add(cols[0] + "=")
                if "|" in cols[3] and ".." not in cols[3]:
                    tokens.update(cols[3].split("|"))
    graph = sorted(tokens)
    usage = run("-h")
    options = sorted({w.rstrip(",") for w in usage.split() if re.fullmatch(r"-[a-z][a-z0-9_]*(:[a-z])?,?", w)})
    args = options + ["\0", "-", "x.gidm", "out.mp4", "64x48", "-2x-1", "30000/1001", "00:00:01.5", "null", "motion,loop=seconds=1"]
    os.makedirs(os.path.join(root, "dict"), exist_ok=True)
    with open(os.path.join(root, "dict", "graph.dict"), "w") as f:
        f.write("# filter names, option keys and choice values (scripts/fuzz_seeds.py from gid-filter help)\n")
        f.writelines(dict_line(t) + "\n" for t in graph)
    with open(os.path.join(root, "dict", "args.dict"), "w") as f:
        f.write("# command-line options and values, NUL separates arguments (scripts/fuzz_seeds.py)\n")
        f.writelines(dict_line(t) + "\n" for t in args)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/gid-filter"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Fuzz/corpus"))
    a = ap.parse_args()
    out = a.out

    # gidm: hand-made corner cases, the Python-written fixture, and real scenes from the binary.
    g = os.path.join(out, "gidm")
    write(os.path.join(g, "min-k2-3x2.gidm"), gidm())
    write(os.path.join(g, "alpha-adaptive.gidm"), gidm(K=3, W=4, H=3, alpha=True, scales=[0.5, 1.0, 2.0]))
    write(os.path.join(g, "timeline-dynamics.gidm"), gidm(meta={
        "timeline.slowdown": "2.0", "timeline.periods": "3", "timeline.seconds": "4.0",
        "dynamics": "ambient=0.25;seconds=6.0;pulls=0.0,0.72,0.35,0.0,8.0,2.0|1.0,0.1,0.9,-3.0,2.0,0.5"}))
    write(os.path.join(g, "k1-1x1.gidm"), gidm(K=1, W=1, H=1, meta={"num_frequencies": None, "format": None,
                                                                     "format_version": None, "normalized": None}))
    write(os.path.join(g, "extreme-timeline.gidm"), gidm(meta={"fps": "1000", "window_seconds": "86400",
                                                               "timeline.periods": "100000", "timeline.slowdown": "10000"}))
    write(os.path.join(g, "unaligned.gidm"), safetensors(
        [("spectral_volume.real", [1, 2, 1, 2], [1, 2, 3, 4]), ("spectral_volume.imag", [1, 2, 1, 2], [0, 0, 0, 0]),
         ("reference_image", [3, 1, 2], [0.5] * 6)], {"fps": "24", "window_seconds": "1"}, pad=False))
    fixture = os.path.join(ROOT, "Tests/SpectralVolumeTests/Fixtures/python-written.gidm")
    if os.path.exists(fixture):
        shutil.copy(fixture, os.path.join(g, "python-written.gidm"))
    binary_gidm_seeds(a.bin, out)

    # safetensors: container corner cases and model files.
    s = os.path.join(out, "safetensors")
    write(os.path.join(s, "empty-header.safetensors"), raw_file("{}"))
    write(os.path.join(s, "metadata-only.safetensors"), raw_file('{"__metadata__":{"a":"b","format":"gid-prior"}}'))
    write(os.path.join(s, "dtypes.safetensors"), safetensors(
        [("f32", [2, 2], [1, 2, 3, 4]), ("f64", [3], [0.5, 1e-300, -2]), ("i64", [2], [-1, 2 ** 62]),
         ("i32", [1, 3], [7, -8, 9]), ("u8", [4], [0, 1, 254, 255]), ("b", [2], [0, 1]), ("h", [2], [1.5, -2]),
         ("i16", [0], []), ("scalar", [], [3.25])],
        {"note": "every dtype"}, dtype={"f64": "F64", "i64": "I64", "i32": "I32", "u8": "U8", "b": "BOOL", "h": "F16",
                                        "i16": "I16"}))
    write(os.path.join(s, "overlap.safetensors"),
          raw_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
                   b"\0" * 8))
    write(os.path.join(s, "amplitude-tiny.safetensors"), tiny_amplitude_model())
    write(os.path.join(s, "amplitude-tiny-nocap.safetensors"),
          tiny_amplitude_model(with_(AMPLITUDE_TINY, log_amp_cap=None, amp_reference=None, texture_skip=False, layers=0)))
    for version, cfg in (("1", DIFFUSION_SHIPPED), ("2", AMPLITUDE_SHIPPED)):
        write(os.path.join(s, "config-only-v%s.safetensors" % version), safetensors(
            [("normalization.scales", [2], [1.0, 2.0])],
            {"format": "gid-prior", "format_version": version, "model_config": json.dumps(cfg)}))
    write(os.path.join(s, "gidm-as-model.safetensors"), gidm())

    # modelconfig: JSON text.
    for name, cfg in model_configs().items():
        write(os.path.join(out, "modelconfig", name), json.dumps(cfg))

    # graph: one graph string per file.
    for i, text in enumerate(GRAPHS):
        write(os.path.join(out, "graph", "g%02d.txt" % i), text)

    # args: argv without the program name, NUL-separated.
    for i, argv in enumerate(ARGV):
        write(os.path.join(out, "args", "a%02d.argv" % i), "\0".join(argv))

    write_dicts(a.bin, os.path.dirname(out))

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    count = sum(len(fs) for _, _, fs in os.walk(out))
    print("fuzz_seeds: %d files, %d bytes in %s" % (count, total, os.path.relpath(out, ROOT)))
    if total > 2 * 1024 * 1024:
        print("fuzz_seeds: warning: the corpus is over 2 MB", file=sys.stderr)


if __name__ == "__main__":
    main()
