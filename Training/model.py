"""The motion prior: frequency-adaptive normalization, a U-Net over one frequency slice, frequency
attention, DDPM training loss, DDIM sampling with classifier-free guidance, and two baselines.

Paper section 4.2, sized for a 2-core CPU (../shared/design/PLATFORM-NOTES.md "Sizing the
prior"). The paper diffuses in a VAE latent at 256x160; we diffuse S itself, downsampled to a
small grid (32x20 for the `cpu` config), which the notes measured to fit a 2 h CPU training run.

Shapes used throughout (B = windows in a batch, G = frequency slices per window, K = all slices):
    x      (B, G, 4, h, w)   a normalized slice per (window, frequency): [Re x, Re y, Im x, Im y]
    k      (B, G)            which frequency each slice is (0..K-1)
    t      (B,)              diffusion step, shared by the slices of a window
    image  (B, 3, h*f, w*f)  I0 in 0..1 at cond_factor f times the grid
Stage 1 ("slice") trains with G = 1: every sample is one random slice, no frequency attention.
Stage 2 ("freq") uses G = K, freezes stage 1 and trains only the attention across G.
"""
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from vae import decode_slices


@dataclass
class ModelConfig:
    K: int = 16                  # frequencies kept, f_k = k/T; the paper found 16 enough (sec. 4.1)
    grid_w: int = 32             # motion grid; 16:10 like the paper's 256x160, 8x smaller per side
    grid_h: int = 20
    cond_factor: int = 4         # I0 enters at 4x the grid (128x80) folded into 3*4*4 = 48 channels by
                                 # pixel_unshuffle: texture detail the 32x20 grid alone would blur away
    base: int = 32               # channels at the top level ("A32" in PLATFORM-NOTES)
    mults: tuple = (1, 2, 2)     # channel multipliers per level: 32x20 -> 16x10 -> 8x5
    res_blocks: int = 1          # residual blocks per level going down (+1 going up, as in LDM's U-Net)
    spatial_attn: bool = True    # self-attention over pixels at the lowest level only (cheap at 8x5)
    heads: int = 4
    freq_attn: bool = False      # attention across the K slices ("F"); switched on for stage 2
    freq_attn_levels: tuple = (0, 1, 2)  # levels that get it (the middle block always does)
    groups: int = 8              # GroupNorm groups
    dropout: float = 0.0         # a few thousand windows and ~1M params: augmentation is the regulariser
    kind: str = "diffusion"      # or "regressor": the deterministic baseline, same network
    timesteps: int = 1000        # DDPM steps in training; sampling uses DDIM with far fewer
    schedule: str = "cosine"     # cosine (Nichol & Dhariwal): better than linear at low resolution
    cond_drop: float = 0.1       # P(train without I0), enables classifier-free guidance
    x0_clip: float = 4.0         # DDIM clamps predicted x0: |S'| = 1 is the 95th percentile, 4 is 16x it
    t_max: int = -1              # DDIM's first step (-1 = timesteps - 1). The cosine schedule's last
                                 # steps have alpha_bar ~ 0, where x0 = (x - eps sqrt(1-a)) / sqrt(a)
                                 # is noise / ~0: on S' (rms ~0.1-0.3) that first estimate sits at the
                                 # clamp and drags the whole trajectory there. Starting lower (set by
                                 # evaluate.py --split train --t-max N on training windows) avoids it.

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @staticmethod
    def from_dict(d):
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        return ModelConfig(**d)


CONFIGS = {
    # For tests: a few thousand parameters, runs in milliseconds.
    "tiny": ModelConfig(K=4, grid_w=16, grid_h=10, cond_factor=2, base=8, mults=(1, 2), res_blocks=1,
                        heads=2, groups=4, freq_attn_levels=(0, 1), timesteps=100),
    # A32F of PLATFORM-NOTES (1.06M params: 0.92M stage 1 + 0.14M frequency attention, 4.3 MB):
    # ~19k steps of batch 16 in 2 h on the 2-core CPU, ~7 s for 50 guided DDIM steps in Swift.
    "cpu": ModelConfig(),
    # For a GPU: 64x40 grid, 4 levels, 2 blocks, ~8.2M params (33 MB, under the 50 MB).
    # Far over the Swift 8 s CPU inference budget: a GPU-side experiment, not the shipped default.
    "gpu": ModelConfig(grid_w=64, grid_h=40, cond_factor=4, base=64, mults=(1, 2, 2, 2), res_blocks=2,
                       freq_attn_levels=(1, 2, 3), dropout=0.1),
}


