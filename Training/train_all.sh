#!/usr/bin/env bash
# The full training of both variants on the 2-core machine: two chains side by side, one thread
# each (two 1-thread runs use 2 cores better than one 2-thread run for networks this small).
#   (b) S itself on the 32x20 grid: slice -> freq, plus the regressor baseline
#   (a) latent: VAE (128x80 <-> 32x20 latent) -> slice -> freq on latents
# Step counts are sized so each chain ends in about 1.5 h (Training/README.md has the timings).
set -euo pipefail
cd "$(dirname "$0")"
T=${PYTHON:-.venv/bin/python}
R=${RUNS:-runs/cpu}
mkdir -p "$R"
(
  $T train.py --config cpu --stage slice --out "$R/slice" --steps 14000 --max-minutes 55
  $T train.py --config cpu --stage freq --out "$R/freq" --init "$R/slice/ckpt.pt" --steps 2000 --max-minutes 25
  $T train.py --config cpu --stage regressor --out "$R/regressor" --steps 4000 --max-minutes 13
) > "$R/pixel.log" 2>&1 &
(
  $T train.py --config cpu --stage vae --out "$R/vae" --steps 1600 --max-minutes 22
  $T train.py --config cpu --stage slice --vae "$R/vae/ckpt.pt" --out "$R/latent-slice" --steps 10500 --max-minutes 52
  $T train.py --config cpu --stage freq --init "$R/latent-slice/ckpt.pt" --out "$R/latent-freq" --steps 1600 --max-minutes 22
) > "$R/latent.log" 2>&1 &
wait
echo "done: $R/{slice,freq,regressor,vae,latent-slice,latent-freq}"
