"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (standard library only).

Chromium reads commands from fd 3 and writes replies and events to fd 4, each message one JSON
object followed by a NUL byte. `Browser` launches headless Chromium with WebGL2 on SwiftShader (the
CPU renderer: this container has no GPU), `Page` drives one tab: navigate, evaluate JS, mouse and
touch input, screenshots, and it records console errors, uncaught exceptions and every network
request other than the page's own file:// URL and data:/blob: URLs (those are blocked, too).

    with Browser(width=800, height=600) as b:
        page = b.new_page()
        page.goto("file:///tmp/x.html")
        print(page.eval("1 + 1"))
"""

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

# Flags that give WebGL2 in a headless container without a GPU: ANGLE on SwiftShader (the CPU
# Vulkan implementation shipped with Chromium; the page sees "ANGLE (Google, Vulkan 1.3.0
# (SwiftShader Device (Subzero)...)"). Chromium 156 still falls back to it by itself, but logs that
# this automatic fallback is deprecated; --enable-unsafe-swiftshader is the explicit opt-in.
WEBGL_FLAGS = [
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]

COMMON_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-device-scale-factor=1",
    # Keep timers and rAF running at full rate in a tab nobody looks at.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    # No phoning home: the network log should only show what the page itself asks for.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
]


def find_chromium():
    """Path of a Chromium/Chrome binary, or None."""
    for name in ("CHROMIUM", "CHROME"):
        p = os.environ.get(name)
        if p and os.access(p, os.X_OK):
            return p
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(self, width=800, height=600, flags=(), binary=None, timeout=30):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise FileNotFoundError("chromium not found")
        self.timeout = timeout
        self.window = (width, height)
        self.profile = tempfile.mkdtemp(prefix="gid-cdp-")
        # Our write end -> child's fd 3; child's fd 4 -> our read end.
        to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, from_child_w = os.pipe()
        # Move the child's ends above 9 so that renumbering them to 3 and 4 cannot clobber them.
        to_child_r, from_child_w = (self._high_fd(to_child_r), self._high_fd(from_child_w))
        args = [self.binary, *COMMON_FLAGS, *WEBGL_FLAGS, f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}", *flags, "about:blank"]
        # pass_fds keeps the two pipe ends open in the child under their own numbers; bash (sh cannot
        # name fds above 9) moves them to 3 and 4, where Chromium expects them, and execs the browser.
        script = f'exec 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-; exec "$@"'
        self.proc = subprocess.Popen(["/bin/bash", "-c", script, "bash", *args],
                                     pass_fds=(to_child_r, from_child_w),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        os.close(to_child_r)
        os.close(from_child_w)
        self._stderr = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self._next_id = 0
        self._lock = threading.Lock()
        self._waiting = {}  # id -> [Event, reply]
        self._listeners = []  # callables (message dict)
        self._closed = False
        threading.Thread(target=self._read_loop, daemon=True).start()
        try:
            self.version = self.send("Browser.getVersion")
        except Exception:
            self.close()
            raise

    @staticmethod
    def _high_fd(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    # --- transport -------------------------------------------------------------------------
    def _drain_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line.decode(errors="replace"))
            del self._stderr[:-200]

    def _read_loop(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child_r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        slot = self._waiting.pop(msg["id"], None)
                    if slot:
                        slot[1] = msg
                        slot[0].set()
                else:
                    for fn in list(self._listeners):
                        fn(msg)
        self._closed = True
        with self._lock:
            for slot in self._waiting.values():
                slot[0].set()

    def send(self, method, params=None, session_id=None, timeout=None):
        with self._lock:
            self._next_id += 1
            mid = self._next_id
            slot = [threading.Event(), None]
            self._waiting[mid] = slot
        msg = {"id": mid, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        data = json.dumps(msg).encode() + b"\0"
        try:
            if self._closed:
                raise BrokenPipeError
            while data:
                data = data[os.write(self._to_child_w, data):]
        except (BrokenPipeError, OSError):
            with self._lock:
                self._waiting.pop(mid, None)
            raise CDPError(f"{method}: the browser is gone. stderr: {''.join(self._stderr[-20:])}") from None
        if not slot[0].wait(timeout or self.timeout):
            raise CDPError(f"{method}: no reply in {timeout or self.timeout} s")
        reply = slot[1]
        if reply is None:
            raise CDPError(f"{method}: browser closed. stderr: {''.join(self._stderr[-20:])}")
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    # --- pages -----------------------------------------------------------------------------
    def new_page(self, viewport=None):
        """A new tab. viewport=(width, height) in CSS px (default: the window size given at launch;
        headless --window-size counts some window chrome, so the viewport is set exactly here)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        w, h = viewport or self.window
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})
        return page

    def close_page(self, page):
        self._listeners.remove(page._on_message)
        self.send("Target.closeTarget", {"targetId": page.target_id})

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
            except CDPError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self._to_child_w, self._from_child_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _own_url(url, page_url):
    """True for the URLs a self-contained page may load: itself, data: and blob: URLs."""
    base = (page_url or "").split("#")[0].split("?")[0]
    return url.startswith(("data:", "blob:", "about:")) or (base and url.split("#")[0].split("?")[0] == base)


