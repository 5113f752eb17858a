"""Comment files: read, write, and the private moderation queue.

An approved comment is `<comments>/<post-slug>/<id>.md` (pelican_comment_system's
layout): a Pelican metadata header (`Author`, `Date`, optional `Email`, `Url`,
`Replyto`), a blank line, then the Markdown body. A comment waiting for moderation is
the same file with a `Post: <slug>` line, under `<queue>/pending/`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pelican.utils import get_date

from plugins.fastbuild.dates import usual_date

from .clean import clean_body, clean_email, clean_line, clean_url
from .model import Comment, CommentsError, valid_id, valid_slug

_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):\s?(.*)")
_ORDER = ("post", "author", "date", "email", "url", "replyto")


class CommentFileError(CommentsError):
    """A comment file cannot be used; the message is the reason."""


class Problem(NamedTuple):
    """A file or folder that was skipped, and why."""

    path: Path
    reason: str


def parse_comment(
    text: str, comment_id: str, *, post: str | None, timezone: str, max_length: int
) -> Comment:
    """Parse a comment file's text; `post=None` means the file names its post (queue)."""
    meta, body = _split(text)
    if post is None:
        post = meta.get("post", "")
        if not valid_slug(post):
            raise CommentFileError(f"Post {post!r} is not a post slug")
    author = clean_line(meta.get("author", ""))
    if not author:
        raise CommentFileError("the Author line is missing or empty")
    if not meta.get("date"):
        raise CommentFileError("the Date line is missing")
    try:
        date = usual_date(meta["date"]) or get_date(meta["date"])
    except ValueError:
        raise CommentFileError(
            f"Date {meta['date']!r} is not a date, e.g. 2026-11-20 09:30"
        ) from None
    if date.tzinfo is None:
        date = date.replace(tzinfo=ZoneInfo(timezone))
    email = clean_email(meta.get("email", ""))
    if meta.get("email") and not email:
        raise CommentFileError(f"Email {meta['email']!r} is not an email address")
    url = clean_url(meta.get("url", ""))
    if meta.get("url") and not url:
        raise CommentFileError(f"Url {meta['url']!r} is not an http(s) address")
    replyto = meta.get("replyto", "")
    if replyto and not valid_id(replyto):
        raise CommentFileError(f"Replyto {replyto!r} is not a comment id")
    if replyto == comment_id:
        raise CommentFileError("the comment replies to itself (check Replyto)")
    body = clean_body(body)
    if not body:
        raise CommentFileError("the comment has no text")
    if len(body) > max_length:
        raise CommentFileError(
            f"the text is {len(body):,} characters; the limit is {max_length:,} "
            "(COMMENTS['max_length'])"
        )
    return Comment(comment_id, post, author, date, body, email, url, replyto)


def _split(text: str) -> tuple[dict[str, str], str]:
    """The metadata header (lower-cased keys) and the body, like Pelican's Markdown reader."""
    meta: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines):
        if not line.strip():
            return meta, "\n".join(lines[number + 1 :])
        match = _HEADER_LINE.fullmatch(line)
        if not match:
            return meta, "\n".join(lines[number:])
        key = match[1].lower()
        if key in meta:
            raise CommentFileError(f"the header has two {match[1]} lines")
        meta[key] = match[2].strip()
    return meta, ""


