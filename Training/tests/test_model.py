"""Shapes, stage-2 surgery, a short training run, export/import, golden vectors, sample.py."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")
torch.set_num_threads(1)

from conftest import BINARY, TRAINING
from dataset import MotionData
from export import export, golden, load_model
from gidm import read_gidm
from model import CONFIGS, UNet, add_frequency_attention, sample, texture_energy_baseline, training_loss
from train import TRAIN_CONFIGS, make_batch, train

CFG = CONFIGS["tiny"]


def test_shapes_and_frequency_attention_starts_as_identity():
    torch.manual_seed(0)
    m = UNet(CFG)
    for p in m.out.parameters():  # the output conv starts at zero; perturb so outputs differ
        torch.nn.init.normal_(p, std=0.1)
    B, K, h, w, f = 2, CFG.K, CFG.grid_h, CFG.grid_w, CFG.cond_factor
    x, img = torch.randn(B, K, 4, h, w), torch.rand(B, 3, h * f, w * f)
    t, k = torch.tensor([3, 50]), torch.arange(K).repeat(B, 1)
    y = m(x, t, k, img)
    assert y.shape == (B, K, 4, h, w)
    m2 = add_frequency_attention(m)
    assert torch.allclose(m2(x, t, k, img), y, atol=1e-6)  # zero-initialised attention
    assert all(p.requires_grad == ("fattn" in n) for n, p in m2.named_parameters())
    assert sample(m2, img, steps=3, generator=torch.Generator().manual_seed(0)).shape == (B, K, 4, h, w)
    assert sum(p.numel() for p in m2.parameters()) * 4 < 1e6  # tiny: < 1 MB of weights


def test_texture_baseline_shape():
    S = texture_energy_baseline(np.random.rand(3, 40, 64).astype(np.float32), np.linspace(1, 0.1, 4), (10, 16))
    assert S.shape == (4, 4, 10, 16) and np.all(S[0, 2:] == 0)


def test_twenty_steps_lower_the_loss(synthetic_npz, tmp_path):
    data = MotionData(synthetic_npz, "train")
    tc = TRAIN_CONFIGS["tiny"]["slice"]
    tc = type(tc)(**{**tc.__dict__, "steps": 20, "log_every": 100, "eval_every": 100, "ckpt_every": 100})
    fixed_g = torch.Generator().manual_seed(5)

    def fixed_loss(model, scales):
        x0, k, img = make_batch(data, torch.arange(len(data)), model.cfg, scales, 1, fixed_g, tc, augment=False)
        with torch.no_grad():
            return float(training_loss(model, x0, k, img, generator=torch.Generator().manual_seed(1)))

    torch.manual_seed(0)
    m0 = UNet(CFG)
    before = None
    model, ckpt, losses = train("slice", CFG, tc, data, str(tmp_path / "run"), verbose=False)
    scales = torch.load(ckpt, weights_only=False)["scales"]
    before = fixed_loss(m0, scales)
    raw = torch.load(ckpt, weights_only=False)
    trained = UNet(model.cfg)
    trained.load_state_dict(raw["state"])
    after = fixed_loss(trained, scales)
    assert len(losses) == 20
    assert after < before, (before, after)
    assert os.path.exists(tmp_path / "run" / "loss.csv")


@pytest.fixture
def exported(synthetic_npz, tmp_path):
    data = MotionData(synthetic_npz, "train")
    tc = TRAIN_CONFIGS["tiny"]["slice"]
    quick = lambda tc: type(tc)(**{**tc.__dict__, "steps": 5, "log_every": 100, "eval_every": 100, "ckpt_every": 100})
    _, c1, _ = train("slice", CFG, quick(tc), data, str(tmp_path / "slice"), verbose=False)
    _, c2, _ = train("freq", CFG, quick(TRAIN_CONFIGS["tiny"]["freq"]), data, str(tmp_path / "freq"), init=c1, verbose=False)
    model, scales, mp, info = load_model(c2)
    for p in model.parameters():  # break the zero inits so the round trip compares real numbers
        p.data += 0.01 * torch.randn_like(p)
    path = str(tmp_path / "prior.safetensors")
    export(model, scales, mp, info, path)
    return model, scales, path


def test_export_import_round_trip_and_golden(exported, tmp_path):
    model, scales, path = exported
    m2, s2, _, info = load_model(path)
    assert info["stage"] == "freq" and m2.cfg == model.cfg and torch.equal(s2, scales)
    for (n, a), (_, b) in zip(model.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), n
    g = str(tmp_path / "golden.safetensors")
    golden(m2, s2, g)
    from safetensors.torch import load_file
    t = load_file(g)
    with torch.no_grad():
        eps = m2(t["input.noise"], t["input.t"], t["input.k"], t["input.image"])
    assert torch.equal(eps, t["output.eps"])
    x = sample(m2, t["input.image"], steps=5, guidance=1.5, noise=t["ddim.noise"])
    assert torch.equal(x, t["ddim.x0"]) and t["ddim.step.4"].shape == x.shape
    assert {"block.inp", "block.mid_fattn", "block.out"} <= set(t)
    assert os.path.getsize(g) < 1e6


def test_sample_writes_a_gidm_that_renders(exported, tmp_path):
    _, _, path = exported
    from PIL import Image
    png = str(tmp_path / "still.png")
    yy, xx = np.mgrid[0:60, 0:90]
    Image.fromarray(np.stack([xx * 2, yy * 4, (xx + yy) % 255], -1).astype(np.uint8)).save(png)
    out = str(tmp_path / "still.gidm")
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "sample.py"), "--model", path, "--image", png,
                        "--out", out, "--seed", "3", "--steps", "4"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    S, image, meta = read_gidm(out)
    assert S.shape == (CFG.K, 4, 60, 90) and image.shape == (3, 60, 90)
    assert meta["fps"] == "30.0" and meta["window_seconds"] == "5.0" and np.isfinite(S).all()
    if not os.path.exists(BINARY):
        pytest.skip("no .build/release/gid-filter: the .gidm was not rendered")
    r = subprocess.run([BINARY, "-y", "-loglevel", "error", "-i", out, "-vf", "loop=seconds=5",
                        str(tmp_path / "out.mp4")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert os.path.getsize(tmp_path / "out.mp4") > 1000


def test_committed_tiny_fixture_reproduces_its_golden_vectors():
    """Training/tests/fixtures: the tiny model (< 1 MB) and its golden vectors, for part 2's Swift
    parity tests. If this fails, the model code changed: re-export (Training/README.md)."""
    from safetensors.torch import load_file
    fx = os.path.join(TRAINING, "tests", "fixtures")
    m, scales, _, _ = load_model(os.path.join(fx, "gid-prior-tiny.safetensors"))
    t = load_file(os.path.join(fx, "gid-prior-tiny.golden.safetensors"))
    with torch.no_grad():
        eps = m(t["input.noise"], t["input.t"], t["input.k"], t["input.image"])
    assert torch.allclose(eps, t["output.eps"], atol=1e-5)
    x = sample(m, t["input.image"], steps=5, guidance=1.5, noise=t["ddim.noise"])
    # The 5-step walk amplifies float rounding that differs between CPUs (1.2e-4 on an AMD EPYC
    # for a fixture made elsewhere): the same 5e-4 as the Swift walk's tolerance.
    assert torch.allclose(x, t["ddim.x0"], atol=5e-4)
    assert os.path.getsize(os.path.join(fx, "gid-prior-tiny.safetensors")) < 1e6


def test_latent_variant_trains_exports_and_samples(synthetic_npz, tmp_path):
    """Variant (a): the VAE stage lowers its loss; the U-Net then trains on its latents (tiny: a
    32x20 slice <-> a 16x10 latent), and an exported latent prior round-trips and decodes to the
    VAE's grid."""
    from vae import VAE
    data = MotionData(synthetic_npz, "train")
    quick = lambda tc, n: type(tc)(**{**tc.__dict__, "steps": n, "log_every": 100, "eval_every": 100, "ckpt_every": 1000})
    from train import VAE_CONFIGS
    vae, cv, losses = train("vae", VAE_CONFIGS["tiny"], quick(TRAIN_CONFIGS["tiny"]["vae"], 30), data, str(tmp_path / "vae"),
                            verbose=False)
    assert isinstance(vae, VAE) and np.mean(losses[-5:]) < np.mean(losses[:5]), losses
    ck = torch.load(cv, weights_only=False)
    assert ck["latent_scale"] > 0 and ck["vae_config"]["grid_w"] == 32
    _, c1, _ = train("slice", CFG, quick(TRAIN_CONFIGS["tiny"]["slice"], 5), data, str(tmp_path / "slice"),
                     vae_path=cv, verbose=False)
    _, c2, _ = train("freq", CFG, quick(TRAIN_CONFIGS["tiny"]["freq"], 3), data, str(tmp_path / "freq"), init=c1,
                     verbose=False)
    model, scales, mp, info = load_model(c2)
    assert info["vae"] is not None and info["out_grid"] == (20, 32)
    path = str(tmp_path / "latent.safetensors")
    export(model, scales, mp, info, path)
    m2, s2, _, info2 = load_model(path)
    assert info2["out_grid"] == (20, 32) and info2["vae"][1] == info["vae"][1]
    for (n, a), (_, b) in zip(info["vae"][0].state_dict().items(), info2["vae"][0].state_dict().items()):
        assert torch.equal(a, b), n
    from model import sample_motion
    img = torch.rand(1, 3, CFG.grid_h * CFG.cond_factor, CFG.grid_w * CFG.cond_factor)
    x = sample_motion(m2, img, *info2["vae"], steps=3, generator=torch.Generator().manual_seed(0))
    assert x.shape == (1, CFG.K, 4, 20, 32) and torch.isfinite(x).all()
    g = str(tmp_path / "latent.golden.safetensors")
    golden(m2, s2, g, info2["vae"])
    from safetensors.torch import load_file
    t = load_file(g)
    assert t["ddim.latent"].shape == (1, CFG.K, 4, CFG.grid_h, CFG.grid_w) and t["ddim.S"].shape == (1, CFG.K, 4, 20, 32)


