"""Trains the motion prior in stages (paper sec. 4.2, frequency-coordinated denoising).

    python Training/train.py --config cpu --stage slice     --out Training/runs/cpu/slice
    python Training/train.py --config cpu --stage freq      --out Training/runs/cpu/freq --init Training/runs/cpu/slice/ckpt.pt
    python Training/train.py --config cpu --stage regressor --out Training/runs/cpu/regressor

slice:     the U-Net denoises one random frequency slice per window (G = 1), with k embedded.
freq:      loads `slice`, adds frequency attention (zero-initialised), freezes everything else and
           fine-tunes on whole windows (G = K): the slices now see each other.
regressor: the deterministic baseline, same network, predicts S' from I0 with an MSE loss.
vae:       the light VAE of the latent variant (vae.py): one normalized slice at 128x80 <-> a
           4-channel latent at 32x20. `slice`/`freq`/`regressor` with `--vae OUT/ckpt.pt` then
           work on latents (variant (a)); without it on S itself at the grid (variant (b)).

Each run writes OUT/ckpt.pt (model, EMA weights, config, normalization scales), OUT/loss.csv
(step, loss, smoothed loss, held-out loss, lr, seconds) and OUT/loss.png.

--device auto|cpu|cuda (auto: cuda when available). Under torchrun (distributed.py) every rank
draws its batches from its own shard of the training windows with its own random stream, DDP
averages the gradients (the effective batch is world x batch), and rank 0 alone evaluates, logs
and writes OUT. The random draws (augmentation, noise, t) stay on the CPU generator on any device.
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
import torch.nn as nn

import distributed as D
from dataset import MotionData
from model import (CONFIGS, ModelConfig, UNet, add_frequency_attention, count_params, normalization_scales,
                   normalize, training_loss)
from vae import VAE, VAEConfig, encode_slices, vae_from, vae_loss

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
                                      ckpt_every=100, ema=0.99),
             "vae": TrainConfig(steps=100, batch=8, lr=1e-3, warmup=10, log_every=10, eval_every=50, ckpt_every=100,
                                ema=0.99)},
    # 2 h on the 2-core CPU in all (PLATFORM-NOTES timings, 2 threads): slice ~60 min,
    # freq ~35 min (0.37 s x 2 windows of 16 slices per step is ~0.8 s), regressor ~15 min.
    "cpu": {"slice": TrainConfig(steps=14000, max_minutes=65),
            "freq": TrainConfig(steps=2500, lr=1e-4, warmup=100, max_minutes=35),
            "regressor": TrainConfig(steps=4000, max_minutes=15),
            "vae": TrainConfig(steps=4000, lr=1e-3, warmup=100, lr_min=1e-4, crop_min=0.8, max_minutes=25)},
    "gpu": {"slice": TrainConfig(steps=60000, batch=64, lr=2e-4, eval_every=2000, ckpt_every=5000),
            "freq": TrainConfig(steps=20000, batch=64, freq_windows=8, lr=1e-4, eval_every=2000, ckpt_every=5000),
            "regressor": TrainConfig(steps=20000, batch=64, lr=2e-4, eval_every=2000, ckpt_every=5000),
            "vae": TrainConfig(steps=20000, batch=64, lr=1e-3, lr_min=1e-4, eval_every=2000, ckpt_every=5000)},
}

VAE_CONFIGS = {"tiny": VAEConfig(grid_w=32, grid_h=20, base=8, mults=(1, 2), groups=4),  # latent 16x10
               "cpu": VAEConfig(), "gpu": VAEConfig(grid_w=256, grid_h=160, base=32, mults=(1, 2, 2))}


def lr_at(step, tc):
    if step < tc.warmup:
        return tc.lr * (step + 1) / tc.warmup
    p = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
    return tc.lr_min + 0.5 * (tc.lr - tc.lr_min) * (1 + math.cos(math.pi * min(p, 1.0)))


class Space:
    """Where a model lives: S itself at the model grid, or a VAE's latent (then S' is handled at the
    VAE's grid and encoded slice by slice). Knows the data grid and how to turn S' slices into x0."""

    def __init__(self, cfg, vae=None, latent_scale=1.0):
        self.vae, self.latent_scale = vae, latent_scale
        self.grid = (vae.cfg.grid_h, vae.cfg.grid_w) if vae else (cfg.grid_h, cfg.grid_w)
        self.cond_factor = cfg.grid_w * cfg.cond_factor // self.grid[1]   # I0 stays at grid * cond_factor

    @torch.no_grad()
    def to_x0(self, Sn, generator=None):
        return encode_slices(self.vae, Sn, self.latent_scale, generator) if self.vae else Sn


def load_vae(path):
    """(VAE, latent scale, scales, mean_power) from a `--stage vae` checkpoint."""
    ck = torch.load(path, weights_only=False)
    return (*vae_from(ck["vae_config"], ck["ema"], ck["latent_scale"]), ck["scales"], ck["mean_power"])


def make_batch(data, idx, cfg, scales, G, generator, tc, augment=True, space=None):
    """x0 (B, G, c, h, w) (normalized slices, or their latents), k (B, G), image (B, 3, h*f, w*f)."""
    space = space or Space(cfg)
    B, (H, W) = len(idx), space.grid
    if G == cfg.K:
        k, pick = torch.arange(cfg.K).repeat(B, 1), None
    else:
        k = pick = torch.randint(0, cfg.K, (B, G), generator=generator)
    S, image = data.batch(idx, space.grid, space.cond_factor, generator,
                          crop_min=tc.crop_min if augment else 1.0, flip=tc.flip and augment, k=pick)
    x0 = normalize(S, scales, pick)                                       # (B, G, 4, H, W)
    return space.to_x0(x0, generator), k, image


def center_volumes(data, grid_hw):
    """Raw S of every window, centre (full) crop at grid_hw: (N, K, 4, h, w)."""
    out = []
    for i in range(0, len(data), 64):
        idx = torch.arange(i, min(i + 64, len(data)))
        out.append(data.batch(idx, grid_hw, 1)[0])
    return torch.cat(out)


class OnDevice:
    """A module on a GPU called from CPU tensors: its arguments go to its device, its results come
    back to the CPU. model.training_loss / vae.vae_loss / encode_slices draw noise, t and dropout on
    the CPU generator, so they run unchanged (and draw the same numbers) with the network on a GPU."""

    def __init__(self, module, device):
        self.module, self.device = module, device

    @property
    def cfg(self):
        return self.module.cfg

    def _run(self, fn, *args):
        return D.to_device(fn(*D.to_device(args, self.device)), "cpu")

    def __call__(self, *args):
        return self._run(self.module, *args)

    def encode(self, x):
        return self._run(self.module.encode, x)

    def decode(self, z):
        return self._run(self.module.decode, z)

    def eval(self):
        self.module.eval()
        return self

    def train(self, mode=True):
        self.module.train(mode)
        return self


def on_device(module, device):
    """module itself on the CPU (single-process CPU runs are unchanged), else an OnDevice."""
    return module if torch.device(device).type == "cpu" else OnDevice(module, device)


def stage_loss(model, batch, generator=None):
    """The loss of one batch: DDPM / regression for the U-Net, reconstruction + KL for the VAE."""
    if isinstance(getattr(model, "module", model), VAE):
        x0 = batch[0]
        return vae_loss(model, x0.reshape(-1, *x0.shape[2:]), generator)[0]
    return training_loss(model, *batch, generator=generator)


class StageLoss(nn.Module):
    """The stage's loss as one module, so DistributedDataParallel sees a forward per step."""

    def __init__(self, model, device):
        super().__init__()
        self.model, self.device = model, device

    def forward(self, batch, generator):
        return stage_loss(on_device(self.model, self.device), batch, generator=generator)