def read_comment(
    path: Path, *, post: str | None, timezone: str, max_length: int, size: int | None = None
) -> Comment:
    """Read one comment file (`size` in bytes, if the caller knows it); raise
    CommentFileError with the reason it cannot be used."""
    if not valid_id(path.stem):
        raise CommentFileError(
            "the file name must be the comment id: letters, digits, - and _ (e.g. 3.md)"
        )
    if size is None:
        size = path.stat().st_size
    if size > max_length * 4 + 4096:
        raise CommentFileError(
            f"the file is {size:,} bytes; comments are limited to {max_length:,} characters "
            "(COMMENTS['max_length'])"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommentFileError(
            f"it is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None
    comment = parse_comment(text, path.stem, post=post, timezone=timezone, max_length=max_length)
    comment.source = path
    return comment


def format_comment(comment: Comment, *, with_post: bool = False) -> str:
    """The file text for a comment; `with_post` adds the `Post:` line of queued comments."""
    values = {
        "post": comment.post if with_post else "",
        "author": comment.author,
        "date": comment.date.isoformat(sep=" ", timespec="seconds"),
        "email": comment.email,
        "url": comment.url,
        "replyto": comment.replyto,
    }
    header = "".join(f"{key.capitalize()}: {values[key]}\n" for key in _ORDER if values[key])
    return f"{header}\n{comment.body}\n"


def write_new(path: Path, text: str) -> None:
    """Create `path` with `text` atomically; refuse to replace an existing file."""
    data = text.encode("utf-8")  # text that cannot be written fails before any file exists
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".tmp-", delete=False) as handle:
        handle.write(data)
    try:
        os.link(handle.name, path)
    except FileExistsError:
        raise CommentsError(f"{path} already exists; nothing was overwritten") from None
    finally:
        Path(handle.name).unlink()


def comment_path(root: Path, comment: Comment) -> Path:
    return root / comment.post / f"{comment.id}.md"


def comment_folders(root: Path) -> tuple[list[tuple[str, list[Path]]], list[Problem]]:
    """The comment files under `root` as (post slug, files), and the misplaced files."""
    folders: list[tuple[str, list[Path]]] = []
    problems: list[Problem] = []
    if not root.is_dir():
        return folders, problems
    for entry in sorted(os.scandir(root), key=lambda entry: entry.name):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            problems.append(
                Problem(Path(entry.path), "comment files belong in a folder named after the post")
            )
            continue
        files = []
        for item in sorted(os.scandir(entry.path), key=lambda item: item.name):
            if item.name.startswith(".") or item.is_dir():
                continue
            path = Path(item.path)
            if path.suffix != ".md":
                problems.append(Problem(path, "comment files end in .md"))
                continue
            files.append(path)
        folders.append((entry.name, files))
    return folders, problems


def read_folder(
    post: str, files: list[Path], *, timezone: str, max_length: int
) -> tuple[list[Comment], list[Problem]]:
    """The readable comments of one post's folder, and the files that were skipped."""
    comments: list[Comment] = []
    problems: list[Problem] = []
    for path in files:
        try:
            comments.append(read_comment(path, post=post, timezone=timezone, max_length=max_length))
        except (CommentFileError, OSError) as error:
            problems.append(Problem(path, str(error)))
    return comments, problems


def load_comments(
    root: Path, *, timezone: str, max_length: int
) -> tuple[dict[str, list[Comment]], list[Problem]]:
    """Every readable comment under `root`, by post slug, and the files that were skipped."""
    folders, problems = comment_folders(root)
    comments: dict[str, list[Comment]] = {}
    for post, files in folders:
        found, skipped = read_folder(post, files, timezone=timezone, max_length=max_length)
        if found:
            comments[post] = found
        problems += skipped
    return comments, sorted(problems, key=lambda problem: problem.path)  # in file order


class Queue:
    """Comments waiting for moderation: `<root>/pending/<id>.md`, rejects in `rejected/`.

    The queue lives under data/ (git-ignored, never published).
    """

    def __init__(self, root: Path, *, timezone: str, max_length: int) -> None:
        self.pending = root / "pending"
        self.rejected = root / "rejected"
        self.timezone = timezone
        self.max_length = max_length

    def path(self, comment_id: str) -> Path:
        return self.pending / f"{comment_id}.md"

    def knows(self, comment_id: str) -> bool:
        """Whether a comment with this id is waiting or was rejected."""
        folders = (self.pending, self.rejected)
        return any((folder / f"{comment_id}.md").exists() for folder in folders)

    def add(self, comment: Comment) -> Path:
        path = self.path(comment.id)
        write_new(path, format_comment(comment, with_post=True))
        return path

    def get(self, comment_id: str) -> Comment:
        path = self.path(comment_id)
        if not valid_id(comment_id) or not path.is_file():
            raise CommentsError(
                f"no pending comment {comment_id!r}; `invoke comments.pending` lists them"
            )
        try:
            return self._read(path)
        except CommentFileError as error:
            raise CommentsError(f"{path}: {error}; fix or delete the file") from None

    def _read(self, path: Path) -> Comment:
        return read_comment(path, post=None, timezone=self.timezone, max_length=self.max_length)

    def all(self) -> tuple[list[Comment], list[Problem]]:
        """The pending comments, oldest first, and any queue file that cannot be read."""
        found: list[Comment] = []
        problems: list[Problem] = []
        for path in sorted(self.pending.glob("*.md")) if self.pending.is_dir() else []:
            try:
                found.append(self._read(path))
            except (CommentFileError, OSError) as error:
                problems.append(Problem(path, str(error)))
        return sorted(found, key=lambda c: (c.date, c.id)), problems

    def remove(self, comment_id: str) -> None:
        self.path(comment_id).unlink()

    def reject(self, comment_id: str) -> Comment:
        comment = self.get(comment_id)
        self.rejected.mkdir(parents=True, exist_ok=True)
        shutil.move(self.path(comment_id), self.rejected / f"{comment_id}.md")
        return comment
