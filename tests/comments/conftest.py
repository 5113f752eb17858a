"""A fixture site with comment threads, bad comment files and the hostile corpus.

`write_site` writes posts, a page, comment files and a settings file (that does
`from pelicanconf import *`) into a folder; `comments_site` is that site built once with
the pelican CLI. Tests that change comments get their own copy from `fresh_site`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.comments.payloads import BODIES, NAMES
from tests.helpers import BIN, ROOT, build_site, run

BODY = "A short post about keeping in touch, long enough to have a summary. " * 12

POSTS = {
    "thread-post": "Title: A Post With a Thread\nDate: 2025-01-10 09:00\nAuthor: Olivia Hart",
    "quiet-post": "Title: A Quiet Post\nDate: 2025-01-11 09:00\nAuthor: Marcus Bell",
    "closed-post": "Title: A Closed Post\nDate: 2025-01-12 09:00\nAuthor: Marcus Bell\n"
    "Comments: closed",
    "hidden-post": "Title: A Hidden Thread\nDate: 2025-01-13 09:00\nAuthor: Marcus Bell\n"
    "Comments: hidden",
    "payload-post": "Title: Hostile Comments\nDate: 2025-01-14 09:00\nAuthor: Olivia Hart",
    "odd-status": "Title: An Odd Status\nDate: 2025-01-15 09:00\nAuthor: Olivia Hart\n"
    "Comments: maybe",
    "quote-post": 'Title: Say "Yes" & Mean It\nDate: 2025-01-16 09:00\nAuthor: Olivia Hart',
    # Built (Pelican's WITH_FUTURE_DATES), but in no feed until its date.
    "future-post": "Title: Not Yet\nDate: 2099-01-01 09:00\nAuthor: Olivia Hart",
}
PAGE = "Title: Guestbook\nSlug: guestbook\nComments: open"


def comment(author: str, date: str, body: str, **extra: str) -> str:
    header = [f"Author: {author}", f"Date: {date}"]
    header += [f"{key.capitalize()}: {value}" for key, value in extra.items()]
    return "\n".join(header) + "\n\n" + body + "\n"


# The thread on thread-post, in the order a reader sees it: a, b (the post author's
# reply to a), c (reply to b), e (a later reply to a), then d (a later top-level comment).
THREAD = {
    "a": comment(
        "Ann Archer",
        "2025-02-01 10:00",
        "First, *with* [a link](https://ann.example/x).",
        email="ann@archer.example",
        url="https://ann.example",
    ),
    "d": comment("Ben Brook", "2025-02-01 11:00", "A second top-level comment."),
    "b": comment(
        "olivia  HART",
        "2025-02-01 12:00",
        "The author answers.",
        replyto="a",
        email="o.hart@private.example",
    ),
    "c": comment("Ann Archer", "2025-02-02 09:00", "Three deep.", replyto="b"),
    "e": comment("Cleo Cole", "2025-02-03 09:00", "A later reply to Ann.", replyto="a"),
}
THREAD_ORDER = ["a", "b", "c", "e", "d"]
EMAILS = ["ann@archer.example", "o.hart@private.example", "hidden@secret.example"]

# Bad files under thread-post: file name -> (content, the reason the build gives).
BAD_FILES: dict[str, tuple[str | bytes, str]] = {
    "no-author.md": ("Date: 2025-02-01 10:00\n\nHello.\n", "the Author line is missing"),
    "bad-date.md": (
        comment("Dan", "the day after tomorrow", "Hi."),
        "is not a date",
    ),
    "orphan.md": (
        comment("Dan", "2025-02-01 10:00", "Hi.", replyto="gone"),
        "Replyto 'gone' is not a comment on this post",
    ),
    "orphan-child.md": (
        comment("Dan", "2025-02-01 11:00", "Hi.", replyto="orphan"),
        "its parent 'orphan' was left out",
    ),
    "loop-1.md": (
        comment("Lou", "2025-02-01 10:00", "Hi.", replyto="loop-2"),
        "loops back on itself",
    ),
    "loop-2.md": (
        comment("Lou", "2025-02-01 10:00", "Hi.", replyto="loop-1"),
        "loops back on itself",
    ),
    "latin-1.md": (
        comment("Zoë", "2025-02-01 10:00", "Café").encode("latin-1"),
        "not UTF-8 text",
    ),
    "huge.md": (
        comment("Hugh", "2025-02-01 10:00", "x" * 5_000_000),
        "comments are limited to",
    ),
    "evil-url.md": (
        comment("Eve", "2025-02-01 10:00", "Hi.", url="javascript:alert(1)"),
        "is not an http(s) address",
    ),
    "empty.md": (comment("Emma", "2025-02-01 10:00", "   "), "the comment has no text"),
    "bad id.md": (comment("Ida", "2025-02-01 10:00", "Hi."), "the file name must be"),
    "notes.txt": ("just notes", "comment files end in .md"),
}


@dataclass
class Site:
    """A fixture site on disk: its content, settings file and (once built) output."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def settings(self) -> Path:
        return self.root / "settings.py"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def queue(self) -> Path:
        return self.root / "data" / "comments"

    def build(self, **overrides: str) -> subprocess.CompletedProcess:
        return build_site(self.content, self.output, self.settings, overrides)

    def page(self, url: str) -> BeautifulSoup:
        return BeautifulSoup((self.output / url / "index.html").read_text(), "html.parser")

    def invoke(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        command = [str(BIN / "invoke"), f"comments.{args[0]}", *args[1:]]
        return run([*command, "--settings", str(self.settings)], env=env)


def write_site(root: Path, *, with_bad_files: bool = True) -> Site:
    site = Site(root)
    (site.content / "posts").mkdir(parents=True)
    (site.content / "pages").mkdir()
    for slug, header in POSTS.items():
        (site.content / "posts" / f"{slug}.md").write_text(
            f"{header}\nSlug: {slug}\nCategory: Notes\n\n{BODY}\n"
        )
    (site.content / "pages" / "guestbook.md").write_text(f"{PAGE}\n\nSign here.\n")
    comments = site.content / "comments"
    for name, text in THREAD.items():
        _write(comments / "thread-post" / f"{name}.md", text)
    if with_bad_files:
        for name, (text, _) in BAD_FILES.items():
            _write(comments / "thread-post" / name, text)
        _write(comments / "no-such-post" / "1.md", comment("Nemo", "2025-02-01 10:00", "Lost."))
    _write(comments / "guestbook" / "1.md", comment("Gus", "2025-03-01 10:00", "Lovely page."))
    _write(comments / "closed-post" / "1.md", comment("Cora", "2025-03-01 10:00", "Before."))
    _write(comments / "quote-post" / "1.md", comment("Quincy", "2025-03-01 10:00", "Yes."))
    _write(comments / "future-post" / "1.md", comment("Early Bird", "2025-03-01 10:00", "First!"))
    _write(
        comments / "hidden-post" / "1.md",
        comment("Hidden Hal", "2025-03-01 10:00", "Unseen.", email="hidden@secret.example"),
    )
    for number, body in enumerate(BODIES):
        name = " ".join(NAMES[number % len(NAMES)].split())
        _write(comments / "payload-post" / f"p{number}.md", comment(name, "2024-12-01 10:00", body))
    write_settings(site)
    return site


def write_settings(site: Site) -> None:
    """Settings for a site in its own folder: pelicanconf.py, with paths under that folder."""
    site.settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n\n"
        f'PATH = "content"\nOUTPUT_PATH = "output"\nTHEME = {str(ROOT / "theme")!r}\n'
        f"PLUGIN_PATHS = [{str(ROOT)!r}]\n"
        'COMMENTS = {**COMMENTS, "queue": "data/comments"}\n'
        # Every comment in the feeds, so the hostile corpus is checked there too.
        'FEEDS = {**FEEDS, "max_items": None}\n'
    )


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def comments_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, str]:
    """The fixture site built once; returns the site and the build's log."""
    site = write_site(tmp_path_factory.mktemp("comments-site"))
    result = site.build()
    assert result.returncode == 0, result.stdout + result.stderr
    return site, result.stdout + result.stderr


@pytest.fixture
def fresh_site(tmp_path: Path) -> Site:
    """A fixture site of one's own, without the bad files, not built."""
    return write_site(tmp_path / "site", with_bad_files=False)