# ----------------------------------------------------------------------------------------------
# Frequency-adaptive normalization (paper eq. 4), exactly as Sources/SpectralVolume/Normalization.swift

def swift_percentile(values, p):
    """numpy's default (linear) percentile computed as Swift's NormalizationStats.percentile does:
    sorted v, h = (n-1) p / 100, v[lo] + (h - lo) (v[lo+1] - v[lo]) in float64."""
    v = np.sort(np.asarray(values, dtype=np.float32).ravel())
    if v.size == 0:
        return float("nan")
    h = (v.size - 1) * p / 100.0
    lo = int(math.floor(h))
    hi = min(lo + 1, v.size - 1)
    a, b = float(v[lo]), float(v[hi])
    return a + (h - lo) * (b - a)


def normalization_scales(volumes, percentile=95.0):
    """s_k from raw volumes (any iterable of (K,4,H,W) arrays): the percentile of the complex
    moduli |S_k[axis, y, x]| (float32 sqrt(re*re + im*im), x and y pooled); 0 -> 1. Returns (K,) f32."""
    volumes = [np.asarray(v, dtype=np.float32) for v in volumes]
    K = volumes[0].shape[0]
    scales = []
    for k in range(K):
        mags = [np.sqrt(v[k, 0:2] * v[k, 0:2] + v[k, 2:4] * v[k, 2:4]).ravel() for v in volumes]  # re: ch 0,1; im: 2,3
        s = np.float32(swift_percentile(np.concatenate(mags), percentile))
        scales.append(s if (s > 0 and np.isfinite(s)) else np.float32(1))
    return np.array(scales, dtype=np.float32)


def normalize(S, scales, k=None):
    """S' = sign(S) sqrt(|S| / s_k) on every real and imaginary part. S (..., K, 4, h, w) torch, scales (K,).
    With k (B, G) the slices' frequencies, S is (B, G, 4, h, w)."""
    s = scales.to(S)
    s = s.view(-1, 1, 1, 1) if k is None else s[k].view(*k.shape, 1, 1, 1)
    m = torch.sqrt(S.abs() / s)
    return torch.where(S < 0, -m, m)


def denormalize(Sn, scales, k=None):
    """S = sign(S') S'^2 s_k. With k (B, G) the slices' frequencies, Sn is (B, G, 4, h, w)."""
    s = scales.to(Sn)
    s = s.view(-1, 1, 1, 1) if k is None else s[k].view(*k.shape, 1, 1, 1)
    m = Sn * Sn * s
    return torch.where(Sn < 0, -m, m)


# ----------------------------------------------------------------------------------------------
# Network

def timestep_embedding(t, dim):
    """Sinusoidal embedding (N,) -> (N, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, with the (timestep + frequency) embedding added in between."""

    def __init__(self, cin, cout, emb_dim, groups, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):  # x (N, cin, h, w), emb (N, emb_dim) -> (N, cout, h, w)
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[:, :, None, None]
        h = self.conv2(self.drop(F.silu(self.norm2(h))))
        return self.skip(x) + h


class SpatialAttention(nn.Module):
    """Self-attention over the h*w pixels of each slice."""

    def __init__(self, ch, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch)
        self.attn = nn.MultiheadAttention(ch, heads, batch_first=True)

    def forward(self, x):  # (N, C, h, w)
        N, C, H, W = x.shape
        y = self.norm(x).flatten(2).transpose(1, 2)          # (N, h*w, C)
        y, _ = self.attn(y, y, y, need_weights=False)
        return x + y.transpose(1, 2).reshape(N, C, H, W)


