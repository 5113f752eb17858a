"""Email messages: header values checked against injection, and the MIME bytes built directly.

Python 3.11.7's email package is vulnerable to CVE-2024-6923: a line break (or an encoded
word that decodes to one) in a header value can become an extra header or recipient. So
every value bound for a header is checked here first, and refused rather than cleaned.

`compose` writes a multipart/alternative message (plain text first, then HTML, both
UTF-8 quoted-printable) as bytes with CRLF line ends, without building an EmailMessage:
the sender composes one message per contact, and this is the cheap way: a `Frame` holds
what every copy shares, checked and encoded once. Quoted-printable segments joined by
soft line breaks (`join_encoded`) decode to the joined text, so a template encoded once
can be completed per reader by encoding only what differs.
"""

from __future__ import annotations

import binascii
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid
from functools import lru_cache
from typing import Any

from plugins.errors import NurtureError

# C0 and C1 controls (tab, CR and LF included), DEL, and the Unicode line and paragraph
# separators that str.splitlines() (and so the email package) treats as line breaks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# An RFC 2047 encoded word, loosely: anything between "=?" and "?=".
_ENCODED_WORD = re.compile(r"=\?.*\?=", re.S)
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")
# Text that quoted-printable leaves as it is but "=" (as "=3D"): printable ASCII, no space.
_QP_PLAIN = re.compile("[!-~]*")
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
# Quoted-printable output never contains "=_", so this boundary cannot occur in a part.
BOUNDARY = "=_nurture_alternative"
SOFT_BREAK = b"=\r\n"
_DELIMITER = f"\r\n--{BOUNDARY}\r\n"
_PART = (
    "Content-Type: text/{}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
)
# What follows the headers up to the plain text, what comes between it and the HTML, the end.
_PLAIN = (
    f'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{BOUNDARY}"\r\n'
    + _DELIMITER
    + _PART.format("plain")
).encode("ascii")
_HTML = (_DELIMITER + _PART.format("html")).encode("ascii")
_END = f"\r\n--{BOUNDARY}--\r\n".encode("ascii")


class HeaderError(NurtureError):
    """A value would let its text become another header or recipient."""


def check_header_text(value: str, what: str) -> str:
    """Return `value` if it is safe in a header; raise HeaderError saying what to change."""
    if _UNSAFE.search(value):
        raise HeaderError(
            f"{what} contains a line break or control character; write it on one line"
        )
    if _ENCODED_WORD.search(value):
        raise HeaderError(
            f"{what} contains an encoded word (=?...?=); write the text itself, Nurture encodes it"
        )
    return value


def check_address(email: str) -> str:
    """Return `email` if it is a plain ASCII address, safe in a header or an SMTP command."""
    if not (email.isascii() and _ADDRESS.fullmatch(email)):
        raise HeaderError(
            f"{email!r} is not an address Nurture can send to "
            "(one @, no spaces or brackets, an ASCII local part)"
        )
    return email


@dataclass(frozen=True)
class Address:
    """A mailbox: an ASCII address (an IDN domain is converted) and an optional name."""

    email: str
    name: str = ""

    def __post_init__(self) -> None:
        check_header_text(self.name, f"the name of {self.email!r}")
        local, at, domain = self.email.rpartition("@")
        if at and not domain.isascii():
            try:
                domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                domain = ""
            object.__setattr__(self, "email", f"{local}@{domain}")
        check_address(self.email)

    def header(self) -> str:
        return formataddr((self.name, self.email), charset="utf-8")


@lru_cache(maxsize=4096)
def _encoded(name: str, value: str) -> str:
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def _header(name: str, value: str) -> str:
    """An extra header line: ASCII as it is, folded after its commas when long (a list of
    addresses such as List-Unsubscribe's); other text encoded (RFC 2047)."""
    if not value.isascii():
        return f"{name}: {_encoded(name, value)}"
    line = f"{name}: {value}"
    return line if len(line) <= 78 else f"{name}: " + ",\r\n ".join(value.split(", "))


