"""Shared fixtures. Every test module skips with a message when PyTorch is not installed."""
import json
import os
import sys

import numpy as np
import pytest

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TRAINING)
sys.path.insert(0, TRAINING)

BINARY = os.path.join(ROOT, ".build", "release", "gid-filter")
CLIPS = os.path.join(ROOT, "..", "shared", "data", "clips")


def make_synthetic_npz(path, K=4, n_clips=4, windows=3, store=(32, 20), image_store=(64, 40), seed=0):
    """A dataset.py-format .npz: a bright square in I0 oscillates (x at 0.4 Hz, y at 0.6 Hz);
    the rest is still. Clips 0 and 1 are named like held-out clips."""
    from dataset import HELDOUT
    rng = np.random.default_rng(seed)
    sw, sh = store
    iw, ih = image_store
    S, I, clip = [], [], []
    for c in range(n_clips):
        for w in range(windows):
            x0, y0 = rng.integers(2, sw - 10), rng.integers(2, sh - 8)
            img = 0.2 * rng.random((3, ih, iw))
            img[:, 2 * y0:2 * (y0 + 6), 2 * x0:2 * (x0 + 8)] += 0.7
            s = np.zeros((K, 4, sh, sw), np.float32)
            a, ph = rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi)
            s[2 % K, 0, y0:y0 + 6, x0:x0 + 8] = a / 2 * np.cos(ph)   # Re x at k=2
            s[2 % K, 2, y0:y0 + 6, x0:x0 + 8] = a / 2 * np.sin(ph)   # Im x
            s[3 % K, 1, y0:y0 + 6, x0:x0 + 8] = a / 4                # Re y at k=3
            S.append(s.astype(np.float16))
            I.append(np.clip(img * 255, 0, 255).astype(np.uint8))
            clip.append(c)
    names = [HELDOUT[0], HELDOUT[1]] + [f"synthetic__clip{c}" for c in range(2, n_clips)]
    meta = {"K": K, "window_seconds": 5.0, "fps": 30.0, "store": list(store), "image_store": list(image_store)}
    np.savez(path, S=np.stack(S), image=np.stack(I), clip=np.array(clip, np.int16),
             start=np.zeros(len(clip), np.float32), scores=np.zeros((len(clip), 2), np.float32),
             names=np.array(names), heldout=np.array([n in HELDOUT for n in names]), meta=np.array(json.dumps(meta)))
    return path


@pytest.fixture
def synthetic_npz(tmp_path):
    return make_synthetic_npz(str(tmp_path / "synthetic.npz"))
