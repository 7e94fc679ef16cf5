"""Reading and writing `.gidm` motion files (docs/motion-file.md) and the grid maths they share.

A `.gidm` is a safetensors file: `spectral_volume.real` / `.imag` (K, 2, H, W) in pixels (axis 0
= x right, 1 = y down), `reference_image` (3, H, W) RGB 0..1, string metadata. The model works on
a per-frequency 4-channel slice, so everywhere in Training/ a volume is held as

    S: (K, 4, H, W) float32, channels [Re x, Re y, Im x, Im y]

Only numpy + safetensors here (no torch), so the file format stays checkable on its own.
"""
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

RE_X, RE_Y, IM_X, IM_Y = 0, 1, 2, 3  # channel order of a slice
X_CHANNELS = [RE_X, IM_X]             # the coefficients a horizontal flip negates


def read_gidm(path):
    """Returns (S (K,4,H,W) raw pixels, image (3,H,W) 0..1, metadata dict). Undoes `adaptive`."""
    t = load_file(path)
    with safe_open(path, framework="numpy") as f:
        meta = dict(f.metadata() or {})
    re, im = t["spectral_volume.real"], t["spectral_volume.imag"]  # (K, 2, H, W)
    if meta.get("normalized", "none") == "adaptive":
        s = t["normalization.scales"].astype(np.float32)[:, None, None, None]
        re = np.sign(re) * (re * re) * s  # S = sign(S') * S'^2 * s_k, as Swift's denormalized()
        im = np.sign(im) * (im * im) * s
        meta["normalized"] = "none"
    S = np.concatenate([re, im], axis=1).astype(np.float32)  # (K, 4, H, W)
    return S, t["reference_image"].astype(np.float32), meta


def write_gidm(path, S, image, fps=30.0, window_seconds=5.0, source="prior", extra_meta=None):
    """Writes a raw (un-normalized) scene. S (K,4,H,W) pixels; image (3,H,W) 0..1, same H, W."""
    S = np.asarray(S, dtype=np.float32)
    K, C, H, W = S.shape
    assert C == 4 and image.shape == (3, H, W), (S.shape, image.shape)
    assert 1 <= K <= 75 and 2 * (K - 1) < fps * window_seconds, "needs 2(K-1) < N (docs/motion-file.md)"
    meta = {
        "format": "gidm", "format_version": "1", "fps": repr(float(fps)),
        "window_seconds": repr(float(window_seconds)), "num_frequencies": str(K),
        "source": source, "normalized": "none",
        "timeline.slowdown": "1.0", "timeline.periods": "1",
    }
    meta.update(extra_meta or {})
    save_file({
        "spectral_volume.real": np.ascontiguousarray(S[:, [RE_X, RE_Y]]),
        "spectral_volume.imag": np.ascontiguousarray(S[:, [IM_X, IM_Y]]),
        "reference_image": np.ascontiguousarray(np.clip(image, 0, 1).astype(np.float32)),
    }, path, metadata=meta)


def spectral_volume_from_fields(F, K):
    """F: (N, 2, H, W) displacement fields (pixels) -> S (K, 4, H, W), the docs' forward transform."""
    c = np.fft.rfft(F, axis=0)[:K] / F.shape[0]  # (K, 2, H, W) complex
    return np.concatenate([c.real, c.imag], axis=1).astype(np.float32)


def field_at(S, t_frames, N):
    """The (2, H, W) displacement at real time t (frames) of a window of N frames (inverse)."""
    K = S.shape[0]
    c = S[:, [RE_X, RE_Y]] + 1j * S[:, [IM_X, IM_Y]]  # (K, 2, H, W)
    w = np.exp(2j * np.pi * np.arange(K) * t_frames / N)[:, None, None, None]
    return (c[0].real + 2 * (c[1:] * w[1:]).real.sum(axis=0)).astype(np.float32)


def amplitude(S):
    """Per-pixel motion amplitude (H, W): 2 * sqrt(sum_{k>=1} |S_k,x|^2 + |S_k,y|^2) in pixels.

    For one cosine of amplitude A on one axis this is A (|S_k| = A/2); in general it is twice the
    RMS displacement about the mean, a robust "how much does this pixel move".
    """
    return 2 * np.sqrt((S[1:] ** 2).sum(axis=(0, 1)))


def power_spectrum(S):
    """(K,) mean over pixels of |S_k,x|^2 + |S_k,y|^2 (the paper's Fig. 2 curve, axes pooled)."""
    return (S ** 2).sum(axis=1).mean(axis=(1, 2))


def flip_horizontal(S, image=None):
    """Mirror left-right. Displacements' x components change sign (docs: axis 0 = x right); y kept.

    Linear in the fields, so this equals transforming the mirrored video's trajectories.
    """
    S = S[..., ::-1].copy()
    S[..., X_CHANNELS, :, :] *= -1
    return (S, None if image is None else image[..., ::-1].copy())