@torch.no_grad()
def heldout_loss(model, fixed):
    """Mean loss over fixed held-out batches (fixed noise/t/dropout via a seeded generator)."""
    if not fixed:
        return float("nan")
    model.eval()
    tot = 0.0
    for batch in fixed:
        tot += float(stage_loss(model, batch, generator=torch.Generator().manual_seed(1234)))
    model.train()
    return tot / len(fixed)


@torch.no_grad()
def latent_scale_of(vae, data, scales, tc, n=16):
    """1 / std of the VAE's latent means over n training windows' slices (LDM's scale factor)."""
    g = torch.Generator().manual_seed(5)
    x0, _, _ = make_batch(data, torch.randperm(len(data), generator=g)[:n], ModelConfig(K=data.K), scales, data.K,
                          g, tc, augment=False, space=Space(ModelConfig(K=data.K, grid_w=vae.cfg.grid_w,
                                                                        grid_h=vae.cfg.grid_h, cond_factor=1)))
    mean, _ = vae.encode(x0.reshape(-1, *x0.shape[2:]))
    return float(1 / mean.std().clamp_min(1e-6))


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


def build_model(stage, cfg, tc, data, init=None, vae_path=None):
    """(model, cfg, space, scales, mean_power, G, B, extra checkpoint fields) for a stage.
    init: the loaded checkpoint dict to start from (or None)."""
    if stage == "freq":
        assert init, "the freq stage starts from a slice checkpoint (--init)"
        ck = init
        base = UNet(ModelConfig.from_dict(ck["model_config"]))
        base.load_state_dict(ck["ema"])
        model = add_frequency_attention(base)
        extra = {k: ck[k] for k in ("vae_config", "vae_state", "latent_scale") if k in ck}
        space = Space(model.cfg, *(vae_from(extra["vae_config"], extra["vae_state"], extra["latent_scale"])
                                   if extra else ()))
        return model, model.cfg, space, ck["scales"], ck["mean_power"], model.cfg.K, tc.freq_windows, extra
    if stage == "vae":  # cfg is a VAEConfig
        model, space = VAE(cfg), Space(ModelConfig(K=data.K, grid_w=cfg.grid_w, grid_h=cfg.grid_h, cond_factor=1))
        extra = {"vae_config": cfg.to_dict()}
    else:
        cfg = ModelConfig.from_dict({**cfg.to_dict(), "kind": "regressor" if stage == "regressor" else "diffusion",
                                     "freq_attn": False})
        model = UNet(cfg)
        if init:
            model.load_state_dict(init["ema"])
        extra = {}
        if vae_path:
            vae, ls, scales, mean_power = load_vae(vae_path)
            extra = {"vae_config": vae.cfg.to_dict(), "vae_state": vae.state_dict(), "latent_scale": ls}
            return model, cfg, Space(cfg, vae, ls), scales, mean_power, 1, tc.batch, extra
        space = Space(cfg)
    raw = center_volumes(data, space.grid)                                # (N, K, 4, h, w)
    scales = torch.from_numpy(normalization_scales(list(raw.numpy())))
    mean_power = (raw ** 2).sum(2).mean((0, 2, 3))                        # (K,) for the texture baseline
    return model, cfg, space, scales, mean_power, 1, tc.batch, extra


