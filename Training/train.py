"""Trains the motion prior in stages (paper sec. 4.2, frequency-coordinated denoising).

    python Training/train.py --config cpu --stage slice     --out Training/runs/cpu/slice
    python Training/train.py --config cpu --stage freq      --out Training/runs/cpu/freq --init Training/runs/cpu/slice/ckpt.pt
    python Training/train.py --config cpu --stage regressor --out Training/runs/cpu/regressor

slice:     the U-Net denoises one random frequency slice per window (G = 1), with k embedded.
freq:      loads `slice`, adds frequency attention (zero-initialised), freezes everything else and
           fine-tunes on whole windows (G = K): the slices now see each other.
regressor: the deterministic baseline, same network, predicts S' from I0 with an MSE loss.

Each run writes OUT/ckpt.pt (model, EMA weights, config, normalization scales), OUT/loss.csv
(step, loss, smoothed loss, held-out loss, lr, seconds) and OUT/loss.png.
"""
import argparse
import copy
import csv
import math
import os
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from dataset import MotionData
from model import (CONFIGS, ModelConfig, UNet, add_frequency_attention, count_params, normalization_scales,
                   normalize, training_loss)

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class TrainConfig:
    steps: int = 14000          # slice stage at ~0.26 s/step on 2 cores: ~60 min (PLATFORM-NOTES A32)
    batch: int = 16             # windows per step; slice/regressor: one slice each
    freq_windows: int = 2       # windows per step in the freq stage (x K slices each = 32 slices)
    lr: float = 3e-4            # AdamW; small U-Net, small data: the usual 1e-4 is slow to converge in 2 h
    warmup: int = 200           # linear warm-up steps, then cosine decay to lr_min
    lr_min: float = 3e-5
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    ema: float = 0.999          # EMA of weights, used for sampling; ramps up as (1+s)/(10+s)
    crop_min: float = 0.6       # random 16:10 crops of 60-100% of the width, resampled to the grid
    flip: bool = True           # horizontal flips (x coefficients negated)
    log_every: int = 50
    eval_every: int = 500       # held-out loss on fixed windows, noise and timesteps
    ckpt_every: int = 1000
    max_minutes: float = 0      # stop early after this wall time (0 = no limit)
    seed: int = 0


TRAIN_CONFIGS = {
    "tiny": {"slice": TrainConfig(steps=200, batch=8, freq_windows=2, lr=1e-3, warmup=10, log_every=10, eval_every=50,
                                  ckpt_every=100, ema=0.99),
             "freq": TrainConfig(steps=100, batch=8, freq_windows=2, lr=1e-3, warmup=10, log_every=10, eval_every=50,
                                 ckpt_every=100, ema=0.99),
             "regressor": TrainConfig(steps=200, batch=8, lr=1e-3, warmup=10, log_every=10, eval_every=50,
                                      ckpt_every=100, ema=0.99)},
    # 2 h on the 2-core CPU in all (PLATFORM-NOTES timings, 2 threads): slice ~60 min,
    # freq ~35 min (0.37 s x 2 windows of 16 slices per step is ~0.8 s), regressor ~15 min.
    "cpu": {"slice": TrainConfig(steps=14000, max_minutes=65),
            "freq": TrainConfig(steps=2500, lr=1e-4, warmup=100, max_minutes=35),
            "regressor": TrainConfig(steps=4000, max_minutes=15)},
    "gpu": {"slice": TrainConfig(steps=60000, batch=64, lr=2e-4, eval_every=2000, ckpt_every=5000),
            "freq": TrainConfig(steps=20000, batch=64, freq_windows=8, lr=1e-4, eval_every=2000, ckpt_every=5000),
            "regressor": TrainConfig(steps=20000, batch=64, lr=2e-4, eval_every=2000, ckpt_every=5000)},
}


def lr_at(step, tc):
    if step < tc.warmup:
        return tc.lr * (step + 1) / tc.warmup
    p = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
    return tc.lr_min + 0.5 * (tc.lr - tc.lr_min) * (1 + math.cos(math.pi * min(p, 1.0)))


