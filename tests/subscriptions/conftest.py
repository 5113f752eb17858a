"""The subscriptions service as a user runs it: `invoke subscriptions.serve`, on 127.0.0.1.

`run_service` writes a small site (an open post with one approved comment, a closed post,
a Subscribe page) and its settings file into a folder, then starts the real server on a
free port with its own contact database, two signing keys (a new and an old one) and
NURTURE_SMTP_URL pointing at a recording aiosmtpd server. Tests talk to it over HTTP
and look at what the database, the moderation queue and the SMTP server hold.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from plugins.contacts import Store
from plugins.subscriptions import SubscriptionsSettings, load_settings
from tests.helpers import BIN, ROOT, free_port
from tests.smtp import Recorder, recording_server

# Fixed, so that every pytest-xdist worker collects the same test ids.
NEW_KEY = "new-test-key-" + "n" * 32
OLD_KEY = "old-test-key-" + "o" * 32
SITE_URL = "https://warmleads.example"
SENDER = "olivia@warmleads.example"
# Where bounces go (NEWSLETTER["envelope_sender"]), apart from the From address.
ENVELOPE = "bounces@warmleads.example"

POSTS = {
    "hello": "Title: Hello Readers\nDate: 2025-01-10 09:00\nAuthor: Olivia Hart\nSlug: hello",
    "closed": "Title: A Closed Post\nDate: 2025-01-11 09:00\nAuthor: Marcus Bell\nSlug: closed\n"
    "Comments: closed",
}
APPROVED = "Author: Ann Archer\nDate: 2025-02-01 10:00\nEmail: ann@archer.example\n\nFirst!\n"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Recorder]]:
    """A plain SMTP server on 127.0.0.1 that records what it receives."""
    with recording_server() as server:
        yield server


def write_site(
    root: Path, *, site_url: str, service_url: str, subscriptions: dict[str, object]
) -> Path:
    """A small site and its settings file (pelicanconf.py with paths under `root`).

    Writing it again over an existing site rewrites the same files; only the settings differ.
    """
    for slug, header in POSTS.items():
        path = root / "content" / "posts" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{header}\n\nA short post about keeping in touch.\n")
    page = root / "content" / "pages" / "subscribe.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("Title: Subscribe\nSlug: subscribe\nTemplate: subscribe\n\nJoin us.\n")
    comment = root / "content" / "comments" / "hello" / "first.md"
    comment.parent.mkdir(parents=True, exist_ok=True)
    comment.write_text(APPROVED)
    settings = root / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n\n"
        f'PATH = "content"\nOUTPUT_PATH = "output"\nTHEME = {str(ROOT / "theme")!r}\n'
        f"PLUGIN_PATHS = [{str(ROOT)!r}]\nSITEURL = {site_url!r}\n"
        f"SUBSCRIPTIONS_URL = {service_url!r}\n"
        f"SUBSCRIPTIONS = {{**SUBSCRIPTIONS, **{subscriptions!r}}}\n"
        'COMMENTS = {**COMMENTS, "queue": "data/comments"}\n'
        f'NEWSLETTER = {{**NEWSLETTER, "envelope_sender": {ENVELOPE!r}}}\n'
    )
    return settings


@dataclass
class Service:
    """A running service and everything around it."""

    url: str
    root: Path
    settings_file: Path
    env: dict[str, str]
    recorder: Recorder
    process: subprocess.Popen
    _ips: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def database(self) -> Path:
        return Path(self.env["NURTURE_DB"])

    @property
    def queue(self) -> Path:
        return self.root / "data" / "comments" / "pending"

    def settings(self) -> SubscriptionsSettings:
        return load_settings(self.settings_file, self.env)

    @contextmanager
    def store(self) -> Iterator[Store]:
        with Store.open(self.database) as store:
            yield store

    def client(self) -> httpx.Client:
        """An HTTP client that looks like one new visitor (its own X-Forwarded-For)."""
        address = f"203.0.113.{next(self._ips) % 250 + 1}"
        return httpx.Client(base_url=self.url, timeout=30, headers={"X-Forwarded-For": address})


@contextmanager
def run_service(
    root: Path,
    smtp: tuple[int, Recorder],
    *,
    site_url: str = SITE_URL,
    port: int | None = None,
    subscriptions: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Service]:
    """Start `invoke subscriptions.serve` for a fresh site in `root`; stop it afterwards."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    settings = write_site(
        root, site_url=site_url, service_url=url, subscriptions=subscriptions or {}
    )
    environment = {
        **os.environ,
        "NURTURE_DB": str(root / "data" / "nurture.sqlite3"),
        "NURTURE_SMTP_URL": f"smtp://127.0.0.1:{smtp[0]}",
        "NURTURE_SUBSCRIPTIONS_SECRET": f"{NEW_KEY} {OLD_KEY}",
        **(env or {}),
    }
    log = root / "service.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(BIN / "invoke"), "subscriptions.serve", "--port", str(port),
             "--settings", str(settings)],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(url, process, log)
        yield Service(url, root, settings, environment, smtp[1], process)
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service stopped:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the service did not answer within 30 s:\n{log.read_text()}")


def link_in(message: EmailMessage, kind: str) -> str:
    """The /confirm/ or /unsubscribe/ address in a message's plain-text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(rf"http://\S+/{kind}/\S+", text)
    return link
