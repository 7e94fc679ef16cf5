"""Trains the amplitude-first prior (amplitude.py) on the data set of dataset.py.

    Training/.venv/bin/python Training/train_amplitude.py --out Training/runs/amp --steps 1000
    Training/.venv/bin/python Training/train_amplitude.py --out Training/runs/amp-tex --no-features   # ablation

First the fixed part: AlexNet's taps get their whitened PCA projections (amplitude.fit_projection,
the top --learn-proj components of each), then every training window is put through it --variants
times (the window as it is, then randomly cropped (16:10, 60-100% of the side), mirrored and
colour-jittered) and the projected taps and targets are cached at the taps' own sizes (about 2 MB
a variant). Each step then trains a learned 1x1 projection of each tap to 16 channels (starting
at the first 16 components; TapProjection) and the head, on patches of a batch of cached
variants, with rectangles of other variants pasted in (cutmix): log-L1 on the per-frequency
amplitudes plus a ranking loss within each picture (amplitude.loss). At the end the learned
projection is folded into the model's fixed one, so the model file and the Swift engine do not
change. With --learn-proj 0 the projection stays the first 16 components and the cache holds
the head's inputs at the grid size (as do --texture and --no-features). Every --eval-every steps the held-out clips are scored (moving-region
AUC per clip, as evaluate.py); the last weights are kept in OUT/ckpt.pt with the config, the
loss curve in OUT/loss.csv.

--device auto|cpu|cuda (auto: cuda when available): AlexNet, the projections and the head run
there; the cache stays in CPU memory and each batch is moved. Under torchrun
(distributed.py, Training/README.md) each rank caches only its shard of the training windows
(indices rank::world), DDP averages the head's and the projection's gradients (effective batch world x --batch), and
rank 0 alone scores the held-out clips, prints and writes OUT.
"""
import argparse
import csv
import json
import math
import os
import time
import types
from dataclasses import replace

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import distributed as D
from amplitude import AmpConfig, AmplitudeNet, amplitude_caps, amplitude_reference, cached_targets, fit_projection, loss, total_score
from dataset import MotionData
from evaluate import auc
from features import AlexNetFeatures
from surfaces import paste as paste_surfaces

HERE = os.path.dirname(os.path.abspath(__file__))


def jitter(image, generator):
    """Brightness, contrast, saturation and gamma, each drawn per picture; image (B, 3, H, W) 0..1."""
    B = image.shape[0]
    r = lambda lo, hi: lo + (hi - lo) * torch.rand(B, 1, 1, 1, generator=generator)
    grey = image.mean(1, keepdim=True)
    image = grey + (image - grey) * r(0.6, 1.4)                            # saturation
    m = image.mean((1, 2, 3), keepdim=True)
    image = m + (image - m) * r(0.7, 1.3)                                  # contrast
    image = image * r(0.7, 1.3)                                            # brightness
    return image.clamp(0, 1) ** r(0.8, 1.25)                              # gamma


