"""Writes Tests/SpectralVolumeTests/Fixtures/python-written.gidm with safetensors.numpy.

A tiny motion file (K=3, H=4, W=6) with values the Swift test recomputes:
  spectral_volume.real[k, a, y, x] =  k + 0.1 a + 0.01 y + 0.001 x
  spectral_volume.imag[k, a, y, x] = -(k + 1) * 0.5 + 0.001 x
  reference_image[c, y, x]         = (24 c + 6 y + x) / 100
  normalization.scales             = [1.0, 0.5, 0.25]
Usage: python3 Training/make_gidm_fixture.py [output path]
"""
import os
import sys

import numpy as np
from safetensors.numpy import save_file

K, H, W = 3, 4, 6
k, a, y, x = np.meshgrid(np.arange(K), np.arange(2), np.arange(H), np.arange(W), indexing="ij")
real = (k + 0.1 * a + 0.01 * y + 0.001 * x).astype(np.float32)
imag = (-(k + 1) * 0.5 + 0.001 * x).astype(np.float32)
c, yy, xx = np.meshgrid(np.arange(3), np.arange(H), np.arange(W), indexing="ij")
image = ((24 * c + 6 * yy + xx) / 100).astype(np.float32)
scales = np.array([1.0, 0.5, 0.25], dtype=np.float32)

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    here, "..", "Tests", "SpectralVolumeTests", "Fixtures", "python-written.gidm")
save_file(
    {
        "spectral_volume.real": real,
        "spectral_volume.imag": imag,
        "reference_image": image,
        "normalization.scales": scales,
    },
    out,
    metadata={
        "format": "gidm",
        "format_version": "1",
        "fps": "30",
        "window_seconds": "5",
        "num_frequencies": str(K),
        "source": "python-fixture",
        "normalized": "adaptive",
    },
)
