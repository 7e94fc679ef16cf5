"""Headless-Chromium tests of the offline viewer (Filters/Viewer/viewer.html) on a synthetic scene.

    Training/.venv/bin/python -m pytest -q Tests/Viewer

Each check runs on the WebGL2 renderer (SwiftShader here) and on the canvas-2D fallback, forced
with the page URL's `?renderer=2d`. The scene (make_fixture.py) moves only the tree's crown; the
striped house never moves. Set GID_VIEWER_SHOTS=DIR to keep before/during/after PNGs of the drag.
"""

import io
import os
import sys
import time

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import make_fixture  # noqa: E402

if not cdp.find_chromium():
    pytest.skip("chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chrome)",
                allow_module_level=True)

VIEWPORT = (512, 460)  # the canvas is then 512x288 CSS px: one screenshot pixel per image pixel
W, H = make_fixture.W, make_fixture.H
cx, cy, r = make_fixture.CROWN
CROWN_BOX = (int((cx - 0.7 * r) * W), int((cy - 0.25) * H), int((cx + 0.7 * r) * W), int((cy + 0.25) * H))
hx0, hy0, hx1, hy1 = make_fixture.HOUSE
HOUSE_BOX = (int(hx0 * W), int(hy0 * H), int(hx1 * W), int(hy1 * H))
SHOTS = os.environ.get("GID_VIEWER_SHOTS")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    return make_fixture.write(str(tmp_path_factory.mktemp("viewer") / "fixture.html"), m=6)


@pytest.fixture(scope="module")
def browser():
    with cdp.Browser(*VIEWPORT) as b:
        yield b


@pytest.fixture(scope="module", params=["webgl2", "2d"])
def view(request, browser, page_file):
    """A loaded viewer page, one per renderer, shared by that renderer's tests."""
    page = browser.new_page()
    url = "file://" + page_file + ("?renderer=2d" if request.param == "2d" else "")
    page.goto(url)
    page.wait_for("window.gidViewer && gidViewer.stats().firstFrameMs !== null")
    page.expected = request.param
    page.rect = page.eval("gidViewer.canvasRect()")
    yield page
    browser.close_page(page)


@pytest.fixture
def v(view):
    """The page at rest with short damping; checks afterwards that nothing went wrong."""
    view.eval("gidViewer.set({ambient: false, breeze: false, decay: 0.3, strength: 1})")
    wait_rest(view)
    yield view
    assert view.errors == [], view.errors
    assert view.requests == [], view.requests


def shot(page):
    r = page.rect
    png = page.screenshot((r["x"], r["y"], r["width"], r["height"]))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.int16)


def diff(a, b, box=None):
    """Mean absolute difference, over the box (x0, y0, x1, y1) in image px if given."""
    if box:
        x0, y0, x1, y1 = box
        a, b = a[y0:y1, x0:x1], b[y0:y1, x0:x1]
    return float(np.abs(a - b).mean())


def wait_rest(page, timeout=10):
    """Waits until the page stops animating (nothing moves) and returns its stats."""
    end = time.monotonic() + timeout
    while True:
        s = page.eval("gidViewer.stats()")
        if not s["animating"]:
            return s
        assert time.monotonic() < end, f"still animating after {timeout} s: {s}"
        time.sleep(0.1)


def crown_point(page):
    r = page.rect
    return r["x"] + cx * r["width"], r["y"] + cy * r["height"]


def save(name, img):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        Image.fromarray(img.astype(np.uint8)).save(os.path.join(SHOTS, name))


def test_loads_offline_and_reports(v):
    s = v.eval("gidViewer.stats()")
    assert s["renderer"] == v.expected
    assert 0 < s["firstFrameMs"] < 15000
    assert s["frames"] >= 1 and s["moving"] == 0
    assert {"fps", "firstFrameMs", "frames", "moving", "renderer"} <= set(s)
    assert v.rect["width"] == W and v.rect["height"] == H, v.rect
    assert v.eval("document.title") == "synthetic tree"