@lru_cache(maxsize=1)
def _date_now(second: int) -> str:
    """The Date header value for this second (computed once per second)."""
    return format_datetime(datetime.fromtimestamp(second, UTC))


def quoted_printable(text: str) -> bytes:
    """`text` as UTF-8 quoted-printable with CRLF line ends and lines of at most 76 bytes.

    No line starts with ".", which SMTP would have to double: the sender passes a
    message to the server as it is.
    """
    if _QP_PLAIN.fullmatch(text) and not text.startswith("."):  # a name, an address, a link
        encoded = text.replace("=", "=3D")
        if len(encoded) < 76:  # b2a_qp would break a line of 76 that ends in "=3D"
            return encoded.encode("ascii")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(lines, istext=True)
    if encoded.startswith(b".") or b"\n." in encoded:
        encoded = b"\n".join(map(_escape_leading_dot, encoded.split(b"\n")))
    return encoded.replace(b"\n", b"\r\n")


def _escape_leading_dot(line: bytes) -> bytes:
    """An encoded line with a leading "." as "=2E", wrapped by a soft line break when that
    makes it longer than 76 bytes (never inside an =XX escape)."""
    if not line.startswith(b"."):
        return line
    line = b"=2E" + line[1:]
    if len(line) <= 76:
        return line
    cut = 75
    escape = line.rfind(b"=", cut - 2, cut)
    if escape != -1:
        cut = escape
    return line[:cut] + b"=\n" + _escape_leading_dot(line[cut:])


def join_encoded(segments: Iterable[bytes]) -> bytes:
    """Quoted-printable segments as one body that decodes to their texts run together."""
    return SOFT_BREAK.join(segments)


def compose(
    *,
    sender: Address,
    to: Address,
    subject: str,
    text: str,
    html: str,
    reply_to: Address | None = None,
    **fields: Any,
) -> bytes:
    """The message as bytes ready for SMTP: text/plain first, then text/html.

    `fields` are the keyword arguments of `Frame.message`.
    """
    frame = Frame(sender=sender, subject=subject, reply_to=reply_to)
    return frame.message(to=to, text=quoted_printable(text), html=quoted_printable(html), **fields)


class Frame:
    """What every copy of a message has in common, checked and encoded once: From, Reply-To,
    Subject and the MIME structure. `message` completes one copy."""

    def __init__(self, *, sender: Address, subject: str, reply_to: Address | None = None) -> None:
        check_header_text(subject, "the subject")
        self.domain = sender.email.rpartition("@")[2]
        self._from = f"From: {sender.header()}\r\n".encode("ascii")
        self._fixed = [
            *([f"Reply-To: {reply_to.header()}"] if reply_to else []),
            f"Subject: {_encoded('Subject', subject)}",
        ]

    def message(
        self,
        *,
        to: Address,
        text: bytes,
        html: bytes,
        date: datetime | None = None,
        message_id: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> bytes:
        """One copy, with parts already quoted-printable (see `quoted_printable`).

        `headers` are extra (name, value) pairs such as List-Unsubscribe; every value is
        checked, and a bad one raises HeaderError.
        """
        if message_id is None:
            message_id = make_msgid(domain=self.domain)
        lines = [
            f"To: {to.header()}",
            *self._fixed,
            f"Date: {format_datetime(date) if date else _date_now(int(time.time()))}",
            f"Message-ID: {check_header_text(message_id, 'the Message-ID')}",
        ]
        for name, value in headers:
            if not _HEADER_NAME.fullmatch(name):
                raise HeaderError(f"{name!r} is not a header name")
            lines.append(_header(name, check_header_text(value, f"the {name} header")))
        head = "\r\n".join(lines).encode("ascii")
        return b"".join((self._from, head, _PLAIN, text, _HTML, html, _END))
