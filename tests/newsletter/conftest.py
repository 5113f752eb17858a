"""Fixture sites with newsletter issues, and SMTP servers on 127.0.0.1 that record what they get."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import BIN, ROOT, copy_project, run
from tests.smtp import Received, Recorder, recording_server

INVOKE = str(BIN / "invoke")
SITEURL = "https://news.example"
WORDS = (
    "A short note after a first meeting keeps the conversation warm and shows you "
    "listened. Mention one thing they said, offer one useful link, and ask nothing back. "
)
CARD_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40"/></svg>'
SUBSCRIBE_PAGE = "Title: Subscribe\nSlug: subscribe\nTemplate: subscribe\n\nOne letter a month.\n"
LETTERS_PAGE = (
    "Title: Letters\nSlug: letters\n\nRead [the first letter]({filename}/newsletter/1.md).\n"
)


def write_post(
    content: Path,
    slug: str,
    *,
    date: str,
    title: str | None = None,
    summary: str | None = None,
    status: str | None = None,
) -> Path:
    """A post by a known author, in content/posts/<slug>.md."""
    lines = [
        f"Title: {title or slug.replace('-', ' ').title()}",
        f"Date: {date}",
        "Category: Follow-Up",
        "Author: Olivia Hart",
        f"Slug: {slug}",
    ]
    lines += [f"Summary: {summary}"] if summary else []
    lines += [f"Status: {status}"] if status else []
    path = content / "posts" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n" + WORDS * 8 + "\n", encoding="utf-8")
    return path


def write_issue(content: Path, name: str, header: str, intro: str = "A few words.") -> Path:
    """content/newsletter/<name>.md with this metadata header and intro."""
    path = content / "newsletter" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header.strip() + "\n\n" + intro + "\n", encoding="utf-8")
    return path


@dataclass
class Built:
    """A project copy after `invoke build`."""

    root: Path
    stdout: str
    returncode: int

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def rendered(self) -> Path:
        return self.root / "cache" / "newsletter"


def build_project(root: Path) -> Built:
    result = run([INVOKE, "build", "--", "-e", f'SITEURL="{SITEURL}"'], cwd=root)
    return Built(root, result.stdout + result.stderr, result.returncode)


GOOD_INTRO = """Hello, and thank you for reading.

Before the posts, [the third post]({filename}/posts/post-c.md) is worth a look, and so is
[our about page](/about/).

![A hand-written card on a desk]({static}/images/card.svg)

- one small idea
- another small idea
"""


@pytest.fixture(scope="session")
def newsletter_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Good and bad issues built together, after earlier builds of this content (issue 42)
    and of another content folder (43) left rendered emails in the cache."""
    content = tmp_path_factory.mktemp("newsletter-content") / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "card.svg").write_text(CARD_SVG, encoding="utf-8")
    (content / "pages").mkdir()
    (content / "pages" / "subscribe.md").write_text(SUBSCRIBE_PAGE, encoding="utf-8")
    (content / "pages" / "letters.md").write_text(LETTERS_PAGE, encoding="utf-8")
    write_post(content, "post-a", date="2026-01-05 09:00")
    write_post(content, "post-b", date="2026-01-12 09:00", title="Post B & friends")
    write_post(content, "post-c", date="2026-02-02 09:00", summary="Why a card beats an email.")
    write_post(content, "draft-post", date="2026-02-03 09:00", status="draft")
    write_post(content, "future-post", date="2099-01-01 09:00")
    write_issue(
        content,
        "1",
        """
Subject: Tips & tricks for “warm” follow-up
Date: 2026-01-20 08:00
Posts: post-b, post-a
Preheader: Two posts, one question and a card.
Segment: Clients, partners
Status: ready
""",
        GOOD_INTRO,
    )
    write_issue(
        content,
        "2",
        "Subject: The second letter\nDate: 2026-02-20 08:00\nPosts: post-c\nStatus: ready",
    )
    write_issue(
        content, "3", "Subject: Next month\nDate: 2026-03-20 08:00\nPosts: post-a\nStatus: draft"
    )
    bad = {
        "4": "Subject: Four\nDate: 2026-03-01\nPosts: nope\nStatus: ready",
        "5": "Subject: Five\nDate: 2026-03-01\nPosts: draft-post\nStatus: ready",
        "6": "Subject: Six\nDate: 2026-03-01\nPosts: future-post\nStatus: ready",
        "7": "Date: 2026-03-01\nPosts: post-a\nStatus: ready",
        "8": "Subject: Hello\n    Bcc: victim@example.com\nDate: 2026-03-01\nPosts: post-a",
        "9": "Subject: Nine\nPreheader: =?utf-8?q?Hi=0ABcc:_x@example.com?=\nDate: 2026-03-01",
        "10": "Subject: Ten\nDate: 2026-03-01\nPosts: post-a",
        "010": "Subject: Ten again\nDate: 2026-03-01\nPosts: post-b",
        "notes": "Subject: Notes\nDate: 2026-03-01\nPosts: post-a",
    }
    for name, header in bad.items():
        write_issue(content, name, header)
    write_issue(
        content,
        "11",
        "Subject: Eleven\nDate: 2026-03-01\nPosts: post-a\nStatus: ready",
        "![]({static}/images/card.svg)",
    )
    write_issue(
        content,
        "12",
        "Subject: Twelve\nDate: 2026-03-01\nPosts: post-a\nStatus: ready",
        "Write your intro here, in your own voice: and so on.",
    )
    write_issue(
        content,
        "13",
        "Subject: Thirteen\nDate: 2026-03-01\nPosts: post-a\nStatus: draft",
        "\n\n".join([WORDS * 3] * 250),
    )
    root = copy_project(tmp_path_factory.mktemp("newsletter-project"), content=content)
    for number, source in (("42", root / "content/newsletter/42.md"), ("43", ROOT / "x/y.md")):
        earlier = root / "cache" / "newsletter" / number
        earlier.mkdir(parents=True)
        (earlier / "issue.json").write_text(json.dumps({"source": str(source)}))
    return build_project(root)


@dataclass
class SmtpServer:
    port: int
    recorder: Recorder

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages


def _serve(tls_context: ssl.SSLContext | None = None) -> Iterator[SmtpServer]:
    with recording_server(tls_context) as (port, recorder):
        yield SmtpServer(port, recorder)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 recording what it receives."""
    yield from _serve()


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 offering STARTTLS with a self-signed certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    yield from _serve(context)
