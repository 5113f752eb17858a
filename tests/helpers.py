"""Helpers shared by the test packages: build a real site, serve it, run the CLI."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What a copy of the project needs to build and run its tasks.
PROJECT_FILES = ("content", "theme", "plugins", "pelicanconf.py", "publishconf.py", "tasks.py")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sideways_scroll(page) -> int:
    """How many pixels a Playwright page scrolls sideways (0 when it fits the screen)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def run(args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None, **kwargs):
    """Run a command like a user would; return the CompletedProcess (never raises)."""
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 180),
        check=False,
        **kwargs,
    )


def build_site(
    content: Path,
    output: Path,
    settings: Path = ROOT / "pelicanconf.py",
    overrides: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
):
    """Build `content` into `output` with the pelican CLI; returns the CompletedProcess."""
    extra = [f"{key}={value}" for key, value in (overrides or {}).items()]
    args = [str(BIN / "pelican"), str(content), "-s", str(settings), "-o", str(output)]
    if extra:
        args += ["-e", *extra]
    return run(args, env=env)


def copy_project(destination: Path, content: Path | None = None) -> Path:
    """A private copy of the project (settings, theme, plugins, tasks, content)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        target = destination / name
        if name == "content" and content is not None:
            source = content
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return destination


class _StaticHostHandler(http.server.SimpleHTTPRequestHandler):
    """Like a static host (nginx, GitHub Pages): a missing page gets /404.html, status 404."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1; yield the base URL (no trailing slash)."""
    handler = functools.partial(_StaticHostHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