def test_still_without_ambient_or_breeze(v):
    a = shot(v)
    time.sleep(0.4)
    b = shot(v)
    assert np.array_equal(a, b)
    s = v.eval("gidViewer.stats()")
    assert not s["animating"] and s["moving"] == 0


def check_drag(page, kind):
    before = shot(page)
    x, y = crown_point(page)
    drag = page.drag if kind == "mouse" else page.touch_drag
    drag(x, y, 30, 0, release=False)
    time.sleep(0.15)
    during = shot(page)
    held = page.eval("gidViewer.stats()")
    # Held: the crown follows the pull (the point itself moves by the drag, 30 px), the house stays.
    assert held["pulls"] == 1 and 15 < held["moving"] <= 24, held
    assert diff(before, during, CROWN_BOX) > 10, "the crown did not move"
    assert diff(before, during, HOUSE_BOX) == 0, "the house moved"
    if kind == "mouse":
        page.mouse("mouseReleased", x + 30, y)
    else:
        page.touch("touchEnd", [])
    time.sleep(0.1)
    ringing = page.eval("gidViewer.stats()")
    assert ringing["animating"] and ringing["moving"] > 0.05, ringing
    rest = wait_rest(page, timeout=8)
    after = shot(page)
    assert rest["moving"] < 0.05 and rest["pulls"] == 0, rest
    assert diff(before, after) < 0.05, "the picture did not come back"
    return before, during, after


def test_mouse_drag_moves_crown_and_rings_down(v):
    before, during, after = check_drag(v, "mouse")
    for name, img in (("before", before), ("during", during), ("after", after)):
        save(f"{v.expected}-{name}.png", img)
    assert v.eval("gidViewer.stats().fps") > 0


def test_touch_drag(v):
    check_drag(v, "touch")


def reference_held_moving(p0, d, m=6, gw=128, gh=72, max_d=24.0):
    """max |D| (soft-clamped) of a held pull, computed here from the format's maths alone."""
    meta, basis = make_fixture.modes(m, gw, gh)
    S = make_fixture.quantize(meta, basis).astype(np.float64) / 127
    S *= np.array([mm["scale"] for mm in meta])[:, None, None, None]
    w = np.array([mm["weight"] for mm in meta])
    cx = min(gw - 1, max(0, int(np.floor((p0[0] + 0.5) * gw / W - 0.5 + 0.5))))
    cy = min(gh - 1, max(0, int(np.floor((p0[1] + 0.5) * gh / H - 0.5 + 0.5))))
    xr, xi, yr, yi = S[:, :, max(0, cy - 2):cy + 3, max(0, cx - 2):cx + 3].mean((2, 3)).T
    q = w * (xr * d[0] + yr * d[1]) - 1j * w * (xi * d[0] + yi * d[1])   # w conj(S) . d
    u = np.array([np.sum((xr + 1j * xi) * q).real, np.sum((yr + 1j * yi) * q).real])
    q *= (d[0] ** 2 + d[1] ** 2) / (u @ np.asarray(d, float))            # the point moves by d
    Dx = np.einsum("m,mij->ij", q.real, S[:, 0]) - np.einsum("m,mij->ij", q.imag, S[:, 1])
    Dy = np.einsum("m,mij->ij", q.real, S[:, 2]) - np.einsum("m,mij->ij", q.imag, S[:, 3])
    r = np.hypot(Dx, Dy).max()
    knee = max_d / 2   # Dynamics.limitDisplacements: kept up to the knee, then bent toward max_d
    return r if r <= knee else knee * (1 + np.tanh((r - knee) / knee))


def test_held_pull_matches_reference_maths(v):
    r = v.rect
    x0, y0 = int(r["x"] + 150), int(r["y"] + 100)     # whole CSS px: the drag is exactly (24, -12)
    v.drag(x0, y0, 24, -12, release=False)
    got = v.eval("gidViewer.stats().moving")
    v.mouse("mouseReleased", x0 + 24, y0 - 12)
    want = reference_held_moving((x0 - r["x"], y0 - r["y"]), (24, -12))
    assert abs(got - want) < 1e-3 * want, (got, want)
    wait_rest(v)


