"""The page gid-filter itself writes, from the measured motion of a shipped clip, in headless
Chromium: it loads offline with no errors, a drag on the crane's jib moves it, the open sky away
from the crane stays as it was, and the picture comes back to rest. (The building does follow the
jib a little: the clip's measured motion keeps some camera shake, common to every part.)

    Training/.venv/bin/python -m pytest -q Tests/Viewer/test_real_page.py

Needs the release binary (`swift build -c release`); skips with a line saying so where it is absent.
"""

import io
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, ".build", "release", "gid-filter")
CLIP = os.path.join(ROOT, "Samples", "clips", "crane-sway.mkv")

if not cdp.find_chromium():
    pytest.skip("chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chrome)", allow_module_level=True)
if not os.access(BINARY, os.X_OK):
    pytest.skip(f"{BINARY} not built: swift build -c release --product gid-filter", allow_module_level=True)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("real") / "crane.html")
    r = subprocess.run([BINARY, "-y", "-i", CLIP, "-vf", "motion,viewer=decay=0.5", out], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.parametrize("renderer", ["webgl2", "2d"])
def test_a_drag_on_the_boom_moves_it_and_it_comes_back(page_file, renderer):
    size = os.path.getsize(page_file)
    assert size < 3_000_000, f"page is {size} bytes"
    with cdp.Browser(560, 700) as browser:
        page = browser.new_page()
        page.goto("file://" + page_file + ("?renderer=2d" if renderer == "2d" else ""))
        page.wait_for("window.gidViewer && gidViewer.stats().firstFrameMs !== null")
        stats = page.eval("gidViewer.stats()")
        assert stats["renderer"] == renderer and stats["width"] == 280 and stats["height"] == 280, stats
        rect = page.eval("gidViewer.canvasRect()")

        def shot():
            png = page.screenshot((rect["x"], rect["y"], rect["width"], rect["height"]))
            img = Image.open(io.BytesIO(png)).convert("RGB").resize((280, 280))
            return np.asarray(img, np.int16)

        boom = (0.5, 0.66)  # the middle of the jib
        near = (110, 155, 170, 215)  # x0, y0, x1, y1 in picture px: the jib around that point
        sky = (20, 20, 120, 100)  # open sky, far from the crane
        before = shot()
        x, y = rect["x"] + boom[0] * rect["width"], rect["y"] + boom[1] * rect["height"]
        page.drag(x, y, 0, 0.04 * rect["height"], release=False)
        time.sleep(0.2)
        during = shot()
        page.mouse("mouseReleased", x, y + 0.04 * rect["height"])
        def change(box):
            x0, y0, x1, y1 = box
            return float(np.abs(during[y0:y1, x0:x1] - before[y0:y1, x0:x1]).mean())
        assert change(near) > 5, f"the jib moved by only {change(near)} levels"
        assert change(sky) < 2, f"the open sky changed by {change(sky)} levels"
        end = time.monotonic() + 10
        while page.eval("gidViewer.stats()")["animating"]:
            assert time.monotonic() < end, "still ringing after 10 s"
            time.sleep(0.1)
        after = shot()
        assert float(np.abs(after - before).mean()) < 0.05, "the picture did not come back to rest"
        assert page.errors == [], page.errors
        assert page.requests == [], page.requests
        Image.fromarray(np.concatenate([before, during, after], 1).astype(np.uint8)).save(
            os.path.join(os.environ.get("GID_VIEWER_SHOTS", str(os.path.dirname(page_file))), f"crane-{renderer}.png"))