class FrequencyAttention(nn.Module):
    """Attention across the G slices of a window at each pixel (paper Fig. 3, red box).

    The output projection starts at zero, so adding these layers to a trained stage-1 network
    leaves its output unchanged until fine-tuning moves them.
    """

    def __init__(self, ch, heads, K):
        super().__init__()
        self.norm = nn.LayerNorm(ch)
        self.pos = nn.Parameter(torch.zeros(K, ch))           # which frequency a token is
        self.attn = nn.MultiheadAttention(ch, heads, batch_first=True)
        nn.init.zeros_(self.attn.out_proj.weight)
        nn.init.zeros_(self.attn.out_proj.bias)

    def forward(self, x, k, G):  # x (B*G, C, h, w), k (B*G,) -> same shape
        if G == 1:
            return x  # one slice: nothing to coordinate (and the output would be unchanged anyway)
        N, C, H, W = x.shape
        B = N // G
        y = x.view(B, G, C, H * W).permute(0, 3, 1, 2).reshape(B * H * W, G, C)  # (B*h*w, G, C)
        pos = self.pos[k.view(B, G)]                                              # (B, G, C)
        y = self.norm(y) + pos.repeat_interleave(H * W, dim=0)
        y, _ = self.attn(y, y, y, need_weights=False)
        y = y.view(B, H * W, G, C).permute(0, 2, 3, 1).reshape(N, C, H, W)
        return x + y


class Level(nn.Module):
    """res_blocks ResBlocks, each optionally followed by frequency attention."""

    def __init__(self, cin, cout, n, cfg, emb_dim, fattn):
        super().__init__()
        self.blocks = nn.ModuleList(
            ResBlock(cin if i == 0 else cout, cout, emb_dim, cfg.groups, cfg.dropout) for i in range(n))
        self.fattn = nn.ModuleList(FrequencyAttention(cout, cfg.heads, cfg.K) for _ in range(n)) if fattn else None

    def forward(self, h, emb, k, G):
        for i, b in enumerate(self.blocks):
            h = b(h, emb)
            if self.fattn is not None:
                h = self.fattn[i](h, k, G)
        return h


