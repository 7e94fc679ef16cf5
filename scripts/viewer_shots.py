"""Screenshots of a viewer page for README's gallery: at rest, and held mid-drag.

    Training/.venv/bin/python scripts/viewer_shots.py PAGE.html OUT_PREFIX [X Y DX DY]

X, Y: the point dragged, as fractions of the picture; DX, DY: the drag, as fractions of its
height. Writes OUT_PREFIX-rest.png and OUT_PREFIX-drag.png (headless Chromium, Tests/Viewer/cdp.py).
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Viewer"))
import cdp  # noqa: E402


def main():
    page_file, prefix = sys.argv[1], sys.argv[2]
    x, y, dx, dy = (float(v) for v in (sys.argv[3:7] if len(sys.argv) >= 7 else (0.5, 0.45, 0.0, 0.05)))
    with cdp.Browser(680, 640) as browser:
        page = browser.new_page()
        page.goto("file://" + os.path.abspath(page_file))
        page.wait_for("window.gidViewer && gidViewer.stats().firstFrameMs !== null")
        time.sleep(0.3)
        with open(prefix + "-rest.png", "wb") as f:
            f.write(page.screenshot())
        rect = page.eval("gidViewer.canvasRect()")
        px, py = rect["x"] + x * rect["width"], rect["y"] + y * rect["height"]
        page.drag(px, py, dx * rect["height"], dy * rect["height"], release=False)
        time.sleep(0.3)
        with open(prefix + "-drag.png", "wb") as f:
            f.write(page.screenshot())
        print(page.eval("JSON.stringify(gidViewer.stats())"))
        assert page.errors == [] and page.requests == [], (page.errors, page.requests)


if __name__ == "__main__":
    main()
