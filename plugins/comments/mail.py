"""Replies by email: read .eml files, mboxes and Maildirs; parse the "Leave a reply" format.

The reply form (and each comment's "Reply by email" link) opens the reader's mail
client with a plain-text message whose body starts with `key=value` lines; the body
of the comment is everything from `body=` to the end (a `-- ` signature is cut off):

    post=finding-your-cadence
    replyto=3
    author=Jane Doe
    url=https://jane.example
    body=Thank you for this. Monthly works for me.
    And a second line.

`post` is required; `replyto` is the id of the comment answered (empty for a new
comment); `author` falls back to the From name; the email address always comes from
From. Keys are case-insensitive and `Key: value` works too. Headers are decoded with the
standard library's strict policy and every value is cleaned, so encoded CR/LF or
control characters in a From name end up as plain spaces, never as new headers.
"""

from __future__ import annotations

import email.errors
import email.policy
import functools
import hashlib
import mailbox
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

from .clean import clean_body, clean_email, clean_line, clean_url
from .model import Comment, CommentsError, valid_id, valid_slug

FIELDS = ("post", "replyto", "author", "url", "body")
_FIELD = re.compile(r"\s*(post|replyto|author|url|body)\s*[=:][ \t]?(.*)", re.IGNORECASE)
_PARSER = BytesParser(policy=email.policy.default)


class ReplyError(CommentsError):
    """A message is not a usable reply; the message is the reason."""


@functools.lru_cache(maxsize=65536)  # the same every build: livereload rebuilds often
def mailto(address: str, title: str) -> str:
    """The reply form's action: the form itself supplies the body (`enctype="text/plain"`)."""
    return f"mailto:{quote(address, safe='@')}?subject={quote(f'Comment on “{title}”')}"


@functools.lru_cache(maxsize=65536)
def reply_mailto(address: str, title: str, post: str, replyto: str) -> str:
    """A "Reply by email" link: the reply format with `post` and `replyto` filled in."""
    values = {"post": post, "replyto": replyto}
    body = "".join(f"{key}={values.get(key, '')}\r\n" for key in FIELDS)
    return f"{mailto(address, title)}&body={quote(body)}"


def messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for each message in an .eml file, an mbox or a Maildir."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise CommentsError(
                f"{path} is a folder but not a Maildir (no cur/, new/ and tmp/); "
                "pass an .eml file, an mbox or a Maildir"
            )
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield f"{path.name}/{key}", box.get_bytes(key)
        return
    if not path.is_file():
        raise CommentsError(f"{path} not found; pass an .eml file, an mbox or a Maildir")
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield path.name, path.read_bytes()
        return
    box = mailbox.mbox(path, factory=None, create=False)
    for number, key in enumerate(box.keys(), start=1):
        yield f"{path.name} message {number}", box.get_bytes(key)


def parse_reply(raw: bytes, *, max_length: int, now: datetime | None = None) -> Comment:
    """The pending comment in one reply message; raise ReplyError saying why not."""
    message = _PARSER.parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, address = _sender(message)
    fields = parse_fields(_plain_text(message))
    post = fields.get("post", "")
    if not valid_slug(post):
        raise ReplyError("no post=<slug> line; was the reply form's text kept?")
    replyto = fields.get("replyto", "")
    if replyto and not valid_id(replyto):
        raise ReplyError(f"replyto={replyto!r} is not a comment id")
    body = clean_body(fields.get("body", ""))
    if not body:
        raise ReplyError("the comment is empty (nothing after body=)")
    if len(body) > max_length:
        raise ReplyError(f"the comment is {len(body):,} characters; the limit is {max_length:,}")
    author = clean_line(fields.get("author", "")) or name or address.split("@")[0]
    received = now or datetime.now(UTC)
    return Comment(
        id=reply_id(message, address, body),
        post=post,
        author=author,
        date=min(_date(message) or received, received),
        body=body,
        email=address,
        url=clean_url(fields.get("url", "")),
        replyto=replyto,
    )


def parse_fields(text: str) -> dict[str, str]:
    """The `key=value` lines of a reply; `body` is the rest of the text, minus a signature."""
    fields: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines):
        match = _FIELD.fullmatch(line)
        if not match:
            continue
        key = match[1].lower()
        if key == "body":
            rest = [match[2], *lines[number + 1 :]]
            if "-- " in rest:
                rest = rest[: rest.index("-- ")]
            fields["body"] = "\n".join(rest)
            break
        fields.setdefault(key, match[2].strip())
    return fields


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        addresses = message["From"].addresses if message["From"] else ()
    except (email.errors.HeaderParseError, AttributeError, IndexError, ValueError):
        addresses = ()
    if len(addresses) != 1:
        raise ReplyError("the From header is not exactly one well-formed address")
    address = clean_email(addresses[0].addr_spec)
    if not address:
        raise ReplyError("the From address is not a valid email address")
    return clean_line(addresses[0].display_name), address


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise ReplyError("the message has no plain-text part; send the reply as plain text")
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):
        raise ReplyError("the text cannot be decoded (unknown or wrong charset)") from None


def _date(message: EmailMessage) -> datetime | None:
    try:
        date = message["Date"].datetime if message["Date"] else None
    except (AttributeError, TypeError, ValueError, email.errors.HeaderParseError):
        return None
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date


def reply_id(message: EmailMessage, address: str, body: str) -> str:
    """A stable id from the Message-ID (else sender and text): ingesting twice is a no-op.

    The header is read as sent: the email package's parser fails on some malformed
    Message-IDs (an unclosed domain literal raises AttributeError in Python 3.11)."""
    raw = next((value for name, value in message.raw_items() if name.lower() == "message-id"), "")
    message_id = clean_line(str(raw), 998)
    key = message_id or f"{address}\n{body}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]