class UNet(nn.Module):
    """Denoiser eps(x_t, t, k, I0) for slices of S' (or, as `regressor`, x0(I0, k) directly)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        C, f = cfg.base, cfg.cond_factor
        emb_dim = 4 * C
        self.t_mlp = nn.Sequential(nn.Linear(C, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.k_emb = nn.Embedding(cfg.K, emb_dim)                   # frequency embedding
        self.inp = nn.Conv2d(4 + 3 * f * f, C, 3, padding=1)        # noisy slice ++ unshuffled I0
        chans = [C * m for m in cfg.mults]
        fa = lambda lvl: cfg.freq_attn and lvl in cfg.freq_attn_levels
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        cin = C
        for lvl, ch in enumerate(chans):
            self.down.append(Level(cin, ch, cfg.res_blocks, cfg, emb_dim, fa(lvl)))
            self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1) if lvl < len(chans) - 1 else nn.Identity())
            cin = ch
        self.mid1 = ResBlock(cin, cin, emb_dim, cfg.groups, cfg.dropout)
        self.mid_attn = SpatialAttention(cin, cfg.heads, cfg.groups) if cfg.spatial_attn else nn.Identity()
        self.mid_fattn = FrequencyAttention(cin, cfg.heads, cfg.K) if cfg.freq_attn else None
        self.mid2 = ResBlock(cin, cin, emb_dim, cfg.groups, cfg.dropout)
        self.up = nn.ModuleList()
        for lvl in reversed(range(len(chans))):
            ch = chans[lvl]
            self.up.append(Level(cin + ch, ch, cfg.res_blocks + 1, cfg, emb_dim, fa(lvl)))  # skip concat
            cin = ch
        self.out_norm = nn.GroupNorm(cfg.groups, C)
        self.out = nn.Conv2d(C, 4, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, t, k, image):
        """x (B, G, 4, h, w), t (B,), k (B, G), image (B, 3, h*f, w*f) -> (B, G, 4, h, w)."""
        B, G, _, H, W = x.shape
        kf = k.reshape(B * G)
        emb = self.t_mlp(timestep_embedding(t, self.cfg.base)).repeat_interleave(G, 0) + self.k_emb(kf)  # (B*G, E)
        cond = F.pixel_unshuffle(image, self.cfg.cond_factor).repeat_interleave(G, 0)  # (B*G, 3f^2, h, w)
        h = self.inp(torch.cat([x.reshape(B * G, 4, H, W), cond], 1))                 # (B*G, C, h, w)
        skips = []
        for level, down in zip(self.down, self.downsample):
            h = level(h, emb, kf, G)
            skips.append(h)
            h = down(h)
        h = self.mid1(h, emb)
        h = self.mid_attn(h)
        if self.mid_fattn is not None:
            h = self.mid_fattn(h, kf, G)
        h = self.mid2(h, emb)
        for level in self.up:
            s = skips.pop()
            if h.shape[-2:] != s.shape[-2:]:
                h = F.interpolate(h, size=s.shape[-2:], mode="nearest")
            h = level(torch.cat([h, s], 1), emb, kf, G)
        return self.out(F.silu(self.out_norm(h))).view(B, G, 4, H, W)


def add_frequency_attention(model: UNet):
    """Stage 2: a new UNet with frequency attention, stage-1 weights copied in and frozen."""
    cfg = ModelConfig.from_dict({**model.cfg.to_dict(), "freq_attn": True})
    new = UNet(cfg)
    missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected and all(".fattn." in m or m.startswith("mid_fattn.") for m in missing), (missing, unexpected)
    for name, p in new.named_parameters():
        p.requires_grad = ".fattn." in name or name.startswith("mid_fattn.")
    return new


def count_params(model, trainable_only=False):
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# ----------------------------------------------------------------------------------------------
# Diffusion: DDPM training loss (eps-prediction), DDIM sampling, classifier-free guidance

def alphas_cumprod(cfg: ModelConfig):
    """(timesteps,) float64 cumulative products of (1 - beta)."""
    T = cfg.timesteps
    if cfg.schedule == "cosine":
        s = 0.008
        f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
        betas = [min(1 - f(i + 1) / f(i), 0.999) for i in range(T)]
    elif cfg.schedule == "linear":
        betas = np.linspace(1e-4 * 1000 / T, 0.02 * 1000 / T, T)
    else:
        raise ValueError(cfg.schedule)
    return torch.tensor(np.cumprod(1 - np.asarray(betas, dtype=np.float64)))


def training_loss(model, x0, k, image, generator=None):
    """One DDPM loss (paper eq. 3). x0 (B, G, 4, h, w) normalized clean slices; image (B, 3, ., .).

    Condition dropout: with probability cfg.cond_drop a window is shown without I0 (zeros), which
    trains the unconditional model classifier-free guidance needs.
    """
    cfg = model.cfg
    B = x0.shape[0]
    drop = torch.rand(B, generator=generator) < cfg.cond_drop
    image = torch.where(drop[:, None, None, None], torch.zeros_like(image), image)
    if cfg.kind == "regressor":  # predicts x0 from I0 alone: the mean of the posterior, no noise
        pred = model(torch.zeros_like(x0), torch.zeros(B, dtype=torch.long), k, image)
        return F.mse_loss(pred, x0)
    t = torch.randint(0, cfg.timesteps, (B,), generator=generator)
    ac = alphas_cumprod(cfg).float()[t].view(B, 1, 1, 1, 1)
    eps = torch.randn(x0.shape, generator=generator)
    xt = ac.sqrt() * x0 + (1 - ac).sqrt() * eps
    return F.mse_loss(model(xt, t, k, image), eps)


def ddim_timesteps(cfg, steps):
    """The DDIM walk, high to low: `steps` evenly spaced timesteps from t_max down to 0 (int64)."""
    t_max = cfg.timesteps - 1 if cfg.t_max < 0 else cfg.t_max
    return np.unique(np.round(np.linspace(0, t_max, steps)).astype(np.int64))[::-1].copy()


@torch.no_grad()
def sample(model, image, steps=50, guidance=1.5, generator=None, noise=None, trace=None, x0_hook=None):
    """DDIM (eta = 0) with classifier-free guidance. image (B, 3, h*f, w*f) -> S' (B, K, 4, h, w).

    Each step runs the network once on 2*B*K slices (conditional and unconditional together):
    eps = eps_uncond + guidance * (eps_cond - eps_uncond). guidance 1 = no guidance.
    `noise` (B, K, 4, h, w) fixes the start; `trace`, a list, receives x after each step;
    `x0_hook(x0)`, if given, replaces each step's predicted clean sample (replacement guidance, as
    evaluate.py's amplitude head + diffusion row does with the head's amplitudes).
    The walk starts at t_max (cfg.t_max, or the last timestep) from noise * sqrt(1 - alpha_bar(t_max)),
    i.e. x_t with x0 at its mean 0.
    """
    cfg = model.cfg
    B, K = image.shape[0], cfg.K
    k = torch.arange(K).repeat(B, 1)                                             # (B, K)
    if cfg.kind == "regressor":
        return model(torch.zeros(B, K, 4, cfg.grid_h, cfg.grid_w), torch.zeros(B, dtype=torch.long), k, image)
    x = noise.clone() if noise is not None else torch.randn(B, K, 4, cfg.grid_h, cfg.grid_w, generator=generator)
    ac = alphas_cumprod(cfg)
    ts = ddim_timesteps(cfg, steps)
    x = x * math.sqrt(1 - float(ac[ts[0]]))
    both = torch.cat([image, torch.zeros_like(image)]) if guidance != 1 else image
    for i, t in enumerate(ts):
        xin = torch.cat([x, x]) if guidance != 1 else x
        kin = torch.cat([k, k]) if guidance != 1 else k
        eps = model(xin, torch.full((xin.shape[0],), int(t), dtype=torch.long), kin, both)
        if guidance != 1:
            ec, eu = eps.chunk(2)
            eps = eu + guidance * (ec - eu)
        a_t = float(ac[t])
        a_prev = float(ac[ts[i + 1]]) if i + 1 < len(ts) else 1.0
        x0 = ((x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)).clamp(-cfg.x0_clip, cfg.x0_clip)
        if x0_hook is not None:
            x0 = x0_hook(x0).clamp(-cfg.x0_clip, cfg.x0_clip)
        x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
        if trace is not None:
            trace.append(x.clone())
    return x


def sample_motion(model, image, vae=None, latent_scale=1.0, **kw):
    """S' (B, K, 4, H, W) of either variant: sample() on S itself, or on latents then decoded per slice."""
    x = sample(model, image, **kw)
    if vae is None:
        return x
    with torch.no_grad():
        return decode_slices(vae, x, latent_scale)


