"""Held-out evaluation of the prior against baselines (issue 7's metrics), printed as a table.

    python Training/evaluate.py --model Training/runs/cpu/freq/ckpt.pt --regressor Training/runs/cpu/regressor/ckpt.pt

On every held-out window (clips in dataset.HELDOUT, full 16:10 crop at the model grid), predicted
vs measured S, per window then averaged per clip, then over clips:
  AUC        moving-region AUC: the predicted per-pixel amplitude 2*sqrt(sum_{k>=1}|S_k|^2) ranks
             the pixels whose measured amplitude exceeds --move-frac x grid width (0.5 = chance)
  spec L1    mean over k of |log10 P_pred(k) - log10 P_meas(k)|, P = mean power over pixels
  calib      median over the moving pixels of predicted / measured amplitude (1 = calibrated)
  diversity  mean pairwise distance between samples of different seeds / mean sample norm
  x-share    mean over the moving pixels of |x share predicted - measured|, x share = the part of a
             pixel's motion energy (k >= 1) on the x axis: does it swing the right way?
  coherence  mean over the moving pixels of |C predicted - measured|, C = how much a pixel's 17x17
             neighbourhood (an eighth of the eval grid's width) swings in step (|sum of its complex
             2-vectors| / sum of their norms per frequency, weighted by energy; 1 = all in phase):
             does a region move as one?
The last two score the part that amplitude AUC cannot see: phase and direction.
Amplitude priors (--amplitude, amplitude.py) are scored beside it, one row each; with
--amplitude-diffusion also as "amplitude head + diffusion": the diffusion prior's DDIM walk with
each step's predicted clean S given the head's amplitude per pixel and frequency (replacement
guidance; the diffusion keeps the phases, direction and spatial structure), the result at the eval
grid given the head's amplitudes again. It differs from the head's own row only in the phases.
Baselines: zero motion, texture energy (gradient energy of I0 as amplitude, the training set's
mean spectrum), the deterministic regressor (train.py --stage regressor).
Every method predicts at its own output grid (32x20 for S itself, 128x80 through the VAE); all
are compared with the measurement at --grid (antialiased resize, coefficients scaled with it);
coarser predictions reach it by image-guided (upsample.py) or bilinear upsampling (--upsample).
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from dataset import MotionData, resize_volume
from export import load_model
from gidm import amplitude, power_spectrum
from model import ddim_timesteps, denormalize, normalize, sample_motion, texture_energy_baseline
from upsample import upsample_volume_guided

HERE = os.path.dirname(os.path.abspath(__file__))


def auc(scores, positive):
    """Mann-Whitney AUC with ties counted half; None when one class is empty."""
    scores, positive = np.asarray(scores, np.float64).ravel(), np.asarray(positive, bool).ravel()
    n1, n0 = positive.sum(), (~positive).sum()
    if n1 == 0 or n0 == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def x_share(S):
    """(share of each pixel's motion energy (k >= 1) on the x axis, that energy), both (h, w)."""
    e = (S[1:] ** 2).sum((0, 1))
    ex = (S[1:, 0] ** 2 + S[1:, 2] ** 2).sum(0)
    return ex / np.maximum(e, 1e-30), e


def coherence(S, radius=8):
    """(h, w) in [0, 1]: per frequency k >= 1, |sum over the (2r+1)^2 neighbourhood of the complex
    2-vectors (x: channels 0 + 2i, y: 1 + 3i)| / the sum of their norms, averaged over k weighted by
    the pixel's own energy at k. 1 = the neighbourhood swings in step; independent phases give ~1/(2r+1)."""
    t = torch.from_numpy(np.ascontiguousarray(S[1:], dtype=np.float64))           # (K-1, 4, h, w)
    k = 2 * radius + 1
    box = lambda x: torch.nn.functional.avg_pool2d(x, k, 1, radius, count_include_pad=True)
    summed = box(t)                                                               # the 4 parts' box sums
    norms = box(t.square().sum(1, keepdim=True).sqrt())[:, 0]
    C = summed.square().sum(1).sqrt() / norms.clamp(min=1e-30)                    # (K-1, h, w)
    e = t.square().sum(1)
    return ((C * e).sum(0) / e.sum(0).clamp(min=1e-30)).numpy()


def phase_reference(S_meas):
    """What phase_metrics compares a prediction with: the measurement's (x share, coherence) maps,
    computed once per window, not once per method and seed."""
    return x_share(S_meas)[0], coherence(S_meas)


def phase_metrics(S_pred, reference, moving):
    """x-share and coherence errors against `reference` (phase_reference) over the moving pixels
    the prediction moves at all (None: none)."""
    sp, ep = x_share(S_pred)
    sm, cm = reference
    both = moving & (ep > 1e-12)
    if not both.any():
        return {"xshare": None, "coh": None}
    coh = np.abs(coherence(S_pred) - cm)
    return {"xshare": float(np.abs(sp - sm)[both].mean()), "coh": float(coh[both].mean())}


def window_metrics(S_pred, S_meas, thresh, reference=None):
    """Metrics of one prediction (K,4,h,w) against the measurement (`reference`: its
    phase_reference, computed here when not given)."""
    Ap, Am = amplitude(S_pred), amplitude(S_meas)
    moving = Am > thresh
    Pp, Pm = power_spectrum(S_pred), power_spectrum(S_meas)
    spec = float(np.mean(np.abs(np.log10(Pp + 1e-8) - np.log10(Pm + 1e-8))))
    calib = float(np.median(Ap[moving] / Am[moving])) if moving.any() else None
    reference = reference if reference is not None else phase_reference(S_meas)
    return {"auc": auc(Ap, moving), "spec": spec, "calib": calib, **phase_metrics(S_pred, reference, moving)}


def with_magnitude(S, target, fallback=None):
    """S (..., K, 4, h, w) with each pixel's and frequency's 4-vector rescaled to the norm `target`
    (..., K, h, w); where S is (nearly) zero, `fallback`'s direction (same shape as S) if given."""
    m = S.norm(dim=-3, keepdim=True)
    d = S / m.clamp(min=1e-12)
    if fallback is not None:
        fd = fallback / fallback.norm(dim=-3, keepdim=True).clamp(min=1e-12)
        d = torch.where(m > 1e-6 * target.unsqueeze(-3).clamp(min=1e-12), d, fd)
    return d * target.unsqueeze(-3)


def amplitude_diffusion(model, scales, cond, S_head, to_eval, generator, **kw):
    """The amplitude head + diffusion row: S_head (N, K, 4, gh, gw) the head's predictions at the
    eval grid -> (N, K, 4, gh, gw) with the head's amplitudes and the diffusion prior's phases."""
    S_head = torch.as_tensor(S_head)
    A = S_head.norm(dim=2)                                                        # (N, K, gh, gw)
    f = A.shape[-1] // model.cfg.grid_w                                           # eval grid / the prior's
    A_out = torch.nn.functional.avg_pool2d(A, f) / f if f > 1 else A             # grid px of the coarser grid
    hook = lambda x0: normalize(with_magnitude(denormalize(x0, scales), A_out), scales)
    out = sample_motion(model, cond, x0_hook=hook, generator=generator, **kw)
    up = torch.as_tensor(to_eval(denormalize(out, scales)))
    return with_magnitude(up, A, fallback=S_head).numpy()


def diversity(samples):
    """samples: list of (K,4,h,w); mean pairwise L2 distance / mean L2 norm (0 for one sample)."""
    if len(samples) < 2:
        return 0.0
    norms = np.mean([np.linalg.norm(s) for s in samples])
    d = [np.linalg.norm(a - b) for i, a in enumerate(samples) for b in samples[i + 1:]]
    return float(np.mean(d) / max(norms, 1e-12))


def fuse_texture(S, S_tex, w):
    """S (K,4,h,w) with its per-pixel RMS amplitude moved toward S_tex's: A^(1-w) A_tex^w."""
    a = np.sqrt((S ** 2).sum((0, 1)))
    at = np.sqrt((S_tex ** 2).sum((0, 1)))
    gain = (np.maximum(at, 1e-12) / np.maximum(a, 1e-12)) ** w
    return (S * gain[None, None]).astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.path.join(HERE, "data", "dataset.npz"))
    p.add_argument("--model", required=True, help="diffusion prior: ckpt.pt or exported .safetensors")
    p.add_argument("--regressor", help="regressor baseline checkpoint")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--steps", type=int, nargs="+", default=[50], help="DDIM steps (several: quality vs steps)")
    p.add_argument("--guidance", type=float, default=1.5)
    p.add_argument("--split", default="heldout", choices=["heldout", "train"],
                   help="train: choose --t-max/--guidance on training windows, never on the held-out ones")
    p.add_argument("--t-max", type=int, help="override the model's DDIM start (model.ModelConfig.t_max)")
    p.add_argument("--grid", type=int, nargs=2, default=[128, 80], metavar=("W", "H"), help="evaluation grid")
    p.add_argument("--label", default="diffusion", help="name of the model's rows in the table")
    p.add_argument("--upsample", default="guided", choices=["guided", "bilinear"],
                   help="how predictions on a coarser grid reach --grid (upsample.py)")
    p.add_argument("--move-frac", type=float, default=0.003, help="moving = measured amplitude > this x grid width")
    p.add_argument("--max-windows", type=int, default=3, help="held-out windows per clip (evenly spaced)")
    p.add_argument("--out", default=None, help="folder for eval.md, eval.json, spectra.png (default: beside --model)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--amplitude", nargs="*", default=[], help="amplitude priors to score too (train_amplitude.py ckpt.pt or exported)")
    p.add_argument("--amplitude-label", nargs="*", help="their row names (default: the checkpoint's folder)")
    p.add_argument("--view-sets", nargs="*", default=[],
                   help="score each amplitude prior with these test views instead of its own, one row each: "
                        "scales, ':flip' for mirrored views too (e.g. 1  1:flip  1,1.5:flip)")
    p.add_argument("--no-diffusion", action="store_true", help="score --model's baselines only, not its samples")
    p.add_argument("--amplitude-diffusion", action="store_true",
                   help="also score each amplitude prior as 'amplitude head + diffusion' (the head's amplitudes, "
                        "the diffusion prior's phases; at the first --steps)")
    p.add_argument("--fuse-texture", type=float, nargs="*", default=[],
                   help="also score the model with its amplitude map moved toward the texture "
                        "heuristic's: A^(1-w) A_tex^w (spectrum shape and phases kept), for each w")
    args = p.parse_args()
    for views in args.view_sets:
        try:
            scales = [float(v) for v in views.partition(":flip")[0].split(",")]
        except ValueError:
            scales = []
        if not scales or not all(0.5 <= v <= 2 for v in scales) or views.count(":") > int(views.endswith(":flip")):
            p.error(f"--view-sets {views!r}: scales in 0.5..2 separated by commas, optionally ':flip' (e.g. 1,1.5:flip)")
    torch.set_num_threads(args.threads)
    model, scales, mean_power, info = load_model(args.model)
    if args.amplitude_diffusion and info["vae"]:
        p.error("--amplitude-diffusion needs a diffusion prior on S itself, not a latent one")
    cfg = model.cfg
    if args.t_max is not None:
        cfg.t_max = args.t_max
    gw, gh = args.grid
    data = MotionData(args.data, args.split).use_frequencies(cfg.K)
    if not len(data):
        raise SystemExit(f"{args.data} has no held-out windows (clips {', '.join(sorted(set(data.names)))} ...)")
    keep = []
    for c in sorted(set(data.clip)):
        idx = np.flatnonzero(data.clip == c)
        keep += list(idx[np.unique(np.linspace(0, len(idx) - 1, min(args.max_windows, len(idx))).round().astype(int))])
    idx = torch.tensor(keep)
    store = tuple(data.S.shape[-2:])
    S_meas = resize_volume(data.batch(idx, store, 1)[0], gw, gh).numpy()        # (N,K,4,gh,gw)
    first = torch.zeros(len(idx), 1, dtype=torch.long)                           # one slice: only the image is kept
    cond = data.batch(idx, (cfg.grid_h, cfg.grid_w), cfg.cond_factor, k=first)[1]  # (N,3,h*f,w*f)
    images = torch.nn.functional.interpolate(cond, size=(gh, gw), mode="bilinear", antialias=True,
                                             align_corners=False).numpy()       # I0 at the eval grid

    def to_eval(S):
        """Predictions (N,K,4,h,w) at a method's grid -> eval grid; coarser ones upsampled as --upsample says."""
        S = torch.as_tensor(S)
        if S.shape[-1] >= gw or args.upsample == "bilinear":
            return resize_volume(S, gw, gh).numpy()
        return np.stack([upsample_volume_guided(s, torch.from_numpy(im), gw, gh).numpy() for s, im in zip(S, images)])

    clips = [data.names[data.clip[i]] for i in keep]
    thresh = args.move_frac * gw
    moving = [amplitude(S) > thresh for S in S_meas]
    references = [phase_reference(S) for S in S_meas]
    measured = (f"measured on the moving pixels: x share {np.mean([r[0][m].mean() for r, m in zip(references, moving) if m.any()]):.2f}, "
                f"coherence {np.mean([r[1][m].mean() for r, m in zip(references, moving) if m.any()]):.2f}")
    print(f"{len(keep)} {args.split} windows from {len(set(clips))} clips at {gw}x{gh}; model {args.model} "
          f"({info['stage']}, step {info['step']}, {'latent' if info['vae'] else 'S itself'} at "
          f"{info['out_grid'][1]}x{info['out_grid'][0]}, DDIM from t={ddim_timesteps(cfg, 2)[0]})")

    oh, ow = info["out_grid"]
    preds = {"zero": [[np.zeros_like(s)] for s in S_meas],
             "texture": [[texture_energy_baseline(im, mean_power.numpy() * (gw / ow) ** 2, (gh, gw), np.random.default_rng(i))]
                         for i, im in enumerate(images)]}
    if info["vae"]:  # an upper bound for the latent variant: the measurement through its VAE and back
        vae, ls = info["vae"]
        Sv = torch.from_numpy(S_meas) if (gh, gw) == (vae.cfg.grid_h, vae.cfg.grid_w) else \
            resize_volume(data.batch(idx, store, 1)[0], vae.cfg.grid_w, vae.cfg.grid_h)
        with torch.no_grad():
            mean, _ = vae.encode(normalize(Sv, scales).flatten(0, 1))
            rt = denormalize(vae.decode(mean).view(Sv.shape), scales)
        preds["VAE round trip (measured)"] = [[o] for o in to_eval(rt)]
    if args.regressor:
        reg, rscales, _, rinfo = load_model(args.regressor)
        with torch.no_grad():
            out = to_eval(denormalize(sample_motion(reg, cond, *(rinfo["vae"] or ())), rscales))
        preds["regressor"] = [[o] for o in out]
    seconds = {}  # PyTorch seconds per still (guided, batched over the held-out windows): Swift's budget is 8 s
    if args.amplitude:  # amplitude priors see I0 at their input size (4x the eval grid); phases per seed
        from amplitude import load_amplitude, predict
        big = data.batch(idx, (gh, gw), 4, k=first)[1]
        for path, label in zip(args.amplitude, args.amplitude_label or [os.path.basename(os.path.dirname(p)) for p in args.amplitude]):
            amp, _ = load_amplitude(path)
            assert (amp.cfg.input_w, amp.cfg.input_h) == (4 * gw, 4 * gh), "amplitude priors are scored at 1/4 of their input"
            for views in args.view_sets or [None]:
                name = f"amplitude: {label}"
                if views is not None:
                    scales = views.partition(":flip")[0]
                    amp.cfg.test_scales, amp.cfg.test_flip = [float(v) for v in scales.split(",")], views.endswith(":flip")
                    name += f", views {views}"
                t0 = time.time()
                preds[name] = [[predict(amp, big[i], generator=torch.Generator().manual_seed(seed)).numpy()
                                for seed in range(args.seeds)] for i in range(len(keep))]
                seconds[name] = (time.time() - t0) / (args.seeds * len(keep))
                if args.amplitude_diffusion:
                    head_s = seconds[name]
                    t0 = time.time()
                    per = [[] for _ in keep]
                    for seed in range(args.seeds):
                        heads = np.stack([samples[seed] for samples in preds[name]])
                        out = amplitude_diffusion(model, scales, cond, heads, to_eval, torch.Generator().manual_seed(seed),
                                                  steps=args.steps[0], guidance=args.guidance)
                        for i, o in enumerate(out):
                            per[i].append(o)
                    preds[f"{name} + diffusion ({args.steps[0]} steps)"] = per
                    seconds[f"{name} + diffusion ({args.steps[0]} steps)"] = head_s + (time.time() - t0) / (args.seeds * len(keep))
    for steps in ([] if args.no_diffusion else args.steps):
        name = f"{args.label} ({steps} steps)"
        per = [[] for _ in keep]
        t0 = time.time()
        for seed in range(args.seeds):
            g = torch.Generator().manual_seed(seed)
            out = sample_motion(model, cond, *(info["vae"] or ()), steps=steps, guidance=args.guidance, generator=g)
            for i, o in enumerate(to_eval(denormalize(out, scales))):
                per[i].append(o)
        seconds[name] = (time.time() - t0) / (args.seeds * len(keep))
        preds[name] = per
        for wt in args.fuse_texture:
            preds[f"{name} x texture^{wt:g}"] = [[fuse_texture(o, preds["texture"][i][0], wt) for o in samples]
                                                 for i, samples in enumerate(per)]

    rows, per_clip_auc = [], {}
    for name, per in preds.items():
        by_clip = {}
        for i, samples in enumerate(per):
            ms = [window_metrics(s, S_meas[i], thresh, references[i]) for s in samples]
            agg = {key: np.mean([m[key] for m in ms if m[key] is not None]) if any(m[key] is not None for m in ms)
                   else None for key in ("auc", "spec", "calib", "xshare", "coh")}
            agg["div"] = diversity(samples)
            by_clip.setdefault(clips[i], []).append(agg)
        clip_mean = {c: {k: (np.mean([v[k] for v in vs if v[k] is not None]) if any(v[k] is not None for v in vs) else None)
                         for k in ("auc", "spec", "calib", "div", "xshare", "coh")} for c, vs in by_clip.items()}
        per_clip_auc[name] = {c: m["auc"] for c, m in clip_mean.items()}
        col = lambda k: [m[k] for m in clip_mean.values() if m[k] is not None]
        mean = lambda k: np.mean(col(k)) if col(k) else None
        rows.append({"method": name, "auc": mean("auc"), "auc_min": min(col("auc")) if col("auc") else None,
                     "spec": mean("spec"), "calib": np.median(col("calib")) if col("calib") else None,
                     "div": mean("div"), "xshare": mean("xshare"), "coh": mean("coh")})
    tex = per_clip_auc["texture"]
    fmt = lambda v, d=3: "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{d}f}"
    lines = ["| method | AUC mean | AUC worst clip | clips above texture | spectrum L1 | calibration | diversity "
             "| x-share error | coherence error | s/still |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        above = sum(1 for c, a in per_clip_auc[r["method"]].items() if a is not None and tex.get(c) is not None and a > tex[c])
        lines.append(f"| {r['method']} | {fmt(r['auc'])} | {fmt(r['auc_min'])} | {above}/{len(tex)} | {fmt(r['spec'])} "
                     f"| {fmt(r['calib'])} | {fmt(r['div'])} | {fmt(r['xshare'])} | {fmt(r['coh'])} "
                     f"| {fmt(seconds.get(r['method']), 2)} |")
    lines += ["", "| clip | " + " | ".join(per_clip_auc) + " |", "|---|" + "---|" * len(per_clip_auc)]
    for c in tex:
        lines.append(f"| {c} | " + " | ".join(fmt(per_clip_auc[m][c]) for m in per_clip_auc) + " |")
    table = "\n".join(lines)
    print(measured)
    print(table)
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.model)), "eval")
    os.makedirs(out, exist_ok=True)
    header = (f"{args.split}: {len(keep)} windows, {len(set(clips))} clips at {gw}x{gh} ({args.upsample} upsampling), "
              f"DDIM from t={ddim_timesteps(cfg, 2)[0]}; "
              f"moving = measured amplitude > "
              f"{thresh:.3f} grid px; guidance {args.guidance}; seeds {args.seeds}; model {args.model}; {measured}\n\n")
    open(os.path.join(out, "eval.md"), "w").write(header + table + "\n")
    json.dump({"rows": rows, "per_clip_auc": per_clip_auc}, open(os.path.join(out, "eval.json"), "w"), indent=1,
              default=lambda o: None if o is None else float(o))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        fk = np.arange(cfg.K) / 5.0
        ax.semilogy(fk, np.mean([power_spectrum(s) for s in S_meas], 0), "k-o", label="measured")
        for name, per in preds.items():
            if name != "zero":
                ax.semilogy(fk, np.mean([power_spectrum(s) for ss in per for s in ss], 0), label=name)
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel("mean power (grid px$^2$)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "spectra.png"), dpi=100)
        plt.close(fig)
    except ImportError:
        pass
    print(f"wrote {out}/eval.md, eval.json, spectra.png")


if __name__ == "__main__":
    main()
