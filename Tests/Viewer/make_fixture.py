"""Writes a viewer page (Filters/Viewer/viewer.html filled in) for a synthetic scene.

The picture (512x288 by default) is a sky-to-ground gradient with a textured "tree" on the left;
every mode is a smooth blob around the tree's crown, so the crown moves and the right half of the
picture (a striped "house") never does. A test can pull the crown and check that the house stays.

    Training/.venv/bin/python Tests/Viewer/make_fixture.py /tmp/fixture.html [--modes 6] [--grid 128x72]

The data is exactly the format the Swift writer produces (docs in Filters/Viewer/viewer.html):
a JPEG data URL, and an Int8 basis [mode][xr, xi, yr, yi][row][col], zlib-compressed, base64.
The module also exports the scene's geometry (CROWN, HOUSE) for the tests.
"""

import argparse
import base64
import html
import io
import json
import os
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(ROOT, "Filters", "Viewer", "viewer.html")

W, H = 512, 288
# The crown: centre and radius as fractions of width/height (the part that moves).
CROWN = (0.27, 0.40, 0.16)
# The house: a rectangle (x0, y0, x1, y1) as fractions (never moves).
HOUSE = (0.62, 0.35, 0.92, 0.85)
HZ = [0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4]


def picture(w=W, h=H, seed=0):
    """RGB uint8 (h, w, 3): gradient sky and ground, a textured tree crown, a striped house."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / w, y / h
    img = np.zeros((h, w, 3), np.float32)
    sky = np.stack([0.45 + 0.3 * v, 0.65 + 0.2 * v, 0.95 - 0.1 * u], -1)
    ground = np.stack([0.35 + 0.1 * u, 0.5 - 0.2 * (v - 0.7), 0.25 + 0 * u], -1)
    img[:] = np.where((v < 0.7)[..., None], sky, ground)
    # Crown: leaves as a noisy green texture with dark speckles (sharp detail shows motion).
    cx, cy, r = CROWN[0] * w, CROWN[1] * h, CROWN[2] * w
    crown = ((x - cx) / r) ** 2 + ((y - cy) / (0.8 * r)) ** 2 < 1
    noise = rng.random((h, w)).astype(np.float32)
    coarse = np.asarray(Image.fromarray((rng.random((h // 6, w // 6)) * 255).astype(np.uint8))
                        .resize((w, h), Image.BICUBIC), np.float32) / 255
    leaves = np.stack([0.15 + 0.25 * coarse, 0.35 + 0.45 * coarse * noise, 0.1 + 0.1 * noise], -1)
    leaves[noise < 0.08] *= 0.3
    img[crown] = leaves[crown]
    # Trunk.
    trunk = (abs(x - cx) < 0.06 * r) & (y > cy) & (v < 0.8)
    img[trunk & ~crown] = (0.35, 0.22, 0.1)
    # House with stripes: edges that would show any unwanted motion.
    x0, y0, x1, y1 = HOUSE[0] * w, HOUSE[1] * h, HOUSE[2] * w, HOUSE[3] * h
    house = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    stripes = ((x // 6) % 2 == 0)
    img[house] = np.where(stripes[house][:, None], (0.8, 0.3, 0.25), (0.95, 0.9, 0.8))
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def modes(m=6, gw=128, gh=72, seed=1):
    """(list of mode dicts, float32 basis [m][4][gh][gw] in image pixels)."""
    rng = np.random.default_rng(seed)
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    # Grid sample j sits at image x = (j + 0.5) * W / gw - 0.5 (the viewer's sampling rule).
    ix, iy = (gx + 0.5) * W / gw - 0.5, (gy + 0.5) * H / gh - 0.5
    cx, cy, r = CROWN[0] * W, CROWN[1] * H, CROWN[2] * W
    # A smooth blob: 1 in the crown's middle, 0 beyond 1.6 radii (the house stays at 0).
    d = np.sqrt(((ix - cx) / r) ** 2 + ((iy - cy) / r) ** 2)
    blob = np.clip(1.0 - d / 1.6, 0, 1) ** 2
    blob = blob * blob * (3 - 2 * blob)
    meta, basis = [], np.zeros((m, 4, gh, gw), np.float32)
    for k in range(m):
        amp = 3.0 / (1 + 0.5 * k)                     # image px per unit modal coordinate
        # A slow spatial phase ramp and a little y motion make the modes differ from each other.
        phase = rng.uniform(0, 2 * np.pi) + (ix - cx) / r * rng.uniform(-1, 1)
        tilt = rng.uniform(-0.4, 0.4)
        basis[k, 0] = amp * blob * np.cos(phase)
        basis[k, 1] = amp * blob * np.sin(phase)
        basis[k, 2] = amp * tilt * blob * np.sin(phase)
        basis[k, 3] = -amp * tilt * blob * np.cos(phase)
        scale = float(np.abs(basis[k]).max())
        meta.append({"hz": HZ[k % len(HZ)], "scale": round(scale, 6), "decay": 1.0,
                     "weight": round(1.0 / (1 + 0.3 * k), 4)})
    return meta, basis


def quantize(meta, basis):
    """Int8 [m][4][gh][gw]: v = round(S / scale * 127), the format's rule."""
    scales = np.array([mm["scale"] for mm in meta], np.float32)[:, None, None, None]
    return np.clip(np.round(basis / np.maximum(scales, 1e-12) * 127), -127, 127).astype(np.int8)


def data(m=6, gw=128, gh=72, quality=90, settings=None):
    img = picture()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    meta, basis = modes(m, gw, gh)
    q = quantize(meta, basis)
    s = {"decay": 1.5, "strength": 1.0, "ambient": False, "breeze": False, "maxPull": 40,
         "maxDisplacement": 24, "breezeStrength": 0.5, "gust": 0.5}
    s.update(settings or {})
    return {
        "format": "gid-viewer", "version": 1,
        "image": {"width": W, "height": H, "src": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()},
        "grid": {"width": gw, "height": gh},
        "modes": meta,
        "basis": base64.b64encode(zlib.compress(q.tobytes(), 9)).decode(),
        "settings": s,
    }


def fill(template, payload, title):
    """The template with its two placeholders filled, as the Swift writer does."""
    assert template.count("__GID_DATA__") == 1 and "__GID_TITLE__" in template
    text = json.dumps(payload, separators=(",", ":"))
    # JSON inside a <script> element must not close it: base64 and numbers never contain '<', and
    # escaping it (JSON.parse reads \u003c back) keeps any other string safe.
    text = text.replace("<", "\\u003c")
    return template.replace("__GID_TITLE__", html.escape(title)).replace("__GID_DATA__", text)


def write(path, m=6, gw=128, gh=72, settings=None, title="synthetic tree"):
    with open(TEMPLATE, encoding="utf-8") as f:
        page = fill(f.read(), data(m, gw, gh, settings=settings), title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--modes", type=int, default=6)
    ap.add_argument("--grid", default="128x72", help="WxH of the mode planes")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a setting, e.g. --set ambient=true --set decay=0.5")
    a = ap.parse_args()
    gw, gh = (int(t) for t in a.grid.lower().split("x"))
    settings = {k: json.loads(v) for k, v in (s.split("=", 1) for s in a.set)}
    write(a.out, a.modes, gw, gh, settings)
    print(f"{a.out}: {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
