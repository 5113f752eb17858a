"""The records the comments plugin works with: a comment, a post's thread, a post."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from plugins.errors import NurtureError

# A comment id is a file name stem and an HTML fragment: letters, digits, - and _.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# A post slug as a reply or a queue file names it, and a folder name: what Pelican's
# slugify makes (also of long titles and with SLUGIFY_USE_UNICODE), never "/" or "..".
SLUG_PATTERN = re.compile(r"\w[\w.-]{0,199}")
STATUSES = ("open", "closed", "hidden")


class CommentsError(NurtureError):
    """A comments command cannot do what was asked; the message says why and what to do."""


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.fullmatch(value))


def valid_slug(value: str) -> bool:
    return bool(SLUG_PATTERN.fullmatch(value))


def same_person(a: str, b: str) -> bool:
    """Whether two names are the same, case and spacing aside."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass
class Comment:
    """One comment: the metadata of its file and its Markdown body.

    `email` is private: it is kept in the file for the moderator and exports, and no
    template or feed ever receives it. `html`, `by_post_author`, `reply_url` (the
    "Reply by email" link), `shown_date` (as pages show it: "20 November 2026 at 09:30")
    and `replies` are filled in by the plugin.
    """

    id: str
    post: str
    author: str
    date: datetime
    body: str
    email: str = ""
    url: str = ""
    replyto: str = ""
    source: Path | None = None
    html: str = ""
    by_post_author: bool = False
    reply_url: str = ""
    shown_date: str = ""
    replies: list[Comment] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"


@dataclass
class Thread:
    """The comments of one post or page, ready for the template.

    `status` comes from the post's `Comments:` metadata: open (form shown), closed
    (thread shown, no form) or hidden (nothing shown, no feed). `mailto` is the reply
    form's action when there is no subscriptions service.
    """

    post: str
    status: str
    roots: list[Comment] = field(default_factory=list)
    mailto: str = ""

    def walk(self) -> list[Comment]:
        """Every comment in reading order: each comment followed by its replies."""
        ordered: list[Comment] = []
        stack = list(reversed(self.roots))
        while stack:
            comment = stack.pop()
            ordered.append(comment)
            stack.extend(reversed(comment.replies))
        return ordered

    @property
    def count(self) -> int:
        return len(self.walk())


def build_tree(comments: list[Comment]) -> tuple[list[Comment], list[tuple[Comment, str]]]:
    """Thread one post's comments by `replyto`, oldest first at every level.

    Returns the top-level comments and the comments left out, each with the reason:
    a parent that does not exist, a parent that was itself left out, or a reply chain
    that loops back on itself.
    """
    by_id = {comment.id: comment for comment in comments}
    ordered = sorted(comments, key=lambda c: (c.date, c.id))
    for comment in ordered:
        comment.replies = []
    roots = [c for c in ordered if not c.replyto]
    for comment in ordered:
        if comment.replyto in by_id:
            by_id[comment.replyto].replies.append(comment)
    reached = {c.id for c in Thread("", "open", roots).walk()}
    left_out: list[tuple[Comment, str]] = []
    for comment in ordered:
        if comment.id in reached:
            comment.replies = [r for r in comment.replies if r.id in reached]
        elif comment.replyto not in by_id:
            left_out.append((comment, f"Replyto {comment.replyto!r} is not a comment on this post"))
        elif _loops(comment, by_id):
            left_out.append((comment, "its reply chain loops back on itself (check Replyto)"))
        else:
            left_out.append((comment, f"its parent {comment.replyto!r} was left out"))
    return roots, left_out


def _loops(comment: Comment, by_id: dict[str, Comment]) -> bool:
    seen: set[str] = set()
    while comment.replyto in by_id and comment.id not in seen:
        seen.add(comment.id)
        comment = by_id[comment.replyto]
    return comment.id in seen


@dataclass(frozen=True)
class Post:
    """What the comment commands need to know about an article or page."""

    slug: str
    title: str
    url: str
    date: datetime | None
    authors: tuple[str, ...]
    kind: str = "post"
    status: str = "open"