def train(stage, cfg, tc: TrainConfig, data: MotionData, out_dir, heldout: MotionData = None,
          init=None, vae_path=None, verbose=True, device="cpu"):
    """Runs one stage; returns (ema model (on the CPU), path of ckpt.pt, list of logged losses).
    cfg: a model.ModelConfig, or for stage "vae" a vae.VAEConfig. device: "cpu", "cuda", "auto".
    Inside a torchrun process group (distributed.init) each rank trains on its shard of the
    windows; only rank 0 evaluates, logs and writes out_dir."""
    ctx = D.context(device)
    dev, main_rank = ctx.device, ctx.is_main
    verbose = verbose and main_rank
    torch.manual_seed(tc.seed)
    gen = torch.Generator().manual_seed(tc.seed + 1000003 * ctx.rank)      # rank 0: the single-process stream
    K = getattr(cfg, "K", data.K)
    data.use_frequencies(K)
    if heldout is not None:
        heldout.use_frequencies(K)
    if main_rank:
        os.makedirs(out_dir, exist_ok=True)
    init = torch.load(init, weights_only=False, map_location="cpu") if init else None   # loaded once: can be large
    latent = stage == "vae" or vae_path or (stage == "freq" and init is not None and "vae_config" in init)
    if not latent:  # S itself at the model grid: low-pass the store to twice the grid once
        for d in (data, heldout) if heldout is not None else (data,):
            d.resample_store(2 * cfg.grid_w, 2 * cfg.grid_h)
    model, cfg, space, scales, mean_power, G, B, extra = build_model(stage, cfg, tc, data, init, vae_path)
    bcfg = cfg if isinstance(cfg, ModelConfig) else ModelConfig(K=K)     # what make_batch needs: K
    extra = D.to_cpu(extra)
    model.to(dev)
    if space.vae is not None:                                             # the frozen VAE encodes batches
        space.vae = on_device(space.vae.to(dev), dev)
    ema = copy.deepcopy(model).eval()
    step_loss = D.ddp(StageLoss(model, dev), ctx)                        # DDP: rank 0's weights everywhere
    D.broadcast_module(ema, ctx)
    if ctx.distributed:
        torch.manual_seed(tc.seed + 1000003 * ctx.rank)                  # dropout masks differ per rank
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay)
    if verbose:
        print(f"stage {stage}{' (latent)' if space.vae else ''}: {count_params(model)} params "
              f"({count_params(model, True)} trainable), {len(data)} train windows, batch {B} x {G} slices, "
              f"data grid {space.grid[1]}x{space.grid[0]}, {tc.steps} steps, scales {[round(float(s), 4) for s in scales]}"
              + (f", device {dev}" if dev.type != "cpu" else "")
              + (f", {ctx.world} ranks ({ctx.backend}): effective batch {ctx.world * B}" if ctx.distributed else ""))
    fixed = []
    if heldout is not None and len(heldout) and main_rank:
        g2 = torch.Generator().manual_seed(99)
        for i in range(0, min(len(heldout), 64), max(B, 1)):
            idx = torch.arange(i, min(i + B, len(heldout)))
            fixed.append(make_batch(heldout, idx, bcfg, scales, G, g2, tc, augment=False, space=space))
    csv_path = os.path.join(out_dir, "loss.csv")
    f = w = None
    if main_rank:
        f = open(csv_path, "w", newline="")
        w = csv.writer(f)
        w.writerow(["step", "loss", "loss_smooth", "heldout", "lr", "seconds"])
    smooth, losses, t0 = None, [], time.time()
    pool = torch.from_numpy(D.shard(len(data), ctx))                   # this rank's windows (all: one process)

    def save(step):
        ck = {"model_config": cfg.to_dict(), "train_config": asdict(tc), "stage": stage, "step": step,
              "state": model.state_dict(), "ema": ema.state_dict(), "scales": scales, "mean_power": mean_power,
              "train_clips": sorted(set(data.names[c] for c in data.clip)), **extra}
        if stage == "vae":
            ck["latent_scale"] = latent_scale_of(on_device(ema, dev), data, scales, tc)
        torch.save(D.to_cpu(ck), os.path.join(out_dir, "ckpt.pt"))           # CPU tensors: loads anywhere

    step = 0
    for step in range(1, tc.steps + 1):
        lr = lr_at(step - 1, tc)
        for g in opt.param_groups:
            g["lr"] = lr
        idx = pool[torch.randint(0, len(pool), (B,), generator=gen)]
        loss = step_loss(make_batch(data, idx, bcfg, scales, G, gen, tc, space=space), gen)
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
        if tc.max_minutes:
            last = D.agree(last, ctx)                                      # rank 0's clock: all stop together
        if (step % tc.log_every == 0 or step == 1 or last) and main_rank:
            ho = heldout_loss(on_device(ema, dev), fixed) if (step % tc.eval_every == 0 or last) else float("nan")
            w.writerow([step, f"{lv:.5f}", f"{smooth:.5f}", "" if math.isnan(ho) else f"{ho:.5f}", f"{lr:.2e}",
                        f"{time.time() - t0:.1f}"])
            f.flush()
            if verbose:
                print(f"step {step:6d}  loss {lv:.4f}  smooth {smooth:.4f}" + ("" if math.isnan(ho) else f"  held-out {ho:.4f}")
                      + f"  lr {lr:.1e}  {time.time() - t0:.0f} s", flush=True)
        if step % tc.ckpt_every == 0 and main_rank:
            save(step)
        if last:
            break
    D.write_check(params, ctx)                                            # GID_DDP_CHECK (tests)
    if main_rank:
        save(step)
        f.close()
        plot_losses(csv_path, os.path.join(out_dir, "loss.png"))
    if verbose:
        print(f"done: {step} steps in {time.time() - t0:.0f} s -> {os.path.join(out_dir, 'ckpt.pt')}")
    return ema.cpu(), os.path.join(out_dir, "ckpt.pt"), losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="cpu", choices=sorted(CONFIGS))
    p.add_argument("--stage", default="slice", choices=["slice", "freq", "regressor", "vae"])
    p.add_argument("--data", default=os.path.join(HERE, "data", "dataset.npz"))
    p.add_argument("--out", required=True)
    p.add_argument("--init", help="checkpoint to start from (required for --stage freq)")
    p.add_argument("--vae", help="a --stage vae checkpoint: train slice/regressor in its latent space (variant (a))")
    p.add_argument("--steps", type=int, help="override the config's steps")
    p.add_argument("--max-minutes", type=float, help="override the config's wall-time limit")
    p.add_argument("--threads", type=int, default=1, help="torch threads (2 = the whole dev machine)")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda; under torchrun "
                   "each rank takes cuda:LOCAL_RANK")
    args = p.parse_args()
    ctx = D.init(args.device)
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
    cfg = VAE_CONFIGS[args.config] if args.stage == "vae" else CONFIGS[args.config]
    train(args.stage, cfg, tc, data, args.out, heldout=held, init=args.init, vae_path=args.vae, device=args.device)
    D.cleanup(ctx)


if __name__ == "__main__":
    main()