def build_cache(encode, cfg, data, variants, generator, crop_min, batch=8, windows=None, device="cpu", surfaces=0.0):
    """(inputs, targets (N, K + 3, h, w) fp16, clip (N,)) over `variants` passes of the windows
    `windows` (default all; a rank's shard under torchrun): the windows as they are, then randomly
    cropped, mirrored, given a static surface with probability `surfaces` (surfaces.py) and
    colour-jittered. encode(image on `device`) gives a batch's inputs, a tensor (head_inputs) or a
    list of tensors (projected_taps), kept fp16 on the CPU."""
    grid = (cfg.input_h // 4, cfg.input_w // 4)
    windows = torch.arange(len(data)) if windows is None else torch.as_tensor(windows)
    inputs, cached, clips = [], [], []
    for v in range(variants):
        for b in range(0, len(windows), batch):
            idx = windows[b:b + batch]
            if v == 0:
                S, image = data.batch(idx, grid, 4)
            else:
                S, image = data.batch(idx, grid, 4, generator=generator, crop_min=crop_min, flip=True)
                if surfaces > 0:
                    image, S = paste_surfaces(image, S, generator, surfaces)
                image = jitter(image, generator)
            with torch.no_grad():
                inputs.append(encode(image.to(device)))
            cached.append(cached_targets(S).half())
            clips.append(torch.as_tensor(data.clip[idx.numpy()]))
    inputs = [torch.cat(t) for t in zip(*inputs)] if isinstance(inputs[0], list) else torch.cat(inputs)
    return inputs, torch.cat(cached), torch.cat(clips).numpy()


def head_inputs(model):
    """The head's inputs at the grid size (fixed projection, texture cue)."""
    return lambda image: model.inputs(image).half().cpu()


def projected_taps(pca):
    """Each tap after pca's projection, at the tap's own size (for TapProjection)."""
    def encode(image):
        taps = pca.alexnet(image)
        return [pca.proj[j](taps[i]).half().cpu() for j, i in enumerate(pca.cfg.taps)]
    return encode


class TapProjection(nn.Module):
    """--learn-proj: each tap's projection learned on its top n whitened principal components
    (fitted as before), starting at the fixed projection (the first cfg.proj components). PCA is
    linear, so fold() writes the product into model.proj and the model file keeps its format; the
    1x1 projection commutes with the bilinear resize, so the taps are cached at their own size."""

    def __init__(self, n, out, count):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(n, out, 1) for _ in range(count)])
        with torch.no_grad():
            for c in self.convs:
                c.weight.zero_()
                c.weight[:, :, 0, 0] = torch.eye(out, n)
                c.bias.zero_()

    def forward(self, taps, grid):
        return torch.cat([F.interpolate(c(t), size=grid, mode="bilinear", align_corners=False)
                          for c, t in zip(self.convs, taps)], 1)

    def fold(self, pca, model):
        """model.proj[j] = this projection after pca.proj[j] (one 1x1 convolution from the raw tap)."""
        with torch.no_grad():
            for c, src, dst in zip(self.convs, pca.proj, model.proj):
                L = c.weight[:, :, 0, 0].double().cpu()
                dst.weight.copy_((L @ src.weight[:, :, 0, 0].double().cpu()).float()[:, :, None, None])
                dst.bias.copy_((L @ src.bias.double().cpu() + c.bias.double().cpu()).float())


def cutmix(x, y, p, generator):
    """With probability p per picture, a rectangle (1/4-1/2 of each side) of another picture in the
    batch pasted in, inputs and targets alike: the ranking loss then also ranks one scene's moving
    pixels above another's still ones, so the head learns what moves, not where in a picture."""
    B, _, h, w = x.shape
    x, y = x.clone(), y.clone()
    other = torch.randperm(B, generator=generator)
    for b in torch.nonzero(torch.rand(B, generator=generator) < p).squeeze(1).tolist():
        rh, rw = (int(s * (0.25 + 0.25 * torch.rand(1, generator=generator).item())) for s in (h, w))
        i, j = torch.randint(h - rh + 1, (1,), generator=generator).item(), torch.randint(w - rw + 1, (1,), generator=generator).item()
        o = other[b].item()
        x[b, :, i:i + rh, j:j + rw] = x[o, :, i:i + rh, j:j + rw]
        y[b, :, i:i + rh, j:j + rw] = y[o, :, i:i + rh, j:j + rw]
    return x, y


def patches(X, Y, idx, size, generator):
    """Random size x size patches of the cached maps (the head is local: its receptive field is
    2 x layers + 1 grid pixels), so a step costs a fraction of whole windows."""
    h, w = X.shape[-2:]
    size = min(size, h, w)
    ys = torch.randint(h - size + 1, (len(idx),), generator=generator)
    xs = torch.randint(w - size + 1, (len(idx),), generator=generator)
    x = torch.stack([X[i, :, a:a + size, b:b + size] for i, a, b in zip(idx.tolist(), ys.tolist(), xs.tolist())])
    y = torch.stack([Y[i, :, a:a + size, b:b + size] for i, a, b in zip(idx.tolist(), ys.tolist(), xs.tolist())])
    return x.float(), y.float()


