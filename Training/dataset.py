"""Builds the (I0, S) training pairs from real clips with gid-filter's measured-motion path, and
serves augmented batches to train.py / evaluate.py.

    python Training/dataset.py                                  # every clip in ../shared/data/clips
    python Training/dataset.py --only candle__ fire__yard --stride 2 --out Training/data/small.npz

For each clip and each window of `--window` seconds (start 0, stride, 2*stride, ...) it runs

    gid-filter -i CLIP -vf "lavfi='scale=W:-2,fps=30',motion=window=5:start=S:k=16:preset=fast" w.gidm

(the scale only when the clip is wider than --measure-width), i.e. optical flow from the window's
first frame to each of its 150 frames at 30 fps, a camera shake of up to 2 px removed, reduced to
K Fourier terms (docs/filters.md, `motion`). Windows are then skipped when
  - the camera moves: the median motion of the textured pixels in the frame's outer band (the
    subject is usually inside it), as amplitude |median S_0| + 2 sum_k |median S_k|, exceeds
    --max-camera (fraction of the width); a band without texture (a candle on black) counts as a
    still camera, or
  - nothing moves: the 99th percentile over pixels of the amplitude 2*sqrt(sum_{k>=1} |S_k|^2)
    is below --min-motion (fraction of the width; a candle flame fills ~2% of the frame).
Kept windows are centre-cropped to 16:10 and stored at the VAE's grid (S at 128x80 as float16 with
--store 128 80, I0 at 256x160 as uint8) so train.py can crop and flip them; resizing multiplies x
coefficients by the width ratio and y by the height ratio (displacements stay in grid pixels).

Split: by clip, never by window. HELDOUT below is fixed; everything else trains.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from gidm import IM_X, IM_Y, RE_X, RE_Y, amplitude, read_gidm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_CLIPS = os.path.join(ROOT, "..", "shared", "data", "clips")
DEFAULT_BIN = os.path.join(ROOT, ".build", "release", "gid-filter")
VIDEO_EXT = (".mp4", ".mkv", ".avi", ".mov", ".webm", ".nut", ".y4m")

# Held-out clips (evaluation only): one per category, still camera, >= 6 s so they give windows.
# The scenes the product is for (water, plants, sky, landscapes) get a second held-out clip.
HELDOUT = [
    "candle__candle_closeup_light4israel",
    "fire__fireplace_gatech",
    "plants__evm_shadow_house_trees",
    "smoke_steam__burning_car_forest_smoke",
    "structure_sway__crane_crop_phasebased",
    "water__dyntex_fountain_trees",
    "sky_clouds__mist_over_forest_ridge",
    "mixed_landscape__misty_lakeshore_trees_wind",
    "plants__wildflower_meadow_wind",
    "water__rocky_shore_sunset_waves",
]


def clip_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def probe(path):
    """(width, height, fps, duration seconds) with ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height,avg_frame_rate,nb_frames:format=duration", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    s = j["streams"][0]
    num, den = s["avg_frame_rate"].split("/")
    fps = float(num) / float(den) if float(den) else 0.0
    dur = float(j.get("format", {}).get("duration", 0) or 0)
    if dur <= 0 and fps > 0 and s.get("nb_frames"):
        dur = int(s["nb_frames"]) / fps
    return int(s["width"]), int(s["height"]), fps, dur


