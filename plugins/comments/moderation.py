"""Moderation: emailed replies into the private queue, then approve or reject them."""

from __future__ import annotations

import email.errors
from dataclasses import dataclass, field
from pathlib import Path

from . import mail
from .model import Comment, CommentsError, Post, same_person
from .posts import load_posts
from .settings import Config
from .store import Problem, Queue, comment_path, format_comment, load_comments, write_new


@dataclass
class IngestReport:
    """What `ingest` did with each message; `claims_author` are added replies signed with
    the name of one of the post's authors (the page would mark them "Post author")."""

    added: list[Comment] = field(default_factory=list)
    claims_author: list[Comment] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def queue(config: Config) -> Queue:
    return Queue(config.queue_root, timezone=config.timezone, max_length=config.max_length)


def _approved_ids(config: Config) -> dict[str, set[str]]:
    comments, _ = load_comments(
        config.comments_root, timezone=config.timezone, max_length=config.max_length
    )
    return {slug: {c.id for c in found} for slug, found in comments.items()}


def ingest(config: Config, source: Path) -> IngestReport:
    """Queue every usable reply in an .eml file, mbox or Maildir; skip messages seen before."""
    pending = queue(config)
    posts = load_posts(config.settings, config.comments)
    approved = _approved_ids(config)
    waiting: dict[str, set[str]] = {}
    for comment in pending.all()[0]:
        waiting.setdefault(comment.post, set()).add(comment.id)
    report = IngestReport()
    for label, raw in mail.messages(source):
        try:
            comment = mail.parse_reply(raw, max_length=config.max_length)
        except mail.ReplyError as error:
            report.skipped.append((label, str(error)))
            continue
        except (
            email.errors.MessageError,
            AttributeError,
            LookupError,
            TypeError,
            ValueError,
        ) as error:
            # The email package raises all of these on some malformed messages.
            report.skipped.append((label, f"the message cannot be parsed ({error})"))
            continue
        post = posts.get(comment.post)
        known = approved.get(comment.post, set()) | waiting.get(comment.post, set())
        if comment.id in known or pending.knows(comment.id):
            report.known.append(label)
        elif post is None:
            report.skipped.append((label, f"there is no post with slug {comment.post!r}"))
        elif post.status != "open":
            report.skipped.append((label, f"comments on {post.slug!r} are {post.status}"))
        elif comment.replyto and comment.replyto not in known:
            report.skipped.append(
                (label, f"replyto={comment.replyto} is not a comment on {post.slug!r}")
            )
        else:
            pending.add(comment)
            waiting.setdefault(comment.post, set()).add(comment.id)
            report.added.append(comment)
            if any(same_person(comment.author, name) for name in post.authors):
                report.claims_author.append(comment)
    return report


def pending(config: Config) -> tuple[list[Comment], list[Problem]]:
    return queue(config).all()


def approve(config: Config, comment_id: str) -> tuple[Comment, Path, Post]:
    """Publish a pending comment as `<comments>/<post>/<id>.md`; its parent must be approved."""
    pending_queue = queue(config)
    comment = pending_queue.get(comment_id)
    post = load_posts(config.settings, config.comments).get(comment.post)
    if post is None:
        raise CommentsError(
            f"comment {comment_id} is for {comment.post!r}, which is no longer a post; "
            f"reject it with `invoke comments.reject {comment_id}`"
        )
    if comment.replyto and comment.replyto not in _approved_ids(config).get(comment.post, set()):
        raise CommentsError(
            f"comment {comment_id} replies to {comment.replyto}, which is not approved; "
            f"approve that first: `invoke comments.approve {comment.replyto}`"
        )
    path = comment_path(config.comments_root, comment)
    write_new(path, format_comment(comment))
    pending_queue.remove(comment_id)
    return comment, path, post


def reject(config: Config, comment_id: str) -> Comment:
    """Move a pending comment to the rejected folder; ingesting it again will skip it."""
    return queue(config).reject(comment_id)