def test_shipped_diffusion_model_reproduces_its_golden_vectors():
    """Models/gid-prior-diffusion.safetensors and its golden vectors (the Swift parity data) agree."""
    from safetensors.torch import load_file
    root = os.path.dirname(TRAINING)
    path = os.path.join(root, "Models", "gid-prior-diffusion.safetensors")
    m, scales, _, info = load_model(path)
    t = load_file(path.replace(".safetensors", ".golden.safetensors"))
    assert info["vae"] is None and m.cfg.K == 16 and (m.cfg.grid_w, m.cfg.grid_h) == (32, 20)
    with torch.no_grad():
        eps = m(t["input.noise"], t["input.t"], t["input.k"], t["input.image"])
    assert torch.allclose(eps, t["output.eps"], atol=1e-4)
    x = sample(m, t["input.image"], steps=5, guidance=1.5, noise=t["ddim.noise"])
    assert torch.allclose(x, t["ddim.x0"], atol=1e-3)
    assert t["block.inp"].shape[0] == 2 and os.path.getsize(path) < 50e6


def test_sample_bad_inputs_get_one_line_an_exit_code_and_no_file(tmp_path):
    """A missing or non-image still (3), a missing model (3), an unwritable output (4): one stderr
    line each, no .gidm (or temp file) left behind."""
    bad = tmp_path / "not-an-image.jpg"
    bad.write_text("hello")
    still = os.path.join(os.path.dirname(TRAINING), "Samples", "stills", "bythewater.jpg")
    cases = [(["--image", str(tmp_path / "missing.jpg")], 3), (["--image", str(bad)], 3),
             (["--image", still, "--model", str(tmp_path / "none.safetensors")], 3),
             (["--image", still, "--steps", "1", "--max-side", "64", "--out", str(tmp_path / "no-dir" / "x.gidm")], 4)]
    for extra, code in cases:
        out = str(tmp_path / "out.gidm")
        args = ["--out", out] + extra
        r = subprocess.run([sys.executable, os.path.join(TRAINING, "sample.py"), *args], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == code, (extra, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("sample.py: "), r.stderr
        assert not [f for f in os.listdir(tmp_path) if f.startswith("out.gidm")]