class Page:
    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session = session_id
        self.url = None
        self.errors = []     # console errors and uncaught exceptions, as text
        self.console = []    # every console message, as (type, text)
        self.requests = []   # URLs of requests other than the page's own
        self._events = []    # (method, params) of this session, for wait_event
        self._cond = threading.Condition()
        browser._listeners.append(self._on_message)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        # Fail every http(s) request outright: nothing of the viewer may come from a network.
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "http*"}, {"urlPattern": "ftp*"}]})

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, self.session, timeout)

    # --- events ----------------------------------------------------------------------------
    def _on_message(self, msg):
        if msg.get("sessionId") != self.session:
            return
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.console.append((p["type"], text))
            if p["type"] in ("error", "assert"):
                self.errors.append(f"console.{p['type']}: {text}")
        elif method == "Log.entryAdded":
            e = p["entry"]
            if e["level"] == "error":
                self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not _own_url(url, self.url):
                self.requests.append(url)
        elif method == "Fetch.requestPaused":
            url = p["request"]["url"]
            if not _own_url(url, self.url) and url not in self.requests:
                self.requests.append(url)
            # Answer from another thread: this one is the reader that delivers the reply.
            threading.Thread(target=self._fail_request, args=(p["requestId"],), daemon=True).start()
        with self._cond:
            self._events.append((method, p))
            self._cond.notify_all()

    def _fail_request(self, request_id):
        try:
            self.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"})
        except CDPError:
            pass

    def wait_event(self, method, timeout=30, since=0):
        """Waits for an event named `method` at index >= since of this page's event log."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(since, len(self._events)):
                    if self._events[i][0] == method:
                        return self._events[i][1]
                left = end - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no {method} in {timeout} s")
                self._cond.wait(left)

    # --- navigation and JS ----------------------------------------------------------------
    def goto(self, url, timeout=30):
        self.url = url
        mark = len(self._events)
        reply = self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise CDPError(f"navigate {url}: {reply['errorText']}")
        self.wait_event("Page.loadEventFired", timeout, since=mark)

    def eval(self, expression, await_promise=True, timeout=None):
        """Value of a JS expression (JSON-serialisable; a promise is awaited)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": await_promise}, timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError(f"eval {expression[:60]!r}: {d.get('exception', {}).get('description') or d.get('text')}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout=20, interval=0.05):
        """Polls a JS expression until it is truthy; returns its value."""
        end = time.monotonic() + timeout
        while True:
            v = self.eval(expression)
            if v:
                return v
            if time.monotonic() > end:
                raise CDPError(f"timed out waiting for {expression!r}")
            time.sleep(interval)

    # --- input -----------------------------------------------------------------------------
    def mouse(self, kind, x, y, buttons=1):
        """kind: 'mousePressed', 'mouseMoved' or 'mouseReleased'; (x, y) in CSS px of the viewport."""
        params = {"type": kind, "x": x, "y": y, "button": "left" if buttons or kind != "mouseMoved" else "none",
                  "buttons": buttons if kind != "mouseReleased" else 0}
        if kind != "mouseMoved":
            params["clickCount"] = 1
        self.send("Input.dispatchMouseEvent", params)

    def drag(self, x0, y0, dx, dy, steps=6, hold=0.0, release=True):
        """Mouse drag from (x0, y0) by (dx, dy) in `steps` moves; waits `hold` s before releasing."""
        self.mouse("mouseMoved", x0, y0, buttons=0)
        self.mouse("mousePressed", x0, y0)
        for i in range(1, steps + 1):
            self.mouse("mouseMoved", x0 + dx * i / steps, y0 + dy * i / steps)
            time.sleep(0.02)
        if hold:
            time.sleep(hold)
        if release:
            self.mouse("mouseReleased", x0 + dx, y0 + dy)

    def touch(self, kind, points):
        """kind: 'touchStart', 'touchMove', 'touchEnd'; points: [(x, y), ...] (empty for touchEnd)."""
        self.send("Input.dispatchTouchEvent",
                  {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})

    def touch_drag(self, x0, y0, dx, dy, steps=6, hold=0.0, release=True):
        self.touch("touchStart", [(x0, y0)])
        for i in range(1, steps + 1):
            self.touch("touchMove", [(x0 + dx * i / steps, y0 + dy * i / steps)])
            time.sleep(0.02)
        if hold:
            time.sleep(hold)
        if release:
            self.touch("touchEnd", [])

    # --- pictures --------------------------------------------------------------------------
    def screenshot(self, clip=None):
        """PNG bytes of the viewport, or of clip = (x, y, width, height) in CSS px."""
        params = {"format": "png"}
        if clip:
            x, y, w, h = clip
            params["clip"] = {"x": x, "y": y, "width": w, "height": h, "scale": 1}

        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
