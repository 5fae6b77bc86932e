"""Open the generated report in a real headless Chromium and check what a reader would see.

Chromium is driven through the DevTools protocol (``--remote-debugging-port`` plus the small
``websocket-client`` package): no console errors, no failed or external requests, every chart
loaded, and a screenshot saved. Skipped, with a message, where Chromium or websocket-client is
absent. ``RERATING_UPDATE_SCREENSHOT=1`` also writes ``docs/report-screenshot.png``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1280,1000",
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "Chromium is not installed (apt-get install chromium fonts-noto-cjk); skipping the browser test"
    )


class DevTools:
    """A minimal synchronous DevTools-protocol client over one page's websocket."""

    def __init__(self, ws_url: str) -> None:
        websocket = pytest.importorskip(
            "websocket", reason="websocket-client is not installed (pip install -e '.[dev]')"
        )
        # suppress_origin: Chromium refuses websocket clients that send an Origin it does not allow
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise AssertionError(f"DevTools {method} failed: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for ev in self.events:
            if ev["method"] == method:
                return ev
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        raise AssertionError(f"timed out waiting for {method}")

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late console messages, late request failures)."""
        self.ws.settimeout(0.2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = json.loads(self.ws.recv())
            except Exception:  # the websocket timeout: nothing more arrived
                continue
            if "method" in msg:
                self.events.append(msg)
        self.ws.settimeout(30)

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def chromium(tmp_path: Path):
    """A fresh headless Chromium (own profile dir); yields its DevTools HTTP port."""
    exe = _chromium()
    profile = tmp_path / "profile"
    profile.mkdir()
    proc = subprocess.Popen(
        [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with code {proc.returncode} before opening DevTools")
            if time.monotonic() > deadline:
                pytest.fail("chromium did not open its DevTools port within 30 s")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _page_ws(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    pages = [t for t in targets if t.get("type") == "page"]
    assert pages, f"no page target in {targets}"
    return pages[0]["webSocketDebuggerUrl"]


@pytest.fixture(scope="module")
def built_report(tmp_path_factory: pytest.TempPathFactory):
    from rerating.data.market import Market
    from rerating.report import build_report

    out = tmp_path_factory.mktemp("report")
    return build_report(Market.from_sample(), preset="deepseek-2025", out_dir=out)


def _visit(
    port: int, html_path: Path, screenshot: Path, readme_shot: Path | None = None
) -> dict[str, Any]:
    """Load ``html_path`` in the page, collect what happened, save a full-page screenshot."""
    devtools = DevTools(_page_ws(port))
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            devtools.send(f"{domain}.enable")
        devtools.send("Page.navigate", url=html_path.resolve().as_uri())
        devtools.wait_for("Page.loadEventFired")
        devtools.drain(0.5)

        def js(expression: str) -> Any:
            return devtools.send("Runtime.evaluate", expression=expression, returnByValue=True)[
                "result"
            ]["value"]

        images = json.loads(js(
            "JSON.stringify(Array.from(document.images).map(i => "
            "({alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight})))"
        ))  # fmt: skip
        sections = json.loads(
            js("JSON.stringify(Array.from(document.querySelectorAll('section')).map(s => s.id))")
        )
        title = js("document.title")
        metrics = devtools.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width, height = int(size["width"]), int(size["height"])
        shot = devtools.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        png = base64.b64decode(shot["data"])
        screenshot.write_bytes(png)
        if readme_shot is not None:
            # The README shows the top of the page: title, summary table and the first chart.
            top = devtools.send(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": width, "height": min(height, 2200), "scale": 1},
            )
            readme_shot.write_bytes(base64.b64decode(top["data"]))
    finally:
        devtools.close()
    events = devtools.events
    return {
        "console_errors": [
            e["params"]
            for e in events
            if (
                e["method"] == "Runtime.consoleAPICalled"
                and e["params"].get("type") in ("error", "assert")
            )
            or e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
        ],  # fmt: skip
        "failed": [e["params"] for e in events if e["method"] == "Network.loadingFailed"],
        "requested": [
            e["params"]["request"]["url"]
            for e in events
            if e["method"] == "Network.requestWillBeSent"
        ],
        "images": images,
        "sections": sections,
        "title": title,
        "png": png,
        "height": height,
    }


def test_report_renders_in_headless_chromium(chromium: int, built_report, tmp_path: Path) -> None:
    readme = (
        ROOT / "docs" / "report-screenshot.png"
        if os.environ.get("RERATING_UPDATE_SCREENSHOT") == "1"
        else None
    )
    page = _visit(chromium, Path(built_report.html_path), tmp_path / "report-full.png", readme)
    external = [u for u in page["requested"] if not u.startswith(("file:", "data:", "about:"))]
    assert page["console_errors"] == [], f"console errors: {page['console_errors']}"
    assert page["failed"] == [], f"failed requests: {page['failed']}"
    assert external == [], f"requests that leave the file: {external}"
    assert page["title"].startswith("The DeepSeek moment")
    assert len(page["images"]) == len(built_report.chart_paths) >= 3
    for img in page["images"]:
        assert img["complete"] and img["w"] > 0 and img["h"] > 0, f"chart not loaded: {img}"
    assert {"summary", "caar", "tests", "dropped", "parameters", "timeline", "provenance"} <= set(
        page["sections"]
    )
    png = page["png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert page["height"] > 1000  # the full page, not just the viewport
    assert (tmp_path / "report-full.png").stat().st_size == len(png)


def test_the_checks_catch_a_broken_page(chromium: int, tmp_path: Path) -> None:
    """Negative control: a missing image, a script error and an external request are all seen."""
    page_path = tmp_path / "broken.html"
    page_path.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img src="missing.png" alt="missing"><script>console.error("boom"); undefinedCall();</script>'
        '<img src="http://127.0.0.1:9/none.png" alt="external"></body></html>',
        encoding="utf-8",
    )
    page = _visit(chromium, page_path, tmp_path / "broken.png")
    assert len(page["console_errors"]) >= 2
    assert len(page["failed"]) >= 2
    assert any(u.startswith("http://127.0.0.1:9/") for u in page["requested"])
    assert [img["w"] for img in page["images"]] == [0, 0]