def make_batch(data, idx, cfg, scales, G, generator, tc, augment=True):
    """Normalized x0 (B, G, 4, h, w), k (B, G), image (B, 3, h*f, w*f) for windows idx."""
    S, image = data.batch(idx, (cfg.grid_h, cfg.grid_w), cfg.cond_factor, generator,
                          crop_min=tc.crop_min if augment else 1.0, flip=tc.flip and augment)
    Sn = normalize(S, scales)                                             # (B, K, 4, h, w)
    B = len(idx)
    if G == cfg.K:
        k = torch.arange(cfg.K).repeat(B, 1)
    else:
        k = torch.randint(0, cfg.K, (B, G), generator=generator)
    x0 = torch.gather(Sn, 1, k.view(B, G, 1, 1, 1).expand(B, G, 4, cfg.grid_h, cfg.grid_w))
    return x0, k, image


def center_volumes(data, cfg):
    """Raw S of every window, centre (full) crop at the model grid: (N, K, 4, h, w)."""
    out = []
    for i in range(0, len(data), 64):
        idx = torch.arange(i, min(i + 64, len(data)))
        out.append(data.batch(idx, (cfg.grid_h, cfg.grid_w), cfg.cond_factor)[0])
    return torch.cat(out)


@torch.no_grad()
def heldout_loss(model, fixed):
    """Mean loss over fixed held-out batches (fixed noise/t/dropout via a seeded generator)."""
    if not fixed:
        return float("nan")
    model.eval()
    tot = 0.0
    for x0, k, image in fixed:
        tot += float(training_loss(model, x0, k, image, generator=torch.Generator().manual_seed(1234)))
    model.train()
    return tot / len(fixed)


