"""The learned-refinement experiment (refine.py): its starting point, its gate, and a tiny run."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (scripts/bootstrap.sh test installs it)")
from PIL import Image
from safetensors.torch import load_file

from conftest import TRAINING
from refine import Refiner, moved


def test_starts_near_the_average_splat_and_gates_still_pixels():
    g = torch.Generator().manual_seed(0)
    soft, avg, i0 = (torch.rand(1, 3, 12, 16, generator=g) for _ in range(3))
    out = Refiner()(soft, avg, i0)
    m = torch.sigmoid(torch.tensor(-2.0))
    assert torch.allclose(out, m * soft + (1 - m) * avg, atol=1e-6)
    # Renders equal to I0: nothing moved, the residual is switched off.
    assert float(moved(i0, i0, i0).abs().max()) == 0
    assert float(moved(i0 + 0.1, i0 + 0.1, i0).min()) == 1


def write_pictures(folder, clip, rng, h=40, w=48):
    real = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(real).save(os.path.join(folder, f"{clip}-I0.png"))
    for t in (10, 20):
        Image.fromarray(real).save(os.path.join(folder, f"{clip}-t{t:03d}-real.png"))
        for v in "mk":
            for kind in ("soft", "avg"):
                noisy = np.clip(real.astype(int) + rng.integers(-8, 9, real.shape), 0, 255).astype(np.uint8)
                Image.fromarray(noisy).save(os.path.join(folder, f"{clip}-t{t:03d}-{v}-{kind}.png"))


def test_a_tiny_run_trains_evaluates_and_writes_weights(tmp_path):
    rng = np.random.default_rng(0)
    train, test = tmp_path / "train", tmp_path / "test"
    train.mkdir(); test.mkdir()
    write_pictures(train, "a", rng); write_pictures(test, "b", rng)
    out = tmp_path / "refine.safetensors"
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "refine.py"), "--train", str(train), "--test", str(test),
                        "--out", str(out), "--steps", "3", "--crop", "32", "--batch", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "| b | measured |" in r.stdout and "| b | K=16 |" in r.stdout
    weights = load_file(str(out))
    assert weights["conv0.weight"].shape == (16, 9, 3, 3) and weights["conv3.weight"].shape == (4, 16, 3, 3)
