"""Predicts the motion of a still with the prior and writes it as a `.gidm` at the still's size.
The amplitude prior (the default model) runs amplitude.predict_still; what follows is the diffusion
prior's path.

    python Training/sample.py --image photo.jpg --out photo.gidm [--seed N] [--steps S] [--guidance G]
    gid-filter -i photo.gidm -vf loop=seconds=5 photo.mp4

The still is resized (anisotropically if it is not 16:10) to the model's grid (I0 at cond_factor x
the grid), the prior samples S' with DDIM + classifier-free guidance (the latent variant then
decodes each frequency's latent with its VAE), S is denormalized and upsampled to the still's
size: image-guided (upsample.py) to 4x a coarse grid, then bilinearly (pixel centres aligned, like
gid-filter's own resize), x coefficients times W/w and y times H/h so displacements are in the
still's pixels.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError

from dataset import resize_volume
from amplitude import is_amplitude_file, load_amplitude, predict_still
from export import load_model
from gidm import write_gidm
from model import denormalize, sample_motion
from upsample import upsample_volume_guided

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(os.path.dirname(HERE), "Models", "gid-prior-default.safetensors")


def load_image(path, max_side=0):
    """(3, H, W) float32 RGB 0..1, EXIF orientation applied, alpha dropped."""
    from PIL import Image, ImageOps
    im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    if max_side and max(im.size) > max_side:
        s = max_side / max(im.size)
        im = im.resize((max(2, round(im.size[0] * s)), max(2, round(im.size[1] * s))), Image.BILINEAR)
    return np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / 255


@torch.no_grad()
def predict(model, scales, image, seed=0, steps=25, guidance=1.5, vae=None):
    """image (3, H, W) numpy 0..1 -> S (K, 4, H, W) numpy, raw pixels of the still.
    vae = (VAE, latent_scale) for the latent variant (load_model's info["vae"])."""
    cfg = model.cfg
    H, W = image.shape[1:]
    img = torch.from_numpy(image)[None]
    cond = F.interpolate(img, size=(cfg.grid_h * cfg.cond_factor, cfg.grid_w * cfg.cond_factor),
                         mode="bilinear", antialias=True, align_corners=False)
    g = torch.Generator().manual_seed(seed)
    Sn = sample_motion(model, cond, *(vae or ()), steps=steps, guidance=guidance, generator=g)  # (1, K, 4, h, w)
    S = denormalize(Sn[0], scales)                                             # (K, 4, h, w)
    if vae is None:  # S itself on the coarse grid: image-guided to 4x it (motion stays on its objects)
        h, w = S.shape[-2:]
        S = upsample_volume_guided(S, img[0], min(W, 4 * w), min(H, 4 * h))
    return resize_volume(S, W, H).numpy()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image", required=True)
    p.add_argument("--out", required=True, help=".gidm to write")
    p.add_argument("--model", default=DEFAULT_MODEL, help="exported .safetensors or a train.py ckpt.pt")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=25, help="DDIM steps (10 is as good on the held-out clips, Training/README.md)")
    p.add_argument("--guidance", type=float, default=1.5, help="classifier-free guidance (1 = none)")
    p.add_argument("--max-side", type=int, default=0, help="downscale the still first (0 = keep its size)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if not os.path.exists(args.model):
        fail(3, f"{args.model}: no such model file (train and export one: Training/README.md)")
    amplitude = is_amplitude_file(args.model)
    if amplitude:
        model, info = load_amplitude(args.model)
    else:
        model, scales, _, info = load_model(args.model)
    try:
        image = load_image(args.image, args.max_side)
    except (OSError, ValueError) as e:  # missing, unreadable, or not an image (PIL's errors are both kinds)
        fail(3, f"{args.image}: cannot read the still ({type(e).__name__}: {e})")
    H, W = image.shape[1:]
    if amplitude:  # any aspect: the network is convolutional
        S = predict_still(model, torch.from_numpy(image), generator=torch.Generator().manual_seed(args.seed)).numpy()
    else:
        if abs(W / H - 1.6) > 0.05:
            print(f"note: {W}x{H} is not 16:10; the model sees it stretched to {model.cfg.grid_w}x{model.cfg.grid_h}")
        S = predict(model, scales, image, args.seed, args.steps, args.guidance, info["vae"])
    # Written beside OUT and renamed into place, like gid-filter: no half-written .gidm on failure or Ctrl-C.
    tmp = f"{args.out}.tmp-{os.getpid()}"
    try:
        write_gidm(tmp, S, image, source=f"prior:{os.path.basename(args.model)} seed={args.seed} "
                                         f"steps={args.steps} guidance={args.guidance}")
        os.replace(tmp, args.out)
    except (OSError, SafetensorError) as e:
        fail(4, f"{args.out}: cannot write ({getattr(e, 'strerror', None) or e})", tmp)
    except BaseException:
        remove_quietly(tmp)
        raise
    mb = os.path.getsize(args.out) / 1e6
    print(f"wrote {args.out}: K={S.shape[0]} {W}x{H}, {mb:.1f} MB" +
          (" (large: --max-side 1024 makes smaller files)" if mb > 200 else ""))


def remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def fail(code, message, tmp=None):
    """One line on stderr and gid-filter's exit codes (3 input, 4 output)."""
    if tmp:
        remove_quietly(tmp)
    print(f"sample.py: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