class Head(nn.Module):
    """The trainable head of an AmplitudeNet as a module of its own (forward = model.head), for
    DistributedDataParallel: its parameters are the head's only, not AlexNet's or the projection's."""

    def __init__(self, model):
        super().__init__()
        self.mix, self.convs, self.out = model.mix, model.convs, model.out   # shared with model
        if hasattr(model, "tex_gain"):
            self.tex_gain = model.tex_gain
        self._model = [model]                                                # not a submodule

    def forward(self, x):
        return self._model[0].head(x)


def validation_clips(names, clips):
    """Training clips kept out for choosing settings (--val): the middle clip, by name, of each
    category with at least three training clips. The held-out clips are never used for that."""
    by_cat = {}
    for c in sorted(set(clips), key=lambda c: names[c]):
        by_cat.setdefault(names[c].split("__")[0], []).append(c)
    return {cs[len(cs) // 2] for cs in by_cat.values() if len(cs) >= 3}


def heldout_auc(model, inputs, cached, clips, names, device="cpu"):
    """Mean over held-out clips of the per-window moving-region AUC (centre crop, no jitter)."""
    K = model.cfg.K
    model.eval()
    with torch.no_grad():
        score = torch.cat([total_score(model.head(inputs[b:b + 16].float().to(device))[0]).cpu()
                           for b in range(0, len(inputs), 16)])
    model.train()
    total = cached[:, K + 1].float()
    thresh = 0.003 * total.shape[-1]
    per_clip = {}
    for c in sorted(set(clips)):
        a = [auc(score[i].numpy(), (total[i] > thresh).numpy()) for i in np.flatnonzero(clips == c)]
        a = [v for v in a if v is not None]
        if a:
            per_clip[names[c]] = float(np.mean(a))
    return float(np.mean(list(per_clip.values()))), per_clip


def short(per_clip):
    return ", ".join(f"{k.split('__')[1][:12]} {v:.2f}" for k, v in per_clip.items())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.path.join(HERE, "data", "dataset.npz"))
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--variants", type=int, default=3, help="cached passes over the training windows (1 = no augmentation)")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--patch", type=int, default=64, help="training patch side on the output grid")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--rank-weight", type=float, default=1.0)
    p.add_argument("--direction-weight", type=float, default=0.2, help="weight of the x-share (direction) loss")
    p.add_argument("--crop-min", type=float, default=0.6)
    p.add_argument("--surfaces", type=float, default=0.6, help="share of augmented variants given a synthetic "
                   "static surface (boards, bricks; surfaces.py) with zero motion under it (0: none)")
    p.add_argument("--no-features", action="store_true", help="texture cue only (ablation)")
    p.add_argument("--texture", action="store_true", help="the texture cue as an input too, also added to log A_k (ablation)")
    p.add_argument("--no-texture-skip", action="store_true", help="with --texture: no direct texture term (ablation)")
    p.add_argument("--learn-proj", type=int, default=64, metavar="N", help="learn each tap's projection on its top N "
                   "whitened principal components (at most 64; 0: the fixed projection, the first 16 of them; "
                   "features alone, not with --texture)")
    p.add_argument("--proj-lr", type=float, default=0.2, help="the learned projection's learning rate, times --lr")
    p.add_argument("--cutmix", type=float, default=0.5, help="share of training patches with a rectangle of another pasted in")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--cache", help="file keeping the cached inputs between runs (single process; same data and --variants)")
    p.add_argument("--val", action="store_true", help="train without validation_clips() and score them (for choosing settings)")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--max-minutes", type=float, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda; under torchrun "
                   "each rank takes cuda:LOCAL_RANK")
    args = p.parse_args()
    if not 0 <= args.surfaces <= 1:
        p.error(f"--surfaces {args.surfaces}: a share, 0 to 1")
    ctx = D.init(args.device)
    dev, main_rank = ctx.device, ctx.is_main
    say = print if main_rank else (lambda *a, **k: None)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed + 1000003 * ctx.rank)   # rank 0: the single-process stream
    if main_rank:
        os.makedirs(args.out, exist_ok=True)

    train = MotionData(args.data, "train")
    held = MotionData(args.data, "heldout")
    cfg = AmpConfig(K=train.K, features=not args.no_features, hidden=args.hidden, layers=args.layers,
                    texture=args.texture or args.no_features, texture_skip=not args.no_texture_skip,
                    dropout=args.dropout)
    model = AmplitudeNet(cfg, AlexNetFeatures.pretrained() if cfg.features else None).to(dev)
    t0 = time.time()
    grid = (cfg.input_h // 4, cfg.input_w // 4)
    pca = projector = None
    if cfg.features and args.learn_proj and not cfg.texture:   # model.proj is set by the fold at the end
        pca = AmplitudeNet(replace(cfg, proj=args.learn_proj), model.alexnet).to(dev)
        projector = TapProjection(args.learn_proj, cfg.proj, len(cfg.taps)).to(dev)
    encoder = pca if pca is not None else model
    encode = projected_taps(pca) if pca is not None else head_inputs(model)
    if cfg.features:
        sample = torch.from_numpy(np.unique(np.linspace(0, len(train) - 1, 96).round().astype(int)))
        fit_projection(encoder, train.batch(sample, grid, 4)[1].to(dev))
        D.broadcast_module(encoder.proj, ctx)          # the cache of every rank sees the same projection
    mine = D.shard(len(train), ctx)                    # this rank's training windows (all: one process)
    if args.cache and os.path.exists(args.cache) and not ctx.distributed:
        c = torch.load(args.cache, weights_only=False)
        X, Y, clips, HX, HY, hclips = (c[k] for k in ("X", "Y", "clips", "HX", "HY", "hclips"))
        assert c.get("surfaces", 0.0) == args.surfaces, f"{args.cache} was made with --surfaces {c.get('surfaces', 0.0)}"
        assert isinstance(X, list) == (pca is not None), f"{args.cache} was made with{'out' if pca is not None else ''} --learn-proj"
        if pca is not None:
            pca.proj.load_state_dict(c["pca"])
        else:
            if cfg.features:
                model.proj.load_state_dict(c["proj"])
            elif X.shape[1] > 1:   # a cache made with features: the texture cue is its last channel
                X, HX = X[:, -1:], HX[:, -1:]
            if cfg.features and not cfg.texture and X.shape[1] > cfg.proj * len(cfg.taps):
                X, HX = X[:, :-1], HX[:, :-1]
        say(f"cache read from {args.cache}")
    else:
        X, Y, clips = build_cache(encode, cfg, train, args.variants, g, args.crop_min, windows=mine, device=dev,
                                  surfaces=args.surfaces)
        if main_rank:
            HX, HY, hclips = build_cache(encode, cfg, held, 1, g, 1.0, device=dev)
        if args.cache and not ctx.distributed:
            torch.save({"X": X, "Y": Y, "clips": clips, "HX": HX, "HY": HY, "hclips": hclips, "surfaces": args.surfaces,
                        "proj": model.proj.state_dict() if cfg.features and pca is None else None,
                        "pca": pca.proj.state_dict() if pca is not None else None}, args.cache)
    if args.val and main_rank:   # score validation clips instead of the held-out ones; train without them
        val = validation_clips(train.names, clips)
        first = np.flatnonzero(np.isin(clips, list(val)))[:len(np.flatnonzero(np.isin(train.clip, list(val))))]
        HX = [t[first] for t in X] if pca is not None else X[first]
        HY, hclips, held = Y[first], clips[first], train
        say("validation clips (not trained on): " + ", ".join(sorted(train.names[c] for c in val)))
    elif args.val:
        val = validation_clips(train.names, clips)
    cfg.log_amp_cap = amplitude_caps(Y, cfg.K)          # this rank's shard: close enough to all's
    cfg.amp_reference = amplitude_reference(Y[:len(Y) // args.variants], cfg.K)   # the windows as they are
    head = D.ddp(Head(model), ctx)                     # DDP broadcasts rank 0's head to every rank
    trainer = types.SimpleNamespace(cfg=cfg, head=head) if ctx.distributed else model
    groups = [{"params": [p for p in model.parameters() if p.requires_grad], "scale": 1.0}]
    if projector is not None:
        project = D.ddp(projector, ctx)
        groups.append({"params": list(projector.parameters()), "scale": args.proj_lr})
    params = [p for group in groups for p in group["params"]]

    def held_inputs():
        if projector is None:
            return HX
        with torch.no_grad():
            return torch.cat([projector([t[b:b + 16].float().to(dev) for t in HX], grid).cpu()
                              for b in range(0, len(HY), 16)])
    say(f"{len(train)} training windows from {len(set(train.clip))} clips ({len(Y)} cached variants"
        + (f" on each of {ctx.world} ranks, {ctx.backend}" if ctx.distributed else "") + f"), "
        f"{len(held)} held out from {len(set(held.clip))}; {sum(p.numel() for p in params)} trainable "
        f"parameters; cache built in {time.time() - t0:.0f} s" + (f"; device {dev}" if dev.type != "cpu" else ""),
        flush=True)
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)
    if main_rank:
        log = open(os.path.join(args.out, "loss.csv"), "w", newline="")
        w = csv.writer(log)
        w.writerow(["step", "loss", "l1", "bce", "rank", "heldout_auc", "seconds"])
    # Windows are drawn so that every clip is seen about equally often (long clips give more windows).
    counts = np.bincount(clips)
    weights = torch.tensor(1.0 / counts[clips], dtype=torch.float64)
    if args.val:
        weights[torch.from_numpy(np.isin(clips, list(val)))] = 0
    t0 = time.time()
    for step in range(1, args.steps + 1):
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for group in opt.param_groups:
            group["lr"] = lr * group["scale"]
        idx = torch.multinomial(weights, args.batch, replacement=True, generator=g)
        if projector is None:
            x, y = patches(X, Y, idx, args.patch, g)
        else:                                          # whole windows through the projection, then patches
            x, y = patches(project([t[idx].float().to(dev) for t in X], grid), Y[idx], torch.arange(len(idx)), args.patch, g)
        if args.cutmix > 0:
            x, y = cutmix(x, y, args.cutmix, g)
        total, parts = loss(trainer, x.to(dev), y.to(dev), generator=g, rank_weight=args.rank_weight,
                            direction_weight=args.direction_weight)
        opt.zero_grad()
        total.backward()
        opt.step()
        if main_rank:                                  # rank 0 logs its own batch's loss and scores held-out
            row = [step, total.item(), parts["l1"], parts["bce"], parts["rank"], "", round(time.time() - t0, 1)]
            if step % args.eval_every == 0 or step == args.steps:
                mean, per = heldout_auc(model, held_inputs(), HY, hclips, held.names, dev)
                row[5] = round(mean, 4)
                print(f"step {step}: loss {total.item():.3f} (l1 {parts['l1']:.3f} rank {parts['rank']:.3f}) held-out "
                      f"AUC {mean:.3f} [{short(per)}] {time.time() - t0:.0f} s", flush=True)
            w.writerow(row)
        if args.max_minutes and D.agree(time.time() - t0 > 60 * args.max_minutes, ctx):   # rank 0's clock
            say(f"stopping at step {step}: --max-minutes {args.max_minutes}")
            break
    D.write_check(params, ctx)                         # GID_DDP_CHECK (tests): each rank's checksum
    if main_rank:
        log.close()
        if projector is not None:
            projector.fold(pca, model)
        state = {k: v for k, v in model.state_dict().items() if not k.startswith("alexnet.")}  # AlexNet: features.py
        torch.save({"kind": "amplitude", "config": cfg.to_json(), "head": D.to_cpu(state), "step": step,
                    "train_clips": sorted({train.names[c] for c in train.clip})}, os.path.join(args.out, "ckpt.pt"))
        print(f"wrote {args.out}/ckpt.pt ({time.time() - t0:.0f} s)")
    D.cleanup(ctx)


if __name__ == "__main__":
    main()
