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