# ----------------------------------------------------------------------------------------------
# The non-learned baseline

def texture_energy_baseline(image, mean_power, grid_hw, rng=None, sigma=1.0):
    """Local gradient energy of I0 as amplitude, with the training set's mean spectrum.

    image (3, H, W) 0..1 numpy; mean_power (K,) mean |S_k|^2 (axes pooled) of the raw training
    volumes at the grid; returns S (K, 4, h, w) raw, random phases (seeded), x and y equal.
    The amplitude map is scaled so its mean square matches the training set's.
    """
    rng = rng or np.random.default_rng(0)
    h, w = grid_hw
    g = image.mean(0)
    gy, gx = np.gradient(g)
    e = torch.from_numpy((gx * gx + gy * gy).astype(np.float32))[None, None]
    e = F.interpolate(e, size=(h, w), mode="bilinear", antialias=True, align_corners=False)[0, 0].numpy()
    e = np.sqrt(np.maximum(e, 0))
    e = e / max(np.sqrt((e * e).mean()), 1e-12)                          # mean square 1
    K = len(mean_power)
    phase = rng.uniform(0, 2 * np.pi, size=(K, 2, h, w))
    mag = np.sqrt(np.asarray(mean_power)[:, None, None, None] / 2) * e[None, None]  # per axis
    S = np.concatenate([mag * np.cos(phase), mag * np.sin(phase)], axis=1).astype(np.float32)
    S[0, 2:] = 0  # S_0 is real for a real signal
    return S
