"""evaluate.py: the AUC is right on known cases, and the table runs end to end for both variants."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")
torch.set_num_threads(1)

from conftest import TRAINING
from dataset import MotionData
from evaluate import auc, diversity
from model import CONFIGS
from train import TRAIN_CONFIGS, VAE_CONFIGS, train


def test_auc_known_cases():
    assert auc([1, 2, 3, 4], [False, False, True, True]) == 1.0
    assert auc([4, 3, 2, 1], [False, False, True, True]) == 0.0
    assert auc([1, 1, 1, 1], [False, True, False, True]) == 0.5     # ties count half
    assert auc([1, 2], [True, True]) is None
    assert abs(auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) - 0.75) < 1e-12
    assert diversity([np.ones(3)]) == 0.0 and diversity([np.zeros(3), np.ones(3)]) > 0


def test_table_for_pixel_and_latent_variants(synthetic_npz, tmp_path):
    data = MotionData(synthetic_npz, "train")
    quick = lambda tc, n: type(tc)(**{**tc.__dict__, "steps": n, "log_every": 100, "eval_every": 100, "ckpt_every": 1000})
    cfg = CONFIGS["tiny"]
    _, pix, _ = train("slice", cfg, quick(TRAIN_CONFIGS["tiny"]["slice"], 3), data, str(tmp_path / "pix"), verbose=False)
    _, reg, _ = train("regressor", cfg, quick(TRAIN_CONFIGS["tiny"]["regressor"], 3), MotionData(synthetic_npz, "train"),
                      str(tmp_path / "reg"), verbose=False)
    _, v, _ = train("vae", VAE_CONFIGS["tiny"], quick(TRAIN_CONFIGS["tiny"]["vae"], 3), MotionData(synthetic_npz, "train"),
                    str(tmp_path / "vae"), verbose=False)
    _, lat, _ = train("slice", cfg, quick(TRAIN_CONFIGS["tiny"]["slice"], 3), MotionData(synthetic_npz, "train"),
                      str(tmp_path / "lat"), vae_path=v, verbose=False)
    for model, extra in ((pix, ["--regressor", reg]), (lat, [])):
        out = tmp_path / ("eval-" + os.path.basename(os.path.dirname(model)))
        r = subprocess.run([sys.executable, os.path.join(TRAINING, "evaluate.py"), "--data", synthetic_npz, "--model", model,
                            "--steps", "2", "--seeds", "2", "--grid", "32", "20", "--out", str(out), *extra],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        rows = {row["method"]: row for row in json.load(open(out / "eval.json"))["rows"]}
        assert {"zero", "texture", "diffusion (2 steps)"} <= set(rows)
        assert rows["zero"]["auc"] == 0.5 and rows["zero"]["calib"] == 0.0
        assert all(0 <= row["auc"] <= 1 for row in rows.values())
        assert ("regressor" in rows) == bool(extra) and ("VAE round trip (measured)" in rows) == (not extra)
        assert (out / "eval.md").exists()


def test_phase_metrics_known_cases():
    """Coherence is 1 for a field swinging in step and low for random phases; the x share is the
    energy on x; a prediction scores zero error against itself and some against a turned copy."""
    from evaluate import coherence, phase_metrics, phase_reference, x_share
    rng = np.random.default_rng(0)
    step = np.zeros((4, 4, 12, 16), np.float32)
    step[1:, 0], step[1:, 3] = 1.0, 0.5                    # x along re, y along im: the same everywhere
    assert np.allclose(coherence(step), 1)
    assert np.allclose(x_share(step)[0], 1 / 1.25)
    noise = rng.standard_normal(step.shape).astype(np.float32)
    assert coherence(noise).mean() < 0.2 and coherence(noise, 2).mean() < 0.35
    moving = np.ones((12, 16), bool)
    assert phase_metrics(step, phase_reference(step), moving) == {"xshare": 0.0, "coh": 0.0}
    turned = step[:, [1, 0, 3, 2]]                         # x and y swapped
    m = phase_metrics(turned, phase_reference(step), moving)
    assert abs(m["xshare"] - 0.6) < 1e-6 and m["coh"] < 1e-6
    assert phase_metrics(noise, phase_reference(step), moving)["coh"] > 0.5
    assert phase_metrics(np.zeros_like(step), phase_reference(step), moving) == {"xshare": None, "coh": None}


def test_amplitude_head_plus_diffusion_keeps_the_heads_amplitudes():
    """The amplitude head + diffusion row: the diffusion prior's DDIM walk under replacement guidance
    ends with exactly the head's amplitude per pixel and frequency, its phases its own."""
    from dataset import resize_volume
    from evaluate import amplitude_diffusion, with_magnitude
    from model import UNet
    torch.manual_seed(0)
    cfg = CONFIGS["tiny"]
    model = UNet(cfg).eval()
    scales = torch.full((cfg.K,), 0.5)
    N, gh, gw = 2, 2 * cfg.grid_h, 2 * cfg.grid_w
    head = torch.randn(N, cfg.K, 4, gh, gw, generator=torch.Generator().manual_seed(1))
    cond = torch.rand(N, 3, cfg.grid_h * cfg.cond_factor, cfg.grid_w * cfg.cond_factor)
    to_eval = lambda S: resize_volume(torch.as_tensor(S), gw, gh).numpy()
    out = amplitude_diffusion(model, scales, cond, head.numpy(), to_eval, torch.Generator().manual_seed(2), steps=3, guidance=1.5)
    assert out.shape == head.shape
    assert np.allclose(np.linalg.norm(out, axis=2), head.norm(dim=2).numpy(), rtol=1e-4, atol=1e-6)
    cos = (torch.from_numpy(out) * head).sum(2) / (head.norm(dim=2) ** 2)
    assert cos.abs().mean() < 0.9                          # the directions are not the head's
    zero = with_magnitude(torch.zeros(1, 4, 2, 2), torch.ones(1, 2, 2), fallback=torch.ones(1, 4, 2, 2))
    assert torch.allclose(zero, torch.full((1, 4, 2, 2), 0.5))   # nothing to turn: the fallback's direction
