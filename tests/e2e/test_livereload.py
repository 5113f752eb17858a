"""`invoke livereload`: save a post and the open page shows the change by itself."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest

from tests.helpers import BIN, copy_project

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url):
                return
        except OSError:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "livereload did not start"
            time.sleep(0.3)


def test_saving_a_post_rebuilds_and_reloads_the_open_page(browser, tmp_path):
    project = copy_project(tmp_path / "project")
    post = next((project / "content/posts").glob("*seven-touches*.md"))
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "invoke"), "livereload", "--port", str(port)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/2025/01/seven-touches-reconsidered/"
        _wait_for(url, server)
        page = browser.new_page()
        page.goto(url)
        assert page.locator("h1.post__title").inner_text() == "The Seven Touches, Reconsidered"
        # The page learns of a rebuild over livereload's websocket: wait until it is open.
        page.wait_for_function(
            "window.LiveReload && window.LiveReload.connector._isSocketConnected()",
            timeout=30_000,
        )
        post.write_text(post.read_text().replace("Title: The Seven", "Title: Eight", 1))
        title = "document.querySelector('h1.post__title').textContent"
        page.wait_for_function(f"{title} === 'Eight Touches, Reconsidered'", timeout=60_000)
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
