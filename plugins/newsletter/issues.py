"""Newsletter issues as content: `content/newsletter/<number>.md`, read and checked.

The file has a Pelican metadata header, read by Pelican's own MarkdownReader so it
parses exactly like a post's, then the intro in Markdown::

    Subject: Finding your cadence
    Date: 2026-11-19 08:00
    Posts: finding-your-cadence, follow-up-after-the-event
    Preheader: How often is too often, and the 48 hours after an event.
    Segment: clients, partners
    Status: ready

    Hello again. ...

`read_issues` returns the issues it could read and a Problem for each file it could
not; `check_posts` adds the problems only the site's posts can reveal. An issue with a
problem is left out of the build; the others go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican.readers import MarkdownReader
from pelican.utils import set_date_tzinfo

from plugins.errors import NurtureError

from .message import HeaderError, check_header_text

DIRECTORY = "newsletter"
STATUSES = ("draft", "ready")
# What `newsletter.new` writes as the intro; an issue still saying it is not ready.
INTRO_PLACEHOLDER = "Write your intro here, in your own voice"
_NUMBER = re.compile(r"[0-9]+")
_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(["'])\s*[^"'\s]""", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.I)


@dataclass(frozen=True)
class Issue:
    """One issue as its file says, before the build resolves its posts."""

    number: int
    source: str
    path: Path
    subject: str
    date: datetime
    posts: tuple[str, ...]
    preheader: str
    segment: tuple[str, ...]
    status: str
    intro_html: str

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def url(self) -> str:
        """Site-relative: ready issues are in the archive, drafts in an unlisted folder."""
        folder = "newsletter/drafts" if self.is_draft else "newsletter"
        return f"{folder}/{self.number}/"

    @property
    def save_as(self) -> str:
        return f"{self.url}index.html"


@dataclass(frozen=True)
class Problem:
    """Why one issue file cannot be built."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class IssueError(NurtureError):
    """An issue file that cannot be built; `problems` says why, one message each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {'; '.join(problems)}")
        self.problems = [Problem(source, message) for message in problems]


def issue_number(path: Path) -> int | None:
    """The number a file name gives (3.md -> 3), or None."""
    return int(path.stem) if _NUMBER.fullmatch(path.stem) and int(path.stem) > 0 else None


def issue_files(content: Path) -> list[Path]:
    """The Markdown files in content/newsletter/."""
    folder = content / DIRECTORY
    extensions = {f".{ext}" for ext in MarkdownReader.file_extensions}
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in extensions)


def _display(path: Path, content: Path) -> str:
    """The path as the user knows it: relative to the folder holding the content folder."""
    return path.relative_to(content.parent).as_posix()


def _text(metadata: dict[str, Any], key: str) -> str:
    value = metadata.get(key, "")
    return "\n".join(value) if isinstance(value, list) else str(value).strip()


def _items(value: str) -> list[str]:
    """The entries of a comma-separated list."""
    return [item.strip() for item in value.split(",") if item.strip()]


def read_issue(path: Path, settings: dict[str, Any]) -> Issue:
    """Read and check one issue file; raise IssueError listing what is wrong with it."""
    content = Path(settings["PATH"])
    source = _display(path, content)
    number = issue_number(path)
    if number is None:
        raise IssueError(source, ["the file name must be the issue number, e.g. 4.md"])
    try:
        intro, metadata = MarkdownReader(settings).read(str(path))
    except ValueError as error:
        raise IssueError(
            source, [f"cannot read it: {error} (dates look like 2026-11-19 08:00)"]
        ) from None
    problems: list[str] = []
    subject = _text(metadata, "subject")
    preheader = _text(metadata, "preheader")
    if not subject:
        problems.append("Subject is missing: add a line such as 'Subject: Finding your cadence'")
    for name, value in (("Subject", subject), ("Preheader", preheader)):
        try:
            check_header_text(value, name)
        except HeaderError as error:
            problems.append(str(error))
    date = metadata.get("date")
    if not isinstance(date, datetime):
        problems.append("Date is missing: add a line such as 'Date: 2026-11-19 08:00'")
    status = _text(metadata, "status").lower() or "draft"
    if status not in STATUSES:
        problems.append(f"Status {status!r} is unknown; use 'Status: draft' or 'Status: ready'")
    posts = _items(_text(metadata, "posts"))
    for slug in dict.fromkeys(slug for slug in posts if posts.count(slug) > 1):
        problems.append(f"Posts lists {slug!r} more than once")
    if not posts and not intro.strip():
        problems.append("there is nothing to send: list posts in Posts or write an intro")
    for image in _IMAGE.findall(intro):
        if not _ALT.search(image):
            src = _SRC.search(image)
            problems.append(
                f"the image {src.group(2) if src else image} in the intro has no alt text; "
                "say what it shows: ![a hand-written card on a desk](...)"
            )
    if status == "ready" and INTRO_PLACEHOLDER in intro:
        problems.append(
            "the intro is still the placeholder: write it, or set 'Status: draft' until you do"
        )
    if problems:
        raise IssueError(source, problems)
    return Issue(
        number=number,
        source=source,
        path=path,
        subject=subject,
        date=set_date_tzinfo(date, settings.get("TIMEZONE", "UTC")),
        posts=tuple(posts),
        preheader=preheader,
        segment=tuple(dict.fromkeys(tag.lower() for tag in _items(_text(metadata, "segment")))),
        status=status,
        intro_html=intro,
    )


def read_issues(settings: dict[str, Any]) -> tuple[list[Issue], list[Problem]]:
    """Every issue in content/newsletter/ that reads cleanly, by number, and the problems."""
    content = Path(settings["PATH"])
    issues: list[Issue] = []
    problems: list[Problem] = []
    for path in issue_files(content):
        try:
            issues.append(read_issue(path, settings))
        except IssueError as error:
            problems += error.problems
    by_number: dict[int, list[Issue]] = {}
    for issue in issues:
        by_number.setdefault(issue.number, []).append(issue)
    for number, same in by_number.items():
        if len(same) > 1:
            files = " and ".join(issue.source for issue in same)
            problems += [
                Problem(issue.source, f"issue number {number} is used by {files}; renumber one")
                for issue in same
            ]
    unique = [same[0] for same in by_number.values() if len(same) == 1]
    return sorted(unique, key=lambda issue: issue.number), problems


def check_posts(issue: Issue, posts: Mapping[str, Any], now: datetime) -> list[Problem]:
    """Problems with the posts an issue lists: unknown, draft or future-dated."""
    problems = []
    for slug in issue.posts:
        post = posts.get(slug)
        if post is None:
            problems.append(
                f"post {slug!r} does not exist; Posts takes the slugs of published posts"
            )
        elif post.status == "draft":
            problems.append(f"post {slug!r} is a draft; publish it first or leave it out")
        elif post.date > now:
            problems.append(
                f"post {slug!r} is dated in the future ({post.date:%Y-%m-%d %H:%M}); "
                "wait until it is published or leave it out"
            )
    return [Problem(issue.source, message) for message in problems]


def posts_by_slug(articles: Iterable[Any]) -> dict[str, Any]:
    """Published, hidden and draft posts by slug; a published post wins over a draft."""
    found: dict[str, Any] = {}
    for article in articles:
        if article.slug not in found or found[article.slug].status == "draft":
            found[article.slug] = article
    return found
