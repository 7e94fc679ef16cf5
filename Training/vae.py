"""The light VAE of the latent variant (issue 7, variant (a); paper sec. 4.2 diffuses in a VAE latent).

Like the paper, the VAE sees one frequency slice at a time: 4 channels [Re x, Re y, Im x, Im y]
of the normalized S' at 128x80, encoded to a 4-channel latent at 32x20 (two 2x downsamplings),
the same grid the pixel-space variant (b) diffuses on. The U-Net of model.py then denoises latents
instead of slices; sampling decodes each frequency's latent back to 128x80.

    VAE: 128x80x4 --conv--> 16 --res--> down 64x40 --res 32--> down 32x20 --res 32--> (mean, logvar) x 4
         and the mirror image back up (nearest-neighbour 2x + conv).

Training (train.py --stage vae): L1 reconstruction of S' + kl * KL(q(z|x) || N(0, 1)). The latent
is multiplied by `latent_scale` (1 / std of the training latents, as in LDM) before diffusion.
"""
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VAEConfig:
    grid_w: int = 128            # decoded slice size; the latent is 4x smaller per side
    grid_h: int = 80
    base: int = 16               # "16 base channels at 128x80" (issue 7)
    mults: tuple = (1, 2, 2)     # 128x80 -> 64x40 -> 32x20
    z: int = 4                   # latent channels (= the U-Net's slice channels)
    groups: int = 8
    kl: float = 1e-4             # a light KL: we want reconstructions first, a tidy latent second

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @staticmethod
    def from_dict(d):
        return VAEConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    @property
    def factor(self):
        return 2 ** (len(self.mults) - 1)


class Res(nn.Module):
    """GroupNorm-SiLU-conv twice, no conditioning."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = nn.GroupNorm(groups, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        return self.skip(x) + self.c2(F.silu(self.n2(self.c1(F.silu(self.n1(x))))))


class VAE(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        self.cfg = cfg
        ch = [cfg.base * m for m in cfg.mults]
        enc = [nn.Conv2d(4, ch[0], 3, padding=1)]
        for i, c in enumerate(ch):
            enc.append(Res(ch[max(i - 1, 0)], c, cfg.groups))
            if i < len(ch) - 1:
                enc.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
        enc += [Res(ch[-1], ch[-1], cfg.groups), nn.GroupNorm(cfg.groups, ch[-1]), nn.SiLU(),
                nn.Conv2d(ch[-1], 2 * cfg.z, 3, padding=1)]
        self.encoder = nn.Sequential(*enc)
        dec = [nn.Conv2d(cfg.z, ch[-1], 3, padding=1), Res(ch[-1], ch[-1], cfg.groups)]
        for i in reversed(range(len(ch))):
            dec.append(Res(ch[min(i + 1, len(ch) - 1)], ch[i], cfg.groups))
            if i > 0:
                dec += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch[i], ch[i], 3, padding=1)]
        dec += [nn.GroupNorm(cfg.groups, ch[0]), nn.SiLU(), nn.Conv2d(ch[0], 4, 3, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):  # (N, 4, H, W) -> mean, logvar (N, z, H/f, W/f)
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(-20, 10)

    def decode(self, z):  # (N, z, h, w) -> (N, 4, h*f, w*f)
        return self.decoder(z)


def vae_loss(vae, x, generator=None):
    """(loss, L1 reconstruction) for normalized slices x (N, 4, H, W)."""
    mean, logvar = vae.encode(x)
    z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=generator)
    rec = F.l1_loss(vae.decode(z), x)
    kl = 0.5 * (mean * mean + logvar.exp() - 1 - logvar).mean()
    return rec + vae.cfg.kl * kl, rec


def encode_slices(vae, x, latent_scale, generator=None):
    """Normalized slices x (B, G, 4, H, W) -> scaled latent samples (B, G, z, H/f, W/f)."""
    B, G = x.shape[:2]
    mean, logvar = vae.encode(x.reshape(B * G, *x.shape[2:]))
    z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=generator)
    return (z * latent_scale).view(B, G, *z.shape[1:])


def decode_slices(vae, z, latent_scale):
    """Scaled latents (B, G, z, h, w) -> normalized slices (B, G, 4, h*f, w*f)."""
    B, G = z.shape[:2]
    x = vae.decode(z.reshape(B * G, *z.shape[2:]) / latent_scale)
    return x.view(B, G, *x.shape[1:])


def vae_from(config, state, latent_scale):
    """(VAE in eval mode, frozen; latent_scale as float) from a config dict and a state dict."""
    vae = VAE(VAEConfig.from_dict(config))
    vae.load_state_dict(state)
    return vae.eval().requires_grad_(False), float(latent_scale)