def plot_losses(csv_path, png_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no loss.png")
        return
    rows = list(csv.DictReader(open(csv_path)))
    if not rows:
        return
    st = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(st, [float(r["loss"]) for r in rows], lw=0.5, alpha=0.4, label="train (batch)")
    ax.plot(st, [float(r["loss_smooth"]) for r in rows], lw=1.5, label="train (smoothed)")
    ev = [(s, float(r["heldout"])) for s, r in zip(st, rows) if r["heldout"] not in ("", "nan")]
    if ev:
        ax.plot(*zip(*ev), "o-", label="held-out")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title(os.path.basename(os.path.dirname(os.path.abspath(csv_path))))
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def train(stage, cfg: ModelConfig, tc: TrainConfig, data: MotionData, out_dir, heldout: MotionData = None,
          init=None, verbose=True):
    """Runs one stage; returns (ema model, path of ckpt.pt, list of logged losses)."""
    torch.manual_seed(tc.seed)
    gen = torch.Generator().manual_seed(tc.seed)
    data.use_frequencies(cfg.K)
    if heldout is not None:
        heldout.use_frequencies(cfg.K)
    os.makedirs(out_dir, exist_ok=True)
    if stage == "freq":
        assert init, "the freq stage starts from a slice checkpoint (--init)"
        ck = torch.load(init, weights_only=False)
        base = UNet(ModelConfig.from_dict(ck["model_config"]))
        base.load_state_dict(ck["ema"])
        model = add_frequency_attention(base)
        cfg, scales, mean_power = model.cfg, ck["scales"], ck["mean_power"]
        G, B = cfg.K, tc.freq_windows
    else:
        cfg = ModelConfig.from_dict({**cfg.to_dict(), "kind": "regressor" if stage == "regressor" else "diffusion",
                                     "freq_attn": False})
        model = UNet(cfg)
        if init:
            model.load_state_dict(torch.load(init, weights_only=False)["ema"])
        raw = center_volumes(data, cfg)                                   # (N, K, 4, h, w)
        scales = torch.from_numpy(normalization_scales(list(raw.numpy())))
        mean_power = (raw ** 2).sum(2).mean((0, 2, 3))                    # (K,) for the texture baseline
        G, B = 1, tc.batch
    ema = copy.deepcopy(model).eval()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay)
    if verbose:
        print(f"stage {stage}: {count_params(model)} params ({count_params(model, True)} trainable), "
              f"{len(data)} train windows, batch {B} x {G} slices, {tc.steps} steps, scales {[round(float(s), 4) for s in scales]}")
    fixed = []
    if heldout is not None and len(heldout):
        g2 = torch.Generator().manual_seed(99)
        for i in range(0, min(len(heldout), 64), max(B, 1)):
            idx = torch.arange(i, min(i + B, len(heldout)))
            fixed.append(make_batch(heldout, idx, cfg, scales, G, g2, tc, augment=False))
    csv_path = os.path.join(out_dir, "loss.csv")
    f = open(csv_path, "w", newline="")
    w = csv.writer(f)
    w.writerow(["step", "loss", "loss_smooth", "heldout", "lr", "seconds"])
    smooth, losses, t0 = None, [], time.time()

    def save(step):
        torch.save({"model_config": cfg.to_dict(), "train_config": asdict(tc), "stage": stage, "step": step,
                    "state": model.state_dict(), "ema": ema.state_dict(), "scales": scales,
                    "mean_power": mean_power, "train_clips": sorted(set(data.names[c] for c in data.clip))},
                   os.path.join(out_dir, "ckpt.pt"))

    step = 0
    for step in range(1, tc.steps + 1):
        lr = lr_at(step - 1, tc)
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, len(data), (B,), generator=gen)
        x0, k, image = make_batch(data, idx, cfg, scales, G, gen, tc)
        loss = training_loss(model, x0, k, image, generator=gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, tc.grad_clip)
        opt.step()
        d = min(tc.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - d)
        lv = loss.item()
        losses.append(lv)
        smooth = lv if smooth is None else 0.98 * smooth + 0.02 * lv
        last = step == tc.steps or (tc.max_minutes and time.time() - t0 > 60 * tc.max_minutes)
        if step % tc.log_every == 0 or step == 1 or last:
            ho = heldout_loss(ema, fixed) if (step % tc.eval_every == 0 or last) else float("nan")
            w.writerow([step, f"{lv:.5f}", f"{smooth:.5f}", "" if math.isnan(ho) else f"{ho:.5f}", f"{lr:.2e}",
                        f"{time.time() - t0:.1f}"])
            f.flush()
            if verbose:
                print(f"step {step:6d}  loss {lv:.4f}  smooth {smooth:.4f}" + ("" if math.isnan(ho) else f"  held-out {ho:.4f}")
                      + f"  lr {lr:.1e}  {time.time() - t0:.0f} s", flush=True)
        if step % tc.ckpt_every == 0:
            save(step)
        if last:
            break
    save(step)
    f.close()
    plot_losses(csv_path, os.path.join(out_dir, "loss.png"))
    if verbose:
        print(f"done: {step} steps in {time.time() - t0:.0f} s -> {os.path.join(out_dir, 'ckpt.pt')}")
    return ema, os.path.join(out_dir, "ckpt.pt"), losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="cpu", choices=sorted(CONFIGS))
    p.add_argument("--stage", default="slice", choices=["slice", "freq", "regressor"])
    p.add_argument("--data", default=os.path.join(HERE, "data", "dataset.npz"))
    p.add_argument("--out", required=True)
    p.add_argument("--init", help="checkpoint to start from (required for --stage freq)")
    p.add_argument("--steps", type=int, help="override the config's steps")
    p.add_argument("--max-minutes", type=float, help="override the config's wall-time limit")
    p.add_argument("--threads", type=int, default=1, help="torch threads (2 = the whole dev machine)")
    p.add_argument("--seed", type=int)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    tc = copy.deepcopy(TRAIN_CONFIGS[args.config][args.stage])
    if args.steps:
        tc.steps = args.steps
    if args.max_minutes is not None:
        tc.max_minutes = args.max_minutes
    if args.seed is not None:
        tc.seed = args.seed
    data = MotionData(args.data, "train")
    held = MotionData(args.data, "heldout")
    train(args.stage, CONFIGS[args.config], tc, data, args.out, heldout=held, init=args.init)


if __name__ == "__main__":
    main()
