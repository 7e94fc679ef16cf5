"""Image-guided upsampling of a coarse spectral volume (issue 7, variant (b)'s upsampler).

Variant (b) predicts S on a 32x20 grid; bilinear upsampling smears its motion across object
borders (a flame's flicker bleeds into the dark wall around it). Joint bilateral upsampling
(Kopf et al. 2007) weights each coarse sample q seen from a fine pixel p by its distance and by
how much the image at p looks like the image around q:

    S(p) = sum_q  exp(-|p - q|^2 / 2 sigma_s^2) exp(-|I(p) - I_coarse(q)|^2 / 2 sigma_r^2) S(q) / sum_q (same)

over the 4x4 coarse samples around p (distances in coarse pixels). No learning, about 16 weighted
sums per fine pixel: cheap enough for the Swift side as well.
"""
import torch
import torch.nn.functional as F


def guided_upsample(S, image, sigma_s=1.0, sigma_r=0.1, radius=2):
    """S (N, C, h, w) coarse, image (N, 3, H, W) guide in 0..1 -> (N, C, H, W), values unscaled.

    (Coefficients are in coarse pixels: multiply x by W/w and y by H/h afterwards, as for any resize.)"""
    N, C, h, w = S.shape
    H, W = image.shape[-2:]
    guide = F.interpolate(image, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    # fine pixel centres in coarse coordinates
    ys = (torch.arange(H, dtype=torch.float32) + 0.5) * h / H - 0.5
    xs = (torch.arange(W, dtype=torch.float32) + 0.5) * w / W - 0.5
    y0, x0 = ys.floor().long(), xs.floor().long()
    num = torch.zeros(N, C, H, W)
    den = torch.zeros(N, 1, H, W)
    for dy in range(-radius + 1, radius + 1):
        qy = (y0 + dy).clamp(0, h - 1)
        wy = torch.exp(-((ys - (y0 + dy).float()) ** 2) / (2 * sigma_s ** 2))
        for dx in range(-radius + 1, radius + 1):
            qx = (x0 + dx).clamp(0, w - 1)
            wx = torch.exp(-((xs - (x0 + dx).float()) ** 2) / (2 * sigma_s ** 2))
            Sq = S[:, :, qy][:, :, :, qx]                                   # (N, C, H, W) gathered
            Gq = guide[:, :, qy][:, :, :, qx]
            wr = torch.exp(-((image - Gq) ** 2).sum(1, keepdim=True) / (2 * sigma_r ** 2))
            wgt = wr * (wy[:, None] * wx[None, :])[None, None]
            num += wgt * Sq
            den += wgt
    return num / den.clamp_min(1e-12)


def upsample_volume_guided(S, image, W, H, **kw):
    """S (K, 4, h, w) raw coarse pixels, image (3, Hi, Wi) -> (K, 4, H, W) raw pixels at W x H.
    The guide is the image resized to W x H."""
    K, _, h, w = S.shape
    guide = F.interpolate(image[None], size=(H, W), mode="bilinear", antialias=True, align_corners=False)
    out = guided_upsample(S.reshape(1, K * 4, h, w), guide, **kw).view(K, 4, H, W)
    gain = torch.tensor([W / w, H / h, W / w, H / h]).view(1, 4, 1, 1)
    return out * gain
