"""A rendered issue: what the build leaves for the sender, and personalising it per contact.

The build renders each issue's email once, with placeholders where the reader's first
name, address and unsubscribe link go, and saves it under `cache/newsletter/<n>/`
(`issue.json`, `email.html`, `email.txt`; see docs/newsletter.md for why not in
output/). `load_rendered` reads it back; `RenderedIssue.personalise` fills the
placeholders for one contact by joining precomputed pieces, and `message` joins pieces
quoted-printable-encoded once per issue, so a personalised message costs microseconds.
Values are HTML-escaped for the HTML part; a contact's data is inserted once and never
re-read as a placeholder.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from plugins.blog.build import read_settings
from plugins.errors import NurtureError

from .message import Address, Frame, join_encoded, quoted_printable

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("first_name", "email", "unsubscribe_url")
TOKENS = {name: f"{{{{nurture:{name}}}}}" for name in FIELDS}
_TOKEN = re.compile(r"\{\{nurture:(" + "|".join(FIELDS) + r")\}\}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MANIFEST, HTML, TEXT = "issue.json", "email.html", "email.txt"


class NotRendered(NurtureError):
    """The issue has no rendered email: it does not exist, has errors or was not built."""


class Recipient(Protocol):
    """Who an issue is personalised for (a contacts.Contact is one)."""

    @property
    def email(self) -> str: ...

    @property
    def first_name(self) -> str: ...


@dataclass(frozen=True)
class Reader:
    """A recipient that is not (or not yet) a contact: a preview, a test address."""

    email: str
    first_name: str = ""


@dataclass(frozen=True)
class Template:
    """Text split at its placeholders: literal pieces at even positions, field names at odd."""

    parts: tuple[str, ...]
    encoded: tuple[bytes, ...]  # the literal pieces quoted-printable, b"" for the fields

    @classmethod
    def parse(cls, text: str) -> Template:
        parts = tuple(_TOKEN.split(text))
        return cls(
            parts, tuple(b"" if i % 2 else quoted_printable(part) for i, part in enumerate(parts))
        )

    def fill(self, values: dict[str, str]) -> str:
        parts = list(self.parts)
        parts[1::2] = [values[name] for name in self.parts[1::2]]
        return "".join(parts)

    def fill_encoded(self, values: dict[str, str]) -> bytes:
        encoded = list(self.encoded)
        encoded[1::2] = [quoted_printable(values[name]) for name in self.parts[1::2]]
        return join_encoded(encoded)


@dataclass(frozen=True)
class RenderedIssue:
    """One issue's email as built, ready to personalise for each reader."""

    number: int
    source: str
    subject: str
    preheader: str
    status: str
    date: datetime
    posts: tuple[str, ...]
    segment: tuple[str, ...]
    url: str
    siteurl: str
    sender: Address
    reply_to: Address
    unsubscribe_template: str
    fallback_name: str
    html: str = field(repr=False)
    text: str = field(repr=False)
    _html: Template = field(init=False, repr=False, compare=False)
    _text: Template = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_html", Template.parse(self.html))
        object.__setattr__(self, "_text", Template.parse(self.text))

    @cached_property
    def _frame(self) -> Frame:
        """What every reader's copy shares (built at the first message, which checks it)."""
        return Frame(sender=self.sender, subject=self.subject, reply_to=self.reply_to)

    def unsubscribe_url(self, email: str) -> str:
        """The configured unsubscribe link for this address."""
        return self.unsubscribe_template.replace("{email}", quote(email, safe="@"))

    def _values(
        self, recipient: Recipient, unsubscribe_url: str | None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The reader's values as text, and HTML-escaped."""
        name = " ".join(_CONTROL.sub(" ", recipient.first_name).split()) or self.fallback_name
        values = {
            "first_name": name,
            "email": recipient.email,
            "unsubscribe_url": unsubscribe_url or self.unsubscribe_url(recipient.email),
        }
        return values, {key: escape(value, quote=True) for key, value in values.items()}

    def personalise(
        self, recipient: Recipient, unsubscribe_url: str | None = None
    ) -> tuple[str, str]:
        """(text, html) for one reader; `unsubscribe_url` overrides the configured link."""
        values, escaped = self._values(recipient, unsubscribe_url)
        return self._text.fill(values), self._html.fill(escaped)

    def message(
        self,
        recipient: Recipient,
        *,
        to: Address | None = None,
        subject_prefix: str = "",
        unsubscribe_url: str | None = None,
        message_id: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> bytes:
        """The whole message for `recipient`, addressed to them (or to `to`)."""
        values, escaped = self._values(recipient, unsubscribe_url)
        frame = self._frame
        if subject_prefix:
            frame = Frame(
                sender=self.sender, subject=subject_prefix + self.subject, reply_to=self.reply_to
            )
        return frame.message(
            to=to or Address(recipient.email, recipient.first_name),
            text=self._text.fill_encoded(values),
            html=self._html.fill_encoded(escaped),
            message_id=message_id,
            headers=headers,
        )

    def manifest(self) -> dict[str, object]:
        return {
            "number": self.number,
            "source": self.source,
            "subject": self.subject,
            "preheader": self.preheader,
            "status": self.status,
            "date": self.date.isoformat(),
            "posts": list(self.posts),
            "segment": list(self.segment),
            "url": self.url,
            "siteurl": self.siteurl,
            "sender": [self.sender.email, self.sender.name],
            "reply_to": [self.reply_to.email, self.reply_to.name],
            "unsubscribe_template": self.unsubscribe_template,
            "fallback_name": self.fallback_name,
        }


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        handle.write(text)
    Path(handle.name).replace(path)


def save_rendered(issue: RenderedIssue, directory: Path) -> Path:
    """Write the issue under `directory/<number>/` (unchanged files stay untouched)."""
    folder = directory / str(issue.number)
    folder.mkdir(parents=True, exist_ok=True)
    _write_if_changed(folder / HTML, issue.html)
    _write_if_changed(folder / TEXT, issue.text)
    _write_if_changed(folder / MANIFEST, json.dumps(issue.manifest(), indent=2) + "\n")
    return folder


def remove_stale(directory: Path, content: Path, keep: set[int]) -> None:
    """Delete what earlier builds of `content` rendered for issues not in `keep`.

    Folders rendered from another content directory (a test site, a second project
    sharing the cache) are left alone.
    """
    if not directory.is_dir():
        return
    for folder in directory.iterdir():
        if not folder.name.isdigit() or int(folder.name) in keep:
            continue
        try:
            source = Path(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["source"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if source.parent.parent == content:
            shutil.rmtree(folder, ignore_errors=True)


def rendered_directory(settings_file: Path = ROOT / "pelicanconf.py") -> Path:
    """Where builds with these settings save rendered issues: CACHE_PATH/newsletter."""
    return Path(read_settings(settings_file)["CACHE_PATH"]) / "newsletter"


def load_rendered(number: int, directory: Path | None = None) -> RenderedIssue:
    """The issue as the last build rendered it; raise NotRendered if there is none."""
    folder = (directory or rendered_directory()) / str(number)
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return RenderedIssue(
            number=data["number"],
            source=data["source"],
            subject=data["subject"],
            preheader=data["preheader"],
            status=data["status"],
            date=datetime.fromisoformat(data["date"]),
            posts=tuple(data["posts"]),
            segment=tuple(data["segment"]),
            url=data["url"],
            siteurl=data["siteurl"],
            sender=Address(*data["sender"]),
            reply_to=Address(*data["reply_to"]),
            unsubscribe_template=data["unsubscribe_template"],
            fallback_name=data["fallback_name"],
            html=(folder / HTML).read_text(encoding="utf-8"),
            text=(folder / TEXT).read_text(encoding="utf-8"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise NotRendered(
            f"issue {number} has no rendered email in {folder}: check that "
            f"content/newsletter/{number}.md exists, then build (`invoke build`) and fix "
            "any error it reports"
        ) from None
