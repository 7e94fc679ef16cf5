"""Writes resample-golden.safetensors: sample.py's post-processing (cond resize, image-guided
upsampling, resize_volume) on fixed inputs, and one whole sample.py `predict` (the shipped model,
3 guided DDIM steps from the golden noise) on a small picture, for Tests/PriorTests (the model
goldens stop at ddim.S).

    Training/.venv/bin/python Tests/PriorTests/Fixtures/make_resample_fixture.py
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "Training"))
from dataset import resize_volume  # noqa: E402
from upsample import upsample_volume_guided  # noqa: E402
from export import load_model  # noqa: E402
from model import denormalize, sample  # noqa: E402

g = load_file(os.path.join(ROOT, "Models", "gid-prior-diffusion.golden.safetensors"))
S = g["ddim.S"][0][[0, 15]].contiguous()          # (2, 4, 20, 32): two slices of a real sample, grid pixels
h, w = S.shape[-2:]
out = {"S": S}
for name, (H, W) in {"small": (60, 100), "large": (120, 210)}.items():
    yy, xx = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
    image = torch.stack([xx, yy, ((xx * 7).floor() + (yy * 5).floor()) % 2 * 0.8 + 0.1 * torch.sin(20 * xx)])  # edges + ramps
    cond = F.interpolate(image[None], size=(80, 128), mode="bilinear", antialias=True, align_corners=False)[0]
    up = upsample_volume_guided(S, image, min(W, 4 * w), min(H, 4 * h))
    full = resize_volume(up, W, H)
    out.update({f"{name}.image": image.contiguous(), f"{name}.cond": cond.contiguous(), f"{name}.S": full.contiguous()})

# sample.py predict() with the golden noise instead of a torch generator: still 48x30 (not 16:10).
torch.set_num_threads(1)
model, scales, _, _ = load_model(os.path.join(ROOT, "Models", "gid-prior-diffusion.safetensors"))
H, W = 30, 48
yy, xx = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
image = torch.stack([0.5 + 0.5 * torch.sin(9 * xx), yy, ((xx * 5).floor() % 2) * 0.7 + 0.1])
cond = F.interpolate(image[None], size=(80, 128), mode="bilinear", antialias=True, align_corners=False)
with torch.no_grad():
    Sn = sample(model, cond, steps=3, guidance=1.5, noise=g["ddim.noise"])
    S = denormalize(Sn[0], scales)
    S = resize_volume(upsample_volume_guided(S, image, min(W, 4 * 32), min(H, 4 * 20)), W, H)
out.update({"predict.image": image.contiguous(), "predict.noise": g["ddim.noise"][0].contiguous(), "predict.S": S.contiguous()})
save_file(out, os.path.join(HERE, "resample-golden.safetensors"))
print({k: tuple(v.shape) for k, v in out.items()})
