"""Headless Chromium driven over the DevTools protocol (CDP), for tests that
need a real browser's WebSocket client.

No driver packages: Chromium is started with --remote-debugging-port=0, the
port it chose is read from DevToolsActivePort, and CDP is spoken with the
python-websockets client the tests already use.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

from websockets.sync.client import connect

# The flags this machine's Chromium needs: no sandbox as root, and no
# background networking, whose connections a closed network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
]


def chromium_binary() -> str | None:
    for name in (os.environ.get("SWTEST_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class CdpError(Exception):
    pass


class Browser:
    """One Chromium process and a CDP connection to it."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="swtest-chromium-")
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = pathlib.Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while True:
            if port_file.exists():
                lines = port_file.read_text().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise CdpError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        self.ws = connect(f"ws://127.0.0.1:{lines[0]}{lines[1]}", max_size=None, compression=None)
        self.ids = itertools.count(1)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"{method}: no answer in {timeout}s")
            reply = json.loads(self.ws.recv(timeout=left))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def new_page(self, url: str) -> "Page":
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.call("Page.enable")
        page.navigate(url)
        return page

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
                self.proc.wait(timeout=10)
            except Exception:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def call(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        return self.browser.call(method, params, self.session, timeout)

    def navigate(self, url: str):
        self.call("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")

    def eval(self, expression: str, timeout: float = 30.0):
        """Evaluates JS (awaiting a promise) and returns its JSON value."""
        r = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in r:
            raise CdpError(f"JS exception: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def wait_for(self, condition: str, timeout: float = 15.0):
        """Polls a JS condition until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.eval(f"(() => {{ try {{ return {condition}; }} catch (e) {{ return false; }} }})()")
            if v:
                return v
            if time.monotonic() > deadline:
                raise CdpError(f"timed out waiting for: {condition}")
            time.sleep(0.05)

    def screenshot(self, path: str | os.PathLike):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        pathlib.Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
        except CdpError:
            pass
