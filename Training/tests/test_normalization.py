"""Frequency-adaptive normalization matches Sources/SpectralVolume/Normalization.swift."""
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (see Training/README.md)")

from conftest import ROOT
from gidm import read_gidm
from model import denormalize, normalization_scales, normalize, swift_percentile


def test_percentile_matches_swift_and_numpy():
    # The values of NormalizationTests.percentileMatchesNumpyLinear.
    assert abs(swift_percentile([7, 1, 3, 10, 4], 95) - 9.4) < 1e-9
    assert abs(swift_percentile(np.arange(1, 21), 95) - 19.05) < 1e-9
    assert swift_percentile([5], 95) == 5
    assert swift_percentile([2, 4], 0) == 2 and swift_percentile([2, 4], 100) == 4
    assert np.isnan(swift_percentile([], 95))
    v = np.random.default_rng(0).random(1001).astype(np.float32)
    assert abs(swift_percentile(v, 95) - np.percentile(v.astype(np.float64), 95)) < 1e-12


def test_scales_use_complex_modulus_per_frequency():
    # NormalizationTests.statsUseComplexModulusPerFrequency: K=2, 1x1, channels Re x, Re y, Im x, Im y.
    def vol(re, im):
        return np.array([[re[0], re[1], im[0], im[1]], [re[2], re[3], im[2], im[3]]], np.float32).reshape(2, 4, 1, 1)
    a = vol([3, 0, 1, 2], [4, 1, 0, 0])
    b = vol([0, 6, 0, 0], [2, 8, 0, 0])
    s = normalization_scales([a, b])
    assert abs(s[0] - 9.25) < 1e-5 and abs(s[1] - 1.85) < 1e-5
    z = np.zeros((2, 4, 1, 1), np.float32)
    z[0, 0] = 1
    assert normalization_scales([z])[1] == 1  # zeroFrequencyGetsUnitScale


def test_equation_4_and_round_trip():
    rng = np.random.default_rng(11)
    S = torch.from_numpy(rng.uniform(-50, 50, (4, 4, 3, 5)).astype(np.float32))
    scales = torch.from_numpy(normalization_scales([S.numpy()]))
    n = normalize(S, scales)
    x = S[2, 1, 2, 3]
    assert torch.equal(n[2, 1, 2, 3], torch.sign(x) * torch.sqrt(x.abs() / scales[2]))
    assert (n.abs() <= 1).float().mean() > 0.9
    back = denormalize(n, scales)
    assert torch.allclose(back, S, rtol=1e-5, atol=1e-4)


def test_matches_a_gidm_normalized_file():
    """The Swift fixture stores normalized values + scales: denormalizing (read_gidm) and
    normalizing again must give back the stored values bit for bit."""
    path = os.path.join(ROOT, "Tests", "SpectralVolumeTests", "Fixtures", "python-written.gidm")
    from safetensors.numpy import load_file
    t = load_file(path)
    S, _, meta = read_gidm(path)
    assert meta["normalized"] == "none"
    n = normalize(torch.from_numpy(S), torch.from_numpy(t["normalization.scales"])).numpy()
    assert np.array_equal(n[:, [0, 1]], t["spectral_volume.real"])
    assert np.array_equal(n[:, [2, 3]], t["spectral_volume.imag"])
