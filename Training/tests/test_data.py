"""dataset.py: flips and crops keep the physics; the builder runs on a real clip."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")

from conftest import BINARY, CLIPS, TRAINING
from dataset import MotionData, augment, camera_and_motion, resize_volume
from gidm import field_at, flip_horizontal, read_gidm, spectral_volume_from_fields


def fields(N=150, H=6, W=10, seed=0):
    """Trajectories (N, 2, H, W): random pixels oscillating at a few frequencies."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)[:, None, None, None]
    F = np.zeros((N, 2, H, W))
    for k in (1, 2, 5):
        F += rng.normal(size=(1, 2, H, W)) * np.cos(2 * np.pi * k * t / N + rng.uniform(0, 6, (1, 2, H, W)))
    return F.astype(np.float32)


def mirror_video_fields(F):
    """What a mirrored video measures: columns reversed, x displacements negated."""
    G = F[..., ::-1].copy()
    G[:, 0] *= -1
    return G


def test_flip_equals_transform_of_mirrored_video():
    F = fields()
    S = spectral_volume_from_fields(F, 16)
    expected = spectral_volume_from_fields(mirror_video_fields(F), 16)
    flipped, _ = flip_horizontal(S)
    assert np.allclose(flipped, expected, atol=1e-5)
    # and the motion at any time is the mirrored motion
    assert np.allclose(field_at(flipped, 17.3, 150), mirror_video_fields(field_at(S, 17.3, 150)[None])[0], atol=1e-4)


def test_augment_flip_and_crop_scale_coefficients():
    F = fields(H=20, W=32)
    S = torch.from_numpy(spectral_volume_from_fields(F, 16))[None]            # (1, K, 4, 20, 32)
    img = torch.rand(1, 3, 40, 64)
    one, no = torch.ones(1), torch.zeros(1)
    # full crop, mirrored, same grid: exactly the flip
    out, oimg = augment(S, img, (20, 32), 2, params=(one, no, no, torch.tensor([True])))
    assert torch.allclose(out[0], torch.from_numpy(flip_horizontal(S[0].numpy())[0]), atol=1e-5)
    assert torch.allclose(oimg[0], img[0].flip(-1), atol=1e-5)  # I0 (40x64 = grid x cond_factor 2) mirrored
    # half-size crop shown on the same grid: displacements double
    S_const = torch.ones(1, 16, 4, 20, 32)
    out, _ = augment(S_const, img, (20, 32), 2, params=(0.5 * one, no, no, torch.tensor([False])))
    assert torch.allclose(out, 2 * S_const)
    # resizing 32x20 -> 16x10 halves them (x and y)
    assert torch.allclose(resize_volume(S_const[0], 16, 10), 0.5 * torch.ones(16, 4, 10, 16))


def test_camera_check_sees_a_shaking_frame_but_not_a_flame():
    """A textured frame that shakes as a whole is camera motion; a flame moving in the middle of a
    still, textured frame is not, and neither is motion over a textureless (black) border."""
    rng = np.random.default_rng(0)
    H, W, K = 40, 64, 4
    image = rng.random((3, H, W)).astype(np.float32)                 # texture everywhere
    shake = np.zeros((K, 4, H, W), np.float32)
    shake[1, 0] = 3.0                                                 # every pixel: x oscillation, 6 px amplitude
    cam, mot = camera_and_motion(shake, image)
    assert cam > 5 and mot > 5
    flame = np.zeros_like(shake)
    flame[1, 0, 15:25, 25:40] = 3.0                                   # only the centre moves
    cam, mot = camera_and_motion(flame, image)
    assert cam == 0 and mot > 5
    black = image.copy()
    black[:, :, :] = 0
    black[:, 12:28, 16:48] = image[:, 12:28, 16:48]                   # texture only in the centre
    cam, _ = camera_and_motion(shake, black)
    assert cam == 0                                                   # the border shows no camera motion


def test_split_is_by_clip(synthetic_npz):
    tr, ho = MotionData(synthetic_npz, "train"), MotionData(synthetic_npz, "heldout")
    assert len(tr) == 6 and len(ho) == 6
    assert not set(tr.names[c] for c in tr.clip) & set(ho.names[c] for c in ho.clip)


@pytest.mark.skipif(not (os.path.exists(BINARY) and os.path.isdir(CLIPS)),
                    reason="needs .build/release/gid-filter and ../shared/data/clips")
def test_builder_on_a_real_clip(tmp_path):
    out = tmp_path / "d.npz"
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "dataset.py"), "--only", "water__lake_boats",
                        "--max-windows", "1", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kept 1/1" in r.stdout
    d = MotionData(str(out), "all")
    assert d.S.shape == (1, 16, 4, 80, 128) and d.image.shape == (1, 3, 320, 512)


def test_guided_upsampling_keeps_motion_inside_the_object():
    """A bright square moves on a dark still background: bilinear upsampling of the coarse motion
    bleeds it onto the background, image-guided upsampling keeps it on the square."""
    from upsample import upsample_volume_guided
    H, W, f = 40, 64, 4
    image = torch.zeros(3, H, W)
    image[:, 10:26, 18:42] = 1.0
    fine = torch.zeros(2, 4, H, W)
    fine[1, 0, 10:26, 18:42] = 2.0
    coarse = resize_volume(fine, W // f, H // f)
    guided = upsample_volume_guided(coarse, image, W, H)
    bilinear = resize_volume(coarse, W, H)
    err = lambda S: float((S - fine).abs().mean())
    assert err(guided) < 0.5 * err(bilinear), (err(guided), err(bilinear))
    flat = upsample_volume_guided(torch.ones(2, 4, 10, 16), image, W, H)  # constant in, constant out (x4 gain)
    assert torch.allclose(flat, 4 * torch.ones_like(flat), atol=1e-5)


def test_camera_check_passes_motion_that_fills_the_frame():
    """Reeds or ripples filling the frame, border included, move every pixel its own way: the band
    moves, but not as one, so it is not a camera."""
    rng = np.random.default_rng(1)
    H, W, K = 40, 64, 4
    image = rng.random((3, H, W)).astype(np.float32)
    ripples = np.zeros((K, 4, H, W), np.float32)
    ripples[1:] = rng.normal(0, 2.0, (K - 1, 4, H, W))              # every pixel its own phase
    ripples[1:, 0] += 0.3                                             # a slight common drift
    cam, mot = camera_and_motion(ripples, image)
    assert cam == 0 and mot > 5


def test_merge_appends_clips_and_refuses_other_settings(tmp_path, synthetic_npz):
    from conftest import make_synthetic_npz
    z = dict(np.load(synthetic_npz))
    z["names"] = np.array([f"other__clip{i}" for i in range(len(z["names"]))])
    extra = str(tmp_path / "extra.npz")
    np.savez(extra, **z)
    out = str(tmp_path / "merged.npz")
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "dataset.py"), "--merge", synthetic_npz, extra,
                        "--out", out], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    m = np.load(out)
    assert len(m["names"]) == 8 and len(m["clip"]) == 24
    assert list(m["clip"][12:15]) == [4, 4, 4]                 # the second file's clips come after the first's
    assert m["heldout"].sum() == 2                              # only the first file's two held-out names
    assert np.array_equal(m["S"][12:], z["S"]) and np.array_equal(m["image"][:12], np.load(synthetic_npz)["image"])
    other = make_synthetic_npz(str(tmp_path / "other.npz"), image_store=(128, 80))
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "dataset.py"), "--merge", synthetic_npz, other,
                        "--out", str(tmp_path / "bad.npz")], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "image_store" in r.stderr and not os.path.exists(tmp_path / "bad.npz")
