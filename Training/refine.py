"""Learned refinement for the renderer (issue 6's optional part): a tiny CNN that turns the softmax
splat, the average splat and I0 into the rendered frame.

    gid-filter bench --render-pairs Training/data/render-pairs          # training pictures
    gid-filter bench --render-pairs Training/data/render-pairs-test \\
        --clip candle__candle_closeup_light4israel.mkv ...               # the benchmark's clips
    python Training/refine.py --train Training/data/render-pairs --test Training/data/render-pairs-test \\
        --out Models/gid-refine-default.safetensors

Why this shape: on real clips with measured motion, softmax splatting (which trusts W to order
surfaces) and average splatting (which hedges) are within 0.1 dB of each other, each ahead where
the other's guess is wrong (Benchmarks/render/README.md). The network sees both and I0 and
outputs a per-pixel mix of the two plus a small residual:

    out = m * soft + (1 - m) * avg + g * r,   (m, r) = net(soft, avg, I0),  g = moved(soft, avg, I0)

so it starts close to the average splat (the better of the two on most clips) and learns from there. Training pairs come
from clips that are not in the benchmark (`BenchRenderPairs.heldOut`), the test pictures from the
benchmark's clips; both with measured fields (`m`) and their K=16 version (`k`).
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

CHANNELS = 16


class Refiner(nn.Module):
    """Four 3x3 convolutions (9 -> 16 -> 16 -> 16 -> 4), ReLU between: m = sigmoid(o[0]), r = o[1:4]."""

    def __init__(self, ch=CHANNELS):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(9, ch, 3, padding=1), nn.Conv2d(ch, ch, 3, padding=1),
                                    nn.Conv2d(ch, ch, 3, padding=1), nn.Conv2d(ch, 4, 3, padding=1)])
        nn.init.zeros_(self.convs[-1].weight)   # starts as 0.12 soft + 0.88 avg: near the hedge
        nn.init.zeros_(self.convs[-1].bias)
        with torch.no_grad():
            self.convs[-1].bias[0] = -2.0

    def forward(self, soft, avg, i0):  # each (B, 3, H, W), 0..1
        h = torch.cat([soft, avg, i0], 1) - 0.5
        for conv in self.convs[:-1]:
            h = F.relu(conv(h))
        o = self.convs[-1](h)
        m = torch.sigmoid(o[:, :1])
        return m * soft + (1 - m) * avg + moved(soft, avg, i0) * o[:, 1:]


def moved(soft, avg, i0):
    """(B, 1, H, W) in 0..1: how much the renders differ from I0 (1 from a mean change of 0.05).
    The residual is gated by it: where nothing moved there is nothing to correct, and a residual
    there only learns the training clips' exposure flicker (it cost 7 dB on a still backdrop)."""
    d = (soft - i0).abs().mean(1, keepdim=True) + (avg - i0).abs().mean(1, keepdim=True)
    return (20 * d).clamp(max=1)


def load_png(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


def load_set(folder):
    """[(name, t, variant, soft, avg, i0, real)] as uint8 (H, W, 3) arrays."""
    items = []
    for real_path in sorted(glob.glob(os.path.join(folder, "*-real.png"))):
        prefix = real_path[:-len("-real.png")]
        clip, t = os.path.basename(prefix).rsplit("-t", 1)
        i0 = load_png(os.path.join(folder, f"{clip}-I0.png"))
        real = load_png(real_path)
        for v in ("m", "k"):
            items.append((clip, int(t), v, load_png(f"{prefix}-{v}-soft.png"), load_png(f"{prefix}-{v}-avg.png"), i0, real))
    return items


def to_tensor(a):
    return torch.from_numpy(a).permute(2, 0, 1).float() / 255


def batch(items, size, crop, gen):
    """Random crops (and flips) of random items: four (B, 3, crop, crop) tensors."""
    out = [[], [], [], []]
    for _ in range(size):
        it = items[int(torch.randint(len(items), (1,), generator=gen))]
        h, w = it[3].shape[:2]
        y = int(torch.randint(h - crop + 1, (1,), generator=gen))
        x = int(torch.randint(w - crop + 1, (1,), generator=gen))
        flip = bool(torch.rand(1, generator=gen) < 0.5)
        for k, a in enumerate(it[3:]):
            t = to_tensor(a[y:y + crop, x:x + crop])
            out[k].append(t.flip(-1) if flip else t)
    return [torch.stack(o) for o in out]


def psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(1 / mse)


@torch.no_grad()
def evaluate(model, items, border=8):
    """Per clip and variant: mean PSNR of soft, avg and refined against the real frame (8-bit output)."""
    rows = {}
    for clip, t, v, soft, avg, i0, real in items:
        s, a, i, r = (to_tensor(x)[None] for x in (soft, avg, i0, real))
        out = (model(s, a, i).clamp(0, 1) * 255).round() / 255
        crop = (slice(None), slice(None), slice(border, -border), slice(border, -border))
        rows.setdefault((clip, v), []).append([psnr(x[crop], r[crop]) for x in (s, a, out)])
    return {k: np.mean(v, 0) for k, v in rows.items()}


def report(scores):
    lines = ["| clip | motion | soft | avg | refined | refined - avg |", "|---|---|---|---|---|---|"]
    for (clip, v), (s, a, r) in sorted(scores.items()):
        lines.append(f"| {clip} | {'measured' if v == 'm' else 'K=16'} | {s:.2f} | {a:.2f} | {r:.2f} | {r - a:+.3f} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--out", required=True, help=".safetensors to write")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=96)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    train, test = load_set(args.train), load_set(args.test)
    print(f"{len(train)} training pictures from {len({x[0] for x in train})} clips, {len(test)} test pictures")
    model = Refiner()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.steps)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        soft, avg, i0, real = batch(train, args.batch, args.crop, gen)
        # Mean log MSE (= mean PSNR up to a constant): every crop counts alike, a clean candle as
        # much as a flickering fire, whose larger errors would otherwise decide every update.
        mse = ((model(soft, avg, i0) - real) ** 2).mean((1, 2, 3))
        loss = torch.log(mse + 1e-6).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == 1:
            print(f"step {step} loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    scores = evaluate(model, test)
    print(report(scores))
    tensors = {f"conv{i}.{k}": v.detach().contiguous() for i, c in enumerate(model.convs) for k, v in c.state_dict().items()}
    meta = {"format": "gid-refine", "version": "1", "channels": str(CHANNELS),
            "train": json.dumps(sorted({x[0] for x in train})), "steps": str(args.steps)}
    save_file(tensors, args.out + ".tmp", metadata=meta)
    os.replace(args.out + ".tmp", args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
