"""Replies posted to /comments go into the comments plugin's moderation queue.

A posted reply gets the same cleaning (plugins/comments/clean.py) and the same checks as
a mailed one in `invoke comments.ingest` (plugins/comments/moderation.py): a post that
exists and is open, a `replyto` that is a comment there (approved or waiting), a body
within COMMENTS['max_length']. It is written with the comments plugin's Queue, so
`invoke comments.pending`, `approve` and `reject` work on it unchanged. Posting the
same text twice queues it once.

The posts are read with Pelican's generators, which takes a moment, so they are kept and
read again only when something under the content folder changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from plugins.comments.clean import clean_body, clean_email, clean_line, clean_url
from plugins.comments.model import Comment, CommentsError, Post, valid_id, valid_slug
from plugins.comments.moderation import queue
from plugins.comments.posts import load_posts
from plugins.comments.settings import Config
from plugins.comments.store import Queue
from plugins.errors import NurtureError


class CommentRefused(NurtureError):
    """A posted reply cannot be queued; the message says why, `status` is the HTTP status."""

    def __init__(self, message: str, status: int, post: Post | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.post = post


@dataclass(frozen=True)
class Received:
    comment: Comment
    post: Post
    new: bool  # False when the same reply had been received before


def comment_id(post: str, email: str, body: str) -> str:
    """A stable id from who wrote what where: posting the same reply twice is a no-op."""
    return hashlib.sha256(f"{post}\n{email}\n{body}".encode()).hexdigest()[:12]


class Inbox:
    """Takes posted replies into the queue; safe to call from several threads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._posts: dict[str, Post] = {}
        self._signature: tuple[int, int] | None = None

    def receive(self, fields: Mapping[str, str]) -> Received:
        """Queue the reply in these form fields; raise CommentRefused saying why not."""
        slug = fields.get("post", "").strip()
        if not valid_slug(slug):
            raise CommentRefused("The form did not say which post the comment is for.", 400)
        email = clean_email(fields.get("email", ""))
        if not email:
            raise CommentRefused("Please give your email address; it is never shown.", 400)
        body = clean_body(fields.get("body", ""))
        if not body:
            raise CommentRefused("The comment is empty.", 400)
        limit = self.config.max_length
        if len(body) > limit:
            raise CommentRefused(
                f"The comment is {len(body):,} characters long; the limit is {limit:,}.", 413
            )
        replyto = fields.get("replyto", "").strip()
        if replyto and not valid_id(replyto):
            raise CommentRefused("The comment it replies to is not on this post.", 400)
        with self._lock:
            post = self._current_posts().get(slug)
            if post is None:
                raise CommentRefused("There is no such post.", 404)
            if post.status != "open":
                raise CommentRefused(f"Comments on “{post.title}” are closed.", 403, post)
            pending = queue(self.config)
            folder = self.config.comments_root / slug
            if replyto and not (
                (folder / f"{replyto}.md").is_file() or _waiting_on(pending, replyto, slug)
            ):
                raise CommentRefused("The comment it replies to is not on this post.", 400, post)
            comment = Comment(
                id=comment_id(slug, email, body),
                post=slug,
                author=clean_line(fields.get("author", "")) or email.split("@")[0],
                date=dt.datetime.now(ZoneInfo(self.config.timezone)).replace(microsecond=0),
                body=body,
                email=email,
                url=clean_url(fields.get("url", "")),
                replyto=replyto,
            )
            if (folder / f"{comment.id}.md").is_file() or pending.knows(comment.id):
                return Received(comment, post, new=False)
            pending.add(comment)
        return Received(comment, post, new=True)

    def _current_posts(self) -> dict[str, Post]:
        signature = _tree_signature(Path(self.config.settings["PATH"]))
        if signature != self._signature:
            self._posts = load_posts(self.config.settings, self.config.comments)
            self._signature = signature
        return self._posts


def _waiting_on(pending: Queue, comment_id: str, slug: str) -> bool:
    """Whether comment `comment_id` is waiting for moderation, on post `slug`."""
    try:
        return pending.get(comment_id).post == slug
    except CommentsError:  # not waiting, or its file cannot be read
        return False


def _tree_signature(root: Path) -> tuple[int, int]:
    """The newest modification time under `root` and the number of entries there."""
    paths = [root, *root.rglob("*")]
    return max(path.stat().st_mtime_ns for path in paths), len(paths)
