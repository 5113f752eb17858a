"""`invoke livereload`: save a post and the open page shows the change by itself."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.helpers import BIN, copy_project, free_port

pytestmark = pytest.mark.e2e


def _wait_for(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url):
                return
        except OSError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "livereload did not start"
            time.sleep(0.3)


def _wait_until_quiet(output, seconds: float = 2.0, limit: float = 60) -> None:
    """Until nothing under `output` has been written for `seconds`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        newest = max(path.stat().st_mtime for path in output.rglob("*"))
        if time.time() - newest > seconds:
            return
        time.sleep(0.5)


def test_saving_a_post_rebuilds_and_reloads_the_open_page(browser, tmp_path):
    project = copy_project(tmp_path / "project")
    post = next((project / "content/posts").glob("*seven-touches*.md"))
    port = free_port()
    log = (tmp_path / "livereload.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "invoke"), "livereload", "--port", str(port)],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/2025/01/seven-touches-reconsidered/"
        _wait_for(url, server, tmp_path / "livereload.log")
        page = browser.new_page()
        page.goto(url)
        assert page.locator("h1.post__title").inner_text() == "The Seven Touches, Reconsidered"
        # The page learns of a rebuild over livereload's websocket: wait until it is open.
        page.wait_for_function(
            "window.LiveReload && window.LiveReload.connector._isSocketConnected()",
            timeout=30_000,
        )
        # livereload misses a save made while it is rebuilding (its watcher compares file
        # times after each run): let it settle, and save again if a save was missed.
        _wait_until_quiet(project / "output")
        edited = post.read_text().replace("Title: The Seven", "Title: Eight", 1)
        title = "document.querySelector('h1.post__title').textContent"
        for attempt in range(3):
            post.write_text(edited)
            try:
                page.wait_for_function(f"{title} === 'Eight Touches, Reconsidered'", timeout=20_000)
                break
            except PlaywrightTimeout:
                assert attempt < 2, "the page never reloaded by itself"
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
