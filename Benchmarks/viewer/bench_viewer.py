"""Speed of the offline viewer (Filters/Viewer/viewer.html) in headless Chromium.

    Training/.venv/bin/python Benchmarks/viewer/bench_viewer.py [PAGE.html] [--runs 3] [--seconds 3]

Without PAGE, a synthetic 512x288 scene with 16 modes on a 128x72 grid (Tests/Viewer/
make_fixture.py) is written to a temporary file. For the WebGL2 renderer and the canvas-2D one
(?renderer=2d) it reports: time to first frame in a fresh browser (cold: browser and GPU process
start with the page) and in a second tab (warm), and frames per second while the scene rings after
a 30 px drag at its liveliest point (damping 10 s, so it rings all through the measurement). Medians
over --runs fresh browsers. Goals: >= 30 fps ringing, first frame < 1 s, file <= 3 MB.
"""

import argparse
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "Viewer"))
import cdp  # noqa: E402
import make_fixture  # noqa: E402

VIEWPORT = (512, 460)   # the canvas is 512 CSS px wide: one screen pixel per pixel of a 512-wide photo
READY = "window.gidViewer && gidViewer.stats().firstFrameMs !== null && gidViewer.stats()"


def open_page(browser, url):
    page = browser.new_page(VIEWPORT)
    page.goto(url)
    return page, page.wait_for(READY, timeout=60)


def liveliest_point(path):
    """Image point (px) whose modes move most: the grid point of largest sum_m weight_m |S_m|^2."""
    text = open(path, encoding="utf-8").read()
    data = json.loads(re.search(r'<script id="gid-data" type="application/json">(.*?)</script>', text, re.S).group(1))
    W, H, gw, gh = data["image"]["width"], data["image"]["height"], data["grid"]["width"], data["grid"]["height"]
    S = np.frombuffer(zlib.decompress(base64.b64decode(data["basis"])), np.int8).reshape(-1, 4, gh, gw) / 127.0
    k = np.array([m["weight"] * m["scale"] ** 2 for m in data["modes"]])
    i, j = np.unravel_index(np.einsum("m,mcij->ij", k, S ** 2).argmax(), (gh, gw))
    return (j + 0.5) * W / gw - 0.5, (i + 0.5) * H / gh - 0.5


def ringing_fps(page, point, seconds):
    """Frames per second while ringing, counted by the page between two readings."""
    page.eval("gidViewer.set({decay: 10, ambient: false, breeze: false})")
    r = page.eval("gidViewer.canvasRect()")
    s = page.eval("gidViewer.stats()")
    x, y = r["x"] + point[0] * r["width"] / s["width"], r["y"] + point[1] * r["height"] / s["height"]
    for dx, dy in ((30, 0), (0, 30), (-30, 0), (0, -30)):
        page.drag(x, y, dx, dy)
        time.sleep(0.3)
        if page.eval("gidViewer.stats().moving") > 0.5:
            break
    else:
        raise RuntimeError("the drag did not set the scene ringing")
    f0, t0 = page.eval("[gidViewer.stats().frames, performance.now()]")
    time.sleep(seconds)
    f1, t1 = page.eval("[gidViewer.stats().frames, performance.now()]")
    assert page.eval("gidViewer.stats().animating"), "stopped ringing during the measurement"
    return (f1 - f0) * 1000 / (t1 - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("page", nargs="?", help="viewer page (default: a synthetic 512x288 scene)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each fps measurement")
    a = ap.parse_args()
    if not cdp.find_chromium():
        sys.exit("chromium not found: apt-get install chromium")
    tmp = None
    path = a.page
    if not path:
        tmp = tempfile.TemporaryDirectory()
        path = make_fixture.write(os.path.join(tmp.name, "fixture.html"), m=16, gw=128, gh=72)
    url = "file://" + os.path.abspath(path)
    size = os.path.getsize(path)
    point = liveliest_point(path)

    results = {"webgl2": {"cold": [], "warm": [], "fps": []}, "2d": {"cold": [], "warm": [], "fps": []}}
    info = None
    load0 = os.getloadavg()[0]
    for _ in range(a.runs):
        for name, suffix in (("webgl2", ""), ("2d", "?renderer=2d")):
            with cdp.Browser(*VIEWPORT) as b:
                page, s = open_page(b, url + suffix)
                assert s["renderer"] == name, s
                results[name]["cold"].append(s["firstFrameMs"])
                if info is None:
                    info = (b.version["product"], s)
                    info += (page.eval("""(() => { const gl = document.createElement('canvas').getContext('webgl2');
                        const e = gl && gl.getExtension('WEBGL_debug_renderer_info');
                        return e ? gl.getParameter(e.UNMASKED_RENDERER_WEBGL) : 'no WebGL2'; })()"""),)
                b.close_page(page)
                page, s = open_page(b, url + suffix)
                results[name]["warm"].append(s["firstFrameMs"])
                results[name]["fps"].append(ringing_fps(page, point, a.seconds))
                errors = page.errors + [f"request {u}" for u in page.requests]
                if errors:
                    print(f"{name}: page problems: {errors}", file=sys.stderr)
    load1 = os.getloadavg()[0]

    product, s, gl = info
    print(f"page: {a.page or 'synthetic scene (Tests/Viewer/make_fixture.py)'}")
    print(f"      {size:,} bytes ({size / 1e6:.2f} MB), {s['width']}x{s['height']}, {s['modes']} modes, "
          f"grid {s['grid'][0]}x{s['grid'][1]}")
    print(f"browser: {product}, headless; WebGL2 on: {gl}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load0:.1f} before, {load1:.1f} after; "
          f"medians of {a.runs} runs")
    print()
    print(f"{'renderer':9} {'first frame cold':>17} {'first frame warm':>17} {'fps ringing':>12}")
    for name, r in results.items():
        med = {k: statistics.median(v) for k, v in r.items()}
        print(f"{name:9} {med['cold']:14.0f} ms {med['warm']:14.0f} ms {med['fps']:12.1f}"
              f"   (fps runs: {', '.join(f'{x:.0f}' for x in r['fps'])})")
    print()
    print("goals: fps ringing >= 30: webgl2 {}, 2d {}; first frame < 1 s (cold): webgl2 {}, 2d {}; file <= 3 MB: {}".format(
        *("met" if statistics.median(results[n]["fps"]) >= 30 else "NOT met" for n in results),
        *("met" if statistics.median(results[n]["cold"]) < 1000 else "NOT met" for n in results),
        "met" if size <= 3e6 else "NOT met"))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
