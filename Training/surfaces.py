"""Synthetic static surfaces for training the amplitude prior: boards (decks, piers, siding) and
bricks / tiles seen in perspective, pasted into a training picture with zero motion under them.

The real clips teach what moves but rarely show a man-made surface beside moving nature, so the
prior read sunlit deck planks as wave crests (bright parallel stripes move in the beach clips).
A pasted surface is static by construction: its S is set to zero under it (faded with its soft
edge), so the ranking loss puts the scene's moving pixels above it. train_amplitude.py pastes one
into a share of the augmented variants (`--surfaces`), before the colour jitter.
"""
import math

import torch
import torch.nn.functional as F


def _u(g, lo=0.0, hi=1.0):
    return lo + (hi - lo) * torch.rand(1, generator=g).item()


def pattern(g, size=256):
    """(3, size, size) texture on the canonical square: boards across x with dark gaps between
    them, a shade per board, grain along them; in a third of the draws also staggered joints
    along the boards (bricks, tiles)."""
    v = torch.linspace(0, 1, size)[:, None].expand(size, size)
    u = torch.linspace(0, 1, size)[None, :].expand(size, size)
    n = int(_u(g, 4, 16))
    pos = u * n
    board = pos.floor().long().clamp(max=n)
    frac = pos - pos.floor()
    gap = _u(g, 0.02, 0.12)
    wood = _u(g) < 0.6
    base = torch.tensor([0.55, 0.38, 0.24]) if wood else torch.full((3,), 0.5)
    base = (base * _u(g, 0.5, 1.5) + 0.16 * (torch.rand(3, generator=g) - 0.5)).clamp(0.05, 0.95)
    shade = (1 + 0.35 * (torch.rand(n + 1, generator=g) - 0.5))[board]
    grain = torch.zeros(size, size)
    for _ in range(3):
        phase = (torch.rand(n + 1, generator=g) * 2 * math.pi)[board]
        grain += 0.06 * torch.sin(2 * math.pi * _u(g, 4, 40) * v + phase + 3 * frac)
    joints = torch.zeros(size, size)
    if _u(g) < 0.3:
        rows = int(_u(g, 3, 12))
        joints = (((v * rows + (board % 2) * 0.5) % 1) < gap).float()
    dark = _u(g, 0.1, 0.5)
    gaps = ((frac < gap).float() + joints).clamp(max=1)
    return (base[:, None, None] * (shade + grain)[None] * (1 - (1 - dark) * gaps)[None]).clamp(0, 1)


def homography(src, dst):
    """3x3 H with dst ~ H src, from four point pairs (4, 2)."""
    A, b = [], []
    for (x, y), (u, v) in zip(src.tolist(), dst.tolist()):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    h = torch.linalg.solve(torch.tensor(A, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
    return torch.cat([h, torch.ones(1, dtype=torch.float64)]).view(3, 3).float()


def surface(g, H, W):
    """(texture (3, H, W), alpha (H, W)): a rectangle of boards in perspective (its far edge
    25-100% of its near one), rotated, somewhere in the picture, its edge feathered over 5 px."""
    cx, cy = _u(g, -0.6, 0.6), _u(g, -0.4, 0.6)
    sx, sy, far = _u(g, 0.3, 0.9), _u(g, 0.2, 0.6), _u(g, 0.25, 1.0)
    a = _u(g, -0.6, 0.6) + (math.pi / 2 if _u(g) < 0.3 else 0.0)
    quad = torch.tensor([[-sx * far, -sy], [sx * far, -sy], [sx, sy], [-sx, sy]])
    rot = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    quad = quad @ rot.T + torch.tensor([cx, cy])
    square = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    inv = torch.linalg.inv(homography(square, quad))
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, H), torch.linspace(-1, 1, W), indexing="ij")
    P = torch.stack([xs, ys, torch.ones_like(xs)], -1) @ inv.T
    U, V = P[..., 0] / P[..., 2], P[..., 1] / P[..., 2]
    inside = ((U.abs() <= 1) & (V.abs() <= 1)).float()
    tex = F.grid_sample(pattern(g)[None], torch.stack([U, V], -1)[None], mode="bilinear",
                        padding_mode="border", align_corners=True)[0]
    lx, ly, strength = _u(g, -0.5, 0.5), _u(g, -0.5, 0.5), _u(g, 0, 0.8)   # a sunlit sheen
    tex = (tex * (1 + strength * torch.exp(-((xs - lx) ** 2 + (ys - ly) ** 2) / 0.2))).clamp(0, 1)
    if _u(g) < 0.5:                                                        # out of focus
        tex = F.avg_pool2d(tex[None], 5, 1, 2)[0]
    return tex, F.avg_pool2d(inside[None, None], 5, 1, 2)[0, 0]


def paste(image, S, generator, p):
    """image (B, 3, Hi, Wi) 0..1, S (B, K, 4, h, w) raw: with probability p per picture a surface
    over it, S faded to zero under it. Returns new tensors."""
    B, _, Hi, Wi = image.shape
    image, S = image.clone(), S.clone()
    for b in range(B):
        if _u(generator) >= p:
            continue
        tex, alpha = surface(generator, Hi, Wi)
        image[b] = image[b] * (1 - alpha) + tex * alpha
        S[b] = S[b] * (1 - F.interpolate(alpha[None, None], size=S.shape[-2:], mode="area")[0, 0])
    return image, S
