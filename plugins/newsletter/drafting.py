"""`newsletter.new`: draft the next issue from the posts published since the last one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from plugins.errors import NurtureError

from .issues import DIRECTORY, INTRO_PLACEHOLDER, issue_files, issue_number
from .project import Project
from .render import plain

# With no earlier issue and no --since, a first issue gathers this many days of posts.
FIRST_ISSUE_DAYS = 31
PREHEADER_LENGTH = 110


class NothingNew(NurtureError):
    """No post was published in the period a new issue would cover."""


@dataclass(frozen=True)
class Draft:
    """The issue file `newsletter.new` wrote."""

    number: int
    path: Path
    titles: tuple[str, ...]


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def draft_next_issue(project: Project, now: datetime, since: datetime | None = None) -> Draft:
    """Write content/newsletter/<next>.md (Status: draft) listing the new posts, newest first.

    The posts are those published after the latest issue's date, or from `since` on, or
    in the last FIRST_ISSUE_DAYS days when there is no issue yet. Raise NothingNew when
    there are none.
    """
    latest = max(project.issues, key=lambda issue: issue.number, default=None)
    if since is not None:
        start, after = since, f"since {since:%-d %B %Y}"
    elif latest is not None:
        start = latest.date + timedelta(seconds=1)
        after = f"since issue {latest.number} ({latest.date:%-d %B %Y})"
    else:
        start = now - timedelta(days=FIRST_ISSUE_DAYS)
        after = f"in the last {FIRST_ISSUE_DAYS} days"
    posts = sorted(
        (
            post
            for post in project.posts.values()
            if post.status == "published" and start <= post.date <= now
        ),
        key=lambda post: post.date,
        reverse=True,
    )
    if not posts:
        raise NothingNew(
            f"no posts were published {after}, so there is nothing for a new issue; "
            "write a post first, or pass --since YYYY-MM-DD to include older ones"
        )
    numbers = [issue_number(path) or 0 for path in issue_files(project.content)]
    number = max(numbers, default=0) + 1
    path = project.content / DIRECTORY / f"{number}.md"
    newest = posts[0]
    local = now.astimezone(project.timezone)
    # The Summary as written, else the post's text (unlinked: no build has run).
    summary = plain(newest.metadata.get("summary") or newest._content)
    lines = [
        f"Subject: {plain(newest.title)}",
        f"Date: {local:%Y-%m-%d %H:%M}",
        f"Posts: {', '.join(post.slug for post in posts)}",
        f"Preheader: {_shorten(summary, PREHEADER_LENGTH)}",
        "Status: draft",
        "",
        f"{INTRO_PLACEHOLDER}: what has been on your mind this month, and why these "
        "posts are worth a reader's time. Then set Status: ready.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return Draft(number, path, tuple(plain(post.title) for post in posts))
