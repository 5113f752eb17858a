"""Input hygiene: every name, URL, email and body is cleaned here on its way in.

Comment files, reply emails and import files all pass through these functions, so
what reaches the store, the templates and the feeds is already free of control
characters, bidi overrides and line breaks in single-line fields.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from urllib.parse import quote, urlsplit

MAX_NAME = 100
MAX_URL = 500
# Characters a URL keeps as they are; anything else (spaces, quotes, <, >) is %-encoded.
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"

# C0 and C1 controls except tab and newline, DEL, the bidi embedding/override/isolate
# marks that can make a name or a URL read differently from what it is ("Trojan source"),
# lone surrogates and the non-characters U+FFFE and U+FFFF (neither UTF-8 nor XML takes them).
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
)
_SPACE = re.compile(r"\s+")


def _strip_unsafe(text: str) -> str:
    """`text` without unsafe characters; raw 8-bit bytes that the email package kept as
    surrogates (a From name sent without encoding) are read as UTF-8 first."""
    with contextlib.suppress(UnicodeEncodeError):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _UNSAFE.sub("", text)


def clean_body(text: str) -> str:
    """Normalise newlines, drop control characters, trim trailing blank space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in _strip_unsafe(text).split("\n")).strip("\n")


def clean_line(text: str, limit: int = MAX_NAME) -> str:
    """One line of plain text: controls removed, any whitespace run (CR/LF too) one space."""
    text = unicodedata.normalize("NFC", _strip_unsafe(text))
    return _SPACE.sub(" ", text).strip()[:limit].strip()


def printable(text: str) -> str:
    """`text` safe to show in a terminal: no control characters (so no escape sequences),
    no bidi overrides, line breaks as spaces. Rich markup still needs escaping."""
    return _SPACE.sub(" ", _strip_unsafe(text)).strip()


def clean_url(url: str) -> str:
    """An absolute http(s) URL with a host (quotes and spaces %-encoded), or "" otherwise."""
    url = quote(clean_line(url, MAX_URL), safe=URL_SAFE)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def clean_email(address: str) -> str:
    """A syntactically valid address (no DNS look-up), lower-cased domain, or ""."""
    address = clean_line(address, 254)
    if not address:
        return ""
    # Imported here: most builds have no address to check, and it takes a while to load.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""