def measure_window(binary, clip, start, args, width, tmpdir):
    """Runs gid-filter on one window; returns (S (K,4,H,W), image (3,H,W)) or raises RuntimeError."""
    lav = "fps=30"
    if args.measure_width and width > args.measure_width:
        lav = f"scale={args.measure_width}:-2," + lav
    graph = f"lavfi='{lav}',motion=window={args.window}:start={start:.3f}:k={args.k}:preset={args.preset}"
    out = os.path.join(tmpdir, "w.gidm")
    r = subprocess.run([binary, "-y", "-loglevel", "error", "-nostats", "-i", clip, "-vf", graph, out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"gid-filter exit {r.returncode}: {r.stderr.strip()[-300:]}")
    S, image, meta = read_gidm(out)
    os.remove(out)
    return S, image


def textured(image, min_grad=0.02):
    """Pixels whose luma gradient magnitude exceeds min_grad (luma in [0, 1]): where flow is trustworthy.

    `motion` gates flow by the same kind of texture confidence, so flat pixels carry ~0 motion and
    would pull a median over all pixels to zero even under a panning camera."""
    luma = 0.299 * image[0] + 0.587 * image[1] + 0.114 * image[2]
    gy, gx = np.gradient(luma)
    return np.hypot(gx, gy) > min_grad


def camera_and_motion(S, image, border=0.2, pct=99, coherence=1.0):
    """(camera, motion) in pixels of the measured frame.

    camera: the global translation amplitude, from the median motion of the textured pixels in the
    frame's outer band (`border` of each side). The subject (a flame, a tree) is usually inside;
    a shaking or panning camera moves the band too. Without texture in the band (a candle on black)
    camera motion is invisible and counts as none, and so is band motion that is not coherent
    (the median pixel's distance from the median motion exceeds `coherence` x its size).
    motion: the `pct` percentile of the amplitude over all pixels (a candle flame fills ~2%)."""
    H, W = image.shape[1:]
    band = np.ones((H, W), bool)
    band[int(H * border):H - int(H * border), int(W * border):W - int(W * border)] = False
    mask = textured(image) & band
    if mask.sum() < 0.01 * mask.size:
        cam = 0.0
    else:
        band_S = S.reshape(S.shape[0] * 4, -1)[:, mask.reshape(-1)]                          # (K*4, n)
        med = np.median(band_S, axis=1)
        # A camera moves the band as one: most pixels' coefficients sit near the median. Motion
        # that fills the frame (reeds, ripples, flames) moves every pixel its own way, so the
        # typical pixel is farther from the median than the median is from rest: no camera.
        spread = np.median(np.linalg.norm(band_S - med[:, None], axis=0))
        med = med.reshape(S.shape[0], 4)
        cam = max(abs(med[0, a]) + 2 * np.abs(med[1:, a] + 1j * med[1:, a + 2]).sum() for a in (RE_X, RE_Y))
        if spread > coherence * np.linalg.norm(med):
            cam = 0.0
    return float(cam), float(np.percentile(amplitude(S), pct))


def center_crop_16_10(S, image):
    """Largest centred 16:10 crop of S (K,4,H,W) and image (3,H,W)."""
    H, W = image.shape[1:]
    if W * 10 > H * 16:
        cw, ch = round(H * 1.6), H
    else:
        cw, ch = W, round(W / 1.6)
    x0, y0 = (W - cw) // 2, (H - ch) // 2
    return S[..., y0:y0 + ch, x0:x0 + cw], image[:, y0:y0 + ch, x0:x0 + cw]


def resize_volume(S, w, h):
    """S (..., 4, H, W) torch raw -> (..., 4, h, w), antialiased bilinear; x coefficients * w/W, y * h/H."""
    H, W = S.shape[-2:]
    lead = S.shape[:-3]
    out = F.interpolate(S.reshape(-1, 4, H, W), size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    gain = torch.tensor([w / W, h / H, w / W, h / H], dtype=out.dtype).view(1, 4, 1, 1)
    return (out * gain).reshape(*lead, 4, h, w)


def resize_image(image, w, h):
    """image (..., 3, H, W) torch -> (..., 3, h, w), antialiased bilinear."""
    H, W = image.shape[-2:]
    lead = image.shape[:-3]
    out = F.interpolate(image.reshape(-1, 3, H, W), size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    return out.reshape(*lead, 3, h, w)


def build(args):
    binary = args.bin
    if not os.path.exists(binary):
        sys.exit(f"{binary} missing: swift build -c release --product gid-filter")
    clips = sorted((os.path.join(d, f) for d in args.clips for f in os.listdir(d) if f.lower().endswith(VIDEO_EXT)),
                   key=clip_name)
    if args.only:
        clips = [c for c in clips if any(p in clip_name(c) for p in args.only)]
    clips = [c for c in clips if not any(p in clip_name(c) for p in args.exclude)]
    if not clips:
        sys.exit(f"no clips in {args.clips} (matching {args.only})")
    sw, sh = args.store
    iw, ih = args.image_store
    S_all, I_all, clip_idx, starts, scores = [], [], [], [], []
    reasons = {"kept": 0, "global motion (camera, or flow failure)": 0, "no motion": 0, "shorter than the window": 0, "gid-filter error": 0}
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="gid-dataset-") as tmp:
        for ci, clip in enumerate(clips):
            name = clip_name(clip)
            width, height, fps, dur = probe(clip)
            n_win = int(np.floor((dur - args.window - 1.0 / max(fps, 1)) / args.stride + 1e-9)) + 1 if dur > args.window else 0
            if n_win <= 0:
                reasons["shorter than the window"] += 1
                print(f"[{ci + 1}/{len(clips)}] {name}: {dur:.1f} s < {args.window} s window, skipped (clip)", flush=True)
                continue
            if args.max_windows:
                n_win = min(n_win, args.max_windows)
            kept_here, why = 0, []
            for wi in range(n_win):
                start = wi * args.stride
                try:
                    S, image = measure_window(binary, clip, start, args, width, tmp)
                except RuntimeError as e:
                    reasons["gid-filter error"] += 1
                    why.append(f"{start:.1f}s error")
                    print(f"    {name} @ {start:.1f}s: {e}", flush=True)
                    continue
                W = image.shape[2]
                cam, mot = camera_and_motion(S, image)
                if cam > args.max_camera * W:
                    reasons["global motion (camera, or flow failure)"] += 1
                    why.append(f"{start:.1f}s global {cam:.2f}px")
                    continue
                if mot < args.min_motion * W:
                    reasons["no motion"] += 1
                    why.append(f"{start:.1f}s still {mot:.2f}px")
                    continue
                Sc, Ic = center_crop_16_10(S, image)
                S_all.append(resize_volume(torch.from_numpy(np.ascontiguousarray(Sc)), sw, sh).numpy().astype(np.float16))
                img = resize_image(torch.from_numpy(np.ascontiguousarray(Ic)), iw, ih).numpy()
                I_all.append(np.clip(np.round(img * 255), 0, 255).astype(np.uint8))
                clip_idx.append(ci)
                starts.append(start)
                scores.append((cam / W, mot / W))
                reasons["kept"] += 1
                kept_here += 1
            print(f"[{ci + 1}/{len(clips)}] {name}: {width}x{height} {fps:.2f} fps {dur:.1f} s, "
                  f"kept {kept_here}/{n_win} windows{'; skipped ' + ', '.join(why) if why else ''} "
                  f"({time.time() - t_start:.0f} s so far)", flush=True)
    if not S_all:
        sys.exit("no window kept")
    names = [clip_name(c) for c in clips]
    meta = {"K": args.k, "window_seconds": args.window, "fps": 30.0, "store": [sw, sh], "image_store": [iw, ih],
            "preset": args.preset, "measure_width": args.measure_width, "max_camera": args.max_camera,
            "min_motion": args.min_motion, "stride": args.stride, "channels": "Re x, Re y, Im x, Im y",
            "reasons": reasons}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(args.out, S=np.stack(S_all), image=np.stack(I_all), clip=np.array(clip_idx, np.int16),
             start=np.array(starts, np.float32), scores=np.array(scores, np.float32), names=np.array(names),
             heldout=np.array([n in HELDOUT for n in names]), meta=np.array(json.dumps(meta)))
    held = sum(1 for i in clip_idx if names[i] in HELDOUT)
    print(f"windows: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    print(f"wrote {args.out}: {len(S_all)} windows ({len(S_all) - held} train, {held} held out) from "
          f"{len(set(clip_idx))} clips in {time.time() - t_start:.0f} s")


# ----------------------------------------------------------------------------------------------
# Loading and augmentation (used by train.py, evaluate.py)

class MotionData:
    """The .npz in memory. `split` is "train", "heldout" or "all"."""

    def __init__(self, path, split="train"):
        z = np.load(path)
        self.meta = json.loads(str(z["meta"]))
        self.names = [str(n) for n in z["names"]]
        held = z["heldout"]
        clip = z["clip"].astype(np.int64)
        sel = {"train": ~held[clip], "heldout": held[clip], "all": np.ones(len(clip), bool)}[split]
        self.S = torch.from_numpy(z["S"][sel])          # (N, K, 4, 80, 128) float16, raw pixels of the store grid
        self.image = torch.from_numpy(z["image"][sel])  # (N, 3, 160, 256) uint8
        self.clip = clip[sel]
        self.start = z["start"][sel]
        self.K = self.meta["K"]

    def __len__(self):
        return len(self.clip)

    def resample_store(self, w, h):
        """Resize the stored S (antialiased) to w x h once, when the store is larger: augment() samples
        bilinearly without a low-pass, so a 4x smaller model grid would alias the measured flow."""
        if self.S.shape[-1] > w:
            self.S = torch.cat([resize_volume(self.S[i:i + 32].float(), w, h).half() for i in range(0, len(self.S), 32)])
        return self

    def use_frequencies(self, K):
        """Keep S_0..S_{K-1} (a low-pass of the measured motion: the tiny test config uses K=4)."""
        assert K <= self.K, f"data has K={self.K}, want {K}"
        self.S, self.K = self.S[:, :K], K
        return self

    def batch(self, idx, grid_hw, cond_factor, generator=None, crop_min=1.0, flip=False, k=None):
        """Raw S (B, K, 4, h, w) and image (B, 3, h*f, w*f) float32 for window indices idx;
        with k (B, G) only those frequency slices: S (B, G, 4, h, w) (one slice costs 1/K to augment)."""
        S = (self.S[idx] if k is None else self.S[idx[:, None], k]).float()
        image = self.image[idx].float() / 255
        return augment(S, image, grid_hw, cond_factor, generator, crop_min, flip)


def augment(S, image, grid_hw, cond_factor, generator=None, crop_min=1.0, flip=False, params=None):
    """Random 16:10 crop (side fraction in [crop_min, 1]) and horizontal flip, resampled to the grid.

    S (B, K, 4, Hs, Ws) raw, image (B, 3, Hi, Wi) -> S (B, K, 4, h, w), image (B, 3, h*f, w*f).
    Physics stays consistent: a crop of fraction s shown on w columns magnifies displacements by
    w / (s * Ws) (x) and h / (s * Hs) (y); a flip mirrors the columns and negates x coefficients.
    params = (scale (B,), cx (B,), cy (B,), mirror (B,) bool) overrides the random draw (tests).
    """
    B, K, _, Hs, Ws = S.shape
    h, w = grid_hw
    if params is None:
        s = crop_min + (1 - crop_min) * torch.rand(B, generator=generator)
        cx = (1 - s) * (2 * torch.rand(B, generator=generator) - 1)   # crop centre, normalized coordinates
        cy = (1 - s) * (2 * torch.rand(B, generator=generator) - 1)
        mirror = (torch.rand(B, generator=generator) < 0.5) if flip else torch.zeros(B, dtype=torch.bool)
    else:
        s, cx, cy, mirror = params
    sx = torch.where(mirror, -s, s)
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = sx, cx, s, cy
    grid = F.affine_grid(theta, (B, 1, h, w), align_corners=False)
    out = F.grid_sample(S.reshape(B, K * 4, Hs, Ws), grid, mode="bilinear", padding_mode="border",
                        align_corners=False).view(B, K, 4, h, w)
    gx = (w / (s * Ws)) * torch.where(mirror, -1.0, 1.0)          # (B,)
    gy = h / (s * Hs)
    gain = torch.stack([gx, gy, gx, gy], 1).view(B, 1, 4, 1, 1)   # channels Re x, Re y, Im x, Im y
    out = out * gain
    f = cond_factor
    grid_i = F.affine_grid(theta, (B, 1, h * f, w * f), align_corners=False)
    img = F.grid_sample(image, grid_i, mode="bilinear", padding_mode="border", align_corners=False)
    return out, img


def merge(paths, out):
    """One .npz from several built with the same settings (clips appended, held-out flags recomputed),
    so new clips can join a data set without measuring the old ones again."""
    parts = [np.load(p) for p in paths]
    metas = [json.loads(str(z["meta"])) for z in parts]
    same = ("K", "window_seconds", "store", "image_store", "preset", "measure_width", "stride")
    for p, m in zip(paths[1:], metas[1:]):
        differ = [k for k in same if m.get(k) != metas[0].get(k)]
        if differ:
            sys.exit(f"{p}: built with other settings than {paths[0]} ({', '.join(differ)})")
    names, clip = [], []
    for z in parts:
        clip.append(z["clip"].astype(np.int64) + len(names))
        names += [str(n) for n in z["names"]]
    if len(set(names)) != len(names):
        sys.exit(f"{out}: a clip name occurs in more than one input")
    reasons = {}
    for m in metas:
        for k, v in m.get("reasons", {}).items():
            reasons[k] = reasons.get(k, 0) + v
    meta = dict(metas[0], reasons=reasons)
    np.savez(out, S=np.concatenate([z["S"] for z in parts]), image=np.concatenate([z["image"] for z in parts]),
             clip=np.concatenate(clip).astype(np.int16), start=np.concatenate([z["start"] for z in parts]),
             scores=np.concatenate([z["scores"] for z in parts]), names=np.array(names),
             heldout=np.array([n in HELDOUT for n in names]), meta=np.array(json.dumps(meta)))
    print(f"wrote {out}: {sum(len(z['clip']) for z in parts)} windows from {len(names)} clips")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clips", nargs="+", default=[DEFAULT_CLIPS], help="folders of clips (default ../shared/data/clips)")
    p.add_argument("--merge", nargs="+", metavar="NPZ", help="join data sets built with the same settings into --out, measuring nothing")
    p.add_argument("--out", default=os.path.join(HERE, "data", "dataset.npz"))
    p.add_argument("--bin", default=DEFAULT_BIN, help="gid-filter binary")
    p.add_argument("--only", nargs="*", help="keep clips whose name contains any of these")
    p.add_argument("--exclude", nargs="*", default=["nonoscillatory__"],
                   help="drop clips whose name contains any of these (default: the non-oscillatory counter-examples "
                        "- walking people, a moving camera - which a spectral volume cannot loop)")
    p.add_argument("--window", type=float, default=5.0, help="seconds per window T (150 frames at 30 fps)")
    p.add_argument("--stride", type=float, default=1.0, help="seconds between window starts")
    p.add_argument("--max-windows", type=int, default=0, help="at most this many windows per clip (0 = all)")
    p.add_argument("--k", type=int, default=16, help="frequencies K")
    p.add_argument("--preset", default="fast", choices=["fast", "medium", "best"], help="optical flow preset")
    p.add_argument("--measure-width", type=int, default=640, help="scale wider clips down to this before flow (0 = never)")
    p.add_argument("--max-camera", type=float, default=0.01, help="skip if global motion > this x width (pixels)")
    p.add_argument("--min-motion", type=float, default=0.002, help="skip if p99 amplitude < this x width (pixels)")
    p.add_argument("--store", type=int, nargs=2, default=[128, 80], metavar=("W", "H"), help="stored motion grid")
    p.add_argument("--image-store", type=int, nargs=2, default=[512, 320], metavar=("W", "H"), help="stored I0 size")
    p.add_argument("--threads", type=int, default=1, help="torch threads (resizing only)")
    args = p.parse_args()
    if args.merge:
        return merge(args.merge, args.out)
    torch.set_num_threads(args.threads)
    build(args)


if __name__ == "__main__":
    main()