def test_point_that_does_not_move(v):
    before = shot(v)
    r = v.rect
    v.drag(r["x"] + 0.75 * W, r["y"] + 0.6 * H, 20, 0)
    assert "does not move" in v.eval("document.getElementById('hint').textContent")
    wait_rest(v)
    assert np.array_equal(before, shot(v))


def frames_differ(page, seconds=0.5):
    a = shot(page)
    time.sleep(seconds)
    b = shot(page)
    return diff(a, b, CROWN_BOX), diff(a, b, HOUSE_BOX)


def test_ambient_moves_and_stops(v):
    v.eval("document.getElementById('ambient').click()")
    assert v.eval("gidViewer.settings.ambient") is True
    time.sleep(0.5)
    crown, house = frames_differ(v)
    assert crown > 1 and house == 0, (crown, house)
    v.eval("document.getElementById('ambient').click()")
    assert wait_rest(v, timeout=4)["moving"] == 0


def test_breeze_moves_and_dies_down(v):
    v.eval("gidViewer.set({breezeStrength: 1})")      # random: twice the default, for a clear margin
    v.eval("document.getElementById('breeze').click()")
    time.sleep(1.0)
    crown, house = frames_differ(v)
    assert crown > 0.5 and house == 0, (crown, house)
    v.eval("document.getElementById('breeze').click()")
    assert wait_rest(v, timeout=10)["moving"] == 0
    v.eval("gidViewer.set({breezeStrength: 0.5})")


def test_save_video(browser, page_file):
    """Recording is the same for both renderers: checked once, on WebGL2."""
    page = browser.new_page()
    try:
        page.goto("file://" + page_file)
        page.wait_for("window.gidViewer && gidViewer.stats().firstFrameMs !== null")
        page.eval("document.getElementById('ambient').click(); document.getElementById('record').click()")
        time.sleep(1.2)
        page.eval("document.getElementById('record').click()")
        href = page.wait_for("(() => { const a = document.getElementById('download'); return !a.hidden && a.href; })()",
                             timeout=5)
        assert href.startswith("blob:")
        assert page.eval(f"fetch({href!r}).then(r => r.blob()).then(b => b.size)") > 1000
        assert page.errors == [] and page.requests == [], (page.errors, page.requests)
    finally:
        browser.close_page(page)


def test_the_harness_sees_requests_and_errors(browser, tmp_path):
    """The checks above rely on cdp.Page noticing requests and errors: show that it does."""
    page_path = tmp_path / "probe.html"
    page_path.write_text("<img src='http://example.invalid/a.png'><script>console.error('boom');"
                         "fetch('https://example.invalid/b').catch(() => {}); setTimeout(() => { throw new Error('late'); });"
                         "</script>")
    page = browser.new_page()
    try:
        page.goto(f"file://{page_path}")
        time.sleep(0.5)
        assert any("example.invalid/a.png" in u for u in page.requests), page.requests
        assert any("example.invalid/b" in u for u in page.requests), page.requests
        assert any("boom" in e for e in page.errors) and any("late" in e for e in page.errors), page.errors
    finally:
        browser.close_page(page)


def test_falls_back_to_2d_without_webgl(page_file):
    """Where WebGL2 is missing, the page picks the 2D renderer by itself and still animates."""
    with cdp.Browser(*VIEWPORT, flags=["--disable-webgl", "--disable-webgl2"]) as b:
        page = b.new_page()
        page.goto("file://" + page_file)
        page.wait_for("window.gidViewer && gidViewer.stats().firstFrameMs !== null")
        assert page.eval("gidViewer.stats().renderer") == "2d"
        page.eval("document.getElementById('ambient').click()")
        page.wait_for("gidViewer.stats().moving > 0.5", timeout=5)   # the loop's size varies in time
        assert page.errors == [] and page.requests == [], (page.errors, page.requests)
