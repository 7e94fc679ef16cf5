"""The page gid-filter itself writes, from the measured motion of a shipped clip, in headless
Chromium: it loads offline with no errors, a drag on the crane's boom moves it, the building does
not follow, and the picture comes back to rest.

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

        boom = (0.72, 0.35)  # the jib near its tip (the demo's poke)
        building = (200, 150, 270, 270)  # x0, y0, x1, y1 in picture px: the wall and its windows
        before = shot()
        x, y = rect["x"] + boom[0] * rect["width"], rect["y"] + boom[1] * rect["height"]
        page.drag(x, y, 0, 0.04 * rect["height"], release=False)
        time.sleep(0.2)
        during = shot()
        page.mouse("mouseReleased", x, y + 0.04 * rect["height"])
        x0, y0, x1, y1 = building
        moved = float(np.abs(during - before).mean())
        wall = float(np.abs(during[y0:y1, x0:x1] - before[y0:y1, x0:x1]).mean())
        assert moved > 0.3, f"the drag changed the picture by only {moved}"
        assert wall < moved / 2, f"the building moved {wall} (the whole picture {moved})"
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
